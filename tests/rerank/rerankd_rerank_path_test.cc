// rerankd's rerank path in front of the real OpenSearch node with synced
// vectors: shoppers get their own order, pages stay consistent, passthrough
// reasons, the tower without index vectors, the deadline, events, the
// official JavaScript client, _msearch, extra candidates within filters,
// gzip, cookies, explain, and live click statistics.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>

#include "tests/rerank/rerankd_opensearch_support.h"

using namespace rr;
using namespace rr::testing;

namespace {

struct Shop {
  std::unique_ptr<connectors::EngineClient> engine = openSearchClient();
  std::string index = uniqueIndexName("rerank-shop");
  IndexGuard guard{*engine, index};
  IndexGuard state_guard{*engine, index + "-state"};
  std::filesystem::path dir = tempDir("shop");
  std::string model;
  std::vector<ShopItem> items = shopItems(200);

  explicit Shop(bool sync_vectors = true, bool knn = false) {
    createShopIndex(*engine, index, items, knn);
    model = saveBrandModel(dir, "brand-v1");
    if (sync_vectors) {
      auto loaded = scoring::loadModel(model);
      REQUIRE(loaded);
      index_sync::SyncOptions o;
      o.storefront = shopStorefront("shop", index);
      o.index = index;
      o.state_index = index + "-state";
      if (knn) o.storefront.vector.mode = config::VectorConfig::Mode::kKnn;
      index_sync::Syncer syncer(*engine, *loaded, o);
      auto r = syncer.run(index_sync::SyncMode::kFull);
      REQUIRE(r);
      REQUIRE(r->updated == items.size());
    }
  }

  std::string config(const std::string& extra = "") const {
    return configFor(openSearchUrl(), index, model,
                     "    fields: {title: title, description: description, brand: brand, "
                     "category: category, price: price}\n" + extra);
  }

  // Three purchases of `brand` items by `user`.
  void buy(RerankdProcess& rerankd, const std::string& user, const std::string& brand) {
    // Recent purchases: history weights halve every 30 days.
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    std::string lines;
    int n = 0;
    for (const auto& item : items) {
      if (item.brand != brand || n == 3) continue;
      lines += R"({"event_id":")" + user + "-" + brand + "-" + std::to_string(n) +
               R"(","storefront":"shop","user_id":")" + user + R"(","session_id":"s-)" + user +
               R"(","type":"purchase","item_id":")" + item.id + R"(","ts":)" +
               std::to_string(now_ms) + "}\n";
      ++n;
    }
    const auto r = call(rerankd.client(), "POST", "/_rerank/events", lines, "",
                        {{"Content-Type", "application/x-ndjson"}});
    REQUIRE(r.status == 200);
    REQUIRE(r.body.find("\"accepted\":3") != std::string::npos);
  }

  std::string brandOf(std::string_view id) const {
    for (const auto& item : items) {
      if (item.id == id) return item.brand;
    }
    return "";
  }
};

// A reranked page keeps the engine's `hits.total` for the same search.
void checkEngineTotal(const std::string& engine_body, const std::string& reranked_body) {
  auto engine_page = connectors::parseSearchResponse(engine_body);
  auto page = connectors::parseSearchResponse(reranked_body);
  REQUIRE(engine_page);
  REQUIRE(page);
  CHECK(page->total == engine_page->total);
}

std::vector<std::string> ids(const std::string& body) {
  auto parsed = connectors::parseSearchResponse(body);
  if (!parsed) FAIL("response does not parse: " << parsed.error().message << "\n" << body);
  std::vector<std::string> out;
  for (const auto& h : parsed->hits) out.emplace_back(h.id);
  return out;
}

constexpr const char* kQuery = R"({"query":{"match":{"description":"item"}},"size":10})";

}  // namespace

TEST_CASE("a search is reranked for each shopper by their own history",
          "[rerankd][opensearch]") {
  Shop shop;
  RerankdProcess rerankd(shop.dir, shop.config());
  shop.buy(rerankd, "alice", "Acme");
  shop.buy(rerankd, "bob", "Hooli");
  const auto path = "/" + shop.index + "/_search";
  const auto direct = call(*shop.engine, "POST", path, kQuery);
  const auto alice = call(rerankd.client(), "POST", path, kQuery, "", {{"X-User-Id", "alice"}});
  const auto bob = call(rerankd.client(), "POST", path, kQuery, "", {{"X-User-Id", "bob"}});
  const auto anonymous = call(rerankd.client(), "POST", path, kQuery);

  for (const auto* r : {&alice, &bob, &anonymous}) {
    CHECK(r->status == 200);
    CHECK(r->header("X-Rerank") == "applied");
    CHECK(r->header("X-Rerank-Model") == "brand-v1");
    CHECK(r->header("X-Rerank-Vectors") == "index=100;computed=0");  // index-sync's vectors
    CHECK(r->body.find("rr_vector") == std::string::npos);           // never leaked
    CHECK(ids(r->body).size() == 10);
    // Per-stage times in ms, two decimals; the total covers the engine call.
    const std::string timing(r->header("X-Rerank-Timing"));
    std::smatch m;
    REQUIRE(std::regex_match(timing, m,
                             std::regex(R"(upstream=(\d+\.\d\d);parse=\d+\.\d\d;extra=\d+\.\d\d;)"
                                        R"(rerank=\d+\.\d\d;write=\d+\.\d\d;total=(\d+\.\d\d))")));
    CHECK(std::stod(m[2].str()) >= std::stod(m[1].str()));
    CHECK(std::stod(m[1].str()) > 0);
  }
  for (const auto& id : ids(alice.body)) CHECK(shop.brandOf(id) == "Acme");
  for (const auto& id : ids(bob.body)) CHECK(shop.brandOf(id) == "Hooli");
  CHECK(ids(alice.body) != ids(bob.body));
  // Without history the model keeps the engine's order.
  CHECK(ids(anonymous.body) == ids(direct.body));
  // The response is the engine's shape: the same total and shards.
  auto engine_page = connectors::parseSearchResponse(direct.body);
  auto alice_page = connectors::parseSearchResponse(alice.body);
  REQUIRE(engine_page);
  REQUIRE(alice_page);
  CHECK(alice_page->total == engine_page->total);
  CHECK(alice_page->shards == engine_page->shards);
  REQUIRE(alice_page->max_score);
  CHECK(*alice_page->max_score == alice_page->hits[0].score);
}

TEST_CASE("page 2 of a reranked search continues page 1 without duplicates or gaps",
          "[rerankd][opensearch]") {
  Shop shop;
  RerankdProcess rerankd(shop.dir, shop.config());
  shop.buy(rerankd, "alice", "Acme");
  const auto path = "/" + shop.index + "/_search";
  const std::vector<connectors::Header> as_alice = {{"X-User-Id", "alice"}};
  const auto top20 = ids(call(rerankd.client(), "POST", path,
                              R"({"query":{"match":{"description":"item"}},"size":20})", "", as_alice)
                             .body);
  const auto page1 = ids(call(rerankd.client(), "POST", path,
                              R"({"query":{"match":{"description":"item"}},"size":10})", "", as_alice)
                             .body);
  // A new purchase between the pages must not reshuffle what page 2 shows.
  shop.buy(rerankd, "alice", "Hooli");
  const auto page2 = ids(call(rerankd.client(), "POST", path,
                              R"({"query":{"match":{"description":"item"}},"from":10,"size":10})",
                              "", as_alice)
                             .body);
  REQUIRE(page1.size() == 10);
  REQUIRE(page2.size() == 10);
  std::vector<std::string> both = page1;
  both.insert(both.end(), page2.begin(), page2.end());
  CHECK(both == top20);
}

TEST_CASE("searches the rerank path must not touch are passed through, saying why",
          "[rerankd][opensearch]") {
  Shop shop(false);
  RerankdProcess rerankd(shop.dir, shop.config());
  const auto path = "/" + shop.index + "/_search";
  const std::string by_price = R"({"query":{"match_all":{}},"sort":[{"price":"asc"}]})";
  const auto sorted = call(rerankd.client(), "POST", path, by_price);
  CHECK(sorted.header("X-Rerank") == "skipped; reason=sorted");
  // Relayed as the engine wrote it: the same bytes as a direct call, but
  // for `took`, which each call measures anew.
  const auto sorted_direct = call(*shop.engine, "POST", path, by_price);
  const std::regex took(R"("took":\d+)");
  CHECK(sorted.status == sorted_direct.status);
  CHECK(sorted.header("Content-Type") == sorted_direct.header("Content-Type"));
  CHECK(std::regex_replace(sorted.body, took, R"("took":0)") ==
        std::regex_replace(sorted_direct.body, took, R"("took":0)"));
  CHECK(ids(sorted.body).size() == 10);
  const auto count_only = call(rerankd.client(), "POST", path, R"({"size":0})");
  CHECK(count_only.header("X-Rerank") == "skipped; reason=size_0");
  const auto deep = call(rerankd.client(), "POST", path, R"({"from":95,"size":10})");
  CHECK(deep.header("X-Rerank") == "skipped; reason=beyond_window");
  CHECK(ids(deep.body).size() == 10);
  const auto malformed = call(rerankd.client(), "POST", path, R"({"query":)");
  CHECK(malformed.status == 400);
  CHECK(malformed.body.find("\"status\":400}") != std::string::npos);
  CHECK(malformed.body.find("json_parse_exception") != std::string::npos);
}

TEST_CASE("without index vectors the tower computes them, and past the deadline the engine's "
          "order is served", "[rerankd][opensearch]") {
  Shop shop(false);
  {
    RerankdProcess rerankd(shop.dir, shop.config());
    const auto r = call(rerankd.client(), "POST", "/" + shop.index + "/_search", kQuery);
    CHECK(r.header("X-Rerank") == "applied");
    CHECK(r.header("X-Rerank-Vectors") == "index=0;computed=100");
    rerankd.stop();
  }
  RerankdProcess rerankd(shop.dir, shop.config("    deadline_ms: 1\n    window: 1000\n"));
  const auto direct = call(*shop.engine, "POST", "/" + shop.index + "/_search", kQuery);
  shop.buy(rerankd, "alice", "Acme");
  const auto r = call(rerankd.client(), "POST", "/" + shop.index + "/_search", kQuery, "",
                      {{"X-User-Id", "alice"}});
  CHECK(r.status == 200);
  CHECK(r.header("X-Rerank") == "fallback; reason=deadline");
  CHECK(ids(r.body) == ids(direct.body));
  const auto metrics = call(rerankd.client(), "GET", "/metrics").body;
  CHECK(metrics.find("outcome=\"fallback\",reason=\"deadline\"") != std::string::npos);
}

TEST_CASE("events are judged line by line, duplicates applied once", "[rerankd][opensearch]") {
  Shop shop(false);
  RerankdProcess rerankd(shop.dir, shop.config());
  const std::string body =
      R"({"event_id":"e1","storefront":"shop","user_id":"u","type":"click","item_id":"sku-1000","ts":1})" "\n"
      R"({"event_id":"e2","storefront":"nope","user_id":"u","type":"click","item_id":"sku-1000","ts":1})" "\n"
      R"({"event_id":"e3","storefront":"shop","user_id":"u","type":"teleport","item_id":"sku-1000","ts":1})" "\n"
      R"(not json)" "\n"
      R"({"event_id":"e1","storefront":"shop","user_id":"u","type":"click","item_id":"sku-1000","ts":1})" "\n";
  const auto r = call(rerankd.client(), "POST", "/_rerank/events", body);
  CHECK(r.status == 200);
  CHECK(r.body.find("\"errors\":true") != std::string::npos);
  CHECK(r.body.find("\"accepted\":1") != std::string::npos);
  CHECK(r.body.find("unknown storefront 'nope'") != std::string::npos);
  CHECK(r.body.find("type must be view, click, cart, purchase or search") != std::string::npos);
  CHECK(r.body.find(R"({"line":5,"status":200,"result":"duplicate")") != std::string::npos);
}

TEST_CASE("the official OpenSearch JavaScript client works through rerankd",
          "[rerankd][opensearch]") {
  const std::filesystem::path js = std::filesystem::path(RR_SOURCE_DIR) / "tests" / "js";
  if (std::system("command -v node >/dev/null 2>&1") != 0) {
    FAIL("node is not installed (scripts/install-deps.sh installs it)");
  }
  if (!std::filesystem::exists(js / "node_modules" / "@opensearch-project" / "opensearch")) {
    FAIL("the client is not installed: run `npm ci --prefix tests/js` (scripts/test.sh does)");
  }
  Shop shop;
  // A generous deadline, as the other tests that need `applied`: the first
  // search on a busy machine (the suite runs two tests at a time) can take
  // longer than the default, and this test is about the response's shape.
  RerankdProcess rerankd(shop.dir, shop.config("    deadline_ms: 5000\n"));
  shop.buy(rerankd, "alice", "Acme");
  const std::string command = "node " + (js / "client_test.mjs").string() + " " + rerankd.url() +
                              " " + shop.index + " > " + (shop.dir / "js.log").string() + " 2>&1";
  const int status = std::system(command.c_str());
  std::ifstream in(shop.dir / "js.log");
  std::string output((std::istreambuf_iterator<char>(in)), {});
  INFO(output);
  CHECK(status == 0);
  CHECK(output.find("FAIL") == std::string::npos);
  CHECK(output.find("ok: x-rerank is applied") != std::string::npos);
}

TEST_CASE("each search inside an _msearch is handled on its own", "[rerankd][opensearch]") {
  Shop shop;
  RerankdProcess rerankd(shop.dir, shop.config());
  shop.buy(rerankd, "alice", "Acme");
  const std::string body =
      "{\"index\":\"" + shop.index + "\"}\n" + kQuery + "\n" +
      "{\"index\":\"" + shop.index + "\"}\n" +
      R"({"query":{"match_all":{}},"sort":[{"price":"asc"}],"size":3})" "\n" +
      "{}\n" + R"({"from":"x"})" "\n";
  auto raw = rerankd.client().raw({"POST", "/" + shop.index + "/_msearch", "",
                                   {{"X-User-Id", "alice"}, {"Content-Type", "application/x-ndjson"}},
                                   body});
  REQUIRE(raw);
  CHECK(raw->status == 200);
  auto parsed = connectors::parseMsearchResponse(raw->body);
  REQUIRE(parsed);
  REQUIRE(parsed->responses.size() == 3);
  REQUIRE(parsed->responses[0]);
  for (const auto& h : parsed->responses[0]->hits) CHECK(shop.brandOf(h.id) == "Acme");
  CHECK(raw->body.find("rr_vector") == std::string::npos);
  REQUIRE(parsed->responses[1]);
  CHECK(parsed->responses[1]->hits.size() == 3);
  REQUIRE_FALSE(parsed->responses[2]);
  CHECK(parsed->responses[2].error().http_status == 400);
  // One request id per search, in order: the reranked one's, then "-" for
  // the price-sorted search passed through and the bad one.
  const std::string ids(raw->header("X-Rerank-Request-Id"));
  CHECK(std::regex_match(ids, std::regex("[0-9a-f]{16},-,-")));
  // A click naming it joins the live click statistics, as for a _search.
  const std::string clicked(parsed->responses[0]->hits.back().id);
  const auto events = call(rerankd.client(), "POST", "/_rerank/events",
                           R"({"event_id":"m1","storefront":"shop","user_id":"alice","type":"click",)"
                           R"("item_id":")" + clicked + R"(","request_id":")" + ids.substr(0, 16) +
                               R"(","ts":)" + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                              std::chrono::system_clock::now().time_since_epoch())
                                              .count()) + "}\n",
                           "", {{"Content-Type", "application/x-ndjson"}});
  CHECK(events.status == 200);
  const auto metrics = call(rerankd.client(), "GET", "/metrics");
  CHECK(metrics.body.find("rerank_live_clicks_total{storefront=\"shop\"} 1\n") != std::string::npos);
}

namespace {

bool hasKnnPlugin(connectors::EngineClient& engine) {
  const auto plugins = call(engine, "GET", "/_cat/plugins", "", "format=json");
  return plugins.body.find("opensearch-knn") != std::string::npos;
}

}  // namespace

TEST_CASE("extra candidates from the k-NN search stay within the client's filters",
          "[rerankd][opensearch]") {
  {
    auto engine = openSearchClient();
    if (!hasKnnPlugin(*engine)) {
      WARN("SKIPPED: the node has no k-NN plugin (scripts/test.sh starts it with "
           "RR_OPENSEARCH_KNN=1)");
      return;
    }
  }
  Shop shop(/*sync_vectors=*/true, /*knn=*/true);
  RerankdProcess rerankd(shop.dir,
                         shop.config("    window: 20\n    deadline_ms: 5000\n"
                                     "    extra_candidates: {enabled: true, k: 40, on_empty: true}\n"));
  const auto path = "/" + shop.index + "/_search";
  // "Keyboards" in the title matches 50 items, 10 of them Acme; the filters
  // keep Acme items priced at most 400: the engine finds 8 of those.
  const std::string query =
      R"({"size":20,"query":{"bool":{"must":[{"match":{"title":"Keyboards"}}],)"
      R"("filter":[{"term":{"brand":"Acme"}}],"must_not":{"range":{"price":{"gt":400}}}}}})";
  auto allowed = [&](std::string_view id) {
    for (const auto& item : shop.items) {
      if (item.id == id) return item.brand == "Acme" && item.price <= 400;
    }
    return false;
  };
  int allowed_total = 0;
  for (const auto& item : shop.items) allowed_total += item.brand == "Acme" && item.price <= 400;
  REQUIRE(allowed_total > 20);

  const auto direct = call(*shop.engine, "POST", path, query);
  const auto engine_ids = ids(direct.body);
  REQUIRE(engine_ids.size() < 20);  // the text query alone cannot fill the page
  const auto r = call(rerankd.client(), "POST", path, query, "", {{"X-User-Id", "carol"}});
  CHECK(r.status == 200);
  CHECK(r.header("X-Rerank") == "applied");
  const auto got = ids(r.body);
  CHECK(got.size() == 20);  // the extra candidates fill it
  CHECK(r.header("X-Rerank-Extra") ==
        "added=" + std::to_string(std::min(40, allowed_total) - static_cast<int>(engine_ids.size())));
  int extras = 0;
  for (const auto& id : got) {
    INFO(id);
    CHECK(allowed(id));
    extras += std::find(engine_ids.begin(), engine_ids.end(), id) == engine_ids.end();
  }
  CHECK(extras == 20 - static_cast<int>(engine_ids.size()));
  CHECK(r.body.find("rr_vector") == std::string::npos);
  // The engine's total stays the engine's.
  checkEngineTotal(direct.body, r.body);

  // A query the engine finds nothing for: with on_empty the page is the
  // nearest items within the filters; the total stays the engine's 0.
  const std::string nothing =
      R"({"size":5,"query":{"bool":{"must":[{"match":{"title":"zqxjkvbw"}}],)"
      R"("filter":[{"term":{"brand":"Acme"}}]}}})";
  const auto none_direct = call(*shop.engine, "POST", path, nothing);
  REQUIRE(ids(none_direct.body).empty());
  const auto recovered = call(rerankd.client(), "POST", path, nothing);
  CHECK(recovered.status == 200);
  CHECK(recovered.header("X-Rerank") == "applied");
  CHECK(recovered.header("X-Rerank-Extra") == "added=40");
  const auto recovered_ids = ids(recovered.body);
  CHECK(recovered_ids.size() == 5);
  for (const auto& id : recovered_ids) CHECK(shop.brandOf(id) == "Acme");
  auto recovered_page = connectors::parseSearchResponse(recovered.body);
  REQUIRE(recovered_page);
  CHECK(recovered_page->total == std::optional<uint64_t>(0));

  // A query that restricts hits outside a bool's filters gets no extras.
  const auto term = call(rerankd.client(), "POST", path,
                         R"({"size":5,"query":{"bool":{"must":[{"match":{"title":"Keyboards"}},)"
                         R"({"term":{"brand":"Acme"}}]}}})");
  CHECK(term.status == 200);
  CHECK(term.header("X-Rerank-Extra") == "skipped; reason=unrecognized_filters");
  for (const auto& id : ids(term.body)) CHECK(shop.brandOf(id) == "Acme");
}

TEST_CASE("items clicked for the query in training are added within the client's filters",
          "[rerankd][opensearch]") {
  Shop shop;
  // The model file's lists, as rerank-train writes them. For "keyboards":
  // an Acme monitor the text query cannot find (priced 375), an Acme item
  // priced 485 and a Globex item (both outside the filters below), and an
  // Acme keyboard the engine finds itself.
  {
    auto loaded = scoring::loadModel(shop.model);
    REQUIRE(loaded);
    scoring::Model model = **loaded;
    model.queryClicks()["keyboards"] = {"sku-1010", "sku-1040", "sku-1005", "sku-1001"};
    REQUIRE(scoring::saveModel(model, shop.model));
  }
  RerankdProcess rerankd(shop.dir, shop.config("    window: 20\n    deadline_ms: 5000\n"));
  const auto path = "/" + shop.index + "/_search";
  const std::string query =
      R"({"size":20,"query":{"bool":{"must":[{"match":{"title":"Keyboards"}}],)"
      R"("filter":[{"term":{"brand":"Acme"}}],"must_not":{"range":{"price":{"gt":400}}}}}})";
  const auto direct = call(*shop.engine, "POST", path, query);
  const auto engine_ids = ids(direct.body);
  REQUIRE(std::find(engine_ids.begin(), engine_ids.end(), "sku-1005") != engine_ids.end());
  REQUIRE(std::find(engine_ids.begin(), engine_ids.end(), "sku-1010") == engine_ids.end());

  const auto r = call(rerankd.client(), "POST", path, query);
  CHECK(r.status == 200);
  CHECK(r.header("X-Rerank") == "applied");
  CHECK(r.header("X-Rerank-Clicked") == "added=1");
  CHECK(r.header("X-Rerank-Extra").empty());  // the k-NN search is not enabled
  auto got = ids(r.body);
  CHECK(got.size() == engine_ids.size() + 1);
  CHECK(std::find(got.begin(), got.end(), "sku-1010") != got.end());
  CHECK(std::find(got.begin(), got.end(), "sku-1040") == got.end());
  CHECK(std::find(got.begin(), got.end(), "sku-1001") == got.end());
  CHECK(r.body.find("rr_vector") == std::string::npos);
  checkEngineTotal(direct.body, r.body);

  // A query the training log has no clicks for: said, nothing added.
  const auto other = call(rerankd.client(), "POST", path,
                          R"({"size":5,"query":{"match":{"title":"Monitors"}}})");
  CHECK(other.header("X-Rerank-Clicked") == "skipped; reason=no_clicks_for_query");

  SECTION("extra_candidates.clicked: 0 turns them off") {
    RerankdProcess off(shop.dir / "off",
                       shop.config("    window: 20\n    deadline_ms: 5000\n"
                                   "    extra_candidates: {clicked: 0}\n"));
    const auto plain = call(off.client(), "POST", path, query);
    CHECK(plain.header("X-Rerank") == "applied");
    CHECK(plain.header("X-Rerank-Clicked").empty());
    auto plain_ids = ids(plain.body);
    std::sort(plain_ids.begin(), plain_ids.end());
    auto sorted_engine = engine_ids;
    std::sort(sorted_engine.begin(), sorted_engine.end());
    CHECK(plain_ids == sorted_engine);
  }
}

TEST_CASE("a client that accepts gzip gets its search reranked, not a gzip body rerankd cannot read",
          "[rerankd][opensearch]") {
  Shop shop;
  RerankdProcess rerankd(shop.dir, shop.config());
  const auto path = "/" + shop.index + "/_search";
  const std::string query = R"({"size":5,"query":{"match":{"title":"Keyboards"}}})";
  // The engine itself compresses for such a client (http.compression).
  const auto direct = call(*shop.engine, "POST", path, query, "", {{"Accept-Encoding", "gzip"}});
  REQUIRE(direct.status == 200);
  REQUIRE(direct.header("Content-Encoding") == "gzip");
  const auto r = call(rerankd.client(), "POST", path, query, "",
                      {{"Accept-Encoding", "gzip"}, {"X-User-Id", "gus"}});
  CHECK(r.status == 200);
  CHECK(r.header("X-Rerank") == "applied");
  CHECK(r.header("Content-Encoding").empty());
  CHECK(ids(r.body).size() == 5);
}

TEST_CASE("the user id from a cookie, and rerank_explain shows each hit's features",
          "[rerankd][opensearch]") {
  Shop shop;
  RerankdProcess rerankd(shop.dir, shop.config("    user_id: {cookie: uid}\n"));
  shop.buy(rerankd, "erin", "Globex");
  const auto path = "/" + shop.index + "/_search";
  const auto r = call(rerankd.client(), "POST", path, kQuery, "rerank_explain=true",
                      {{"Cookie", "theme=dark; uid=erin; sid=s1"}});
  CHECK(r.status == 200);
  CHECK(r.header("X-Rerank") == "applied");
  for (const auto& id : ids(r.body)) CHECK(shop.brandOf(id) == "Globex");
  // The X-User-Id header is not this storefront's source: no history.
  const auto header_only = call(rerankd.client(), "POST", path, kQuery, "", {{"X-User-Id", "erin"}});
  CHECK(ids(header_only.body) != ids(r.body));

  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE_FALSE(parser.parse(r.body).get(doc));
  std::size_t explained = 0;
  for (auto hit : simdjson::dom::array(doc["hits"]["hits"])) {
    auto rr = hit["_rerank"];
    REQUIRE(rr.error() == simdjson::SUCCESS);
    CHECK(int64_t(rr["rank"]) == static_cast<int64_t>(explained) + 1);
    CHECK(double(rr["features"]["brand_affinity"]) == Approx(1.0));  // all three purchases
    CHECK(rr["contributions"]["brand_affinity"].is_number());
    ++explained;
  }
  CHECK(explained == 10);
  // Without the parameter there is no _rerank member.
  const auto plain = call(rerankd.client(), "POST", path, kQuery, "", {{"Cookie", "uid=erin"}});
  CHECK(plain.body.find("\"_rerank\"") == std::string::npos);
}

namespace {

// Each hit's click_prior feature, by id (a search made with rerank_explain).
std::map<std::string, double> clickPriors(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body).get(doc)) FAIL("response does not parse: " << body);
  std::map<std::string, double> out;
  for (auto hit : simdjson::dom::array(doc["hits"]["hits"])) {
    out[std::string(std::string_view(hit["_id"]))] = double(hit["_rerank"]["features"]["click_prior"]);
  }
  return out;
}

}  // namespace

TEST_CASE("clicks sent with their query join the live click statistics and the clicked extras",
          "[rerankd][opensearch]") {
  Shop shop;
  const auto path = "/" + shop.index + "/_search";
  const std::string query = R"({"size":20,"query":{"match":{"title":"Keyboards"}}})";
  const std::string settings = "    window: 20\n    deadline_ms: 5000\n";
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  auto post = [](RerankdProcess& rerankd, const std::string& lines) {
    const auto r = call(rerankd.client(), "POST", "/_rerank/events", lines, "",
                        {{"Content-Type", "application/x-ndjson"}});
    REQUIRE(r.status == 200);
    return r.body;
  };
  auto event = [&](const std::string& id, const std::string& type, const std::string& item,
                   const std::string& more) {
    return R"({"event_id":")" + id + R"(","storefront":"shop","user_id":"ann","type":")" + type +
           R"(","item_id":")" + item + "\"" + more + R"(,"ts":)" + std::to_string(now_ms) + "}\n";
  };
  auto search = [&](RerankdProcess& rerankd) {
    const auto r = call(rerankd.client(), "POST", path, query, "rerank_explain=true",
                        {{"X-User-Id", "ann"}});
    REQUIRE(r.status == 200);
    REQUIRE(r.header("X-Rerank") == "applied");
    return r;
  };
  // Events about one served search: the item clicked from it, twice, named
  // by its query; a click naming the search's request id; a click naming
  // nothing (history only, as in training); and a click on a monitor the
  // text query does not find.
  auto send = [&](RerankdProcess& rerankd, const connectors::HttpResponse& served,
                  const std::string& liked, const std::string& other) {
    const std::string request_id(served.header("X-Rerank-Request-Id"));
    REQUIRE_FALSE(request_id.empty());
    return post(rerankd, event("e1", "search", liked, R"(,"query":"Keyboards")") +
                             event("e2", "click", liked, R"(,"query":"keyboards")") +
                             event("e3", "click", other, R"(,"request_id":")" + request_id + "\"") +
                             event("e4", "click", "sku-1000", "") +
                             event("e5", "search", "sku-1010", R"(,"query":"KEYBOARDS")"));
  };

  RerankdProcess rerankd(shop.dir, shop.config(settings));
  shop.buy(rerankd, "ann", "Acme");  // Acme first: the Acme monitor makes the page
  const auto first = search(rerankd);
  CHECK(first.header("X-Rerank-Clicked").empty());  // no lists in the model, no clicks yet
  const auto before = clickPriors(first.body);
  const auto page = ids(first.body);
  REQUIRE(page.size() >= 3);
  REQUIRE(std::find(page.begin(), page.end(), "sku-1010") == page.end());
  const std::string liked = page[2], other = page[1];
  CHECK(send(rerankd, first, liked, other).find("\"accepted\":5") != std::string::npos);

  const auto second = search(rerankd);
  const auto after = clickPriors(second.body);
  REQUIRE(after.count(liked));
  REQUIRE(after.count(other));
  CHECK(after.at(liked) > before.at(liked) + 0.1);
  CHECK(after.at(other) > before.at(other));
  CHECK(after.at(liked) > after.at(other));  // two clicks against one
  // The monitor clicked for this query is now a clicked-before extra.
  CHECK(second.header("X-Rerank-Clicked") == "added=1");
  const auto got = ids(second.body);
  CHECK(std::find(got.begin(), got.end(), "sku-1010") != got.end());
  const auto metrics = call(rerankd.client(), "GET", "/metrics");
  CHECK(metrics.body.find("rerank_live_clicks_total{storefront=\"shop\"} 4\n") !=
        std::string::npos);

  SECTION("a restart relearns them from the activity log") {
    CHECK(rerankd.stop() == 0);
    // What the log keeps of them: the search event's clicked item, the
    // click's query, the click naming the served search's request id.
    std::string log;
    for (const auto& f : std::filesystem::directory_iterator(shop.dir / "activity" / "shop")) {
      std::ifstream in(f.path());
      log += std::string((std::istreambuf_iterator<char>(in)), {});
    }
    CHECK(log.find(R"("query":"Keyboards","clicked":")" + liked + "\"") != std::string::npos);
    CHECK(log.find(R"("item":")" + liked + R"(","query":"keyboards")") != std::string::npos);
    RerankdProcess again(shop.dir, shop.config(settings));
    const auto third = search(again);
    CHECK(clickPriors(third.body) == after);  // the same four clicks, relearned
    CHECK(third.header("X-Rerank-Clicked") == "added=1");
    // A click arriving now for the search served before the restart joins too.
    post(again, event("e6", "click", other, R"(,"request_id":")" +
                                                 std::string(first.header("X-Rerank-Request-Id")) +
                                                 "\""));
    CHECK(clickPriors(search(again).body).at(other) > after.at(other));
  }

  SECTION("live_click_stats: false keeps the statistics as trained") {
    RerankdProcess off(shop.dir / "off", shop.config(settings + "    live_click_stats: false\n"));
    shop.buy(off, "ann", "Acme");
    const auto served = search(off);
    CHECK(send(off, served, liked, other).find("\"accepted\":5") != std::string::npos);
    const auto again = search(off);
    CHECK(clickPriors(again.body) == clickPriors(served.body));
    CHECK(again.header("X-Rerank-Clicked").empty());
    CHECK(call(off.client(), "GET", "/metrics").body.find("rerank_live_clicks_total{") ==
          std::string::npos);
  }
}

// rerankd's candidates beyond the engine's window and its live click
// statistics, in front of the real OpenSearch node: extra candidates from
// the k-NN search and from the items clicked for the query, both within the
// client's filters; clicks sent to the events API joining the statistics,
// and relearned from the activity log after a restart.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>

#include "tests/rerank/rerank_shop.h"

using namespace rr;
using namespace rr::testing;

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

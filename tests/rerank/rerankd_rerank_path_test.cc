// rerankd's rerank path in front of the real OpenSearch node with synced
// vectors: shoppers get their own order, pages stay consistent, passthrough
// reasons, the tower without index vectors, the deadline, events, the
// official JavaScript client, _msearch, gzip, cookies and explain. Extra
// candidates and live click statistics: rerankd_extras_clicks_test.cc.
#include <catch2/catch.hpp>
#include <regex>
#include <string>

#include "tests/rerank/rerank_shop.h"

using namespace rr;
using namespace rr::testing;

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
                                        R"(profile=\d+\.\d\d;rerank=\d+\.\d\d;write=\d+\.\d\d;)"
                                        R"(total=(\d+\.\d\d))")));
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
  // And the engine's headers: the client's X-Opaque-Id went to the engine,
  // which echoed it, and its product header is there (clients check it).
  const auto traced = call(rerankd.client(), "POST", path, kQuery, "",
                           {{"X-User-Id", "alice"}, {"X-Opaque-Id", "rr-trace-7"}});
  CHECK(traced.header("X-Rerank") == "applied");
  CHECK(traced.header("X-Opaque-Id") == "rr-trace-7");
  CHECK(traced.header("X-OpenSearch-Version") == direct.header("X-OpenSearch-Version"));
  CHECK_FALSE(direct.header("X-OpenSearch-Version").empty());
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
  // An answer in a format rerankd neither reads nor writes, asked for by
  // the Accept header: the engine's, as it wrote it.
  const std::vector<connectors::Header> yaml = {{"Accept", "application/yaml"}};
  const auto as_yaml = call(rerankd.client(), "POST", path, kQuery, "", yaml);
  const auto as_yaml_direct = call(*shop.engine, "POST", path, kQuery, "", yaml);
  CHECK(as_yaml.status == 200);
  CHECK(as_yaml.header("X-Rerank") == "skipped; reason=format");
  CHECK(as_yaml.header("Content-Type") == as_yaml_direct.header("Content-Type"));
  const std::regex yaml_took(R"(took: \d+)");
  CHECK(std::regex_replace(as_yaml.body, yaml_took, "took: 0") ==
        std::regex_replace(as_yaml_direct.body, yaml_took, "took: 0"));
  CHECK(as_yaml.body.starts_with("---"));
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
                                   {{"X-User-Id", "alice"}, {"Content-Type", "application/x-ndjson"},
                                    {"X-Opaque-Id", "rr-trace-8"}},
                                   body});
  REQUIRE(raw);
  CHECK(raw->status == 200);
  // The client's headers went on with the batch, and the engine's came back.
  CHECK(raw->header("X-Opaque-Id") == "rr-trace-8");
  CHECK(raw->header("X-OpenSearch-Version").starts_with("OpenSearch/"));
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
  // Each stage observed once, for the one search reranked: the batch's
  // engine call and parse, then its own profile read, scoring and writing.
  for (const char* stage : {"upstream", "parse", "profile", "score", "write"}) {
    INFO(stage);
    CHECK(metrics.body.find("rerank_stage_seconds_count{storefront=\"shop\",stage=\"" +
                            std::string(stage) + "\"} 1\n") != std::string::npos);
  }
}

TEST_CASE("an _msearch asking for another format or a filter_path is the engine's answer as it is",
          "[rerankd][opensearch]") {
  Shop shop(false);
  RerankdProcess rerankd(shop.dir, shop.config());
  const std::string path = "/" + shop.index + "/_msearch";
  const std::string body = "{}\n" + std::string(kQuery) + "\n";
  const std::regex took(R"((took"?:) ?\d+)");
  struct Case {
    std::string query;
    std::vector<connectors::Header> headers;
    std::string reason;
  };
  for (const Case& c : {Case{"format=yaml", {}, "format"},
                        Case{"", {{"Accept", "application/yaml"}}, "format"},
                        Case{"filter_path=responses.hits.hits._id", {}, "filter_path"}}) {
    INFO(c.query << " " << c.reason);
    auto headers = c.headers;
    headers.push_back({"Content-Type", "application/x-ndjson"});
    headers.push_back({"X-User-Id", "alice"});
    auto through = rerankd.client().raw({"POST", path, c.query, headers, body});
    auto direct = shop.engine->raw({"POST", path, c.query, headers, body});
    REQUIRE(through);
    REQUIRE(direct);
    CHECK(through->status == 200);
    CHECK(through->header("X-Rerank") == "skipped; reason=" + c.reason);
    CHECK(through->header("Content-Type") == direct->header("Content-Type"));
    CHECK(std::regex_replace(through->body, took, "$1 0") ==
          std::regex_replace(direct->body, took, "$1 0"));
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

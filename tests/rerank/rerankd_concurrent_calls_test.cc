// rerankd's engine calls for one search that do not wait on each other go
// out together: the shopper's profile from the shared store, and the k-NN
// search for extra candidates, with the window search. In front of the real OpenSearch node, through a relay that
// holds every answer a while and counts the requests in flight at once
// (one call after another never has two).
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "tests/rerank/rerank_shop.h"
#include "tests/rerank/tcp_relay.h"

using namespace rr;
using namespace rr::testing;

namespace {

constexpr auto kHold = std::chrono::milliseconds(150);

std::string brandsOf(const Shop& shop, const std::string& body) {
  std::string out;
  for (const auto& id : ids(body)) out += shop.brandOf(id) + ",";
  return out;
}

}  // namespace

TEST_CASE("with the shared store the shopper's profile is read while the engine searches",
          "[rerankd][opensearch]") {
  Shop shop;
  const std::string profiles_index = uniqueIndexName("rerank-profiles");
  IndexGuard profiles_guard{*shop.engine, profiles_index};
  TcpRelay relay(openSearchUrl());
  relay.start();
  RerankdProcess rerankd(
      shop.dir,
      "upstream:\n  url: " + relay.url() + "\n  request_timeout_ms: 5000\n"
      "listen:\n  port: 0\nadmin:\n  token: test-token-0123456789\n"
      "profiles:\n  store: shared\n  index: " + profiles_index + "\n"
      "storefronts:\n  - name: shop\n    indices: [" + shop.index + "]\n    model: " + shop.model +
      "\n    deadline_ms: 5000\n"
      "    fields: {title: title, description: description, brand: brand, category: category, "
      "price: price}\n");
  shop.buy(rerankd, "dana", "Initech");
  const auto path = "/" + shop.index + "/_search";
  const std::string page1 = R"({"query":{"match":{"title":"Keyboards"}},"size":5})";
  auto search = [&](const std::string& body, const std::string& user) {
    std::vector<connectors::Header> headers;
    if (!user.empty()) headers.push_back({"X-User-Id", user});
    relay.resetPeak();
    auto r = call(rerankd.client(), "POST", path, body, "", headers);
    REQUIRE(r.status == 200);
    REQUIRE(r.header("X-Rerank") == "applied");
    return r;
  };
  const std::string anonymous = brandsOf(shop, search(page1, "").body);  // connections warmed
  relay.delayReplies(kHold);

  const auto dana = search(page1, "dana");
  // Both calls were out before either answer came back...
  CHECK(relay.peakInFlight() == 2);
  // ...and the profile read that way is the one the page was ranked by.
  CHECK(brandsOf(shop, dana.body) == "Initech,Initech,Initech,Initech,Initech,");
  CHECK(brandsOf(shop, dana.body) != anonymous);
  CHECK_THAT(std::string(dana.header("X-Rerank-Timing")), Catch::Contains(";profile="));

  // No shopper, no profile: the window alone.
  search(page1, "");
  CHECK(relay.peakInFlight() == 1);
  // Page 2 reuses page 1's order: no profile read for it either.
  search(R"({"query":{"match":{"title":"Keyboards"}},"from":5,"size":5})", "dana");
  CHECK(relay.peakInFlight() == 1);

  // An `_msearch` with two searches of dana's: the engine's `_msearch`
  // and one read of her profile, out together, and both searches ranked by it.
  {
    relay.resetPeak();
    const std::string other = R"({"query":{"match":{"title":"Monitors"}},"size":5})";
    const auto batch = call(rerankd.client(), "POST", "/" + shop.index + "/_msearch",
                            "{}\n" + page1 + "\n{}\n" + other + "\n", "",
                            {{"X-User-Id", "dana"}, {"Content-Type", "application/x-ndjson"}});
    REQUIRE(batch.status == 200);
    CHECK(relay.peakInFlight() == 2);
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    REQUIRE_FALSE(parser.parse(batch.body).get(doc));
    std::vector<std::string> pages;
    for (auto one : simdjson::dom::array(doc["responses"])) {
      pages.push_back(brandsOf(shop, simdjson::to_string(one)));
    }
    CHECK(pages == std::vector<std::string>(2, "Initech,Initech,Initech,Initech,Initech,"));
  }

  // The stage is still observed: dana's three reads (her `_search` and the
  // two of the `_msearch`) and the two anonymous searches' (empty, at once);
  // the later page has none.
  auto metrics = call(rerankd.client(), "GET", "/metrics");
  CHECK_THAT(metrics.body,
             Catch::Contains(R"(rerank_stage_seconds_count{storefront="shop",stage="profile"} 5)"));
  CHECK_THAT(metrics.body, !Catch::Contains(R"(cause="profiles")"));
}

TEST_CASE("the k-NN search for extra candidates goes out with the window search",
          "[rerankd][opensearch]") {
  {
    auto engine = openSearchClient();
    const auto plugins = call(*engine, "GET", "/_cat/plugins", "", "format=json");
    if (plugins.body.find("opensearch-knn") == std::string::npos) {
      WARN("SKIPPED: the node has no k-NN plugin (scripts/test.sh starts it with "
           "RR_OPENSEARCH_KNN=1)");
      return;
    }
  }
  Shop shop(/*sync_vectors=*/true, /*knn=*/true);
  {
    auto loaded = scoring::loadModel(shop.model);
    REQUIRE(loaded);
    scoring::Model model = **loaded;
    // An Acme monitor the text query below cannot find.
    model.queryClicks()["keyboards"] = {"sku-1010"};
    REQUIRE(scoring::saveModel(model, shop.model));
  }
  TcpRelay relay(openSearchUrl());
  relay.start();
  RerankdProcess rerankd(
      shop.dir, configFor(relay.url(), shop.index, shop.model,
                          "    window: 20\n    deadline_ms: 5000\n"
                          "    fields: {title: title, description: description, brand: brand, "
                          "category: category, price: price}\n"
                          "    extra_candidates: {enabled: true, k: 40}\n"));
  const auto path = "/" + shop.index + "/_search";
  const std::string query =
      R"({"size":20,"query":{"bool":{"must":[{"match":{"title":"Keyboards"}}],)"
      R"("filter":[{"term":{"brand":"Acme"}}]}}})";
  REQUIRE(call(rerankd.client(), "POST", path, query).status == 200);  // connections warmed
  relay.delayReplies(kHold);
  relay.resetPeak();
  const auto r = call(rerankd.client(), "POST", path, query);
  CHECK(r.status == 200);
  CHECK(r.header("X-Rerank") == "applied");
  // Both extra searches found what they were asked for, and were merged:
  // the clicked one (sent once the window was in) and the k-NN one.
  CHECK(r.header("X-Rerank-Clicked") == "added=1");
  CHECK_THAT(std::string(r.header("X-Rerank-Extra")), Catch::StartsWith("added="));
  CHECK(r.header("X-Rerank-Extra") != "added=0");
  const auto got = ids(r.body);
  CHECK(std::find(got.begin(), got.end(), "sku-1010") != got.end());
  for (const auto& id : got) CHECK(shop.brandOf(id) == "Acme");
  CHECK(relay.peakInFlight() == 2);

  // A query with no clicked items: the window and the k-NN search only,
  // both out at once.
  relay.resetPeak();
  const auto monitors = call(rerankd.client(), "POST", path,
                             R"({"size":20,"query":{"bool":{"must":[{"match":{"title":"Monitors"}}],)"
                             R"("filter":[{"term":{"brand":"Acme"}}]}}})");
  CHECK(monitors.header("X-Rerank") == "applied");
  CHECK(monitors.header("X-Rerank-Clicked") == "skipped; reason=no_clicks_for_query");
  CHECK(monitors.header("X-Rerank-Extra") != "added=0");
  CHECK_THAT(std::string(monitors.header("X-Rerank-Extra")), Catch::StartsWith("added="));
  CHECK(relay.peakInFlight() == 2);
  for (const auto& id : ids(monitors.body)) CHECK(shop.brandOf(id) == "Acme");
}

// The shop the rerank-path tests of rerankd_opensearch_test share: an
// index of 200 items of a few brands on the real node, its vectors synced,
// a model that ranks by the shopper's brand affinity, purchases posted
// through the events API; and small readers of rerankd's answers.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tests/rerank/rerankd_opensearch_support.h"

namespace rr::testing {

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
inline void checkEngineTotal(const std::string& engine_body, const std::string& reranked_body) {
  auto engine_page = connectors::parseSearchResponse(engine_body);
  auto page = connectors::parseSearchResponse(reranked_body);
  REQUIRE(engine_page);
  REQUIRE(page);
  CHECK(page->total == engine_page->total);
}

inline std::vector<std::string> ids(const std::string& body) {
  auto parsed = connectors::parseSearchResponse(body);
  if (!parsed) FAIL("response does not parse: " << parsed.error().message << "\n" << body);
  std::vector<std::string> out;
  for (const auto& h : parsed->hits) out.emplace_back(h.id);
  return out;
}

constexpr const char* kQuery = R"({"query":{"match":{"description":"item"}},"size":10})";

}  // namespace rr::testing

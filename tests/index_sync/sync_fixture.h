// Shared by the index-sync tests: a small product index shaped like a shop's
// (title, description, brand, category, price, updated_at) with vectors kept
// out of `_source`, random models of given versions, and readers of what
// index-sync wrote. Test-only.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "connectors/engine_client.h"
#include "scoring/model.h"

namespace rr::testing {

struct ShopItem {
  std::string id, title, description, brand, category;
  double price = 0;
  int64_t updated_at = 0;  // epoch ms
};

// `n` deterministic items, updated_at = 1'700'000'000'000 + i.
std::vector<ShopItem> shopItems(int n);
std::string shopItemJson(const ShopItem& item);

// Creates `index` (vectors excluded from `_source`, index.knn when `knn`)
// and bulk-indexes `items` with refresh.
void createShopIndex(connectors::EngineClient& client, const std::string& index,
                     const std::vector<ShopItem>& items, bool knn = false);

// A storefront config for `index` (fields mapped, small batches).
config::StorefrontConfig shopStorefront(const std::string& name, const std::string& index,
                                        bool with_updated_at = true);

// A randomly initialized model (small: d = 16, 4096 token buckets).
std::shared_ptr<const scoring::Model> randomModel(const std::string& version, uint64_t seed);

// What a reader fetches: per document id, the decoded vector and the meta
// value of `field` (empty when the document has none).
struct StoredVector {
  std::vector<float> vector;
  std::string meta;
};
std::map<std::string, StoredVector> readVectors(connectors::EngineClient& client,
                                                const std::string& index,
                                                const std::string& field);

// The vector `model` computes for `item` (what index-sync must have written).
std::vector<float> expectedVector(const scoring::Model& model, const ShopItem& item);

}  // namespace rr::testing

// Simulated shoppers with hidden preferences, for training and testing a
// personalized ranker where the truth is known.
//
// Every shopper prefers one brand, one category and one price band (the
// cheapest, middle or dearest third of each category). They search with
// generic queries built from a category's common title words ("wireless
// headphones"), which match many products, so the text ranking cannot tell
// which one this shopper wants. They look down the results with position
// bias (rank r is examined with probability (r+1)^-position_decay) and click
// an examined product with probability
//   sigmoid(click_bias + brand*[brand matches] + category*[category matches]
//           + price*[price band matches] + rating*(rating - 4)),
// then cart and purchase it with the same utility and their own biases.
// Before some searches they browse: views (and clicks) on products drawn
// with the same preference model.
//
// Deterministic for a seed: seeded std::mt19937_64 streams, own
// distributions (see random.h), no iteration over unordered containers.
// Immutable once created: run() and the accessors may be called from several
// threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <string>
#include <vector>

#include "scoring/data/data_set.h"
#include "scoring/data/product.h"
#include "scoring/data/simulated_catalog.h"

namespace rr::scoring::data {

struct PreferenceModel {
  double click_bias = -3.5;
  double brand = 3.0;
  double category = 1.0;
  double price = 1.2;
  double rating = 0.4;  // per star, around 4 stars
  double cart_bias = -1.5;
  double purchase_bias = -0.5;
  double position_decay = 0.7;
  std::size_t max_clicks = 3;  // per search
};

struct SimulationSettings {
  std::size_t users = 200;
  std::size_t searches_per_user = 5;
  uint64_t seed = 1;
  std::size_t impressions = 20;              // results shown per search
  int64_t start_ms = 1704067200000LL;        // 2024-01-01T00:00:00Z
  int64_t span_days = 28;                    // first visits spread over this
  double browse_probability = 0.5;           // browsing before a search
  double preferred_category_share = 0.7;     // searches in the preferred category
  PreferenceModel model;
};

// One shopper's hidden preferences.
struct ShopperProfile {
  std::string user;
  int brand = 0;     // SimulatedCatalog ids
  int category = 0;
  int price_band = 0;  // 0 low, 1 mid, 2 high
};

class ShopperSimulator {
 public:
  // Errors: no product with both a brand and a category, a setting of 0
  // users, impressions or span_days. Products without a price are never in anyone's price
  // band (see fillMissingPrices() in catalog_generator.h).
  static std::expected<ShopperSimulator, std::string> create(std::vector<Product> products,
                                                             SimulationSettings settings);

  // The shoppers' events (sorted by time, sessions split after 30 minutes)
  // and the catalog. Counts: products, users, searches, searches with a
  // click, clicks, carts, purchases, views, clicks on the preferred brand,
  // events. Calling it again gives the same result.
  DataSet run() const;

  const std::vector<ShopperProfile>& shoppers() const { return shoppers_; }
  const SimulatedCatalog& catalog() const { return catalog_; }
  const SimulationSettings& settings() const { return settings_; }

  // The click model's log-odds for `shopper` and catalog item `item`.
  double utility(const ShopperProfile& shopper, std::size_t item) const;

  // The hidden truth as JSON: the seed, the model weights and, per user,
  // brand, category, price band and its price range.
  std::string truthJson() const;

 private:
  ShopperSimulator(SimulatedCatalog catalog, SimulationSettings settings);
  void drawShoppers();

  SimulatedCatalog catalog_;
  SimulationSettings settings_;
  std::vector<ShopperProfile> shoppers_;
};

}  // namespace rr::scoring::data

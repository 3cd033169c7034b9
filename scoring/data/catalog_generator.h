// Synthetic catalogs for the shopper simulator, and prices for catalogs that
// have none.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "scoring/data/product.h"

namespace rr::scoring::data {

// `count` products over 10 categories and 12 brands: titles made of the
// brand, two feature words and the category's noun ("Zentra Wireless
// Noise-Cancelling Headphones ZX-41"), a short description, a price around
// the category's typical price (premium brands cost more) and a rating.
// Ids are "p00001", ... Deterministic for a seed.
std::vector<Product> generateCatalog(std::size_t count, uint64_t seed);

// Gives every product without a price one: a typical price for its category
// (a few known names such as "TVs" or "Music", otherwise a value drawn from
// the category name) times a spread drawn from the product id. Deterministic,
// independent of order.
void fillMissingPrices(std::vector<Product>& products);

}  // namespace rr::scoring::data

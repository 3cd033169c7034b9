// The catalog the engine tests index: the real Best Buy Xbox catalog from
// ../shared/data when it is there, otherwise a generated one of the same
// shape. Test-only.
#pragma once

#include <string>
#include <vector>

namespace rr::testing {

struct Product {
  std::string sku;
  std::string name;
  std::string description;
  std::string manufacturer;
  std::string genre;
  double rating = 0;
};

struct TestCatalog {
  std::vector<Product> products;  // one per SKU
  std::string origin;             // "bestbuy-xbox" or "generated"
};

// Loads ../shared/data/bestbuy-xbox/products.csv (relative to the repo) when
// present, deduplicated by SKU; otherwise generates `generated_size`
// products deterministically. Prints which one it used.
TestCatalog loadTestCatalog(std::size_t generated_size = 300);

// The product as a JSON document for indexing.
std::string toJson(const Product& p);

// Index settings + mapping for the catalog (text name/description,
// keyword manufacturer/genre, float rating), one shard.
std::string catalogIndexBody();

}  // namespace rr::testing

// One catalog product, as read from and written to a catalog file.
//
// Catalog file: JSON Lines, one product per line:
//   {"id":"...","title":"...","description":"...","brand":"...",
//    "category":"...","price":12.5,"rating":4.2}
// Only `id` (non-empty) and `title` are required. Empty strings and absent
// numbers are not written; see catalog_io.h.
#pragma once

#include <optional>
#include <string>

namespace rr::scoring::data {

struct Product {
  std::string id;
  std::string title;
  std::string description;
  std::string brand;
  std::string category;
  std::optional<double> price;
  std::optional<double> rating;

  bool operator==(const Product&) const = default;
};

}  // namespace rr::scoring::data

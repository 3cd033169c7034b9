// The retrotech product catalog (48,194 real Best Buy products,
// ../shared/data/retrotech-products/products.tgz -> products.csv):
//   "upc","name","manufacturer","short_description","long_description"
// quoted with backslash escapes (\"), HTML character references in the text.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "scoring/data/load_error.h"
#include "scoring/data/product.h"

namespace rr::scoring::data {

// Product{id=upc, title=name, description=short_description (else
// long_description), brand=manufacturer ("Unknown" -> none),
// category=retrotechCategory(name)}. No prices: the file has none. Rows
// without a upc or name are errors; a upc seen again is skipped.
std::expected<std::vector<Product>, LoadError> readRetrotechCatalog(const std::string& csv_path);

// A department from keywords of a product name: "Movies", "Music",
// "Video Games", "Accessories", "TVs", "Computers", "Cameras", "Phones",
// "Audio", "Appliances", "Car Electronics", else "Other". Media formats win
// ("... - DVD"), then accessories ("Case for iPhone"), then devices.
std::string retrotechCategory(std::string_view name);

}  // namespace rr::scoring::data

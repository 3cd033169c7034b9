// Catalog files (JSON Lines of Product, format in product.h): parse, read,
// write.
//
// Reading: blank lines are skipped; unknown fields are ignored; `id` must be
// a non-empty string and `title` a string; description/brand/category are
// strings or null, price/rating numbers or null (null = absent). Any other
// shape is an error naming the file, the line and the field.
//
// Writing: fields in the order id, title, description, brand, category,
// price, rating; empty strings and absent numbers are left out. Writing a
// product, reading it and writing it again gives the same line.
//
// Thread-safe: each thread uses its own parser.
#pragma once

#include <cstddef>
#include <expected>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "scoring/data/load_error.h"
#include "scoring/data/product.h"

namespace rr::scoring::data {

// One line (without its newline) -> Product.
std::expected<Product, FieldError> parseProductLine(std::string_view line);

// Appends the JSON line of `product` to `out`, without a newline. A
// non-finite price or rating is left out (JSON has no NaN).
void writeCatalogLine(std::string& out, const Product& product);

// Every product of the file, in file order.
std::expected<std::vector<Product>, LoadError> readCatalog(const std::string& path);

// Writes `products`, one line each, replacing the file. Error text names the
// path.
std::expected<void, std::string> writeCatalogFile(const std::string& path,
                                                  const std::vector<Product>& products);

}  // namespace rr::scoring::data

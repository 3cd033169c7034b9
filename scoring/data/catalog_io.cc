#include "scoring/data/catalog_io.h"

#include <cmath>
#include <fstream>

#include "scoring/data/detail/json_line.h"
#include "scoring/data/json_text.h"
#include "scoring/data/line_reader.h"

namespace rr::scoring::data {
namespace {

using detail::od::value;

std::expected<void, FieldError> readField(Product& product, bool& has_id, bool& has_title,
                                          std::string_view key, value v) {
  auto assign = [](std::string& target, std::expected<std::string, FieldError> text)
      -> std::expected<void, FieldError> {
    if (!text) return std::unexpected(std::move(text.error()));
    target = std::move(*text);
    return {};
  };
  auto assignNumber = [](std::optional<double>& target,
                         std::expected<std::optional<double>, FieldError> number)
      -> std::expected<void, FieldError> {
    if (!number) return std::unexpected(std::move(number.error()));
    target = *number;
    return {};
  };
  if (key == "id") {
    has_id = true;
    return assign(product.id, detail::readString(v, key));
  }
  if (key == "title") {
    has_title = true;
    return assign(product.title, detail::readString(v, key));
  }
  if (key == "description") return assign(product.description, detail::readOptionalString(v, key));
  if (key == "brand") return assign(product.brand, detail::readOptionalString(v, key));
  if (key == "category") return assign(product.category, detail::readOptionalString(v, key));
  if (key == "price") return assignNumber(product.price, detail::readOptionalNumber(v, key));
  if (key == "rating") return assignNumber(product.rating, detail::readOptionalNumber(v, key));
  return {};  // unknown fields are ignored
}

void appendStringField(std::string& out, std::string_view key, std::string_view text) {
  if (text.empty()) return;
  out += ",\"";
  out += key;
  out += "\":";
  appendJsonString(out, text);
}

void appendNumberField(std::string& out, std::string_view key, const std::optional<double>& n) {
  if (!n || !std::isfinite(*n)) return;
  out += ",\"";
  out += key;
  out += "\":";
  appendJsonNumber(out, *n);
}

}  // namespace

std::expected<Product, FieldError> parseProductLine(std::string_view line) {
  Product product;
  bool has_id = false;
  bool has_title = false;
  auto walked = detail::threadJsonLine().forEachField(
      line, [&](std::string_view key, value v) {
        return readField(product, has_id, has_title, key, v);
      });
  if (!walked) return std::unexpected(std::move(walked.error()));
  if (!has_id) return std::unexpected(FieldError{.field = "id", .message = "is missing"});
  if (product.id.empty()) {
    return std::unexpected(FieldError{.field = "id", .message = "must not be empty"});
  }
  if (!has_title) return std::unexpected(FieldError{.field = "title", .message = "is missing"});
  return product;
}

void writeCatalogLine(std::string& out, const Product& product) {
  out += "{\"id\":";
  appendJsonString(out, product.id);
  out += ",\"title\":";
  appendJsonString(out, product.title);
  appendStringField(out, "description", product.description);
  appendStringField(out, "brand", product.brand);
  appendStringField(out, "category", product.category);
  appendNumberField(out, "price", product.price);
  appendNumberField(out, "rating", product.rating);
  out += '}';
}

std::expected<std::vector<Product>, LoadError> readCatalog(const std::string& path) {
  auto reader = LineReader::open(path);
  if (!reader) return std::unexpected(std::move(reader.error()));
  std::vector<Product> products;
  std::string line;
  while (reader->next(line)) {
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    auto product = parseProductLine(line);
    if (!product) {
      return std::unexpected(
          LoadError::fromField(path, reader->lineNumber(), std::move(product.error())));
    }
    products.push_back(std::move(*product));
  }
  if (reader->readFailed()) return std::unexpected(reader->error("", "read error"));
  return products;
}

std::expected<void, std::string> writeCatalogFile(const std::string& path,
                                                  const std::vector<Product>& products) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return std::unexpected(path + ": cannot be written");
  std::string line;
  for (const auto& product : products) {
    line.clear();
    writeCatalogLine(line, product);
    line += '\n';
    out.write(line.data(), static_cast<std::streamsize>(line.size()));
  }
  out.close();
  if (!out) return std::unexpected(path + ": write failed");
  return {};
}

}  // namespace rr::scoring::data

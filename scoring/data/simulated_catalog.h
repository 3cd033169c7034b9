// The shopper simulator's view of a catalog: brand/category/price-band ids
// per product, the words shoppers type per category, and a stand-in for the
// engine's text ranking (which knows nothing of who is searching).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "scoring/data/product.h"

namespace rr::scoring::data {

class SimulatedCatalog {
 public:
  static constexpr int kNoBand = -1;

  // Keeps a copy of `products`. Products without a price get no price band.
  explicit SimulatedCatalog(std::vector<Product> products);

  const std::vector<Product>& products() const { return products_; }
  std::size_t size() const { return products_.size(); }

  // Dense ids; brand 0 and category 0 are "none" (empty text).
  int brandOf(std::size_t item) const { return brand_[item]; }
  int categoryOf(std::size_t item) const { return category_[item]; }
  const std::string& brandName(int brand) const {
    return brand_names_[static_cast<std::size_t>(brand)];
  }
  const std::string& categoryName(int category) const {
    return category_names_[static_cast<std::size_t>(category)];
  }
  std::size_t categoryCount() const { return category_names_.size(); }

  // 0 (cheapest third of its category), 1, 2, or kNoBand.
  int priceBandOf(std::size_t item) const { return band_[item]; }
  // [low, high] prices of `band` within `category`.
  std::pair<double, double> bandRange(int category, int band) const;

  // Items of a category, in catalog order.
  const std::vector<std::size_t>& itemsOf(int category) const {
    return items_of_category_[static_cast<std::size_t>(category)];
  }

  // Words shoppers use for a category: frequent title words of its products
  // (not words that are mostly the product's own brand, no model numbers),
  // most frequent first. The first is
  // the category's head word ("headphones").
  const std::vector<std::string>& queryWords(int category) const {
    return query_words_[static_cast<std::size_t>(category)];
  }

  // Products whose title or category holds every word of `query`.
  std::vector<std::size_t> match(std::string_view query) const;

  // The first `k` matches in a BM25-like order: query-word frequency in the
  // title over the square root of the title length, ties broken by a hash of
  // (query, id). Nothing about the shopper enters it.
  std::vector<std::size_t> search(std::string_view query, std::size_t k) const;

  // Lower-case alphanumeric words ('-' kept inside words).
  static std::vector<std::string> words(std::string_view text);

 private:
  int intern(std::vector<std::string>& names, std::unordered_map<std::string, int>& ids,
             const std::string& name);
  void assignPriceBands();
  void buildQueryWords();

  std::vector<Product> products_;
  std::vector<int> brand_;
  std::vector<int> category_;
  std::vector<int> band_;
  std::vector<std::string> brand_names_;
  std::vector<std::string> category_names_;
  std::vector<std::vector<std::size_t>> items_of_category_;
  std::vector<std::vector<std::pair<double, double>>> band_ranges_;
  std::vector<std::vector<std::string>> query_words_;
  std::vector<std::vector<std::string>> title_words_;
  std::unordered_map<std::string, std::vector<std::size_t>> postings_;
};

}  // namespace rr::scoring::data

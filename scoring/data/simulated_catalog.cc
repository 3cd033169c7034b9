#include "scoring/data/simulated_catalog.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <map>
#include <unordered_set>

namespace rr::scoring::data {
namespace {

constexpr std::size_t kMaxQueryWords = 12;
constexpr double kMinWordShare = 0.05;
constexpr std::size_t kMinWordItems = 3;

constexpr std::array<std::string_view, 16> kStopWords{
    "the", "and", "for", "with", "from", "new", "of", "in", "to", "a", "on", "by", "or", "an",
    "at", "your"};

bool hasDigit(std::string_view word) {
  return std::any_of(word.begin(), word.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

uint64_t stableHash(std::string_view a, std::string_view b) {
  uint64_t h = 1469598103934665603ULL;
  auto mix = [&h](std::string_view text) {
    for (char c : text) {
      h ^= static_cast<unsigned char>(c);
      h *= 1099511628211ULL;
    }
  };
  mix(a);
  mix("\x1f");
  mix(b);
  // FNV alone barely moves the high bits for a change in the last byte; a
  // final avalanche (MurmurHash3's fmix64) spreads it over the whole word.
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

}  // namespace

std::vector<std::string> SimulatedCatalog::words(std::string_view text) {
  std::vector<std::string> out;
  std::string word;
  auto flush = [&] {
    while (!word.empty() && word.back() == '-') word.pop_back();
    if (!word.empty()) out.push_back(word);
    word.clear();
  };
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || (c == '-' && !word.empty())) {
      word.push_back(static_cast<char>(std::tolower(u)));
    } else {
      flush();
    }
  }
  flush();
  return out;
}

SimulatedCatalog::SimulatedCatalog(std::vector<Product> products)
    : products_(std::move(products)),
      brand_names_{""},
      category_names_{""} {
  std::unordered_map<std::string, int> brand_ids{{"", 0}};
  std::unordered_map<std::string, int> category_ids{{"", 0}};
  for (std::size_t i = 0; i < products_.size(); ++i) {
    const Product& p = products_[i];
    brand_.push_back(intern(brand_names_, brand_ids, p.brand));
    category_.push_back(intern(category_names_, category_ids, p.category));
    title_words_.push_back(words(p.title));
    std::unordered_set<std::string> indexed(title_words_.back().begin(), title_words_.back().end());
    for (auto& w : words(p.category)) indexed.insert(std::move(w));
    for (const auto& w : indexed) postings_[w].push_back(i);
  }
  for (auto& [word, items] : postings_) std::sort(items.begin(), items.end());
  items_of_category_.resize(category_names_.size());
  for (std::size_t i = 0; i < products_.size(); ++i) {
    items_of_category_[static_cast<std::size_t>(category_[i])].push_back(i);
  }
  assignPriceBands();
  buildQueryWords();
}

int SimulatedCatalog::intern(std::vector<std::string>& names,
                             std::unordered_map<std::string, int>& ids, const std::string& name) {
  auto [it, added] = ids.try_emplace(name, static_cast<int>(names.size()));
  if (added) names.push_back(name);
  return it->second;
}

void SimulatedCatalog::assignPriceBands() {
  band_.assign(products_.size(), kNoBand);
  band_ranges_.assign(category_names_.size(), {});
  for (std::size_t c = 0; c < category_names_.size(); ++c) {
    std::vector<double> prices;
    for (std::size_t item : items_of_category_[c]) {
      if (products_[item].price) prices.push_back(*products_[item].price);
    }
    if (prices.empty()) continue;
    std::sort(prices.begin(), prices.end());
    const double q1 = prices[prices.size() / 3];
    const double q2 = prices[2 * prices.size() / 3];
    band_ranges_[c] = {{prices.front(), q1}, {q1, q2}, {q2, prices.back()}};
    for (std::size_t item : items_of_category_[c]) {
      if (!products_[item].price) continue;
      const double price = *products_[item].price;
      band_[item] = price < q1 ? 0 : (price < q2 ? 1 : 2);
    }
  }
}

std::pair<double, double> SimulatedCatalog::bandRange(int category, int band) const {
  const auto& ranges = band_ranges_[static_cast<std::size_t>(category)];
  if (band < 0 || static_cast<std::size_t>(band) >= ranges.size()) return {0, 0};
  return ranges[static_cast<std::size_t>(band)];
}

void SimulatedCatalog::buildQueryWords() {
  std::vector<std::unordered_set<std::string>> brand_words(brand_names_.size());
  for (std::size_t b = 0; b < brand_names_.size(); ++b) {
    for (auto& w : words(brand_names_[b])) brand_words[b].insert(std::move(w));
  }
  query_words_.assign(category_names_.size(), {});
  for (std::size_t c = 1; c < category_names_.size(); ++c) {
    // Per title word: the items with it, and how many of them carry it as
    // part of their own brand ("Sony - PlayStation 3"). Ordered map:
    // deterministic ties.
    std::map<std::string, std::pair<std::size_t, std::size_t>> frequency;
    for (std::size_t item : items_of_category_[c]) {
      const auto& title = title_words_[item];
      const auto& own_brand = brand_words[static_cast<std::size_t>(brand_[item])];
      std::unordered_set<std::string_view> seen(title.begin(), title.end());
      for (auto w : seen) {
        auto& [count, as_brand] = frequency[std::string(w)];
        ++count;
        if (own_brand.contains(std::string(w))) ++as_brand;
      }
    }
    const auto category_size = static_cast<double>(items_of_category_[c].size());
    const auto min_items =
        std::max(kMinWordItems, static_cast<std::size_t>(kMinWordShare * category_size));
    std::vector<std::pair<std::size_t, std::string>> ranked;
    for (const auto& [word, counts] : frequency) {
      const auto [count, as_brand] = counts;
      if (count < min_items || 2 * as_brand > count || word.size() < 2 || hasDigit(word) ||
          std::find(kStopWords.begin(), kStopWords.end(), word) != kStopWords.end()) {
        continue;
      }
      ranked.emplace_back(count, word);
    }
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    for (std::size_t i = 0; i < ranked.size() && i < kMaxQueryWords; ++i) {
      query_words_[c].push_back(ranked[i].second);
    }
    if (query_words_[c].empty()) {
      // Nothing frequent enough: the category's own name.
      const auto name = words(category_names_[c]);
      if (!name.empty()) query_words_[c].push_back(name.front());
    }
  }
}

std::vector<std::size_t> SimulatedCatalog::match(std::string_view query) const {
  const auto terms = words(query);
  std::vector<std::size_t> result;
  for (std::size_t t = 0; t < terms.size(); ++t) {
    auto it = postings_.find(terms[t]);
    if (it == postings_.end()) return {};
    if (t == 0) {
      result = it->second;
      continue;
    }
    std::vector<std::size_t> both;
    std::set_intersection(result.begin(), result.end(), it->second.begin(), it->second.end(),
                          std::back_inserter(both));
    result = std::move(both);
  }
  return result;
}

std::vector<std::size_t> SimulatedCatalog::search(std::string_view query, std::size_t k) const {
  const auto terms = words(query);
  struct Scored {
    double score;
    uint64_t tie;
    std::size_t item;
  };
  std::vector<Scored> scored;
  for (std::size_t item : match(query)) {
    const auto& title = title_words_[item];
    double tf = 0;
    for (const auto& term : terms) {
      tf += static_cast<double>(std::count(title.begin(), title.end(), term));
    }
    const auto length = static_cast<double>(std::max<std::size_t>(1, title.size()));
    const double score = tf / std::sqrt(length);
    scored.push_back(Scored{score, stableHash(query, products_[item].id), item});
  }
  const std::size_t n = std::min(k, scored.size());
  std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(n), scored.end(),
                    [](const Scored& a, const Scored& b) {
                      if (a.score != b.score) return a.score > b.score;
                      if (a.tie != b.tie) return a.tie < b.tie;
                      return a.item < b.item;
                    });
  std::vector<std::size_t> top;
  for (std::size_t i = 0; i < n; ++i) top.push_back(scored[i].item);
  return top;
}

}  // namespace rr::scoring::data

#include "scoring/click_stats.h"

#include <algorithm>
#include <cmath>

namespace rr::scoring {
namespace {

uint64_t fnv(std::string_view s, uint64_t h = 14695981039346656037ull) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

uint64_t ClickStats::queryKey(std::string_view q) { return fnv(q); }

uint64_t ClickStats::pairKey(std::string_view q, std::string_view item) {
  return fnv(item, fnv("\x1f", fnv(q)));
}

uint64_t ClickStats::tokenKey(std::string_view word) { return fnv(word, fnv("\x1ew")); }

namespace {

template <class F>
void forEachWord(std::string_view q, F&& f) {
  std::size_t start = 0;
  while (start < q.size()) {
    auto end = q.find(' ', start);
    if (end == std::string_view::npos) end = q.size();
    if (end > start) f(q.substr(start, end - start));
    start = end + 1;
  }
}

}  // namespace

void ClickStats::addClick(std::string_view normalized_query, std::string_view item) {
  uint32_t& n = item_clicks_[std::string(item)];
  ++n;
  max_item_ = std::max(max_item_, n);
  ++total_;
  if (!normalized_query.empty()) {
    ++query_clicks_[queryKey(normalized_query)];
    ++pair_clicks_[pairKey(normalized_query, item)];
    forEachWord(normalized_query, [&](std::string_view w) {
      const uint64_t k = tokenKey(w);
      ++token_clicks_[k];
      ++token_pair_clicks_[fnv(item, fnv("\x1f", k))];
    });
  }
}

uint32_t ClickStats::itemClicks(std::string_view item) const {
  auto it = item_clicks_.find(std::string(item));
  return it == item_clicks_.end() ? 0 : it->second;
}

float ClickStats::popularity(std::string_view item) const {
  if (max_item_ == 0) return 0;
  return static_cast<float>(std::log1p(itemClicks(item)) / std::log1p(max_item_));
}

float ClickStats::share(std::string_view item) const {
  return total_ == 0 ? 0.0f
                     : static_cast<float>(itemClicks(item)) / static_cast<float>(total_);
}

float ClickStats::tokenPrior(std::string_view normalized_query, std::string_view item) const {
  const float base = share(item);
  float sum = 0;
  int words = 0;
  forEachWord(normalized_query, [&](std::string_view w) {
    const uint64_t k = tokenKey(w);
    float pair = 0, token = 0;
    if (auto it = token_pair_clicks_.find(fnv(item, fnv("\x1f", k))); it != token_pair_clicks_.end()) {
      pair = static_cast<float>(it->second);
    }
    if (auto it = token_clicks_.find(k); it != token_clicks_.end()) {
      token = static_cast<float>(it->second);
    }
    sum += (pair + kSmoothing * base) / (token + kSmoothing);
    ++words;
  });
  return words == 0 ? base : sum / static_cast<float>(words);
}

float ClickStats::clickPrior(std::string_view normalized_query,
                             std::string_view item) const {
  const float share = this->share(item);
  float pair = 0, query = 0;
  if (auto it = pair_clicks_.find(pairKey(normalized_query, item)); it != pair_clicks_.end()) {
    pair = static_cast<float>(it->second);
  }
  if (auto it = query_clicks_.find(queryKey(normalized_query)); it != query_clicks_.end()) {
    query = static_cast<float>(it->second);
  }
  return (pair + kSmoothing * share) / (query + kSmoothing);
}

void ClickStats::restore(std::unordered_map<std::string, uint32_t> items,
                         std::unordered_map<uint64_t, uint32_t> pairs,
                         std::unordered_map<uint64_t, uint32_t> queries,
                         std::unordered_map<uint64_t, uint32_t> token_pairs,
                         std::unordered_map<uint64_t, uint32_t> tokens) {
  item_clicks_ = std::move(items);
  pair_clicks_ = std::move(pairs);
  query_clicks_ = std::move(queries);
  token_pair_clicks_ = std::move(token_pairs);
  token_clicks_ = std::move(tokens);
  total_ = 0;
  max_item_ = 0;
  for (const auto& [id, n] : item_clicks_) {
    total_ += n;
    max_item_ = std::max(max_item_, n);
  }
}

}  // namespace rr::scoring

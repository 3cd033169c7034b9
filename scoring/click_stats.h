// Counts learned from a storefront's logs: how often each item was clicked,
// and how often each item was clicked for each (normalized) query. They give
// the ranker's popularity and query-item click-prior features, and decide
// which items are "known" enough for an ID vector.
//
// Not thread-safe for writes; reads of a finished ClickStats are.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace rr::scoring {

class ClickStats {
 public:
  // One click of `item` after searching `normalized_query` (may be empty:
  // a click outside search counts for popularity only).
  void addClick(std::string_view normalized_query, std::string_view item);

  // log(1 + clicks(item)) / log(1 + max clicks of any item), in [0, 1].
  float popularity(std::string_view item) const;

  // (clicks(q, item) + a * share(item)) / (clicks(q) + a): the item's click
  // share for this query, pulled toward its overall share when q is rare.
  float clickPrior(std::string_view normalized_query, std::string_view item) const;

  // The same share per query word, averaged over the query's words: it
  // generalizes to queries never seen whole ("halo 3 odst" from "halo").
  float tokenPrior(std::string_view normalized_query, std::string_view item) const;

  uint32_t itemClicks(std::string_view item) const;
  bool known(std::string_view item, uint32_t min_clicks) const {
    return itemClicks(item) >= min_clicks;
  }

  std::size_t items() const { return item_clicks_.size(); }
  uint64_t totalClicks() const { return total_; }

  // Raw tables, for the model file.
  const std::unordered_map<std::string, uint32_t>& itemTable() const {
    return item_clicks_;
  }
  const std::unordered_map<uint64_t, uint32_t>& pairTable() const { return pair_clicks_; }
  const std::unordered_map<uint64_t, uint32_t>& queryTable() const { return query_clicks_; }
  const std::unordered_map<uint64_t, uint32_t>& tokenPairTable() const {
    return token_pair_clicks_;
  }
  const std::unordered_map<uint64_t, uint32_t>& tokenTable() const { return token_clicks_; }
  void restore(std::unordered_map<std::string, uint32_t> items,
               std::unordered_map<uint64_t, uint32_t> pairs,
               std::unordered_map<uint64_t, uint32_t> queries,
               std::unordered_map<uint64_t, uint32_t> token_pairs,
               std::unordered_map<uint64_t, uint32_t> tokens);

  static constexpr float kSmoothing = 3.0f;

 private:
  static uint64_t queryKey(std::string_view q);
  static uint64_t pairKey(std::string_view q, std::string_view item);
  static uint64_t tokenKey(std::string_view word);
  float share(std::string_view item) const;

  std::unordered_map<std::string, uint32_t> item_clicks_;
  std::unordered_map<uint64_t, uint32_t> pair_clicks_;
  std::unordered_map<uint64_t, uint32_t> query_clicks_;
  // Per query word: keys share the tables above, hashed in their own space.
  std::unordered_map<uint64_t, uint32_t> token_pair_clicks_;
  std::unordered_map<uint64_t, uint32_t> token_clicks_;
  uint64_t total_ = 0;
  uint32_t max_item_ = 0;
};

}  // namespace rr::scoring

// Counts learned from a storefront's logs: how often each item was clicked,
// and how often for each (normalized) query and each query word. They give
// the ranker's popularity and click-prior features, and decide which items
// are "known" enough for an ID vector.
//
// With a half-life, every click counts 2^(-age / half_life): what shoppers
// click now outweighs what they clicked last month. Clicks are stored as
// mass anchored at the first click's time (a click at t adds
// 2^((t - anchor) / half_life)), so adding is O(1) and ratios of counts need
// no clock at all; only popularity depends on "now" (setNow).
//
// Not thread-safe for writes; reads of a finished ClickStats are.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "scoring/id_map.h"
#include "scoring/key_mass_map.h"

namespace rr::scoring {

class ClickStats {
 public:
  // half_life_days <= 0: plain counts, no decay.
  explicit ClickStats(double half_life_days = 0);

  // One click of `item` after searching `normalized_query` (may be empty:
  // a click outside search counts for popularity only), at `ts_ms`.
  void addClick(std::string_view normalized_query, std::string_view item, int64_t ts_ms = 0);

  // The time reads are made at (default: the newest click).
  void setNow(int64_t ts_ms) { now_ms_ = ts_ms; }

  // log(1 + clicks(item)) / log(1 + max clicks of any item), in [0, 1].
  float popularity(std::string_view item) const;

  // (clicks(q, item) + a * share(item)) / (clicks(q) + a): the item's click
  // share for this query, pulled toward its overall share when q is rare.
  float clickPrior(std::string_view normalized_query, std::string_view item) const;

  // The same share per query word, averaged over the query's words: it
  // generalizes to queries never seen whole ("halo 3 odst" from "halo").
  float tokenPrior(std::string_view normalized_query, std::string_view item) const;

  // A query never clicked from borrows the clicks of the logged query most
  // like it: the clicked-from query with the largest Jaccard overlap of
  // character trigrams (spaces dropped, ends marked), if at least
  // kSimilarQueryMin ("halo3" from "halo 3", "call of duty ghost" from
  // "call of duty ghosts"; ties go to the query logged first). Returns its
  // text, or nothing; nothing, too, when even q's rarest trigrams are in
  // more than kSimilarQueryMaxScan logged queries between them (a short
  // query of common letters in a large log: the search would cost more
  // than the rest of the search's scoring, for a match that is seldom
  // there), the same way in training and in rerankd.
  std::optional<std::string_view> similarQuery(std::string_view normalized_query) const;

  // For a query never clicked from, clickPrior of its similar query; for
  // any other (clicked from, so click_prior has its clicks, or with no
  // similar query), the item's overall share: the feature only says what
  // click_prior cannot.
  float similarPrior(std::string_view normalized_query, std::string_view item) const;

  // The four click features of many items for one query, as clickPrior,
  // tokenPrior, popularity and similarPrior give them (the same values, bit
  // for bit), with the query and its words hashed and its similar query
  // found once, and each item looked up once: what rerankd needs for every
  // candidate of a window. Valid while the ClickStats it came from is alive
  // and unchanged.
  struct Priors {
    float click_prior = 0;
    float token_prior = 0;
    float popularity = 0;
    float similar_prior = 0;
  };
  class QueryPriors {
   public:
    Priors of(std::string_view item) const;
    // of() for each of `items`, into `out` (as many). Each item's lookups
    // are started (prefetched) a few items ahead of reading them: in
    // tables far larger than the cache each is a miss, and this way they
    // overlap instead of queueing.
    void of(std::span<const std::string_view> items, std::span<Priors> out) const;

   private:
    friend class ClickStats;
    // An item's lookup keys: its hash in the item table, its pair keys
    // with the query and with the similar query, then one per query word.
    std::size_t keyCount() const { return 3 + words_.size(); }
    void keysOf(std::string_view item, uint64_t* keys) const;
    void prefetch(const uint64_t* keys) const;
    Priors fromKeys(const uint64_t* keys) const;
    explicit QueryPriors(const ClickStats& stats) : stats_(stats) {}
    const ClickStats& stats_;
    uint64_t pair_prefix_ = 0;  // pairKey's hash state before the item
    double query_mass_ = 0;
    uint64_t similar_prefix_ = 0;  // the same for similarPrior's query
    double similar_mass_ = 0;
    double smoothing_ = 0;      // kSmoothing * scaleNow()
    double scale_ = 1;
    // Per query word: tokenPairKey's state before the item, the word's mass.
    std::vector<std::pair<uint64_t, double>> words_;
  };
  QueryPriors forQuery(std::string_view normalized_query) const;

  // Undecayed click count (decides ID vectors).
  uint32_t itemClicks(std::string_view item) const;
  // Starts loading what itemClicks(item) reads (see QueryPriors::of).
  void prefetchItem(std::string_view item) const {
    t_.items.prefetch(Tables::Items::hashOf(item));
  }
  bool known(std::string_view item, uint32_t min_clicks) const {
    return itemClicks(item) >= min_clicks;
  }

  std::size_t items() const { return t_.items.size(); }
  double halfLifeDays() const { return half_life_days_; }

  // What shoppers take next: `next` followed `prev` in one shopper's
  // interactions (views, clicks, carts, purchases), counted `weight` times
  // (1 for the item just before, less for one further back). Plain counts,
  // no decay; rerankd serves the model's and learns none live.
  void addTransition(std::string_view prev, std::string_view next, float weight);
  std::size_t transitions() const { return transition_count_; }
  // Forgets every transition (a copy kept for its click counts only).
  void dropTransitions() {
    t_.successors = {};
    transition_count_ = 0;
  }
  // An item id's key in the transition table (FNV-1a: the same in every
  // build, as the model file stores it).
  static uint64_t itemKey(std::string_view item);

  // The next-item feature of each of `items` for a shopper whose latest
  // interactions are `recent` (most recent first; the first
  // kNextItemDepth are used): log(1 + sum over j of kNextItemDecay^j x
  // how often the item followed recent[j]). 0 for a shopper without
  // history, or after items nobody followed with anything.
  void nextItem(std::span<const std::string_view> recent, std::span<const std::string_view> items,
                std::span<float> out) const;

  static constexpr float kSmoothing = 3.0f;
  static constexpr double kSimilarQueryMin = 0.5;
  static constexpr std::size_t kSimilarQueryMaxScan = 4096;
  static constexpr std::size_t kNextItemDepth = 5;
  static constexpr float kNextItemDecay = 0.8f;

  // Everything the model file stores.
  struct Tables {
    double half_life_days = 0;
    int64_t anchor_ms = 0;
    bool anchored = false;
    // Per item: its clicks as counted (whether it gets an ID vector) and its
    // click mass, side by side, so the two lookups a candidate makes land on
    // one entry.
    struct ItemCount {
      uint32_t raw = 0;
      double mass = 0;
    };
    using Items = IdMap<ItemCount>;
    Items items;
    KeyMassMap pairs, queries, token_pairs, tokens;
    double total = 0;
    double max_item = 0;
    int64_t latest_ms = 0;  // the newest click: "now" until setNow is called
    // Every query clicked from, in the order of its first click.
    std::vector<std::string> query_texts;
    // Per item (itemKey): the items that followed it and how often, sorted
    // by itemKey.
    using Successors = std::vector<std::pair<uint64_t, float>>;
    std::unordered_map<uint64_t, Successors> successors;
  };
  const Tables& tables() const { return t_; }
  void restore(Tables tables);

 private:
  static uint64_t queryKey(std::string_view q);
  static uint64_t pairKey(std::string_view q, std::string_view item);
  static uint64_t tokenKey(std::string_view word);
  static uint64_t tokenPairKey(uint64_t token, std::string_view item);
  double mass(int64_t ts_ms) const;  // weight of a click at ts, anchored
  void rebase(int64_t ts_ms);         // anchor at ts_ms, same ratios
  double scaleNow() const;            // the mass of one click made "now"
  float share(std::string_view item) const;
  void indexQuery(uint32_t index);     // t_.query_texts[index] into trigrams_
  // The query whose clicks similarPrior uses for q: its similar query when
  // q was never clicked from, else "" (no query's clicks: the share).
  std::string_view priorQuery(std::string_view q) const;

  Tables t_;
  // Character trigram -> the indices in query_texts of queries that have
  // it, and each query's distinct trigrams, sorted. Built from query_texts
  // (restore) and kept up to date by addClick.
  std::unordered_map<uint32_t, std::vector<uint32_t>> trigrams_;
  std::vector<std::vector<uint32_t>> query_trigrams_;
  double half_life_days_ = 0;
  int64_t now_ms_ = 0;  // 0: t_.latest_ms
  std::size_t transition_count_ = 0;  // (prev, next) pairs in t_.successors
};

// The clicked-before extras of a query once clicks arrive after training:
// the items clicked for it since (`since`: item -> clicks; most clicked
// first, ties by id), then the model file's list (`trained`), each once, at
// most `k`. Either may be null. rerankd's live statistics and rerank-eval
// --online-stats both use it, so both add the same items.
std::vector<std::string> mergeClickLists(const std::vector<std::string>* trained,
                                         const std::unordered_map<std::string, int>* since,
                                         std::size_t k);

}  // namespace rr::scoring

// Scores one live window for one shopper: the same inputs the training
// pipeline builds for a logged search (scoring/pipeline/example_builder),
// assembled from what a request has: the engine's hits (item vectors from
// the index when present, the item tower otherwise), the shopper's profile
// and the query text. One per thread; reads the model, never changes it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rerank/live_stats.h"
#include "rerank/profile_store.h"
#include "scoring/model.h"
#include "scoring/window_scorer.h"

namespace rr::rerank {

struct LiveCandidate {
  scoring::ItemText text;        // id always; brand/category/price for the keys;
                                 // title/description when `vector` is empty
  std::span<const float> vector;  // from the index (d floats), or empty
  float engine_score = 0;
  int engine_rank = 0;            // window size for extra candidates
};

struct LiveHistory {
  std::span<const ProfileEvent> events;  // oldest first; searches are skipped
  std::string_view session_id;            // the request's session
  int64_t now_ms = 0;
  double half_life_days = 30;  // as in training (BuildOptions::half_life_days)
};

class LiveScorer {
 public:
  explicit LiveScorer(const scoring::Model& model);

  // One score per candidate. Counts the candidates whose vector had to be
  // computed (no index vector) in `computed`. The click features come from
  // `live` (the storefront's current statistics) when given, else from the
  // model file's.
  void score(std::string_view query, std::span<const LiveCandidate> candidates,
             const LiveHistory& history, std::vector<float>& out, std::size_t* computed = nullptr,
             const LiveStats* live = nullptr);

  // After score(): candidate c's feature values and contributions.
  void explain(std::size_t c, std::vector<float>& features, std::vector<float>& contributions);
  bool hadHistory() const { return history_rows_ > 0; }

 private:
  const scoring::Model& model_;
  scoring::WindowScorer scorer_;
  scoring::Matrix candidates_, history_;
  scoring::Vector query_, history_weight_, session_weight_;
  std::vector<scoring::CandidateStats> stats_;
  std::vector<scoring::ItemKeys> candidate_keys_, history_keys_;
  std::vector<uint32_t> tokens_;
  std::vector<std::string_view> ids_;  // the candidates' ids, for the click priors
  std::vector<scoring::ClickStats::Priors> priors_;
  std::vector<std::string_view> recent_;  // the shopper's latest items, most recent first
  std::vector<float> next_item_;
  Eigen::Index history_rows_ = 0;
  // History items' tower outputs by a 64-bit hash of their whole content
  // (shoppers' histories repeat from search to search): rows of one array,
  // found through an open-addressing table (linear probing, a power of two
  // of slots, at most 61% full). A history's lookups are independent loads
  // that prefetching overlaps, not chains of pointers through a node-based
  // map. Bounded; cleared when full.
  static constexpr std::size_t kMaxCached = 20000;
  static constexpr std::size_t kSlots = std::size_t{1} << 15;
  struct Slot {
    uint64_t key = 0;  // 0: empty (a key of 0 is stored as 1)
    uint32_t row = 0;
  };
  std::vector<Slot> slots_;
  std::vector<float> cached_vectors_;          // row r at [r * d, (r + 1) * d)
  std::vector<scoring::ItemKeys> cached_keys_;  // by row
  std::vector<uint64_t> event_keys_;           // this search's, per history row
  // The cached row of an item with this key, computing and adding it if
  // need be.
  uint32_t cachedRow(uint64_t key, const scoring::ItemText& item);
};

}  // namespace rr::rerank

// Scores one candidate window for one shopper and query, in one batch.
//
// Inputs are vectors already computed by the towers (item vectors come from
// the engine index at serving time). WindowScorer owns only scratch memory:
// one per thread; it reads the Mlp it was built with and never changes it.
// After the first window of a given size, score() does not allocate.
#pragma once

#include <cstdint>
#include <span>

#include "scoring/features.h"
#include "scoring/mlp.h"
#include "scoring/tensor.h"

namespace rr::scoring {

using MatrixMap = Eigen::Map<const Matrix>;
using VectorMap = Eigen::Map<const Vector>;

struct CandidateStats {
  float engine_score = 0;  // raw engine _score (0 when missing)
  int engine_rank = 0;     // 0-based position in the engine's order
  float click_prior = 0;
  float token_prior = 0;
  float popularity = 0;
  float similar_prior = 0;
  bool item_known = false;
};

// What the affinity features compare: an item's brand, category and price
// band (table rows as in ItemInput; -1: none, never matches).
struct ItemKeys {
  int64_t brand = -1;
  int64_t category = -1;
  int64_t price = -1;
};

struct WindowInput {
  MatrixMap candidates{nullptr, 0, 0};      // m x d item vectors
  VectorMap query{nullptr, 0};              // d
  MatrixMap history{nullptr, 0, 0};         // n x d (n = 0: no history)
  VectorMap history_weight{nullptr, 0};     // n, > 0: type weight x decay
  VectorMap session_weight{nullptr, 0};     // n, 0 outside the session
  std::span<const CandidateStats> stats;    // m
  // m and n entries, or empty: then the affinity features are 0.
  std::span<const ItemKeys> candidate_keys;
  std::span<const ItemKeys> history_keys;
  // m entries (ClickStats::nextItem over the history), or empty: then the
  // next-item feature is 0. Ignored without history.
  std::span<const float> next_item;
};

struct WindowGrads {
  Vector query;      // d
  Matrix candidates; // m x d
  Matrix history;    // n x d
};

class WindowScorer {
 public:
  explicit WindowScorer(const Mlp& mlp);

  // Writes one score per candidate. `scores` has m entries.
  void score(const WindowInput& in, std::span<float> scores);

  // Feature rows of the last score() call (m x kFeatureCount).
  auto features(Eigen::Index m) const { return x_.topRows(m); }

  // Gradient x input of each feature for candidate `c` of the last score()
  // call: how much each feature moved that candidate's score.
  void contributions(Eigen::Index c, std::span<float> out);

  // Training: gradients of the last score() call given dL/dscores.
  void backward(const WindowInput& in, std::span<const float> dscores,
                MlpGrads& mlp_grads, WindowGrads& grads);

 private:
  void affinities(const WindowInput& in);

  const Mlp& mlp_;
  Mlp::Cache cache_;
  Matrix x_;         // m x F features
  Matrix sim_;       // m x n: candidate . history item
  Matrix attn_;      // m x n: attention weights
  Vector long_term_; // d
  Vector session_;   // d
  Vector log_weight_; // n
  Vector row_tmp_;    // m
  Vector scores_;
  bool has_session_ = false;
};

}  // namespace rr::scoring

// Listwise training of a Model: softmax cross-entropy over each logged
// search's candidate window, with the clicked item as the target; Adam
// (lazy for embedding rows: only rows an example touched are updated).
//
// Single-threaded and deterministic for a seed.
#pragma once

#include <cstdint>
#include <array>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

#include "scoring/model.h"
#include "scoring/window_scorer.h"

namespace rr::scoring {

class ExampleScorer;

// One labelled search, ready for the model: everything is already hashed.
struct TrainingExample {
  std::vector<ItemInput> candidates;   // the window, engine order first
  std::vector<CandidateStats> stats;   // one per candidate
  std::vector<uint32_t> query_tokens;
  std::vector<ItemInput> history;      // the user's earlier items, oldest first
  std::vector<float> history_weight;   // > 0, one per history item
  std::vector<float> session_weight;   // 0 outside the current session
  // Per candidate, the next-item feature (ClickStats::nextItem); empty
  // without history.
  std::vector<float> next_item;
  int target = -1;                     // index of the clicked candidate
  // How much this list counts in the loss (position-bias correction); 1
  // for a log without impressions.
  float weight = 1.0f;

  // The same search by an anonymous shopper: drops the history and
  // everything derived from it.
  void clearHistory() {
    history.clear();
    history_weight.clear();
    session_weight.clear();
    next_item.clear();
  }
};

struct TrainOptions {
  float learning_rate = 0.01f;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float epsilon = 1e-8f;
  float l2 = 1e-6f;  // on MLP weights only
  int batch_size = 16;
  uint64_t seed = 1;
  // Share of examples trained with their query click priors (click_prior,
  // token_prior, similar_prior) zeroed, so that the ranker also learns what
  // the other features, history among them, say on their own. 0: off.
  float prior_dropout = 0;
  // Share of examples trained as if the shopper had no history, so that the
  // model without history is one it was trained to be (on logs where every
  // search has history it otherwise never sees one). 0: off.
  float history_dropout = 0;
  // Decoupled weight decay (as in AdamW) on the rows of the embedding
  // tables a batch touched: each such row shrinks by lr * table_decay of
  // itself per step. 0: off.
  float table_decay = 0;
};

// Gradients of one batch: dense for the MLP, sparse rows for the tables.
struct Gradients {
  explicit Gradients(const Model& model);
  void clear();
  MlpGrads mlp;
  // table index (see Trainer::Table) -> row -> gradient
  std::array<std::unordered_map<uint32_t, Vector>, 6> rows;
};

class Trainer {
 public:
  enum Table { kItemTokens, kQueryTokens, kBrands, kCategories, kPrices, kIds };

  Trainer(Model& model, TrainOptions options);
  ~Trainer();

  // Called after each batch with the examples done so far and their mean
  // loss (for a progress display; it must not touch the model).
  using EpochProgress = std::function<void(std::size_t done, double mean_loss)>;

  // One pass over the examples in a seeded random order; mean loss.
  float trainEpoch(std::span<const TrainingExample> examples,
                   const EpochProgress& on_batch = {});

  // The example's loss; accumulates its gradients into `grads`.
  float accumulate(const TrainingExample& example, Gradients& grads);

  // The example's loss without touching anything.
  float loss(const TrainingExample& example);

  // Scores of the example's candidates under the current parameters.
  void score(const TrainingExample& example, std::vector<float>& out);

  // Applies one Adam step with `grads` (averaged over `count` examples).
  void step(const Gradients& grads, int count);

  Matrix& table(Table t);

  // The step size of the steps that follow (a schedule across epochs).
  void setLearningRate(float lr) { options_.learning_rate = lr; }

 private:
  double uniform();  // in [0, 1), from rng_
  void scatterItem(const ItemInput& item, const Eigen::Ref<const Vector>& g,
                   Gradients& grads) const;

  Model& model_;
  TrainOptions options_;
  std::unique_ptr<ExampleScorer> scorer_;
  std::mt19937_64 rng_;
  TrainingExample dropped_;  // scratch for prior dropout
  int64_t steps_ = 0;
  // Adam moments: tables (lazily updated rows) and the MLP.
  std::array<Matrix, 6> m_, v_;
  MlpGrads mlp_m_, mlp_v_;
};

// The mean of a model's last few parameter snapshots (one per epoch): the
// weights of an epoch averaged with those of the epochs just before it. On
// the validation days of the three real logs the mean of two ranked better
// than the last epoch alone (README, "Training options").
class ParamAverage {
 public:
  explicit ParamAverage(int window) : window_(window) {}

  // Keeps a copy of `params`, dropping the oldest beyond the window.
  void add(const Params& params);
  std::size_t size() const { return snapshots_.size(); }

  // Writes the element-wise mean of the kept snapshots into `out` (which
  // may be one of the models they came from). Needs at least one.
  void meanInto(Params& out) const;

 private:
  int window_;
  std::deque<Params> snapshots_;
};

}  // namespace rr::scoring

// Scores a TrainingExample with a model: computes the item, history and
// query vectors with the towers, then runs the WindowScorer. One per thread;
// reads the model, never changes it.
#pragma once

#include <vector>

#include "scoring/model.h"
#include "scoring/trainer.h"
#include "scoring/window_scorer.h"

namespace rr::scoring {

class ExampleScorer {
 public:
  explicit ExampleScorer(const Model& model);

  void score(const TrainingExample& example, std::vector<float>& out);

  // The window input of the last score() call (valid until the next).
  WindowInput lastInput(const TrainingExample& example) const;
  WindowScorer& windowScorer() { return scorer_; }

 private:
  const Model& model_;
  WindowScorer scorer_;
  Matrix candidates_, history_;
  Vector query_, history_weight_, session_weight_;
  std::vector<ItemKeys> candidate_keys_, history_keys_;
};

}  // namespace rr::scoring

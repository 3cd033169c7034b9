#include "scoring/example_scorer.h"

namespace rr::scoring {

ExampleScorer::ExampleScorer(const Model& model)
    : model_(model), scorer_(model.params().mlp) {}

WindowInput ExampleScorer::lastInput(const TrainingExample& ex) const {
  const int d = model_.dim();
  const auto m = static_cast<Eigen::Index>(ex.candidates.size());
  const auto n = static_cast<Eigen::Index>(ex.history.size());
  return {.candidates = MatrixMap(candidates_.data(), m, d),
          .query = VectorMap(query_.data(), d),
          .history = MatrixMap(history_.data(), n, d),
          .history_weight = VectorMap(history_weight_.data(), n),
          .session_weight = VectorMap(session_weight_.data(), n),
          .stats = ex.stats,
          .candidate_keys = candidate_keys_,
          .history_keys = history_keys_,
          .next_item = ex.next_item};
}

void ExampleScorer::score(const TrainingExample& ex, std::vector<float>& out) {
  const int d = model_.dim();
  const auto m = static_cast<Eigen::Index>(ex.candidates.size());
  const auto n = static_cast<Eigen::Index>(ex.history.size());
  candidates_.resize(m, d);
  for (Eigen::Index c = 0; c < m; ++c) {
    model_.itemVector(ex.candidates[static_cast<std::size_t>(c)], candidates_.row(c).data());
  }
  history_.resize(n, d);
  for (Eigen::Index j = 0; j < n; ++j) {
    model_.itemVector(ex.history[static_cast<std::size_t>(j)], history_.row(j).data());
  }
  auto keys = [](const ItemInput& item) {
    return ItemKeys{.brand = item.brand, .category = item.category, .price = item.price};
  };
  candidate_keys_.clear();
  for (const auto& item : ex.candidates) candidate_keys_.push_back(keys(item));
  history_keys_.clear();
  for (const auto& item : ex.history) history_keys_.push_back(keys(item));
  query_.resize(d);
  model_.queryVector(ex.query_tokens, query_.data());
  history_weight_ = Eigen::Map<const Vector>(ex.history_weight.data(), n);
  session_weight_ = Eigen::Map<const Vector>(ex.session_weight.data(), n);
  out.resize(static_cast<std::size_t>(m));
  scorer_.score(lastInput(ex), out);
}

}  // namespace rr::scoring

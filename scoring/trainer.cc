#include "scoring/trainer.h"

#include "scoring/example_scorer.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace rr::scoring {
namespace {

void addRow(std::unordered_map<uint32_t, Vector>& rows, int64_t row,
            const Eigen::Ref<const Vector>& g, float scale) {
  auto [it, inserted] = rows.try_emplace(static_cast<uint32_t>(row));
  if (inserted) it->second = Vector::Zero(g.size());
  it->second.noalias() += scale * g;
}

// In-place softmax; returns log-sum-exp.
float softmax(std::vector<float>& s) {
  const float mx = *std::max_element(s.begin(), s.end());
  float total = 0;
  for (float& v : s) {
    v = std::exp(v - mx);
    total += v;
  }
  for (float& v : s) v /= total;
  return mx + std::log(total);
}

template <class M>
void adamDense(M& param, M& m, M& v, const M& g, float lr, const TrainOptions& o,
               float c1, float c2) {
  m = o.beta1 * m + (1 - o.beta1) * g;
  v = o.beta2 * v + (1 - o.beta2) * g.cwiseProduct(g);
  param.array() -= lr * (m.array() / c1) / ((v.array() / c2).sqrt() + o.epsilon);
}

}  // namespace

Gradients::Gradients(const Model& model) : mlp(model.params().mlp) {}

void Gradients::clear() {
  mlp.setZero();
  for (auto& t : rows) t.clear();
}

Trainer::Trainer(Model& model, TrainOptions options)
    : model_(model),
      options_(options),
      scorer_(std::make_unique<ExampleScorer>(model)),
      rng_(options.seed),
      mlp_m_(model.params().mlp),
      mlp_v_(model.params().mlp) {
  for (int t = 0; t < 6; ++t) {
    const Matrix& p = table(static_cast<Table>(t));
    m_[t] = Matrix::Zero(p.rows(), p.cols());
    v_[t] = Matrix::Zero(p.rows(), p.cols());
  }
}

Trainer::~Trainer() = default;

Matrix& Trainer::table(Table t) {
  Params& p = model_.params();
  switch (t) {
    case kItemTokens: return p.item_tokens;
    case kQueryTokens: return p.query_tokens;
    case kBrands: return p.brands;
    case kCategories: return p.categories;
    case kPrices: return p.prices;
    case kIds: return p.ids;
  }
  return p.item_tokens;
}

void Trainer::score(const TrainingExample& example, std::vector<float>& out) {
  scorer_->score(example, out);
}

float Trainer::loss(const TrainingExample& example) {
  std::vector<float> s;
  scorer_->score(example, s);
  const float target = s[static_cast<std::size_t>(example.target)];
  return (softmax(s) - target) * example.weight;  // as accumulate() counts it
}

void Trainer::scatterItem(const ItemInput& item, const Eigen::Ref<const Vector>& g,
                          Gradients& grads) const {
  auto& rows = grads.rows;
  if (!item.title_tokens.empty()) {
    const float w = 1.0f / static_cast<float>(item.title_tokens.size());
    for (uint32_t t : item.title_tokens) addRow(rows[kItemTokens], t, g, w);
  }
  if (!item.description_tokens.empty()) {
    const float w = Model::kDescriptionWeight /
                    static_cast<float>(item.description_tokens.size());
    for (uint32_t t : item.description_tokens) addRow(rows[kItemTokens], t, g, w);
  }
  if (item.brand >= 0) addRow(rows[kBrands], item.brand, g, 1);
  if (item.category >= 0) addRow(rows[kCategories], item.category, g, 1);
  if (item.price >= 0) addRow(rows[kPrices], item.price, g, 1);
  if (item.id >= 0) addRow(rows[kIds], item.id, g, 1);
}

float Trainer::accumulate(const TrainingExample& ex, Gradients& grads) {
  std::vector<float> p;
  scorer_->score(ex, p);
  const float target_score = p[static_cast<std::size_t>(ex.target)];
  const float lse = softmax(p);
  p[static_cast<std::size_t>(ex.target)] -= 1.0f;  // dL/ds = softmax - onehot
  if (ex.weight != 1.0f) {
    for (float& g : p) g *= ex.weight;
  }

  const auto m = static_cast<Eigen::Index>(ex.candidates.size());
  const auto n = static_cast<Eigen::Index>(ex.history.size());
  WindowGrads wg;
  scorer_->windowScorer().backward(scorer_->lastInput(ex), p, grads.mlp, wg);
  for (Eigen::Index c = 0; c < m; ++c) {
    scatterItem(ex.candidates[static_cast<std::size_t>(c)], wg.candidates.row(c).transpose(),
                grads);
  }
  for (Eigen::Index j = 0; j < n; ++j) {
    scatterItem(ex.history[static_cast<std::size_t>(j)], wg.history.row(j).transpose(), grads);
  }
  if (!ex.query_tokens.empty()) {
    const float w = 1.0f / static_cast<float>(ex.query_tokens.size());
    for (uint32_t t : ex.query_tokens) {
      addRow(grads.rows[kQueryTokens], t, wg.query, w);
      addRow(grads.rows[kItemTokens], t, wg.query, w);
    }
  }
  return (lse - target_score) * ex.weight;
}

void Trainer::step(const Gradients& grads, int count) {
  ++steps_;
  const float inv = 1.0f / static_cast<float>(std::max(count, 1));
  const float c1 = 1.0f - std::pow(options_.beta1, static_cast<float>(steps_));
  const float c2 = 1.0f - std::pow(options_.beta2, static_cast<float>(steps_));
  const float lr = options_.learning_rate;

  for (int t = 0; t < 6; ++t) {
    Matrix& param = table(static_cast<Table>(t));
    for (const auto& [row, g_raw] : grads.rows[t]) {
      Vector g = g_raw * inv;
      auto m = m_[t].row(row);
      auto v = v_[t].row(row);
      m = options_.beta1 * m + (1 - options_.beta1) * g.transpose();
      v = options_.beta2 * v + (1 - options_.beta2) * g.cwiseProduct(g).transpose();
      if (options_.table_decay > 0) param.row(row) *= 1.0f - lr * options_.table_decay;
      param.row(row).array() -=
          lr * (m.array() / c1) / ((v.array() / c2).sqrt() + options_.epsilon);
    }
  }

  Mlp& mlp = model_.params().mlp;
  MlpGrads g = grads.mlp;
  g.w1 = g.w1 * inv + options_.l2 * mlp.w1;
  g.w2 = g.w2 * inv + options_.l2 * mlp.w2;
  g.b1 *= inv;
  g.b2 *= inv;
  g.w3 = g.w3 * inv + options_.l2 * mlp.w3;
  g.b3 *= inv;
  adamDense(mlp.w1, mlp_m_.w1, mlp_v_.w1, g.w1, lr, options_, c1, c2);
  adamDense(mlp.w2, mlp_m_.w2, mlp_v_.w2, g.w2, lr, options_, c1, c2);
  adamDense(mlp.b1, mlp_m_.b1, mlp_v_.b1, g.b1, lr, options_, c1, c2);
  adamDense(mlp.b2, mlp_m_.b2, mlp_v_.b2, g.b2, lr, options_, c1, c2);
  adamDense(mlp.w3, mlp_m_.w3, mlp_v_.w3, g.w3, lr, options_, c1, c2);
  mlp_m_.b3 = options_.beta1 * mlp_m_.b3 + (1 - options_.beta1) * g.b3;
  mlp_v_.b3 = options_.beta2 * mlp_v_.b3 + (1 - options_.beta2) * g.b3 * g.b3;
  mlp.b3 -= lr * (mlp_m_.b3 / c1) / (std::sqrt(mlp_v_.b3 / c2) + options_.epsilon);
}

double Trainer::uniform() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }

float Trainer::trainEpoch(std::span<const TrainingExample> examples,
                          const EpochProgress& on_batch) {
  std::vector<std::size_t> order(examples.size());
  std::iota(order.begin(), order.end(), 0);
  // Fisher-Yates with our own draws: the same order on every platform.
  for (std::size_t i = order.size(); i > 1; --i) {
    std::swap(order[i - 1], order[rng_() % i]);
  }
  Gradients grads(model_);
  double total = 0;
  int in_batch = 0;
  std::size_t done = 0;
  for (std::size_t i : order) {
    ++done;
    const TrainingExample& ex = examples[i];
    if (ex.target < 0 || ex.candidates.empty()) continue;
    // Draws only for the options in use: runs without them keep their order.
    const bool drop_priors = options_.prior_dropout > 0 && uniform() < options_.prior_dropout;
    const bool drop_history =
        options_.history_dropout > 0 && uniform() < options_.history_dropout;
    if (drop_priors || drop_history) {
      dropped_ = ex;
      if (drop_priors) {
        for (auto& s : dropped_.stats) s.click_prior = s.token_prior = s.similar_prior = 0;
      }
      if (drop_history) dropped_.clearHistory();
      total += accumulate(dropped_, grads);
    } else {
      total += accumulate(ex, grads);
    }
    if (++in_batch == options_.batch_size) {
      step(grads, in_batch);
      grads.clear();
      in_batch = 0;
      if (on_batch) on_batch(done, total / static_cast<double>(done));
    }
  }
  if (in_batch > 0) step(grads, in_batch);
  if (on_batch && done > 0) on_batch(done, total / static_cast<double>(done));
  return examples.empty() ? 0.0f : static_cast<float>(total / static_cast<double>(examples.size()));
}

void ParamAverage::add(const Params& params) {
  snapshots_.push_back(params);
  while (static_cast<int>(snapshots_.size()) > window_) snapshots_.pop_front();
}

void ParamAverage::meanInto(Params& out) const {
  const float inv = 1.0f / static_cast<float>(snapshots_.size());
  // Each sum goes into a temporary and `out` is written once per table, so
  // `out` may be the model the snapshots were copied from.
  auto mean = [&](auto get) {
    auto sum = get(snapshots_.front());
    for (std::size_t i = 1; i < snapshots_.size(); ++i) sum += get(snapshots_[i]);
    get(out) = sum * inv;
  };
  mean([](auto& p) -> auto& { return p.item_tokens; });
  mean([](auto& p) -> auto& { return p.query_tokens; });
  mean([](auto& p) -> auto& { return p.brands; });
  mean([](auto& p) -> auto& { return p.categories; });
  mean([](auto& p) -> auto& { return p.prices; });
  mean([](auto& p) -> auto& { return p.ids; });
  mean([](auto& p) -> auto& { return p.mlp.w1; });
  mean([](auto& p) -> auto& { return p.mlp.w2; });
  mean([](auto& p) -> auto& { return p.mlp.b1; });
  mean([](auto& p) -> auto& { return p.mlp.b2; });
  mean([](auto& p) -> auto& { return p.mlp.w3; });
  mean([](auto& p) -> auto& { return p.mlp.b3; });
}

}  // namespace rr::scoring

#include "scoring/window_scorer.h"

#include <algorithm>
#include <cmath>

namespace rr::scoring {
namespace {

void growRows(Matrix& m, Eigen::Index rows, Eigen::Index cols) {
  if (m.rows() < rows || m.cols() < cols) {
    m.resize(std::max(rows, m.rows()), std::max(cols, m.cols()));
  }
}

void growVector(Vector& v, Eigen::Index n) {
  if (v.size() < n) v.resize(n);
}

}  // namespace

std::string_view featureSchema() {
  static const std::string schema = [] {
    std::string s;
    for (auto name : kFeatureNames) {
      if (!s.empty()) s += ',';
      s += name;
    }
    return s;
  }();
  return schema;
}

WindowScorer::WindowScorer(const Mlp& mlp) : mlp_(mlp) {}

void WindowScorer::score(const WindowInput& in, std::span<float> out) {
  const Eigen::Index m = in.candidates.rows();
  const Eigen::Index n = in.history.rows();
  const Eigen::Index d = in.candidates.cols();
  growRows(x_, m, kFeatureCount);
  if (x_.cols() != kFeatureCount) x_.resize(x_.rows(), kFeatureCount);
  growVector(scores_, m);
  auto x = x_.topRows(m);

  float max_score = 0;
  for (const auto& s : in.stats) max_score = std::max(max_score, s.engine_score);
  const float inv_max = max_score > 0 ? 1.0f / max_score : 0.0f;
  for (Eigen::Index c = 0; c < m; ++c) {
    const CandidateStats& s = in.stats[static_cast<std::size_t>(c)];
    x(c, kEngineScore) = s.engine_score * inv_max;
    x(c, kEngineLogScore) = std::log1p(std::max(s.engine_score, 0.0f));
    x(c, kRankRecip) = 1.0f / (1.0f + static_cast<float>(s.engine_rank));
    x(c, kClickPrior) = s.click_prior;
    x(c, kTokenPrior) = s.token_prior;
    x(c, kSimilarPrior) = s.similar_prior;
    x(c, kPopularity) = s.popularity;
    x(c, kHasHistory) = n > 0 ? 1.0f : 0.0f;
    x(c, kItemKnown) = s.item_known ? 1.0f : 0.0f;
  }
  x.col(kQueryItem).noalias() = in.candidates * in.query;

  has_session_ = false;
  if (n == 0) {
    x.col(kUserAttention).setZero();
    x.col(kUserLongTerm).setZero();
    x.col(kUserSession).setZero();
    x.col(kMaxHistorySim).setZero();
    x.col(kBrandAffinity).setZero();
    x.col(kCategoryAffinity).setZero();
    x.col(kPriceAffinity).setZero();
    x.col(kNextItem).setZero();
  } else {
    affinities(in);
    if (static_cast<Eigen::Index>(in.next_item.size()) == m) {
      x.col(kNextItem) = Eigen::Map<const Vector>(in.next_item.data(), m);
    } else {
      x.col(kNextItem).setZero();
    }
    growRows(sim_, m, n);
    growRows(attn_, m, n);
    auto sim = sim_.topLeftCorner(m, n);
    auto attn = attn_.topLeftCorner(m, n);
    sim.noalias() = in.candidates * in.history.transpose();
    const float inv_sqrt_d = 1.0f / std::sqrt(static_cast<float>(d));
    growVector(log_weight_, n);
    auto log_w = log_weight_.head(n);
    log_w = in.history_weight.array().log();
    // Row-wise softmax of sim / sqrt(d) + log w, vectorized over the window.
    attn = (sim * inv_sqrt_d).rowwise() + log_w.transpose();
    growVector(row_tmp_, m);
    auto row_tmp = row_tmp_.head(m);
    row_tmp = attn.rowwise().maxCoeff();
    attn.colwise() -= row_tmp;
    attn = attn.array().exp();
    row_tmp = attn.rowwise().sum();
    attn.array().colwise() /= row_tmp.array();
    x.col(kUserAttention) = attn.cwiseProduct(sim).rowwise().sum();
    x.col(kMaxHistorySim) = sim.rowwise().maxCoeff();
    const float wsum = in.history_weight.sum();
    // Product first, then scale: "(A * b) / s" would make a temporary.
    long_term_.noalias() = in.history.transpose() * in.history_weight;
    long_term_ /= wsum;
    x.col(kUserLongTerm).noalias() = in.candidates * long_term_;
    const float ssum = in.session_weight.sum();
    if (ssum > 0) {
      has_session_ = true;
      session_.noalias() = in.history.transpose() * in.session_weight;
      session_ /= ssum;
      x.col(kUserSession).noalias() = in.candidates * session_;
    } else {
      x.col(kUserSession).setZero();
    }
  }
  mlp_.forward(x, cache_, scores_.head(m));
  for (Eigen::Index c = 0; c < m; ++c) out[static_cast<std::size_t>(c)] = scores_[c];
}

// Inputs, not functions of parameters: no gradient flows through them.
void WindowScorer::affinities(const WindowInput& in) {
  const Eigen::Index m = in.candidates.rows();
  const Eigen::Index n = in.history.rows();
  auto x = x_.topRows(m);
  if (static_cast<Eigen::Index>(in.candidate_keys.size()) != m ||
      static_cast<Eigen::Index>(in.history_keys.size()) != n) {
    x.col(kBrandAffinity).setZero();
    x.col(kCategoryAffinity).setZero();
    x.col(kPriceAffinity).setZero();
    return;
  }
  const float inv_wsum = 1.0f / in.history_weight.sum();
  for (Eigen::Index c = 0; c < m; ++c) {
    const ItemKeys& item = in.candidate_keys[static_cast<std::size_t>(c)];
    float brand = 0, category = 0, price = 0;
    for (Eigen::Index j = 0; j < n; ++j) {
      const ItemKeys& past = in.history_keys[static_cast<std::size_t>(j)];
      const float w = in.history_weight[j];
      if (item.brand >= 0 && past.brand == item.brand) brand += w;
      if (item.category >= 0 && past.category == item.category) category += w;
      if (item.price >= 0 && past.price == item.price) price += w;
    }
    x(c, kBrandAffinity) = brand * inv_wsum;
    x(c, kCategoryAffinity) = category * inv_wsum;
    x(c, kPriceAffinity) = price * inv_wsum;
  }
}

void WindowScorer::contributions(Eigen::Index c, std::span<float> out) {
  // d score / d x for one candidate, by hand: three small mat-vec products.
  const Eigen::Index h1 = mlp_.w1.cols();
  const Eigen::Index h2 = mlp_.w2.cols();
  Vector dz2(h2);
  for (Eigen::Index k = 0; k < h2; ++k) {
    dz2[k] = cache_.z2(c, k) > 0 ? mlp_.w3[k] : 0.0f;
  }
  Vector dz1 = mlp_.w2 * dz2;
  for (Eigen::Index k = 0; k < h1; ++k) {
    if (cache_.z1(c, k) <= 0) dz1[k] = 0;
  }
  Vector dx = mlp_.w1 * dz1;
  for (int f = 0; f < kFeatureCount; ++f) {
    out[static_cast<std::size_t>(f)] = dx[f] * x_(c, f);
  }
}

void WindowScorer::backward(const WindowInput& in, std::span<const float> dscores,
                            MlpGrads& mlp_grads, WindowGrads& grads) {
  const Eigen::Index m = in.candidates.rows();
  const Eigen::Index n = in.history.rows();
  const Eigen::Index d = in.candidates.cols();
  // Copied into aligned memory: Eigen's reductions split work by alignment,
  // so reading the caller's buffer in place would make training results
  // depend on where the allocator put it.
  const Vector ds = Eigen::Map<const Vector>(dscores.data(), m);
  Matrix dx(m, kFeatureCount);
  mlp_.backward(x_.topRows(m), cache_, ds, mlp_grads, dx);

  const Vector g_q = dx.col(kQueryItem);
  grads.query.noalias() = in.candidates.transpose() * g_q;
  grads.candidates.noalias() = g_q * in.query.transpose();
  grads.history = Matrix::Zero(n, d);
  if (n == 0) return;

  auto sim = sim_.topLeftCorner(m, n);
  auto attn = attn_.topLeftCorner(m, n);
  const float inv_sqrt_d = 1.0f / std::sqrt(static_cast<float>(d));
  Matrix dsim = Matrix::Zero(m, n);
  for (Eigen::Index c = 0; c < m; ++c) {
    const float g_att = dx(c, kUserAttention);
    const float pooled = x_(c, kUserAttention);
    for (Eigen::Index j = 0; j < n; ++j) {
      // f = sum_j a_j s_j with a = softmax(s / sqrt(d) + log w):
      // df/ds_j = a_j + a_j (s_j - f) / sqrt(d).
      dsim(c, j) += g_att * attn(c, j) * (1.0f + (sim(c, j) - pooled) * inv_sqrt_d);
    }
    Eigen::Index best = 0;
    sim.row(c).maxCoeff(&best);
    dsim(c, best) += dx(c, kMaxHistorySim);
  }
  grads.candidates.noalias() += dsim * in.history;
  grads.history.noalias() += dsim.transpose() * in.candidates;

  auto pooled_grad = [&](int feature, const Vector& pooled,
                         const VectorMap& weights) {
    const Vector g = dx.col(feature);
    grads.candidates.noalias() += g * pooled.transpose();
    const Vector dpooled = in.candidates.transpose() * g;
    const float wsum = weights.sum();
    grads.history.noalias() += (weights / wsum) * dpooled.transpose();
  };
  pooled_grad(kUserLongTerm, long_term_, in.history_weight);
  if (has_session_) pooled_grad(kUserSession, session_, in.session_weight);
}

}  // namespace rr::scoring

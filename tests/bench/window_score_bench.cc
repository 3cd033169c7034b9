// Scoring one candidate window for one shopper (20 history items): the
// batched Eigen scorer next to a naive per-candidate loop computing the same
// thing, over window sizes and vector dimensions. Before timing, each size
// checks the batched scores against the naive ones.
//
//   scripts/bench.sh window_score_bench
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

#include "scoring/model.h"
#include "scoring/window_scorer.h"
#include "tests/bench/bench_main.h"

using namespace rr::scoring;

namespace {

constexpr int kHistory = 20;

struct Setup {
  Mlp mlp;
  Matrix candidates, history;
  Vector query, weights, session;
  std::vector<CandidateStats> stats;

  Setup(int m, int d) {
    std::mt19937_64 rng(42);
    mlp = Mlp(kFeatureCount, 32, 16, rng);
    std::normal_distribution<float> normal(0.0f, 0.3f);
    candidates = Matrix(m, d);
    history = Matrix(kHistory, d);
    for (Eigen::Index i = 0; i < candidates.size(); ++i) candidates.data()[i] = normal(rng);
    for (Eigen::Index i = 0; i < history.size(); ++i) history.data()[i] = normal(rng);
    query = Vector(d);
    for (int i = 0; i < d; ++i) query[i] = normal(rng);
    weights = Vector::Constant(kHistory, 0.7f);
    session = Vector::Zero(kHistory);
    session.tail(5).setConstant(0.7f);
    for (int c = 0; c < m; ++c) {
      stats.push_back({.engine_score = 30.0f / (1.0f + static_cast<float>(c)),
                       .engine_rank = c,
                       .click_prior = 0.01f * static_cast<float>(c % 5),
                       .token_prior = 0.02f * static_cast<float>(c % 3),
                       .popularity = 0.3f,
                       .item_known = c % 3 == 0});
    }
  }

  WindowInput input() const {
    const auto m = candidates.rows(), d = candidates.cols();
    return {.candidates = MatrixMap(candidates.data(), m, d),
            .query = VectorMap(query.data(), d),
            .history = MatrixMap(history.data(), kHistory, d),
            .history_weight = VectorMap(weights.data(), kHistory),
            .session_weight = VectorMap(session.data(), kHistory),
            .stats = stats};
  }
};

float dot(const float* a, const float* b, int d) {
  float s = 0;
  for (int k = 0; k < d; ++k) s += a[k] * b[k];
  return s;
}

// The same model, one candidate at a time, with plain loops.
void naiveScores(const Setup& s, std::vector<float>& out) {
  const int m = static_cast<int>(s.candidates.rows());
  const int d = static_cast<int>(s.candidates.cols());
  std::vector<float> long_term(static_cast<std::size_t>(d), 0.0f), sess(static_cast<std::size_t>(d), 0.0f);
  float wsum = 0, ssum = 0;
  for (int j = 0; j < kHistory; ++j) {
    wsum += s.weights[j];
    ssum += s.session[j];
    for (int k = 0; k < d; ++k) {
      long_term[static_cast<std::size_t>(k)] += s.weights[j] * s.history(j, k);
      sess[static_cast<std::size_t>(k)] += s.session[j] * s.history(j, k);
    }
  }
  for (auto& v : long_term) v /= wsum;
  for (auto& v : sess) v /= ssum;
  float max_score = 0;
  for (const auto& st : s.stats) max_score = std::max(max_score, st.engine_score);
  out.assign(static_cast<std::size_t>(m), 0.0f);
  std::vector<float> x(kFeatureCount), sims(kHistory), h1(static_cast<std::size_t>(s.mlp.w1.cols())),
      h2(static_cast<std::size_t>(s.mlp.w2.cols()));
  for (int c = 0; c < m; ++c) {
    const float* v = s.candidates.row(c).data();
    const CandidateStats& st = s.stats[static_cast<std::size_t>(c)];
    float best = -INFINITY, best_logit = -INFINITY;
    for (int j = 0; j < kHistory; ++j) {
      sims[static_cast<std::size_t>(j)] = dot(v, s.history.row(j).data(), d);
      best = std::max(best, sims[static_cast<std::size_t>(j)]);
      best_logit = std::max(best_logit, sims[static_cast<std::size_t>(j)] / std::sqrt(static_cast<float>(d)) + std::log(s.weights[j]));
    }
    float total = 0, pooled = 0;
    for (int j = 0; j < kHistory; ++j) {
      float a = std::exp(sims[static_cast<std::size_t>(j)] / std::sqrt(static_cast<float>(d)) + std::log(s.weights[j]) - best_logit);
      total += a;
      pooled += a * sims[static_cast<std::size_t>(j)];
    }
    x[kEngineScore] = st.engine_score / max_score;
    x[kEngineLogScore] = std::log1p(st.engine_score);
    x[kRankRecip] = 1.0f / (1.0f + static_cast<float>(st.engine_rank));
    x[kQueryItem] = dot(v, s.query.data(), d);
    x[kUserAttention] = pooled / total;
    x[kUserLongTerm] = dot(v, long_term.data(), d);
    x[kUserSession] = dot(v, sess.data(), d);
    x[kMaxHistorySim] = best;
    x[kClickPrior] = st.click_prior;
    x[kTokenPrior] = st.token_prior;
    x[kPopularity] = st.popularity;
    x[kHasHistory] = 1.0f;
    x[kItemKnown] = st.item_known ? 1.0f : 0.0f;
    for (std::size_t a = 0; a < h1.size(); ++a) {
      float z = s.mlp.b1[static_cast<Eigen::Index>(a)];
      for (int f = 0; f < kFeatureCount; ++f) z += x[static_cast<std::size_t>(f)] * s.mlp.w1(f, static_cast<Eigen::Index>(a));
      h1[a] = std::max(z, 0.0f);
    }
    float score = s.mlp.b3;
    for (std::size_t b = 0; b < h2.size(); ++b) {
      float z = s.mlp.b2[static_cast<Eigen::Index>(b)];
      for (std::size_t a = 0; a < h1.size(); ++a) z += h1[a] * s.mlp.w2(static_cast<Eigen::Index>(a), static_cast<Eigen::Index>(b));
      score += std::max(z, 0.0f) * s.mlp.w3[static_cast<Eigen::Index>(b)];
    }
    out[static_cast<std::size_t>(c)] = score;
  }
}

void BM_BatchScore(benchmark::State& state) {
  const int m = static_cast<int>(state.range(0));
  const int d = static_cast<int>(state.range(1));
  Setup s(m, d);
  WindowScorer scorer(s.mlp);
  std::vector<float> scores(static_cast<std::size_t>(m)), reference;
  scorer.score(s.input(), scores);
  naiveScores(s, reference);
  for (int c = 0; c < m; ++c) {
    const float a = scores[static_cast<std::size_t>(c)], b = reference[static_cast<std::size_t>(c)];
    if (std::abs(a - b) > 1e-3f * (1.0f + std::abs(b))) {
      state.SkipWithError("batched scores differ from the naive reference");
      return;
    }
  }
  for (auto _ : state) {
    scorer.score(s.input(), scores);
    benchmark::DoNotOptimize(scores.data());
    benchmark::ClobberMemory();
  }
  state.counters["candidates/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * m, benchmark::Counter::kIsRate);
}

void BM_NaiveScore(benchmark::State& state) {
  const int m = static_cast<int>(state.range(0));
  const int d = static_cast<int>(state.range(1));
  Setup s(m, d);
  std::vector<float> scores;
  for (auto _ : state) {
    naiveScores(s, scores);
    benchmark::DoNotOptimize(scores.data());
    benchmark::ClobberMemory();
  }
  state.counters["candidates/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * m, benchmark::Counter::kIsRate);
}

void sizes(benchmark::internal::Benchmark* b) {
  for (int d : {32, 64, 128}) {
    for (int m : {100, 200, 500, 1000}) b->Args({m, d});
  }
  b->Unit(benchmark::kMicrosecond);
}

}  // namespace

BENCHMARK(BM_BatchScore)->Apply(sizes);
BENCHMARK(BM_NaiveScore)->Apply(sizes);
RR_BENCH_RATIO("BM_BatchScore", "BM_NaiveScore");

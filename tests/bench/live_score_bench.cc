// rerankd's scoring step for one search, as the server runs it: candidates
// with their index vectors and the fields of their hits (id, brand,
// category, price), a shopper with 20 history items, the model's click
// statistics. Everything LiveScorer::score does around the batched window
// scorer (keys, click priors, history vectors, the query vector) is in the
// time, which is what window_score_bench leaves out. The windows come from
// a catalog the size of retrotech's (50,000 items) and change from search to
// search, so per-item caches meet the cache misses they would in rerankd.
// The model carries 20,000 clicks, or 200,000 (the second argument), and
// no transitions or 100,000 (the third: each history item followed by 50
// items, the rest at random), which the next-item feature reads.
//
//   scripts/bench.sh live_score_bench
#include <benchmark/benchmark.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "rerank/live_scorer.h"
#include "scoring/tokenizer.h"
#include "tests/bench/bench_main.h"

using namespace rr;

namespace {

constexpr int kHistory = 20;
constexpr int kItems = 50000;
constexpr int kWindows = 400;  // as the e2e bench's distinct queries

scoring::ItemText item(int i) {
  const std::string n = std::to_string(i);
  return {.id = "sku-" + n,
          .title = "Wireless speaker model " + n + " with bass boost",
          .description = "A portable wireless speaker, item " + n +
                         ", with a long battery life, water resistance and a strap.",
          .brand = "Brand number " + std::to_string(i % 40),
          .category = "Audio > Speakers > Portable " + std::to_string(i % 12),
          .price = 10.0 + i % 300};
}

struct Setup {
  std::unique_ptr<scoring::Model> model;
  std::vector<std::vector<float>> vectors;
  std::vector<std::vector<rerank::LiveCandidate>> windows;
  std::vector<rerank::ProfileEvent> history;

  Setup(int m, int clicks, int transitions) {
    model = std::make_unique<scoring::Model>(scoring::ModelDims{}, scoring::TokenizerSettings{}, 1);
    const int d = model->dim();
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<int> pick(0, kItems - 1);
    std::normal_distribution<float> normal(0.0f, 0.3f);
    // Clicks as a trained model carries them: some items known, query priors.
    const std::string query = scoring::Tokenizer::normalize("wireless speaker");
    for (int k = 0; k < clicks; ++k) {
      const int i = pick(rng);
      model->stats().addClick(k % 2 ? query : scoring::Tokenizer::normalize("speaker " + std::to_string(k % 50)),
                              "sku-" + std::to_string(i));
    }
    vectors.resize(kWindows * static_cast<std::size_t>(m));
    for (auto& v : vectors) {
      v.resize(static_cast<std::size_t>(d));
      for (auto& x : v) x = normal(rng);
    }
    for (int w = 0; w < kWindows; ++w) {
      std::vector<rerank::LiveCandidate> window;
      for (int c = 0; c < m; ++c) {
        scoring::ItemText t = item(pick(rng));
        t.title.clear();  // as readHitText leaves them when the hit has a vector
        t.description.clear();
        window.push_back({.text = std::move(t),
                          .vector = vectors[static_cast<std::size_t>(w * m + c)],
                          .engine_score = 20.0f / (1.0f + static_cast<float>(c)),
                          .engine_rank = c});
      }
      windows.push_back(std::move(window));
    }
    for (int k = 0; k < kHistory; ++k) {
      rerank::ProfileEvent e;
      e.kind = k % 5 == 0 ? rerank::EventKind::kCart : rerank::EventKind::kClick;
      e.item_id = "sku-" + std::to_string(pick(rng));
      e.session_id = k >= 15 ? "s1" : "s0";
      e.ts_ms = 1'700'000'000'000 + k * 60'000;
      e.item = std::make_shared<const scoring::ItemText>(item(pick(rng)));
      history.push_back(std::move(e));
    }
    int added = 0;
    for (const auto& e : history) {
      for (int k = 0; k < 50 && added < transitions; ++k, ++added) {
        model->stats().addTransition(e.item_id, "sku-" + std::to_string(pick(rng)), 1.0f);
      }
    }
    for (; added < transitions; ++added) {
      model->stats().addTransition("sku-" + std::to_string(pick(rng)),
                                   "sku-" + std::to_string(pick(rng)), 1.0f);
    }
  }
};

void BM_LiveScore(benchmark::State& state) {
  const int m = static_cast<int>(state.range(0));
  Setup s(m, static_cast<int>(state.range(1)), static_cast<int>(state.range(2)));
  rerank::LiveScorer scorer(*s.model);
  const rerank::LiveHistory h{.events = s.history,
                              .session_id = "s1",
                              .now_ms = 1'700'000'000'000 + kHistory * 60'000,
                              .half_life_days = 30};
  std::vector<float> scores;
  std::size_t w = 0;
  for (auto _ : state) {
    scorer.score("Wireless Speaker", s.windows[w], h, scores);
    w = (w + 1) % s.windows.size();
    benchmark::DoNotOptimize(scores.data());
  }
  state.counters["candidates/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * m, benchmark::Counter::kIsRate);
}
// (candidates, clicks in the model, transitions): 20,000 clicks, and
// 200,000 as the end-to-end benchmark's model carries (tables of several
// megabytes); the last two differ only in the transitions.
BENCHMARK(BM_LiveScore)
    ->Args({100, 20000, 0})
    ->Args({200, 20000, 0})
    ->Args({500, 20000, 0})
    ->Args({200, 200000, 0})
    ->Args({200, 200000, 100000})
    ->Unit(benchmark::kMicrosecond);

}  // namespace

// The click features of one search (ClickStats::forQuery, then of() for
// each candidate) for a query with clicks of its own and for one never
// clicked from, which first looks for the most similar logged query by
// character trigrams. The statistics hold N distinct logged queries made of
// product-search words (Best Buy's log has 3,661; a large shop many more),
// 200 candidates per search.
//
//   scripts/bench.sh click_priors_bench
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "scoring/click_stats.h"
#include "tests/bench/bench_main.h"

using namespace rr;

namespace {

constexpr int kCandidates = 200;

const std::vector<std::string>& words() {
  static const std::vector<std::string> w = {
      "xbox",   "360",    "kinect", "halo",   "call",   "of",      "duty",   "black",
      "ops",    "forza",  "gears",  "war",    "madden", "fifa",    "12",     "controller",
      "wireless", "headset", "battery", "pack", "charger", "live",  "gold",   "card",
      "skyrim", "batman", "arkham", "city",   "dance",  "central", "rock",   "band",
      "guitar", "hero",   "modern", "warfare", "3",     "2",       "elite",  "slim",
      "250gb",  "4gb",    "hard",   "drive",  "cable",  "hdmi",    "mass",   "effect",
      "fable",  "gta",    "racing", "wheel",  "sports", "adventures", "zumba", "fitness"};
  return w;
}

struct Setup {
  scoring::ClickStats stats;
  std::vector<std::string> logged, unseen, items;

  explicit Setup(int queries) {
    std::mt19937_64 rng(11);
    const auto& w = words();
    std::uniform_int_distribution<std::size_t> word(0, w.size() - 1);
    std::uniform_int_distribution<int> length(1, 4);
    auto query = [&] {
      std::string q;
      for (int k = length(rng); k > 0; --k) q += (q.empty() ? "" : " ") + w[word(rng)];
      return q;
    };
    for (int i = 0; i < 20000; ++i) items.push_back("sku-" + std::to_string(i));
    std::uniform_int_distribution<std::size_t> item(0, items.size() - 1);
    std::unordered_set<std::string> logged_set;
    while (logged.size() < static_cast<std::size_t>(queries)) {
      std::string q = query() + " " + std::to_string(logged.size());  // distinct
      for (int k = 0; k < 5; ++k) stats.addClick(q, items[item(rng)]);
      logged_set.insert(q);
      logged.push_back(std::move(q));
    }
    // Never clicked from: the words alone, and logged ones misspelled.
    while (unseen.size() < 256) {
      std::string q = unseen.size() % 2 ? query() : logged[unseen.size() * 7 % logged.size()];
      q.erase(q.size() / 2, 1);
      if (!logged_set.contains(q)) unseen.push_back(std::move(q));
    }
  }
};

void run(benchmark::State& state, bool with_clicks) {
  static Setup* setups[3] = {};
  const int n = static_cast<int>(state.range(0));
  Setup*& s = setups[n == 1000 ? 0 : n == 10000 ? 1 : 2];
  if (!s) s = new Setup(n);
  const std::vector<std::string>& queries = with_clicks ? s->logged : s->unseen;
  std::size_t q = 0, first = 0;
  float sum = 0;
  for (auto _ : state) {
    const auto priors = s->stats.forQuery(queries[q]);
    for (int c = 0; c < kCandidates; ++c) {
      const auto p = priors.of(s->items[(first + static_cast<std::size_t>(c)) % s->items.size()]);
      sum += p.click_prior + p.similar_prior;
    }
    q = (q + 1) % queries.size();
    first += kCandidates;
    benchmark::DoNotOptimize(sum);
  }
}

void BM_PriorsLoggedQuery(benchmark::State& state) { run(state, true); }
void BM_PriorsUnseenQuery(benchmark::State& state) { run(state, false); }
BENCHMARK(BM_PriorsLoggedQuery)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PriorsUnseenQuery)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMicrosecond);
RR_BENCH_RATIO("BM_PriorsUnseenQuery", "BM_PriorsLoggedQuery");

}  // namespace

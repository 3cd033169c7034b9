// Decoding a candidate's vector from the base64 doc value the engine returns
// (done for every hit of every reranked window): the 32-character AVX2
// blocks next to the portable 4-character loop, in the same run, for the
// model dimensions rerankd serves.
//
//   scripts/bench.sh vector_decode_bench
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "index_sync/vector_fields.h"
#include "tests/bench/bench_main.h"

namespace {

// 256 unpadded doc values of `dim` floats: more than one, so the branch
// predictor does not learn a single text.
std::vector<std::string> docValues(int dim) {
  std::mt19937 rng(11);
  std::normal_distribution<float> value(0.0f, 0.3f);
  std::vector<std::string> out;
  for (int k = 0; k < 256; ++k) {
    std::vector<float> v(static_cast<std::size_t>(dim));
    for (float& x : v) x = value(rng);
    std::string text = rr::index_sync::encodeVector(v);
    while (!text.empty() && text.back() == '=') text.pop_back();
    out.push_back(std::move(text));
  }
  return out;
}

void run(benchmark::State& state, bool blocks) {
  const auto values = docValues(static_cast<int>(state.range(0)));
  std::vector<float> out;
  std::size_t k = 0;
  for (auto _ : state) {
    const std::string& text = values[k++ & 255];
    if (!rr::index_sync::detail::decodeVectorWith(text, out, blocks)) {
      state.SkipWithError("decode failed");
      break;
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["vectors/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_DecodeBlocks(benchmark::State& state) { run(state, true); }
void BM_DecodePortable(benchmark::State& state) { run(state, false); }

}  // namespace

BENCHMARK(BM_DecodeBlocks)->Arg(32)->Arg(64)->Arg(128);
BENCHMARK(BM_DecodePortable)->Arg(32)->Arg(64)->Arg(128);
RR_BENCH_RATIO("BM_DecodeBlocks", "BM_DecodePortable");

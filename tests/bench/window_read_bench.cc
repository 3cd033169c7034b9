// Reading a reranked window's candidates, as rerankd does before scoring:
// parse the engine's `_search` response, then each hit's brand, category and
// price through the field map. Side by side in one run: the fields read in
// the parse pass (hitSourceKeys, what rerankd does) and a second DOM parse
// of every `_source` (what it did before).
//
//   scripts/bench.sh window_read_bench
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "connectors/search_response.h"
#include "index_sync/vector_fields.h"
#include "rerank/request_context.h"
#include "tests/bench/bench_main.h"
#include "tests/bench/product_response.h"

namespace {

// A product window with the model's vector (d = 32) in each hit's `fields`,
// as the engine returns the doc value rerankd asks for.
std::string makeWindow(int hits) {
  rr::bench::ProductResponseOptions opt;
  opt.description_words = 40;
  opt.fields = [](std::mt19937& rng) {
    std::normal_distribution<float> value(0.0f, 0.3f);
    std::vector<float> v(32);
    for (float& x : v) x = value(rng);
    std::string b64 = rr::index_sync::encodeVector(v);
    while (!b64.empty() && b64.back() == '=') b64.pop_back();
    return R"({"rr_vector_1a2b3c4d":[")" + b64 + R"("]})";
  };
  return rr::bench::makeProductResponse(hits, opt);
}

rr::config::FieldMap productFields() {
  rr::config::FieldMap f;
  f.id = "_id";
  f.title = "name";
  f.description = "description";
  f.brand = "manufacturer";
  f.category = "genre";
  f.price = "price";
  return f;
}

void run(benchmark::State& state, bool in_pass) {
  const int hits = static_cast<int>(state.range(0));
  const std::string body = makeWindow(hits);
  const auto fields = productFields();
  const auto keys = rr::rerank::hitSourceKeys(fields);
  std::vector<rr::scoring::ItemText> texts(static_cast<std::size_t>(hits));
  for (auto _ : state) {
    auto r = in_pass ? rr::connectors::parseSearchResponse(body, keys)
                     : rr::connectors::parseSearchResponse(body);
    if (!r || r->hits.size() != static_cast<std::size_t>(hits)) {
      state.SkipWithError("parse failed");
      break;
    }
    for (std::size_t i = 0; i < r->hits.size(); ++i) {
      const auto& hit = r->hits[i];
      if (in_pass) {
        rr::rerank::readHitText(hit, fields, /*with_text=*/false, texts[i]);
      } else {
        rr::rerank::readHitText(hit.id, hit.source, fields, /*with_text=*/false, texts[i]);
      }
    }
    if (texts.back().brand != "Microsoft" || !texts.back().price) {
      state.SkipWithError("fields not read");
      break;
    }
    benchmark::DoNotOptimize(texts.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
  state.counters["hits/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * hits, benchmark::Counter::kIsRate);
}

void BM_WindowReadInPass(benchmark::State& state) { run(state, true); }
void BM_WindowReadDomSource(benchmark::State& state) { run(state, false); }

}  // namespace

BENCHMARK(BM_WindowReadInPass)->Arg(100)->Arg(200)->Arg(500);
BENCHMARK(BM_WindowReadDomSource)->Arg(100)->Arg(200)->Arg(500);
RR_BENCH_RATIO("BM_WindowReadInPass", "BM_WindowReadDomSource");

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

#include "connectors/json_writer.h"
#include "connectors/search_response.h"
#include "index_sync/vector_fields.h"
#include "rerank/request_context.h"
#include "tests/bench/bench_main.h"

namespace {

// A window shaped like the retrotech catalog's: product text, brand,
// category, price in `_source`, and the model's vector (d = 32) and meta doc
// values in `fields`. Deterministic for a size.
std::string makeWindow(int hits) {
  static const char* kWords[] = {"halo",   "wars",   "legendary", "edition",
                                 "xbox",   "360",    "forza",     "racing",
                                 "soccer", "kinect", "dance",     "central"};
  std::mt19937 rng(7);
  std::normal_distribution<float> value(0.0f, 0.3f);
  std::string out =
      R"({"took":12,"timed_out":false,"_shards":{"total":1,"successful":1,"skipped":0,"failed":0},"hits":{"total":{"value":)" +
      std::to_string(hits * 3) + R"(,"relation":"eq"},"max_score":12.5,"hits":[)";
  for (int i = 0; i < hits; ++i) {
    if (i) out += ',';
    std::string title, description;
    for (int w = 0; w < 5; ++w) title += std::string(w ? " " : "") + kWords[rng() % 12];
    for (int w = 0; w < 40; ++w) description += std::string(w ? " " : "") + kWords[rng() % 12];
    std::vector<float> v(32);
    for (float& x : v) x = value(rng);
    std::string b64 = rr::index_sync::encodeVector(v);
    while (!b64.empty() && b64.back() == '=') b64.pop_back();
    out += R"({"_index":"products","_id":")" + std::to_string(1000000 + i) +
           R"(","_score":)" + std::to_string(12.5 - i * 0.01) +
           R"(,"_source":{"sku":")" + std::to_string(1000000 + i) +
           R"(","name":)" + rr::connectors::jsonString(title) +
           R"(,"longDescription":)" + rr::connectors::jsonString(description) +
           R"(,"manufacturer":"Microsoft","class":"Racing","salePrice":)" +
           std::to_string(10 + static_cast<int>(rng() % 50)) +
           R"(.99,"customerReviewAverage":4.5,"active":true},"fields":{"rr_vector_1a2b3c4d":[")" +
           b64 + R"("],"rr_vector_1a2b3c4d_m":["shop-v1|0123456789abcdef"]}})";
  }
  out += "]}}";
  return out;
}

rr::config::FieldMap retrotechFields() {
  rr::config::FieldMap f;
  f.id = "_id";
  f.title = "name";
  f.description = "longDescription";
  f.brand = "manufacturer";
  f.category = "class";
  f.price = "salePrice";
  return f;
}

void run(benchmark::State& state, bool in_pass) {
  const int hits = static_cast<int>(state.range(0));
  const std::string body = makeWindow(hits);
  const auto fields = retrotechFields();
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

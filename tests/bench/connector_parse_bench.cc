// Parsing a `_search` response of N product hits: the connector's parser
// (hits with raw slices, scores, ids, _source) next to simdjson's own parse
// of the same bytes, in the same run.
//
//   scripts/bench.sh connector_parse_bench
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <random>
#include <string>

#include "connectors/json_writer.h"
#include "connectors/search_response.h"
#include "tests/bench/bench_main.h"

namespace {

// A response shaped like a product search: every hit has a product _source
// with text, categorical and numeric fields. Deterministic for a size.
std::string makeResponse(int hits) {
  static const char* kWords[] = {"halo",   "wars",   "legendary", "edition",
                                 "xbox",   "360",    "forza",     "racing",
                                 "soccer", "kinect", "dance",     "central"};
  std::mt19937 rng(7);
  std::string out =
      R"({"took":12,"timed_out":false,"_shards":{"total":1,"successful":1,"skipped":0,"failed":0},"hits":{"total":{"value":)" +
      std::to_string(hits * 3) + R"(,"relation":"eq"},"max_score":12.5,"hits":[)";
  for (int i = 0; i < hits; ++i) {
    if (i) out += ',';
    std::string title, description;
    for (int w = 0; w < 5; ++w) title += std::string(w ? " " : "") + kWords[rng() % 12];
    for (int w = 0; w < 24; ++w) description += std::string(w ? " " : "") + kWords[rng() % 12];
    out += R"({"_index":"products","_id":")" + std::to_string(1000000 + i) +
           R"(","_score":)" + std::to_string(12.5 - i * 0.01) +
           R"(,"_source":{"sku":")" + std::to_string(1000000 + i) +
           R"(","name":)" + rr::connectors::jsonString(title) +
           R"(,"description":)" + rr::connectors::jsonString(description) +
           R"(,"manufacturer":"Microsoft","genre":"Racing","price":)" +
           std::to_string(10 + static_cast<int>(rng() % 50)) +
           R"(.99,"rating":4.5,"active":true}})";
  }
  out += "]}}";
  return out;
}

void setCounters(benchmark::State& state, std::size_t bytes, int hits) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["hits/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * hits, benchmark::Counter::kIsRate);
  state.counters["bytes"] = static_cast<double>(bytes);
}

void BM_ConnectorParse(benchmark::State& state) {
  const int hits = static_cast<int>(state.range(0));
  const std::string body = makeResponse(hits);
  for (auto _ : state) {
    // The copy is part of the cost a caller pays: the parser owns its bytes.
    auto r = rr::connectors::parseSearchResponse(body);
    if (!r || r->hits.size() != static_cast<std::size_t>(hits)) {
      state.SkipWithError("parse failed");
      break;
    }
    benchmark::DoNotOptimize(r->hits.back().source.data());
  }
  setCounters(state, body.size(), hits);
}

void BM_BodyCopyOnly(benchmark::State& state) {
  const std::string body = makeResponse(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    std::string copy = body;
    copy.reserve(copy.size() + simdjson::SIMDJSON_PADDING);
    benchmark::DoNotOptimize(copy.data());
  }
  setCounters(state, body.size(), static_cast<int>(state.range(0)));
}

void BM_SimdjsonDomParse(benchmark::State& state) {
  const int hits = static_cast<int>(state.range(0));
  const simdjson::padded_string body(makeResponse(hits));
  simdjson::dom::parser parser;
  for (auto _ : state) {
    simdjson::dom::element doc;
    if (parser.parse(body).get(doc)) {
      state.SkipWithError("parse failed");
      break;
    }
    benchmark::DoNotOptimize(doc);
  }
  setCounters(state, body.size(), hits);
}

// simdjson On-Demand touching the same fields our parser reads (id, index,
// score, the raw _source): the floor for this work with this library.
void BM_SimdjsonOnDemandWalk(benchmark::State& state) {
  const int hits = static_cast<int>(state.range(0));
  const simdjson::padded_string body(makeResponse(hits));
  simdjson::ondemand::parser parser;
  for (auto _ : state) {
    auto doc = parser.iterate(body);
    std::size_t n = 0;
    for (auto hit : doc["hits"]["hits"]) {
      std::string_view id, index, source;
      double score = 0;
      for (auto field : hit.get_object()) {
        std::string_view key = field.unescaped_key();
        if (key == "_id") {
          id = field.value().get_string();
        } else if (key == "_index") {
          index = field.value().get_string();
        } else if (key == "_score") {
          score = field.value().get_double();
        } else if (key == "_source") {
          simdjson::ondemand::object src = field.value().get_object();
          source = src.raw_json();
        }
      }
      benchmark::DoNotOptimize(id.data());
      benchmark::DoNotOptimize(index.data());
      benchmark::DoNotOptimize(source.data());
      benchmark::DoNotOptimize(score);
      ++n;
    }
    if (n != static_cast<std::size_t>(hits)) {
      state.SkipWithError("walk failed");
      break;
    }
  }
  setCounters(state, body.size(), hits);
}

}  // namespace

BENCHMARK(BM_ConnectorParse)->Arg(100)->Arg(1000);
BENCHMARK(BM_SimdjsonDomParse)->Arg(100)->Arg(1000);
BENCHMARK(BM_SimdjsonOnDemandWalk)->Arg(100)->Arg(1000);
BENCHMARK(BM_BodyCopyOnly)->Arg(100)->Arg(1000);
RR_BENCH_RATIO("BM_ConnectorParse", "BM_SimdjsonDomParse");
RR_BENCH_RATIO("BM_ConnectorParse", "BM_SimdjsonOnDemandWalk");

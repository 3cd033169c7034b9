// Parsing a `_search` response of N product hits: the connector's parser
// (hits with raw slices, scores, ids, _source) next to simdjson's own parse
// of the same bytes, in the same run.
//
//   scripts/bench.sh connector_parse_bench
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <string>

#include "connectors/search_response.h"
#include "tests/bench/bench_main.h"
#include "tests/bench/product_response.h"

namespace {

void setCounters(benchmark::State& state, std::size_t bytes, int hits) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["hits/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * hits, benchmark::Counter::kIsRate);
  state.counters["bytes"] = static_cast<double>(bytes);
}

void BM_ConnectorParse(benchmark::State& state) {
  const int hits = static_cast<int>(state.range(0));
  const std::string body = rr::bench::makeProductResponse(hits);
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
  const std::string body = rr::bench::makeProductResponse(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    std::string copy = body;
    copy.reserve(copy.size() + simdjson::SIMDJSON_PADDING);
    benchmark::DoNotOptimize(copy.data());
  }
  setCounters(state, body.size(), static_cast<int>(state.range(0)));
}

void BM_SimdjsonDomParse(benchmark::State& state) {
  const int hits = static_cast<int>(state.range(0));
  const simdjson::padded_string body(rr::bench::makeProductResponse(hits));
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
  const simdjson::padded_string body(rr::bench::makeProductResponse(hits));
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

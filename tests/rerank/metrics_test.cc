// rerankd's /metrics text: series keyed by their labels, counts that add up,
// label values escaped per the Prometheus text format, histogram buckets
// that are cumulative.
#include <catch2/catch.hpp>
#include <string>

#include "rerank/metrics.h"

using rr::rerank::Metrics;

namespace {

bool has(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

}  // namespace

TEST_CASE("requests with the same labels add to one series", "[metrics]") {
  Metrics m;
  m.countRequest("shop", "applied", "history");
  m.countRequest("shop", "applied", "history");
  m.countRequest("shop", "fallback", "deadline");
  m.countRequest("other", "applied", "history");
  const std::string text = m.render();
  const std::string shop = R"(rerank_requests_total{storefront="shop",)";
  CHECK(has(text, shop + R"(outcome="applied",reason="history"} 2)"));
  CHECK(has(text, shop + R"(outcome="fallback",reason="deadline"} 1)"));
  CHECK(has(text, R"(rerank_requests_total{storefront="other",)"
                  R"(outcome="applied",reason="history"} 1)"));
}

TEST_CASE("label values are escaped", "[metrics]") {
  Metrics m;
  m.countUpstreamError("said \"no\"\\\nthen closed");
  m.countLiveClick("a\"b");
  const std::string text = m.render();
  CHECK(has(text, R"(rerank_upstream_errors_total{cause="said \"no\"\\\nthen closed"} 1)"));
  CHECK(has(text, R"(rerank_live_clicks_total{storefront="a\"b"} 1)"));
}

TEST_CASE("stage histograms are cumulative per storefront and stage", "[metrics]") {
  Metrics m;
  m.observeStage("shop", "score", 0.0002);  // le 0.00025
  m.observeStage("shop", "score", 0.003);   // le 0.005
  m.observeStage("shop", "score", 2.0);     // past the last bucket
  m.observeStage("shop", "write", 0.00005);
  const std::string text = m.render();
  const std::string score = R"(rerank_stage_seconds_bucket{storefront="shop",stage="score",)";
  CHECK(has(text, score + R"(le="0.0001"} 0)"));
  CHECK(has(text, score + R"(le="0.00025"} 1)"));
  CHECK(has(text, score + R"(le="0.0025"} 1)"));
  CHECK(has(text, score + R"(le="0.005"} 2)"));
  CHECK(has(text, score + R"(le="1"} 2)"));
  CHECK(has(text, score + R"(le="+Inf"} 3)"));
  CHECK(has(text, R"(rerank_stage_seconds_count{storefront="shop",stage="score"} 3)"));
  CHECK(has(text, R"(rerank_stage_seconds_sum{storefront="shop",stage="score"} 2.0032)"));
  CHECK(has(text, R"(rerank_stage_seconds_count{storefront="shop",stage="write"} 1)"));
}

TEST_CASE("asks for the cluster's nodes are counted by outcome, shown once there is one",
          "[metrics]") {
  Metrics m;
  CHECK(m.render().find("rerank_upstream_discoveries_total") == std::string::npos);
  m.countDiscovery("listed");
  m.countDiscovery("failed");
  m.countDiscovery("listed");
  const std::string text = m.render();
  CHECK(has(text, "# TYPE rerank_upstream_discoveries_total counter"));
  CHECK(has(text, R"(rerank_upstream_discoveries_total{outcome="listed"} 2)"));
  CHECK(has(text, R"(rerank_upstream_discoveries_total{outcome="failed"} 1)"));
}

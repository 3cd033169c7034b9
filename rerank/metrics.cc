#include "rerank/metrics.h"

#include <cstdio>

namespace rr::rerank {
namespace {

// A label value with `\`, `"` and newlines escaped, per the text format.
std::string label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace

std::atomic<uint64_t>& Metrics::counter(
    std::map<std::string, std::unique_ptr<std::atomic<uint64_t>>>& m, const std::string& key) {
  std::lock_guard lock(mu_);
  auto& slot = m[key];
  if (!slot) slot = std::make_unique<std::atomic<uint64_t>>(0);
  return *slot;
}

void Metrics::countRequest(const std::string& storefront, const std::string& outcome,
                           const std::string& reason) {
  counter(requests_, "storefront=\"" + label(storefront) + "\",outcome=\"" + label(outcome) +
                         "\",reason=\"" + label(reason) + "\"")
      .fetch_add(1, std::memory_order_relaxed);
}

void Metrics::countUpstreamError(const std::string& cause) {
  counter(upstream_errors_, "cause=\"" + label(cause) + "\"")
      .fetch_add(1, std::memory_order_relaxed);
}

void Metrics::countLiveClick(const std::string& storefront) {
  counter(live_clicks_, "storefront=\"" + label(storefront) + "\"")
      .fetch_add(1, std::memory_order_relaxed);
}

void Metrics::observeStage(const std::string& storefront, const std::string& stage,
                           double seconds) {
  Histogram* h;
  {
    std::lock_guard lock(mu_);
    auto& slot = stages_["storefront=\"" + label(storefront) + "\",stage=\"" + label(stage) + "\""];
    if (!slot) slot = std::make_unique<Histogram>();
    h = slot.get();
  }
  std::size_t i = 0;
  while (i < kBuckets.size() && seconds > kBuckets[i]) ++i;
  h->counts[i].fetch_add(1, std::memory_order_relaxed);
  h->total.fetch_add(1, std::memory_order_relaxed);
  double old = h->sum.load(std::memory_order_relaxed);
  while (!h->sum.compare_exchange_weak(old, old + seconds, std::memory_order_relaxed)) {
  }
}

void Metrics::setModelVersion(const std::string& storefront, const std::string& version) {
  std::lock_guard lock(mu_);
  models_[storefront] = version;
}

std::string Metrics::render() const {
  std::lock_guard lock(mu_);
  std::string out;
  out += "# HELP rerank_requests_total Requests by storefront, outcome and reason.\n";
  out += "# TYPE rerank_requests_total counter\n";
  for (const auto& [labels, v] : requests_) {
    out += "rerank_requests_total{" + labels + "} " + std::to_string(v->load()) + "\n";
  }
  out += "# HELP rerank_live_clicks_total Clicks the live click statistics learned.\n";
  out += "# TYPE rerank_live_clicks_total counter\n";
  for (const auto& [labels, v] : live_clicks_) {
    out += "rerank_live_clicks_total{" + labels + "} " + std::to_string(v->load()) + "\n";
  }
  out += "# HELP rerank_upstream_errors_total Failed calls to the engine by cause.\n";
  out += "# TYPE rerank_upstream_errors_total counter\n";
  for (const auto& [labels, v] : upstream_errors_) {
    out += "rerank_upstream_errors_total{" + labels + "} " + std::to_string(v->load()) + "\n";
  }
  out += "# HELP rerank_stage_seconds Time per request stage.\n";
  out += "# TYPE rerank_stage_seconds histogram\n";
  for (const auto& [labels, h] : stages_) {
    uint64_t cumulative = 0;
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += h->counts[i].load();
      out += "rerank_stage_seconds_bucket{" + labels + ",le=\"" + num(kBuckets[i]) + "\"} " +
             std::to_string(cumulative) + "\n";
    }
    out += "rerank_stage_seconds_bucket{" + labels + ",le=\"+Inf\"} " +
           std::to_string(h->total.load()) + "\n";
    out += "rerank_stage_seconds_sum{" + labels + "} " + num(h->sum.load()) + "\n";
    out += "rerank_stage_seconds_count{" + labels + "} " + std::to_string(h->total.load()) + "\n";
  }
  out += "# HELP rerank_model_info The model version each storefront serves.\n";
  out += "# TYPE rerank_model_info gauge\n";
  for (const auto& [sf, version] : models_) {
    out += "rerank_model_info{storefront=\"" + label(sf) + "\",version=\"" + label(version) +
           "\"} 1\n";
  }
  return out;
}

}  // namespace rr::rerank

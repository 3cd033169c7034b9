#include "rerank/metrics.h"

#include <cstdio>
#include <initializer_list>
#include <utility>

#include "connectors/node_set.h"

namespace rr::rerank {
namespace {

// Appends a label value with `\`, `"` and newlines escaped, per the text
// format.
void appendLabel(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
}

std::string label(std::string_view v) {
  std::string out;
  appendLabel(out, v);
  return out;
}

// `name="value",...` for the given pairs, in a per-thread buffer (valid until
// the thread's next call).
using Label = std::pair<std::string_view, std::string_view>;
std::string_view seriesLabels(std::initializer_list<Label> kv) {
  thread_local std::string text;
  text.clear();
  for (const auto& [name, value] : kv) {
    if (!text.empty()) text += ',';
    text += name;
    text += "=\"";
    appendLabel(text, value);
    text += '"';
  }
  return text;
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace

std::atomic<uint64_t>& Metrics::counter(Counters& m, std::string_view key) {
  std::lock_guard lock(mu_);
  auto it = m.find(key);
  if (it == m.end()) {
    it = m.emplace(std::string(key), std::make_unique<std::atomic<uint64_t>>(0)).first;
  }
  return *it->second;
}

void Metrics::countRequest(const std::string& storefront, const std::string& outcome,
                           const std::string& reason) {
  const auto key =
      seriesLabels({{"storefront", storefront}, {"outcome", outcome}, {"reason", reason}});
  counter(requests_, key).fetch_add(1, std::memory_order_relaxed);
}

void Metrics::countUpstreamError(const std::string& cause) {
  counter(upstream_errors_, seriesLabels({{"cause", cause}}))
      .fetch_add(1, std::memory_order_relaxed);
}

void Metrics::countLiveClick(const std::string& storefront) {
  counter(live_clicks_, seriesLabels({{"storefront", storefront}}))
      .fetch_add(1, std::memory_order_relaxed);
}

void Metrics::observeStage(const std::string& storefront, const std::string& stage,
                           double seconds) {
  const std::string_view key = seriesLabels({{"storefront", storefront}, {"stage", stage}});
  Histogram* h;
  {
    std::lock_guard lock(mu_);
    auto it = stages_.find(key);
    if (it == stages_.end()) {
      it = stages_.emplace(std::string(key), std::make_unique<Histogram>()).first;
    }
    h = it->second.get();
  }
  std::size_t i = 0;
  while (i < kBuckets.size() && seconds > kBuckets[i]) ++i;
  h->counts[i].fetch_add(1, std::memory_order_relaxed);
  h->total.fetch_add(1, std::memory_order_relaxed);
  double old = h->sum.load(std::memory_order_relaxed);
  while (!h->sum.compare_exchange_weak(old, old + seconds, std::memory_order_relaxed)) {
  }
}

void Metrics::countDiscovery(std::string_view outcome) {
  counter(discoveries_, seriesLabels({{"outcome", outcome}}))
      .fetch_add(1, std::memory_order_relaxed);
}

void Metrics::setModelVersion(const std::string& storefront, const std::string& version) {
  std::lock_guard lock(mu_);
  models_[storefront] = version;
}

void Metrics::setUpstreamNodes(std::shared_ptr<const connectors::NodeSet> nodes) {
  std::lock_guard lock(mu_);
  nodes_ = std::move(nodes);
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
  if (!discoveries_.empty()) {  // only with upstream.discover_nodes
    out += "# HELP rerank_upstream_discoveries_total Asks for the cluster's nodes, by outcome.\n";
    out += "# TYPE rerank_upstream_discoveries_total counter\n";
    for (const auto& [labels, v] : discoveries_) {
      out += "rerank_upstream_discoveries_total{" + labels + "} " + std::to_string(v->load()) + "\n";
    }
  }
  if (nodes_) {
    out += "# HELP rerank_upstream_node_up 1: the engine node takes requests; 0: passed over.\n";
    out += "# TYPE rerank_upstream_node_up gauge\n";
    for (std::size_t i = 0; i < nodes_->size(); ++i) {
      out += "rerank_upstream_node_up{node=\"" + label(nodes_->url(i)) + "\"} " +
             (nodes_->up(i) ? "1" : "0") + "\n";
    }
    out += "# HELP rerank_upstream_node_failures_total Times the node could not be reached or gave no answer in time.\n";
    out += "# TYPE rerank_upstream_node_failures_total counter\n";
    for (std::size_t i = 0; i < nodes_->size(); ++i) {
      out += "rerank_upstream_node_failures_total{node=\"" + label(nodes_->url(i)) + "\"} " +
             std::to_string(nodes_->failures(i)) + "\n";
    }
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

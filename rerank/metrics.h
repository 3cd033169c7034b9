// Counters and latency histograms, written out in the Prometheus text format
// on GET /metrics. Thread-safe; increments are lock-free once a series exists.
#pragma once

#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace rr::connectors {
class NodeSet;
}

namespace rr::rerank {

class Metrics {
 public:
  // requests_total{storefront, outcome, reason}
  void countRequest(const std::string& storefront, const std::string& outcome,
                    const std::string& reason);
  // upstream_errors_total{cause}
  void countUpstreamError(const std::string& cause);
  // live_clicks_total{storefront}: clicks the live click statistics learned
  void countLiveClick(const std::string& storefront);
  // upstream_discoveries_total{outcome}: asks for the cluster's nodes
  // (`upstream.discover_nodes`), "listed" or "failed"
  void countDiscovery(std::string_view outcome);
  // stage_seconds{storefront, stage} histogram
  void observeStage(const std::string& storefront, const std::string& stage, double seconds);
  // model_info{storefront, version} = 1
  void setModelVersion(const std::string& storefront, const std::string& version);

  // upstream_node_up{node} and upstream_node_failures_total{node}: the
  // engine's nodes as rerankd's search client sees them (the latest set).
  void setUpstreamNodes(std::shared_ptr<const connectors::NodeSet> nodes);

  std::string render() const;

  static constexpr std::array<double, 12> kBuckets{0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                   0.005,  0.01,    0.025,  0.05,  0.1,
                                                   0.25,   1.0};

 private:
  struct Histogram {
    std::array<std::atomic<uint64_t>, kBuckets.size() + 1> counts{};
    std::atomic<uint64_t> total{0};
    std::atomic<double> sum{0};
  };
  // Keyed by the series' label text; looked up by a view (std::less<>), so a
  // request's counts allocate nothing once its series exist.
  using Counters = std::map<std::string, std::unique_ptr<std::atomic<uint64_t>>, std::less<>>;
  std::atomic<uint64_t>& counter(Counters& m, std::string_view key);

  mutable std::mutex mu_;  // guards the maps' shape, not the values
  Counters requests_;
  Counters upstream_errors_;
  Counters live_clicks_;
  Counters discoveries_;
  std::map<std::string, std::unique_ptr<Histogram>, std::less<>> stages_;
  std::map<std::string, std::string> models_;
  std::shared_ptr<const connectors::NodeSet> nodes_;
};

}  // namespace rr::rerank

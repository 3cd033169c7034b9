// Access to the real OpenSearch node that scripts/test.sh starts. Test-only.
#pragma once

#include <memory>
#include <string>

#include "connectors/engine_client.h"

namespace rr::testing {

// The node's URL from RR_OPENSEARCH_URL. Fails the running test (it does not
// skip) when unset: these tests exist to run against a real engine.
std::string openSearchUrl();

// A client for the node with test-friendly timeouts.
std::unique_ptr<connectors::EngineClient> openSearchClient();

// An index name unique to this process and call, e.g. "rr-test-scan-4711-3".
std::string uniqueIndexName(const std::string& tag);

// Deletes the index when the test ends, pass or fail.
class IndexGuard {
 public:
  IndexGuard(connectors::EngineClient& client, std::string index)
      : client_(client), index_(std::move(index)) {}
  ~IndexGuard() { (void)client_.deleteIndex(index_); }
  IndexGuard(const IndexGuard&) = delete;
  IndexGuard& operator=(const IndexGuard&) = delete;
  const std::string& name() const { return index_; }

 private:
  connectors::EngineClient& client_;
  std::string index_;
};

}  // namespace rr::testing

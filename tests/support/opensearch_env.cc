#include "tests/support/opensearch_env.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <stdexcept>

namespace rr::testing {

std::string openSearchUrl() {
  const char* url = std::getenv("RR_OPENSEARCH_URL");
  if (url == nullptr || *url == '\0') {
    throw std::runtime_error(
        "RR_OPENSEARCH_URL is not set: these tests need a real node. Run "
        "scripts/test.sh, or `export RR_OPENSEARCH_URL=$(scripts/opensearch.sh "
        "start | tail -1)`");
  }
  return url;
}

std::unique_ptr<connectors::EngineClient> openSearchClient() {
  connectors::ClientOptions options;
  options.url = openSearchUrl();
  options.request_timeout = std::chrono::seconds(30);
  auto client = connectors::EngineClient::create(options);
  if (!client) throw std::runtime_error(client.error().message);
  return std::move(*client);
}

std::string uniqueIndexName(const std::string& tag) {
  static std::atomic<int> counter{0};
  return "rr-test-" + tag + "-" + std::to_string(::getpid()) + "-" +
         std::to_string(counter++);
}

}  // namespace rr::testing

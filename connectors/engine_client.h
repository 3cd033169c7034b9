// The OpenSearch / Elasticsearch REST client.
//
// One EngineClient per cluster. All methods are safe to call from many
// threads at once; they block the calling thread for the round trip, so an
// event-loop server calls them from a worker pool. Every method takes an
// optional deadline (default: now + ClientOptions::request_timeout).
//
// Errors (Result<T>): kInvalidArgument for a request that could not be
// built, kUnavailable / kDeadlineExceeded for transport failures (after
// retries), kBadResponse for a body that is not what the API promises
// (message names the JSON path), kEngineError for the engine's own error
// (http_status, engine_type, engine_reason and raw_body are filled).
#pragma once

#include <functional>
#include <mutex>
#include <span>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/bulk.h"
#include "connectors/client_options.h"
#include "connectors/error.h"
#include "connectors/http_transport.h"
#include "connectors/search_response.h"

namespace rr::connectors {

struct EngineInfo {
  enum class Distribution { kOpenSearch, kElasticsearch };
  Distribution distribution = Distribution::kOpenSearch;
  std::string version;  // as reported, e.g. "3.6.0"
  int major = 0;
  int minor = 0;
  int patch = 0;
  std::string cluster_name;

  // Point-in-time search exists (OpenSearch >= 2.4; not in Elasticsearch OSS).
  bool supportsPit() const;
  std::string describe() const;  // e.g. "OpenSearch 3.6.0"
};

struct ClusterHealth {
  std::string status;  // "green", "yellow" or "red"
  int number_of_nodes = 0;
  bool timed_out = false;
};

struct ScanRequest {
  std::string index;
  std::string query = R"({"match_all":{}})";  // a query clause, raw JSON
  std::string source;  // optional raw `_source` filter, e.g. ["title"]
  // Optional further members of the search body, raw JSON without the outer
  // braces, e.g. "\"docvalue_fields\":[\"f\"],\"seq_no_primary_term\":true".
  std::string extra_body;
  int page_size = 1000;
  std::string keep_alive = "2m";
  bool allow_pit = true;  // false forces the scroll API (for tests, old nodes)
};

struct ScanStats {
  std::size_t pages = 0;
  std::size_t documents = 0;
  bool used_pit = false;  // false: the scroll API was used
};

class EngineClient {
 public:
  // Builds a client with a libcurl transport. Fails with kInvalidArgument
  // when the URL is not http(s)://host[:port].
  static Result<std::unique_ptr<EngineClient>> create(ClientOptions options);

  EngineClient(ClientOptions options, std::shared_ptr<Transport> transport);

  const ClientOptions& options() const { return options_; }

  // Anything, unchanged: status, headers and body as the engine sent them.
  // Non-2xx statuses are responses here, not errors.
  Result<HttpResponse> raw(const HttpRequest& request,
                           std::optional<Deadline> deadline = {});

  // POST /{index}/_search with `body` (raw JSON). `index` may be a comma list
  // or pattern; empty searches all indices. `query` is an encoded query
  // string (e.g. "scroll=1m").
  Result<SearchResponse> search(std::string_view index, std::string body,
                                std::string_view query = {},
                                std::optional<Deadline> deadline = {});

  // POST /_msearch. `ndjson` is the full header/body line pairs.
  Result<MsearchResponse> msearch(std::string ndjson,
                                  std::optional<Deadline> deadline = {});

  // POST /_bulk. `refresh` is the refresh parameter ("", "true", "wait_for").
  Result<BulkResult> bulk(std::span<const BulkOp> ops,
                          std::string_view refresh = {},
                          std::optional<Deadline> deadline = {});

  // Every document of an index exactly once, page by page: PIT +
  // search_after where the engine has PIT, the scroll API otherwise.
  // `on_page` returns false to stop early. The PIT or scroll is released
  // whatever happens. Each page gets its own deadline.
  Result<ScanStats> scan(const ScanRequest& request,
                         const std::function<bool(const SearchResponse&)>& on_page);

  Result<void> createIndex(std::string_view index, std::string body,
                           std::optional<Deadline> deadline = {});
  // `ignore_missing`: a missing index is success.
  Result<void> deleteIndex(std::string_view index, bool ignore_missing = true,
                           std::optional<Deadline> deadline = {});
  Result<bool> indexExists(std::string_view index,
                           std::optional<Deadline> deadline = {});
  Result<void> putMapping(std::string_view index, std::string body,
                          std::optional<Deadline> deadline = {});
  // The engine's JSON for GET /{index}/_mapping.
  Result<std::string> getMapping(std::string_view index,
                                 std::optional<Deadline> deadline = {});
  Result<void> refresh(std::string_view index,
                       std::optional<Deadline> deadline = {});
  // GET /_cluster/health, optionally waiting for a status ("yellow").
  Result<ClusterHealth> health(std::string_view wait_for_status = {},
                               std::optional<Deadline> deadline = {});
  // GET / : which engine, which version. Cached after the first success.
  Result<EngineInfo> info(std::optional<Deadline> deadline = {});

 private:
  Deadline deadlineOr(std::optional<Deadline> deadline) const;
  // Sends and turns a non-2xx answer into kEngineError (or kUnavailable).
  Result<HttpResponse> call(std::string method, std::string path,
                            std::string query, std::string body,
                            std::optional<Deadline> deadline,
                            std::string_view content_type = "application/json");
  Result<ScanStats> scanWithPit(const ScanRequest& request,
                                const std::function<bool(const SearchResponse&)>& on_page);
  Result<ScanStats> scanWithScroll(const ScanRequest& request,
                                   const std::function<bool(const SearchResponse&)>& on_page);

  ClientOptions options_;
  std::shared_ptr<Transport> transport_;
  std::mutex info_mu_;
  std::optional<EngineInfo> info_;
};

// The Error for a non-2xx answer: kEngineError with the engine's status,
// type and reason (or a generic message when the body is not an engine
// error object). For callers of raw() that decide a status is a failure.
Error engineErrorFromResponse(const HttpResponse& response);

// Parses the body of GET / (pure; exposed for tests).
Result<EngineInfo> parseEngineInfo(std::string body);
// Parses the body of GET /_cluster/health (pure; rerankd's readiness reads
// it from its asynchronous client too).
Result<ClusterHealth> parseClusterHealth(std::string body);

}  // namespace rr::connectors

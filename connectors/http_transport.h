// The HTTP layer under the engine client: one request in, one response out.
//
// Transport is an interface so the engine client can be driven by the libcurl
// implementation in production and by anything else in tests. Implementations
// are safe to call from many threads at once.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/client_options.h"
#include "connectors/error.h"

namespace rr::connectors {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

struct Header {
  std::string name;
  std::string value;
};

struct HttpRequest {
  std::string method = "GET";
  std::string path = "/";  // must start with '/'; already percent-encoded
  std::string query;       // without '?', already encoded; may be empty
  std::vector<Header> headers;
  std::string body;
};

struct HttpResponse {
  int status = 0;
  std::vector<Header> headers;  // in the order received, names as sent
  std::string body;

  // First header with this name (case-insensitive), or empty.
  std::string_view header(std::string_view name) const;
};

class Transport {
 public:
  virtual ~Transport() = default;

  // Sends one request and waits for the whole response. A non-2xx status is a
  // response, not an error; errors are transport failures (ErrorCode
  // kUnavailable / kDeadlineExceeded / kBadResponse for truncated bodies).
  // Retries (see RetryPolicy) happen inside, within the deadline.
  virtual Result<HttpResponse> send(const HttpRequest& request,
                                    Deadline deadline) = 0;
};

// libcurl implementation. Keeps up to `pool_size` idle easy handles, each with
// its own kept-alive connection, and hands one to each concurrent call.
// Blocking: never call it on an event-loop thread.
class CurlTransport final : public Transport {
 public:
  explicit CurlTransport(ClientOptions options);
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  Result<HttpResponse> send(const HttpRequest& request,
                            Deadline deadline) override;

  // How many TCP connections libcurl opened so far (for reuse checks).
  long connectionsOpened() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rr::connectors

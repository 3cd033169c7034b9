// The engine, called without blocking a thread: an HTTP/1.1 client on the
// server's own io_context (Boost.Beast, C++20 coroutines) with kept-alive
// connections, for the rerank path's searches and `_msearch` (and the
// shopper's profile when it is in the shared store), and the requests
// rerankd passes through as they are. rerankd's other calls (its events,
// admin, readiness) go through the blocking libcurl client on the worker
// pool.
//
// http, and https with OpenSSL (the CA file or the system's store, the host
// checked unless `tls_verify: false`). The behaviour follows the libcurl client's
// as rerankd configures it: the connect timeout and the request's deadline
// bound every step (lookup, connect, write, read); one retry, never past the
// deadline, after a refused connection, a failed lookup or a 429/502/503
// answer; a kept-alive connection the engine closed meanwhile is replaced by
// a new one without counting as a try (and the other idle ones, as likely
// dead, are dropped). Errors carry the same codes and causes
// (connectors/error.h), so the caller's 502/503/504 mapping is the same for
// both clients. With several nodes (`upstream.url` as a list) requests go
// round-robin over those up; one that cannot be reached is passed over at
// once, and one that took no answer in time is left alone for its pause
// (connectors/node_set.h), as in the libcurl client.
#pragma once

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "config/config.h"
#include "connectors/error.h"
#include "connectors/http_transport.h"
#include "connectors/node_set.h"

namespace boost::asio::ssl {
class context;  // OpenSSL's headers stay in async_upstream.cc
}

namespace rr::connectors {
class AwsCredentialSource;
}

namespace rr::rerank {

class AsyncUpstream {
 public:
  // `nodes`: the view of the engine's nodes to use; null: the process's
  // (connectors::NodeSet::shared), shared with every client of these nodes.
  AsyncUpstream(boost::asio::io_context::executor_type executor, const config::UpstreamConfig& config,
                std::shared_ptr<connectors::NodeSet> nodes = nullptr);
  ~AsyncUpstream();
  AsyncUpstream(const AsyncUpstream&) = delete;
  AsyncUpstream& operator=(const AsyncUpstream&) = delete;

  // False for an upstream this client cannot reach: a URL it does not
  // understand, or a CA file OpenSSL cannot load.
  bool usable() const { return usable_; }

  // One request, the whole response. A non-2xx status is a response.
  boost::asio::awaitable<connectors::Result<connectors::HttpResponse>> send(
      connectors::HttpRequest request, connectors::Deadline deadline);

  // Checks a down node in the background (connectors::NodeSet::dueForProbe):
  // `HEAD /` on a new connection, authenticated or signed as any request,
  // answered within the connect timeout (at least 1 s). Any answer: the
  // node is up again, and the connection is kept for its next request.
  // None (refused, or a node that accepts connections but hangs): still
  // down, its pause doubled. `self` keeps the client alive while the check
  // runs on its io_context.
  static boost::asio::awaitable<void> probe(std::shared_ptr<AsyncUpstream> self, std::size_t node);

  // Connections opened so far (for the tests of reuse).
  std::size_t connectionsOpened() const;

  // The engine's nodes, up or down (for /metrics).
  const std::shared_ptr<connectors::NodeSet>& nodes() const { return nodes_; }

  // Where a node URL (`http(s)://AUTHORITY[/...]`) points: its host (an
  // IPv6 address without brackets), its port (the scheme's default when
  // absent) and the authority as written. Null for any other text.
  struct Address {
    std::string host, port, authority;
  };
  static std::optional<Address> addressOf(std::string_view url);

 private:
  struct Connection;
  struct Attempt;
  // Where one node is, from its URL.
  struct Node {
    std::string host, port, host_header;
    std::vector<std::unique_ptr<Connection>> idle;  // under mu_
  };
  // One try to `node` on an idle connection, or a new one (`fresh`: always new).
  boost::asio::awaitable<Attempt> once(const connectors::HttpRequest& request, std::size_t node,
                                       connectors::Deadline deadline, bool fresh);
  // A new connection to `node` (lookup, connect, TLS handshake), or null
  // with the error in `out`. `where`: the node's URL and path, for errors.
  boost::asio::awaitable<std::unique_ptr<Connection>> open(std::size_t node, const std::string& where,
                                                           connectors::Deadline deadline,
                                                           Attempt& out);
  std::unique_ptr<Connection> takeIdle(std::size_t node);
  void dropIdle(std::size_t node);
  // A pause before a retry: full jitter up to 25 ms. (Not a thread_local
  // generator: a coroutine may resume on another thread.)
  std::chrono::milliseconds jitter();
  void giveBack(std::size_t node, std::unique_ptr<Connection> connection);

  boost::asio::io_context::executor_type executor_;
  config::UpstreamConfig config_;
  bool usable_ = false;
  std::unique_ptr<boost::asio::ssl::context> tls_;  // https only
  std::string authorization_;
  std::shared_ptr<connectors::AwsCredentialSource> credentials_;  // aws_sigv4 only
  std::shared_ptr<connectors::NodeSet> nodes_;
  mutable std::mutex mu_;
  std::vector<Node> node_;  // as nodes_
  std::size_t opened_ = 0;
  std::mt19937 rng_{std::random_device{}()};
};

}  // namespace rr::rerank

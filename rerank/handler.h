// Request handling, top to bottom, without sockets: routing, the admin,
// health and metrics endpoints, the passthrough allowlist, and forwarding to
// the engine. handle() blocks on the engine: the server runs it on a worker
// pool, never on an io thread. Rerank-path searches, `_msearch`, requests
// passed through as they are and readiness can instead be awaited on the
// io threads (ioSearch, searchOnIo; ioWork, then msearchOnIo, forwardOnIo
// or readyOnIo).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "rerank/async_upstream.h"
#include "rerank/http_types.h"
#include "rerank/metrics.h"
#include "rerank/rerank_service.h"
#include "rerank/runtime.h"

namespace rr::rerank {

class Handler {
 public:
  // `reload` re-reads the config and models; returns "" on success or the
  // reason it was refused (the old runtime keeps serving).
  using ReloadFn = std::function<std::string()>;

  Handler(std::shared_ptr<const Runtime> runtime, ReloadFn reload);

  Response handle(const Request& request);

  // The storefront whose rerank-path `_search` this request is, when it can
  // be served on the I/O threads: an enabled storefront's search (the
  // shopper's profile too is read there, from either store).
  // Null otherwise: handle() it on the worker pool.
  const StorefrontRuntime* ioSearch(const Runtime& rt, const Request& request) const;
  // That search, awaiting the engine through `upstream`.
  boost::asio::awaitable<Response> searchOnIo(std::shared_ptr<const Runtime> rt,
                                              const StorefrontRuntime* sf,
                                              std::shared_ptr<const Request> request,
                                              std::shared_ptr<AsyncUpstream> upstream);

  // What of handle()'s work on this request can be awaited on the I/O
  // threads instead, with the same answer: an `_msearch` it would rerank
  // (msearchOnIo), or a
  // request it would pass to the engine as it is (an allowed API, a
  // disabled storefront's search: forwardOnIo). One routing decision.
  // Readiness too (readyOnIo): it asks the engine, and should answer while
  // the worker pool is busy.
  enum class IoWork { kNone, kMsearch, kForward, kReady };
  IoWork ioWork(const Runtime& rt, const Request& request) const;
  boost::asio::awaitable<Response> msearchOnIo(std::shared_ptr<const Runtime> rt,
                                               std::shared_ptr<const Request> request,
                                               std::shared_ptr<AsyncUpstream> upstream);
  boost::asio::awaitable<Response> forwardOnIo(std::shared_ptr<const Runtime> rt,
                                               std::shared_ptr<const Request> request,
                                               std::shared_ptr<AsyncUpstream> upstream);
  boost::asio::awaitable<Response> readyOnIo(std::shared_ptr<const Runtime> rt,
                                             std::shared_ptr<AsyncUpstream> upstream);

  // A reload's runtime, serving from the next request.
  void swap(std::shared_ptr<const Runtime> runtime);
  std::shared_ptr<const Runtime> runtime() const;
  // The nodes `upstream.discover_nodes` found last (rerank/server.cc asks).
  // Besides the I/O threads' clients, the libcurl one (the admin endpoints,
  // events' engine calls) sends to them too, now and after each reload that
  // keeps the option on.
  void setDiscovered(std::vector<std::string> nodes);
  std::vector<std::string> discovered() const;
  // The storefront a request belongs to (Host, else index), "" for none.
  std::string storefrontFor(const Request& request) const;
  Metrics& metrics() { return metrics_; }
  RerankService& service() { return service_; }

  // A JSON access-log line for a finished exchange (user id hashed).
  static std::string accessLogLine(const Request& request, const Response& response,
                                   const std::string& storefront, double seconds);

 private:
  // Where a request that is none of rerankd's own endpoints goes.
  struct Route {
    enum Kind { kSearch, kMsearch, kForbidden, kForward } kind = kForward;
    const StorefrontRuntime* sf = nullptr;  // its storefront, if any
    std::string_view index_expr;            // the path's index part ("" for /_...)
    bool search = false;                    // a GET/POST .../_search
  };
  Route routeOf(const Runtime& rt, const Request& request) const;
  // The engine's request for a forwarded one, and the client's answer
  // from the engine's (counted, timed, errors as engine-shaped 502/503/504).
  static connectors::HttpRequest forwardRequest(const Runtime& rt, const Request& request);
  Response forwarded(const Route& route, connectors::Result<connectors::HttpResponse> answer,
                     std::chrono::steady_clock::duration took);
  Response admin(const Runtime& rt, const Request& request);
  Response ready(const Runtime& rt);

  bool adminAllowed(const Runtime& rt, const Request& request, Response& refusal) const;

  // `rt` with its libcurl client sending to the discovered nodes too, when
  // its config asks for them. Under swap_mu_.
  std::shared_ptr<const Runtime> withDiscoveredNodes(std::shared_ptr<const Runtime> rt) const;

  std::atomic<std::shared_ptr<const Runtime>> runtime_;
  mutable std::mutex swap_mu_;            // swap() and setDiscovered() one at a time
  std::vector<std::string> discovered_;  // under swap_mu_
  ReloadFn reload_;
  Metrics metrics_;
  RerankService service_{metrics_};
};

// An engine-shaped error: {"error":{"root_cause":[...],"type":..,"reason":..},"status":N}.
Response errorResponse(int status, std::string_view type, std::string_view reason);
// A 200 with a JSON body (rerankd's own endpoints).
Response jsonResponse(std::string body);

}  // namespace rr::rerank

// Request handling, top to bottom, without sockets: routing, the admin,
// health and metrics endpoints, the passthrough allowlist, and forwarding to
// the engine. Blocking (it calls the engine): the server runs it on a worker
// pool, never on an io thread.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

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

  void swap(std::shared_ptr<const Runtime> runtime);
  std::shared_ptr<const Runtime> runtime() const;
  // The storefront a request belongs to (Host, else index), "" for none.
  std::string storefrontFor(const Request& request) const;
  Metrics& metrics() { return metrics_; }
  RerankService& service() { return service_; }

  // A JSON access-log line for a finished exchange (user id hashed).
  static std::string accessLogLine(const Request& request, const Response& response,
                                   const std::string& storefront, double seconds);

 private:
  Response forward(const Runtime& rt, const Request& request, const std::string& storefront);
  Response admin(const Runtime& rt, const Request& request);
  Response ready(const Runtime& rt);

  bool adminAllowed(const Runtime& rt, const Request& request, Response& refusal) const;

  std::atomic<std::shared_ptr<const Runtime>> runtime_;
  ReloadFn reload_;
  Metrics metrics_;
  RerankService service_{metrics_};
};

// An engine-shaped error: {"error":{"root_cause":[...],"type":..,"reason":..},"status":N}.
Response errorResponse(int status, std::string_view type, std::string_view reason);

}  // namespace rr::rerank

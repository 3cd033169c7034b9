#include "rerank/handler.h"

#include "rerank/detail/engine_answers.h"
#include "rerank/node_discovery.h"

#include <openssl/crypto.h>

#include <chrono>
#include <cstdio>

#include "connectors/json_writer.h"

namespace rr::rerank {
namespace {

using connectors::jsonString;
using Clock = std::chrono::steady_clock;

// rerankd's own endpoints (health, readiness, metrics, events, admin):
// handle() answers them before any routing to the engine.
bool ownEndpoint(std::string_view path) {
  return path == "/metrics" || path.starts_with("/_rerank/");
}

std::string_view firstSegment(std::string_view path) {
  if (path.size() < 2) return {};
  path.remove_prefix(1);
  return path.substr(0, path.find('/'));
}

uint64_t fnv1a(std::string_view s) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

Response errorResponse(int status, std::string_view type, std::string_view reason) {
  Response r;
  r.status = status;
  r.set("Content-Type", "application/json; charset=UTF-8");
  const std::string cause = "{\"type\":" + jsonString(type) + ",\"reason\":" + jsonString(reason);
  r.body = "{\"error\":{\"root_cause\":[" + cause + "}]," + cause.substr(1) +
           "},\"status\":" + std::to_string(status) + "}";
  return r;
}

Response jsonResponse(std::string body) {
  Response r;
  r.set("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

Handler::Handler(std::shared_ptr<const Runtime> runtime, ReloadFn reload)
    : runtime_(std::move(runtime)), reload_(std::move(reload)) {
  for (const auto& sf : runtime_.load()->storefronts) {
    metrics_.setModelVersion(sf.config->name, sf.model->version);
  }
}

void Handler::swap(std::shared_ptr<const Runtime> runtime) {
  for (const auto& sf : runtime->storefronts) {
    metrics_.setModelVersion(sf.config->name, sf.model->version);
  }
  std::lock_guard lock(swap_mu_);
  runtime_.store(withDiscoveredNodes(std::move(runtime)));
}

void Handler::setDiscovered(std::vector<std::string> nodes) {
  std::lock_guard lock(swap_mu_);
  discovered_ = std::move(nodes);
  runtime_.store(withDiscoveredNodes(runtime_.load()));
}

std::vector<std::string> Handler::discovered() const {
  std::lock_guard lock(swap_mu_);
  return discovered_;
}

std::shared_ptr<const Runtime> Handler::withDiscoveredNodes(std::shared_ptr<const Runtime> rt) const {
  const auto& upstream = rt->config->upstream;
  if (!upstream.discover_nodes) return rt;
  return sendingTo(std::move(rt), withDiscovered(upstream.nodes(), discovered_));
}

std::shared_ptr<const Runtime> Handler::runtime() const { return runtime_.load(); }

std::string Handler::storefrontFor(const Request& request) const {
  const auto rt = runtime_.load();
  const std::string_view segment = firstSegment(request.path());
  const std::string_view index_expr =
      segment.empty() || segment.front() == '_' ? std::string_view{} : segment;
  const StorefrontRuntime* sf = rt->match(request.header("Host"), index_expr);
  return sf ? sf->config->name : "";
}

Response Handler::handle(const Request& request) {
  const auto rt = runtime_.load();  // this request's snapshot
  const std::string_view path = request.path();
  if (path == "/_rerank/health") return jsonResponse(R"({"status":"ok"})");
  if (path == "/_rerank/ready") return ready(*rt);
  if (path == "/metrics") {
    Response r;
    r.set("Content-Type", "text/plain; version=0.0.4");
    r.body = metrics_.render();
    return r;
  }
  if (path == "/_rerank/events") return service_.events(*rt, request);
  if (path.starts_with("/_rerank/users/") &&
      (request.method == "DELETE" || request.method == "GET")) {
    // /_rerank/users/{storefront}/{user}: reading or erasing a shopper's
    // profile is an admin act.
    Response refusal;
    if (!adminAllowed(*rt, request, refusal)) return refusal;
    std::string_view rest = path.substr(std::string_view("/_rerank/users/").size());
    const auto slash = rest.find('/');
    if (slash == std::string_view::npos || slash + 1 >= rest.size()) {
      return errorResponse(400, "illegal_argument_exception",
                           "expected /_rerank/users/{storefront}/{user}");
    }
    if (request.method == "GET") {
      return service_.userProfile(*rt, rest.substr(0, slash), rest.substr(slash + 1));
    }
    return service_.eraseUser(*rt, rest.substr(0, slash), rest.substr(slash + 1));
  }
  if (path.starts_with("/_rerank/")) return admin(*rt, request);

  const Route route = routeOf(*rt, request);
  const std::string storefront = route.sf ? route.sf->config->name : "";
  switch (route.kind) {
    case Route::kSearch:
      return service_.search(*rt, *route.sf, request);
    case Route::kMsearch:
      return service_.msearch(*rt, request, route.index_expr);
    case Route::kForbidden:
      metrics_.countRequest(storefront, "forbidden", "not_allowed");
      return errorResponse(403, "security_exception",
                           "rerankd does not pass " + request.method + " " + std::string(path) +
                               " through (not in the passthrough allowlist)");
    case Route::kForward:
      break;
  }
  const auto start = Clock::now();
  auto answer = rt->upstream->raw(forwardRequest(*rt, request));
  return forwarded(route, std::move(answer), Clock::now() - start);
}

Handler::Route Handler::routeOf(const Runtime& rt, const Request& request) const {
  const std::string_view path = request.path();
  const std::string_view segment = firstSegment(path);
  Route route;
  route.index_expr = segment.empty() || segment.front() == '_' ? std::string_view{} : segment;
  route.sf = rt.match(request.header("Host"), route.index_expr);
  route.search = path.ends_with("/_search") && (request.method == "GET" || request.method == "POST");
  if (route.sf && route.search && route.sf->config->enabled) {
    route.kind = Route::kSearch;
    return route;
  }
  const auto& rules = route.sf ? route.sf->config->passthrough : config::defaultPassthrough();
  bool allowed = false;
  for (const auto& rule : rules) {
    if (config::matchesApiRule(rule, request.method, path)) {
      allowed = true;
      break;
    }
  }
  if ((path == "/_msearch" || path.ends_with("/_msearch")) &&
      (request.method == "GET" || request.method == "POST") && !rt.storefronts.empty()) {
    // Per search inside: its own index decides (header, else the path's).
    route.kind = allowed ? Route::kMsearch : Route::kForbidden;
    return route;
  }
  route.kind = allowed ? Route::kForward : Route::kForbidden;
  return route;
}

namespace {

// The engine through AsyncUpstream, with the request timeout the blocking
// client gives every call.
class AsyncCaller final : public UpstreamCaller {
 public:
  AsyncCaller(AsyncUpstream& upstream, std::chrono::milliseconds timeout)
      : upstream_(upstream), timeout_(timeout) {}
  boost::asio::awaitable<connectors::Result<connectors::HttpResponse>> raw(
      connectors::HttpRequest request) override {
    co_return co_await upstream_.send(std::move(request), Clock::now() + timeout_);
  }

 private:
  AsyncUpstream& upstream_;
  std::chrono::milliseconds timeout_;
};

}  // namespace

const StorefrontRuntime* Handler::ioSearch(const Runtime& rt, const Request& request) const {
  const std::string_view path = request.path();
  if (!path.ends_with("/_search") || (request.method != "GET" && request.method != "POST")) {
    return nullptr;
  }
  const std::string_view segment = firstSegment(path);
  if (segment.empty() || segment.front() == '_') return nullptr;
  const StorefrontRuntime* sf = rt.match(request.header("Host"), segment);
  return sf && sf->config->enabled ? sf : nullptr;
}

boost::asio::awaitable<Response> Handler::searchOnIo(std::shared_ptr<const Runtime> rt,
                                                     const StorefrontRuntime* sf,
                                                     std::shared_ptr<const Request> request,
                                                     std::shared_ptr<AsyncUpstream> upstream) {
  AsyncCaller caller(*upstream, rt->config->upstream.request_timeout);
  co_return co_await service_.searchWith(*rt, *sf, *request, caller);
}

connectors::HttpRequest Handler::forwardRequest(const Runtime& rt, const Request& request) {
  return detail::passOn(request, rt.config->upstream.hasCredentials());
}

Response Handler::forwarded(const Route& route,
                            connectors::Result<connectors::HttpResponse> answer,
                            Clock::duration took) {
  const std::string storefront = route.sf ? route.sf->config->name : "";
  metrics_.observeStage(storefront, "upstream", std::chrono::duration<double>(took).count());
  if (!answer) return detail::upstreamFailure(metrics_, answer.error());
  Response r = detail::fromEngine(std::move(*answer));
  if (route.sf && route.search) {  // a disabled storefront: the engine's answer as is
    r.set("X-Rerank", "skipped; reason=disabled");
    metrics_.countRequest(storefront, "skipped", "disabled");
  } else {
    metrics_.countRequest(storefront, "passthrough", "");
  }
  return r;
}

Handler::IoWork Handler::ioWork(const Runtime& rt, const Request& request) const {
  if (request.path() == "/_rerank/ready") return IoWork::kReady;
  if (ownEndpoint(request.path())) return IoWork::kNone;
  switch (routeOf(rt, request).kind) {
    case Route::kForward:
      return IoWork::kForward;
    case Route::kMsearch:
      return IoWork::kMsearch;
    default:
      return IoWork::kNone;
  }
}

boost::asio::awaitable<Response> Handler::msearchOnIo(std::shared_ptr<const Runtime> rt,
                                                      std::shared_ptr<const Request> request,
                                                      std::shared_ptr<AsyncUpstream> upstream) {
  const Route route = routeOf(*rt, *request);
  AsyncCaller caller(*upstream, rt->config->upstream.request_timeout);
  co_return co_await service_.msearchWith(*rt, *request, std::string(route.index_expr), caller);
}

boost::asio::awaitable<Response> Handler::forwardOnIo(std::shared_ptr<const Runtime> rt,
                                                      std::shared_ptr<const Request> request,
                                                      std::shared_ptr<AsyncUpstream> upstream) {
  const Route route = routeOf(*rt, *request);
  const auto start = Clock::now();
  auto answer = co_await upstream->send(forwardRequest(*rt, *request),
                                        start + rt->config->upstream.request_timeout);
  co_return forwarded(route, std::move(answer), Clock::now() - start);
}

namespace {

// Readiness: the engine answered its cluster health (any status), or 503
// with why not.
Response readyResponse(const connectors::Result<connectors::ClusterHealth>& health) {
  Response r;
  r.set("Content-Type", "application/json");
  if (!health) {
    r.status = 503;
    r.body = "{\"ready\":false,\"reason\":" + jsonString(health.error().message) + "}";
  } else {
    r.body = "{\"ready\":true,\"engine_status\":" + jsonString(health->status) + "}";
  }
  return r;
}

}  // namespace

Response Handler::ready(const Runtime& rt) {
  const auto deadline = Clock::now() + rt.config->upstream.connect_timeout * 2;
  return readyResponse(rt.upstream->health({}, deadline));
}

boost::asio::awaitable<Response> Handler::readyOnIo(std::shared_ptr<const Runtime> rt,
                                                    std::shared_ptr<AsyncUpstream> upstream) {
  connectors::HttpRequest request;
  request.method = "GET";
  request.path = "/_cluster/health";
  auto answer = co_await upstream->send(std::move(request),
                                        Clock::now() + rt->config->upstream.connect_timeout * 2);
  if (!answer) co_return readyResponse(std::unexpected(answer.error()));
  if (answer->status < 200 || answer->status >= 300) {
    co_return readyResponse(std::unexpected(connectors::engineErrorFromResponse(*answer)));
  }
  co_return readyResponse(connectors::parseClusterHealth(std::move(answer->body)));
}

bool Handler::adminAllowed(const Runtime& rt, const Request& request, Response& refusal) const {
  const std::string& token = rt.config->admin.token;
  if (token.empty()) {
    refusal = errorResponse(403, "security_exception", "admin endpoints are disabled (no admin.token)");
    return false;
  }
  // Compared in constant time: how long a refusal takes says nothing about
  // how much of a guess was right.
  const std::string expected = "Bearer " + token;
  const std::string_view given = request.header("Authorization");
  if (given.size() != expected.size() ||
      CRYPTO_memcmp(given.data(), expected.data(), expected.size()) != 0) {
    refusal = errorResponse(403, "security_exception", "a valid admin token is required");
    return false;
  }
  return true;
}

Response Handler::admin(const Runtime& rt, const Request& request) {
  Response refusal;
  if (!adminAllowed(rt, request, refusal)) return refusal;
  if (request.path() == "/_rerank/reload" && request.method == "POST") {
    const std::string refused = reload_ ? reload_() : "reload is not available";
    if (!refused.empty()) {
      return errorResponse(400, "rerank_reload_exception",
                           "reload refused, the previous config keeps serving: " + refused);
    }
    return jsonResponse(R"({"reloaded":true})");
  }
  return errorResponse(404, "resource_not_found_exception",
                       "no such rerankd endpoint: " + std::string(request.path()));
}

std::string Handler::accessLogLine(const Request& request, const Response& response,
                                   const std::string& storefront, double seconds) {
  std::string user(request.header("X-User-Id"));
  char hash[24];
  std::snprintf(hash, sizeof hash, "%016llx",
                static_cast<unsigned long long>(fnv1a("rr-user:" + user)));
  char ms[32];
  std::snprintf(ms, sizeof ms, "%.3f", seconds * 1000);
  std::string rerank;
  for (const auto& h : response.headers) {
    if (h.name == "X-Rerank") rerank = h.value;
  }
  return "{\"method\":" + jsonString(request.method) + ",\"path\":" +
         jsonString(request.path()) + ",\"status\":" + std::to_string(response.status) +
         ",\"storefront\":" + jsonString(storefront) + ",\"user\":" +
         (user.empty() ? std::string("null") : jsonString(hash)) + ",\"rerank\":" +
         jsonString(rerank) + ",\"ms\":" + ms + ",\"remote\":" + jsonString(request.remote) + "}";
}

}  // namespace rr::rerank

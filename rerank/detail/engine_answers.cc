#include "rerank/detail/engine_answers.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <random>

#include "rerank/handler.h"

namespace rr::rerank::detail {

namespace {

bool equalsLower(std::string_view name, std::string_view lower) {
  return name.size() == lower.size() &&
         std::equal(lower.begin(), lower.end(), name.begin(), [](char a, char b) {
           return a == std::tolower(static_cast<unsigned char>(b));
         });
}

}  // namespace

bool hopByHop(std::string_view name) {
  static constexpr std::string_view kHop[] = {"connection", "keep-alive", "transfer-encoding",
                                              "content-length", "te", "trailer", "upgrade",
                                              "proxy-connection", "host", "expect"};
  return std::any_of(std::begin(kHop), std::end(kHop),
                     [&](std::string_view h) { return equalsLower(name, h); });
}

void addEngineHeaders(const std::vector<connectors::Header>& engine, Response& r) {
  for (const auto& h : engine) {
    if (hopByHop(h.name) || equalsLower(h.name, "content-type") ||
        equalsLower(h.name, "content-encoding")) {
      continue;
    }
    r.headers.push_back({h.name, h.value});
  }
}

Response fromEngine(connectors::HttpResponse&& answer) {
  Response r;
  r.status = answer.status;
  for (auto& h : answer.headers) {
    if (!hopByHop(h.name)) r.headers.push_back({std::move(h.name), std::move(h.value)});
  }
  r.body = std::move(answer.body);
  return r;
}

connectors::HttpRequest passOn(const Request& request, bool own_credentials) {
  connectors::HttpRequest out;
  out.method = request.method;
  out.path = std::string(request.path());
  out.query = std::string(request.query());
  out.body = request.body;
  for (const auto& h : request.headers) {
    if (hopByHop(h.name)) continue;
    if (own_credentials && equalsLower(h.name, "authorization")) continue;  // ours replace it
    out.headers.push_back({h.name, h.value});
  }
  return out;
}

void rewrittenHeaders(const Request& request, bool own_credentials,
                      std::vector<connectors::Header>& out) {
  for (const auto& h : request.headers) {
    if (hopByHop(h.name) || equalsLower(h.name, "content-type") ||
        equalsLower(h.name, "accept-encoding") ||
        (own_credentials && equalsLower(h.name, "authorization"))) {
      continue;
    }
    out.push_back({h.name, h.value});
  }
}

Response upstreamFailure(Metrics& metrics, const connectors::Error& e) {
  metrics.countUpstreamError(std::string(connectors::toString(e.cause)));
  // 502 where the engine cannot be reached as configured (nothing listens,
  // or its certificate is not trusted), 503 for other failures, which pass.
  const int status = e.code == connectors::ErrorCode::kDeadlineExceeded ? 504
                     : e.cause == connectors::TransportCause::kConnectionRefused ||
                             e.cause == connectors::TransportCause::kTls
                         ? 502
                         : 503;
  return errorResponse(status, "rerank_upstream_exception",
                       "the search engine did not answer: " + e.message);
}

std::string newRequestId() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  char id[17];
  std::snprintf(id, sizeof id, "%016llx", static_cast<unsigned long long>(rng()));
  return id;
}

}  // namespace rr::rerank::detail

#include "rerank/detail/engine_answers.h"

#include <algorithm>
#include <cstdio>
#include <random>

#include "rerank/handler.h"

namespace rr::rerank::detail {

Response fromEngine(connectors::HttpResponse&& answer) {
  Response r;
  r.status = answer.status;
  for (auto& h : answer.headers) {
    std::string lower = h.name;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    if (lower == "connection" || lower == "keep-alive" || lower == "transfer-encoding" ||
        lower == "content-length") {
      continue;
    }
    r.headers.push_back({std::move(h.name), std::move(h.value)});
  }
  r.body = std::move(answer.body);
  return r;
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

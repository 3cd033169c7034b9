// What the search path and `_msearch` share about the engine's answers:
// passing one on, failing when there is none, and naming a served search.
// Internal to rerank/.
#pragma once

#include <chrono>
#include <string>

#include "connectors/error.h"
#include "connectors/http_transport.h"
#include "rerank/http_types.h"
#include "rerank/metrics.h"

namespace rr::rerank::detail {

// The engine's answer as the client's: status, headers (less hop-by-hop
// ones) and body.
Response fromEngine(connectors::HttpResponse&& answer);

// An engine-shaped 502 (refused), 504 (deadline) or 503 (anything else)
// for a call that got no answer, counted by cause.
Response upstreamFailure(Metrics& metrics, const connectors::Error& e);

// 16 hex digits, for X-Rerank-Request-Id.
std::string newRequestId();

inline double ms(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

}  // namespace rr::rerank::detail

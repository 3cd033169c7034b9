// What the search path and `_msearch` share about the engine's answers:
// passing one on, failing when there is none, and naming a served search.
// Internal to rerank/.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/error.h"
#include "connectors/http_transport.h"
#include "rerank/http_types.h"
#include "rerank/metrics.h"

namespace rr::rerank::detail {

// The engine's answer as the client's: status, headers (less hop-by-hop
// ones) and body.
Response fromEngine(connectors::HttpResponse&& answer);

// The engine's headers on an answer rerankd rewrote (a reranked page, an
// `_msearch`): added to `r` as the engine sent them (X-Opaque-Id echoed,
// deprecation warnings), less hop-by-hop ones and those of the body,
// which is rerankd's (Content-Type, Content-Length, Content-Encoding).
void addEngineHeaders(const std::vector<connectors::Header>& engine, Response& r);

// Headers that describe one hop, not the message: never forwarded.
bool hopByHop(std::string_view name);

// The client's request as it is, for the engine: method, path, query, body
// and headers, less hop-by-hop ones and, when rerankd has credentials of
// its own (`own_credentials`), the client's Authorization.
connectors::HttpRequest passOn(const Request& request, bool own_credentials);

// The client's headers for a request whose body rerankd writes and whose
// answer it reads: as passOn's, less Content-Type (rerankd's) and
// Accept-Encoding (the engine would compress what rerankd must read).
void rewrittenHeaders(const Request& request, bool own_credentials,
                      std::vector<connectors::Header>& out);

// An engine-shaped 502 (refused), 504 (deadline) or 503 (anything else)
// for a call that got no answer, counted by cause.
Response upstreamFailure(Metrics& metrics, const connectors::Error& e);

// 16 hex digits, for X-Rerank-Request-Id.
std::string newRequestId();

inline double ms(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

}  // namespace rr::rerank::detail

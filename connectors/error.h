// Errors returned by the search-engine client.
//
// Every fallible call in connectors/ returns Result<T>: either a value or an
// Error carrying a canonical code (what the caller should do about it) and a
// message naming the transport cause or the JSON path that was wrong. Nothing
// in this module throws across its public API.
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace rr::connectors {

// Canonical codes. Callers map these to HTTP in exactly one place.
enum class ErrorCode {
  kInvalidArgument,   // the caller's request was malformed before it was sent
  kDeadlineExceeded,  // the per-request deadline passed (connect or read)
  kUnavailable,       // could not reach the engine: refused, DNS, reset, TLS
  kBadResponse,       // the engine answered with a body we cannot use
  kEngineError,       // the engine answered with its own error object
  kInternal,          // a bug or resource failure on our side
};

// What went wrong on the wire, when the error is a transport one. Lets tests
// and metrics tell "connection refused" from "DNS" without parsing messages.
enum class TransportCause {
  kNone,
  kConnectionRefused,
  kDns,
  kTimeout,
  kTls,
  kConnectionReset,
  kOther,
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  TransportCause cause = TransportCause::kNone;
  // For kEngineError (and HTTP failures without a JSON error): the HTTP status
  // and the engine's own `error.type` / `error.reason`.
  int http_status = 0;
  std::string engine_type;
  std::string engine_reason;
  // The engine's raw error body, kept so a proxy can forward it verbatim.
  std::string raw_body;
};

template <class T>
using Result = std::expected<T, Error>;

// Short lower-case name of a code, e.g. "deadline_exceeded".
std::string_view toString(ErrorCode code);
std::string_view toString(TransportCause cause);

inline std::unexpected<Error> makeError(ErrorCode code, std::string message) {
  Error e;
  e.code = code;
  e.message = std::move(message);
  return std::unexpected(std::move(e));
}

}  // namespace rr::connectors

#include "connectors/error.h"

namespace rr::connectors {

std::string_view toString(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kDeadlineExceeded: return "deadline_exceeded";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kBadResponse: return "bad_response";
    case ErrorCode::kEngineError: return "engine_error";
    case ErrorCode::kInternal: return "internal";
  }
  return "unknown";
}

std::string_view toString(TransportCause cause) {
  switch (cause) {
    case TransportCause::kNone: return "none";
    case TransportCause::kConnectionRefused: return "connection_refused";
    case TransportCause::kDns: return "dns";
    case TransportCause::kTimeout: return "timeout";
    case TransportCause::kTls: return "tls";
    case TransportCause::kConnectionReset: return "connection_reset";
    case TransportCause::kOther: return "other";
  }
  return "unknown";
}

}  // namespace rr::connectors

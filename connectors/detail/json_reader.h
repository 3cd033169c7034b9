// simdjson helpers shared by the connector's response parsers. Internal.
//
// Every helper converts simdjson error codes into an Error whose message
// starts with the JSON path being read, so callers only add context.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>

#include "connectors/error.h"
#include "connectors/search_response.h"

// Return early with a kBadResponse naming `path` when a simdjson call fails.
#define RR_TRY_JSON(expr, path)                                              \
  do {                                                                       \
    if (auto rr_err_ = (expr)) {                                             \
      return std::unexpected(::rr::connectors::detail::jsonError((path),     \
                                                                 rr_err_)); \
    }                                                                        \
  } while (0)

namespace rr::connectors::detail {

namespace od = simdjson::ondemand;

// kBadResponse naming `path` and what simdjson reported.
Error jsonError(std::string_view path, simdjson::error_code code);
Error jsonError(std::string_view path, std::string_view what);

// Makes sure `buffer.body` has simdjson's padding after its end.
void ensurePadding(std::string& body);

// The readers below return simdjson error codes (INCORRECT_TYPE for a value
// of the wrong kind) so callers build the JSON path only when one fails.

// The string value at the cursor, as a slice of the input when it has no
// escapes; otherwise unescaped into `buffer.unescaped` (stable addresses).
simdjson::error_code readString(od::value value, ResponseBuffer& buffer,
                                std::string_view& out);

// The raw JSON text of an object or array value, trailing blanks removed.
simdjson::error_code readRawContainer(od::value value, std::string_view& out);

// A number or null (null -> nullopt).
simdjson::error_code readNullableDouble(od::value value,
                                        std::optional<double>& out);

// kBadResponse when anything but whitespace follows the top-level value.
Result<void> expectEnd(od::document& doc);

// Removes trailing JSON whitespace (simdjson's raw views include it).
std::string_view trimRight(std::string_view s);

// Builds an Error from an engine error body (`{"error":...,"status":N}`), or a
// generic one naming the HTTP status when the body is not an engine error.
Error engineError(int http_status, std::string_view body);

// Parses the engine error object at the cursor (`{"type":..,"reason":..}` or
// a bare string, as old engines send) into `out`. Any malformed or cut part
// is reported, never skipped: a truncated error is not the engine's answer.
simdjson::error_code readEngineErrorObject(od::value value, Error& out);

}  // namespace rr::connectors::detail

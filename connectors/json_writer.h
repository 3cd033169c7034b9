// Minimal helpers for writing JSON request bodies by hand.
#pragma once

#include <string>
#include <string_view>

namespace rr::connectors {

// Appends `s` as a quoted JSON string, escaping quotes, backslashes and
// control characters. Bytes >= 0x80 are copied as is (UTF-8 passes through).
void appendJsonString(std::string& out, std::string_view s);

// `s` as a quoted JSON string.
std::string jsonString(std::string_view s);

// Percent-encodes one path segment (an index name, a document id) so it can
// be placed in a URL path. Keeps unreserved characters plus ',' and '*',
// which the engine gives meaning to in index expressions.
std::string encodePathSegment(std::string_view s);

}  // namespace rr::connectors

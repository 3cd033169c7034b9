// Percent-encoding of URL parts, shared by the SigV4 signer (which encodes
// and decodes queries) and rerankd's reading of a client's query string.
#pragma once

#include <string>
#include <string_view>

namespace rr::connectors {

// RFC 3986: every byte but A-Z a-z 0-9 - _ . ~ as %XX (upper-case hex), as
// SigV4 and an AWS form body want it.
std::string percentEncode(std::string_view s);

// A query-string component as a server reads it: %XX decoded, '+' a space.
// A malformed escape (`%zz`, a cut `%4`) is kept as written.
std::string percentDecodeQuery(std::string_view s);

}  // namespace rr::connectors

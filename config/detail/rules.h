// The value rules of the config schema, as pure functions over text. The
// parser (schema.cc) applies them and turns a failure into a ConfigError;
// the passthrough matcher shares the path splitting.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"

namespace rr::config::detail {

// "'s'", for messages.
std::string inQuotes(std::string_view s);
// ASCII lower case.
std::string toLower(std::string s);
// `path` if absolute, else `base_dir`/`path`; lexically normalized.
std::string resolvePath(std::string_view base_dir, std::string_view path);

// "" when `url` is http(s)://host[:port] (trailing slashes allowed), else
// what is wrong. Never repeats a URL that carries credentials.
std::string checkUpstreamUrl(std::string_view url);
// `url` without trailing slashes.
std::string_view trimTrailingSlashes(std::string_view url);

bool isStorefrontName(std::string_view s);  // ^[a-z0-9][a-z0-9_-]*$
// Non-empty; letters, digits, '-', '_', '.' (and '*' in a pattern).
bool isPlainIndexName(std::string_view s);
bool isIndexPattern(std::string_view s);
bool isHostName(std::string_view s);     // letters, digits, '-', '.'; no port
bool isVectorField(std::string_view s);  // ^[a-z][a-z0-9_]*$, at most 48 chars
bool isHttpToken(std::string_view s);    // RFC 9110 token (header/cookie names)
bool isEnvName(std::string_view s);      // ^[A-Za-z_][A-Za-z0-9_]*$
bool isFieldName(std::string_view s);    // non-empty, no whitespace or control chars
bool isVisibleAscii(std::string_view s);  // every byte 0x21..0x7e

inline constexpr std::size_t kMaxVectorFieldLength = 48;
inline constexpr std::size_t kMinAdminTokenLength = 16;

// Parses "METHOD /path/pattern" into `out`; "" on success, else what is
// wrong. The method may be written in any case and is stored upper case.
std::string parseApiRule(std::string_view text, ApiRule& out);

// The segments of an absolute path, without allocating: "/a/b" -> "a", "b";
// "/" -> none; "/a//b" -> "a", "", "b". The caller strips a trailing '/'.
class PathSegments {
 public:
  explicit PathSegments(std::string_view path)
      : rest_(path.empty() ? path : path.substr(1)), done_(path.size() <= 1) {}
  std::optional<std::string_view> next();
  bool done() const { return done_; }

 private:
  std::string_view rest_;
  bool done_;
};

// "/a/" -> "/a"; "/" stays "/".
std::string_view trimTrailingSlash(std::string_view path);

}  // namespace rr::config::detail

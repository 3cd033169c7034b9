#include "config/detail/rules.h"

#include <array>
#include <charconv>
#include <filesystem>

namespace rr::config::detail {
namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isLower(char c) { return c >= 'a' && c <= 'z'; }
bool isAlpha(char c) { return isLower(c) || (c >= 'A' && c <= 'Z'); }
bool isAlnum(char c) { return isAlpha(c) || isDigit(c); }
bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string checkHost(std::string_view host) {
  if (host.empty()) return "has no host";
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return "has a malformed IPv6 host " + inQuotes(host);
    for (char c : host.substr(1, host.size() - 2)) {
      if (!isAlnum(c) && c != ':' && c != '.' && c != '%') {  // hex, dots, a %zone
        return "has a malformed IPv6 host " + inQuotes(host);
      }
    }
    return "";
  }
  for (char c : host) {
    if (!isAlnum(c) && c != '-' && c != '.' && c != '_') {
      return "has an invalid host " + inQuotes(host);
    }
  }
  return "";
}

}  // namespace

std::string inQuotes(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string toLower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

std::string resolvePath(std::string_view base_dir, std::string_view path) {
  const std::filesystem::path p(path);
  if (p.is_absolute()) return p.lexically_normal().string();
  return (std::filesystem::path(base_dir) / p).lexically_normal().string();
}

std::string_view trimTrailingSlashes(std::string_view url) {
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  return url;
}

std::string checkUpstreamUrl(std::string_view url) {
  constexpr std::string_view kExpected = "expected http(s)://host[:port]";
  if (url.find('@') != std::string_view::npos) {
    return "must not contain credentials; use upstream.user and upstream.password";
  }
  std::string_view rest;
  if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else if (url.starts_with("https://")) {
    rest = url.substr(8);
  } else {
    return std::string(kExpected) + ", got " + inQuotes(url);
  }
  rest = trimTrailingSlashes(rest);
  if (rest.find_first_of("/?#") != std::string_view::npos) {
    return "must not have a path, query or fragment (" + std::string(kExpected) + "), got " +
           inQuotes(url);
  }
  std::string_view host = rest;
  std::string_view port;
  bool hasPort = false;
  if (rest.starts_with('[')) {
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos) return "has a malformed IPv6 host " + inQuotes(rest);
    host = rest.substr(0, close + 1);
    const std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::string(kExpected) + ", got " + inQuotes(url);
      port = after.substr(1);
      hasPort = true;
    }
  } else if (const std::size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    hasPort = true;
  }
  if (std::string why = checkHost(host); !why.empty()) return why;
  if (hasPort) {
    int n = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
    if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || n < 1 ||
        n > 65535) {
      return "port must be 1..65535, got " + inQuotes(port);
    }
  }
  return "";
}

bool isStorefrontName(std::string_view s) {
  if (s.empty() || !(isLower(s.front()) || isDigit(s.front()))) return false;
  for (char c : s) {
    if (!isLower(c) && !isDigit(c) && c != '_' && c != '-') return false;
  }
  return true;
}

bool isPlainIndexName(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!isAlnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

bool isIndexPattern(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!isAlnum(c) && c != '-' && c != '_' && c != '.' && c != '*') return false;
  }
  return true;
}

bool isHostName(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!isAlnum(c) && c != '-' && c != '.') return false;
  }
  return true;
}

bool isVectorField(std::string_view s) {
  if (s.empty() || s.size() > kMaxVectorFieldLength || !isLower(s.front())) return false;
  for (char c : s) {
    if (!isLower(c) && !isDigit(c) && c != '_') return false;
  }
  return true;
}

bool isHttpToken(std::string_view s) {
  constexpr std::string_view kSpecials = "!#$%&'*+-.^_`|~";
  if (s.empty()) return false;
  for (char c : s) {
    if (!isAlnum(c) && kSpecials.find(c) == std::string_view::npos) return false;
  }
  return true;
}

bool isEnvName(std::string_view s) {
  if (s.empty() || isDigit(s.front())) return false;
  for (char c : s) {
    if (!isAlnum(c) && c != '_') return false;
  }
  return true;
}

bool isFieldName(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (isSpace(c) || u < 0x20 || u == 0x7f) return false;
  }
  return true;
}

bool isVisibleAscii(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x21 || u > 0x7e) return false;
  }
  return true;
}

std::optional<std::string_view> PathSegments::next() {
  if (done_) return std::nullopt;
  const std::size_t slash = rest_.find('/');
  if (slash == std::string_view::npos) {
    done_ = true;
    return rest_;
  }
  const std::string_view segment = rest_.substr(0, slash);
  rest_ = rest_.substr(slash + 1);
  return segment;
}

std::string_view trimTrailingSlash(std::string_view path) {
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  return path;
}

std::string parseApiRule(std::string_view text, ApiRule& out) {
  constexpr std::string_view kShape = "expected \"METHOD /path\"";
  while (!text.empty() && isSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && isSpace(text.back())) text.remove_suffix(1);
  std::size_t gap = 0;
  while (gap < text.size() && !isSpace(text[gap])) ++gap;
  std::size_t pathStart = gap;
  while (pathStart < text.size() && isSpace(text[pathStart])) ++pathStart;
  if (gap == text.size()) return std::string(kShape) + ", got " + inQuotes(text);

  std::string method(text.substr(0, gap));
  for (char& c : method) {
    if (isLower(c)) c = static_cast<char>(c - 'a' + 'A');
  }
  constexpr std::array<std::string_view, 6> kMethods = {"GET",    "POST", "PUT",
                                                       "DELETE", "HEAD", "*"};
  bool knownMethod = false;
  for (std::string_view m : kMethods) knownMethod = knownMethod || m == method;
  if (!knownMethod) {
    return "method must be GET, POST, PUT, DELETE, HEAD or *, got " + inQuotes(text.substr(0, gap));
  }

  const std::string_view path = text.substr(pathStart);
  if (!path.starts_with('/')) return "path must start with '/', got " + inQuotes(path);
  for (char c : path) {
    const auto u = static_cast<unsigned char>(c);
    if (isSpace(c) || u < 0x20 || u == 0x7f || c == '?' || c == '#') {
      return std::string(kShape) + " with no spaces, query or fragment in the path, got " +
             inQuotes(text);
    }
  }
  PathSegments segments(trimTrailingSlash(path));
  while (const auto segment = segments.next()) {
    if (segment->empty()) return "path has an empty segment: " + inQuotes(path);
    if (*segment == "**") {
      if (!segments.done()) return "'**' is only allowed as the last segment: " + inQuotes(path);
    } else if (*segment != "*" && segment->find('*') != std::string_view::npos) {
      return "'*' must be a whole segment ('/*/_search', not '/logs*/_search'): " + inQuotes(path);
    }
  }
  out.method = std::move(method);
  out.path = std::string(path);
  return "";
}

}  // namespace rr::config::detail

// Which requests may pass through rerankd unchanged: the default allowlist
// and the pure matchers rerankd applies per request (no allocation).
#include <array>

#include "config/config.h"
#include "config/detail/rules.h"

namespace rr::config {
namespace {

// "." and ".." (also percent-encoded) could be resolved by the engine or a
// proxy to a path the rule never meant to allow.
bool isDotSegment(std::string_view s) {
  if (s.empty() || s.size() > 6) return false;
  std::array<char, 6> lower{};
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    lower[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  const std::string_view l(lower.data(), s.size());
  return l == "." || l == ".." || l == "%2e" || l == "%2e%2e" || l == ".%2e" || l == "%2e.";
}

}  // namespace

std::vector<ApiRule> defaultPassthrough() {
  return {
      {"GET", "/"},
      {"HEAD", "/"},
      {"GET", "/_search"},
      {"POST", "/_search"},
      {"GET", "/*/_search"},
      {"POST", "/*/_search"},
      {"GET", "/_msearch"},
      {"POST", "/_msearch"},
      {"GET", "/*/_msearch"},
      {"POST", "/*/_msearch"},
      {"GET", "/_count"},
      {"POST", "/_count"},
      {"GET", "/*/_count"},
      {"POST", "/*/_count"},
      {"GET", "/_mget"},
      {"POST", "/_mget"},
      {"GET", "/*/_mget"},
      {"POST", "/*/_mget"},
      {"GET", "/*/_doc/*"},
      // Scrolls and point-in-time: continuing and closing the client's own;
      // the scroll/PIT id travels in the body.
      {"GET", "/_search/scroll"},
      {"POST", "/_search/scroll"},
      {"DELETE", "/_search/scroll"},
      {"POST", "/*/_search/point_in_time"},
      {"DELETE", "/_search/point_in_time"},
  };
}

bool matchesApiRule(const ApiRule& rule, std::string_view method, std::string_view path) {
  if (rule.method != "*" && rule.method != method) return false;
  if (const std::size_t query = path.find('?'); query != std::string_view::npos) {
    path = path.substr(0, query);
  }
  if (!path.starts_with('/') || !rule.path.starts_with('/')) return false;
  path = detail::trimTrailingSlash(path);

  detail::PathSegments check(path);
  while (const auto segment = check.next()) {
    if (isDotSegment(*segment)) return false;
  }

  detail::PathSegments want(detail::trimTrailingSlash(rule.path));
  detail::PathSegments have(path);
  while (const auto pattern = want.next()) {
    if (*pattern == "**" && want.done()) return true;
    const auto segment = have.next();
    if (!segment) return false;
    if (*pattern == "*") {
      if (segment->empty()) return false;
    } else if (*pattern != *segment) {
      return false;
    }
  }
  return !have.next();
}

bool matchesIndexPattern(std::string_view pattern, std::string_view index) {
  // Greedy glob with backtracking to the last '*': O(|pattern| * |index|).
  std::size_t p = 0;
  std::size_t i = 0;
  std::size_t star = std::string_view::npos;
  std::size_t resume = 0;
  while (i < index.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = i;
    } else if (p < pattern.size() && pattern[p] == index[i]) {
      ++p;
      ++i;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      i = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace rr::config

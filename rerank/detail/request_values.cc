#include "rerank/detail/request_values.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <cmath>
#include <vector>

namespace rr::rerank::detail {
namespace {

namespace dom = simdjson::dom;

std::expected<int, RequestError> checkedInt(std::string_view name, long double v) {
  if (v < INT_MIN || v > INT_MAX) {
    return fail("parsing_exception", "[" + std::string(name) + "] value out of range of int");
  }
  const int n = static_cast<int>(v);
  if (n < 0) {
    return fail("illegal_argument_exception", "[" + std::string(name) +
                                                  "] parameter cannot be negative, found [" +
                                                  std::to_string(n) + "]");
  }
  return n;
}

std::optional<long long> parseInteger(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  long long v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// `"_score"`, `{"_score":"desc"}` or `{"_score":{"order":"desc",...}}`.
bool isScoreDescending(dom::element e) {
  if (std::string_view s; !e.get(s)) return s == "_score";
  dom::object obj;
  if (e.get(obj) || obj.size() != 1) return false;
  auto [key, value] = *obj.begin();
  if (key != "_score") return false;
  if (std::string_view order; !value.get(order)) return equalsIgnoreCase(order, "desc");
  dom::object opts;
  if (value.get(opts)) return false;
  dom::element order_el;
  if (opts["order"].get(order_el)) return true;  // `_score` defaults to descending
  std::string_view order;
  return !order_el.get(order) && equalsIgnoreCase(order, "desc");
}

std::expected<void, RequestError> readId(std::string_view path, dom::element v, std::string& out) {
  if (std::string_view s; !v.get(s)) {
    out.assign(s);
    return {};
  }
  if (int64_t i = 0; !v.get(i)) {
    out = std::to_string(i);
    return {};
  }
  if (uint64_t u = 0; !v.get(u)) {
    out = std::to_string(u);
    return {};
  }
  return fail("parsing_exception", "[" + std::string(path) + "] must be a string, found [" +
                                       std::string(tokenName(v.type())) + "]");
}

}  // namespace

std::unexpected<RequestError> fail(std::string type, std::string reason) {
  return std::unexpected(
      RequestError{.status = 400, .type = std::move(type), .reason = std::move(reason)});
}

// The engine's token names, for "Expected [START_OBJECT] but found [...]".
std::string_view tokenName(dom::element_type type) {
  switch (type) {
    case dom::element_type::ARRAY: return "START_ARRAY";
    case dom::element_type::OBJECT: return "START_OBJECT";
    case dom::element_type::STRING: return "VALUE_STRING";
    case dom::element_type::BOOL: return "VALUE_BOOLEAN";
    case dom::element_type::NULL_VALUE: return "VALUE_NULL";
    default: return "VALUE_NUMBER";
  }
}

// The engine parses with duplicate detection on; a body it would refuse is
// refused here, before a window request is spent on it.
std::optional<std::string_view> findDuplicateKey(dom::element e) {
  if (dom::array arr; !e.get(arr)) {
    for (dom::element child : arr) {
      if (auto dup = findDuplicateKey(child)) return dup;
    }
    return std::nullopt;
  }
  dom::object obj;
  if (e.get(obj)) return std::nullopt;
  std::vector<std::string_view> keys;
  keys.reserve(obj.size());
  for (auto [key, value] : obj) {
    keys.push_back(key);
    if (auto dup = findDuplicateKey(value)) return dup;
  }
  std::sort(keys.begin(), keys.end());
  auto it = std::adjacent_find(keys.begin(), keys.end());
  if (it != keys.end()) return *it;
  return std::nullopt;
}

// `from`/`size` in the body: the engine takes integers, numeric strings, and
// floats (truncated).
std::expected<int, RequestError> readBodyInt(std::string_view name, dom::element v) {
  if (int64_t i = 0; !v.get(i)) return checkedInt(name, static_cast<long double>(i));
  if (uint64_t u = 0; !v.get(u)) return checkedInt(name, static_cast<long double>(u));
  if (double d = 0; !v.get(d)) return checkedInt(name, std::trunc(static_cast<long double>(d)));
  if (std::string_view s; !v.get(s)) {
    if (auto i = parseInteger(s)) return checkedInt(name, static_cast<long double>(*i));
    return fail("parsing_exception",
                "[" + std::string(name) + "] must be an integer, found [" + std::string(s) + "]");
  }
  return fail("parsing_exception", "[" + std::string(name) + "] must be an integer, found [" +
                                       std::string(tokenName(v.type())) + "]");
}

std::expected<int, RequestError> readUrlInt(const QueryParam& p) {
  auto i = parseInteger(p.value);
  if (!i) {
    return fail("illegal_argument_exception",
                "Failed to parse int parameter [" + p.name + "] with value [" + p.value + "]");
  }
  return checkedInt(p.name, static_cast<long double>(*i));
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) {
    return (x >= 'A' && x <= 'Z' ? x + 32 : x) == (y >= 'A' && y <= 'Z' ? y + 32 : y);
  });
}

// The engine drops a sort that is only `_score` descending: the hits come in
// relevance order with no `sort` values, which is what reranking replaces.
bool isRelevanceSort(dom::element sort) {
  dom::array arr;
  if (!sort.get(arr)) {
    if (arr.size() == 0) return true;
    return arr.size() == 1 && isScoreDescending(arr.at(0).value_unsafe());
  }
  return isScoreDescending(sort);
}

bool isRelevanceUrlSort(std::string_view value) {
  return value == "_score" || value == "_score:desc";
}

std::expected<RerankIds, RequestError> readRerankExt(dom::element v,
                                                     const config::StorefrontConfig& sf) {
  dom::object obj;
  if (v.get(obj)) {
    return fail("parsing_exception",
                "[ext.rerank] must be an object, found [" + std::string(tokenName(v.type())) + "]");
  }
  RerankIds ids;
  using Kind = config::IdSource::Kind;
  for (auto [key, value] : obj) {
    if (sf.user_id.kind == Kind::kBody && key == sf.user_id.name) {
      if (auto r = readId("ext.rerank." + std::string(key), value, ids.user_id); !r) {
        return std::unexpected(r.error());
      }
    }
    if (sf.session_id.kind == Kind::kBody && key == sf.session_id.name) {
      if (auto r = readId("ext.rerank." + std::string(key), value, ids.session_id); !r) {
        return std::unexpected(r.error());
      }
    }
    if (key == "opt_out" && value.get(ids.opt_out)) {
      return fail("parsing_exception", "[ext.rerank.opt_out] must be a boolean, found [" +
                                           std::string(tokenName(value.type())) + "]");
    }
  }
  return ids;
}

// True when a `docvalue_fields` entry (a name or pattern, or
// `{"field": ..., "format": ...}`) fetches `field`.
bool entryFetches(dom::element entry, std::string_view field) {
  std::string_view name;
  if (entry.get(name)) {
    dom::object obj;
    if (entry.get(obj) || obj["field"].get(name)) return false;
  }
  return config::matchesIndexPattern(name, field);
}

// Reasons can quote URL parameters, which are percent-decoded bytes: any
// invalid UTF-8 in them becomes U+FFFD so the error body stays valid JSON.
std::string validUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    unsigned min = 0;
    if (c < 0x80) {
      len = 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
      len = 2, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4, min = 0x10000;
    }
    bool ok = len > 0 && i + len <= s.size();
    unsigned cp = len <= 1 ? c : c & (0x3Fu >> (len - 1));
    for (std::size_t k = 1; ok && k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      ok = (cc & 0xC0) == 0x80;
      cp = (cp << 6) | (cc & 0x3F);
    }
    ok = ok && cp >= min && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
    if (ok) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

}  // namespace rr::rerank::detail

#include "rerank/detail/json_scan.h"

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <functional>

namespace rr::rerank::detail {
namespace {

constexpr std::size_t kFail = std::string_view::npos;

bool isBlank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::size_t skipBlanks(std::string_view s, std::size_t i) {
  while (i < s.size() && isBlank(s[i])) ++i;
  return i;
}

// `s[i]` is the opening quote; returns the index after the closing one.
// memchr finds each candidate quote; one preceded by an odd run of
// backslashes is escaped. Strings are most of a search response's bytes.
std::size_t skipString(std::string_view s, std::size_t i) {
  ++i;
  while (i < s.size()) {
    const void* hit = std::memchr(s.data() + i, '"', s.size() - i);
    if (hit == nullptr) return kFail;
    const auto q = static_cast<std::size_t>(static_cast<const char*>(hit) - s.data());
    std::size_t backslashes = 0;
    while (q - backslashes > i && s[q - backslashes - 1] == '\\') ++backslashes;
    if (backslashes % 2 == 0) return q + 1;
    i = q + 1;
  }
  return kFail;
}

// Values of `s` known to be whole (see scanObject), met in text order.
class KnownValues {
 public:
  KnownValues(std::string_view s, std::span<const std::string_view> known) {
    const std::less<const char*> before;
    const char* end = s.data() + s.size();
    if (!known.empty()) inside_.reserve(known.size());
    for (std::string_view v : known) {
      // Only views inside `s` (pointers into other buffers compare through
      // std::less, which orders any two).
      if (!v.empty() && !before(v.data(), s.data()) && !before(end, v.data() + v.size())) {
        inside_.push_back(v);
      }
    }
  }
  // When a known value starts at s[i]: the index after it; else kFail.
  std::size_t endAt(std::string_view s, std::size_t i) {
    const char* at = s.data() + i;
    const std::less<const char*> before;
    while (next_ < inside_.size() && before(inside_[next_].data(), at)) ++next_;
    if (next_ < inside_.size() && inside_[next_].data() == at) {
      return i + inside_[next_++].size();
    }
    return kFail;
  }

 private:
  std::vector<std::string_view> inside_;
  std::size_t next_ = 0;
};

// Returns the index after the value that starts at `i`. Containers are
// skipped by counting brackets outside strings: the text was validated.
std::size_t skipValue(std::string_view s, std::size_t i, KnownValues& known) {
  if (i >= s.size()) return kFail;
  const char c = s[i];
  if (c == '"') return skipString(s, i);
  if (c == '{' || c == '[') {
    if (const std::size_t end = known.endAt(s, i); end != kFail) return end;
    std::size_t depth = 0;
    while (i < s.size()) {
      const char d = s[i];
      if (d == '"') {
        i = skipString(s, i);
        if (i == kFail) return kFail;
        continue;
      }
      if (d == '{' && depth > 0) {
        // A known value inside this container: over it in one step.
        if (const std::size_t end = known.endAt(s, i); end != kFail) {
          i = end;
          continue;
        }
      }
      if (d == '{' || d == '[') {
        ++depth;
      } else if (d == '}' || d == ']') {
        if (--depth == 0) return i + 1;
      }
      ++i;
    }
    return kFail;
  }
  // A number or literal runs to the next delimiter.
  const std::size_t start = i;
  while (i < s.size() && !isBlank(s[i]) && s[i] != ',' && s[i] != '}' && s[i] != ']') ++i;
  return i == start ? kFail : i;
}

// Walks `open` ... `close`: `read_one` reads one member at `i` and returns
// the index after it; separators and the gaps inside the brackets are kept.
template <typename ReadOne>
bool scanContainer(std::string_view text, char open, char close, std::string_view& open_gap,
                   std::string_view& close_gap, std::vector<std::string_view>& separators,
                   ReadOne read_one) {
  std::size_t i = skipBlanks(text, 0);
  if (i >= text.size() || text[i] != open) return false;
  ++i;
  const std::size_t first = skipBlanks(text, i);
  open_gap = text.substr(i, first - i);
  i = first;
  if (i < text.size() && text[i] == close) {
    close_gap = {};
    return skipBlanks(text, i + 1) == text.size();
  }
  std::size_t sep_begin = i;
  while (true) {
    separators.push_back(text.substr(sep_begin, i - sep_begin));
    const std::size_t end = read_one(i);
    if (end == kFail) return false;
    const std::size_t next = skipBlanks(text, end);
    if (next >= text.size()) return false;
    if (text[next] == close) {
      close_gap = text.substr(end, next - end);
      return skipBlanks(text, next + 1) == text.size();
    }
    if (text[next] != ',') return false;
    sep_begin = end;
    i = skipBlanks(text, next + 1);
  }
}

}  // namespace

bool scanObject(std::string_view text, ObjectLayout& out,
                std::span<const std::string_view> known_values) {
  // Cleared, not replaced: a reused layout keeps its capacity, and a new
  // one starts with room for a typical hit's members (one allocation each).
  out.open_gap = out.close_gap = {};
  out.members.clear();
  out.separators.clear();
  out.members.reserve(16);
  out.separators.reserve(16);
  KnownValues known(text, known_values);
  return scanContainer(text, '{', '}', out.open_gap, out.close_gap, out.separators,
                       [&](std::size_t i) -> std::size_t {
                         if (i >= text.size() || text[i] != '"') return kFail;
                         const std::size_t key_end = skipString(text, i);
                         if (key_end == kFail) return kFail;
                         std::size_t j = skipBlanks(text, key_end);
                         if (j >= text.size() || text[j] != ':') return kFail;
                         j = skipBlanks(text, j + 1);
                         const std::size_t value_end = skipValue(text, j, known);
                         if (value_end == kFail) return kFail;
                         out.members.push_back(Member{
                             .key = text.substr(i + 1, key_end - i - 2),
                             .text = text.substr(i, value_end - i),
                             .value = text.substr(j, value_end - j),
                         });
                         return value_end;
                       });
}

void writeObject(std::string& out, const ObjectLayout& layout,
                 std::span<const std::optional<std::string_view>> replacement,
                 std::string_view appended) {
  out.push_back('{');
  bool any = false;
  for (std::size_t i = 0; i < layout.members.size(); ++i) {
    std::string_view text = layout.members[i].text;
    if (i < replacement.size() && replacement[i]) text = *replacement[i];
    if (text.empty()) continue;
    // The first kept member keeps the opening whitespace; later ones the
    // separator that preceded them in the source.
    out += any ? layout.separators[i] : layout.open_gap;
    out += text;
    any = true;
  }
  if (!appended.empty()) {
    if (any) out.push_back(',');
    out += appended;
    any = true;
  }
  if (any) out += layout.close_gap;
  out.push_back('}');
}

void appendDouble(std::string& out, double d) {
  if (!std::isfinite(d)) d = 0;
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, d);
  const std::string_view text(buf, static_cast<std::size_t>(r.ptr - buf));
  out += text;
  if (text.find_first_of(".eE") == std::string_view::npos) out += ".0";
}

void appendFloat(std::string& out, float f) {
  if (!std::isfinite(f)) {
    out += "null";
    return;
  }
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, f);
  const std::string_view text(buf, static_cast<std::size_t>(r.ptr - buf));
  out += text;
  if (text.find_first_of(".eE") == std::string_view::npos) out += ".0";
}

}  // namespace rr::rerank::detail

// Helpers shared by the connector unit tests: reading the recorded fixtures
// and locating JSON objects in their text without a JSON library, so the
// expectations do not depend on the parser under test.
#pragma once

#include <catch2/catch.hpp>

#include <cstddef>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "connectors/error.h"

// Failed checks on codes print their names, not their numbers.
namespace Catch {
template <>
struct StringMaker<rr::connectors::ErrorCode> {
  static std::string convert(rr::connectors::ErrorCode code) {
    return std::string(rr::connectors::toString(code));
  }
};
template <>
struct StringMaker<rr::connectors::TransportCause> {
  static std::string convert(rr::connectors::TransportCause cause) {
    return std::string(rr::connectors::toString(cause));
  }
};
}  // namespace Catch

namespace rr::unit {

inline std::string fixturePath(std::string_view name) {
  return std::string(RR_SOURCE_DIR "/tests/fixtures/connectors/") +
         std::string(name);
}

// The fixture's bytes, exactly as stored. Throws (a test failure in Catch)
// when the file is missing, so a renamed fixture cannot pass silently.
inline std::string readFixture(std::string_view name) {
  std::ifstream in(fixturePath(name), std::ios::binary | std::ios::ate);
  if (!in) throw std::runtime_error("cannot open fixture " + fixturePath(name));
  const std::streamoff size = in.tellg();
  if (size <= 0) throw std::runtime_error("empty fixture " + fixturePath(name));
  std::string text(static_cast<std::size_t>(size), '\0');
  in.seekg(0);
  if (!in.read(text.data(), size)) {
    throw std::runtime_error("cannot read fixture " + fixturePath(name));
  }
  return text;
}

// Index of the '}' or ']' closing the container opened at `open`, skipping
// over strings (and escapes inside them); npos when it never closes.
inline std::size_t matchingClose(std::string_view text, std::size_t open) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = open; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) return i;
    }
  }
  return std::string_view::npos;
}

// Where a located slice starts in the text, and the slice itself.
struct Located {
  std::size_t offset = std::string_view::npos;
  std::string_view text;
};

inline Located containerAt(std::string_view text, std::size_t open) {
  const std::size_t close = matchingClose(text, open);
  if (open >= text.size() || close == std::string_view::npos) {
    throw std::runtime_error("no container at offset " + std::to_string(open));
  }
  return {open, text.substr(open, close - open + 1)};
}

// The hit object enclosing the n-th (0-based) `"_id"` key found after `from`.
// Every fixture writes `_index` then `_id` first, with no brace in between.
inline Located nthHitObject(std::string_view text, std::size_t n,
                            std::size_t from = 0) {
  std::size_t pos = from;
  for (std::size_t k = 0;; ++k) {
    pos = text.find("\"_id\"", pos);
    if (pos == std::string_view::npos) {
      throw std::runtime_error("fewer than " + std::to_string(n + 1) + " hits");
    }
    if (k == n) break;
    ++pos;
  }
  return containerAt(text, text.rfind('{', pos));
}

// The value container (object or array) of the first `"key"` at or after
// `from`, e.g. the `_source` object of a hit.
inline Located valueOf(std::string_view text, std::string_view key,
                       std::size_t from = 0) {
  const std::string quoted = "\"" + std::string(key) + "\"";
  const std::size_t at = text.find(quoted, from);
  if (at == std::string_view::npos) {
    throw std::runtime_error("key " + quoted + " not found");
  }
  const std::size_t open = text.find_first_of("{[", at + quoted.size());
  return containerAt(text, open);
}

// Offset of `inner` inside `outer`, or npos when `inner` does not point into
// `outer`'s bytes (a view that is a copy, or dangling).
inline std::size_t offsetIn(std::string_view outer, std::string_view inner) {
  const char* b = outer.data();
  const char* e = outer.data() + outer.size();
  const char* p = inner.data();
  if (p == nullptr || p < b || p + inner.size() > e) return std::string_view::npos;
  return static_cast<std::size_t>(p - b);
}

}  // namespace rr::unit

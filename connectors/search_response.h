// A parsed `_search` response whose strings are slices of the engine's bytes.
//
// Nothing is re-serialized: every hit keeps its whole JSON object (`raw`) and
// its `_source` object exactly as the engine wrote them, so a proxy can write
// them back byte for byte. The slices stay valid for as long as any copy of
// the response (or of a Hit's owner) is alive: the bytes live in a shared,
// immutable buffer.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/error.h"

namespace rr::connectors {

// The most `_source` members a search response parse reads of every hit.
inline constexpr std::size_t kMaxSourceKeys = 4;

// Owns the bytes every view in a parsed response points into.
struct ResponseBuffer {
  std::string body;                  // capacity >= size + 64 (parse padding)
  std::deque<std::string> unescaped;  // strings that had JSON escapes
};

struct Hit {
  std::string_view index;      // `_index`
  std::string_view id;         // `_id`
  std::optional<double> score;  // `_score`; empty when null (field sorts)
  std::string_view raw;        // the whole hit object, `{` to `}`
  std::string_view source;     // the `_source` object; empty when absent
  std::string_view sort;       // the `sort` array; empty when absent
  std::string_view fields;     // the `fields` object (docvalue_fields etc.)
  std::optional<int64_t> seq_no;        // `_seq_no`, when asked for
  std::optional<int64_t> primary_term;  // `_primary_term`, when asked for

  // Top-level `_source` members read in the parse pass, when the caller
  // named them (parseSearchResponse's `source_keys`), in the order named.
  // `source_read` is false when none were named, or when one of them holds
  // an array or an object: then read `source` itself.
  enum class SourceKind : uint8_t {
    kNone,     // absent, null or a boolean: no text
    kString,   // the unescaped string
    kInteger,  // an integer token as written: -?(0|[1-9][0-9]*), at most 18 digits, not -0
    kNumber,   // any other number token as written
  };
  std::array<std::string_view, kMaxSourceKeys> source_values{};
  std::array<SourceKind, kMaxSourceKeys> source_kinds{};
  bool source_read = false;
};

struct SearchResult {
  int64_t took = 0;
  bool timed_out = false;
  std::optional<uint64_t> total;     // `hits.total(.value)`; absent if untracked
  std::string_view total_relation;   // "eq" / "gte"; empty for integer totals
  std::optional<double> max_score;   // null when sorting by a field
  std::vector<Hit> hits;
  std::string_view shards;        // `_shards` object
  std::string_view aggregations;  // `aggregations` object, empty when absent
  std::string_view scroll_id;     // `_scroll_id`, when scrolling
  std::string_view pit_id;        // `pit_id`, when searching a PIT
  std::string_view raw;           // the whole response object
  int status = 200;               // per-item status inside `_msearch`
};

// A `_search` response together with the buffer its views point into.
struct SearchResponse : SearchResult {
  std::shared_ptr<const ResponseBuffer> buffer;
};

// Parses a `_search` (or scroll) response body. Errors: kBadResponse with the
// JSON path that was wrong, e.g. "hits.hits[3]._score: expected a number".
// A body that is an engine error object is reported as kEngineError.
//
// `source_keys` (at most kMaxSourceKeys; empty ones are ignored) names
// top-level `_source` members to read of every hit in the same pass, into
// Hit::source_values: a caller that needs a few fields of each hit does not
// parse every `_source` again.
Result<SearchResponse> parseSearchResponse(std::string body,
                                           std::span<const std::string_view> source_keys = {});

// A `_msearch` response: one entry per search, in request order. Each entry is
// a SearchResult or the engine's error for that search (kEngineError with its
// status, type and reason).
struct MsearchResponse {
  int64_t took = 0;
  std::vector<Result<SearchResult>> responses;
  std::shared_ptr<const ResponseBuffer> buffer;
};

Result<MsearchResponse> parseMsearchResponse(std::string body);

}  // namespace rr::connectors

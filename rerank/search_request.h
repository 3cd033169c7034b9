// Analyzing and rewriting a client's `_search` for the rerank path. Pure:
// no I/O, no shared state; every function is thread-safe.
//
// planSearch decides whether a search is reranked and, when it is, rewrites
// it to fetch the candidate window: `from: 0`, `size: <window>`, the item
// vector fields added to `docvalue_fields`, and rerankd's own `ext.rerank`
// and `rerank_explain` removed. Every other top-level member of the body is
// forwarded byte for byte, in its original order, with its whitespace.
#pragma once

#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace rr::rerank {

struct SearchInput {
  std::string_view body;  // may be empty (a GET without a body)
  std::string_view
      query;  // the URL query string without '?', e.g. "from=10&size=5&rerank_explain=true"
  // The client's Accept header: YAML, CBOR or Smile there is passed through
  // with reason "format", as `?format=yaml` is.
  std::string_view accept = {};
};

// User and session ids (and the opt-out) read from `ext.rerank` in the body.
// Only the ids whose configured source is IdSource::kBody are read, under
// their configured key; `opt_out` is always read.
struct RerankIds {
  std::string user_id, session_id;
  bool opt_out = false;
};

// Why a search is passed through instead of reranked.
enum class PassReason {
  kNone,          // reranked
  kDisabled,      // the storefront is disabled
  kMalformed,     // a member the engine must judge (e.g. docvalue_fields not an array)
  kScroll,        // `scroll` query parameter
  kPit,           // `pit` in the body
  kSearchAfter,   // `search_after` in the body
  kSorted,        // `sort` (body or URL) by anything but `_score` descending
  kCollapse,      // `collapse` in the body
  kRescore,       // `rescore` in the body
  kNoIds,         // `stored_fields: _none_` (body or URL): hits without `_id`
  kFilterPath,    // `filter_path`: the engine trims the response to a shape we cannot rebuild
  kFormat,        // `format` other than json: the response is not JSON
  kSizeZero,      // size 0
  kBeyondWindow,  // from + size > window
  kOptOut,        // `ext.rerank.opt_out: true`
};

// "none", "disabled", "malformed", "scroll", "pit", "search_after", "sorted",
// "collapse", "rescore", "no_ids", "filter_path", "format", "size_0", "beyond_window",
// "opt_out": the names used in headers and metrics.
std::string_view toString(PassReason reason);

struct SearchPlan {
  bool rerank = false;  // false: pass through (see upstream_body)
  PassReason reason = PassReason::kNone;
  std::string pass_reason;  // toString(reason) when !rerank, else empty
  int from = 0, size = 10;  // the page the client asked for (engine defaults 0/10)
  bool explain = false;     // query parameter `rerank_explain` (true or empty)
  RerankIds ids_from_body;  // from `ext.rerank`
  // What to send to the engine, in both cases. When reranking: the window
  // request. When passing through: the client's own body and query, except
  // that `ext.rerank` and `rerank_explain` (rerankd's, which the engine
  // rejects) are removed; byte-identical to the client's when it had
  // neither. An empty client body stays empty.
  std::string upstream_body;
  std::string upstream_query;  // without from/size (rerank) and rerank_explain
  // True when the client itself fetched a vector field (listed it, or a
  // pattern matching it, in its own `docvalue_fields`).
  bool client_asked_vector = false;
  // The vector fields the window request adds that the client did not ask
  // for: pass them as ResponseParts::strip_fields. Empty when passing.
  std::vector<std::string> strip_fields;
};

// An error for the client: invalid input, answered with `status` and
// errorBody() without asking the engine. `type` is the engine's own name for
// the problem ("json_parse_exception" for bad JSON, duplicate keys or invalid
// UTF-8; "parsing_exception" for a body that is not an object or a member of
// the wrong type; "illegal_argument_exception" for negative or unparsable
// values); `reason` names the field.
struct RequestError {
  int status = 400;
  std::string type;
  std::string reason;
};

// Decides and rewrites one search. `vector_fields` are the docvalue fields
// the scorer reads (the active model version's vector and meta fields); they
// are added to the window request. Errors (all status 400):
//  - body not JSON, invalid UTF-8, nesting deeper than 1024, a duplicate key
//    in any object                                  -> json_parse_exception
//  - body not an object; from/size not a number (or numeric string) or out
//    of int range; ext.rerank not an object; ext.rerank ids not strings or
//    integers; opt_out not a boolean               -> parsing_exception
//  - from/size negative, from/size/rerank_explain in the URL unparsable
//                                                   -> illegal_argument_exception
// Pass reasons are checked in the order of PassReason; the first one wins.
std::expected<SearchPlan, RequestError> planSearch(const SearchInput& input,
                                                   const config::StorefrontConfig& storefront,
                                                   std::span<const std::string> vector_fields);

// The engine-shaped error body:
// {"error":{"root_cause":[{"type":..,"reason":..}],"type":..,"reason":..},"status":N}
std::string errorBody(const RequestError& error);

}  // namespace rr::rerank

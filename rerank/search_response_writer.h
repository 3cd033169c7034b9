// Writing the client's `_search` response from the engine's answer to the
// window request. Pure: no I/O, no shared state; thread-safe.
//
// The output is what the engine would have sent for the client's own
// request: every top-level member in the engine's order and bytes (`_shards`,
// `timed_out`, `hits.total`, `aggregations`, `_scroll_id`, `suggest`, ...)
// and each hit's own object as the engine wrote it, except:
//  - `took`: the engine's plus extra_took_ms;
//  - `hits.hits`: the page [from, from + size) of the window in the new
//    order (empty when the page starts past the end);
//  - each hit's `_score` (writeSearchResponse only) and `fields` (the
//    strip_fields entries removed; `fields` dropped when nothing is left);
//  - `hits.max_score` (writeSearchResponse only): the reranked window's top
//    score, null when the window is empty; left out when the engine left it out;
//  - with explain, an extra `_rerank` member at the end of each hit.
// Whitespace between members is kept (a `?pretty` response stays pretty).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "connectors/search_response.h"

namespace rr::rerank {

// One window hit in the new order, best first.
struct RankedHit {
  std::size_t window_index;  // index into window->hits
  double score;              // the new `_score`
};

// The model's view of one hit for `rerank_explain`.
struct HitExplain {
  std::vector<std::pair<std::string, float>> features, contributions;
};

struct ResponseParts {
  // The engine's answer to the window request (a SearchResponse, or one
  // `_msearch` item); its buffer must outlive the call. Required.
  const connectors::SearchResult* window = nullptr;
  // The whole window reordered. Indices out of range and repeats (after the
  // first) are ignored. Scores should be non-increasing; the writer enforces
  // it over the whole order (a score above its predecessor's, or NaN, is
  // written as the predecessor's; infinities are clamped), so `_score` never
  // rises down a page and pages of the same order agree.
  std::span<const RankedHit> order;
  int from = 0, size = 10;    // the client's page; negative values read as 0
  int64_t extra_took_ms = 0;  // rerankd's own time, added to `took`
  // Removed from each hit's `fields` (the vector fields the client did not
  // ask for: SearchPlan::strip_fields).
  std::span<const std::string> strip_fields;
  // Empty (no explain), or one per `order` entry, same order. Each hit then
  // gets "_rerank":{"rank":r,"engine_rank":e,"features":{..},"contributions":{..}}
  // with 1-based ranks in the new and the engine's order.
  // A shorter span explains the first entries only; the other hits get no
  // `_rerank` member.
  std::span<const HitExplain> explain;
};

// The reranked page. Never fails: a window whose text cannot be rescanned
// (not the case for anything parseSearchResponse accepted) is returned as is.
std::string writeSearchResponse(const ResponseParts& parts);

// Fail open: the engine's own order cut to the client's page, `_score` and
// `max_score` as the engine wrote them; `took` and `fields` as above.
// `order` and `explain` are ignored.
std::string writeEngineOrderPage(const ResponseParts& parts);

}  // namespace rr::rerank

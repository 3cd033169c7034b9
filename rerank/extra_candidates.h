// Extra candidates: the items nearest the model's query vector, found with
// the engine's k-NN search, that the shopper's own query may have missed
// (typos, abbreviations, other words for the same thing). Pure: builds the
// request body; rerank_service sends it and merges the hits.
//
// The nearest-neighbour search keeps the client's filters: the `filter` and
// `must_not` clauses of a top-level `bool` query and the `post_filter` go into
// the k-NN query's own `filter`, so an extra candidate always satisfies them.
// Scoring clauses (`must`, `should`, a bare `match`...) are what the vector
// replaces and are not kept. Filters nested deeper (a `bool` inside `must`,
// `constant_score`, `function_score`) are not recognized: such a query gets
// no extra candidates at all, rather than candidates that might break them.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace rr::rerank {

// The `_search` body for the `k` items nearest `vector` in `knn_field`, from
// the window request's body (`window_body`, as planSearch wrote it: it
// carries the client's `_source`, `docvalue_fields`, `stored_fields`,
// `fields`, `version` and `seq_no_primary_term`, which are copied so the extra
// hits have the same shape as the window's). Nullopt when the query's filters
// cannot be kept (see above) or the body cannot be read.
std::optional<std::string> knnRequestBody(std::string_view window_body,
                                          std::string_view knn_field,
                                          std::span<const float> vector, int k);

}  // namespace rr::rerank

// Extra candidates: the items nearest the model's query vector, found with
// the engine's k-NN search, that the shopper's own query may have missed
// (typos, abbreviations, other words for the same thing), and the items
// shoppers clicked for the same query in the training log (the model file's
// lists), which training adds to every search as well. Pure: builds the
// request bodies; rerank_service sends them and merges the hits.
//
// Both searches keep the client's filters: the `filter` and
// `must_not` clauses of a top-level `bool` query and the `post_filter` go into
// the extra query's own filter, so an extra candidate always satisfies them.
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

// The `_search` body for the items `ids` (the model's list of items clicked
// for this query in training), under the same client filters and with the
// same hit shape. `id_field` is the storefront's id field: "_id" (or empty)
// matches document ids, any other field a `terms` query on it. Nullopt as
// above, or when `ids` is empty.
std::optional<std::string> clickedRequestBody(std::string_view window_body,
                                              std::string_view id_field,
                                              std::span<const std::string> ids);

}  // namespace rr::rerank

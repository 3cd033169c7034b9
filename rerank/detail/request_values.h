// Readers of the request members planSearch looks at: the engine's rules for
// from/size, sorts, docvalue_fields entries and rerankd's own ext.rerank.
// Internal to rerank/ (simdjson types in the signatures: include only from
// rerank/'s own .cc files, which all link the same simdjson::simdjson).
#pragma once

#include <simdjson.h>

#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"
#include "rerank/detail/url_query.h"
#include "rerank/search_request.h"

namespace rr::rerank::detail {

// A 400 of `type` with `reason`.
std::unexpected<RequestError> fail(std::string type, std::string reason);

// The engine's token name for a value's type ("START_ARRAY", "VALUE_NULL"...).
std::string_view tokenName(simdjson::dom::element_type type);

// The first key that appears twice in one object anywhere in `e`.
std::optional<std::string_view> findDuplicateKey(simdjson::dom::element e);

// `from`/`size` in the body: integers, numeric strings and floats
// (truncated), as the engine coerces them; >= 0 and within int.
std::expected<int, RequestError> readBodyInt(std::string_view name, simdjson::dom::element v);
// The same in the URL: an integer, else the engine's "Failed to parse int
// parameter" error.
std::expected<int, RequestError> readUrlInt(const QueryParam& p);

bool equalsIgnoreCase(std::string_view a, std::string_view b);

// True for a body `sort` that is only `_score` descending (or empty): the
// engine drops such a sort and returns relevance order without `sort` values.
bool isRelevanceSort(simdjson::dom::element sort);
// The same for the URL's `sort` parameter.
bool isRelevanceUrlSort(std::string_view value);

// `ext.rerank`: the ids under the storefront's configured body keys, and
// `opt_out`.
std::expected<RerankIds, RequestError> readRerankExt(simdjson::dom::element v,
                                                     const config::StorefrontConfig& sf);

// True when a `docvalue_fields` entry (a name or pattern, or
// `{"field": ..., "format": ...}`) fetches `field`.
bool entryFetches(simdjson::dom::element entry, std::string_view field);

// `s` with every byte that is not part of valid UTF-8 replaced by U+FFFD.
std::string validUtf8(std::string_view s);

}  // namespace rr::rerank::detail

// Small pure helpers of the rerank path: who the shopper is (header, cookie
// or `ext.rerank`), what they typed (the query text inside the search DSL),
// and the item text of a hit (through the storefront's field map).
#pragma once

#include <string>
#include <string_view>

#include "config/config.h"
#include "rerank/http_types.h"
#include "scoring/model.h"

namespace rr::rerank {

// The id from a header or a cookie, per `source` (kBody ids come from the
// search plan; this returns "" for them).
std::string idFromRequest(const Request& request, const config::IdSource& source);

// The text the shopper searched for: the string values of `query` keys
// (match, multi_match, query_string, ...) and the direct string values under
// match / match_phrase / match_phrase_prefix / match_bool_prefix, in order,
// joined by spaces, from the body's top-level `query`. Filters (term, range)
// are not query text. "" when there is none or the body is not JSON.
std::string queryText(std::string_view body);

// The item text of one hit: `_id` (or the id field), title, description,
// brand, category, price through `fields`. Missing fields stay empty.
scoring::ItemText hitText(std::string_view id, std::string_view source,
                          const config::FieldMap& fields);

// The same into `out`, reusing its strings' memory (the rerank path fills
// one per candidate of every search). Without `with_text`, title and
// description are left empty: a candidate whose vector came from the index
// needs only its id, brand, category and price.
void readHitText(std::string_view id, std::string_view source, const config::FieldMap& fields,
                 bool with_text, scoring::ItemText& out);

}  // namespace rr::rerank

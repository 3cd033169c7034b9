// Small pure helpers of the rerank path: who the shopper is (header, cookie
// or `ext.rerank`), what they typed (the query text inside the search DSL),
// and the item text of a hit (through the storefront's field map).
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "connectors/search_response.h"
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

// The `_source` members readHitText needs when a candidate has its vector
// (id field, brand, category, price), for parseSearchResponse to read in its
// pass; all empty when one of them is a dotted path (read from `_source`).
std::array<std::string_view, connectors::kMaxSourceKeys> hitSourceKeys(
    const config::FieldMap& fields);

// readHitText for a hit parsed with hitSourceKeys(fields): from the members
// the parse read when it could (no `with_text`, `hit.source_read`, every
// value a string or integer where text is wanted), else from `_source`.
// The same ItemText either way.
void readHitText(const connectors::Hit& hit, const config::FieldMap& fields, bool with_text,
                 scoring::ItemText& out);

// The vector in a hit's `fields` object (the window asks for it as a doc
// value): ["<base64>"] under `key`, the field name in quotes. False when
// it is missing or not base64 of whole floats.
bool hitVector(std::string_view fields_json, std::string_view key, std::vector<float>& out);

}  // namespace rr::rerank

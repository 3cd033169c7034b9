// The URL query string of a request, split into parameters that keep their
// original bytes (for forwarding) next to their decoded name and value (for
// reading). Internal to rerank/.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace rr::rerank::detail {

struct QueryParam {
  std::string_view raw;  // `name=value` as received
  std::string name;      // percent-decoded, '+' read as a space
  std::string value;     // decoded; empty for `name` and `name=`
  bool has_value = false;
};

// Splits on '&'; empty segments are dropped. Never fails: a malformed
// escape (`%zz`, a cut `%4`) is kept as written, as the engine would reject
// the parameter itself if it mattered.
std::vector<QueryParam> parseQuery(std::string_view query);

// The last parameter called `name` (the engine keeps the last of repeats),
// or nullptr.
const QueryParam* findParam(const std::vector<QueryParam>& params, std::string_view name);

// Whether an Accept header asks for a format rerankd neither reads nor
// writes (YAML, CBOR, Smile): such a search is passed through as it is, as
// one with `?format=yaml` is.
bool wantsOtherFormat(std::string_view accept);

}  // namespace rr::rerank::detail

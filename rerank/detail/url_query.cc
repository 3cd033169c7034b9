#include "rerank/detail/url_query.h"

#include <algorithm>
#include <cctype>

#include "connectors/percent_encoding.h"

namespace rr::rerank::detail {

std::vector<QueryParam> parseQuery(std::string_view query) {
  if (!query.empty() && query.front() == '?') query.remove_prefix(1);
  std::vector<QueryParam> params;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view segment = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (segment.empty()) continue;
    QueryParam p;
    p.raw = segment;
    const std::size_t eq = segment.find('=');
    p.name = connectors::percentDecodeQuery(segment.substr(0, eq));
    if (eq != std::string_view::npos) {
      p.value = connectors::percentDecodeQuery(segment.substr(eq + 1));
      p.has_value = true;
    }
    params.push_back(std::move(p));
  }
  return params;
}

const QueryParam* findParam(const std::vector<QueryParam>& params, std::string_view name) {
  const QueryParam* found = nullptr;
  for (const auto& p : params) {
    if (p.name == name) found = &p;
  }
  return found;
}

bool wantsOtherFormat(std::string_view accept) {
  // Case-insensitive, without a lowered copy: every search reads it.
  const auto contains = [&](std::string_view word) {
    return std::search(accept.begin(), accept.end(), word.begin(), word.end(),
                       [](char a, char b) {
                         return std::tolower(static_cast<unsigned char>(a)) == b;
                       }) != accept.end();
  };
  return contains("yaml") || contains("cbor") || contains("smile");
}

}  // namespace rr::rerank::detail

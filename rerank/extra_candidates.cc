#include "rerank/extra_candidates.h"

#include <simdjson.h>

#include <array>
#include <vector>

#include "connectors/json_writer.h"
#include "rerank/detail/json_scan.h"

namespace rr::rerank {
namespace {

namespace dom = simdjson::dom;

// Query types that only score text: the vector search stands in for them.
constexpr std::array<std::string_view, 9> kTextQueries = {
    "match",          "multi_match",         "match_phrase",       "match_phrase_prefix",
    "match_bool_prefix", "combined_fields",  "query_string",       "simple_query_string",
    "match_all"};

bool isTextQuery(dom::element clause) {
  dom::object obj;
  if (clause.get(obj) || obj.size() != 1) return false;
  for (auto field : obj) {
    for (auto t : kTextQueries) {
      if (field.key == t) return true;
    }
  }
  return false;
}

// Every clause under a `must` / `should` (an object or an array of them) is a
// text query.
bool allText(dom::element value) {
  if (value.is_array()) {
    for (auto c : dom::array(value)) {
      if (!isTextQuery(c)) return false;
    }
    return true;
  }
  return isTextQuery(value);
}

// The JSON of the filter the k-NN query must keep: a `bool` of the query's
// own filter clauses and the post filter; "" when there is none. Nullopt when
// the query restricts hits in a way this does not recognize.
std::optional<std::string> clientFilter(dom::object body) {
  std::vector<std::string> filters, must_not;
  dom::element query;
  if (!body.at_key("query").get(query)) {
    dom::object q;
    if (query.get(q) || q.size() != 1) return std::nullopt;
    dom::element b;
    if (!q.at_key("bool").get(b)) {
      dom::object bq;
      if (b.get(bq)) return std::nullopt;
      for (auto member : bq) {
        const std::string_view key = member.key;
        if (key == "must" || key == "should") {
          if (!allText(member.value)) return std::nullopt;
        } else if (key == "filter") {
          filters.push_back(simdjson::minify(member.value));
        } else if (key == "must_not") {
          must_not.push_back(simdjson::minify(member.value));
        } else if (key != "minimum_should_match" && key != "boost" && key != "_name" &&
                   key != "adjust_pure_negative") {
          return std::nullopt;
        }
      }
    } else if (!isTextQuery(query)) {
      return std::nullopt;
    }
  }
  dom::element post;
  if (!body.at_key("post_filter").get(post)) filters.push_back(simdjson::minify(post));
  if (filters.empty() && must_not.empty()) return std::string();
  // One filter list; each kept value (a clause or an array of them) in a
  // bool of its own, so arrays never nest in arrays and a must_not keeps its
  // meaning: {"bool":{"filter":[{"bool":{"filter":F}},{"bool":{"must_not":N}}]}}.
  std::string out = "{\"bool\":{\"filter\":[";
  bool first = true;
  auto add = [&](std::string_view occur, const std::string& value) {
    if (!first) out += ',';
    first = false;
    out += "{\"bool\":{\"";
    out += occur;
    out += "\":";
    out += value;
    out += "}}";
  };
  for (const auto& f : filters) add("filter", f);
  for (const auto& n : must_not) add("must_not", n);
  out += "]}}";
  return out;
}

}  // namespace

namespace {

// What every extra-candidates request keeps of the window request: the
// members that shape each hit (copied as written, then a comma) and the
// client's filter ("" for none). Nullopt when the filters are not
// recognized or the body cannot be read.
struct KeptParts {
  std::string members;
  std::string filter;
};

std::optional<KeptParts> keptParts(std::string_view window_body) {
  thread_local dom::parser parser;
  dom::element doc;
  dom::object body;
  const std::string_view text = window_body.empty() ? std::string_view("{}") : window_body;
  if (parser.parse(text.data(), text.size()).get(doc) || doc.get(body)) return std::nullopt;
  auto filter = clientFilter(body);
  if (!filter) return std::nullopt;
  detail::ObjectLayout layout;
  if (!detail::scanObject(text, layout)) return std::nullopt;
  KeptParts out{.members = "", .filter = std::move(*filter)};
  for (const auto& m : layout.members) {
    if (m.key == "_source" || m.key == "docvalue_fields" || m.key == "stored_fields" ||
        m.key == "fields" || m.key == "version" || m.key == "seq_no_primary_term") {
      out.members += m.text;
      out.members += ',';
    }
  }
  return out;
}

}  // namespace

std::optional<std::string> knnRequestBody(std::string_view window_body, std::string_view knn_field,
                                          std::span<const float> vector, int k) {
  if (k <= 0 || vector.empty()) return std::nullopt;
  auto kept = keptParts(window_body);
  if (!kept) return std::nullopt;
  std::string out = "{" + kept->members;
  out += "\"size\":" + std::to_string(k) + ",\"track_total_hits\":false,\"query\":{\"knn\":{";
  connectors::appendJsonString(out, knn_field);
  out += ":{\"vector\":[";
  for (std::size_t i = 0; i < vector.size(); ++i) {
    if (i) out += ',';
    detail::appendFloat(out, vector[i]);
  }
  out += "],\"k\":" + std::to_string(k);
  if (!kept->filter.empty()) out += ",\"filter\":" + kept->filter;
  out += "}}}}";
  return out;
}

std::optional<std::string> clickedRequestBody(std::string_view window_body,
                                              std::string_view id_field,
                                              std::span<const std::string> ids) {
  if (ids.empty()) return std::nullopt;
  auto kept = keptParts(window_body);
  if (!kept) return std::nullopt;
  std::string out = "{" + kept->members;
  out += "\"size\":" + std::to_string(ids.size()) +
         ",\"track_total_hits\":false,\"query\":{\"bool\":{\"filter\":[";
  // By document id, or by the storefront's own id field.
  if (id_field.empty() || id_field == "_id") {
    out += "{\"ids\":{\"values\":[";
  } else {
    out += "{\"terms\":{";
    connectors::appendJsonString(out, id_field);
    out += ":[";
  }
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i) out += ',';
    connectors::appendJsonString(out, ids[i]);
  }
  out += "]}}";
  if (!kept->filter.empty()) out += "," + kept->filter;
  out += "]}}}";
  return out;
}

}  // namespace rr::rerank

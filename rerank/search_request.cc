#include "rerank/search_request.h"

#include <simdjson.h>

#include <algorithm>
#include <optional>

#include "connectors/json_writer.h"
#include "rerank/detail/json_scan.h"
#include "rerank/detail/request_values.h"
#include "rerank/detail/url_query.h"

namespace rr::rerank {
namespace {

namespace dom = simdjson::dom;
using detail::fail;
using detail::QueryParam;

// One parser per thread: it keeps its buffers between requests.
dom::parser& threadParser() {
  thread_local dom::parser parser;
  return parser;
}

// What the body says, gathered in one pass over its top-level members.
struct BodyFacts {
  std::optional<int> from, size;
  bool sorted = false, pit = false, search_after = false, collapse = false, rescore = false;
  bool no_ids = false;  // stored_fields: "_none_" (alone or in a list)
  bool malformed = false;
  RerankIds ids;
  detail::ObjectLayout layout;
  std::vector<std::optional<std::string_view>> replace;  // per member, for writeObject
  std::optional<std::size_t> from_member, size_member, ext_member, docvalue_member;
  std::string ext_rewritten;  // the ext member without `rerank`; empty: drop ext
  bool has_rerank_ext = false;
  dom::array docvalue_fields;
};

std::expected<void, RequestError> readBody(std::string_view body,
                                           const config::StorefrontConfig& sf, BodyFacts& facts) {
  dom::element root;
  if (auto err = threadParser().parse(body.data(), body.size()).get(root)) {
    if (err == simdjson::UTF8_ERROR)
      return fail("json_parse_exception", "Invalid UTF-8 in the request body");
    if (err == simdjson::DEPTH_ERROR)
      return fail("json_parse_exception", "Request body nested too deeply");
    if (err == simdjson::NUMBER_ERROR) {
      return fail("json_parse_exception",
                  "Numeric value out of range or malformed in the request body");
    }
    return fail("json_parse_exception",
                std::string("Failed to parse the request body: ") + simdjson::error_message(err));
  }
  if (auto dup = detail::findDuplicateKey(root)) {
    return fail("json_parse_exception", "Duplicate field '" + std::string(*dup) + "'");
  }
  dom::object obj;
  if (root.get(obj)) {
    return fail("parsing_exception", "Expected [START_OBJECT] but found [" +
                                         std::string(detail::tokenName(root.type())) + "]");
  }
  if (!detail::scanObject(body, facts.layout) || facts.layout.members.size() != obj.size()) {
    return fail("json_parse_exception",
                "Failed to parse the request body");  // not reached: validated
  }
  facts.replace.assign(obj.size(), std::nullopt);
  std::size_t i = 0;
  for (auto [key, value] : obj) {
    const std::size_t index = i++;
    if (key == "from" || key == "size") {
      auto n = detail::readBodyInt(key, value);
      if (!n) return std::unexpected(n.error());
      (key == "from" ? facts.from : facts.size) = *n;
      (key == "from" ? facts.from_member : facts.size_member) = index;
    } else if (key == "sort") {
      facts.sorted = !detail::isRelevanceSort(value);
    } else if (key == "pit") {
      facts.pit = true;
    } else if (key == "search_after") {
      facts.search_after = true;
    } else if (key == "collapse") {
      facts.collapse = true;
    } else if (key == "rescore") {
      facts.rescore = true;
    } else if (key == "stored_fields") {
      std::string_view one;
      dom::array many;
      if (!value.get(one)) {
        facts.no_ids = one == "_none_";
      } else if (!value.get(many)) {
        for (auto entry : many) {
          std::string_view name;
          facts.no_ids |= !entry.get(name) && name == "_none_";
        }
      }
    } else if (key == "docvalue_fields") {
      facts.docvalue_member = index;
      if (value.get(facts.docvalue_fields)) facts.malformed = true;  // the engine says why
    } else if (key == "ext") {
      dom::object ext;
      if (value.get(ext)) {
        facts.malformed = true;
        continue;
      }
      dom::element rerank;
      if (ext["rerank"].get(rerank)) continue;
      auto ids = detail::readRerankExt(rerank, sf);
      if (!ids) return std::unexpected(ids.error());
      facts.ids = std::move(*ids);
      facts.has_rerank_ext = true;
      facts.ext_member = index;
      // Keep the other ext members (other plugins' sections) as written.
      // Keys are compared decoded (the DOM's, in the same order as the
      // scanner's), so an escaped `"re\u0072ank"` is removed too.
      const detail::Member& m = facts.layout.members[index];
      detail::ObjectLayout ext_layout;
      if (!detail::scanObject(m.value, ext_layout) || ext_layout.members.size() != ext.size()) {
        continue;  // not reached: validated
      }
      std::vector<std::optional<std::string_view>> ext_replace(ext_layout.members.size());
      std::size_t j = 0, kept = 0;
      for (auto [ext_key, ext_value] : ext) {
        if (ext_key == "rerank") {
          ext_replace[j] = std::string_view{};
        } else {
          ++kept;
        }
        ++j;
      }
      if (kept > 0) {
        facts.ext_rewritten.assign(
            m.text.substr(0, static_cast<std::size_t>(m.value.data() - m.text.data())));
        detail::writeObject(facts.ext_rewritten, ext_layout, ext_replace);
      }
    }
  }
  return {};
}

struct UrlFacts {
  std::optional<int> from, size;
  bool explain = false, scroll = false, sorted = false, filter_path = false, format = false;
  bool no_ids = false;
};

std::expected<UrlFacts, RequestError> readUrl(const std::vector<QueryParam>& params) {
  UrlFacts url;
  // The engine reads each parameter once, the last of repeats.
  for (std::string_view name : {"from", "size"}) {
    if (const QueryParam* p = detail::findParam(params, name)) {
      auto n = detail::readUrlInt(*p);
      if (!n) return std::unexpected(n.error());
      (name == "from" ? url.from : url.size) = *n;
    }
  }
  if (const QueryParam* p = detail::findParam(params, "rerank_explain")) {
    if (p->value.empty() || p->value == "true") {
      url.explain = true;
    } else if (p->value != "false") {
      return fail("illegal_argument_exception",
                  "Failed to parse value [" + p->value +
                      "] of parameter [rerank_explain]: only [true] or [false] are allowed");
    }
  }
  url.scroll = detail::findParam(params, "scroll") != nullptr;
  url.filter_path = detail::findParam(params, "filter_path") != nullptr;
  if (const QueryParam* p = detail::findParam(params, "stored_fields")) {
    // A comma list in the URL.
    for (std::string_view rest = p->value; !url.no_ids && !rest.empty();) {
      const auto comma = rest.find(',');
      url.no_ids = rest.substr(0, comma) == "_none_";
      rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma + 1);
    }
  }
  if (const QueryParam* p = detail::findParam(params, "format")) {
    url.format = !detail::equalsIgnoreCase(p->value, "json");
  }
  if (const QueryParam* p = detail::findParam(params, "sort")) {
    url.sorted = !detail::isRelevanceUrlSort(p->value);
  }
  return url;
}

PassReason passReason(const config::StorefrontConfig& sf, const BodyFacts& body,
                      const UrlFacts& url, int from, int size) {
  if (!sf.enabled) return PassReason::kDisabled;
  if (body.malformed) return PassReason::kMalformed;
  if (url.scroll) return PassReason::kScroll;
  if (body.pit) return PassReason::kPit;
  if (body.search_after) return PassReason::kSearchAfter;
  if (body.sorted || url.sorted) return PassReason::kSorted;
  // Collapse: the window would return one top hit per group and run an
  // inner_hits search per window hit; reordering groups is possible but the
  // window costs many times the client's page. Passed until it is measured.
  if (body.collapse) return PassReason::kCollapse;
  // Rescore re-scores only its own window_size of top hits per shard, so
  // the `_score`s of a larger window mix two scales and the engine score
  // the model reads is no longer one feature.
  if (body.rescore) return PassReason::kRescore;
  // No `_id` in the hits: nothing to match with the shopper's history, the
  // click statistics or the order a later page must continue.
  if (body.no_ids || url.no_ids) return PassReason::kNoIds;
  if (url.filter_path) return PassReason::kFilterPath;
  if (url.format) return PassReason::kFormat;
  if (size == 0) return PassReason::kSizeZero;
  if (static_cast<long long>(from) + size > sf.window) return PassReason::kBeyondWindow;
  if (body.ids.opt_out) return PassReason::kOptOut;
  return PassReason::kNone;
}

std::string joinQuery(const std::vector<QueryParam>& params, bool drop_page) {
  std::string out;
  for (const auto& p : params) {
    if (p.name == "rerank_explain") continue;
    if (drop_page && (p.name == "from" || p.name == "size")) continue;
    if (!out.empty()) out.push_back('&');
    out += p.raw;
  }
  return out;
}

// The window request's `docvalue_fields` additions: every vector field the
// client does not fetch itself. Fills client_asked_vector and strip_fields.
std::vector<std::string_view> fieldsToAdd(const BodyFacts& body,
                                          std::span<const std::string> vector_fields,
                                          SearchPlan& plan) {
  std::vector<std::string_view> add;
  for (const std::string& field : vector_fields) {
    if (std::ranges::find(add, field) != add.end()) continue;
    bool asked = false;
    if (body.docvalue_member) {
      for (dom::element entry : body.docvalue_fields) {
        if (detail::entryFetches(entry, field)) asked = true;
      }
    }
    if (asked) {
      plan.client_asked_vector = true;  // fetched once already: adding it twice doubles its values
    } else {
      add.push_back(field);
      plan.strip_fields.push_back(field);
    }
  }
  return add;
}

}  // namespace

std::string_view toString(PassReason reason) {
  switch (reason) {
    case PassReason::kNone: return "none";
    case PassReason::kDisabled: return "disabled";
    case PassReason::kMalformed: return "malformed";
    case PassReason::kScroll: return "scroll";
    case PassReason::kPit: return "pit";
    case PassReason::kSearchAfter: return "search_after";
    case PassReason::kSorted: return "sorted";
    case PassReason::kCollapse: return "collapse";
    case PassReason::kRescore: return "rescore";
    case PassReason::kNoIds: return "no_ids";
    case PassReason::kFilterPath: return "filter_path";
    case PassReason::kFormat: return "format";
    case PassReason::kSizeZero: return "size_0";
    case PassReason::kBeyondWindow: return "beyond_window";
    case PassReason::kOptOut: return "opt_out";
  }
  return "unknown";
}

std::expected<SearchPlan, RequestError> planSearch(const SearchInput& input,
                                                   const config::StorefrontConfig& storefront,
                                                   std::span<const std::string> vector_fields) {
  const std::vector<QueryParam> params = detail::parseQuery(input.query);
  auto url = readUrl(params);
  if (!url) return std::unexpected(url.error());
  if (detail::wantsOtherFormat(input.accept)) url->format = true;

  BodyFacts body;
  const bool has_body = input.body.find_first_not_of(" \t\r\n") != std::string_view::npos;
  if (has_body) {
    if (auto r = readBody(input.body, storefront, body); !r) return std::unexpected(r.error());
  }

  SearchPlan plan;
  // The URL wins over the body, as in the engine.
  plan.from = url->from.value_or(body.from.value_or(0));
  plan.size = url->size.value_or(body.size.value_or(10));
  plan.explain = url->explain;
  plan.ids_from_body = body.ids;
  plan.reason = passReason(storefront, body, *url, plan.from, plan.size);
  plan.rerank = plan.reason == PassReason::kNone;

  if (!plan.rerank) {
    plan.pass_reason = std::string(toString(plan.reason));
    plan.upstream_query = joinQuery(params, /*drop_page=*/false);
    if (body.has_rerank_ext) {
      body.replace[*body.ext_member] = std::string_view(body.ext_rewritten);
      detail::writeObject(plan.upstream_body, body.layout, body.replace);
    } else {
      plan.upstream_body.assign(input.body);
    }
    return plan;
  }

  plan.upstream_query = joinQuery(params, /*drop_page=*/true);
  const std::vector<std::string_view> add = fieldsToAdd(body, vector_fields, plan);
  std::string added_entries;
  for (std::string_view f : add) {
    if (!added_entries.empty()) added_entries.push_back(',');
    connectors::appendJsonString(added_entries, f);
  }

  std::string appended = "\"from\":0,\"size\":" + std::to_string(storefront.window);
  std::string merged_docvalues;
  if (body.from_member) body.replace[*body.from_member] = std::string_view{};
  if (body.size_member) body.replace[*body.size_member] = std::string_view{};
  if (body.ext_member) body.replace[*body.ext_member] = std::string_view(body.ext_rewritten);
  if (body.docvalue_member && !added_entries.empty()) {
    // The client's list as written, ours appended before its `]`.
    const detail::Member& m = body.layout.members[*body.docvalue_member];
    const std::size_t close = m.text.rfind(']');
    merged_docvalues.assign(m.text.substr(0, close));
    if (body.docvalue_fields.size() > 0) merged_docvalues.push_back(',');
    merged_docvalues += added_entries;
    merged_docvalues += m.text.substr(close);
    body.replace[*body.docvalue_member] = std::string_view(merged_docvalues);
  } else if (!body.docvalue_member && !added_entries.empty()) {
    appended += ",\"docvalue_fields\":[" + added_entries + "]";
  }
  if (has_body) {
    detail::writeObject(plan.upstream_body, body.layout, body.replace, appended);
  } else {
    plan.upstream_body = "{" + appended + "}";
  }
  return plan;
}

std::string errorBody(const RequestError& error) {
  std::string cause = "{\"type\":";
  connectors::appendJsonString(cause, detail::validUtf8(error.type));
  cause += ",\"reason\":";
  connectors::appendJsonString(cause, detail::validUtf8(error.reason));
  cause += "}";
  std::string out = "{\"error\":{\"root_cause\":[" + cause + "],";
  out.append(cause, 1, cause.size() - 2);  // the same type and reason, unwrapped
  out += "},\"status\":" + std::to_string(error.status) + "}";
  return out;
}

}  // namespace rr::rerank

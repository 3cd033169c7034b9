#include "rerank/events.h"

#include <simdjson.h>

#include <string>

#include "rerank/detail/request_values.h"

namespace rr::rerank {
namespace {

namespace dom = simdjson::dom;

bool readString(dom::object obj, std::string_view key, std::string& out, std::string& reason,
                bool required) {
  dom::element v;
  if (obj.at_key(key).get(v)) {
    if (required) reason = std::string(key) + " is missing";
    return !required;
  }
  if (v.is_int64() || v.is_uint64()) {  // numeric ids are common; keep their digits
    out = simdjson::minify(v);
    return true;
  }
  if (!v.is_string()) {
    reason = std::string(key) + " must be a string";
    return false;
  }
  out = std::string(std::string_view(v));
  if (required && out.empty()) {
    reason = std::string(key) + " must not be empty";
    return false;
  }
  return true;
}

void judge(std::string_view line, int64_t now_ms, ParsedEvent& ev) {
  if (line.size() > kMaxEventLineBytes) {
    ev.reason = "line longer than " + std::to_string(kMaxEventLineBytes) + " bytes";
    return;
  }
  thread_local dom::parser parser;
  dom::element doc;
  if (auto err = parser.parse(line.data(), line.size()).get(doc)) {
    ev.reason = std::string("not JSON: ") + simdjson::error_message(err);
    return;
  }
  if (!doc.is_object()) {
    ev.reason = "not a JSON object";
    return;
  }
  if (auto dup = detail::findDuplicateKey(doc)) {
    ev.reason = "duplicate key '" + std::string(*dup) + "'";
    return;
  }
  dom::object obj(doc);
  std::string type;
  if (!readString(obj, "event_id", ev.event_id, ev.reason, true) ||
      !readString(obj, "storefront", ev.storefront, ev.reason, true) ||
      !readString(obj, "user_id", ev.user_id, ev.reason, true) ||
      !readString(obj, "session_id", ev.session_id, ev.reason, false) ||
      !readString(obj, "type", type, ev.reason, true) ||
      !readString(obj, "item_id", ev.item_id, ev.reason, false) ||
      !readString(obj, "query", ev.query, ev.reason, false) ||
      !readString(obj, "request_id", ev.request_id, ev.reason, false)) {
    return;
  }
  if (!parseEventKind(type, ev.kind)) {
    ev.reason = "type must be view, click, cart, purchase or search, got '" + type + "'";
    return;
  }
  dom::element ts;
  if (obj.at_key("ts").get(ts)) {
    ev.reason = "ts is missing";
    return;
  }
  int64_t ms = 0;
  if (ts.get_int64().get(ms) || ms < 0) {
    ev.reason = "ts must be epoch milliseconds (a non-negative integer)";
    return;
  }
  if (ms > now_ms + kMaxFutureMs) {
    ev.reason = "ts is " + std::to_string((ms - now_ms) / (24LL * 3600 * 1000)) +
                " days after this server's clock; epoch milliseconds expected";
    return;
  }
  ev.ts_ms = ms;
  if (ev.kind == EventKind::kSearch) {
    if (ev.query.empty()) {
      ev.reason = "query is missing (required for a search)";
      return;
    }
  } else if (ev.item_id.empty()) {
    ev.reason = "item_id is missing (required for a " + type + ")";
    return;
  }
  ev.ok = true;
}

}  // namespace

std::vector<ParsedEvent> parseEvents(std::string_view body, int64_t now_ms) {
  std::vector<ParsedEvent> out;
  std::size_t line_no = 0;
  while (!body.empty()) {
    ++line_no;
    const auto nl = body.find('\n');
    std::string_view line = body.substr(0, nl);
    body.remove_prefix(nl == std::string_view::npos ? body.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    ParsedEvent ev;
    ev.line = line_no;
    judge(line, now_ms, ev);
    out.push_back(std::move(ev));
  }
  return out;
}

}  // namespace rr::rerank

#include "scoring/pipeline/live_replay.h"

#include <simdjson.h>

#include <chrono>
#include <unordered_map>

#include "connectors/json_writer.h"
#include "scoring/pipeline/window_source.h"
#include "scoring/tokenizer.h"

namespace rr::scoring::pipeline {
namespace {

using connectors::jsonString;
namespace dom = simdjson::dom;

std::string_view kindName(LogEvent::Kind kind) {
  switch (kind) {
    case LogEvent::Kind::kView: return "view";
    case LogEvent::Kind::kClick: return "click";
    case LogEvent::Kind::kCart: return "cart";
    case LogEvent::Kind::kPurchase: return "purchase";
    case LogEvent::Kind::kSearch: return "search";
  }
  return "view";
}

// The searches ExampleBuilder::replay labels (and evaluate() scores).
bool isLabelled(const LogEvent& e, int64_t from_ms, int64_t to_ms) {
  return e.kind == LogEvent::Kind::kSearch && !e.item.empty() && e.ts_ms >= from_ms &&
         e.ts_ms < to_ms;
}

std::string describe(const LogEvent& e) {
  return "the search of " + e.user + " for '" + e.query + "' at " + std::to_string(e.ts_ms);
}

std::string clip(std::string_view s, std::size_t n = 300) {
  return s.size() <= n ? std::string(s) : std::string(s.substr(0, n)) + "...";
}

}  // namespace

std::expected<IdPlacement, std::string> IdPlacement::parse(std::string_view spec) {
  const auto colon = spec.find(':');
  if (colon == std::string_view::npos || colon + 1 == spec.size()) {
    return std::unexpected("expected header:NAME, cookie:NAME or body:NAME, got '" +
                           std::string(spec) + "'");
  }
  const std::string_view kind = spec.substr(0, colon);
  IdPlacement out;
  out.name = std::string(spec.substr(colon + 1));
  if (kind == "header") {
    out.kind = Kind::kHeader;
  } else if (kind == "cookie") {
    out.kind = Kind::kCookie;
  } else if (kind == "body") {
    out.kind = Kind::kBody;
  } else {
    return std::unexpected("unknown place '" + std::string(kind) +
                           "' (header, cookie or body)");
  }
  for (char c : out.name) {
    if (c <= ' ' || c == ';' || c == '=' || c == ':' || c == '"' || c == '\\' || c == 0x7f) {
      return std::unexpected("'" + out.name + "' is not a valid name");
    }
  }
  return out;
}

std::string eventLine(const LogEvent& event, std::string_view storefront, std::string_view user,
                      std::string_view event_id, int64_t ts_ms) {
  std::string line = "{\"event_id\":" + jsonString(event_id) +
                     ",\"storefront\":" + jsonString(storefront) +
                     ",\"user_id\":" + jsonString(user);
  if (!event.session.empty()) line += ",\"session_id\":" + jsonString(event.session);
  line += ",\"type\":\"" + std::string(kindName(event.kind)) + "\"";
  if (event.kind == LogEvent::Kind::kSearch) {
    line += ",\"query\":" + jsonString(event.query);
    if (!event.item.empty()) line += ",\"item_id\":" + jsonString(event.item);  // its click
  } else {
    line += ",\"item_id\":" + jsonString(event.item);
  }
  line += ",\"ts\":" + std::to_string(ts_ms) + "}";
  return line;
}

connectors::HttpRequest searchRequest(const LogEvent& search, const ReplayOptions& options) {
  connectors::HttpRequest r;
  r.method = "POST";
  r.path = "/" + connectors::encodePathSegment(options.index) + "/_search";
  r.headers.push_back({"Content-Type", "application/json"});
  // The normalized text, as the offline evaluation fetched the window with.
  r.body = "{\"size\":" + std::to_string(options.page_size) + ",\"query\":" +
           WindowSource::queryClause(scoring::Tokenizer::normalize(search.query));
  std::string ext, cookies;
  auto place = [&](const IdPlacement& where, const std::string& value) {
    if (value.empty()) return;
    switch (where.kind) {
      case IdPlacement::Kind::kHeader: r.headers.push_back({where.name, value}); break;
      case IdPlacement::Kind::kCookie:
        cookies += (cookies.empty() ? "" : "; ") + where.name + "=" + value;
        break;
      case IdPlacement::Kind::kBody:
        ext += (ext.empty() ? "" : ",") + jsonString(where.name) + ":" + jsonString(value);
        break;
    }
  };
  place(options.user_id, options.id_prefix + search.user);
  place(options.session_id, search.session);
  if (!cookies.empty()) r.headers.push_back({"Cookie", cookies});
  if (!ext.empty()) r.body += ",\"ext\":{\"rerank\":{" + ext + "}}";
  r.body += "}";
  return r;
}

std::expected<int, std::string> rankInPage(std::string body, std::string_view id) {
  auto page = connectors::parseSearchResponse(std::move(body));
  if (!page) return std::unexpected(page.error().message);
  for (std::size_t i = 0; i < page->hits.size(); ++i) {
    if (page->hits[i].id == id) return static_cast<int>(i);
  }
  return -1;
}

LiveReplay::LiveReplay(connectors::EngineClient& rerankd, ReplayOptions options)
    : rerankd_(rerankd), options_(std::move(options)) {}

std::expected<void, std::string> LiveReplay::flush(std::string& ndjson, std::size_t lines,
                                                   LiveRun& out) {
  if (lines == 0) return {};
  auto answer = rerankd_.raw(
      {"POST", "/_rerank/events", "", {{"Content-Type", "application/x-ndjson"}}, ndjson});
  ndjson.clear();
  if (!answer) return std::unexpected("POST /_rerank/events: " + answer.error().message);
  if (answer->status != 200) {
    return std::unexpected("POST /_rerank/events: status " + std::to_string(answer->status) +
                           ": " + clip(answer->body));
  }
  ++out.posts;
  out.events_sent += lines;
  thread_local dom::parser parser;
  dom::element doc;
  dom::array items;
  if (parser.parse(answer->body).get(doc) || doc["items"].get(items)) {
    return std::unexpected("POST /_rerank/events: not an events answer: " + clip(answer->body));
  }
  for (dom::element item : items) {
    std::string_view result, reason = "no reason given";
    if (item["result"].get(result)) {
      return std::unexpected("POST /_rerank/events: items[].result missing: " +
                             clip(answer->body));
    }
    if (result == "accepted") {
      ++out.accepted;
    } else if (result == "duplicate") {
      ++out.duplicates;
    } else {
      if (item["reason"].get(reason)) reason = "no reason given";
      int64_t line = 0;
      if (item["line"].get(line)) line = 0;
      return std::unexpected("rerankd rejected an event (line " + std::to_string(line) +
                             " of a batch): " + std::string(reason));
    }
  }
  return {};
}

std::expected<void, std::string> LiveReplay::search(const LogEvent& e, LiveRun& out) {
  auto answer = rerankd_.raw(searchRequest(e, options_));
  if (!answer) return std::unexpected(describe(e) + ": " + answer.error().message);
  if (answer->status != 200) {
    return std::unexpected(describe(e) + ": status " + std::to_string(answer->status) + ": " +
                           clip(answer->body));
  }
  LiveSearch s{.ts_ms = e.ts_ms, .user = e.user};
  s.outcome = std::string(answer->header("X-Rerank"));
  if (s.outcome.empty()) {
    return std::unexpected(describe(e) + ": rerankd answered without X-Rerank: /" +
                           options_.index + "/_search is not a storefront's rerank path");
  }
  const std::string model(answer->header("X-Rerank-Model"));
  if (out.model_version.empty()) out.model_version = model;
  if (!options_.expect_model.empty() && !model.empty() && model != options_.expect_model) {
    return std::unexpected(describe(e) + ": served by model '" + model + "', not '" +
                           options_.expect_model + "' (the model being evaluated)");
  }
  s.extras = answer->header("X-Rerank-Extra").starts_with("added=");
  s.clicked = answer->header("X-Rerank-Clicked").starts_with("added=");
  auto rank = rankInPage(std::move(answer->body), e.item);
  if (!rank) return std::unexpected(describe(e) + ": " + rank.error());
  s.rank = *rank;
  ++out.outcomes[s.outcome];
  out.searches.push_back(std::move(s));
  return {};
}

std::expected<LiveRun, std::string> LiveReplay::run(const std::vector<LogEvent>& events,
                                                    int64_t from_ms, int64_t to_ms,
                                                    const Progress& progress) {
  const auto start = std::chrono::steady_clock::now();
  LiveRun out;
  std::size_t total = 0, last = 0;
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (isLabelled(events[i], from_ms, to_ms)) {
      ++total;
      last = i;
    }
  }
  std::string ndjson;
  std::size_t lines = 0;
  std::size_t sequence = 0;
  std::unordered_map<std::string, std::size_t> per_user;
  for (std::size_t i = 0; i < events.size() && total > 0 && i <= last; ++i) {
    const LogEvent& e = events[i];
    if (e.kind != LogEvent::Kind::kSearch) {
      // Numbered by position in the log: the same event gets the same id.
      ndjson += eventLine(e, options_.storefront, options_.id_prefix + e.user,
                          options_.id_prefix + std::to_string(sequence++),
                          e.ts_ms + options_.shift_ms);
      ndjson += '\n';
      if (const std::size_t n = ++per_user[e.user]; n > out.busiest_user_events) {
        out.busiest_user = e.user;
        out.busiest_user_events = n;
      }
      if (++lines >= options_.batch) {
        if (auto r = flush(ndjson, lines, out); !r) return std::unexpected(r.error());
        lines = 0;
      }
      continue;
    }
    if (!isLabelled(e, from_ms, to_ms)) continue;
    // Causality: everything logged before this search is in the profile.
    if (auto r = flush(ndjson, lines, out); !r) return std::unexpected(r.error());
    lines = 0;
    if (auto r = search(e, out); !r) return std::unexpected(r.error());
    if (options_.online_stats) {
      ndjson += eventLine(e, options_.storefront, options_.id_prefix + e.user,
                          options_.id_prefix + "click-" + std::to_string(out.searches.size()),
                          e.ts_ms + options_.shift_ms);
      ndjson += '\n';
      ++lines;
    }
    if (progress) progress(out.searches.size(), total);
  }
  for (std::size_t i = last + 1; i < events.size() && total > 0; ++i) {
    if (events[i].kind != LogEvent::Kind::kSearch && events[i].ts_ms < to_ms) {
      ++out.events_after_last_search;
    }
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

std::expected<std::size_t, std::string> LiveReplay::profileLength(const std::string& user,
                                                                  const std::string& admin_token) {
  const std::string path = "/_rerank/users/" + connectors::encodePathSegment(options_.storefront) +
                           "/" + connectors::encodePathSegment(options_.id_prefix + user);
  auto answer = rerankd_.raw({"GET", path, "", {{"Authorization", "Bearer " + admin_token}}, ""});
  if (!answer) return std::unexpected("GET " + path + ": " + answer.error().message);
  if (answer->status != 200) {
    return std::unexpected("GET " + path + ": status " + std::to_string(answer->status) + ": " +
                           clip(answer->body));
  }
  thread_local dom::parser parser;
  dom::element doc;
  dom::array events;
  if (parser.parse(answer->body).get(doc) || doc["events"].get(events)) {
    return std::unexpected("GET " + path + ": no events array: " + clip(answer->body));
  }
  return events.size();
}

}  // namespace rr::scoring::pipeline

// Live evaluation: replays a storefront's log in time order through a
// running rerankd, as the shop's front end would use it, and records where
// each labelled search's clicked item was served.
//
//  - Every interaction (view, click, cart, purchase) before the end of the
//    test period is posted to `POST /_rerank/events` (NDJSON, at most
//    `batch` lines a call). Before each labelled search every event that
//    precedes it in the log (the order ExampleBuilder replays) has been
//    posted and acknowledged, so rerankd's profile holds the history the
//    offline evaluation reads and nothing later. Searches are not posted:
//    offline history has none, and in rerankd they would take profile slots.
//  - Each labelled search in [from_ms, to_ms) is sent as
//    `POST /{index}/_search` for that shopper, with the query clause the
//    offline evaluation sends the engine (WindowSource::queryClause), `size`
//    `page_size` and the full `_source` (what a shop's page asks for; rerankd
//    reads brand, category and price from it), and the clicked item's rank
//    in the answer is recorded.
//
// Time: rerankd weighs history against its wall clock. Every timestamp sent
// is moved by `shift_ms` (see shiftToNow()).
// Ids: user and event ids are prefixed with `id_prefix`, so a second run
// against the same rerankd starts from empty profiles, not the first run's.
//
// Not thread-safe; blocking (one request at a time, in log order).
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/engine_client.h"
#include "scoring/pipeline/example_builder.h"

namespace rr::scoring::pipeline {

// Where the storefront reads a shopper's id (rerankd's `user_id` /
// `session_id` config): a header, a cookie, or `ext.rerank.NAME` in the body.
struct IdPlacement {
  enum class Kind { kHeader, kCookie, kBody };
  Kind kind = Kind::kHeader;
  std::string name;

  // "header:X-User-Id", "cookie:uid", "body:user_id". The error names what
  // is wrong.
  static std::expected<IdPlacement, std::string> parse(std::string_view spec);
};

struct ReplayOptions {
  std::string storefront;     // `storefront` of every event line
  std::string index;          // searches go to /{index}/_search
  int page_size = 10;         // `size` of each search
  std::size_t batch = 500;    // event lines per POST at most
  IdPlacement user_id{IdPlacement::Kind::kHeader, "X-User-Id"};
  IdPlacement session_id{IdPlacement::Kind::kHeader, "X-Session-Id"};
  std::string id_prefix;      // prepended to user and event ids
  int64_t shift_ms = 0;       // added to every timestamp sent
  // When set, a search served by another model version stops the replay.
  std::string expect_model;
  // After each labelled search, its click is sent as a `search` event with
  // the query and `item_id` (before the next search): rerankd's live click
  // statistics learn it, as rerank-eval --online-stats does offline.
  bool online_stats = false;
};

// The shift that moves `log_end_ms` to `now_ms`: the end of the test period
// becomes the moment the replay starts, so every event sent is in the past
// and ages as it did in the log. Each search is then served between 0 and
// (test period + replay time) "later" than it was logged; that common extra
// age multiplies all of its history weights by one factor, and the model
// reads history weights only relative to each other (normalized sums and a
// softmax over log weights), so the scores do not change beyond rounding.
// Without the shift a 2011 log would be ~14 years old: every weight would
// hit the 1e-6 floor and the type and recency weighting would be lost.
inline int64_t shiftToNow(int64_t log_end_ms, int64_t now_ms) { return now_ms - log_end_ms; }

// One labelled search as served.
struct LiveSearch {
  int64_t ts_ms = 0;  // as logged (not shifted)
  std::string user;   // as logged (no prefix)
  int rank = -1;      // clicked item's 0-based rank in the page, -1 if absent
  std::string outcome;  // X-Rerank: "applied", "fallback; reason=deadline", ...
  bool extras = false;  // X-Rerank-Extra said `added=N`: k-NN extras were ranked
  // X-Rerank-Clicked said `added=N`: the model's clicked-before extras
  // (Model::queryClicks) were ranked.
  bool clicked = false;
};

struct LiveRun {
  std::vector<LiveSearch> searches;  // in log order
  std::size_t events_sent = 0, accepted = 0, duplicates = 0, posts = 0;
  std::map<std::string, std::size_t> outcomes;  // X-Rerank value -> searches
  std::string model_version;                    // X-Rerank-Model of the first search
  std::size_t events_after_last_search = 0;     // not sent: nothing reads them
  // The user with the most events sent (for LiveReplay::profileLength).
  std::string busiest_user;
  std::size_t busiest_user_events = 0;
  double seconds = 0;
};

// One event line of POST /_rerank/events (without the newline). `user` and
// `event_id` as given; `ts_ms` as sent. `session_id` is left out when empty.
std::string eventLine(const LogEvent& event, std::string_view storefront, std::string_view user,
                      std::string_view event_id, int64_t ts_ms);

// The search request for one labelled search (the shopper's ids placed per
// the options, prefixed; the session id left out when the log has none).
connectors::HttpRequest searchRequest(const LogEvent& search, const ReplayOptions& options);

// The 0-based position of `id` among the hits of a _search response, -1 when
// it is not there. Error: the body is not a search response (names the path).
std::expected<int, std::string> rankInPage(std::string body, std::string_view id);

class LiveReplay {
 public:
  // `rerankd` is a client pointed at rerankd; it must outlive this object.
  LiveReplay(connectors::EngineClient& rerankd, ReplayOptions options);

  // Called after each search with (searches done, searches in total).
  using Progress = std::function<void(std::size_t done, std::size_t total)>;

  // Replays `events` (sorted by time, as loadEventsFile gives them). Errors
  // stop the replay and name the request: a transport failure, a status
  // other than 200, an event line rerankd rejected (with its reason), a
  // search rerankd did not rerank-path (no X-Rerank header: the index is not
  // a storefront's), or a model version other than `expect_model`.
  std::expected<LiveRun, std::string> run(const std::vector<LogEvent>& events, int64_t from_ms,
                                          int64_t to_ms, const Progress& progress = {});

  // The events rerankd keeps for one logged user (GET
  // /_rerank/users/{storefront}/{prefixed user}, needs the admin token):
  // checks that profile limits (max_events_per_user, retention_days) keep
  // what the offline history reads.
  std::expected<std::size_t, std::string> profileLength(const std::string& user,
                                                        const std::string& admin_token);

 private:
  std::expected<void, std::string> flush(std::string& ndjson, std::size_t lines, LiveRun& out);
  std::expected<void, std::string> search(const LogEvent& e, LiveRun& out);

  connectors::EngineClient& rerankd_;
  ReplayOptions options_;
};

}  // namespace rr::scoring::pipeline

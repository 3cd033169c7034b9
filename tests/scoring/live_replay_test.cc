// The live replay's pure parts and its request sequence against a scripted
// rerankd (no sockets): event lines, search requests, causality (every
// earlier event posted before each search), the checks that stop a replay,
// the comparison with the offline figures, and the property of the scorer
// that makes the replay's time shift exact.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <random>

#include "scoring/example_scorer.h"
#include "scoring/pipeline/live_replay.h"
#include "scoring/pipeline/replay_comparison.h"
#include "scoring/pipeline/window_source.h"
#include "tests/scoring/example_factory.h"

using namespace rr::scoring;
using namespace rr::scoring::pipeline;
using rr::connectors::HttpRequest;
using rr::connectors::HttpResponse;

namespace {

LogEvent interaction(LogEvent::Kind kind, std::string user, std::string item, int64_t ts,
                     std::string session = "s1") {
  return {.kind = kind, .user = std::move(user), .session = std::move(session),
          .item = std::move(item), .ts_ms = ts};
}

LogEvent search(std::string user, std::string query, std::string clicked, int64_t ts) {
  return {.kind = LogEvent::Kind::kSearch, .user = std::move(user), .session = "s1",
          .item = std::move(clicked), .query = std::move(query), .ts_ms = ts};
}

std::string header(const HttpRequest& r, std::string_view name) {
  for (const auto& h : r.headers) {
    if (h.name == name) return h.value;
  }
  return "";
}

// Plays rerankd: accepts every event line (unless told to reject), serves
// `page(request)` as the hits of each search, and records what it saw.
class FakeRerankd final : public rr::connectors::Transport {
 public:
  std::vector<std::string> event_lines;
  std::vector<std::size_t> batch_sizes;
  std::vector<HttpRequest> searches;
  std::vector<std::size_t> events_before_search;
  std::string model = "m1";
  std::string reject_reason;  // non-empty: the first line of each batch is rejected
  std::function<std::vector<std::string>(const HttpRequest&)> page = [](const HttpRequest&) {
    return std::vector<std::string>{"a", "b", "c"};
  };
  // Headers added to a search's answer (X-Rerank-Extra, X-Rerank-Clicked).
  std::function<std::vector<rr::connectors::Header>(const HttpRequest&)> extra_headers =
      [](const HttpRequest&) { return std::vector<rr::connectors::Header>{}; };

  rr::connectors::Result<HttpResponse> send(const HttpRequest& r,
                                            rr::connectors::Deadline) override {
    HttpResponse out;
    out.status = 200;
    out.headers.push_back({"Content-Type", "application/json"});
    if (r.path == "/_rerank/events") {
      std::size_t n = 0, start = 0;
      std::string items;
      while (start < r.body.size()) {
        const auto nl = r.body.find('\n', start);
        event_lines.push_back(r.body.substr(start, nl - start));
        const bool rejected = !reject_reason.empty() && n == 0;
        items += std::string(n ? "," : "") + "{\"line\":" + std::to_string(n + 1) +
                 (rejected ? ",\"status\":400,\"result\":\"rejected\",\"reason\":\"" +
                                 reject_reason + "\"}"
                           : ",\"status\":201,\"result\":\"accepted\"}");
        ++n;
        start = nl == std::string::npos ? r.body.size() : nl + 1;
      }
      batch_sizes.push_back(n);
      out.body = "{\"took\":0,\"errors\":" + std::string(reject_reason.empty() ? "false" : "true") +
                 ",\"accepted\":" + std::to_string(n) + ",\"items\":[" + items + "]}";
      return out;
    }
    searches.push_back(r);
    events_before_search.push_back(event_lines.size());
    std::string hits;
    for (const auto& id : page(r)) {
      hits += std::string(hits.empty() ? "" : ",") + "{\"_index\":\"shop\",\"_id\":\"" + id +
              "\",\"_score\":1.0,\"_source\":{}}";
    }
    out.body = "{\"took\":1,\"timed_out\":false,\"hits\":{\"total\":{\"value\":3,\"relation\":"
               "\"eq\"},\"max_score\":1.0,\"hits\":[" + hits + "]}}";
    out.headers.push_back({"X-Rerank", "applied"});
    out.headers.push_back({"X-Rerank-Model", model});
    for (auto& h : extra_headers(r)) out.headers.push_back(std::move(h));
    return out;
  }
};

struct Harness {
  std::shared_ptr<FakeRerankd> fake = std::make_shared<FakeRerankd>();
  rr::connectors::EngineClient client{{.url = "http://rerankd"}, fake};
};

ReplayOptions options() {
  ReplayOptions o;
  o.storefront = "shop";
  o.index = "products";
  o.batch = 2;
  o.id_prefix = "r1-";
  o.shift_ms = 1000;
  o.expect_model = "m1";
  return o;
}

// The log of the causality tests: three labelled searches in the test
// period [3, 100), one before it and one without a click.
std::vector<LogEvent> smallLog() {
  return {interaction(LogEvent::Kind::kView, "u1", "a", 1),
          interaction(LogEvent::Kind::kClick, "u2", "b", 2),
          search("u2", "old", "b", 2),  // before the test period: history only
          search("u1", "Cheap Phones", "a", 3),
          interaction(LogEvent::Kind::kCart, "u1", "a", 4),
          search("u2", "q2", "c", 5),
          interaction(LogEvent::Kind::kView, "u2", "d", 6),
          interaction(LogEvent::Kind::kView, "u2", "e", 6),
          interaction(LogEvent::Kind::kView, "u2", "f", 6),
          search("u1", "no click", "", 7),
          search("u1", "q3", "a", 8),
          interaction(LogEvent::Kind::kPurchase, "u1", "a", 9)};
}

}  // namespace

TEST_CASE("a replayed interaction becomes one events API line at its shifted time",
          "[unit][replay]") {
  CHECK(eventLine(interaction(LogEvent::Kind::kCart, "u1", "sku \"1\"", 1000), "shop", "r-u1",
                  "r-7", 1000 + 86400000) ==
        R"({"event_id":"r-7","storefront":"shop","user_id":"r-u1","session_id":"s1",)"
        R"("type":"cart","item_id":"sku \"1\"","ts":86401000})");
  // No session in the log: no session_id (rerankd then never matches a session).
  CHECK(eventLine(interaction(LogEvent::Kind::kView, "u1", "a", 5, ""), "shop", "u1", "e", 5) ==
        R"({"event_id":"e","storefront":"shop","user_id":"u1","type":"view","item_id":"a",)"
        R"("ts":5})");
}

TEST_CASE("an id placement is header:, cookie: or body: and a bad one is refused by name",
          "[unit][replay]") {
  auto h = IdPlacement::parse("header:X-User-Id");
  REQUIRE(h);
  CHECK(h->kind == IdPlacement::Kind::kHeader);
  CHECK(h->name == "X-User-Id");
  CHECK(IdPlacement::parse("cookie:uid")->kind == IdPlacement::Kind::kCookie);
  CHECK(IdPlacement::parse("body:user_id")->kind == IdPlacement::Kind::kBody);
  CHECK(IdPlacement::parse("query:u").error() == "unknown place 'query' (header, cookie or body)");
  CHECK(IdPlacement::parse("X-User-Id").error().find("expected header:NAME") == 0);
  CHECK(IdPlacement::parse("header:").error().find("expected header:NAME") == 0);
  CHECK(IdPlacement::parse("cookie:a b").error() == "'a b' is not a valid name");
}

TEST_CASE("a labelled search is sent as its shopper with the offline query clause and the page "
          "size",
          "[unit][replay]") {
  ReplayOptions o = options();
  const LogEvent s = search("u1", "Cheap  Phones", "a", 3);
  HttpRequest r = searchRequest(s, o);
  CHECK(r.method == "POST");
  CHECK(r.path == "/products/_search");
  CHECK(header(r, "X-User-Id") == "r1-u1");
  CHECK(header(r, "X-Session-Id") == "s1");
  // The normalized text, in the clause the offline window was fetched with;
  // the whole _source (rerankd reads brand, category and price from it).
  CHECK(r.body == "{\"size\":10,\"query\":" + WindowSource::queryClause("cheap phones") + "}");

  o.user_id = *IdPlacement::parse("cookie:uid");
  o.session_id = *IdPlacement::parse("cookie:sid");
  r = searchRequest(s, o);
  CHECK(header(r, "Cookie") == "uid=r1-u1; sid=s1");
  CHECK(header(r, "X-User-Id").empty());

  o.user_id = *IdPlacement::parse("body:user_id");
  o.session_id = *IdPlacement::parse("header:X-Session-Id");
  o.page_size = 20;
  r = searchRequest(s, o);
  CHECK(r.body == "{\"size\":20,\"query\":" + WindowSource::queryClause("cheap phones") +
                      ",\"ext\":{\"rerank\":{\"user_id\":\"r1-u1\"}}}");
}

TEST_CASE("the clicked item's rank is read from the served page", "[unit][replay]") {
  const std::string page =
      R"({"took":1,"hits":{"total":{"value":2,"relation":"eq"},"hits":[)"
      R"({"_index":"i","_id":"x","_score":2.0},{"_index":"i","_id":"y","_score":1.0}]}})";
  CHECK(rankInPage(page, "x") == 0);
  CHECK(rankInPage(page, "y") == 1);
  CHECK(rankInPage(page, "z") == -1);
  CHECK_FALSE(rankInPage(R"({"hits":{"hits":[{"_id":3}]}})", "x"));
}

TEST_CASE("before each labelled search every event logged before it has been posted, in batches",
          "[unit][replay]") {
  Harness h;
  h.fake->page = [](const HttpRequest& r) {
    // u2 gets c first; everyone else a, b, c.
    return header(r, "X-User-Id") == "r1-u2" ? std::vector<std::string>{"c", "a"}
                                            : std::vector<std::string>{"b", "a", "c"};
  };
  LiveReplay replay(h.client, options());
  std::vector<std::size_t> progress;
  auto run = replay.run(smallLog(), 3, 100, [&](std::size_t done, std::size_t total) {
    CHECK(total == 3);
    progress.push_back(done);
  });
  REQUIRE(run);
  CHECK(progress == std::vector<std::size_t>{1, 2, 3});
  // Searches: the three labelled ones in the test period, in log order.
  REQUIRE(h.fake->searches.size() == 3);
  CHECK(h.fake->events_before_search == std::vector<std::size_t>{2, 3, 6});
  for (std::size_t n : h.fake->batch_sizes) CHECK(n <= 2);
  CHECK(run->posts == h.fake->batch_sizes.size());
  CHECK(run->events_sent == 6);
  CHECK(run->accepted == 6);
  CHECK(run->events_after_last_search == 1);  // the purchase at 9: nothing reads it
  // Ids: prefixed users, one event id per log position, shifted times.
  CHECK(h.fake->event_lines[0] ==
        R"({"event_id":"r1-0","storefront":"shop","user_id":"r1-u1","session_id":"s1",)"
        R"("type":"view","item_id":"a","ts":1001})");
  CHECK(h.fake->event_lines[5].find(R"("event_id":"r1-5")") != std::string::npos);
  // Ranks of the clicked items: a for u1 (twice), c for u2.
  REQUIRE(run->searches.size() == 3);
  CHECK(run->searches[0].rank == 1);
  CHECK(run->searches[0].user == "u1");
  CHECK(run->searches[0].ts_ms == 3);
  CHECK(run->searches[1].rank == 0);
  CHECK(run->searches[2].rank == 1);
  CHECK(run->outcomes.at("applied") == 3);
  CHECK(run->model_version == "m1");
  CHECK(run->busiest_user == "u2");
  CHECK(run->busiest_user_events == 4);
}

TEST_CASE("with online statistics each search's click is posted after it, before the next",
          "[unit][replay]") {
  Harness h;
  auto o = options();
  o.online_stats = true;
  LiveReplay replay(h.client, o);
  auto run = replay.run(smallLog(), 3, 100, {});
  REQUIRE(run);
  REQUIRE(h.fake->searches.size() == 3);
  // One more line after each of the first two searches (the third one's
  // click would come after the last search: nothing reads it).
  CHECK(h.fake->events_before_search == std::vector<std::size_t>{2, 4, 8});
  CHECK(h.fake->event_lines[2] ==
        R"({"event_id":"r1-click-1","storefront":"shop","user_id":"r1-u1","session_id":"s1",)"
        R"("type":"search","query":"Cheap Phones","item_id":"a","ts":1003})");
  CHECK(h.fake->event_lines[4].find(R"("event_id":"r1-click-2")") != std::string::npos);
  CHECK(h.fake->event_lines[4].find(R"("item_id":"c")") != std::string::npos);
  // The interactions keep the ids they have without it.
  CHECK(h.fake->event_lines[3].find(R"("event_id":"r1-2","storefront":"shop","user_id":"r1-u1")") !=
        std::string::npos);
  CHECK(h.fake->event_lines[3].find(R"("type":"cart")") != std::string::npos);
}

TEST_CASE("a search served by another model version stops the replay", "[unit][replay]") {
  Harness h;
  h.fake->model = "m0";
  auto run = LiveReplay(h.client, options()).run(smallLog(), 3, 100);
  REQUIRE_FALSE(run);
  CHECK(run.error().find("served by model 'm0', not 'm1'") != std::string::npos);
}

TEST_CASE("an event line rerankd rejects stops the replay with its reason", "[unit][replay]") {
  Harness h;
  h.fake->reject_reason = "unknown storefront 'shop'";
  auto run = LiveReplay(h.client, options()).run(smallLog(), 3, 100);
  REQUIRE_FALSE(run);
  CHECK(run.error() == "rerankd rejected an event (line 1 of a batch): unknown storefront 'shop'");
}

TEST_CASE("the comparison agrees when rerankd serves the offline ranks and disagrees when it "
          "does not",
          "[unit][replay]") {
  EvalResult offline;
  LiveRun live;
  std::mt19937_64 rng(4);
  for (int i = 0; i < 200; ++i) {
    PerQuery q;
    q.ts_ms = i;
    q.user = "u" + std::to_string(i % 7);
    q.has_history = i % 2 == 0;
    const int rank = static_cast<int>(rng() % 14) - 1;
    q.rank[System::kModel] = rank;
    // Every fifth clicked item was reached only through a clicked-before
    // extra, which rerankd does not add here.
    for (std::size_t mask = 1; mask < q.model_rank_among.size(); ++mask) {
      q.model_rank_among[mask] = i % 5 == 0 && !(mask & kClickedBefore) ? -1 : rank;
    }
    offline.queries.push_back(q);
    live.searches.push_back({.ts_ms = i, .user = q.user, .rank = rank < 10 ? rank : -1,
                             .outcome = "applied"});
  }
  // Nothing from the engine: rerankd serves an empty page, offline ranks extras.
  offline.queries[7].rank[System::kModel] = 0;
  offline.queries[7].model_rank_among.fill(-1);
  offline.queries[7].model_rank_among[kClickedBefore | kNearQuery | kFromEngine] = 0;
  live.searches[7].rank = -1;
  live.searches[7].outcome = "fallback; reason=empty_window";
  auto same = compareReplay(offline, live, 100, 10);
  REQUIRE(same);
  CHECK(same->queries == 200);
  CHECK(same->with_history == 100);
  CHECK(same->same_rank_as_offline == 199);
  CHECK(same->empty_windows == 1);
  CHECK(same->empty_windows_ranked_offline == 1);
  CHECK(same->agreesWithOffline());
  CHECK(same->live_minus_offline.mean < 0);
  CHECK(same->intervalsOverlap());
  CHECK(same->target_only_in_missing_extras > 0);
  // Against the live path's candidates, those searches differ.
  CHECK(same->same_rank_as_live_candidates < 200);
  CHECK(same->first_disagreements.size() <= 20);

  // Served one place lower every time: a real difference.
  LiveRun lower = live;
  for (auto& s : lower.searches) s.rank = s.rank >= 0 && s.rank < 9 ? s.rank + 1 : -1;
  auto worse = compareReplay(offline, lower, 100, 10);
  REQUIRE(worse);
  CHECK_FALSE(worse->agreesWithOffline());
  CHECK(worse->live_minus_offline.high < 0);

  // Different searches are refused, naming the first.
  LiveRun other = live;
  other.searches[3].user = "someone";
  auto refused = compareReplay(offline, other, 100, 10);
  REQUIRE_FALSE(refused);
  CHECK(refused.error() == "search 3 differs: offline u3 at 3, replay someone at 3");
}

TEST_CASE("the live candidates include the clicked-before extras only where rerankd says it "
          "added them",
          "[unit][replay]") {
  CHECK(liveCandidateOrigins({}) == kFromEngine);
  CHECK(liveCandidateOrigins({.extras = true}) == (kFromEngine | kNearQuery));
  CHECK(liveCandidateOrigins({.clicked = true}) == (kFromEngine | kClickedBefore));
  CHECK(liveCandidateOrigins({.extras = true, .clicked = true}) ==
        (kFromEngine | kNearQuery | kClickedBefore));

  // Offline ranks per candidate origin mask, by a rule per search.
  EvalResult offline;
  LiveRun live;
  auto add = [&](const std::function<int(std::size_t)>& rank_among, LiveSearch s) {
    PerQuery q;
    q.ts_ms = s.ts_ms = static_cast<int64_t>(offline.queries.size());
    q.user = s.user = "u";
    q.rank[System::kModel] = rank_among(7);
    for (std::size_t mask = 1; mask < 8; ++mask) q.model_rank_among[mask] = rank_among(mask);
    s.outcome = "applied";
    offline.queries.push_back(q);
    live.searches.push_back(s);
  };
  auto clicked_only = [](std::size_t mask) { return mask & kClickedBefore ? 0 : -1; };
  // Reached only through a clicked-before extra: served at the top when
  // rerankd added them, not served when it did not.
  add(clicked_only, {.rank = 0, .clicked = true});
  add(clicked_only, {.rank = -1});
  // An engine item a clicked-before extra outranks, with k-NN extras too.
  add([](std::size_t mask) { return mask & kClickedBefore ? 3 : 2; },
      {.rank = 3, .extras = true, .clicked = true});
  // Reached only through a k-NN extra; rerankd added no clicked-before ones.
  add([](std::size_t mask) { return mask & kNearQuery ? 1 : -1; }, {.rank = 1, .extras = true});

  auto c = compareReplay(offline, live, 100, 10);
  REQUIRE(c);
  CHECK(c->same_rank_as_live_candidates == 4);
  CHECK(c->first_disagreements.empty());
  CHECK(c->target_only_in_missing_extras == 1);
  CHECK(c->live_with_clicked == 2);
  CHECK(c->live_with_extras == 2);
  CHECK(c->same_rank_as_offline == 3);
}

TEST_CASE("the extras rerankd added are read from X-Rerank-Extra and X-Rerank-Clicked",
          "[unit][replay]") {
  Harness h;
  h.fake->extra_headers = [](const HttpRequest& r) -> std::vector<rr::connectors::Header> {
    if (header(r, "X-User-Id") == "r1-u2") {
      return {{"X-Rerank-Extra", "skipped; reason=unrecognized_filters"},
              {"X-Rerank-Clicked", "added=3"}};
    }
    return {{"X-Rerank-Extra", "added=0"}, {"X-Rerank-Clicked", "skipped; reason=no_clicks"}};
  };
  auto run = LiveReplay(h.client, options()).run(smallLog(), 3, 100);
  REQUIRE(run);
  REQUIRE(run->searches.size() == 3);
  CHECK(run->searches[0].extras);
  CHECK_FALSE(run->searches[0].clicked);
  CHECK_FALSE(run->searches[1].extras);
  CHECK(run->searches[1].clicked);
}

TEST_CASE("scores read history weights only relative to each other, so the replay's time shift "
          "changes nothing",
          "[unit][replay]") {
  // The replay serves each search up to (test period + replay time) after
  // its shifted log time: every history weight of that search gets the same
  // factor 2^(-extra age / half-life).
  Model model = rr::testing::tinyModel(11);
  std::mt19937_64 rng(7);
  ExampleScorer scorer(model);
  std::vector<float> base, shifted;
  for (int trial = 0; trial < 20; ++trial) {
    TrainingExample ex = rr::testing::randomExample(rng, model, 12, 1 + trial % 6);
    scorer.score(ex, base);
    for (const double extra_days : {0.01, 14.0, 45.0}) {
      const float factor = static_cast<float>(std::pow(0.5, extra_days / 30.0));
      TrainingExample later = ex;
      for (auto& w : later.history_weight) w *= factor;
      for (auto& w : later.session_weight) w *= factor;
      scorer.score(later, shifted);
      for (std::size_t c = 0; c < base.size(); ++c) {
        CHECK(shifted[c] == Approx(base[c]).margin(1e-5));
      }
    }
  }
}

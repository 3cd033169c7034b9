// The personalized part of rerankd: the rerank path for a storefront's
// `_search`, the events API that feeds shoppers' profiles, and erasing a
// shopper. The search paths can await the engine (searchWith,
// msearchWith); the rest blocks on it and runs on the worker pool. Spread
// over rerank_service.cc (the search path), msearch.cc, page_orders.cc
// (later pages in page 1's order), profile_endpoints.cc (events, profiles)
// and live_clicks.cc (the live click statistics).
#pragma once

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "rerank/activity_log.h"
#include "rerank/event_log.h"
#include "rerank/events.h"
#include "rerank/http_types.h"
#include "rerank/item_text_cache.h"
#include "rerank/live_stats.h"
#include "rerank/metrics.h"
#include "rerank/profile_store.h"
#include "rerank/runtime.h"
#include "rerank/search_request.h"
#include "rerank/search_response_writer.h"
#include "rerank/shared_profiles.h"

namespace rr::rerank {

// How the search path calls the engine: awaited, so the same search code
// runs on the I/O threads over AsyncUpstream and on the worker pool over the
// blocking client.
class UpstreamCaller {
 public:
  virtual ~UpstreamCaller() = default;
  virtual boost::asio::awaitable<connectors::Result<connectors::HttpResponse>> raw(
      connectors::HttpRequest request) = 0;
};

// The blocking libcurl client (worker pool threads only).
class BlockingCaller final : public UpstreamCaller {
 public:
  explicit BlockingCaller(connectors::EngineClient& client) : client_(client) {}
  boost::asio::awaitable<connectors::Result<connectors::HttpResponse>> raw(
      connectors::HttpRequest request) override;

 private:
  connectors::EngineClient& client_;
};

class RerankService {
 public:
  explicit RerankService(Metrics& metrics);

  // Sets up the profile store from the config: with `durable`, opens (and
  // replays) its write-ahead log. Call once, before serving; the error names
  // the directory and what failed.
  std::expected<void, std::string> openProfiles(const config::ProfilesConfig& cfg);
  // Where served searches and accepted events are recorded (or not).
  void openActivityLog(const config::ActivityLogConfig& cfg);

  // "treatment" or "control" for a storefront with an A/B split
  // (treatment_percent < 100), "" without one. Stable per user: a hash of
  // the salt and the user id (else the session id; without either, of
  // `fallback`, e.g. the request id).
  static std::string bucketOf(const config::StorefrontConfig& cfg, std::string_view user,
                              std::string_view session, std::string_view fallback);

  // `_search` (GET or POST) on an index of `sf`: reranked, or passed through
  // with the reason in X-Rerank, or the engine's order on any failure.
  // search() blocks on the engine (worker pool); searchWith() awaits it
  // through `upstream` (any executor, I/O threads included).
  Response search(const Runtime& rt, const StorefrontRuntime& sf, const Request& request);
  boost::asio::awaitable<Response> searchWith(const Runtime& rt, const StorefrontRuntime& sf,
                                              const Request& request, UpstreamCaller& upstream);
  // `_msearch` (the path's index, if any, is `path_index`): each search in
  // it handled as search() would, in one engine call. msearch() blocks on
  // the engine; msearchWith() awaits it, as searchWith() does.
  Response msearch(const Runtime& rt, const Request& request, std::string_view path_index);
  boost::asio::awaitable<Response> msearchWith(const Runtime& rt, const Request& request,
                                               std::string path_index, UpstreamCaller& upstream);
  // POST /_rerank/events (NDJSON).
  Response events(const Runtime& rt, const Request& request);
  // DELETE /_rerank/users/{storefront}/{user}.
  Response eraseUser(const Runtime& rt, std::string_view storefront, std::string_view user);
  // GET /_rerank/users/{storefront}/{user}: the events the model reads.
  Response userProfile(const Runtime& rt, std::string_view storefront, std::string_view user);

  ProfileStore& profiles() { return *profiles_; }
  // The storefront's live click statistics (its model's, plus the clicks
  // learned since); null when `live_click_stats` is off. A new model gets
  // its own, seeded with the clicks newer than its training log.
  std::shared_ptr<LiveStats> liveStats(const StorefrontRuntime& sf);
  // On start, before serving: each storefront's live statistics relearn
  // the clicks newer than its model from the activity log (its files from
  // the model's newest click's day on), as learnClick learned them the
  // first time, and the searches served there are remembered for the
  // clicks that name them later. Without it a restart would serve every
  // storefront on statistics frozen on its model's training day. Says what
  // it restored on stderr.
  void restoreLiveStats(const Runtime& rt);

 private:
  // Runs a search coroutine to its end on this thread (over a
  // BlockingCaller: the worker pool's search() and msearch()).
  static Response runToEnd(boost::asio::awaitable<Response> work);
  using Clock = std::chrono::steady_clock;
  struct Shopper {
    std::string user, session;
  };
  // The window reordered for one shopper, or why the engine's order stands.
  struct Ranking {
    std::vector<RankedHit> order;
    std::vector<HitExplain> explain;
    std::string fail;    // fallback reason; empty: reranked
    std::string reason;  // when reranked: history / no_history / page_cache
    std::size_t computed = 0;  // vectors computed by the tower (none in the index)
    Clock::duration profile{};  // reading the shopper's profile
    // The profile was read while the engine searched (profile is then not
    // part of ranking's own time).
    bool profile_early = false;
    // The part of ranking's time spent reading the profile.
    Clock::duration profileWait() const { return profile_early ? Clock::duration{} : profile; }
  };
  // An engine call and when its answer was in.
  struct TimedAnswer {
    connectors::Result<connectors::HttpResponse> answer;
    Clock::time_point at;
  };
  static boost::asio::awaitable<TimedAnswer> timedCall(UpstreamCaller& caller,
                                                       connectors::HttpRequest request);
  // A shopper's events and how long reading them took.
  struct ReadHistory {
    std::vector<ProfileEvent> events;
    Clock::duration took{};
  };
  // The order page 1 of a search was given (its window's ids, best first,
  // and scores), for the pages after it.
  struct SavedOrder {
    std::vector<std::string> ids;
    std::vector<double> scores;
  };
  // A copy of the saved order for `page_key` when this is a later page of a
  // storefront that keeps pages consistent and page 1's order is still kept.
  std::optional<SavedOrder> savedOrder(const config::StorefrontConfig& cfg, const SearchPlan& plan,
                                       const std::string& page_key);
  // Whether savedOrder would find one (without copying it).
  bool keepsOrder(const config::StorefrontConfig& cfg, const SearchPlan& plan,
                  const std::string& page_key);
  // Why a window cannot be ranked at all (the deadline passed, no hits),
  // or null.
  static const char* stopBeforeRanking(std::size_t hits, Clock::time_point deadline);
  // The window in the saved order (hits new since page 1 after, in the
  // engine's order). In page_orders.cc, with the store of saved orders.
  static Ranking fromSavedOrder(const connectors::SearchResult& window, const SavedOrder& saved,
                                Clock::time_point deadline);
  // The ranking of a window: the saved order of page 1 for a later page,
  // else the window scored with the shopper's profile: `early`, read while
  // the engine searched, or read now (through `caller`). Either read is
  // timed as the `profile` stage.
  boost::asio::awaitable<Ranking> rankFor(const StorefrontRuntime& sf,
                                          const connectors::SearchResult& window,
                                          std::size_t engine_count, const SearchPlan& plan,
                                          std::string_view query_text, const Shopper& shopper,
                                          const std::string& page_key, Clock::time_point deadline,
                                          UpstreamCaller& caller,
                                          std::optional<ReadHistory> early = std::nullopt);
  // The window's first `engine_count` hits are the engine's; the rest are
  // extra candidates.
  Ranking rank(const StorefrontRuntime& sf, const connectors::SearchResult& window,
               std::size_t engine_count, const SearchPlan& plan, std::string_view query_text,
               const Shopper& shopper, std::span<const ProfileEvent> history,
               const std::string& page_key, Clock::time_point deadline);
  // The k-NN search for the items nearest the query's vector, within the
  // client's filters; nullopt (and why, in `note`) when there is none.
  boost::asio::awaitable<std::optional<connectors::SearchResponse>> extraCandidates(
      const Runtime& rt, const StorefrontRuntime& sf, const Request& request,
      const SearchPlan& plan, std::string_view query_text, UpstreamCaller& upstream,
      std::string& note);
  // The items the model's training log says shoppers clicked for this query
  // (with live statistics: those clicked since first; up to
  // `extra_candidates.clicked`), fetched within the client's filters,
  // leaving out those already in `window`; nullopt (and why, in `note`;
  // empty when the model has no such lists) when there are none to add.
  boost::asio::awaitable<std::optional<connectors::SearchResponse>> clickedCandidates(
      const Runtime& rt, const StorefrontRuntime& sf, const Request& request,
      const SearchPlan& plan, std::string_view query_text,
      const connectors::SearchResult& window, UpstreamCaller& upstream, std::string& note);
  // One extra-candidates search (`body`, on the request's own path): the
  // parsed hits, or nullopt with the reason in `note` and the engine's
  // status (0 when it could not be reached) in `status`; failures are
  // counted as upstream errors of `what`.
  boost::asio::awaitable<std::optional<connectors::SearchResponse>> extraSearch(
      const Runtime& rt, const Request& request, std::string body, std::string_view what,
      UpstreamCaller& upstream, std::string& note, int& status);
  // The shopper's events from whichever store is configured: the embedded
  // one at once, the shared one's index through `caller` (so that an I/O
  // thread waits for it without blocking). Empty, and a counted error, when
  // the shared store cannot be read.
  boost::asio::awaitable<std::vector<ProfileEvent>> historyWith(const std::string& storefront,
                                                                const std::string& user,
                                                                UpstreamCaller& caller);
  // historyWith, timed.
  boost::asio::awaitable<ReadHistory> readHistory(const std::string& storefront,
                                                  const std::string& user,
                                                  UpstreamCaller& caller);
  // Whether a search's profile is an engine call that can go out with its
  // window: the shared store, a known shopper, a search that will be
  // scored (not the A/B control, not a later page that reuses page 1's
  // order).
  bool readsProfileEarly(const config::StorefrontConfig& cfg, const SearchPlan& plan,
                         const Shopper& shopper, std::string_view bucket,
                         const std::string& page_key);
  // The served page in the activity log (what was shown, in order, with
  // the request id, bucket and model version), when one is kept.
  void recordServed(const StorefrontRuntime& sf, const Shopper& who, std::string_view query_text,
                    const std::string& request_id, const std::string& bucket,
                    const SearchPlan& plan, const connectors::SearchResult& window,
                    const Ranking& ranking, bool failed);
  static Shopper shopper(const config::StorefrontConfig& cfg, const Request& request,
                         const SearchPlan& plan);
  static std::string pageKey(const config::StorefrontConfig& cfg, const Shopper& shopper,
                             std::string_view where, const SearchPlan& plan);

  struct CachedOrder {
    std::chrono::steady_clock::time_point expires;
    std::vector<std::string> ids;  // the reranked window, best first
    std::vector<double> scores;
    std::list<std::string>::iterator lru;
  };
  // The texts of a storefront's items by id: from the cache, and those not
  // in it from the engine, in one search for all of them (per 1,000 ids).
  // An item the engine does not have, or could not be asked for, maps to null.
  using ItemTexts = std::unordered_map<std::string, std::shared_ptr<const scoring::ItemText>>;
  ItemTexts itemTexts(const Runtime& rt, const StorefrontRuntime& sf,
                      const std::vector<std::string>& item_ids);
  const CachedOrder* cachedOrder(const std::string& key);
  void rememberOrder(const std::string& key, std::chrono::seconds ttl, std::vector<std::string> ids,
                     std::vector<double> scores);

  Metrics& metrics_;
  std::unique_ptr<ProfileStore> profiles_ = std::make_unique<ProfileStore>();
  // Serializes ingestion: the duplicate check, the log append and applying
  // the events happen as one step.
  std::mutex ingest_mu_;
  std::unique_ptr<EventLog> log_;  // null: memory only
  std::unique_ptr<SharedProfiles> shared_;  // set: profiles live in the engine
  std::unique_ptr<ActivityLog> activity_;  // null: not recorded
  int snapshot_every_ = 10000;
  ItemTextCache items_{200000, std::chrono::hours(1)};  // by "storefront\nid"
  // Storefront + model version -> when to try the k-NN search again after
  // the engine refused it (no knn_vector field: vectors synced in stored mode).
  std::mutex knn_mu_;
  std::unordered_map<std::string, Clock::time_point> knn_retry_;
  std::mutex pages_mu_;
  std::unordered_map<std::string, CachedOrder> pages_;
  std::list<std::string> pages_lru_;
  // A click event's query: its own, its search's, or that of the search
  // rerankd served under its request id. Adds it to the live statistics.
  void learnClick(const Runtime& rt, const ParsedEvent& ev);
  void rememberServed(const StorefrontRuntime& sf, const std::string& request_id,
                      std::string_view query_text);
  // The normalized query a click (or a search with its clicked item)
  // counts for: its own `query`, else that of the search rerankd served
  // under `request_id`; "" when neither is known.
  std::string clickQuery(const std::string& storefront, const std::string& query,
                         const std::string& request_id);
  // One click of `item` into `live`, for the query clickQuery finds; what
  // learnClick and restoreLiveStats both do. False when it did not count
  // (no query known, or not newer than the model).
  bool addLiveClick(LiveStats& live, const std::string& storefront, const std::string& item,
                    const std::string& query, const std::string& request_id, int64_t ts_ms);
  struct LiveSlot {
    std::string version;  // of the model the statistics started from
    std::shared_ptr<LiveStats> stats;
  };
  std::mutex live_mu_;
  std::unordered_map<std::string, LiveSlot> live_;  // by storefront
  std::mutex served_mu_;
  std::unordered_map<std::string, std::string> served_;  // storefront\nrequest id -> query
  std::deque<std::string> served_order_;                  // oldest first
  static constexpr std::size_t kServedRemembered = 100000;
};

}  // namespace rr::rerank

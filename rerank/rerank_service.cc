#include "rerank/rerank_service.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <charconv>
#include <optional>
#include <cmath>
#include <unordered_set>

#include "connectors/json_writer.h"
#include "connectors/search_response.h"
#include "index_sync/vector_fields.h"
#include "rerank/detail/engine_answers.h"
#include "rerank/detail/started.h"
#include "rerank/events.h"
#include "rerank/extra_candidates.h"
#include "rerank/handler.h"
#include "rerank/live_scorer.h"
#include "rerank/request_context.h"
#include "rerank/search_request.h"
#include "rerank/search_response_writer.h"
#include "scoring/features.h"
#include "scoring/tokenizer.h"

namespace rr::rerank {
namespace asio = boost::asio;
namespace {

using Clock = std::chrono::steady_clock;
using detail::fromEngine;
using detail::ms;
using detail::newRequestId;
using detail::upstreamFailure;
using connectors::jsonString;

int64_t epochMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

uint64_t fnv1a(std::string_view s, uint64_t h = 14695981039346656037ull) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// The engine request for the rerank path: the client's method, path and
// headers (minus hop-by-hop ones and, when rerankd has its own credentials,
// the client's), the planned body and query.
connectors::HttpRequest upstreamRequest(const Runtime& rt, const Request& request,
                                        const SearchPlan& plan) {
  connectors::HttpRequest out;
  out.method = request.method == "GET" && !plan.upstream_body.empty() ? "POST" : request.method;
  out.path = std::string(request.path());
  out.query = plan.upstream_query;
  out.body = plan.upstream_body;
  // Accept-Encoding stays behind: rerankd reads the engine's answer, and
  // OpenSearch compresses it for a client that accepts gzip.
  detail::rewrittenHeaders(request, rt.config->upstream.hasCredentials(), out.headers);
  if (!out.body.empty()) out.headers.push_back({"Content-Type", "application/json"});
  return out;
}

// One live scorer per thread and storefront, rebuilt when the model changes.
LiveScorer& scorerFor(const std::string& storefront,
                      const std::shared_ptr<const scoring::Model>& model) {
  struct Slot {
    std::weak_ptr<const scoring::Model> model;
    std::unique_ptr<LiveScorer> scorer;
  };
  thread_local std::unordered_map<std::string, Slot> slots;
  Slot& slot = slots[storefront];
  if (slot.model.lock() != model || !slot.scorer) {
    slot.model = model;
    slot.scorer = std::make_unique<LiveScorer>(*model);
  }
  return *slot.scorer;
}

}  // namespace

asio::awaitable<connectors::Result<connectors::HttpResponse>> BlockingCaller::raw(
    connectors::HttpRequest request) {
  co_return client_.raw(request);
}

RerankService::RerankService(Metrics& metrics) : metrics_(metrics) {}

asio::awaitable<RerankService::TimedAnswer> RerankService::timedCall(
    UpstreamCaller& caller, connectors::HttpRequest request) {
  auto answer = co_await caller.raw(std::move(request));
  co_return TimedAnswer{std::move(answer), Clock::now()};
}

std::string RerankService::bucketOf(const config::StorefrontConfig& cfg, std::string_view user,
                                    std::string_view session, std::string_view fallback) {
  if (cfg.ab_test.treatment_percent >= 100) return "";
  const std::string_view who = !user.empty() ? user : !session.empty() ? session : fallback;
  const uint64_t h = fnv1a(who, fnv1a(cfg.ab_test.salt + '\n' + cfg.name + '\n'));
  // The high bits: FNV's low bits mix poorly for short keys.
  return static_cast<int>((h >> 32) % 100) < cfg.ab_test.treatment_percent ? "treatment"
                                                                           : "control";
}

const char* RerankService::stopBeforeRanking(std::size_t hits, Clock::time_point deadline) {
  if (Clock::now() > deadline) return "deadline";
  if (hits == 0) return "empty_window";
  return nullptr;
}

RerankService::Ranking RerankService::rank(const StorefrontRuntime& sf,
                                           const connectors::SearchResult& window,
                                           std::size_t engine_count, const SearchPlan& plan,
                                           std::string_view query_text, const Shopper& shopper,
                                           std::span<const ProfileEvent> history,
                                           const std::string& page_key,
                                           Clock::time_point deadline) {
  Ranking out;
  const auto& cfg = *sf.config;
  const auto& hits = window.hits;
  const std::size_t m = hits.size();
  if (const char* stop = stopBeforeRanking(m, deadline)) {
    out.fail = stop;
    return out;
  }
  const auto fields = index_sync::vectorFields(cfg.vector.field, sf.model->version);
  const std::string vector_key = connectors::jsonString(fields.vector);
  // Candidates: vectors from the index, text through the field map (all of
  // it only where there is no vector: the tower then needs it). Per thread
  // and reused, so a search allocates nothing here once warm. The pools only
  // grow: shrinking them for a smaller window would free the vectors' and
  // strings' buffers that the next larger window then allocates again.
  thread_local std::vector<std::vector<float>> vector_pool;
  thread_local std::vector<LiveCandidate> candidate_pool;
  if (vector_pool.size() < m) vector_pool.resize(m);
  if (candidate_pool.size() < m) candidate_pool.resize(m);
  const std::span<std::vector<float>> vectors(vector_pool.data(), m);
  const std::span<LiveCandidate> candidates(candidate_pool.data(), m);
  std::size_t unusable = 0;
  for (std::size_t i = 0; i < m; ++i) {
    auto& c = candidates[i];
    const bool has_vector = hitVector(hits[i].fields, vector_key, vectors[i]);
    readHitText(hits[i], cfg.fields, /*with_text=*/!has_vector, c.text);
    c.vector = has_vector ? std::span<const float>(vectors[i]) : std::span<const float>();
    if (c.vector.empty() && c.text.title.empty()) ++unusable;
    // Extra candidates as in training: no engine score, ranked past the window.
    c.engine_score = i < engine_count ? static_cast<float>(hits[i].score.value_or(0.0)) : 0.0f;
    c.engine_rank = i < engine_count ? static_cast<int>(i) : cfg.window;
  }
  if (unusable == m) {
    out.fail = "missing_vectors";
    return out;
  }
  out.order.resize(m);
  LiveScorer& scorer = scorerFor(cfg.name, sf.model);
  thread_local std::vector<float> scores;  // reused, as the candidates are
  const std::shared_ptr<LiveStats> live = liveStats(sf);
  scorer.score(query_text, candidates, {history, shopper.session, epochMs(), 30.0}, scores,
               &out.computed, live.get());
  for (float s : scores) {
    if (!std::isfinite(s)) {
      out.fail = "model_error";
      return out;
    }
  }
  // Best first, ties in window order: the order a stable sort gives,
  // without its scratch buffer.
  thread_local std::vector<std::size_t> idx;
  idx.resize(m);
  for (std::size_t i = 0; i < m; ++i) idx[i] = i;
  std::sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) {
    return scores[a] > scores[b] || (scores[a] == scores[b] && a < b);
  });
  for (std::size_t r = 0; r < m; ++r) out.order[r] = {idx[r], scores[idx[r]]};
  if (plan.explain) {
    std::vector<float> f, contrib;
    const auto& names = scoring::kFeatureNames;
    for (std::size_t r = 0; r < m; ++r) {
      scorer.explain(out.order[r].window_index, f, contrib);
      HitExplain e;
      for (std::size_t k = 0; k < f.size() && k < names.size(); ++k) {
        e.features.emplace_back(std::string(names[k]), f[k]);
        e.contributions.emplace_back(std::string(names[k]), contrib[k]);
      }
      out.explain.push_back(std::move(e));
    }
  }
  if (cfg.page_consistency.count() > 0) {
    std::vector<std::string> ids;
    std::vector<double> sc;
    for (const auto& o : out.order) {
      ids.emplace_back(hits[o.window_index].id);
      sc.push_back(o.score);
    }
    std::lock_guard lock(pages_mu_);
    rememberOrder(page_key, cfg.page_consistency, std::move(ids), std::move(sc));
  }
  if (Clock::now() > deadline) {
    out.fail = "deadline";
    return out;
  }
  out.reason = scorer.hadHistory() ? "history" : "no_history";
  return out;
}

asio::awaitable<RerankService::Ranking> RerankService::rankFor(
    const StorefrontRuntime& sf, const connectors::SearchResult& window, std::size_t engine_count,
    const SearchPlan& plan, std::string_view query_text, const Shopper& shopper,
    const std::string& page_key, Clock::time_point deadline, UpstreamCaller& caller,
    std::optional<ReadHistory> early) {
  // Pages after the first reuse the order page 1 was given: held from here
  // on, so it cannot expire between this check and its use, and the profile
  // is not read for it.
  if (auto saved = savedOrder(*sf.config, plan, page_key)) {
    co_return fromSavedOrder(window, *saved, deadline);
  }
  const bool read_early = early.has_value();
  // Not a ?: with a co_await in one arm: GCC 12 frees that arm's temporary
  // before the result is used.
  ReadHistory history;
  if (read_early) {
    history = std::move(*early);
  } else {
    history = co_await readHistory(sf.config->name, shopper.user, caller);
  }
  metrics_.observeStage(sf.config->name, "profile",
                        std::chrono::duration<double>(history.took).count());
  Ranking out = rank(sf, window, engine_count, plan, query_text, shopper, history.events,
                     page_key, deadline);
  out.profile = history.took;
  out.profile_early = read_early;
  co_return out;
}

asio::awaitable<std::optional<connectors::SearchResponse>> RerankService::extraCandidates(
    const Runtime& rt, const StorefrontRuntime& sf, const Request& request, const SearchPlan& plan,
    std::string_view query_text, UpstreamCaller& upstream, std::string& note) {
  const auto& cfg = *sf.config;
  if (cfg.vector.mode == config::VectorConfig::Mode::kStored) {
    note = "skipped; reason=stored_vectors";
    co_return std::nullopt;
  }
  const std::string retry_key = cfg.name + '\n' + sf.model->version;
  {
    std::lock_guard lock(knn_mu_);
    auto it = knn_retry_.find(retry_key);
    if (it != knn_retry_.end() && Clock::now() < it->second) {
      note = "skipped; reason=knn_unavailable";
      co_return std::nullopt;
    }
  }
  const scoring::Model& model = *sf.model;
  // Plain locals: a coroutine may resume on another thread, and GCC can
  // keep a thread_local's address across the suspension.
  std::vector<uint32_t> tokens;
  std::vector<float> vec;
  model.queryTokens(scoring::Tokenizer::normalize(query_text), tokens);
  if (tokens.empty()) {
    note = "skipped; reason=no_query_text";
    co_return std::nullopt;
  }
  vec.resize(static_cast<std::size_t>(model.dim()));
  model.queryVector(tokens, vec.data());
  const auto fields = index_sync::vectorFields(cfg.vector.field, model.version);
  auto body = knnRequestBody(plan.upstream_body, fields.knn, vec, cfg.extra_candidates.k);
  if (!body) {
    note = "skipped; reason=unrecognized_filters";
    co_return std::nullopt;
  }
  int status = 0;
  auto found =
      co_await extraSearch(rt, request, std::move(*body), "extra_candidates", upstream, note, status);
  if (status == 400) {  // no such field: not worth asking again soon
    std::lock_guard lock(knn_mu_);
    knn_retry_[retry_key] = Clock::now() + std::chrono::seconds(60);
  }
  co_return found;
}

asio::awaitable<std::optional<connectors::SearchResponse>> RerankService::extraSearch(
    const Runtime& rt, const Request& request, std::string body, std::string_view what,
    UpstreamCaller& upstream, std::string& note, int& status) {
  SearchPlan extra_plan;
  extra_plan.upstream_body = std::move(body);
  auto out = upstreamRequest(rt, request, extra_plan);
  out.method = "POST";
  out.query.clear();
  auto answer = co_await upstream.raw(std::move(out));
  status = answer ? answer->status : 0;
  if (!answer || answer->status != 200) {
    metrics_.countUpstreamError(std::string(what));
    note = answer ? "error; status=" + std::to_string(answer->status)
                  : "error; cause=" + std::string(connectors::toString(answer.error().cause));
    co_return std::nullopt;
  }
  auto parsed = connectors::parseSearchResponse(std::move(answer->body));
  if (!parsed) {
    metrics_.countUpstreamError(std::string(what));
    note = "error; bad_response";
    co_return std::nullopt;
  }
  co_return std::move(*parsed);
}

asio::awaitable<std::optional<connectors::SearchResponse>> RerankService::clickedCandidates(
    const Runtime& rt, const StorefrontRuntime& sf, const Request& request, const SearchPlan& plan,
    std::string_view query_text, const connectors::SearchResult& window, UpstreamCaller& upstream,
    std::string& note) {
  const auto& cfg = *sf.config;
  const scoring::Model& model = *sf.model;
  if (cfg.extra_candidates.clicked <= 0) co_return std::nullopt;
  // With live statistics the clicks since the model come first.
  const std::shared_ptr<LiveStats> live = liveStats(sf);
  if (model.queryClicks().empty() && (!live || live->added() == 0)) co_return std::nullopt;
  const std::string normalized = scoring::Tokenizer::normalize(query_text);
  const auto* trained = model.clickedFor(normalized);
  const auto k = static_cast<std::size_t>(cfg.extra_candidates.clicked);
  std::vector<std::string> merged;
  if (live) merged = live->clickedFor(normalized, trained, k);
  const std::vector<std::string>* list = live ? &merged : trained;
  if (!list || list->empty()) {
    note = "skipped; reason=no_clicks_for_query";
    co_return std::nullopt;
  }
  // The list as training cut it, less what the engine already found (when
  // hits are addressed by `_id`; otherwise the merge drops duplicates).
  const bool by_doc_id = cfg.fields.id.empty() || cfg.fields.id == "_id";
  std::unordered_set<std::string_view> in_window;
  if (by_doc_id) {
    for (const auto& h : window.hits) in_window.insert(h.id);
  }
  std::vector<std::string> ids;
  const std::size_t n = std::min(list->size(), static_cast<std::size_t>(cfg.extra_candidates.clicked));
  for (std::size_t i = 0; i < n; ++i) {
    if (!in_window.count((*list)[i])) ids.push_back((*list)[i]);
  }
  if (ids.empty()) {
    note = "added=0";
    co_return std::nullopt;
  }
  auto body = clickedRequestBody(plan.upstream_body, cfg.fields.id, ids);
  if (!body) {
    note = "skipped; reason=unrecognized_filters";
    co_return std::nullopt;
  }
  int status = 0;
  co_return co_await extraSearch(rt, request, std::move(*body), "clicked_candidates", upstream,
                                 note, status);
}

void RerankService::recordServed(const StorefrontRuntime& sf, const Shopper& who,
                                 std::string_view query_text, const std::string& request_id,
                                 const std::string& bucket, const SearchPlan& plan,
                                 const connectors::SearchResult& window, const Ranking& ranking,
                                 bool failed) {
  if (!activity_) return;
  scoring::data::Event served;
  served.type = scoring::data::Event::Type::kSearch;
  served.user = who.user.empty() ? "anonymous" : who.user;
  served.session = who.session;
  served.ts_ms = epochMs();
  served.query = std::string(query_text);
  served.request_id = request_id;
  served.bucket = bucket;
  served.from = plan.from;
  served.model = sf.model->version;
  const auto& hits = window.hits;
  const std::size_t end = static_cast<std::size_t>(plan.from + plan.size);
  if (failed) {
    for (std::size_t i = static_cast<std::size_t>(plan.from); i < std::min(end, hits.size()); ++i) {
      served.impressions.emplace_back(hits[i].id);
    }
  } else {
    for (std::size_t k = static_cast<std::size_t>(plan.from); k < std::min(end, ranking.order.size());
         ++k) {
      served.impressions.emplace_back(hits[ranking.order[k].window_index].id);
    }
  }
  activity_->record(sf.config->name, served);
}

RerankService::Shopper RerankService::shopper(const config::StorefrontConfig& cfg,
                                              const Request& request, const SearchPlan& plan) {
  Shopper s;
  s.user = cfg.user_id.kind == config::IdSource::Kind::kBody ? plan.ids_from_body.user_id
                                                             : idFromRequest(request, cfg.user_id);
  s.session = cfg.session_id.kind == config::IdSource::Kind::kBody
                  ? plan.ids_from_body.session_id
                  : idFromRequest(request, cfg.session_id);
  return s;
}

std::string RerankService::pageKey(const config::StorefrontConfig& cfg, const Shopper& shopper,
                                   std::string_view where, const SearchPlan& plan) {
  // The hash of body, newline, query, taken in pieces (FNV-1a runs left to
  // right) rather than over a copy of the body.
  const uint64_t h = fnv1a(plan.upstream_query, fnv1a("\n", fnv1a(plan.upstream_body)));
  return cfg.name + '\n' + shopper.user + '\n' + std::string(where) + '\n' + std::to_string(h);
}

Response RerankService::runToEnd(asio::awaitable<Response> work) {
  // Over the blocking caller every await completes at once.
  asio::io_context here;
  std::optional<Response> out;
  std::exception_ptr failed;
  asio::co_spawn(here, std::move(work), [&](std::exception_ptr e, Response r) {
    failed = e;
    out = std::move(r);
  });
  here.run();
  if (failed) std::rethrow_exception(failed);
  return std::move(*out);
}

Response RerankService::search(const Runtime& rt, const StorefrontRuntime& sf,
                               const Request& request) {
  BlockingCaller caller(*rt.upstream);
  return runToEnd(searchWith(rt, sf, request, caller));
}

asio::awaitable<Response> RerankService::searchWith(const Runtime& rt, const StorefrontRuntime& sf,
                                                    const Request& request,
                                                    UpstreamCaller& caller) {
  const auto t0 = Clock::now();
  const auto& cfg = *sf.config;
  const auto fields = index_sync::vectorFields(cfg.vector.field, sf.model->version);
  const std::string vector_fields[] = {fields.vector};
  auto plan = planSearch({request.body, request.query(), request.header("Accept")}, cfg,
                         vector_fields);
  if (!plan) {
    metrics_.countRequest(cfg.name, "rejected", "malformed");
    Response r;
    r.status = plan.error().status;
    r.set("Content-Type", "application/json; charset=UTF-8");
    r.body = errorBody(plan.error());
    co_return r;
  }
  const Shopper who = shopper(cfg, request, *plan);
  // Only for a search that is reranked: a passed-through one needs none of it.
  std::string request_id, bucket, page_key, query_text;  // query_text: scorer, k-NN, log
  if (plan->rerank) {
    query_text = queryText(request.body);
    request_id = newRequestId();
    bucket = bucketOf(cfg, who.user, who.session, request_id);
    page_key = pageKey(cfg, who, request.method + " " + std::string(request.path()), *plan);
  }
  const bool control = bucket == "control";
  // From the shared store the profile is an engine call of its own: it goes
  // out with the window, not after it, and is joined on every way out.
  detail::Started<ReadHistory> profile_read;
  if (readsProfileEarly(cfg, *plan, who, bucket, page_key)) {
    profile_read = detail::Started<ReadHistory>::start(co_await asio::this_coro::executor,
                                                       readHistory(cfg.name, who.user, caller));
  }
  // So does the k-NN extras' search: it needs no window (its answer dropped
  // if extras_allowed turns out false). The clicked-items search waits: it
  // leaves out the window's hits, most often all of them, and is then not sent.
  std::string extra_note;
  using Found = std::optional<connectors::SearchResponse>;
  detail::Started<Found> knn;
  if (plan->rerank && !control && cfg.extra_candidates.enabled) {
    knn = detail::Started<Found>::start(co_await asio::this_coro::executor,
        extraCandidates(rt, sf, request, *plan, query_text, caller, extra_note));
  }
  auto [window_and_profile, knn_found] = co_await detail::joinAfter(
      detail::joinAfter(timedCall(caller, upstreamRequest(rt, request, *plan)), profile_read),
      knn);
  auto& [window_call, early_history] = window_and_profile;
  auto& answer = window_call.answer;
  const auto t_up = window_call.at;
  const auto t_joined = Clock::now();  // the other answers in too: parsing starts
  metrics_.observeStage(cfg.name, "upstream", std::chrono::duration<double>(t_up - t0).count());
  if (!answer) co_return upstreamFailure(metrics_, answer.error());
  if (!plan->rerank || answer->status != 200) {
    const std::string reason = plan->rerank ? "engine_status_" + std::to_string(answer->status)
                                            : plan->pass_reason;
    metrics_.countRequest(cfg.name, "skipped", reason);
    Response r = fromEngine(std::move(*answer));
    r.set("X-Rerank", "skipped; reason=" + reason);
    co_return r;
  }
  // The fields scoring reads of a candidate with a vector come out of this
  // one pass over the window, not a second parse of every `_source`.
  const auto source_keys = hitSourceKeys(cfg.fields);
  auto window = connectors::parseSearchResponse(std::move(answer->body), source_keys);
  const auto t_parse = Clock::now();
  metrics_.observeStage(cfg.name, "parse",
                        std::chrono::duration<double>(t_parse - t_joined).count());
  if (!window) {
    metrics_.countRequest(cfg.name, "error", "bad_engine_response");
    co_return errorResponse(502, "rerank_upstream_exception",
                            "the engine's search response could not be read: " +
                             window.error().message);
  }
  const std::size_t engine_count = window->hits.size();
  // Extra candidates, as training adds them: the items clicked for this query
  // in the training log, then the items nearest the query's vector. Each
  // response stays alive while its hits sit in the window.
  Found clicked, extra;
  std::string clicked_note;
  std::unordered_set<std::string> seen;
  auto merge = [&](const connectors::SearchResponse& more) {
    if (seen.empty()) {
      for (const auto& h : window->hits) seen.insert(std::string(h.index) + '/' + std::string(h.id));
    }
    std::size_t added = 0;
    for (const auto& h : more.hits) {
      if (seen.insert(std::string(h.index) + '/' + std::string(h.id)).second) {
        window->hits.push_back(h);
        ++added;
      }
    }
    return "added=" + std::to_string(added);
  };
  const bool extras_allowed = (engine_count > 0 || cfg.extra_candidates.on_empty) && !control;
  if (extras_allowed) {
    clicked = co_await clickedCandidates(rt, sf, request, *plan, query_text, *window, caller,
                                         clicked_note);
    if (knn_found && *knn_found) extra = std::move(**knn_found);
    if (clicked) clicked_note = merge(*clicked);  // clicked items first, as in training
    if (extra) extra_note = merge(*extra);
  } else {
    extra_note.clear();  // a k-NN answer this window takes none of
  }
  const auto t_extra = Clock::now();
  if (cfg.extra_candidates.enabled || clicked) {
    metrics_.observeStage(cfg.name, "extra",
                          std::chrono::duration<double>(t_extra - t_parse).count());
  }
  Ranking ranking;
  if (control) {
    ranking.fail = "ab_control";  // the engine's order, through the same path
  } else {
    ranking = co_await rankFor(sf, *window, engine_count, *plan, query_text, who, page_key,
                               t0 + cfg.deadline, caller, std::move(early_history));
  }
  const auto t_w0 = Clock::now();
  // A profile read with the window took none of this stage's time.
  const Clock::duration profile_wait = ranking.profileWait();
  metrics_.observeStage(cfg.name, "score",
                        std::chrono::duration<double>(t_w0 - t_extra - profile_wait).count());
  const bool failed = !ranking.fail.empty();
  if (failed) window->hits.resize(engine_count);  // the engine's own page, nothing added
  ResponseParts parts;
  parts.window = &*window;
  parts.order = ranking.order;
  parts.from = plan->from;
  parts.size = plan->size;
  parts.extra_took_ms = std::max<int64_t>(0, std::llround(ms(t_w0 - t_up)));
  parts.strip_fields = plan->strip_fields;
  parts.explain = ranking.explain;
  Response r;
  detail::addEngineHeaders(answer->headers, r);
  r.set("Content-Type", "application/json; charset=UTF-8");
  r.body = failed ? writeEngineOrderPage(parts) : writeSearchResponse(parts);
  const auto t_end = Clock::now();
  metrics_.observeStage(cfg.name, "write", std::chrono::duration<double>(t_end - t_w0).count());
  metrics_.countRequest(cfg.name, control ? "skipped" : failed ? "fallback" : "applied",
                        failed ? ranking.fail : ranking.reason);
  recordServed(sf, who, query_text, request_id, bucket, *plan, *window, ranking, failed);
  rememberServed(sf, request_id, query_text);
  // "upstream=1.23;parse=0.05;...": to_chars, not printf's locale and format
  // parsing, on every search.
  std::string timing;
  const std::pair<const char*, double> stages[] = {
      {"upstream=", ms(t_up - t0)},       {";parse=", ms(t_parse - t_joined)},
      {";extra=", ms(t_extra - t_parse)}, {";profile=", ms(ranking.profile)},
      {";rerank=", ms(t_w0 - t_extra - profile_wait)}, {";write=", ms(t_end - t_w0)},
      {";total=", ms(t_end - t0)}};
  for (const auto& [name, value] : stages) {
    char buf[32];
    const auto written = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed, 2);
    timing += name;
    timing.append(buf, written.ec == std::errc() ? written.ptr : buf);
  }
  r.set("X-Rerank", control  ? std::string("skipped; reason=ab_control")
                    : failed ? "fallback; reason=" + ranking.fail
                             : std::string("applied"));
  r.set("X-Rerank-Request-Id", request_id);
  if (!bucket.empty()) r.set("X-Rerank-Bucket", bucket);
  r.set("X-Rerank-Model", sf.model->version);
  r.set("X-Rerank-Timing", timing);
  if (!failed) {
    const std::size_t m = window->hits.size();
    r.set("X-Rerank-Vectors", "index=" + std::to_string(m - ranking.computed) +
                                  ";computed=" + std::to_string(ranking.computed));
  }
  if (!extra_note.empty()) r.set("X-Rerank-Extra", extra_note);
  if (!clicked_note.empty()) r.set("X-Rerank-Clicked", clicked_note);
  co_return r;
}

}  // namespace rr::rerank

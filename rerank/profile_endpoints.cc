// The profile half of RerankService: the stores behind shoppers' profiles,
// the events API that feeds them, and reading and erasing a profile. The
// search path is in rerank_service.cc.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <unordered_set>

#include "connectors/json_writer.h"
#include "rerank/detail/engine_answers.h"
#include "rerank/events.h"
#include "rerank/handler.h"
#include "rerank/request_context.h"
#include "rerank/rerank_service.h"

namespace rr::rerank {
namespace {

using Clock = std::chrono::steady_clock;
using connectors::jsonString;
using detail::ms;

constexpr std::size_t kItemLookupChunk = 1000;    // item ids per engine search

// A 404 for a storefront name the config does not have; nullopt when known.
std::optional<Response> unknownStorefront(const Runtime& rt, std::string_view storefront) {
  if (rt.named(storefront)) return std::nullopt;
  return errorResponse(404, "resource_not_found_exception",
                       "no storefront '" + std::string(storefront) + "'");
}

}  // namespace

void RerankService::openActivityLog(const config::ActivityLogConfig& cfg) {
  activity_ = cfg.enabled ? std::make_unique<ActivityLog>(cfg.dir) : nullptr;
}

std::expected<void, std::string> RerankService::openProfiles(const config::ProfilesConfig& cfg) {
  std::lock_guard lock(ingest_mu_);
  profiles_ = std::make_unique<ProfileStore>(static_cast<std::size_t>(cfg.max_users),
                                             static_cast<std::size_t>(cfg.max_events_per_user),
                                             cfg.retention_days);
  log_.reset();
  shared_.reset();
  snapshot_every_ = cfg.snapshot_every;
  if (cfg.store == config::ProfilesConfig::Store::kShared) {
    shared_ = std::make_unique<SharedProfiles>(cfg.index, cfg.max_events_per_user,
                                               cfg.retention_days);
    std::fprintf(stderr, "rerankd: profiles shared in the engine index %s\n", cfg.index.c_str());
    return {};
  }
  if (!cfg.durable) return {};
  ReplayStats stats;
  auto log = EventLog::open(cfg.dir, *profiles_, &stats);
  if (!log) return std::unexpected("profiles.dir: " + log.error());
  log_ = std::move(*log);
  std::fprintf(stderr,
               "rerankd: profiles from %s: %zu snapshot and %zu log records, %zu users%s\n",
               cfg.dir.c_str(), stats.snapshot_records, stats.wal_records, profiles_->users(),
               stats.torn_bytes ? (", cut a torn last record of " +
                                   std::to_string(stats.torn_bytes) + " bytes").c_str()
                                : "");
  return {};
}

boost::asio::awaitable<std::vector<ProfileEvent>> RerankService::historyWith(
    const std::string& storefront, const std::string& user, UpstreamCaller& caller) {
  if (user.empty()) co_return std::vector<ProfileEvent>{};
  if (!shared_) co_return profiles_->history(storefront, user);
  auto answer = co_await caller.raw(shared_->historyRequest(storefront, user));
  auto h = answer ? shared_->historyFrom(*answer, storefront, user)
                  : std::unexpected(answer.error().message);
  if (!h) {
    metrics_.countUpstreamError("profiles");
    co_return std::vector<ProfileEvent>{};
  }
  co_return std::move(*h);
}

boost::asio::awaitable<RerankService::ReadHistory> RerankService::readHistory(
    const std::string& storefront, const std::string& user, UpstreamCaller& caller) {
  const auto t0 = Clock::now();
  ReadHistory out;
  out.events = co_await historyWith(storefront, user, caller);
  out.took = Clock::now() - t0;
  co_return out;
}

bool RerankService::readsProfileEarly(const config::StorefrontConfig& cfg, const SearchPlan& plan,
                                      const Shopper& shopper, std::string_view bucket,
                                      const std::string& page_key) {
  return shared_ && plan.rerank && !shopper.user.empty() && bucket != "control" &&
         !keepsOrder(cfg, plan, page_key);
}

RerankService::ItemTexts RerankService::itemTexts(const Runtime& rt, const StorefrontRuntime& sf,
                                                 const std::vector<std::string>& item_ids) {
  const auto& cfg = *sf.config;
  ItemTexts out;
  std::vector<std::string> missing;
  for (const auto& id : item_ids) {
    if (out.contains(id)) continue;
    auto text = items_.find(cfg.name + '\n' + id);
    if (!text) missing.push_back(id);
    out.emplace(id, std::move(text));
  }
  const std::string index = cfg.sync_index.empty() ? cfg.indices.front() : cfg.sync_index;
  for (std::size_t start = 0; start < missing.size(); start += kItemLookupChunk) {
    const std::size_t end = std::min(missing.size(), start + kItemLookupChunk);
    std::string values;
    for (std::size_t i = start; i < end; ++i) {
      if (i > start) values += ',';
      values += jsonString(missing[i]);
    }
    const std::string query = cfg.fields.id == "_id"
                                  ? "{\"ids\":{\"values\":[" + values + "]}}"
                                  : "{\"terms\":{" + jsonString(cfg.fields.id) + ":[" + values + "]}}";
    // Twice the ids asked for: a custom id field the catalog repeats must not
    // crowd another item out of the answer.
    auto found = rt.upstream->search(
        index, "{\"size\":" + std::to_string(2 * (end - start)) + ",\"query\":" + query + "}");
    if (!found) continue;  // the events keep their ids; their texts are looked up next time
    for (const auto& hit : found->hits) {
      auto text = std::make_shared<const scoring::ItemText>(hitText(hit.id, hit.source, cfg.fields));
      auto slot = out.find(text->id);
      if (slot == out.end() || slot->second) continue;  // not asked for, or seen already
      items_.put(cfg.name + '\n' + text->id, text);
      slot->second = std::move(text);
    }
  }
  return out;
}

Response RerankService::events(const Runtime& rt, const Request& request) {
  const auto t0 = Clock::now();
  if (request.method != "POST") {
    return errorResponse(405, "illegal_argument_exception", "POST NDJSON events to /_rerank/events");
  }
  auto parsed = parseEvents(request.body, std::chrono::duration_cast<std::chrono::milliseconds>(
                                              std::chrono::system_clock::now().time_since_epoch())
                                              .count());
  if (parsed.empty()) {
    return errorResponse(400, "parse_exception", "the request body has no event lines");
  }
  auto recordActivity = [&](const ParsedEvent& ev) {
    if (!activity_) return;
    static constexpr scoring::data::Event::Type kTypes[] = {
        scoring::data::Event::Type::kView, scoring::data::Event::Type::kClick,
        scoring::data::Event::Type::kCart, scoring::data::Event::Type::kPurchase,
        scoring::data::Event::Type::kSearch};
    scoring::data::Event line;
    line.type = kTypes[static_cast<int>(ev.kind)];
    line.user = ev.user_id;
    line.session = ev.session_id;
    line.ts_ms = ev.ts_ms;
    // A search's item is the one clicked from it ("clicked"); a click keeps
    // the query it names: both are what live statistics and training learn.
    line.item = ev.item_id;
    if (ev.kind == EventKind::kSearch || ev.kind == EventKind::kClick) line.query = ev.query;
    line.event_id = ev.event_id;
    line.request_id = ev.request_id;
    activity_->record(ev.storefront, line);
  };
  // Judge every line, then log the new ones durably, then apply them: an
  // event is acknowledged only once it is on disk.
  enum class Outcome { kRejected, kDuplicate, kAccepted };
  std::vector<Outcome> outcome(parsed.size(), Outcome::kRejected);
  // The events' storefronts, then the texts of the items they name: one
  // engine search per storefront for all the items not cached yet, rather
  // than one per event. A search's item (its click) is for the live
  // statistics, not the history, and needs no text.
  std::vector<const StorefrontRuntime*> sf_of(parsed.size(), nullptr);
  std::map<const StorefrontRuntime*, std::vector<std::string>> wanted;
  for (std::size_t i = 0; i < parsed.size(); ++i) {
    auto& ev = parsed[i];
    if (!ev.ok) continue;
    sf_of[i] = rt.named(ev.storefront);
    if (!sf_of[i]) {
      ev.ok = false;
      ev.reason = "unknown storefront '" + ev.storefront + "'";
      continue;
    }
    if (!ev.item_id.empty() && ev.kind != EventKind::kSearch) wanted[sf_of[i]].push_back(ev.item_id);
  }
  std::map<const StorefrontRuntime*, ItemTexts> texts;
  for (const auto& [sf, ids] : wanted) texts[sf] = itemTexts(rt, *sf, ids);
  std::vector<LoggedEvent> fresh;
  std::vector<std::size_t> fresh_line;
  for (std::size_t i = 0; i < parsed.size(); ++i) {
    auto& ev = parsed[i];
    if (!ev.ok) continue;
    ProfileEvent pe;
    pe.kind = ev.kind;
    pe.item_id = ev.item_id;
    pe.session_id = ev.session_id;
    pe.ts_ms = ev.ts_ms;
    if (!ev.item_id.empty() && ev.kind != EventKind::kSearch) pe.item = texts[sf_of[i]][ev.item_id];
    fresh.push_back({ev.storefront, ev.user_id, ev.event_id, std::move(pe)});
    fresh_line.push_back(i);
    outcome[i] = Outcome::kAccepted;
  }
  std::string store_error;
  if (shared_) {
    // The engine judges duplicates (create by id), across replicas.
    auto written = shared_->add(*rt.upstream, fresh);
    for (std::size_t k = 0; k < fresh.size(); ++k) {
      auto& ev = parsed[fresh_line[k]];
      const auto outcome_k = written ? (*written)[k].outcome : SharedProfiles::Outcome::kFailed;
      if (outcome_k == SharedProfiles::Outcome::kAccepted) {
        recordActivity(ev);
        learnClick(rt, ev);
      } else if (outcome_k == SharedProfiles::Outcome::kDuplicate) {
        outcome[fresh_line[k]] = Outcome::kDuplicate;
      } else {
        store_error = written ? (*written)[k].error : written.error();
        ev.ok = false;
        ev.reason = "not stored, send it again: " + store_error;
        outcome[fresh_line[k]] = Outcome::kRejected;
      }
    }
    if (!store_error.empty()) metrics_.countUpstreamError("profiles");
  } else {
    std::lock_guard lock(ingest_mu_);
    // Duplicates: ids applied before, and repeats within this request.
    std::unordered_set<std::string> in_request;
    std::vector<LoggedEvent> to_log;
    std::vector<std::size_t> to_log_line;
    for (std::size_t k = 0; k < fresh.size(); ++k) {
      const auto& e = fresh[k];
      const std::string key = e.storefront + '\n' + e.event_id;
      if (profiles_->seen(e.storefront, e.event_id) || !in_request.insert(key).second) {
        outcome[fresh_line[k]] = Outcome::kDuplicate;
        continue;
      }
      to_log.push_back(std::move(fresh[k]));
      to_log_line.push_back(fresh_line[k]);
    }
    if (log_) {
      if (auto w = log_->append(to_log); !w) store_error = w.error();
    }
    if (store_error.empty()) {
      for (std::size_t k = 0; k < to_log.size(); ++k) {
        auto& e = to_log[k];
        recordActivity(parsed[to_log_line[k]]);
        learnClick(rt, parsed[to_log_line[k]]);
        profiles_->add(e.storefront, e.user, e.event_id, std::move(e.event));
      }
      if (log_ && log_->recordsSinceSnapshot() >= static_cast<std::size_t>(snapshot_every_)) {
        if (auto snap = log_->snapshot(*profiles_); !snap) {
          // The WAL still holds everything: nothing is lost, it only grows.
          std::fprintf(stderr, "rerankd: snapshot failed: %s\n", snap.error().c_str());
        }
      }
    } else {
      std::fprintf(stderr, "rerankd: events not stored: %s\n", store_error.c_str());
      for (std::size_t line : to_log_line) {
        parsed[line].ok = false;
        parsed[line].reason = "not stored, send it again: " + store_error;
        outcome[line] = Outcome::kRejected;
      }
    }
  }
  std::string items = "[";
  bool errors = false;
  std::size_t accepted = 0;
  for (std::size_t i = 0; i < parsed.size(); ++i) {
    const auto& ev = parsed[i];
    const char* result = "rejected";
    int status = store_error.empty() || ev.reason.rfind("not stored", 0) != 0 ? 400 : 503;
    if (outcome[i] == Outcome::kAccepted) {
      result = "accepted";
      status = 201;
      ++accepted;
    } else if (outcome[i] == Outcome::kDuplicate) {
      result = "duplicate";
      status = 200;
    } else {
      errors = true;
    }
    if (i) items += ',';
    items += "{\"line\":" + std::to_string(ev.line) + ",\"status\":" + std::to_string(status) +
             ",\"result\":\"" + result + "\"";
    if (!ev.event_id.empty()) items += ",\"event_id\":" + jsonString(ev.event_id);
    if (outcome[i] == Outcome::kRejected) items += ",\"reason\":" + jsonString(ev.reason);
    items += "}";
  }
  items += "]";
  metrics_.observeStage("", "events", std::chrono::duration<double>(Clock::now() - t0).count());
  return jsonResponse(
      "{\"took\":" + std::to_string(static_cast<int64_t>(ms(Clock::now() - t0))) +
      ",\"errors\":" + (errors ? "true" : "false") + ",\"accepted\":" + std::to_string(accepted) +
      ",\"items\":" + items + "}");
}

Response RerankService::eraseUser(const Runtime& rt, std::string_view storefront,
                                  std::string_view user) {
  if (auto unknown = unknownStorefront(rt, storefront)) return std::move(*unknown);
  if (shared_) {
    if (auto erased = shared_->erase(*rt.upstream, std::string(storefront), std::string(user));
        !erased) {
      return errorResponse(503, "rerank_store_exception", "not erased: " + erased.error());
    }
  } else {
    std::lock_guard lock(ingest_mu_);
    if (log_) {
      // Logged first, so a crash cannot bring the user back; then a snapshot
      // without them, so their events leave the disk now.
      if (auto w = log_->appendErase(std::string(storefront), std::string(user)); !w) {
        return errorResponse(503, "rerank_store_exception", "not erased: " + w.error());
      }
    }
    profiles_->erase(std::string(storefront), std::string(user));
    if (log_) {
      if (auto snap = log_->snapshot(*profiles_); !snap) {
        return errorResponse(503, "rerank_store_exception",
                             "erased in memory and logged, but the snapshot that removes the "
                             "events from disk failed: " + snap.error());
      }
    }
  }
  // Also from the activity log: the served pages and events that name them.
  if (std::string error;
      activity_ && !activity_->eraseUser(std::string(storefront), std::string(user), error)) {
    return errorResponse(503, "rerank_store_exception",
                         "profile erased, but the activity log was not: " + error);
  }
  return jsonResponse(R"({"erased":true})");
}

Response RerankService::userProfile(const Runtime& rt, std::string_view storefront,
                                    std::string_view user) {
  if (auto unknown = unknownStorefront(rt, storefront)) return std::move(*unknown);
  std::vector<ProfileEvent> events;
  if (shared_) {
    auto found = shared_->history(*rt.upstream, std::string(storefront), std::string(user));
    if (!found) {
      return errorResponse(503, "rerank_store_exception", "profiles unavailable: " + found.error());
    }
    events = std::move(*found);
  } else {
    events = profiles_->history(std::string(storefront), std::string(user));
  }
  static constexpr const char* kKinds[] = {"view", "click", "cart", "purchase", "search"};
  std::string out = "{\"storefront\":" + jsonString(storefront) + ",\"user_id\":" +
                    jsonString(user) + ",\"events\":[";
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& e = events[i];
    if (i) out += ',';
    out += "{\"type\":\"" + std::string(kKinds[static_cast<int>(e.kind)]) +
           "\",\"item_id\":" + jsonString(e.item_id) + ",\"session_id\":" +
           jsonString(e.session_id) + ",\"ts\":" + std::to_string(e.ts_ms) +
           ",\"weight\":" + std::to_string(eventWeight(e.kind));
    // The item as rerankd knows it (looked up when the event came in): what
    // the model reads for this event. Absent when the engine did not have it.
    if (e.item) {
      out += ",\"item\":{\"title\":" + jsonString(e.item->title);
      if (!e.item->brand.empty()) out += ",\"brand\":" + jsonString(e.item->brand);
      if (!e.item->category.empty()) out += ",\"category\":" + jsonString(e.item->category);
      if (e.item->price && std::isfinite(*e.item->price)) {
        char buf[32];
        const auto written = std::to_chars(buf, buf + sizeof buf, *e.item->price);
        out += ",\"price\":";
        out.append(buf, written.ptr);
      }
      out += '}';
    }
    out += '}';
  }
  out += "]}";
  return jsonResponse(std::move(out));
}

}  // namespace rr::rerank

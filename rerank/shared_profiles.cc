#include "rerank/shared_profiles.h"

#include <algorithm>
#include <chrono>

#include "connectors/json_writer.h"
#include "connectors/search_response.h"

namespace rr::rerank {
namespace {

using connectors::jsonString;

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

SharedProfiles::SharedProfiles(std::string index, int max_events, int retention_days)
    : index_(std::move(index)), max_events_(max_events), retention_days_(retention_days) {}

std::expected<void, std::string> SharedProfiles::ensureIndex(connectors::EngineClient& engine) {
  std::lock_guard lock(mu_);
  if (index_ready_) return {};
  auto exists = engine.indexExists(index_);
  if (!exists) return std::unexpected(exists.error().message);
  if (!*exists) {
    // The record's fields; the item text is kept, not indexed.
    auto created = engine.createIndex(index_, R"({
      "settings":{"number_of_shards":1,"auto_expand_replicas":"0-1"},
      "mappings":{"dynamic":"strict","properties":{
        "op":{"type":"keyword"},"sf":{"type":"keyword"},"user":{"type":"keyword"},
        "id":{"type":"keyword"},"type":{"type":"keyword"},"item":{"type":"keyword"},
        "session":{"type":"keyword"},"ts":{"type":"date","format":"epoch_millis"},
        "text":{"type":"object","enabled":false}}}})");
    // Another replica may have created it in between.
    if (!created) {
      auto again = engine.indexExists(index_);
      if (!again || !*again) return std::unexpected(created.error().message);
    }
  }
  index_ready_ = true;
  return {};
}

std::expected<std::vector<SharedProfiles::Written>, std::string> SharedProfiles::add(
    connectors::EngineClient& engine, std::span<const LoggedEvent> events) {
  std::vector<Written> out(events.size());
  if (events.empty()) return out;
  if (auto ready = ensureIndex(engine); !ready) return std::unexpected(ready.error());
  std::vector<connectors::BulkOp> ops;
  ops.reserve(events.size());
  for (const auto& e : events) {
    ops.push_back({.action = connectors::BulkOp::Action::kCreate,
                   .index = index_,
                   .id = e.storefront + ":" + e.event_id,
                   .body = eventRecord(e)});
  }
  auto written = engine.bulk(ops, "wait_for");
  if (!written) return std::unexpected(written.error().message);
  for (std::size_t i = 0; i < out.size() && i < written->items.size(); ++i) {
    const auto& item = written->items[i];
    if (item.ok) {
      out[i].outcome = Outcome::kAccepted;
    } else if (item.status == 409) {
      out[i].outcome = Outcome::kDuplicate;
    } else {
      out[i].error = item.error_type + ": " + item.error_reason;
    }
  }
  return out;
}

std::string SharedProfiles::userFilter(const std::string& storefront, const std::string& user,
                                       bool within_retention) const {
  std::string f = "{\"bool\":{\"filter\":[{\"term\":{\"sf\":" + jsonString(storefront) +
                  "}},{\"term\":{\"user\":" + jsonString(user) + "}}";
  if (within_retention && retention_days_ > 0) {
    f += ",{\"range\":{\"ts\":{\"gte\":" +
         std::to_string(nowMs() - static_cast<int64_t>(retention_days_) * 86'400'000) + "}}}";
  }
  return f + "]}}";
}

std::expected<std::vector<ProfileEvent>, std::string> SharedProfiles::history(
    connectors::EngineClient& engine, const std::string& storefront, const std::string& user) {
  if (auto ready = ensureIndex(engine); !ready) return std::unexpected(ready.error());
  auto answer = engine.raw(historyRequest(storefront, user));
  if (!answer) return std::unexpected(answer.error().message);
  return historyFrom(*answer, storefront, user);
}

connectors::HttpRequest SharedProfiles::historyRequest(const std::string& storefront,
                                                       const std::string& user) const {
  return {"POST", "/" + connectors::encodePathSegment(index_) + "/_search", "",
          {{"Content-Type", "application/json"}},
          "{\"size\":" + std::to_string(max_events_) + ",\"query\":" +
              userFilter(storefront, user, true) + ",\"sort\":[{\"ts\":\"desc\"},{\"id\":\"asc\"}]}"};
}

std::expected<std::vector<ProfileEvent>, std::string> SharedProfiles::historyFrom(
    const connectors::HttpResponse& answer, const std::string& storefront,
    const std::string& user) const {
  if (answer.status == 404) return {};  // no index yet: no events yet
  if (answer.status != 200) {
    return std::unexpected("profile search answered " + std::to_string(answer.status) + ": " +
                           answer.body.substr(0, 300));
  }
  auto found = connectors::parseSearchResponse(answer.body);
  if (!found) return std::unexpected(found.error().message);
  // The same records the embedded store replays, into a store of one user.
  ProfileStore one(1, static_cast<std::size_t>(std::max(1, max_events_)));
  for (auto it = found->hits.rbegin(); it != found->hits.rend(); ++it) {
    applyRecord(it->source, one);
  }
  return one.history(storefront, user);
}

std::expected<void, std::string> SharedProfiles::erase(connectors::EngineClient& engine,
                                                       const std::string& storefront,
                                                       const std::string& user) {
  if (auto ready = ensureIndex(engine); !ready) return std::unexpected(ready.error());
  auto r = engine.raw({"POST", "/" + connectors::encodePathSegment(index_) + "/_delete_by_query",
                       "refresh=true&conflicts=proceed",
                       {{"Content-Type", "application/json"}},
                       "{\"query\":" + userFilter(storefront, user, false) + "}"});
  if (!r) return std::unexpected(r.error().message);
  if (r->status != 200) {
    return std::unexpected("delete_by_query answered " + std::to_string(r->status) + ": " +
                           r->body.substr(0, 300));
  }
  return {};
}

}  // namespace rr::rerank

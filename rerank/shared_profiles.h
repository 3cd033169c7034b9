// Profiles shared between rerankd replicas: every accepted event is a
// document in an engine index (`profiles.index`), the one every replica
// reads, so a shopper is ranked the same by whichever replica answers.
//
// An event's document id is "<storefront>:<event id>", created with
// op_type create: a duplicate id is refused by the engine itself, across
// replicas. Writes wait for a refresh (`refresh=wait_for`), so an
// acknowledged event is both durable (the engine's translog) and visible to
// the next search on any replica. A search reads the shopper's newest
// `max_events` events within the retention; erasing deletes them by query.
#pragma once

#include <expected>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "connectors/engine_client.h"
#include "rerank/event_log.h"

namespace rr::rerank {

class SharedProfiles {
 public:
  SharedProfiles(std::string index, int max_events, int retention_days);

  enum class Outcome { kAccepted, kDuplicate, kFailed };
  struct Written {
    Outcome outcome = Outcome::kFailed;
    std::string error;  // when kFailed
  };
  // One result per event, in order; an error for the whole call when the
  // engine could not be reached.
  std::expected<std::vector<Written>, std::string> add(connectors::EngineClient& engine,
                                                       std::span<const LoggedEvent> events);
  // Oldest first.
  std::expected<std::vector<ProfileEvent>, std::string> history(connectors::EngineClient& engine,
                                                                const std::string& storefront,
                                                                const std::string& user);
  // The same read for a caller that sends the search itself (the I/O
  // threads' async client): the request, then its answer read. Before the
  // first event the index may not exist: its 404 is an empty history.
  connectors::HttpRequest historyRequest(const std::string& storefront,
                                         const std::string& user) const;
  std::expected<std::vector<ProfileEvent>, std::string> historyFrom(
      const connectors::HttpResponse& answer, const std::string& storefront,
      const std::string& user) const;
  std::expected<void, std::string> erase(connectors::EngineClient& engine,
                                         const std::string& storefront, const std::string& user);

  const std::string& index() const { return index_; }

 private:
  std::expected<void, std::string> ensureIndex(connectors::EngineClient& engine);
  std::string userFilter(const std::string& storefront, const std::string& user,
                         bool within_retention) const;

  std::string index_;
  int max_events_, retention_days_;
  std::mutex mu_;
  bool index_ready_ = false;
};

}  // namespace rr::rerank

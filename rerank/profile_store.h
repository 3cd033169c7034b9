// Shoppers' recent interactions, per storefront and user, in memory: what
// the user tower reads at request time. Bounded: the newest `max_events`
// per user and at most `max_users` users (least recently updated dropped
// first). Thread-safe.
//
// Memory only: rerank/event_log.h makes it durable (a write-ahead log and
// snapshots); the service writes the log before it applies events here.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "scoring/model.h"

namespace rr::rerank {

enum class EventKind { kView, kClick, kCart, kPurchase, kSearch };

// "view" -> kView ...; false for anything else.
bool parseEventKind(std::string_view text, EventKind& out);
// The user tower's type weight: purchase 4 > cart 3 > click 2 > view 1
// (searches carry no item and no weight).
float eventWeight(EventKind kind);

struct ProfileEvent {
  EventKind kind = EventKind::kView;
  std::string item_id;
  std::string session_id;
  int64_t ts_ms = 0;
  // The item's text as the catalog had it when the event arrived; the towers
  // turn it into a vector for whichever model is serving.
  std::shared_ptr<const scoring::ItemText> item;
};

class ProfileStore {
 public:
  // retention_days: events older than this are neither used nor kept
  // (0: no limit).
  explicit ProfileStore(std::size_t max_users = 100000, std::size_t max_events = 50,
                        int retention_days = 0);

  // Applies an event once: false when its id was seen before (duplicate).
  // Searches are remembered as seen but not kept in the history.
  bool add(const std::string& storefront, const std::string& user, const std::string& event_id,
           ProfileEvent event);
  // The user's events, oldest first (a copy; empty when unknown).
  std::vector<ProfileEvent> history(const std::string& storefront, const std::string& user) const;
  // Forgets the user entirely.
  void erase(const std::string& storefront, const std::string& user);
  std::size_t users() const;

  // True when the event id was applied before (without applying anything).
  bool seen(const std::string& storefront, const std::string& event_id) const;
  // Remembers an id as applied (replaying a snapshot).
  void markSeen(const std::string& storefront, const std::string& event_id);
  // Every kept event within the retention, per user in time order; every
  // remembered id, oldest first. Under the store's lock: `fn` must not call
  // back into the store.
  void forEach(const std::function<void(const std::string& storefront, const std::string& user,
                                        const ProfileEvent& event)>& fn) const;
  void forEachSeen(
      const std::function<void(const std::string& storefront, const std::string& event_id)>& fn)
      const;

 private:
  struct Profile {
    std::vector<ProfileEvent> events;  // time order
    std::list<std::string>::iterator lru;
  };
  bool remember(const std::string& storefront, const std::string& event_id);
  int64_t oldestKept() const;  // epoch ms; INT64_MIN without retention

  std::size_t max_users_, max_events_;
  int64_t retention_ms_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Profile> profiles_;  // key: storefront + '\n' + user
  std::list<std::string> lru_;                         // most recent first
  std::unordered_set<std::string> seen_ids_;           // storefront + '\n' + event id
  std::list<std::string> seen_order_;                  // to bound seen_ids_
};

}  // namespace rr::rerank

// Shoppers' recent interactions, per storefront and user, in memory: what
// the user tower reads at request time. Bounded: the newest `max_events`
// per user and at most `max_users` users (least recently updated dropped
// first). Thread-safe.
//
// This is the embedded store without persistence: durability (a write-ahead
// log and snapshots) and the shared store in engine indices are not built
// yet, so a restart forgets every profile.
#pragma once

#include <cstdint>
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
  explicit ProfileStore(std::size_t max_users = 100000, std::size_t max_events = 50);

  // Applies an event once: false when its id was seen before (duplicate).
  bool add(const std::string& storefront, const std::string& user, const std::string& event_id,
           ProfileEvent event);
  // The user's events, oldest first (a copy; empty when unknown).
  std::vector<ProfileEvent> history(const std::string& storefront, const std::string& user) const;
  // Forgets the user entirely.
  void erase(const std::string& storefront, const std::string& user);
  std::size_t users() const;

 private:
  struct Profile {
    std::vector<ProfileEvent> events;  // time order
    std::list<std::string>::iterator lru;
  };
  std::size_t max_users_, max_events_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Profile> profiles_;  // key: storefront + '\n' + user
  std::list<std::string> lru_;                         // most recent first
  std::unordered_set<std::string> seen_ids_;           // storefront + '\n' + event id
  std::list<std::string> seen_order_;                  // to bound seen_ids_
};

}  // namespace rr::rerank

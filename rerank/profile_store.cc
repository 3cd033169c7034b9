#include "rerank/profile_store.h"

#include <algorithm>

namespace rr::rerank {

bool parseEventKind(std::string_view text, EventKind& out) {
  if (text == "view") out = EventKind::kView;
  else if (text == "click") out = EventKind::kClick;
  else if (text == "cart") out = EventKind::kCart;
  else if (text == "purchase") out = EventKind::kPurchase;
  else if (text == "search") out = EventKind::kSearch;
  else return false;
  return true;
}

float eventWeight(EventKind kind) {
  switch (kind) {
    case EventKind::kPurchase: return 4.0f;
    case EventKind::kCart: return 3.0f;
    case EventKind::kClick: return 2.0f;
    case EventKind::kView: return 1.0f;
    case EventKind::kSearch: return 0.0f;
  }
  return 0.0f;
}

ProfileStore::ProfileStore(std::size_t max_users, std::size_t max_events)
    : max_users_(std::max<std::size_t>(1, max_users)),
      max_events_(std::max<std::size_t>(1, max_events)) {}

bool ProfileStore::add(const std::string& storefront, const std::string& user,
                       const std::string& event_id, ProfileEvent event) {
  std::lock_guard lock(mu_);
  if (!event_id.empty()) {
    if (!seen_ids_.insert(storefront + '\n' + event_id).second) return false;
    seen_order_.push_back(storefront + '\n' + event_id);
    // Remember ids for ten times as many events as profiles keep.
    while (seen_order_.size() > max_users_ * 10) {
      seen_ids_.erase(seen_order_.front());
      seen_order_.pop_front();
    }
  }
  const std::string key = storefront + '\n' + user;
  auto it = profiles_.find(key);
  if (it == profiles_.end()) {
    lru_.push_front(key);
    it = profiles_.emplace(key, Profile{{}, lru_.begin()}).first;
    if (profiles_.size() > max_users_) {
      profiles_.erase(lru_.back());
      lru_.pop_back();
    }
  } else {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
  }
  auto& events = it->second.events;
  // Late events go to their place in time.
  auto at = std::upper_bound(events.begin(), events.end(), event.ts_ms,
                             [](int64_t ts, const ProfileEvent& e) { return ts < e.ts_ms; });
  events.insert(at, std::move(event));
  if (events.size() > max_events_) events.erase(events.begin());
  return true;
}

std::vector<ProfileEvent> ProfileStore::history(const std::string& storefront,
                                                const std::string& user) const {
  std::lock_guard lock(mu_);
  auto it = profiles_.find(storefront + '\n' + user);
  return it == profiles_.end() ? std::vector<ProfileEvent>{} : it->second.events;
}

void ProfileStore::erase(const std::string& storefront, const std::string& user) {
  std::lock_guard lock(mu_);
  auto it = profiles_.find(storefront + '\n' + user);
  if (it == profiles_.end()) return;
  lru_.erase(it->second.lru);
  profiles_.erase(it);
}

std::size_t ProfileStore::users() const {
  std::lock_guard lock(mu_);
  return profiles_.size();
}

}  // namespace rr::rerank

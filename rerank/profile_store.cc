#include "rerank/profile_store.h"

#include <algorithm>
#include <chrono>
#include <climits>

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

ProfileStore::ProfileStore(std::size_t max_users, std::size_t max_events, int retention_days)
    : max_users_(std::max<std::size_t>(1, max_users)),
      max_events_(std::max<std::size_t>(1, max_events)),
      retention_ms_(static_cast<int64_t>(std::max(0, retention_days)) * 86'400'000) {}

int64_t ProfileStore::oldestKept() const {
  if (retention_ms_ == 0) return INT64_MIN;
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
             .count() -
         retention_ms_;
}

// Under mu_. False when the id was seen before.
bool ProfileStore::remember(const std::string& storefront, const std::string& event_id) {
  if (!seen_ids_.insert(storefront + '\n' + event_id).second) return false;
  seen_order_.push_back(storefront + '\n' + event_id);
  // Remember ids for ten times as many events as profiles keep.
  while (seen_order_.size() > max_users_ * 10) {
    seen_ids_.erase(seen_order_.front());
    seen_order_.pop_front();
  }
  return true;
}

bool ProfileStore::seen(const std::string& storefront, const std::string& event_id) const {
  std::lock_guard lock(mu_);
  return seen_ids_.count(storefront + '\n' + event_id) > 0;
}

void ProfileStore::markSeen(const std::string& storefront, const std::string& event_id) {
  std::lock_guard lock(mu_);
  remember(storefront, event_id);
}

void ProfileStore::forEach(
    const std::function<void(const std::string&, const std::string&, const ProfileEvent&)>& fn)
    const {
  std::lock_guard lock(mu_);
  const int64_t oldest = oldestKept();
  // Least recently updated first, so a replay rebuilds the same LRU order.
  for (auto it = lru_.rbegin(); it != lru_.rend(); ++it) {
    const auto nl = it->find('\n');
    const std::string sf = it->substr(0, nl), user = it->substr(nl + 1);
    for (const auto& e : profiles_.at(*it).events) {
      if (e.ts_ms >= oldest) fn(sf, user, e);
    }
  }
}

void ProfileStore::forEachSeen(
    const std::function<void(const std::string&, const std::string&)>& fn) const {
  std::lock_guard lock(mu_);
  for (const auto& key : seen_order_) {
    const auto nl = key.find('\n');
    fn(key.substr(0, nl), key.substr(nl + 1));
  }
}

bool ProfileStore::add(const std::string& storefront, const std::string& user,
                       const std::string& event_id, ProfileEvent event) {
  std::lock_guard lock(mu_);
  if (!event_id.empty() && !remember(storefront, event_id)) return false;
  if (event.ts_ms < oldestKept()) return true;  // applied, and already past retention
  // A search names no item the model reads: kept out of the history, where
  // it would push out an interaction (training's histories hold none). Its
  // click, if it names one, went to the live click statistics.
  if (event.kind == EventKind::kSearch) return true;
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
  if (it == profiles_.end()) return {};
  const int64_t oldest = oldestKept();
  std::vector<ProfileEvent> out;
  for (const auto& e : it->second.events) {
    if (e.ts_ms >= oldest) out.push_back(e);
  }
  return out;
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

#include "rerank/item_text_cache.h"

#include <algorithm>
#include <utility>

namespace rr::rerank {

ItemTextCache::ItemTextCache(std::size_t capacity, std::chrono::seconds max_age)
    : half_(std::max<std::size_t>(1, capacity / 2)), max_age_(max_age) {}

ItemTextCache::Text ItemTextCache::find(const std::string& key, Clock::time_point now) {
  Generation dropped;  // freed after the lock is let go
  std::lock_guard lock(mu_);
  if (auto it = newer_.find(key); it != newer_.end()) {
    if (now - it->second.stored < max_age_) return it->second.text;
    newer_.erase(it);
    return nullptr;
  }
  auto it = older_.find(key);
  if (it == older_.end()) return nullptr;
  Entry entry = std::move(it->second);
  older_.erase(it);
  if (now - entry.stored >= max_age_) return nullptr;
  Text text = entry.text;
  dropped = insert(key, std::move(entry));  // used: into the newer generation
  return text;
}

void ItemTextCache::put(const std::string& key, Text text, Clock::time_point now) {
  Generation dropped;
  std::lock_guard lock(mu_);
  older_.erase(key);
  if (auto it = newer_.find(key); it != newer_.end()) {
    it->second = {std::move(text), now};
    return;
  }
  dropped = insert(key, {std::move(text), now});
}

ItemTextCache::Generation ItemTextCache::insert(const std::string& key, Entry entry) {
  Generation dropped;
  if (newer_.size() >= half_) {
    dropped.swap(older_);
    older_.swap(newer_);
  }
  newer_.emplace(key, std::move(entry));
  return dropped;
}

std::size_t ItemTextCache::size() const {
  std::lock_guard lock(mu_);
  return newer_.size() + older_.size();
}

}  // namespace rr::rerank

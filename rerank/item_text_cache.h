// The texts of items named by shoppers' events (title, brand, ...: what the
// history vector is built from), kept so that an item clicked again is not
// looked up in the engine again.
//
// Bounded without a list to maintain: entries live in two generations. A
// lookup that finds an entry in the older one moves it to the newer; when
// the newer holds half the capacity, the older is dropped and the newer
// takes its place. So at most `capacity` entries are kept, and an item used
// at least once per half-capacity insertions is never dropped (what the
// earlier cache, cleared whole when full, lost for a while every time).
// An entry older than `max_age` counts as missing and is looked up again,
// so a product renamed in the catalog is read afresh within that time.
//
// Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "scoring/model.h"

namespace rr::rerank {

class ItemTextCache {
 public:
  using Clock = std::chrono::steady_clock;
  using Text = std::shared_ptr<const scoring::ItemText>;

  // `capacity` >= 2.
  ItemTextCache(std::size_t capacity, std::chrono::seconds max_age);

  // The text kept for `key`, or null (never kept, dropped, or too old).
  Text find(const std::string& key, Clock::time_point now = Clock::now());
  void put(const std::string& key, Text text, Clock::time_point now = Clock::now());

  std::size_t size() const;

 private:
  struct Entry {
    Text text;
    Clock::time_point stored;
  };
  using Generation = std::unordered_map<std::string, Entry>;
  // Into the newer generation, turning the generations over first when it
  // is full; returns the generation dropped (if any), for the caller to free
  // after it lets go of the lock.
  Generation insert(const std::string& key, Entry entry);

  const std::size_t half_;
  const std::chrono::seconds max_age_;
  mutable std::mutex mu_;
  Generation newer_;
  Generation older_;
};

}  // namespace rr::rerank

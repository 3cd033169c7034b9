// IdMap: item ids to a small per-item value (the click statistics' counts),
// as one flat array of slots with open addressing.
//
// rerankd looks an item up for every candidate of every search, in tables
// of tens of thousands of items or more, where a lookup is a cache miss. A
// node-based std::unordered_map costs two dependent misses (the bucket,
// then the node) and gives no way to start them early. Here a slot holds
// the id's 64-bit hash and the value side by side: one miss, and prefetch()
// starts it ahead, so a window's lookups overlap instead of queueing.
//
// The 64-bit hash stands for the id, as it does in the statistics' pair
// tables (KeyMassMap): two ids of a catalog sharing one is a chance of
// about n^2 / 2^65 (3e-10 at 100,000 items), and would make them
// share a count. The ids themselves are kept, in insertion order, for
// iteration (the model file), which visits entries in that order: the same
// inserts give the same file.
//
// Linear probing, a power-of-two number of slots at most 70% full, homes
// by Fibonacci hashing of the hash. No erase.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scoring/huge_pages.h"
#include "scoring/linear_probing.h"

namespace rr::scoring {

template <typename V>
class IdMap {
 public:
  static uint64_t hashOf(std::string_view id) { return std::hash<std::string_view>{}(id); }

  std::size_t size() const { return ids_.size(); }
  bool empty() const { return ids_.empty(); }

  void clear() {
    slots_.clear();
    ids_.clear();
    slot_of_.clear();
    shift_ = 64;
  }

  // The id's value, or null when the id is absent.
  const V* find(std::string_view id) const { return findHash(hashOf(id)); }
  V* find(std::string_view id) { return const_cast<V*>(std::as_const(*this).find(id)); }

  // The same for an id already hashed with hashOf.
  const V* findHash(uint64_t h) const {
    if (slots_.empty()) return nullptr;
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = home(h);; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.index == kEmpty) return nullptr;
      if (s.hash == h) return &s.value;
    }
  }

  // Starts loading the cache line a lookup of hash h reads first.
  void prefetch(uint64_t h) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[home(h)]);
  }

  // The id's value, inserted as `value` when absent; second: inserted.
  std::pair<V*, bool> tryEmplace(std::string_view id, V value = V{}) {
    if ((ids_.size() + 1) * 10 > slots_.size() * 7) rehash(slots_.empty() ? 8 : slots_.size() * 2);
    const uint64_t h = hashOf(id);
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = home(h);; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.index == kEmpty) {
        s = {h, static_cast<uint32_t>(ids_.size()), std::move(value)};
        ids_.emplace_back(id);
        slot_of_.push_back(static_cast<uint32_t>(i));
        return {&s.value, true};
      }
      if (s.hash == h) return {&s.value, false};
    }
  }

  // f(id, value) for every entry, in insertion order; the value may be
  // changed in place.
  template <typename F>
  void forEach(F&& f) {
    for (std::size_t e = 0; e < ids_.size(); ++e) f(std::as_const(ids_[e]), slots_[slot_of_[e]].value);
  }
  template <typename F>
  void forEach(F&& f) const {
    for (std::size_t e = 0; e < ids_.size(); ++e) f(ids_[e], std::as_const(slots_[slot_of_[e]].value));
  }

 private:
  static constexpr uint32_t kEmpty = ~uint32_t{0};
  struct Slot {
    uint64_t hash = 0;
    uint32_t index = kEmpty;  // into ids_; kEmpty: a free slot
    V value{};
  };

  std::size_t home(uint64_t h) const { return linear_probing::home(h, shift_); }

  void rehash(std::size_t cap) {  // cap: a power of two
    shift_ = linear_probing::rehash(
        slots_, cap, [](const Slot& s) { return s.index != kEmpty; },
        [](const Slot& s) { return s.hash; },
        [this](const Slot& s, std::size_t i) { slot_of_[s.index] = static_cast<uint32_t>(i); });
  }

  std::vector<Slot, HugePageAllocator<Slot>> slots_;
  std::vector<std::string> ids_;       // in insertion order
  std::vector<uint32_t> slot_of_;      // per entry of ids_: its slot
  int shift_ = 64;
};

}  // namespace rr::scoring

// KeyMassMap: the click statistics' tables from 64-bit keys (hashes of a
// query, a word, a query and an item) to click masses, as one flat array
// with open addressing.
//
// rerankd looks several of these up for every candidate of every search, in
// tables of up to millions of keys: a node-based std::unordered_map costs two
// cache misses per lookup (the bucket, then the node), this one costs one
// (the slot, with the key and the mass side by side).
//
// Linear probing, a power-of-two number of slots at most 70% full, keys
// spread by Fibonacci hashing. One key value marks free slots; the entry
// with that very key, if any, is kept apart. No erase: the tables only grow
// or are rebuilt. Iteration order depends only on the keys inserted and
// their order, so the same training run writes the same model file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "scoring/huge_pages.h"
#include "scoring/linear_probing.h"

namespace rr::scoring {

class KeyMassMap {
 public:
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  void clear() {
    slots_.clear();
    shift_ = 64;
    size_ = 0;
    has_free_key_ = false;
    free_key_mass_ = 0;
  }

  // Room for n keys without growing.
  void reserve(std::size_t n) {
    std::size_t cap = 8;
    while (cap * 7 / 10 < n) cap *= 2;
    if (cap > slots_.size()) rehash(cap);
  }

  // The key's mass, or null when the key is absent.
  const double* find(uint64_t key) const {
    if (key == kFree) return has_free_key_ ? &free_key_mass_ : nullptr;
    if (slots_.empty()) return nullptr;
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = home(key);; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.key == key) return &s.mass;
      if (s.key == kFree) return nullptr;
    }
  }

  // Starts loading the cache line a lookup of `key` reads first.
  void prefetch(uint64_t key) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[home(key)]);
  }

  // The key's mass, 0 when absent.
  double get(uint64_t key) const {
    const double* m = find(key);
    return m ? *m : 0.0;
  }

  // The key's mass, inserted as `mass` when absent; second: inserted.
  std::pair<double*, bool> tryEmplace(uint64_t key, double mass) {
    if (key == kFree) {
      const bool inserted = !has_free_key_;
      if (inserted) {
        has_free_key_ = true;
        free_key_mass_ = mass;
        ++size_;
      }
      return {&free_key_mass_, inserted};
    }
    if ((size_ + 1) * 10 > slots_.size() * 7) rehash(slots_.empty() ? 8 : slots_.size() * 2);
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = home(key);; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.key == key) return {&s.mass, false};
      if (s.key == kFree) {
        s = {key, mass};
        ++size_;
        return {&s.mass, true};
      }
    }
  }

  double& operator[](uint64_t key) { return *tryEmplace(key, 0.0).first; }

  // f(key, mass) for every entry; the mass may be changed in place.
  template <typename F>
  void forEach(F&& f) {
    for (Slot& s : slots_) {
      if (s.key != kFree) f(s.key, s.mass);
    }
    if (has_free_key_) f(kFree, free_key_mass_);
  }
  template <typename F>
  void forEach(F&& f) const {
    for (const Slot& s : slots_) {
      if (s.key != kFree) f(s.key, s.mass);
    }
    if (has_free_key_) f(kFree, free_key_mass_);
  }

 private:
  static constexpr uint64_t kFree = ~uint64_t{0};
  struct Slot {
    uint64_t key = kFree;
    double mass = 0;
  };

  std::size_t home(uint64_t key) const { return linear_probing::home(key, shift_); }

  void rehash(std::size_t cap) {  // cap: a power of two
    shift_ = linear_probing::rehash(
        slots_, cap, [](const Slot& s) { return s.key != kFree; },
        [](const Slot& s) { return s.key; }, [](const Slot&, std::size_t) {});
  }

  std::vector<Slot, HugePageAllocator<Slot>> slots_;
  int shift_ = 64;
  std::size_t size_ = 0;  // including the free key's entry
  bool has_free_key_ = false;
  double free_key_mass_ = 0;
};

}  // namespace rr::scoring

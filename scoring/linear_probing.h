// What the click statistics' flat tables (KeyMassMap, IdMap) share: a
// power-of-two array of slots, a 64-bit key's home slot by Fibonacci
// hashing (the key times 2^64 / phi, its top bits), and linear probing from
// there.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace rr::scoring::linear_probing {

// The home slot of `key` in 2^(64 - shift) slots.
inline std::size_t home(uint64_t key, int shift) {
  return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> shift);
}

// Rebuilds `slots` as `cap` free slots (cap: a power of two) and moves
// every used slot of the old array to the first free slot from its home;
// placed(slot, i) is told each one's new index before it moves. Returns
// the shift for home().
template <typename Slot, typename Alloc, typename Used, typename KeyOf, typename Placed>
int rehash(std::vector<Slot, Alloc>& slots, std::size_t cap, Used used, KeyOf key,
           Placed placed) {
  std::vector<Slot, Alloc> old(cap);
  old.swap(slots);
  const int shift = 64 - std::countr_zero(cap);
  const std::size_t mask = cap - 1;
  for (Slot& s : old) {
    if (!used(s)) continue;
    std::size_t i = home(key(s), shift);
    while (used(slots[i])) i = (i + 1) & mask;
    placed(s, i);
    slots[i] = std::move(s);
  }
  return shift;
}

}  // namespace rr::scoring::linear_probing

// HugePageAllocator: an allocator for the click statistics' big flat tables
// (KeyMassMap, IdMap) that asks the kernel to back them with 2 MB pages.
//
// rerankd looks up a few slots per candidate in tables of several
// megabytes, at random. With 4 KB pages each lookup needs its own TLB entry
// as well as its cache line, and between searches the engine (on the same
// cores) evicts both: the page walk comes on top of the miss, and prefetch
// cannot start the line until the walk is done. With 2 MB pages a 32 MB
// table needs 16 TLB entries.
//
// Arrays of at least 2 MB are mapped on their own, 2 MB-aligned, with
// madvise(MADV_HUGEPAGE): that is what the kernel's default THP setting
// ("madvise") honours. Where it does not (THP off, no free huge page), the
// mapping is ordinary 4 KB pages and nothing else changes. Smaller arrays
// come from the ordinary heap.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>

namespace rr::scoring {

inline constexpr std::size_t kHugePage = std::size_t{2} << 20;

template <typename T>
struct HugePageAllocator {
  using value_type = T;

  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) {}

  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHugePage) return std::allocator<T>().allocate(n);
    const std::size_t size = roundUp(bytes);
    // Map one huge page more than needed and trim both ends to alignment.
    void* raw = mmap(nullptr, size + kHugePage, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) throw std::bad_alloc();
    const auto start = reinterpret_cast<std::uintptr_t>(raw);
    const std::uintptr_t aligned = (start + kHugePage - 1) & ~(kHugePage - 1);
    if (aligned > start) munmap(raw, aligned - start);
    if (const std::uintptr_t end = start + size + kHugePage; end > aligned + size) {
      munmap(reinterpret_cast<void*>(aligned + size), end - (aligned + size));
    }
    madvise(reinterpret_cast<void*>(aligned), size, MADV_HUGEPAGE);  // advice only
    return reinterpret_cast<T*>(aligned);
  }

  void deallocate(T* p, std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHugePage) {
      std::allocator<T>().deallocate(p, n);
    } else {
      munmap(p, roundUp(bytes));
    }
  }

  template <typename U>
  bool operator==(const HugePageAllocator<U>&) const {
    return true;
  }

 private:
  static std::size_t roundUp(std::size_t bytes) { return (bytes + kHugePage - 1) & ~(kHugePage - 1); }
};

}  // namespace rr::scoring

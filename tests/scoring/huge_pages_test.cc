// HugePageAllocator: arrays of 2 MB or more get their own 2 MB-aligned
// mapping advised for huge pages (the kernel marks it "hg" in smaps);
// smaller ones come from the heap; and the click statistics' tables, which
// use it, answer as before once they grow past 2 MB.
#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <unordered_map>

#include "scoring/huge_pages.h"
#include "scoring/id_map.h"
#include "scoring/key_mass_map.h"

using rr::scoring::HugePageAllocator;
using rr::scoring::kHugePage;

namespace {

// The smaps entry of the mapping that holds `p`: its size in kB and its
// VmFlags line; size 0 when no mapping holds it.
struct Mapping {
  std::size_t kb = 0;
  std::string flags;
};
Mapping mappingOf(const void* p) {
  const auto at = reinterpret_cast<std::uintptr_t>(p);
  std::ifstream in("/proc/self/smaps");
  std::string line;
  bool inside = false;
  Mapping m;
  while (std::getline(in, line)) {
    std::uintptr_t lo = 0, hi = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> lo >> dash >> hi && dash == '-') {
      if (inside) return m;
      inside = lo <= at && at < hi;
      continue;
    }
    if (!inside) continue;
    if (line.starts_with("Size:")) m.kb = std::stoul(line.substr(5));
    if (line.starts_with("VmFlags:")) m.flags = line.substr(8);
  }
  return m;
}

bool kernelHasHugePages() {
  return std::filesystem::exists("/sys/kernel/mm/transparent_hugepage/enabled");
}

}  // namespace

TEST_CASE("HugePageAllocator maps 2 MB and more on its own 2 MB-aligned mapping",
          "[huge_pages]") {
  HugePageAllocator<uint64_t> alloc;
  const std::size_t n = (3 << 20) / sizeof(uint64_t);  // 3 MB: rounded up to 4
  uint64_t* p = alloc.allocate(n);
  REQUIRE(p != nullptr);
  CHECK(reinterpret_cast<std::uintptr_t>(p) % kHugePage == 0);
  for (std::size_t i = 0; i < n; ++i) p[i] = i * 3;  // all of it writable
  std::size_t bad = 0;
  for (std::size_t i = 0; i < n; ++i) bad += p[i] != i * 3;
  CHECK(bad == 0);
  const Mapping m = mappingOf(p);
  CHECK(m.kb == 4096);  // trimmed to the rounded size on both ends
  if (kernelHasHugePages()) {
    INFO("VmFlags:" << m.flags);
    CHECK(m.flags.find(" hg") != std::string::npos);  // madvise(MADV_HUGEPAGE) applied
  } else {
    WARN("no transparent huge pages in this kernel: the advice is not checked");
  }
  alloc.deallocate(p, n);
  CHECK(mappingOf(p).kb == 0);  // unmapped, not leaked
}

TEST_CASE("HugePageAllocator leaves arrays under 2 MB to the heap", "[huge_pages]") {
  HugePageAllocator<double> alloc;
  const std::size_t n = 1000;
  double* p = alloc.allocate(n);
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<double>(i);
  CHECK(p[999] == 999.0);
  CHECK(mappingOf(p).flags.find(" hg") == std::string::npos);
  alloc.deallocate(p, n);
}

TEST_CASE("The click tables answer the same after growing onto huge-page mappings",
          "[huge_pages]") {
  std::mt19937_64 rng(5);
  rr::scoring::KeyMassMap masses;
  std::unordered_map<uint64_t, double> want;
  // 300,000 keys: 524,288 slots of 16 bytes, 8 MB, past the 2 MB line
  // through several rehashes that free the smaller arrays.
  for (int i = 0; i < 300000; ++i) {
    const uint64_t key = rng();
    masses[key] += i % 13 + 1;
    want[key] += i % 13 + 1;
  }
  REQUIRE(masses.size() == want.size());
  std::size_t wrong = 0;
  for (const auto& [key, mass] : want) wrong += masses.get(key) != mass;
  CHECK(wrong == 0);

  rr::scoring::IdMap<int> ids;
  for (int i = 0; i < 100000; ++i) ids.tryEmplace("sku-" + std::to_string(i), i);
  std::size_t missing = 0;
  for (int i = 0; i < 100000; ++i) {
    const int* v = ids.find("sku-" + std::to_string(i));
    missing += !v || *v != i;
  }
  CHECK(missing == 0);
  CHECK(ids.find("sku-100000") == nullptr);
}

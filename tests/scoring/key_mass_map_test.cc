// KeyMassMap, the click statistics' flat tables: the same answers as a
// std::unordered_map under random inserts, growth and lookups, including the
// key that marks free slots.
#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <unordered_map>
#include <vector>

#include "scoring/key_mass_map.h"

using rr::scoring::KeyMassMap;

namespace {

// Every entry of `m` visited once by forEach, and equal to `want`.
void checkSame(const KeyMassMap& m, const std::unordered_map<uint64_t, double>& want) {
  REQUIRE(m.size() == want.size());
  CHECK(m.empty() == want.empty());
  std::unordered_map<uint64_t, int> visits;
  m.forEach([&](uint64_t key, double mass) {
    ++visits[key];
    auto it = want.find(key);
    REQUIRE(it != want.end());
    CHECK(mass == it->second);
  });
  CHECK(visits.size() == want.size());
  for (const auto& [key, n] : visits) CHECK(n == 1);
  for (const auto& [key, mass] : want) {
    REQUIRE(m.find(key) != nullptr);
    CHECK(*m.find(key) == mass);
    CHECK(m.get(key) == mass);
  }
}

}  // namespace

TEST_CASE("KeyMassMap answers as an unordered_map under random use", "[key_mass_map]") {
  std::mt19937_64 rng(11);
  KeyMassMap m;
  std::unordered_map<uint64_t, double> want;
  CHECK(m.find(5) == nullptr);
  CHECK(m.get(5) == 0.0);
  // Keys from a small range (repeats, long probe runs) and from all 64 bits.
  std::uniform_int_distribution<uint64_t> small(0, 3000), any;
  for (int i = 0; i < 20000; ++i) {
    const uint64_t key = i % 3 == 0 ? any(rng) : small(rng) * 1024;
    const double mass = static_cast<double>(i % 97) + 0.5;
    if (i % 2 == 0) {
      m[key] += mass;
      want[key] += mass;
    } else {
      const auto [at, inserted] = m.tryEmplace(key, mass);
      const auto [wat, winserted] = want.try_emplace(key, mass);
      CHECK(inserted == winserted);
      CHECK(*at == wat->second);
    }
  }
  checkSame(m, want);
  // Keys never inserted are absent.
  for (uint64_t k = 1; k < 1024; k += 7) CHECK(m.find(k) == nullptr);
}

TEST_CASE("KeyMassMap keeps the key that marks free slots like any other", "[key_mass_map]") {
  const uint64_t free_key = ~uint64_t{0};
  KeyMassMap m;
  CHECK(m.find(free_key) == nullptr);
  m[free_key] += 2.5;
  m[7] += 1.0;
  CHECK(m.tryEmplace(free_key, 9.0).second == false);
  checkSame(m, {{free_key, 2.5}, {7, 1.0}});
  // In place through forEach, as the click statistics rescale their masses.
  m.forEach([](uint64_t, double& mass) { mass *= 2; });
  checkSame(m, {{free_key, 5.0}, {7, 2.0}});
  m.clear();
  CHECK(m.empty());
  CHECK(m.find(free_key) == nullptr);
  CHECK(m.find(7) == nullptr);
}

TEST_CASE("KeyMassMap after reserve holds the same entries", "[key_mass_map]") {
  KeyMassMap m;
  std::unordered_map<uint64_t, double> want;
  m.reserve(1000);
  for (uint64_t k = 0; k < 1000; ++k) {
    m.tryEmplace(k * 0x100000001ull, static_cast<double>(k));
    want.emplace(k * 0x100000001ull, static_cast<double>(k));
  }
  checkSame(m, want);
  // Two maps filled in the same order iterate in the same order (the same
  // training run writes the same model file).
  KeyMassMap again;
  again.reserve(1000);
  for (uint64_t k = 0; k < 1000; ++k) again.tryEmplace(k * 0x100000001ull, static_cast<double>(k));
  std::vector<uint64_t> a, b;
  m.forEach([&](uint64_t key, double) { a.push_back(key); });
  again.forEach([&](uint64_t key, double) { b.push_back(key); });
  CHECK(a == b);
}

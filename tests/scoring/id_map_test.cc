// IdMap, the click statistics' item table: the same answers as a
// std::unordered_map under random inserts, growth and lookups, and
// iteration in insertion order (the model file's order).
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "scoring/id_map.h"

using rr::scoring::IdMap;

namespace {

struct Count {
  uint32_t raw = 0;
  double mass = 0;
};

}  // namespace

TEST_CASE("IdMap answers as an unordered_map and iterates in insertion order", "[id_map]") {
  std::mt19937_64 rng(3);
  IdMap<Count> m;
  std::unordered_map<std::string, Count> want;
  std::vector<std::string> order;
  CHECK(m.empty());
  CHECK(m.find("sku-1") == nullptr);
  for (int k = 0; k < 20000; ++k) {
    const std::string id = "sku-" + std::to_string(rng() % 6000);
    const auto [value, inserted] = m.tryEmplace(id, Count{.raw = 7, .mass = 0.5});
    const bool fresh = !want.contains(id);
    CHECK(inserted == fresh);
    if (fresh) {
      want[id] = Count{.raw = 7, .mass = 0.5};
      order.push_back(id);
    }
    ++value->raw;  // the pointer is the stored value
    value->mass += 1.0;
    ++want[id].raw;
    want[id].mass += 1.0;
  }
  REQUIRE(m.size() == want.size());
  CHECK_FALSE(m.empty());
  for (const auto& [id, count] : want) {
    const Count* got = m.find(id);
    REQUIRE(got != nullptr);
    CHECK(got->raw == count.raw);
    CHECK(got->mass == count.mass);
    CHECK(m.findHash(IdMap<Count>::hashOf(id)) == got);
  }
  for (const char* absent : {"", "sku-6000", "sku-", "SKU-1", "sku-01"}) {
    INFO(absent);
    CHECK(m.find(absent) == nullptr);
  }
  std::vector<std::string> visited;
  m.forEach([&](const std::string& id, Count& count) {
    visited.push_back(id);
    count.mass *= 2;  // changed in place
  });
  CHECK(visited == order);
  const auto& cm = m;
  cm.forEach([&](const std::string& id, const Count& count) {
    CHECK(count.mass == want.at(id).mass * 2);
  });
  m.clear();
  CHECK(m.empty());
  CHECK(m.find(order.front()) == nullptr);
  CHECK(m.tryEmplace("again").second);
  CHECK(m.size() == 1);
}

// rerank/item_text_cache.h: the events endpoint's item texts, bounded in two
// generations, too-old entries read again.
#include "rerank/item_text_cache.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace rr::rerank {
namespace {

using std::chrono::seconds;

ItemTextCache::Text textOf(const std::string& id) {
  auto t = std::make_shared<scoring::ItemText>();
  t->id = id;
  t->title = "title of " + id;
  return t;
}

TEST_CASE("a kept text comes back, and an unknown key is null", "[unit][item_text_cache]") {
  ItemTextCache cache(10, seconds(3600));
  const auto t = ItemTextCache::Clock::now();
  cache.put("shop\na", textOf("a"), t);
  const auto a = cache.find("shop\na", t);
  REQUIRE(a);
  CHECK(a->title == "title of a");
  CHECK_FALSE(cache.find("shop\nb", t));
  CHECK_FALSE(cache.find("other\na", t));
  // put() replaces what was kept.
  auto renamed = std::make_shared<scoring::ItemText>(*a);
  renamed->title = "new title";
  cache.put("shop\na", renamed, t);
  CHECK(cache.find("shop\na", t)->title == "new title");
  CHECK(cache.size() == 1);
}

TEST_CASE("the cache never holds more than its capacity, and keeps what is used",
          "[unit][item_text_cache]") {
  constexpr std::size_t kCapacity = 100;
  ItemTextCache cache(kCapacity, seconds(3600));
  const auto t = ItemTextCache::Clock::now();
  cache.put("hot", textOf("hot"), t);
  for (int i = 0; i < 2000; ++i) {
    cache.put("cold" + std::to_string(i), textOf("cold"), t);
    CHECK(cache.size() <= kCapacity);
    // Used once per 40 insertions (less than half the capacity): never dropped.
    if (i % 40 == 0) REQUIRE(cache.find("hot", t));
  }
  CHECK(cache.find("hot", t));
  CHECK(cache.size() >= kCapacity / 2);
  // Not used since: gone after two generations' worth of insertions.
  CHECK_FALSE(cache.find("cold0", t));
  CHECK_FALSE(cache.find("cold1000", t));
  // The most recent are still there.
  CHECK(cache.find("cold1999", t));
}

TEST_CASE("a text older than max_age counts as missing", "[unit][item_text_cache]") {
  ItemTextCache cache(10, seconds(60));
  const auto t = ItemTextCache::Clock::now();
  cache.put("a", textOf("a"), t);
  cache.put("b", textOf("b"), t);
  cache.put("c", textOf("c"), t);
  cache.put("d", textOf("d"), t);
  cache.put("e", textOf("e"), t);
  cache.put("f", textOf("f"), t);  // a..e now in the older generation
  CHECK(cache.find("a", t + seconds(59)));  // moved back to the newer one
  CHECK_FALSE(cache.find("a", t + seconds(60)));
  CHECK_FALSE(cache.find("b", t + seconds(61)));  // from the older generation
  CHECK_FALSE(cache.find("f", t + seconds(60)));  // from the newer
  // Put again, it is fresh again.
  cache.put("a", textOf("a"), t + seconds(61));
  CHECK(cache.find("a", t + seconds(100)));
}

}  // namespace
}  // namespace rr::rerank

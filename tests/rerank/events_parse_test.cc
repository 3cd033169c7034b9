// The events API's line judge (rerank/events.h), without a server: each
// line accepted or rejected with the reason the client is shown.
#include <catch2/catch.hpp>

#include <string>

#include "rerank/events.h"

using rr::rerank::kMaxFutureMs;
using rr::rerank::ParsedEvent;
using rr::rerank::parseEvents;

namespace {

constexpr int64_t kNow = 1'765'000'000'000;  // 2025-12-06, the server's clock here

std::string click(const std::string& ts, const std::string& extra = "") {
  return R"({"event_id":"e1","storefront":"shop","user_id":"u1","type":"click",)"
         R"("item_id":"sku-1",)" + extra + R"("ts":)" + ts + "}";
}

ParsedEvent judged(const std::string& line) {
  const auto out = parseEvents(line, kNow);
  REQUIRE(out.size() == 1);
  return out[0];
}

}  // namespace

TEST_CASE("a ts days after the server's clock is rejected as a unit mistake", "[unit][rerank]") {
  CHECK(judged(click(std::to_string(kNow))).ok);
  CHECK(judged(click(std::to_string(kNow + kMaxFutureMs))).ok);  // clock drift
  CHECK(judged(click("1")).ok);                                    // old events replayed
  // Microseconds instead of milliseconds: 55,000 years ahead.
  const auto micro = judged(click(std::to_string(kNow * 1000)));
  CHECK_FALSE(micro.ok);
  CHECK_THAT(micro.reason, Catch::EndsWith("days after this server's clock; epoch milliseconds "
                                           "expected"));
  const auto two_days = judged(click(std::to_string(kNow + 2 * kMaxFutureMs)));
  CHECK_FALSE(two_days.ok);
  CHECK(two_days.reason.starts_with("ts is 2 days after"));
}

TEST_CASE("a key given twice in an event is rejected as in a search body", "[unit][rerank]") {
  const auto twice = judged(R"({"event_id":"e1","event_id":"e2","storefront":"shop",)"
                            R"("user_id":"u1","type":"click","item_id":"sku-1","ts":1})");
  CHECK_FALSE(twice.ok);
  CHECK(twice.reason == "duplicate key 'event_id'");
  // Nested objects too; the same key in two objects is fine.
  const auto nested = judged(click("1", R"("meta":{"a":1,"a":2},)"));
  CHECK_FALSE(nested.ok);
  CHECK(nested.reason == "duplicate key 'a'");
  CHECK(judged(click("1", R"("meta":{"a":1},"other":{"a":2},)")).ok);
}

TEST_CASE("each line is judged on its own with its line number", "[unit][rerank]") {
  const auto out = parseEvents(click("1") + "\n\n" + click("-1") + "\r\n" + "[1]\n" +
                                   click(std::to_string(kNow * 1000)),
                               kNow);
  REQUIRE(out.size() == 4);
  CHECK(out[0].ok);
  CHECK(out[0].line == 1);
  CHECK(out[1].line == 3);
  CHECK(out[1].reason == "ts must be epoch milliseconds (a non-negative integer)");
  CHECK(out[2].reason == "not a JSON object");
  CHECK(out[3].line == 5);
  CHECK_FALSE(out[3].ok);
}

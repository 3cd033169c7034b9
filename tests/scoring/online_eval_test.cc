// Joining clicks to served searches and the online metrics per bucket.
#include <catch2/catch.hpp>

#include "scoring/data/event_io.h"
#include "scoring/data/impressions.h"

using namespace rr::scoring::data;

namespace {

Event served(std::string user, int64_t ts, std::vector<std::string> items, std::string bucket,
             std::string request_id = "", int from = 0) {
  return Event{.type = Event::Type::kSearch,
               .user = std::move(user),
               .ts_ms = ts,
               .query = std::string(1, 'q'),
               .impressions = std::move(items),
               .request_id = std::move(request_id),
               .bucket = std::move(bucket),
               .from = from};
}

Event click(std::string user, int64_t ts, std::string item, std::string request_id = "",
            Event::Type type = Event::Type::kClick) {
  return Event{.type = type,
               .user = std::move(user),
               .ts_ms = ts,
               .item = std::move(item),
               .request_id = std::move(request_id)};
}

constexpr int64_t kMin = 60'000;

}  // namespace

TEST_CASE("a served search round-trips through the log format with its request id and bucket") {
  const Event e = served("u1", 1000, {"a", "b"}, "treatment", "r-1", 10);
  std::string line;
  writeEventLine(line, e);
  auto back = parseEventLine(line);
  REQUIRE(back);
  CHECK(*back == e);
  const Event c = click("u1", 2000, "b", "r-1");
  line.clear();
  writeEventLine(line, c);
  back = parseEventLine(line);
  REQUIRE(back);
  CHECK(back->request_id == "r-1");
  CHECK_FALSE(parseEventLine(R"({"type":"search","user":"u","ts":1,"query":"q","from":-1})"));
}

TEST_CASE("clicks join the search they came from: by request id, else by user and time") {
  std::vector<Event> log = {
      served("u1", 0, {"a", "b", "c"}, "treatment", "r1"),
      served("u1", 1 * kMin, {"x", "y"}, "treatment", "r2"),
      click("u1", 2 * kMin, "b", "r1"),          // r1 by id, though r2 is more recent
      click("u1", 3 * kMin, "y"),                 // r2: the user's latest served search
      click("u1", 4 * kMin, "x"),                 // r2 already has its click
      served("u2", 0, {"a"}, "control"),
      click("u2", 31 * kMin, "a"),                // too late: 30 minutes
      served("u3", 0, {"a"}, "control"),
      click("u3", kMin, "z"),                     // not shown
      click("u3", kMin, "a", "", Event::Type::kPurchase),  // not a click
  };
  CHECK(joinClicksToImpressions(log) == 2);
  CHECK(log[0].item == "b");
  CHECK(log[1].item == "y");
  CHECK(log[5].item.empty());
  CHECK(log[7].item.empty());
}

TEST_CASE("CTR and MRR per bucket count positions from the page's start") {
  std::vector<Event> log = {
      served("u1", 0, {"a", "b"}, "treatment"), click("u1", kMin, "a"),  // rr 1
      served("u2", 0, {"a", "b"}, "treatment", "", 10), click("u2", kMin, "b"),  // rr 1/12
      served("u3", 0, {"a", "b"}, "control"), click("u3", kMin, "b"),  // rr 1/2
      served("u4", 0, {"a", "b"}, "control"),                          // no click
  };
  joinClicksToImpressions(log);
  const auto m = onlineMetrics(log, 200);
  REQUIRE(m.size() == 2);
  const auto& t = m.at("treatment");
  CHECK(t.served == 2);
  CHECK(t.clicked == 2);
  CHECK(t.ctr == 1.0);
  CHECK(t.mrr == Approx((1.0 + 1.0 / 12) / 2));
  const auto& c = m.at("control");
  CHECK(c.served == 2);
  CHECK(c.clicked == 1);
  CHECK(c.ctr == 0.5);
  CHECK(c.mrr == Approx(0.25));
  CHECK(c.ctr_lo <= c.ctr);
  CHECK(c.ctr_hi >= c.ctr);
  CHECK(c.ctr_lo >= 0.0);
  CHECK(c.ctr_hi <= 1.0);
}

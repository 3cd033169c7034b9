// Event-log lines: exact round trips, malformed lines named by line and field,
// and streaming.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "scoring/data/event_io.h"
#include "tests/unit/training_data_fixtures.h"

using namespace rr::scoring::data;
using rr::scoring::data::testing::ScratchDir;

namespace {

std::string line(const Event& e) {
  std::string out;
  writeEventLine(out, e);
  return out;
}

}  // namespace

TEST_CASE("a search and a click are written in the documented format", "[unit][training_data]") {
  Event search{.type = Event::Type::kSearch,
               .user = "u",
               .session = "s",
               .ts_ms = 1313035144270,
               .item = "9713872",
               .query = "halo",
               .impressions = {"a", "b"}};
  CHECK(line(search) ==
        R"({"type":"search","user":"u","session":"s","ts":1313035144270,"query":"halo",)"
        R"("clicked":"9713872","impressions":["a","b"]})");
  Event click{.type = Event::Type::kClick,
              .user = "u",
              .session = "s",
              .ts_ms = 1313035217021,
              .item = "9713872",
              .event_id = "e1"};
  CHECK(line(click) ==
        R"({"type":"click","user":"u","session":"s","ts":1313035217021,"item":"9713872",)"
        R"("event_id":"e1"})");
  click.query = "halo";  // the search it came from, when the shop says
  CHECK(line(click) ==
        R"({"type":"click","user":"u","session":"s","ts":1313035217021,"item":"9713872",)"
        R"("query":"halo","event_id":"e1"})");
}

TEST_CASE("event lines round-trip exactly for every type", "[unit][training_data]") {
  const std::vector<Event> events = {
      {.type = Event::Type::kSearch, .user = "u\"1", .session = "u\"1#1", .ts_ms = 0,
       .query = ""},
      {.type = Event::Type::kSearch, .user = "u", .ts_ms = -5, .item = "x",
       .query = "caf\xc3\xa9\t\"halo\"\\", .impressions = {"x", "y\nz"}, .event_id = "ev"},
      // A page rerankd served, as its activity log writes it.
      {.type = Event::Type::kSearch, .user = "u", .ts_ms = 7, .query = "halo",
       .impressions = {"a", "b"}, .request_id = "0123456789abcdef", .bucket = "treatment",
       .from = 10, .model = "shop-2024-01-27-e3"},
      {.type = Event::Type::kView, .user = "u", .ts_ms = 9007199254740993, .item = "i"},
      {.type = Event::Type::kClick, .user = "u", .session = "s", .ts_ms = 1, .item = "i"},
      // A click that names the search it came from (the events API's query).
      {.type = Event::Type::kClick, .user = "u", .ts_ms = 3, .item = "i", .query = "halo 3",
       .request_id = "0123456789abcdef"},
      {.type = Event::Type::kCart, .user = "u", .ts_ms = 2, .item = "\xe2\x82\xac"},
      {.type = Event::Type::kPurchase, .user = "u", .ts_ms = INT64_MAX, .item = "i",
       .event_id = "p-1"},
  };
  for (const auto& e : events) {
    const std::string first = line(e);
    INFO(first);
    auto parsed = parseEventLine(first);
    REQUIRE(parsed);
    CHECK(*parsed == e);
    CHECK(line(*parsed) == first);
  }
}

TEST_CASE("a search without a click or impressions is valid", "[unit][training_data]") {
  auto e = parseEventLine(R"({"type":"search","user":"u","ts":5,"query":"q","clicked":null})");
  REQUIRE(e);
  CHECK(e->item.empty());
  CHECK(e->impressions.empty());
  CHECK(line(*e) == R"({"type":"search","user":"u","ts":5,"query":"q"})");
}

TEST_CASE("fields of another event type and unknown fields are dropped",
          "[unit][training_data]") {
  auto e = parseEventLine(
      R"({"ts":7,"item":"i","query":"ignored","impressions":["a"],"type":"cart","user":"u",)"
      R"("x":[{}]})");
  REQUIRE(e);
  CHECK(e->type == Event::Type::kCart);
  CHECK(e->item == "i");
  CHECK(e->query.empty());
  CHECK(e->impressions.empty());
}

TEST_CASE("malformed event lines name the field", "[unit][training_data]") {
  struct Case {
    const char* line;
    const char* field;
    const char* message;
  };
  const Case cases[] = {
      {R"({"user":"u","ts":1,"item":"i"})", "type", "is missing"},
      {R"({"type":"like","user":"u","ts":1,"item":"i"})", "type",
       "unknown event type 'like' (expected search, view, click, cart or purchase)"},
      {R"({"type":"click","ts":1,"item":"i"})", "user", "is missing"},
      {R"({"type":"click","user":"","ts":1,"item":"i"})", "user", "must not be empty"},
      {R"({"type":"click","user":"u","item":"i"})", "ts", "is missing"},
      {R"({"type":"click","user":"u","ts":1.5,"item":"i"})", "ts", "expected an integer"},
      {R"({"type":"click","user":"u","ts":"1","item":"i"})", "ts", "expected an integer"},
      {R"({"type":"click","user":"u","ts":99999999999999999999,"item":"i"})", "ts",
       "expected an integer"},
      {R"({"type":"click","user":"u","ts":1})", "item", "is missing"},
      {R"({"type":"view","user":"u","ts":1,"item":""})", "item", "must not be empty"},
      {R"({"type":"purchase","user":"u","ts":1,"item":3})", "item", "expected a string"},
      {R"({"type":"search","user":"u","ts":1})", "query", "is missing"},
      {R"({"type":"search","user":"u","ts":1,"query":"q","impressions":"a"})", "impressions",
       "expected an array of strings"},
      {R"({"type":"search","user":"u","ts":1,"query":"q","impressions":["a",1]})",
       "impressions", "expected an array of strings"},
      {R"({"type":"search","user":"u","ts":1,"query":"q","clicked":{}})", "clicked",
       "expected a string"},
      {"42", "", "not a JSON object"},
  };
  for (const auto& c : cases) {
    INFO(c.line);
    auto e = parseEventLine(c.line);
    REQUIRE(!e);
    CHECK(e.error().field == c.field);
    CHECK(e.error().message == c.message);
  }
}

TEST_CASE("readEvents reports file:line: field, counting blank lines",
          "[unit][training_data]") {
  ScratchDir dir;
  std::string text;
  for (int i = 0; i < 15; ++i) {
    text += R"({"type":"view","user":"u","ts":)" + std::to_string(i) + R"(,"item":"i"})" + "\n";
  }
  text += "\n";
  text += R"({"type":"view","user":"u","ts":1.25,"item":"i"})" "\n";
  const std::string path = dir.write("events.jsonl", text);
  auto events = readEvents(path);
  REQUIRE(!events);
  CHECK(events.error().toString() == path + ":17: field \"ts\": expected an integer");
}

TEST_CASE("streamEvents hands over events one by one and stops at the first bad line",
          "[unit][training_data]") {
  ScratchDir dir;
  const std::string path = dir.write(
      "events.jsonl",
      "{\"type\":\"view\",\"user\":\"u\",\"ts\":1,\"item\":\"a\"}\n"
      "{\"type\":\"click\",\"user\":\"u\",\"ts\":2,\"item\":\"b\"}\r\n"
      "{\"type\":\"click\",\"user\":\"u\",\"ts\":3}\n"
      "{\"type\":\"view\",\"user\":\"u\",\"ts\":4,\"item\":\"d\"}\n");
  std::vector<std::string> items;
  auto streamed = streamEvents(path, [&](Event&& e) { items.push_back(e.item); });
  REQUIRE(!streamed);
  CHECK(streamed.error().line == 3);
  CHECK(streamed.error().field == "item");
  CHECK(items == std::vector<std::string>{"a", "b"});
}

TEST_CASE("a written event file streams back equal", "[unit][training_data]") {
  ScratchDir dir;
  std::vector<Event> events;
  for (int i = 0; i < 2000; ++i) {
    events.push_back(Event{.type = i % 2 ? Event::Type::kSearch : Event::Type::kPurchase,
                           .user = "user" + std::to_string(i % 7),
                           .session = "s" + std::to_string(i / 10),
                           .ts_ms = 1'600'000'000'000 + i,
                           .item = i % 3 ? "item" + std::to_string(i) : "",
                           .query = i % 2 ? "q " + std::to_string(i) : ""});
    if (!events.back().isSearch() && events.back().item.empty()) events.back().item = "x";
  }
  REQUIRE(writeEventsFile(dir.file("e.jsonl"), events));
  std::size_t index = 0;
  bool all_equal = true;
  auto count = streamEvents(dir.file("e.jsonl"), [&](Event&& e) {
    all_equal = all_equal && e == events[index];
    ++index;
  });
  REQUIRE(count);
  CHECK(*count == events.size());
  CHECK(all_equal);
}

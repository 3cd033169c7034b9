// ActivityLog: the day of its file names, and replay (what rerankd reads on
// start to relearn its live click statistics): the files of a day and
// later, oldest first, lines in the order written, unreadable ones skipped
// and counted, other files ignored.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "rerank/activity_log.h"
#include "scoring/data/event_io.h"

using rr::rerank::ActivityLog;
using rr::scoring::data::Event;

namespace {

struct TempDir {
  std::filesystem::path path = std::filesystem::temp_directory_path() /
                               ("rr-activity-" + std::to_string(::getpid()));
  TempDir() {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path / "shop");
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

std::string line(const Event& e) {
  std::string out;
  rr::scoring::data::writeEventLine(out, e);
  return out + "\n";
}

Event click(const std::string& item, int64_t ts) {
  return {.type = Event::Type::kClick, .user = "u", .ts_ms = ts, .item = item};
}

}  // namespace

TEST_CASE("the activity log's day is the UTC date of a time", "[unit][activity_log]") {
  CHECK(ActivityLog::dayOf(1313035144270) == "2011-08-11");
  CHECK(ActivityLog::dayOf(0) == "1970-01-01");
  CHECK(ActivityLog::dayOf(-1) == "1969-12-31");
  CHECK(ActivityLog::dayOf(1764979199999) == "2025-12-05");  // the day's last millisecond
}

TEST_CASE("replay reads the files of a day and later in order, skipping unreadable lines",
          "[unit][activity_log]") {
  TempDir dir;
  const auto shop = dir.path / "shop";
  std::ofstream(shop / "activity-2026-11-30.jsonl") << line(click("old", 1));
  std::ofstream(shop / "activity-2026-12-03.jsonl")
      << line(click("c", 4)) << "{\"type\":\"click\",\"user\":\"u\",\"ts\":5,\"it";  // cut short
  std::ofstream(shop / "activity-2026-12-01.jsonl") << line(click("a", 2)) << "\n"
                                                     << line(click("b", 3));
  std::ofstream(shop / "notes.txt") << line(click("not a log", 9));
  std::ofstream(shop / "activity-2026-12-02.jsonl.tmp") << line(click("half-erased", 9));

  ActivityLog log(dir.path.string());
  std::vector<std::string> seen;
  const auto got = log.replay("shop", "2026-12-01", [&](const Event& e) { seen.push_back(e.item); });
  CHECK(seen == std::vector<std::string>{"a", "b", "c"});
  CHECK(got.files == 2);
  CHECK(got.events == 3);
  CHECK(got.skipped == 1);

  seen.clear();
  CHECK(log.replay("shop", "", [&](const Event& e) { seen.push_back(e.item); }).files == 3);
  CHECK(seen == std::vector<std::string>{"old", "a", "b", "c"});
  CHECK(log.replay("other", "", [](const Event&) {}).files == 0);  // no folder: nothing
}

TEST_CASE("what the activity log records, replay reads back", "[unit][activity_log]") {
  TempDir dir;
  ActivityLog log(dir.path.string());
  Event search{.type = Event::Type::kSearch, .user = "u", .ts_ms = 7, .item = "x",
               .query = "halo", .request_id = "0123456789abcdef"};
  Event c = click("y", 8);
  c.query = "halo 3";
  log.record("shop", search);
  log.record("shop", c);
  std::vector<Event> seen;
  log.replay("shop", "", [&](const Event& e) { seen.push_back(e); });
  REQUIRE(seen.size() == 2);
  CHECK(seen[0] == search);
  CHECK(seen[1] == c);
  CHECK(log.errors() == 0);
}

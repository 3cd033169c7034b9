// rerank-convert on the real Best Buy log, when ../shared/data has it.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "scoring/pipeline/log_loader.h"

namespace fs = std::filesystem;
using namespace rr::scoring::pipeline;

TEST_CASE("the Best Buy log converts to 437 products and 29,526 labelled searches",
          "[unit][convert]") {
  const std::string data = std::string(RR_SOURCE_DIR) + "/../shared/data/bestbuy-xbox";
  if (!fs::exists(data + "/clicks.csv")) {
    WARN("skipped: " << data << " is not here (the real data lives in ../shared/data)");
    return;
  }
  const std::string out = (fs::temp_directory_path() /
                           ("rr-convert-" + std::to_string(::getpid()))).string();
  const std::string cmd = std::string(RR_CONVERT_BINARY) + " bestbuy --data " + data +
                          " --out " + out + " > /dev/null";
  REQUIRE(std::system(cmd.c_str()) == 0);
  auto catalog = loadCatalogFile(out + "/catalog.jsonl");
  REQUIRE(catalog);
  CHECK(catalog->size() == 437);
  auto events = loadEventsFile(out + "/events.jsonl");
  REQUIRE(events);
  std::size_t labelled = 0, searches = 0, clicks = 0;
  std::set<std::string> users;
  for (const auto& e : *events) {
    users.insert(e.user);
    if (e.kind == LogEvent::Kind::kSearch) {
      ++searches;
      labelled += !e.item.empty();
    } else if (e.kind == LogEvent::Kind::kClick) {
      ++clicks;
    }
  }
  CHECK(labelled == 29526);
  CHECK(searches == 29526 + 19851);
  CHECK(clicks == labelled);
  // Time-ordered, and the first search is the file's first row.
  CHECK(std::is_sorted(events->begin(), events->end(),
                       [](const LogEvent& a, const LogEvent& b) { return a.ts_ms < b.ts_ms; }));
  CHECK(events->front().query == "episode");
  fs::remove_all(out);
}

TEST_CASE("Amazon Scientific converts to one evaluation search per user after their history",
          "[unit][convert]") {
  const std::string data = std::string(RR_SOURCE_DIR) + "/../shared/data/amazon-scientific";
  if (!fs::exists(data + "/Scientific.valid.inter")) {
    WARN("skipped: " << data << " is not here (the real data lives in ../shared/data)");
    return;
  }
  const std::string out = (fs::temp_directory_path() /
                           ("rr-convert-sci-" + std::to_string(::getpid()))).string();
  const std::string cmd = std::string(RR_CONVERT_BINARY) + " amazon-scientific --data " + data +
                          " --out " + out + " > /dev/null";
  REQUIRE(std::system(cmd.c_str()) == 0);
  auto catalog = loadCatalogFile(out + "/catalog.jsonl");
  REQUIRE(catalog);
  CHECK(catalog->size() == 4385);
  // The set itself leaves the category path empty for 133 items.
  std::size_t no_category = 0;
  for (const auto& item : *catalog) no_category += item.category.empty();
  CHECK(no_category == 133);
  auto events = loadEventsFile(out + "/events.jsonl");
  REQUIRE(events);
  const int64_t end = events->back().ts_ms;
  std::size_t at_end = 0;
  std::set<std::string> users;
  for (const auto& e : *events) {
    if (e.ts_ms == end) {
      CHECK(e.kind == LogEvent::Kind::kSearch);
      CHECK_FALSE(e.item.empty());
      ++at_end;
      users.insert(e.user);
    }
  }
  CHECK(at_end == 8212);  // 230 targets have no category path: no search
  CHECK(users.size() == 8212);  // one evaluation search per user, after every history
  fs::remove_all(out);
}

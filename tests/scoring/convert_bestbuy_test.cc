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

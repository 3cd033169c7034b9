// WindowSource's disk cache: what a run fetched reads back exactly, ids with
// spaces, tabs, line breaks and '%' included; a line that does not read back
// whole (a bad number, a last line cut short by a stopped run) is fetched
// again instead of crashing the run or serving a truncated window.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "connectors/json_writer.h"
#include "scoring/pipeline/window_source.h"
#include "tests/unit/fake_transport.h"

using rr::scoring::pipeline::Window;
using rr::scoring::pipeline::WindowSource;
namespace fs = std::filesystem;

namespace {

// An _msearch answer with one search whose hits are `ids`, scored 9, 8, ...
std::string msearchOf(const std::vector<std::string>& ids) {
  std::string hits;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i) hits += ",";
    hits += R"({"_index":"shop","_id":)" + rr::connectors::jsonString(ids[i]) +
            R"(,"_score":)" + std::to_string(9 - static_cast<int>(i)) + ".25}";
  }
  return R"({"took":1,"responses":[{"took":1,"timed_out":false,"hits":{"total":{"value":)" +
         std::to_string(ids.size()) + R"(,"relation":"eq"},"max_score":9.25,"hits":[)" + hits +
         R"(]},"status":200}]})";
}

struct Cache {
  std::string path = (fs::temp_directory_path() /
                      ("rr-window-cache-" + std::to_string(::getpid()) + "-" +
                       std::to_string(++count)))
                         .string();
  ~Cache() { fs::remove(path); }
  std::string text() const {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  static inline int count = 0;
};

std::vector<std::string> idsOf(const Window& w) {
  std::vector<std::string> out;
  for (const auto& s : w) out.push_back(s.id);
  return out;
}

}  // namespace

TEST_CASE("a cached window reads back exactly whatever its ids hold", "[unit][pipeline]") {
  Cache cache;
  const std::vector<std::string> ids = {"plain", "two words", "50%", "%20 literal", "tab\there",
                                        "line\nbreak", "a:b:c", "cr\r"};
  auto fetching = std::make_shared<rr::unit::FakeTransport>();
  fetching->reply(200, msearchOf(ids));
  rr::connectors::EngineClient engine({.url = "http://engine"}, fetching);
  {
    WindowSource first(engine, {.index = "shop", .window = 100, .cache_file = cache.path});
    REQUIRE(first.prefetch({"Cheap Phones"}));
    CHECK(idsOf(first.window("cheap phones")) == ids);
  }
  CHECK(fetching->unusedReplies() == 0);
  // One line per query, whatever the ids hold.
  const std::string text = cache.text();
  CHECK(std::count(text.begin(), text.end(), '\n') == 2);

  auto none = std::make_shared<rr::unit::FakeTransport>();  // answers nothing
  rr::connectors::EngineClient offline({.url = "http://engine"}, none);
  WindowSource again(offline, {.index = "shop", .window = 100, .cache_file = cache.path});
  REQUIRE(again.prefetch({"cheap phones"}));
  CHECK(none->requests.empty());
  const Window& w = again.window("cheap phones");
  CHECK(idsOf(w) == ids);
  REQUIRE(w.size() == ids.size());
  CHECK(w[0].score == 9.25f);
  CHECK(w[7].score == 2.25f);
}

TEST_CASE("cache lines that do not read back whole are fetched again", "[unit][pipeline]") {
  Cache cache;
  std::ofstream(cache.path) << "#windows index=shop size=100\n"
                               "good\tw1:2 w2:1.5 \n"
                               "old format\tw1:2 w2:1 \n"
                               "bad number\tw1:x \n"
                               "no score\tw1: \n"
                               "cut\tw1:2 w2:1";  // a stopped run's last line
  auto engine = std::make_shared<rr::unit::FakeTransport>();
  engine->reply(200, msearchOf({"n1"}));
  engine->reply(200, msearchOf({"n2"}));
  engine->reply(200, msearchOf({"n3", "n4"}));
  rr::connectors::EngineClient client({.url = "http://engine"}, engine);
  {
    WindowSource windows(client, {.index = "shop", .window = 100,
                                  .cache_file = cache.path, .batch = 1});
    CHECK(idsOf(windows.window("good")) == std::vector<std::string>{"w1", "w2"});
    CHECK(windows.window("good")[1].score == 1.5f);
    CHECK(idsOf(windows.window("old format")) == std::vector<std::string>{"w1", "w2"});
    CHECK(windows.window("bad number").empty());
    CHECK(windows.window("no score").empty());
    CHECK(windows.window("cut").empty());
    REQUIRE(windows.prefetch({"good", "old format", "bad number", "no score", "cut"}));
    CHECK(engine->requests.size() == 3);
    CHECK(idsOf(windows.window("cut")) == std::vector<std::string>{"n3", "n4"});
  }
  // The refetched windows were appended after the cut line, not onto it.
  auto none = std::make_shared<rr::unit::FakeTransport>();
  rr::connectors::EngineClient offline({.url = "http://engine"}, none);
  WindowSource reread(offline, {.index = "shop", .window = 100, .cache_file = cache.path});
  CHECK(idsOf(reread.window("good")) == std::vector<std::string>{"w1", "w2"});
  CHECK(idsOf(reread.window("bad number")) == std::vector<std::string>{"n1"});
  CHECK(idsOf(reread.window("no score")) == std::vector<std::string>{"n2"});
  CHECK(idsOf(reread.window("cut")) == std::vector<std::string>{"n3", "n4"});
}

// loadEventsFile: served searches (rerankd's activity log, with impressions)
// get their click from the click events after them; other logs load as
// before.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "scoring/pipeline/log_loader.h"

namespace fs = std::filesystem;
using namespace rr::scoring::pipeline;

namespace {

// A JSONL file in the temp dir, removed when done.
class TempLog {
 public:
  explicit TempLog(const std::string& lines)
      : path_((fs::temp_directory_path() / ("rr-log-loader-" + std::to_string(::getpid()) + "-" +
                                            std::to_string(++count_) + ".jsonl"))
                  .string()) {
    std::ofstream(path_) << lines;
  }
  ~TempLog() { fs::remove(path_); }
  TempLog(const TempLog&) = delete;
  TempLog& operator=(const TempLog&) = delete;
  const std::string& path() const { return path_; }

 private:
  static inline int count_ = 0;
  std::string path_;
};

}  // namespace

TEST_CASE("a served search loads with the click that carries its request id", "[unit][pipeline]") {
  // r1's click comes after r2 was served: only the request id ties it to r1.
  // The file is not in time order; the loader sorts it.
  TempLog log(
      R"({"type":"click","user":"u1","ts":3000,"item":"b","request_id":"r1"})" "\n"
      R"({"type":"search","user":"u1","ts":1000,"query":"halo",)"
      R"("impressions":["a","b","c"],"from":10,"request_id":"r1"})" "\n"
      R"({"type":"search","user":"u1","ts":2000,"query":"halo 2",)"
      R"("impressions":["b","d"],"request_id":"r2"})" "\n");
  std::size_t joined = 99;
  auto events = loadEventsFile(log.path(), &joined);
  REQUIRE(events);
  CHECK(joined == 1);
  REQUIRE(events->size() == 3);
  const LogEvent& r1 = (*events)[0];
  CHECK(r1.kind == LogEvent::Kind::kSearch);
  CHECK(r1.ts_ms == 1000);
  CHECK(r1.item == "b");
  CHECK(r1.impressions == std::vector<std::string>{"a", "b", "c"});
  CHECK(r1.from == 10);
  const LogEvent& r2 = (*events)[1];
  CHECK(r2.ts_ms == 2000);
  CHECK(r2.item.empty());
  CHECK(r2.impressions == std::vector<std::string>{"b", "d"});
  CHECK(r2.from == 0);
  CHECK((*events)[2].kind == LogEvent::Kind::kClick);
  CHECK((*events)[2].item == "b");
}

TEST_CASE("a log without impressions loads as before", "[unit][pipeline]") {
  TempLog log(
      R"({"type":"search","user":"u1","ts":1000,"query":"halo","clicked":"a"})" "\n"
      R"({"type":"click","user":"u1","ts":1500,"item":"a"})" "\n"
      R"({"type":"search","user":"u1","ts":2000,"query":"halo"})" "\n"
      R"({"type":"click","user":"u1","ts":2500,"item":"b"})" "\n");
  std::size_t joined = 99;
  auto events = loadEventsFile(log.path(), &joined);
  REQUIRE(events);
  CHECK(joined == 0);
  REQUIRE(events->size() == 4);
  CHECK((*events)[0].item == "a");
  CHECK((*events)[2].kind == LogEvent::Kind::kSearch);
  CHECK((*events)[2].item.empty());  // no impressions: the later click is not joined
  for (const LogEvent& e : *events) {
    CHECK(e.impressions.empty());
    CHECK(e.from == 0);
  }
  // The count is optional.
  CHECK(loadEventsFile(log.path()));
}

// ExampleBuilder's clicked-before extras: the lists it gives for the model
// file are the extras its replay adds, so rerankd can add the same ones.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "scoring/pipeline/example_builder.h"
#include "scoring/pipeline/window_source.h"
#include "tests/scoring/example_factory.h"

using namespace rr::scoring;
using namespace rr::scoring::pipeline;
namespace fs = std::filesystem;

namespace {

// The windows come from WindowSource's disk cache: nothing asks the engine.
class NoEngine final : public rr::connectors::Transport {
 public:
  rr::connectors::Result<rr::connectors::HttpResponse> send(
      const rr::connectors::HttpRequest&, rr::connectors::Deadline) override {
    return std::unexpected(rr::connectors::Error{.code = rr::connectors::ErrorCode::kUnavailable,
                                                 .message = "no engine in this test"});
  }
};

LogEvent search(std::string user, std::string query, std::string clicked, int64_t ts) {
  return {.kind = LogEvent::Kind::kSearch, .user = std::move(user), .session = "s1",
          .item = std::move(clicked), .query = std::move(query), .ts_ms = ts};
}

// The ids `l` has with a clicked-before origin, in candidate order.
std::vector<std::string> clickedBeforeIds(const Labelled& l) {
  std::vector<std::string> out;
  for (std::size_t c = 0; c < l.candidates.size(); ++c) {
    if (l.origins[c] & kClickedBefore) out.push_back(l.candidates[c]);
  }
  return out;
}

}  // namespace

TEST_CASE("the click lists for the model file are the clicked-before extras the replay adds",
          "[unit][pipeline]") {
  std::vector<ItemText> catalog;
  for (const std::string id : {"w1", "w2", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9",
                               "c10", "c11", "c12", "x1"}) {
    catalog.push_back({.id = id, .title = "item " + id, .brand = "b", .category = "k"});
  }
  const std::string cache =
      (fs::temp_directory_path() / ("rr-builder-test-" + std::to_string(::getpid()))).string();
  std::ofstream(cache) << "#windows index=shop size=100\nhalo\tw1:2 w2:1 \n";
  rr::connectors::EngineClient client({.url = "http://unused"}, std::make_shared<NoEngine>());
  WindowSource windows(client, {.index = "shop", .window = 100, .cache_file = cache});

  // Before the split at 1000: "Halo" clicks, most clicked first and ties by
  // id: gone (not in the catalog, still taking one of the 10 places), c2, c5,
  // c9, then c1, c10, c11, c12, c3, c4; c6, c7 and c8 miss the cut.
  std::vector<LogEvent> events;
  int64_t ts = 1;
  auto clicks = [&](const std::string& query, const std::string& item, int n) {
    for (int i = 0; i < n; ++i) events.push_back(search("u0", query, item, ts++));
  };
  clicks("Halo", "gone", 4);
  for (const std::string id : {"c5", "c2"}) clicks("Halo", id, 3);
  clicks("Halo", "c9", 2);
  for (const std::string id : {"c1", "c3", "c4", "c6", "c7", "c8", "c10", "c11", "c12"}) {
    clicks("halo", id, 1);
  }
  clicks("Xbox One", "x1", 1);
  clicks("xbox one", "c3", 1);
  // The test period: clicks here are not in the lists.
  events.push_back(search("u1", "HALO", "c2", 1001));
  for (int64_t t = 1002; t < 1008; ++t) events.push_back(search("u2", "halo", "c12", t));
  events.push_back(search("u1", "xbox one", "x1", 1010));

  Model model = rr::testing::tinyModel(5);
  ExampleBuilder builder(catalog, windows, {.vector_extras = 4});
  std::map<std::string, std::vector<std::string>> added;  // first search per query
  builder.replay(events, model, 1000, 1000, 2000,
                 [&](Labelled& l) { added.try_emplace(l.query, clickedBeforeIds(l)); });
  const Model::QueryClicks lists = builder.clickLists();

  REQUIRE(lists.size() == 2);
  REQUIRE(added.size() == 2);
  CHECK(lists.at("halo") ==
        std::vector<std::string>{"c2", "c5", "c9", "c1", "c10", "c11", "c12", "c3", "c4"});
  CHECK(lists.at("halo") == added.at("halo"));
  CHECK(lists.at("xbox one") == std::vector<std::string>{"c3", "x1"});
  CHECK(lists.at("xbox one") == added.at("xbox one"));
  fs::remove(cache);
}

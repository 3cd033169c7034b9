// ExampleBuilder's clicked-before extras: the lists it gives for the model
// file are the extras its replay adds, so rerankd can add the same ones.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cmath>
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

// A WindowSource whose windows are `lines` ("query\tid:score ...") in its
// disk cache: nothing asks the engine. Removes the cache file when done.
class CachedWindows {
 public:
  explicit CachedWindows(const std::string& lines) : cache_(write(lines)) {}
  ~CachedWindows() { fs::remove(cache_); }
  CachedWindows(const CachedWindows&) = delete;
  CachedWindows& operator=(const CachedWindows&) = delete;

  const WindowSource& source() const { return windows_; }

 private:
  // Before the WindowSource member reads it.
  static std::string write(const std::string& lines) {
    static int count = 0;
    const std::string path = (fs::temp_directory_path() /
                              ("rr-builder-test-" + std::to_string(::getpid()) + "-" +
                               std::to_string(++count)))
                                 .string();
    std::ofstream(path) << "#windows index=shop size=100\n" << lines;
    return path;
  }

  std::string cache_;
  rr::connectors::EngineClient client_{{.url = "http://unused"}, std::make_shared<NoEngine>()};
  WindowSource windows_{client_, {.index = "shop", .window = 100, .cache_file = cache_}};
};

LogEvent served(std::string user, std::string query, std::string clicked, int64_t ts,
                std::vector<std::string> impressions, int from) {
  LogEvent e = search(std::move(user), std::move(query), std::move(clicked), ts);
  e.impressions = std::move(impressions);
  e.from = from;
  return e;
}

std::vector<ItemText> catalogOf(std::initializer_list<std::string> ids) {
  std::vector<ItemText> catalog;
  for (const auto& id : ids) {
    catalog.push_back({.id = id, .title = "item " + id, .brand = "b", .category = "k"});
  }
  return catalog;
}

// The labelled searches of a replay, by timestamp.
std::map<int64_t, Labelled> replayAll(ExampleBuilder& builder, const std::vector<LogEvent>& events,
                                      Model& model, int64_t stats_until_ms) {
  std::map<int64_t, Labelled> out;
  builder.replay(events, model, stats_until_ms, 0, 1'000'000,
                 [&](Labelled& l) { out.emplace(l.ts_ms, l); });
  return out;
}

uint8_t originOf(const Labelled& l, const std::string& id) {
  for (std::size_t c = 0; c < l.candidates.size(); ++c) {
    if (l.candidates[c] == id) return l.origins[c];
  }
  return 0;
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

TEST_CASE("a training list adds what was shown as candidates and weighs the click's position",
          "[unit][pipeline]") {
  const auto catalog = catalogOf({"w1", "w2", "s1", "s2", "s3"});
  CachedWindows windows("halo\tw1:2 w2:1 \n");
  // Shown: w2 (also in the engine window), s1, "gone" (not in the catalog),
  // s2 (clicked, 4th on the page from 2: position 6), s3. No extras, so that
  // every candidate beyond the window comes from the impressions.
  const std::vector<std::string> page{"w2", "s1", "gone", "s2", "s3"};
  const std::vector<LogEvent> events{
      served("u1", "halo", "s2", 10, page, 2),
      served("u2", "halo", "s2", 20, page, 20),  // position 24: weight capped at 10
      served("u3", "halo", "s2", 1010, page, 2),  // after stats_until: evaluated
  };
  Model model = rr::testing::tinyModel(5);
  ExampleBuilder builder(catalog, windows.source(),
                         {.prior_extras = 0, .vector_extras = 0, .position_bias = 1.0});
  const auto got = replayAll(builder, events, model, 1000);
  REQUIRE(got.size() == 3);

  const Labelled& l = got.at(10);
  CHECK(l.candidates == std::vector<std::string>{"w1", "w2", "s1", "s2", "s3"});
  CHECK(l.engine_count == 2);
  CHECK(originOf(l, "w1") == kFromEngine);
  CHECK(originOf(l, "w2") == (kFromEngine | kShown));
  CHECK(originOf(l, "s1") == kShown);
  CHECK(originOf(l, "s2") == kShown);
  CHECK(originOf(l, "s3") == kShown);
  CHECK(l.example.candidates.size() == 5);
  CHECK(l.example.stats.size() == 5);
  CHECK(l.example.target == 3);
  CHECK(l.click_position == 6);
  CHECK(l.example.weight == Approx(6.0f));

  CHECK(got.at(20).click_position == 24);
  CHECK(got.at(20).example.weight == Approx(10.0f));

  // The evaluated search keeps the candidates the live path would have.
  const Labelled& e = got.at(1010);
  CHECK(e.candidates == std::vector<std::string>{"w1", "w2"});
  for (uint8_t o : e.origins) CHECK((o & kShown) == 0);
  CHECK(e.example.target == -1);
  CHECK(e.example.weight == 1.0f);

  SECTION("with position bias 0 every list weighs 1, and the shown items stay") {
    ExampleBuilder flat(catalog, windows.source(),
                        {.prior_extras = 0, .vector_extras = 0, .position_bias = 0});
    const auto unweighted = replayAll(flat, events, model, 1000);
    REQUIRE(unweighted.size() == 3);
    CHECK(unweighted.at(10).candidates == l.candidates);
    CHECK(unweighted.at(10).click_position == 6);
    CHECK(unweighted.at(10).example.weight == 1.0f);
    CHECK(unweighted.at(20).example.weight == 1.0f);
  }
  SECTION("a search without impressions weighs 1 and gets the window only") {
    const auto plain = replayAll(builder, {search("u1", "halo", "w2", 10)}, model, 1000);
    REQUIRE(plain.size() == 1);
    CHECK(plain.at(10).candidates == std::vector<std::string>{"w1", "w2"});
    CHECK(plain.at(10).click_position == 0);
    CHECK(plain.at(10).example.weight == 1.0f);
  }
}

TEST_CASE("after stats_until the learned retrieval finds items by their ID vectors",
          "[unit][pipeline]") {
  // The query vector is nearest to one item's content; another item, the
  // farthest by content, gets an ID row pointing at the query. Index-sync
  // writes that item's vector with its ID row once it has enough clicks, so
  // a test-period search must find it; a training search (content-only
  // vectors, as the replay starts) must not. No engine window and no
  // clicked-before extras: every candidate is a k-NN extra.
  const auto catalog = catalogOf({"a", "b", "c", "d", "e", "f"});
  CachedWindows windows("");
  Model model = rr::testing::tinyModel(7);

  std::vector<uint32_t> tokens;
  model.queryTokens("halo", tokens);
  REQUIRE_FALSE(tokens.empty());
  Vector q(model.dim());
  model.queryVector(tokens, q.data());
  REQUIRE(q.squaredNorm() > 0.0f);
  auto sim = [&](const ItemText& item, int64_t id_row) {
    ItemText text = item;
    text.id.clear();
    ItemInput in = model.itemInput(text);
    in.id = id_row;
    Vector v(model.dim());
    model.itemVector(in, v.data());
    return v.dot(q);
  };
  std::size_t nearest = 0, farthest = 0;
  for (std::size_t i = 1; i < catalog.size(); ++i) {
    if (sim(catalog[i], -1) > sim(catalog[nearest], -1)) nearest = i;
    if (sim(catalog[i], -1) < sim(catalog[farthest], -1)) farthest = i;
  }
  REQUIRE(nearest != farthest);
  const std::string star = catalog[farthest].id;
  const auto row =
      static_cast<int64_t>(model.tokenizer().hashValue("id:" + star, model.dims().id_buckets));
  const float gap = sim(catalog[nearest], -1) - sim(catalog[farthest], -1);
  model.params().ids.row(row) = (q * (2.0f * (gap + 1.0f) / q.squaredNorm())).transpose();
  REQUIRE(sim(catalog[farthest], row) > sim(catalog[nearest], -1) + 1.0f);

  // Which items have an ID row is decided from the clicks before stats_until
  // (searches for another query). The "halo" searches click an item outside
  // the catalog: labelled, but no clicked-before extras.
  auto run = [&](int clicks) {
    std::vector<LogEvent> events;
    for (int i = 0; i < clicks; ++i) events.push_back(search("u0", "other", star, 1 + i));
    events.push_back(search("u1", "halo", "gone", 100));   // training
    events.push_back(search("u1", "halo", "gone", 1100));  // evaluated
    ExampleBuilder builder(catalog, windows.source(), {.vector_extras = 1});
    return replayAll(builder, events, model, 1000);
  };
  const std::vector<std::string> by_content{catalog[nearest].id};

  const auto known = run(static_cast<int>(Model::kMinClicksForId));
  CHECK(known.at(100).candidates == by_content);
  CHECK(known.at(1100).candidates == std::vector<std::string>{star});
  CHECK(known.at(1100).origins == std::vector<uint8_t>{kNearQuery});
  REQUIRE(known.at(1100).example.candidates.size() == 1);
  CHECK(known.at(1100).example.candidates[0].id == row);

  // One click short: no ID row, so content decides in the test period too.
  const auto cold = run(static_cast<int>(Model::kMinClicksForId) - 1);
  CHECK(cold.at(100).candidates == by_content);
  CHECK(cold.at(1100).candidates == by_content);
}

TEST_CASE("with online statistics each evaluated click counts for the searches after it",
          "[unit][pipeline]") {
  // Before the split at 1000, "halo" clicks go to w1. In the test period
  // shoppers click w2, which is about to get an ID row: online, each click
  // joins the statistics right after its own search, as rerankd learns the
  // clicks it is sent; ID rows stay as at the split (index-sync's vectors).
  const auto catalog = catalogOf({"w1", "w2"});
  CachedWindows windows("halo\tw1:2 w2:1 \n");
  Model model = rr::testing::tinyModel(3);
  const auto min_clicks = static_cast<int>(Model::kMinClicksForId);
  std::vector<LogEvent> events;
  for (int i = 0; i < 4; ++i) events.push_back(search("u0", "halo", "w1", 1 + i));
  for (int i = 0; i < min_clicks - 1; ++i) events.push_back(search("u0", "zelda", "w2", 10 + i));
  for (int i = 0; i < 6; ++i) events.push_back(search("u1", "halo", "w2", 1001 + i));

  auto run = [&](bool online) {
    ExampleBuilder builder(catalog, windows.source(), {.vector_extras = 0, .online_stats = online});
    return replayAll(builder, events, model, 1000);
  };
  auto prior = [](const Labelled& l, const std::string& id) {
    for (std::size_t c = 0; c < l.candidates.size(); ++c) {
      if (l.candidates[c] == id) return l.example.stats[c].click_prior;
    }
    return -1.0f;
  };
  auto known = [](const Labelled& l, const std::string& id) {
    for (std::size_t c = 0; c < l.candidates.size(); ++c) {
      if (l.candidates[c] == id) return l.example.candidates[c].id >= 0;
    }
    return false;
  };

  const auto frozen = run(false);
  const auto online = run(true);
  // The first test search sees the same statistics either way.
  CHECK(online.at(1001).example.stats[0].click_prior == Approx(prior(frozen.at(1001), "w1")));
  CHECK(prior(online.at(1001), "w2") == Approx(prior(frozen.at(1001), "w2")));
  for (int64_t t = 1002; t <= 1006; ++t) {
    INFO("search at " << t);
    // Frozen: nothing moves. Online: w2 gains with every earlier click.
    CHECK(prior(frozen.at(t), "w2") == Approx(prior(frozen.at(1001), "w2")));
    CHECK(prior(online.at(t), "w2") > prior(online.at(t - 1), "w2"));
    CHECK(prior(online.at(t), "w1") < prior(online.at(t - 1), "w1"));
    // w2 reached the clicks for an ID row during the test period: it still
    // has none, as its synced vector has none.
    CHECK_FALSE(known(online.at(t), "w2"));
    CHECK(known(online.at(t), "w1") == known(frozen.at(t), "w1"));
  }
  // By the last search w2 leads w1 for "halo".
  CHECK(prior(online.at(1006), "w2") > prior(online.at(1006), "w1"));
}

TEST_CASE("the next-item feature counts only transitions logged before the search, in the "
          "statistics period",
          "[unit][pipeline]") {
  const auto catalog = catalogOf({"A", "B", "C"});
  CachedWindows windows("k\tA:3 B:2 C:1 \n");
  auto purchase = [](std::string user, std::string item, int64_t ts) {
    return LogEvent{.kind = LogEvent::Kind::kPurchase, .user = std::move(user), .session = "s1",
                    .item = std::move(item), .ts_ms = ts};
  };
  // As the Amazon converters log it: each purchase is first a search for
  // it, a minute before.
  const std::vector<LogEvent> events{
      purchase("u1", "A", 1), search("u1", "k", "B", 2), purchase("u1", "B", 3),
      purchase("u2", "A", 10), search("u2", "k", "B", 11), purchase("u2", "B", 12),
      // The test period: u3's A -> C is history for u3, not a statistic.
      purchase("u3", "A", 1001), purchase("u3", "C", 1002),
      purchase("u4", "A", 1010), search("u4", "k", "C", 1011),
      search("u5", "k", "C", 1012),  // no history
  };
  Model model = rr::testing::tinyModel(5);
  ExampleBuilder builder(catalog, windows.source(), {.prior_extras = 0, .vector_extras = 0});
  const auto got = replayAll(builder, events, model, 1000);
  REQUIRE(got.size() == 4);
  const auto nextOf = [](const Labelled& l) {
    REQUIRE(l.candidates == std::vector<std::string>{"A", "B", "C"});
    return l.example.next_item;
  };
  // u1's own A -> B is logged after the search it answers.
  CHECK(nextOf(got.at(2)) == std::vector<float>{0.0f, 0.0f, 0.0f});
  CHECK(nextOf(got.at(11)) == std::vector<float>{0.0f, std::log1p(1.0f), 0.0f});
  CHECK(nextOf(got.at(1011)) == std::vector<float>{0.0f, std::log1p(2.0f), 0.0f});
  CHECK(nextOf(got.at(1012)).empty());
  CHECK(model.stats().transitions() == 1);
}

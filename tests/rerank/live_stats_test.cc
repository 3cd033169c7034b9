// rerankd's live click statistics: the model's, plus the clicks sent since,
// read by the live scorer exactly as a training list reads the statistics
// of its moment.
#include <catch2/catch.hpp>

#include <cmath>

#include "rerank/live_scorer.h"
#include "rerank/live_stats.h"
#include "scoring/tokenizer.h"
#include "tests/scoring/example_factory.h"

using namespace rr;

namespace {

constexpr int64_t kDay = 86400000;

std::shared_ptr<scoring::Model> modelWithClicks(double half_life_days = 0) {
  auto model = std::make_shared<scoring::Model>(rr::testing::tinyModel(3));
  model->stats() = scoring::ClickStats(half_life_days);
  for (int k = 0; k < 6; ++k) model->stats().addClick("halo", "old", 10 * kDay + k);
  model->stats().addClick("forza", "other", 10 * kDay + 9);
  return model;
}

}  // namespace

TEST_CASE("live statistics start as the model's and count the clicks sent since",
          "[rerank][live_stats]") {
  auto model = modelWithClicks();
  rerank::LiveStats live(*model, nullptr);
  const float before = live.read([](const auto& s) { return s.clickPrior("halo", "new"); });
  CHECK(before == Approx(model->stats().clickPrior("halo", "new")));
  CHECK(before == Approx(0.0));

  CHECK(live.addClick("halo", "new", 11 * kDay));
  CHECK(live.addClick("halo", "new", 11 * kDay + 1));
  // As if the two clicks had been in the training log.
  scoring::ClickStats want = model->stats();
  want.addClick("halo", "new", 11 * kDay);
  want.addClick("halo", "new", 11 * kDay + 1);
  live.read([&](const scoring::ClickStats& s) {
    CHECK(s.clickPrior("halo", "new") == Approx(want.clickPrior("halo", "new")));
    CHECK(s.clickPrior("halo", "old") == Approx(want.clickPrior("halo", "old")));
    CHECK(s.tokenPrior("halo wars", "new") == Approx(want.tokenPrior("halo wars", "new")));
    CHECK(s.popularity("new") == Approx(want.popularity("new")));
  });
  // A query first clicked from live is one the next unclicked query can
  // borrow from.
  CHECK(live.addClick("halo reach", "new", 11 * kDay + 2));
  live.read([&](const scoring::ClickStats& s) {
    REQUIRE(s.similarQuery("haloreach"));
    CHECK(*s.similarQuery("haloreach") == "halo reach");
  });
  CHECK(live.read([](const auto& s) { return s.clickPrior("halo", "new"); }) > before);
  CHECK(live.added() == 3);
  // The model itself is untouched: other storefronts and reloads share it.
  CHECK(model->stats().clickPrior("halo", "new") == Approx(0.0));

  // Clicks the model already counted (a log replayed into rerankd) and
  // empty items are not counted twice.
  CHECK_FALSE(live.addClick("halo", "old", 10 * kDay + 3));
  CHECK_FALSE(live.addClick("halo", "", 12 * kDay));
  CHECK(live.added() == 3);
}

TEST_CASE("a new model keeps the live clicks newer than its own log", "[rerank][live_stats]") {
  auto first = modelWithClicks();
  rerank::LiveStats live(*first, nullptr);
  live.addClick("halo", "a", 11 * kDay);
  live.addClick("halo", "b", 12 * kDay);
  live.addClick("halo", "c", 13 * kDay);

  // The next model was trained on a log that ends on day 12: it has a and
  // b already; c must not be lost, a and b not counted twice.
  auto second = modelWithClicks();
  second->stats().addClick("halo", "a", 11 * kDay);
  second->stats().addClick("halo", "b", 12 * kDay);
  rerank::LiveStats next(*second, &live);
  CHECK(next.added() == 1);
  scoring::ClickStats want = second->stats();
  want.addClick("halo", "c", 13 * kDay);
  next.read([&](const scoring::ClickStats& s) {
    for (const char* item : {"a", "b", "c", "old"}) {
      INFO(item);
      CHECK(s.clickPrior("halo", item) == Approx(want.clickPrior("halo", item)));
      CHECK(s.itemClicks(item) == want.itemClicks(item));
    }
  });
}

TEST_CASE("the live scorer reads the live statistics when given them", "[rerank][live_stats]") {
  auto model = modelWithClicks();
  rerank::LiveStats live(*model, nullptr);
  for (int k = 0; k < 20; ++k) live.addClick("halo", "new", 11 * kDay + k);
  std::vector<rerank::LiveCandidate> window(2);
  window[0].text.id = "old";
  window[0].text.title = "halo old";
  window[1].text.id = "new";
  window[1].text.title = "halo new";
  rerank::LiveScorer scorer(*model);
  std::vector<float> scores, features, contributions;
  const auto click_prior = static_cast<std::size_t>(scoring::kClickPrior);

  scorer.score("Halo", window, {{}, "", 12 * kDay, 30}, scores);
  scorer.explain(1, features, contributions);
  CHECK(features[click_prior] == Approx(model->stats().clickPrior("halo", "new")));

  scorer.score("Halo", window, {{}, "", 12 * kDay, 30}, scores, nullptr, &live);
  scorer.explain(1, features, contributions);
  const float learned = live.read([](const auto& s) { return s.clickPrior("halo", "new"); });
  CHECK(features[click_prior] == Approx(learned));
  CHECK(learned > model->stats().clickPrior("halo", "new") + 0.3f);
}

TEST_CASE("live statistics keep no copy of the transitions, and the next-item feature still "
          "reads the model's",
          "[rerank][live_stats]") {
  auto model = modelWithClicks();
  model->stats().addTransition("seen", "new", 1.0f);
  rerank::LiveStats live(*model, nullptr);
  CHECK(live.read([](const auto& s) { return s.transitions(); }) == 0);
  CHECK(model->stats().transitions() == 1);

  std::vector<rerank::LiveCandidate> window(2);
  window[0].text.id = "old";
  window[0].text.title = "halo old";
  window[1].text.id = "new";
  window[1].text.title = "halo new";
  std::vector<rerank::ProfileEvent> history(1);
  history[0].kind = rerank::EventKind::kPurchase;
  history[0].item_id = "seen";
  history[0].ts_ms = 11 * kDay;
  history[0].item = std::make_shared<scoring::ItemText>(scoring::ItemText{.id = "seen"});
  rerank::LiveScorer scorer(*model);
  std::vector<float> scores, features, contributions;
  scorer.score("Halo", window, {history, "", 12 * kDay, 30}, scores, nullptr, &live);
  scorer.explain(1, features, contributions);
  CHECK(features[scoring::kNextItem] == Approx(std::log1p(1.0f)));
  scorer.explain(0, features, contributions);
  CHECK(features[scoring::kNextItem] == 0.0f);
}

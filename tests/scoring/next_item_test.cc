// The next-item feature: what shoppers took right after the items this
// shopper interacted with last (ClickStats transitions), as the ranker's
// input and in the model file.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "scoring/click_stats.h"
#include "scoring/model_file.h"
#include "tests/scoring/example_factory.h"

using namespace rr::scoring;
namespace fs = std::filesystem;

namespace {

std::vector<float> nextItemOf(const ClickStats& stats, std::vector<std::string_view> recent,
                              std::vector<std::string_view> items) {
  std::vector<float> out(items.size(), -1.0f);
  stats.nextItem(recent, items, out);
  return out;
}

}  // namespace

TEST_CASE("the next-item feature counts what followed the latest items, less the further back",
          "[unit][scoring]") {
  ClickStats stats;
  for (int i = 0; i < 3; ++i) stats.addTransition("a", "x", 1.0f);
  stats.addTransition("b", "x", 1.0f);
  stats.addTransition("a", "y", 0.5f);
  stats.addTransition("f", "z", 1.0f);  // f is the sixth item back: too far
  stats.addTransition("a", "a", 1.0f);  // an item after itself: not a transition
  stats.addTransition("", "x", 1.0f);
  CHECK(stats.transitions() == 4);      // a->x, b->x, a->y, f->z

  // Latest first: a, then b one step back.
  const auto got = nextItemOf(stats, {"a", "b", "c", "d", "e", "f"}, {"x", "y", "z", "a", "q"});
  CHECK(got[0] == Approx(std::log1p(3.0f + ClickStats::kNextItemDecay * 1.0f)));
  CHECK(got[1] == Approx(std::log1p(0.5f)));
  CHECK(got[2] == 0.0f);
  CHECK(got[3] == 0.0f);
  CHECK(got[4] == 0.0f);
  // The order matters: with b latest, a's count is the one decayed.
  const auto swapped = nextItemOf(stats, {"b", "a"}, {"x"});
  CHECK(swapped[0] == Approx(std::log1p(1.0f + ClickStats::kNextItemDecay * 3.0f)));
  // No history, or a history of items nothing followed: all 0.
  CHECK(nextItemOf(stats, {}, {"x", "y"}) == std::vector<float>{0.0f, 0.0f});
  CHECK(nextItemOf(stats, {"q", "x"}, {"x", "y"}) == std::vector<float>{0.0f, 0.0f});
}

TEST_CASE("transitions survive a model file round trip", "[unit][scoring]") {
  Model model = rr::testing::tinyModel(17);
  model.stats().addClick("halo", "sku-1");
  for (const auto& [prev, next, w] :
       std::vector<std::tuple<std::string, std::string, float>>{{"sku-1", "sku-2", 1.0f},
                                                                {"sku-1", "sku-3", 0.5f},
                                                                {"sku-2", "sku-3", 1.0f},
                                                                {"sku-1", "sku-2", 1.0f}}) {
    model.stats().addTransition(prev, next, w);
  }
  const std::string path =
      (fs::temp_directory_path() / ("rr-next-item-test-" + std::to_string(::getpid()))).string();
  REQUIRE(saveModel(model, path));
  auto loaded = loadModel(path);
  REQUIRE(loaded);
  const ClickStats& s = (*loaded)->stats();
  CHECK(s.transitions() == 3);
  const std::vector<std::string_view> items{"sku-1", "sku-2", "sku-3"};
  for (const std::vector<std::string_view>& recent :
       {std::vector<std::string_view>{"sku-1"}, {"sku-2", "sku-1"}, {"sku-3"}}) {
    CHECK(nextItemOf(s, recent, items) == nextItemOf(model.stats(), recent, items));
  }
  CHECK(nextItemOf(s, {"sku-2", "sku-1"}, items)[2] ==
        Approx(std::log1p(1.0f + ClickStats::kNextItemDecay * 0.5f)));
  fs::remove(path);
}

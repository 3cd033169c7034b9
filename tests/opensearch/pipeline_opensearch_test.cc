// Training and evaluation end to end against the real OpenSearch: a small
// shop whose shoppers each favour one brand and search with generic category
// words. The engine cannot know the brand; a model that learned from the
// users' histories can. (The real Best Buy figures come from rerank-eval; see
// the README.)
#include <catch2/catch.hpp>

#include <random>

#include "scoring/pipeline/evaluator.h"
#include "scoring/pipeline/window_source.h"
#include "tests/support/opensearch_env.h"

using namespace rr::scoring;
using namespace rr::scoring::pipeline;

namespace {

constexpr int64_t kDay = 86400000;

struct Shop {
  std::vector<ItemText> catalog;
  std::vector<LogEvent> events;
};

Shop makeShop(uint64_t seed) {
  const char* categories[] = {"racing", "soccer", "shooter", "puzzle", "dance", "golf"};
  const char* brands[] = {"acme", "zenith", "orbit", "nova", "vertex"};
  std::mt19937_64 rng(seed);
  Shop shop;
  int n = 0;
  for (const char* c : categories) {
    for (const char* b : brands) {
      for (int k = 0; k < 3; ++k, ++n) {
        shop.catalog.push_back({.id = "p" + std::to_string(n),
                                .title = std::string(c) + " game " + std::to_string(n),
                                .description = std::string("a ") + c + " game",
                                .brand = b,
                                .category = c,
                                .price = 10.0 + n % 7});
      }
    }
  }
  for (int u = 0; u < 240; ++u) {
    const std::string user = "u" + std::to_string(u);
    const std::string brand = brands[rng() % 5];
    int64_t t = static_cast<int64_t>(rng() % 10) * kDay;
    for (int s = 0; s < 8; ++s) {
      t += static_cast<int64_t>(1 + rng() % 6) * kDay;
      const char* cat = categories[rng() % 6];
      std::vector<const ItemText*> pool;
      for (const auto& item : shop.catalog) {
        if (item.category == cat && (rng() % 5 == 0 || item.brand == brand)) pool.push_back(&item);
      }
      // Mostly the favourite brand within the category.
      std::vector<const ItemText*> favourite;
      for (const auto* item : pool) {
        if (item->brand == brand) favourite.push_back(item);
      }
      const ItemText* clicked = rng() % 10 < 8 && !favourite.empty()
                                    ? favourite[rng() % favourite.size()]
                                    : pool[rng() % pool.size()];
      const std::string session = user + "#" + std::to_string(s);
      shop.events.push_back({.kind = LogEvent::Kind::kSearch, .user = user, .session = session,
                             .item = clicked->id, .query = cat, .ts_ms = t});
      shop.events.push_back({.kind = LogEvent::Kind::kClick, .user = user, .session = session,
                             .item = clicked->id, .ts_ms = t + 30000});
    }
  }
  std::stable_sort(shop.events.begin(), shop.events.end(),
                   [](const LogEvent& a, const LogEvent& b) { return a.ts_ms < b.ts_ms; });
  return shop;
}

}  // namespace

TEST_CASE("a model trained on shoppers' logs beats the engine and uses their history",
          "[opensearch][pipeline]") {
  auto client = rr::testing::openSearchClient();
  rr::testing::IndexGuard index(*client, rr::testing::uniqueIndexName("pipeline"));
  Shop shop = makeShop(5);
  WindowSource windows(*client, {.index = index.name(), .window = 100});
  REQUIRE(windows.ensureIndexed(shop.catalog));
  std::vector<std::string> queries;
  for (const auto& e : shop.events) {
    if (e.kind == LogEvent::Kind::kSearch) queries.push_back(e.query);
  }
  REQUIRE(windows.prefetch(queries));
  REQUIRE(windows.window("racing").size() == 15);

  const int64_t split = 24 * kDay;
  const int64_t end = 100 * kDay;
  ModelDims dims;
  dims.dim = 16;
  TokenizerSettings tok;
  tok.buckets = 1u << 12;
  Model model(dims, tok, 7);
  ExampleBuilder builder(shop.catalog, windows, {.window = 100});
  Trainer trainer(model, {.learning_rate = 0.02f, .seed = 7});
  for (int epoch = 0; epoch < 6; ++epoch) {
    std::vector<TrainingExample> examples;
    builder.replay(shop.events, model, split, 0, split, [&](Labelled& l) {
      if (l.example.target >= 0) examples.push_back(std::move(l.example));
    });
    REQUIRE(examples.size() > 400);
    trainer.trainEpoch(examples);
  }
  EvalResult r = evaluate(builder, shop.events, model, split, split, end, 100);
  REQUIRE(r.queries.size() > 500);
  REQUIRE(r.with_history > 400);
  const auto ndcg = [&](System s, const char* subset) {
    return r.summary.at(s).at(subset).ndcg10.mean;
  };
  INFO("engine " << ndcg(System::kEngine, "all") << ", model "
                 << ndcg(System::kModel, "all") << ", model without history (with history) "
                 << ndcg(System::kModelNoHistory, "with_history") << " vs "
                 << ndcg(System::kModel, "with_history"));
  // Every clicked item is in its category's BM25 window.
  CHECK(r.summary.at(System::kEngine).at("all").recall_window.mean == Approx(1.0));
  CHECK(ndcg(System::kModel, "all") > ndcg(System::kEngine, "all") + 0.1);
  CHECK(r.model_vs_engine.low > 0);
  // The brand preference is only in the history.
  CHECK(ndcg(System::kModel, "with_history") >
        ndcg(System::kModelNoHistory, "with_history") + 0.05);
  CHECK(r.model_vs_no_history_with_history.low > 0);
}

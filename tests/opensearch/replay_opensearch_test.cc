// The live evaluation end to end (rerank-eval --replay): a model trained on
// a small simulated shop, served by a real rerankd in front of the real
// OpenSearch, and the shop's log replayed through it in time order. What
// rerankd serves must be what the offline evaluation measured, search by
// search.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <iostream>

#include "index_sync/syncer.h"
#include "scoring/data/catalog_generator.h"
#include "scoring/data/shopper_simulator.h"
#include "scoring/model_file.h"
#include "scoring/pipeline/evaluator.h"
#include "scoring/pipeline/live_replay.h"
#include "scoring/pipeline/log_loader.h"
#include "scoring/pipeline/replay_comparison.h"
#include "scoring/pipeline/report.h"
#include "scoring/pipeline/window_source.h"
#include "tests/index_sync/sync_fixture.h"
#include "tests/rerank/rerankd_process.h"
#include "tests/support/opensearch_env.h"

using namespace rr::scoring;
using namespace rr::scoring::pipeline;
namespace data = rr::scoring::data;

namespace {

constexpr int64_t kDay = 86400000;
constexpr const char* kAdminToken = "replay-test-token-0123456789";

int64_t wallClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A simulated shop indexed in the engine, a model trained on it as
// rerank-train does (fewer epochs), and the offline evaluation of its test
// period; with `knn`, index-sync has written the model's vectors with a
// k-NN field, so rerankd can add extra candidates.
struct TrainedShop {
  std::vector<ItemText> catalog;
  std::vector<LogEvent> events;
  int64_t split = 0, end = 0;
  std::unique_ptr<rr::connectors::EngineClient> engine = rr::testing::openSearchClient();
  rr::testing::IndexGuard index{*engine, rr::testing::uniqueIndexName("replay")};
  rr::testing::IndexGuard state{*engine, index.name() + "-state"};
  std::filesystem::path dir;
  std::shared_ptr<Model> model;
  std::string model_path;
  EvalResult offline;

  explicit TrainedShop(bool knn) {
    data::SimulationSettings settings;
    settings.users = 600;
    settings.searches_per_user = 8;
    settings.seed = 9;
    auto simulator = data::ShopperSimulator::create(data::generateCatalog(500, 9), settings);
    REQUIRE(simulator);
    data::DataSet shop = simulator->run();
    catalog = toItemTexts(std::move(shop.products));
    events = toLogEvents(std::move(shop.events));
    split = events.front().ts_ms + 26 * kDay;
    end = events.front().ts_ms + 60 * kDay;
    dir = std::filesystem::temp_directory_path() /
          ("rr-replay-" + std::to_string(::getpid()) + (knn ? "-knn" : ""));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);

    WindowSource windows(*engine, {.index = index.name(),
                                   .window = 100,
                                   .extra_settings = knn ? "\"index.knn\":true" : ""});
    REQUIRE(windows.ensureIndexed(catalog));
    REQUIRE(windows.prefetch(labelledQueries(events, 0, INT64_MAX)));
    ModelDims dims;
    dims.dim = 16;
    TokenizerSettings tok;
    tok.buckets = 1u << 14;
    model = std::make_shared<Model>(dims, tok, 7);
    ExampleBuilder builder(catalog, windows, {.window = 100});
    Trainer trainer(*model, {.learning_rate = 0.01f, .seed = 7});
    for (int epoch = 0; epoch < 2; ++epoch) {
      std::vector<TrainingExample> examples;
      builder.replay(events, *model, split, 0, split, [&](Labelled& l) {
        if (l.example.target >= 0) examples.push_back(std::move(l.example));
      });
      trainer.trainEpoch(examples);
    }
    // The shipped statistics: every click before the split.
    builder.replay(events, *model, split, 0, 0, [](Labelled&) {});
    model->queryClicks() = builder.clickLists();
    model->version = "replay-test-v1";
    model_path = (dir / "model.rrm").string();
    REQUIRE(saveModel(*model, model_path));

    if (knn) {
      rr::index_sync::SyncOptions o;
      o.storefront = rr::testing::shopStorefront("sim", index.name(), false);
      o.storefront.vector.mode = rr::config::VectorConfig::Mode::kKnn;
      o.state_index = state.name();
      rr::index_sync::Syncer syncer(*engine, model, o);
      auto r = syncer.run(rr::index_sync::SyncMode::kFull);
      REQUIRE(r);
      REQUIRE(r->updated == catalog.size());
    }
    // The windows as the engine answers now: writing vectors rewrites every
    // document, which moves BM25 statistics and so some scores and ties.
    WindowSource served(*engine, {.index = index.name(), .window = 100});
    REQUIRE(served.prefetch(labelledQueries(events, split, end)));
    ExampleBuilder evaluation(catalog, served, {.window = 100});
    offline = evaluate(evaluation, events, *model, split, split, end, 100);
    REQUIRE(offline.queries.size() > 400);
  }
  ~TrainedShop() { std::filesystem::remove_all(dir); }

  // rerankd set up as the offline evaluation sees the shop: the same index
  // and model, the catalog's fields, the offline history (30 newest events,
  // no retention limit), and a deadline no loaded CI machine reaches (a
  // fallback would serve the engine's order and hide what the model does).
  std::string config(const std::string& storefront_extra) const {
    return "upstream:\n  url: " + rr::testing::openSearchUrl() +
           "\nlisten:\n  port: 0\n  threads: 1\nadmin:\n  token: " + kAdminToken +
           "\nprofiles:\n  dir: " + (dir / "profiles").string() +
           "\n  durable: false\n  max_events_per_user: " +
           std::to_string(BuildOptions{}.max_history) +
           "\n  retention_days: 0\n"
           "storefronts:\n  - name: sim\n    indices: [" + index.name() + "]\n    model: " +
           model_path + "\n    window: 100\n    deadline_ms: 20000\n" +
           "    fields: {description: description, brand: brand, category: category, "
           "price: price}\n" + storefront_extra;
  }

  struct Replayed {
    LiveRun run;
    ReplayComparison comparison;
    std::size_t profile_length = 0;
  };

  Replayed replay(const std::string& storefront_extra) {
    rr::testing::RerankdProcess rerankd(dir / "rerankd", config(storefront_extra));
    ReplayOptions options;
    options.storefront = "sim";
    options.index = index.name();
    options.expect_model = model->version;
    options.shift_ms = shiftToNow(end, wallClockMs());
    options.id_prefix = "t-";
    LiveReplay replay(rerankd.client(), options);
    auto run = replay.run(events, split, end);
    REQUIRE(run);
    auto c = compareReplay(offline, *run, 100, options.page_size);
    REQUIRE(c);
    std::cout << replayMarkdown(
        {.title = "simulated shop (replay_opensearch_test)",
         .facts = {{"rerankd storefront", storefront_extra.empty() ? "plain" : storefront_extra},
                   {"replay time", std::to_string(run->seconds) + " s"}}},
        *c);
    // Flushed now: a rerankd forked later would write out what is buffered.
    std::cout << std::flush;
    auto kept = replay.profileLength(run->busiest_user, kAdminToken);
    REQUIRE(kept);
    return {std::move(*run), std::move(*c), *kept};
  }
};

// What every replay must show: the rerank path with this model for every
// search, rerankd's profiles as long as the offline history, and the same
// ranking search by search.
void checkServedAsEvaluated(const TrainedShop& shop, const TrainedShop::Replayed& r) {
  CHECK(r.run.model_version == shop.model->version);
  CHECK(r.run.outcomes.size() == 1);
  CHECK(r.run.outcomes.count("applied") == 1);
  CHECK(r.run.accepted == r.run.events_sent);
  CHECK(r.profile_length == std::min<std::size_t>(
                                r.run.busiest_user_events,
                                static_cast<std::size_t>(BuildOptions{}.max_history)));
  const ReplayComparison& c = r.comparison;
  const auto& live = c.summary.at("live").at("all").ndcg10;
  const auto& same = c.summary.at("offline_live_candidates").at("all").ndcg10;
  const auto& full = c.summary.at("offline").at("all").ndcg10;
  INFO("NDCG@10 live " << live.mean << " [" << live.low << ", " << live.high
                       << "], offline on the live candidates " << same.mean << ", offline "
                       << full.mean << " [" << full.low << ", " << full.high
                       << "]; same top-10 position in " << c.same_rank_as_live_candidates
                       << " (live candidates) / " << c.same_rank_as_offline << " of "
                       << c.queries);
  // The scoring path: the same candidates in the same order, search by
  // search (rounding may swap a near tie now and then). Aggregates alone
  // are not enough: a live query vector that drifted with every request
  // left NDCG@10 inside its interval while 46% of searches moved.
  CHECK(c.same_rank_as_live_candidates >= c.queries * 98 / 100);
  CHECK(c.agreesWithLiveCandidates());
  // What was trained: the offline figure, its extra candidates included.
  CHECK(c.agreesWithOffline());
  CHECK(c.same_rank_as_offline >= c.queries * 98 / 100);
}

}  // namespace

TEST_CASE("a simulated shop's log replayed through rerankd is served as the offline evaluation "
          "ranked it",
          "[opensearch][replay]") {
  TrainedShop shop(/*knn=*/false);
  const auto r = shop.replay("");
  // Item vectors computed by rerankd's item tower from `_source`.
  CHECK(r.comparison.live_with_extras == 0);
  checkServedAsEvaluated(shop, r);
}

TEST_CASE("with index-sync's vectors and k-NN extra candidates the replay is still served as "
          "evaluated",
          "[opensearch][replay]") {
  TrainedShop shop(/*knn=*/true);
  const auto r = shop.replay("    extra_candidates: {enabled: true, k: 20}\n");
  // Item vectors read from the index; the query-vector extras from k-NN.
  CHECK(r.comparison.live_with_extras == r.comparison.queries);
  checkServedAsEvaluated(shop, r);
}

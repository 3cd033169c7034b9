// rerank-eval: measures a model against the engine's own order on a time
// split of the storefront's log, through the real engine.
//
//   rerank-eval --model bestbuy.rrm --catalog catalog.jsonl --events events.jsonl
//       --engine http://127.0.0.1:9250 --index bestbuy-products
//       --test-start 2011-10-01 --test-end 2011-10-15 --report out/eval
//
// With --replay http://rerankd --storefront NAME it then replays the log
// through a running rerankd that serves the same model and index and sets
// the live figures beside the offline ones (replay_eval.h).
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <optional>

#include "connectors/engine_client.h"
#include "scoring/model_file.h"
#include "scoring/pipeline/cli_args.h"
#include "scoring/pipeline/eval_flags.h"
#include "scoring/pipeline/evaluator.h"
#include "scoring/pipeline/log_loader.h"
#include "scoring/pipeline/online_eval.h"
#include "scoring/pipeline/progress.h"
#include "scoring/pipeline/replay_eval.h"
#include "scoring/pipeline/report.h"

using namespace rr::scoring;
using namespace rr::scoring::pipeline;

namespace {

int fail(const std::string& message) {
  std::cerr << "rerank-eval: " << message << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  auto args = CliArgs::parse(argc, argv, kEvalCli);
  if (!args) return fail(args.error() + " (see rerank-eval --help)");
  if (args->helpRequested()) {
    std::fputs(rr::scoring::tools::usageText(kEvalCli).c_str(), stdout);
    return 0;
  }
  if (args->has("online")) return runOnlineEval(*args);
  std::string model_path, catalog_path, events_path, engine_url, index;
  for (auto [name, ref] : {std::pair{"model", &model_path}, {"catalog", &catalog_path},
                           {"events", &events_path}, {"engine", &engine_url},
                           {"index", &index}}) {
    auto v = args->require(name);
    if (!v) return fail(v.error());
    *ref = *v;
  }
  auto test_start = parseDate(args->getOr("test-start", ""));
  if (!test_start) return fail("--test-start: " + test_start.error());
  auto test_end = parseDate(args->getOr("test-end", ""));
  if (!test_end) return fail("--test-end: " + test_end.error());
  auto window = args->integer("window", 100);
  if (!window) return fail(window.error());

  auto loaded = loadModel(model_path);
  if (!loaded) return fail(loaded.error().message);
  Model model = **loaded;  // the replay rebuilds its statistics as of test start
  std::optional<ReplayOptions> replay_options;
  if (args->has("replay")) {
    auto r = replayOptions(*args, model, index, static_cast<int>(*window));
    if (!r) return fail(r.error());
    replay_options = std::move(*r);
  }
  auto catalog = loadCatalogFile(catalog_path);
  if (!catalog) return fail(catalog.error());
  auto events = loadEventsFile(events_path);
  if (!events) return fail(events.error());

  rr::connectors::ClientOptions options;
  options.url = engine_url;
  auto client = rr::connectors::EngineClient::create(options);
  if (!client) return fail("--engine: " + client.error().message);
  WindowSource windows(**client, {.index = index,
                                  .window = static_cast<int>(*window),
                                  .cache_file = args->getOr("cache", "")});
  if (auto r = windows.ensureIndexed(*catalog); !r) return fail("indexing the catalog: " + r.error());
  std::optional<Progress> fetching;
  auto fetched = windows.prefetch(
      labelledQueries(*events, *test_start, *test_end), [&](std::size_t done, std::size_t total) {
        if (!fetching) {
          fetching.emplace(std::cerr, "[eval] fetching windows", "queries", total,
                           Progress::Options{.mode = Progress::modeFor(STDERR_FILENO)});
        }
        fetching->update(done);
      });
  if (fetching) fetching->finish();
  if (!fetched) return fail("fetching candidate windows: " + fetched.error());
  // The statistics are rebuilt as the model was trained: same decay.
  ExampleBuilder builder(*catalog, windows,
                         {.window = static_cast<int>(*window),
                          .stats_half_life_days = model.stats().halfLifeDays(),
                          .online_stats = args->has("online-stats")});
  EvalResult result =
      evaluate(builder, *events, model, *test_start, *test_start, *test_end, static_cast<int>(*window));
  RunInfo info{.title = args->getOr("title", model.version + ", test " + formatDate(*test_start) +
                                                 ".." + formatDate(*test_end)),
               .facts = {{"model", model_path},
                         {"model version", model.version},
                         {"engine index", index},
                         {"test period", formatDate(*test_start) + " .. " + formatDate(*test_end)},
                         {"labelled searches", std::to_string(result.queries.size())},
                         {"with earlier events", std::to_string(result.with_history)},
                         {"window", std::to_string(*window)},
                         {"click statistics",
                          args->has("online-stats")
                              ? "online: each test click joins them after its search"
                              : "as at the end of training"}}};
  std::cout << evaluationMarkdown(info, result);
  if (auto dir = args->get("report")) {
    if (auto r = writeEvaluationReport(*dir, info, result); !r) return fail(r.error());
    std::printf("\n[eval] report: %s/evaluation.md\n", dir->c_str());
  }
  if (replay_options) {
    std::fflush(stdout);
    return runReplayEval(*args, *replay_options, model, *events, result, info, *test_start,
                         *test_end, static_cast<int>(*window));
  }
  return 0;
}

// rerank-train: fits a storefront model on its own logs.
//
//   rerank-train --catalog catalog.jsonl --events events.jsonl
//       --engine http://127.0.0.1:9250 --index bestbuy-products
//       --train-end 2011-10-01 --out bestbuy.rrm --report out/train
//
// Searches before --train-end are training data; the last --valid-days of
// them are held out for early stopping. Candidate windows come from the real
// engine (BM25 over the catalog it indexes), cached in --cache.
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <optional>

#include "connectors/engine_client.h"
#include "scoring/model_file.h"
#include "scoring/pipeline/cli_args.h"
#include "scoring/pipeline/evaluator.h"
#include "scoring/pipeline/log_loader.h"
#include "scoring/pipeline/progress.h"
#include "scoring/pipeline/report.h"
#include "scoring/pipeline/train_flags.h"

using namespace rr::scoring;
using namespace rr::scoring::pipeline;

namespace {

int fail(const std::string& message) {
  std::cerr << "rerank-train: " << message << "\n";
  return 2;
}

double secondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// On stderr: a redrawn bar on a terminal, sparse plain lines in a log.
Progress::Options progressOptions() { return {.mode = Progress::modeFor(STDERR_FILENO)}; }

// Trains one epoch with a progress display labelled `label`.
float trainWithProgress(Trainer& trainer, const std::vector<TrainingExample>& examples,
                        const std::string& label) {
  Progress progress(std::cerr, label, "lists", examples.size(), progressOptions());
  const float loss = trainer.trainEpoch(
      examples, [&](std::size_t done, double mean_loss) { progress.update(done, mean_loss); });
  progress.finish();
  return loss;
}

// Position-bias weights scaled to a mean of 1, so that weighting changes
// which lists count more, not the learning rate.
void normalizeWeights(std::vector<TrainingExample>& examples) {
  double sum = 0;
  for (const auto& ex : examples) sum += ex.weight;
  if (examples.empty() || sum <= 0) return;
  const auto scale = static_cast<float>(static_cast<double>(examples.size()) / sum);
  for (auto& ex : examples) ex.weight *= scale;
}

}  // namespace

int main(int argc, char** argv) {
  auto args = CliArgs::parse(argc, argv, kTrainCli);
  if (!args) return fail(args.error() + " (see rerank-train --help)");
  if (args->helpRequested()) {
    std::fputs(rr::scoring::tools::usageText(kTrainCli).c_str(), stdout);
    return 0;
  }
  std::string catalog_path, events_path, engine_url, index, out_path;
  for (auto [name, ref] : {std::pair{"catalog", &catalog_path}, {"events", &events_path},
                           {"engine", &engine_url}, {"index", &index}, {"out", &out_path}}) {
    auto v = args->require(name);
    if (!v) return fail(v.error());
    *ref = *v;
  }
  auto train_end = parseDate(args->getOr("train-end", ""));
  if (!train_end) return fail("--train-end: " + train_end.error());
  auto valid_days = args->integer("valid-days", 7);
  auto window = args->integer("window", 100);
  auto dim = args->integer("dim", 32);
  auto epochs = args->integer("epochs", 10);
  auto patience = args->integer("patience", 2);
  auto seed = args->integer("seed", 1);
  auto buckets = args->integer("token-buckets", 1 << 17);
  auto lr = args->number("lr", 0.01);
  auto restarts = args->integer("restarts", 1);
  auto average = args->integer("average-epochs", 2);
  if (!average) return fail(average.error());
  if (*average < 1 || *average > 10) return fail("--average-epochs must be in 1..10");
  auto table_decay = args->number("table-decay", 0.3);
  if (!table_decay) return fail(table_decay.error());
  if (!(*table_decay >= 0)) return fail("--table-decay must be at least 0");
  auto lr_decay = args->number("lr-decay", 1);
  if (!lr_decay) return fail(lr_decay.error());
  if (!(*lr_decay > 0 && *lr_decay <= 1)) return fail("--lr-decay must be in (0, 1]");
  auto prior_dropout = args->number("prior-dropout", 0);
  if (!prior_dropout) return fail(prior_dropout.error());
  if (*prior_dropout < 0 || *prior_dropout >= 1) return fail("--prior-dropout must be in [0, 1)");
  auto history_dropout = args->number("history-dropout", 0);
  if (!history_dropout) return fail(history_dropout.error());
  if (*history_dropout < 0 || *history_dropout >= 1) {
    return fail("--history-dropout must be in [0, 1)");
  }
  auto stats_half_life = args->number("stats-half-life-days", 0);
  if (!stats_half_life) return fail(stats_half_life.error());
  auto position_bias = args->number("position-bias", 0.0);
  if (!position_bias) return fail(position_bias.error());
  if (*position_bias < 0 || *position_bias > 3) return fail("--position-bias must be in [0, 3]");
  auto max_position_weight = args->number("max-position-weight", 10.0);
  if (!max_position_weight) return fail(max_position_weight.error());
  if (*max_position_weight < 1) return fail("--max-position-weight must be at least 1");
  for (const auto* r : {&valid_days, &window, &dim, &epochs, &patience, &seed, &buckets,
                        &restarts}) {
    if (!*r) return fail(r->error());
  }
  if (*restarts < 1) return fail("--restarts must be at least 1");
  if (!lr) return fail(lr.error());
  if (*window < 1 || *window > 1000) return fail("--window must be in 1..1000");

  auto start = std::chrono::steady_clock::now();
  auto catalog = loadCatalogFile(catalog_path);
  if (!catalog) return fail(catalog.error());
  std::size_t joined = 0;
  auto events = loadEventsFile(events_path, &joined);
  if (!events) return fail(events.error());
  std::size_t served = 0, served_clicked = 0;
  for (const auto& e : *events) {
    served += !e.impressions.empty();
    served_clicked += !e.impressions.empty() && !e.item.empty();
  }
  const int64_t valid_start = *train_end - *valid_days * 86400000LL;
  const int64_t begin = events->empty() ? 0 : events->front().ts_ms;
  std::printf("[train] %zu products, %zu events; train %s..%s, validation %s..%s\n",
              catalog->size(), events->size(), formatDate(begin).c_str(),
              formatDate(valid_start).c_str(), formatDate(valid_start).c_str(),
              formatDate(*train_end).c_str());
  if (served > 0) {
    std::printf("[train] %zu searches with impressions, %zu with a click (%zu joined from click "
                "events): what was shown joins their lists as negatives; %s\n",
                served, served_clicked, joined,
                *position_bias > 0 ? ("position bias weighting " + std::to_string(*position_bias)).c_str()
                                   : "no position bias weighting (--position-bias 0)");
  }

  rr::connectors::ClientOptions options;
  options.url = engine_url;
  auto client = rr::connectors::EngineClient::create(options);
  if (!client) return fail("--engine: " + client.error().message);
  WindowSource windows(**client, {.index = index,
                                  .window = static_cast<int>(*window),
                                  .cache_file = args->getOr("cache", "")});
  if (auto r = windows.ensureIndexed(*catalog); !r) return fail("indexing the catalog: " + r.error());
  std::optional<Progress> fetching;
  auto fetched = windows.prefetch(labelledQueries(*events, begin, *train_end),
                                  [&](std::size_t done, std::size_t total) {
                                    if (!fetching) {
                                      fetching.emplace(std::cerr, "[train] fetching windows",
                                                       "queries", total, progressOptions());
                                    }
                                    fetching->update(done);
                                  });
  if (fetching) fetching->finish();
  if (!fetched) return fail("fetching candidate windows: " + fetched.error());
  std::printf("[train] catalog indexed in %s, windows ready (%.1fs)\n", index.c_str(),
              secondsSince(start));

  ModelDims dims;
  dims.dim = static_cast<int>(*dim);
  TokenizerSettings tok;
  tok.buckets = static_cast<uint32_t>(*buckets);
  ExampleBuilder builder(*catalog, windows, {.window = static_cast<int>(*window),
                                             .stats_half_life_days = *stats_half_life,
                                             .online_stats = args->has("online-stats"),
                                             .position_bias = *position_bias,
                                             .max_position_weight = *max_position_weight});
  auto trainOptions = [&](uint64_t run_seed) {
    return TrainOptions{.learning_rate = static_cast<float>(*lr),
                        .seed = run_seed,
                        .prior_dropout = static_cast<float>(*prior_dropout),
                        .history_dropout = static_cast<float>(*history_dropout),
                        .table_decay = static_cast<float>(*table_decay)};
  };

  // The learning rate of an epoch (1-based): --lr, times --lr-decay per epoch.
  auto epochRate = [&](int epoch) {
    return static_cast<float>(*lr * std::pow(*lr_decay, epoch - 1));
  };

  // Each restart trains from its own seed (--seed, --seed + 1, ...) with
  // early stopping; the one best on the validation days is kept.
  std::vector<EpochRecord> history;
  double best = -1;
  int best_epoch = 0;
  uint64_t best_seed = static_cast<uint64_t>(*seed);
  std::optional<Model> best_model;
  for (int64_t restart = 0; restart < *restarts; ++restart) {
    const uint64_t run_seed = static_cast<uint64_t>(*seed + restart);
    const std::string run =
        *restarts > 1 ? "seed " + std::to_string(run_seed) + ", " : std::string();
    Model model(dims, tok, run_seed);
    Trainer trainer(model, trainOptions(run_seed));
    std::vector<EpochRecord> run_history;
    double run_best = -1;
    int run_best_epoch = 0;
    std::optional<Model> run_best_model;
    ParamAverage averager(static_cast<int>(*average));
    for (int epoch = 1; epoch <= *epochs; ++epoch) {
      auto t = std::chrono::steady_clock::now();
      std::vector<TrainingExample> examples;
      std::size_t skipped = 0;
      builder.replay(*events, model, valid_start, begin, valid_start, [&](Labelled& l) {
        if (l.example.target < 0) {
          ++skipped;
          return;
        }
        examples.push_back(std::move(l.example));
      });
      normalizeWeights(examples);
      trainer.setLearningRate(epochRate(epoch));
      const float loss = trainWithProgress(
          trainer, examples,
          "[train] " + run + "epoch " + std::to_string(epoch) + "/" + std::to_string(*epochs));
      // With --average-epochs N the model validated (and kept) is the mean of
      // the last N epochs' parameters; training goes on from the last ones.
      std::optional<Model> averaged;
      if (*average > 1) {
        averager.add(model.params());
        averaged = model;
        averager.meanInto(averaged->params());
      }
      Model& validated = averaged ? *averaged : model;
      const double ndcg =
          validationNdcg(builder, *events, validated, valid_start, valid_start, *train_end);
      run_history.push_back({epoch, loss, ndcg, examples.size(), secondsSince(t)});
      const bool improved = ndcg > run_best;
      if (improved) {
        run_best = ndcg;
        run_best_epoch = epoch;
        run_best_model = validated;
      }
      std::printf("[train] %sepoch %d/%lld: %zu lists (%zu without the clicked item), loss %.4f, "
                  "validation NDCG@10 %.4f%s (%.1fs)\n",
                  run.c_str(), epoch, static_cast<long long>(*epochs), examples.size(), skipped,
                  loss, ndcg, improved ? " best" : "", secondsSince(t));
      std::fflush(stdout);
      if (epoch - run_best_epoch >= *patience) {
        std::printf("[train] no improvement for %lld epochs: stopping\n",
                    static_cast<long long>(*patience));
        break;
      }
    }
    if (run_best > best) {
      best = run_best;
      best_epoch = run_best_epoch;
      best_seed = run_seed;
      best_model = std::move(run_best_model);
      history = std::move(run_history);
    }
  }
  if (*restarts > 1) {
    std::printf("[train] kept seed %llu: validation NDCG@10 %.4f at epoch %d\n",
                static_cast<unsigned long long>(best_seed), best, best_epoch);
  }
  // Refit: the validation days are the most recent data, and click data
  // goes stale fast, so the shipped model is retrained from scratch on every
  // search before --train-end for the epoch count validation chose.
  Model refit(dims, tok, best_seed);
  if (args->getOr("refit", "1") != "0") {
    Trainer refit_trainer(refit, trainOptions(best_seed));
    ParamAverage averager(static_cast<int>(*average));
    for (int epoch = 1; epoch <= best_epoch; ++epoch) {
      auto t = std::chrono::steady_clock::now();
      std::vector<TrainingExample> examples;
      builder.replay(*events, refit, *train_end, begin, *train_end, [&](Labelled& l) {
        if (l.example.target >= 0) examples.push_back(std::move(l.example));
      });
      normalizeWeights(examples);
      refit_trainer.setLearningRate(epochRate(epoch));
      const float loss = trainWithProgress(refit_trainer, examples,
                                           "[train] refit epoch " + std::to_string(epoch) +
                                               "/" + std::to_string(best_epoch));
      std::printf("[train] refit epoch %d/%d on all %zu lists before %s: loss %.4f (%.1fs)\n",
                  epoch, best_epoch, examples.size(), formatDate(*train_end).c_str(), loss,
                  secondsSince(t));
      std::fflush(stdout);
      if (*average > 1) averager.add(refit.params());
    }
    if (averager.size() > 1) averager.meanInto(refit.params());
  } else {
    refit = *best_model;
  }
  Model& final_model = refit;
  // The shipped statistics cover every training event, validation included.
  builder.replay(*events, final_model, *train_end, 0, 0, [](Labelled&) {});
  // And the clicked-before extras training added, for rerankd to add too.
  final_model.queryClicks() = builder.clickLists();
  final_model.version = args->getOr("version", index + "-" + formatDate(*train_end) + "-e" +
                                                   std::to_string(best_epoch));
  final_model.summary() = {{"catalog", catalog_path},
                           {"events", events_path},
                           {"train_end", formatDate(*train_end)},
                           {"valid_days", std::to_string(*valid_days)},
                           {"window", std::to_string(*window)},
                           {"best_epoch", std::to_string(best_epoch)},
                           {"refit_on_all", args->getOr("refit", "1") != "0" ? "yes" : "no"},
                           {"valid_ndcg10", std::to_string(best)},
                           {"seed", std::to_string(best_seed)},
                           {"restarts", std::to_string(*restarts)},
                           {"lr", std::to_string(*lr)},
                           {"lr_decay", std::to_string(*lr_decay)},
                           {"average_epochs", std::to_string(*average)},
                           {"table_decay", std::to_string(*table_decay)},
                           {"stats_half_life_days", std::to_string(*stats_half_life)},
                           {"online_stats", args->has("online-stats") ? "true" : "false"},
                           {"prior_dropout", std::to_string(*prior_dropout)},
                           {"history_dropout", std::to_string(*history_dropout)},
                           {"clicked_queries", std::to_string(final_model.queryClicks().size())},
                           {"transitions", std::to_string(final_model.stats().transitions())},
                           {"searches_with_impressions", std::to_string(served)},
                           {"position_bias", std::to_string(*position_bias)}};
  if (auto r = saveModel(final_model, out_path); !r) return fail(r.error().message);
  std::printf("[train] wrote %s (version %s, best epoch %d, validation NDCG@10 %.4f, %.1fs)\n",
              out_path.c_str(), final_model.version.c_str(), best_epoch, best, secondsSince(start));
  if (auto dir = args->get("report")) {
    RunInfo info{.title = final_model.version, .facts = final_model.summary()};
    if (auto r = writeTrainingReport(*dir, info, history, best_epoch); !r) return fail(r.error());
    std::printf("[train] report: %s/training.md\n", dir->c_str());
  }
  return 0;
}

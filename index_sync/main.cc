// index-sync: keep a storefront's item vectors indexed in the engine.
//
//   index-sync --config FILE --storefront NAME [--mode full|incremental|watch]
//
// Prints progress and a summary on stderr and one JSON report per pass on
// stdout. Exit codes: 0 every item written or current; 1 items failed or the
// pass could not run; 2 bad arguments, config or model.
#include <atomic>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>

#include "config/config.h"
#include "connectors/engine_client.h"
#include "connectors/upstream_options.h"
#include "index_sync/progress.h"
#include "index_sync/syncer.h"
#include "scoring/model_file.h"

namespace {

using namespace rr;

std::atomic<bool> g_stop{false};

extern "C" void onSignal(int) {
  g_stop.store(true);
  // A second signal ends the process the usual way.
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
}

constexpr const char* kUsage =
    "usage: index-sync --config FILE --storefront NAME [options]\n"
    "  --mode full|incremental|watch   (default incremental)\n"
    "  --index NAME          product index (default: the storefront's sync_index)\n"
    "  --model PATH          model file (default: the storefront's model)\n"
    "  --state-index NAME    where sync state lives (default rerank-sync-state)\n"
    "  --batch-size N        documents per bulk request (default: config sync.batch_size)\n"
    "  --concurrency N       bulk requests in flight (default: config sync.concurrency)\n"
    "  --interval-s N        watch mode: seconds between passes (default: config sync.interval_s)\n"
    "  --force               rewrite every vector, even current ones\n"
    "  --quiet               no progress display\n";

int usage(const std::string& message) {
  std::cerr << "index-sync: " << message << "\n" << kUsage;
  return 2;
}

bool parseInt(const std::string& s, int lo, int hi, int& out) {
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && out >= lo && out <= hi;
}

void printSummary(const index_sync::SyncReport& r) {
  std::fprintf(stderr,
               "index-sync: %s, model %s -> %s%s: scanned %zu, updated %zu, skipped %zu, "
               "deleted %zu, failed %zu (retried %zu) in %.1fs, %.0f items/s%s\n",
               r.how.c_str(), r.version.c_str(), r.field.c_str(), r.knn ? " (+knn)" : "",
               r.scanned, r.updated, r.skipped, r.deleted, r.failed, r.retried, r.seconds,
               r.itemsPerSecond(),
               r.switched ? "; now the active version" : (r.building ? "; not yet active" : ""));
  for (std::size_t i = 0; i < r.failures.size() && i < 20; ++i) {
    std::fprintf(stderr, "  failed %s: %s\n", r.failures[i].id.c_str(),
                 r.failures[i].reason.c_str());
  }
  if (r.failures.size() > 20) {
    std::fprintf(stderr, "  ... %zu more in the JSON report\n", r.failed - 20);
  }
  if (r.stopped) std::fprintf(stderr, "index-sync: stopped by a signal; rerun to finish\n");
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path, storefront, mode = "incremental", index, model_path;
  std::string state_index = "rerank-sync-state";
  int batch_size = 0, concurrency = 0, interval_s = 0;
  bool force = false, quiet = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    std::string v;
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (arg == "--force") {
      force = true;
    } else if (arg == "--quiet") {
      quiet = true;
    } else if (arg == "--config" || arg == "--storefront" || arg == "--mode" ||
               arg == "--index" || arg == "--model" || arg == "--state-index" ||
               arg == "--batch-size" || arg == "--concurrency" || arg == "--interval-s") {
      if (!value(v)) return usage(arg + " needs a value");
      if (arg == "--config") config_path = v;
      else if (arg == "--storefront") storefront = v;
      else if (arg == "--mode") mode = v;
      else if (arg == "--index") index = v;
      else if (arg == "--model") model_path = v;
      else if (arg == "--state-index") state_index = v;
      else if (arg == "--batch-size" && !parseInt(v, 1, 10000, batch_size))
        return usage("--batch-size: expected 1..10000, got '" + v + "'");
      else if (arg == "--concurrency" && !parseInt(v, 1, 64, concurrency))
        return usage("--concurrency: expected 1..64, got '" + v + "'");
      else if (arg == "--interval-s" && !parseInt(v, 1, 86400, interval_s))
        return usage("--interval-s: expected 1..86400, got '" + v + "'");
    } else {
      return usage("unknown argument '" + arg + "'");
    }
  }
  if (config_path.empty()) return usage("--config is required");
  if (storefront.empty()) return usage("--storefront is required");
  if (mode != "full" && mode != "incremental" && mode != "watch") {
    return usage("--mode: expected full, incremental or watch, got '" + mode + "'");
  }

  auto config = config::loadConfig(config_path);
  if (!config) {
    std::cerr << "index-sync: " << config.error().describe() << "\n";
    return 2;
  }
  const config::StorefrontConfig* sf = (*config)->storefront(storefront);
  if (!sf) return usage("--storefront: no storefront named '" + storefront + "' in " + config_path);

  index_sync::SyncOptions options;
  options.storefront = *sf;
  options.index = index.empty() ? sf->sync_index : index;
  options.state_index = state_index;
  options.force = force;
  if (batch_size) options.storefront.sync.batch_size = batch_size;
  if (concurrency) options.storefront.sync.concurrency = concurrency;
  if (interval_s) options.storefront.sync.interval = std::chrono::seconds(interval_s);
  if (!model_path.empty()) options.storefront.model = model_path;

  auto model = scoring::loadModel(options.storefront.model);
  if (!model) {
    std::cerr << "index-sync: model " << options.storefront.model << ": "
              << model.error().message << "\n";
    return 2;
  }
  if ((*model)->version.empty()) {
    std::cerr << "index-sync: model " << options.storefront.model
              << " has no version; retrain it with --version\n";
    return 2;
  }

  for (const std::string& why : {connectors::checkClientCertificate((*config)->upstream),
                                 connectors::checkAwsCredentials((*config)->upstream)}) {
    if (!why.empty()) {
      std::cerr << "index-sync: " << why << "\n";
      return 2;
    }
  }
  connectors::ClientOptions client_options = connectors::clientOptions((*config)->upstream);
  // A batch job can wait out an overloaded cluster longer than a search can.
  client_options.retry.max_attempts = 5;
  client_options.retry.max_backoff = std::chrono::milliseconds(5000);
  auto client = connectors::EngineClient::create(client_options);
  if (!client) {
    std::cerr << "index-sync: upstream: " << client.error().message << "\n";
    return 2;
  }

  std::signal(SIGINT, onSignal);
  std::signal(SIGTERM, onSignal);
  options.stop = &g_stop;

  const bool watch = mode == "watch";
  int exit_code = 0;
  do {
    std::unique_ptr<index_sync::Progress> progress;
    if (!quiet) {
      progress = index_sync::Progress::forStderr("index-sync " + storefront);
      options.progress = progress.get();
    }
    index_sync::Syncer syncer(**client, *model, options);
    auto report = syncer.run(mode == "full" ? index_sync::SyncMode::kFull
                                            : index_sync::SyncMode::kIncremental);
    options.progress = nullptr;
    if (!report) {
      std::cerr << "index-sync: " << report.error().message << "\n";
      exit_code = 1;
      if (!watch || report.error().code == connectors::ErrorCode::kInvalidArgument) break;
    } else {
      printSummary(*report);
      std::cout << report->toJson() << std::endl;
      exit_code = report->failed > 0 ? 1 : 0;
    }
    if (watch) {
      const auto until = std::chrono::steady_clock::now() + options.storefront.sync.interval;
      while (!g_stop.load() && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
  } while (watch && !g_stop.load());
  return exit_code;
}

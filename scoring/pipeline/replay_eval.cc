#include "scoring/pipeline/replay_eval.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>
#include <tuple>

#include "scoring/pipeline/progress.h"
#include "scoring/pipeline/replay_comparison.h"

namespace rr::scoring::pipeline {
namespace {

int fail(const std::string& message) {
  std::cerr << "rerank-eval: " << message << "\n";
  return 2;
}

int64_t wallClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string days(int64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.2f", static_cast<double>(ms) / 86400e3);
  return buf;
}

std::string placementText(const IdPlacement& p) {
  switch (p.kind) {
    case IdPlacement::Kind::kHeader: return "header " + p.name;
    case IdPlacement::Kind::kCookie: return "cookie " + p.name;
    case IdPlacement::Kind::kBody: return "body ext.rerank." + p.name;
  }
  return p.name;
}

}  // namespace

std::expected<ReplayOptions, std::string> replayOptions(const CliArgs& args, const Model& model,
                                                        const std::string& index, int window) {
  ReplayOptions options;
  auto storefront = args.require("storefront");
  if (!storefront) return std::unexpected(storefront.error() + " (with --replay)");
  options.storefront = *storefront;
  options.index = index;
  options.expect_model = model.version;
  options.online_stats = args.has("online-stats");
  auto size = args.integer("replay-size", 10);
  if (!size) return std::unexpected(size.error());
  if (*size < 10 || *size > window) {
    return std::unexpected("--replay-size: must be 10.." + std::to_string(window));
  }
  options.page_size = static_cast<int>(*size);
  auto batch = args.integer("replay-batch", 500);
  if (!batch) return std::unexpected(batch.error());
  if (*batch < 1) return std::unexpected("--replay-batch: must be at least 1");
  options.batch = static_cast<std::size_t>(*batch);
  for (auto [flag, place, fallback] :
       {std::tuple{"user-id", &options.user_id, "header:X-User-Id"},
        {"session-id", &options.session_id, "header:X-Session-Id"}}) {
    auto p = IdPlacement::parse(args.getOr(flag, fallback));
    if (!p) return std::unexpected(std::string("--") + flag + ": " + p.error());
    *place = *p;
  }
  return options;
}

int runReplayEval(const CliArgs& args, ReplayOptions options, const Model& model,
                  const std::vector<LogEvent>& events, const EvalResult& offline, RunInfo info,
                  int64_t test_start, int64_t test_end, int window) {
  const int64_t started = wallClockMs();
  options.shift_ms = shiftToNow(test_end, started);
  options.id_prefix = "replay-" + std::to_string(started) + "-";

  rr::connectors::ClientOptions client_options;
  client_options.url = *args.get("replay");
  auto client = rr::connectors::EngineClient::create(client_options);
  if (!client) return fail("--replay: " + client.error().message);
  LiveReplay live(**client, options);
  std::optional<Progress> progress;
  auto run = live.run(events, test_start, test_end, [&](std::size_t done, std::size_t total) {
    if (!progress) {
      progress.emplace(std::cerr, "[replay] searches through rerankd", "searches", total,
                       Progress::Options{.mode = Progress::modeFor(STDERR_FILENO)});
    }
    progress->update(done);
  });
  if (progress) progress->finish();
  if (!run) return fail("replay: " + run.error());
  auto comparison = compareReplay(offline, *run, window, options.page_size);
  if (!comparison) return fail("replay: " + comparison.error());

  std::string outcomes;
  for (const auto& [outcome, n] : run->outcomes) {
    outcomes += (outcomes.empty() ? "" : ", ") + outcome + ": " + std::to_string(n);
  }
  std::string profile = "not checked (needs --admin-token)";
  if (auto token = args.get("admin-token"); token && !run->busiest_user.empty()) {
    const auto max_history = static_cast<std::size_t>(BuildOptions{}.max_history);
    const std::size_t expected = std::min(run->busiest_user_events, max_history);
    auto kept = live.profileLength(run->busiest_user, *token);
    if (!kept) return fail("replay: profile check: " + kept.error());
    profile = "user " + run->busiest_user + ": rerankd keeps " + std::to_string(*kept) + " of " +
              std::to_string(run->busiest_user_events) + " events sent, offline history reads " +
              std::to_string(expected) +
              (*kept == expected ? " (same)"
                                 : " (DIFFERENT: set profiles.max_events_per_user to " +
                                       std::to_string(max_history) +
                                       " and retention_days to 0)");
  }
  std::string train_end = "unknown";
  for (const auto& [k, v] : model.summary()) {
    if (k == "train_end") train_end = v;
  }
  const std::string period = formatDate(test_start) + ".." + formatDate(test_end);
  info.title = model.version + ", replay of " + period;
  const std::string stats_note =
      (options.online_stats
           ? "online: each search's click is sent after it (rerankd's live_click_stats must be "
             "on) and joins the offline statistics after it; both start from the model file's "
             "(training ended " +
                 train_end + ")"
           : "live: frozen in the model file (training ended " + train_end + ")") +
      "; offline: rebuilt from the log before " + formatDate(test_start) +
      (train_end == formatDate(test_start) ? " (same date)" : " (DIFFERENT)");
  info.facts.insert(
      info.facts.end(),
      {{"rerankd", *args.get("replay")},
       {"storefront", options.storefront},
       {"model served (X-Rerank-Model)", run->model_version},
       {"click statistics", stats_note},
       {"time shift", days(options.shift_ms) + " days: the end of the test period (" +
                          formatDate(test_end) + ") is the replay's start; rerankd weighs history "
                          "against its own clock"},
       {"events sent", std::to_string(run->events_sent) + " in " + std::to_string(run->posts) +
                           " POSTs of at most " + std::to_string(options.batch) + " (accepted " +
                           std::to_string(run->accepted) + ", duplicates " +
                           std::to_string(run->duplicates) + "); " +
                           std::to_string(run->events_after_last_search) +
                           " after the last search not sent"},
       {"shoppers", "user id in the " + placementText(options.user_id) + ", session id in the " +
                        placementText(options.session_id) + ", ids prefixed " + options.id_prefix},
       {"page", "size " + std::to_string(options.page_size) + "; offline window " +
                    std::to_string(window)},
       {"served (X-Rerank)", outcomes},
       {"profile length", profile},
       {"replay time", std::to_string(static_cast<int>(run->seconds)) + " s"}});
  std::cout << "\n" << replayMarkdown(info, *comparison);
  if (auto dir = args.get("report")) {
    if (auto r = writeReplayReport(*dir, info, *comparison); !r) return fail(r.error());
    std::printf("\n[replay] report: %s/replay.md\n", dir->c_str());
  }
  return comparison->agreesWithOffline() ? 0 : 1;
}


}  // namespace rr::scoring::pipeline

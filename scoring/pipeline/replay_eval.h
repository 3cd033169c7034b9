// rerank-eval --replay: the live evaluation. After the offline evaluation
// of the test period, the same log is replayed through a running rerankd
// that serves the same model and index (live_replay.h), and the live
// figures are set beside the offline ones (replay_comparison.h).
//
//   rerank-eval ... --replay http://127.0.0.1:9400 --storefront NAME
//       [--admin-token TOKEN] [--replay-size 10] [--replay-batch 500]
//       [--user-id header:X-User-Id] [--session-id header:X-Session-Id]
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <vector>

#include "scoring/model.h"
#include "scoring/pipeline/cli_args.h"
#include "scoring/pipeline/evaluator.h"
#include "scoring/pipeline/live_replay.h"
#include "scoring/pipeline/report.h"

namespace rr::scoring::pipeline {

// The --replay options (their flags: kReplayFlags in eval_flags.h), checked
// before the offline evaluation runs. The error names the flag.
std::expected<ReplayOptions, std::string> replayOptions(const CliArgs& args, const Model& model,
                                                        const std::string& index, int window);

// Runs the replay, prints the comparison, writes replay.md/replay.json to
// --report. Exit code: 0 when the live figures agree with the offline ones,
// 1 when they disagree, 2 when the replay could not run (message on stderr).
// `info`: the offline evaluation's facts, extended with the replay's.
int runReplayEval(const CliArgs& args, ReplayOptions options, const Model& model,
                  const std::vector<LogEvent>& events, const EvalResult& offline, RunInfo info,
                  int64_t test_start, int64_t test_end, int window);

}  // namespace rr::scoring::pipeline

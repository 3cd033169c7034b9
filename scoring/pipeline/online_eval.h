// rerank-eval --online: click-through and MRR of clicks per A/B bucket, from
// rerankd's activity log (the searches it served and the clicks it received).
//
//   rerank-eval --online --log /var/lib/rerank/activity/demo [--since DATE]
//       [--until DATE] [--click-window-min 30] [--report DIR]
//
// `--log` is a file or a directory (every *.jsonl under it, in name order).
#pragma once

#include <string>

#include "scoring/pipeline/cli_args.h"

namespace rr::scoring::pipeline {

// Runs the mode (its flags: kOnlineFlags in eval_flags.h): prints the
// table, writes online.md/online.json to --report.
// Exit code: 0, or 2 for bad flags or an unreadable log (message on stderr).
int runOnlineEval(const CliArgs& args);

}  // namespace rr::scoring::pipeline

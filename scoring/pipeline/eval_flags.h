// rerank-eval's command line: the table its parser and its --help read, one
// group per mode. The defaults shown here are the ones eval_main.cc,
// replay_eval.cc and online_eval.cc fall back to.
#pragma once

#include "scoring/tools/cli_flags.h"

namespace rr::scoring::pipeline {

// The offline evaluation (and what --replay builds on).
inline constexpr tools::CliFlag kEvalFlags[] = {
    {"model", "FILE", "", "the model file (required)"},
    {"catalog", "FILE", "", "the catalog, JSON lines (required)"},
    {"events", "FILE", "", "the event log, JSON lines (required)"},
    {"engine", "URL", "", "the engine's URL (OpenSearch) (required)"},
    {"index", "NAME", "", "the engine index the catalog is written to and searched (required)"},
    {"test-start", "DATE", "", "start of the test period (required)"},
    {"test-end", "DATE", "", "end of the test period, exclusive (required)"},
    {"window", "N", "100", "candidates per search from the engine, as in training"},
    {"cache", "FILE", "", "cache of the engine's candidate windows, read and written"},
    {"online-stats", "", "",
     "the test period's clicks join the click statistics as they happen (each after its own "
     "search is scored), as rerankd's live statistics do; without it they stay as trained"},
    {"report", "DIR", "", "write evaluation.md, evaluation.json and ndcg.svg there"},
    {"title", "TEXT", "VERSION, test START..END", "the report's title"},
};

// --replay: after the offline evaluation, the same log through a running
// rerankd (replay_eval.h).
inline constexpr tools::CliFlag kReplayFlags[] = {
    {"replay", "URL", "", "the rerankd to replay the test period through"},
    {"storefront", "NAME", "",
     "its storefront serving the same model and index (required with --replay)"},
    {"admin-token", "TOKEN", "",
     "read the busiest shopper's profile back to check rerankd keeps their history"},
    {"replay-size", "N", "10", "results asked per search, 10..--window"},
    {"replay-batch", "N", "500", "event lines per POST /_rerank/events"},
    {"user-id", "WHERE", "header:X-User-Id",
     "where rerankd reads the user id: header:NAME, cookie:NAME or body:NAME"},
    {"session-id", "WHERE", "header:X-Session-Id", "where it reads the session id, likewise"},
};

// --online: click-through per A/B bucket from rerankd's activity log
// (online_eval.h). `report` is shared with the offline evaluation.
inline constexpr tools::CliFlag kOnlineFlags[] = {
    {"online", "", "", "evaluate rerankd's activity log instead (no model, no engine)"},
    {"log", "PATH", "",
     "the activity log: a file, or a directory of *.jsonl files (required with --online)"},
    {"since", "DATE", "", "only events from then on"},
    {"until", "DATE", "", "only events before then"},
    {"click-window-min", "N", "30",
     "a click without a request id joins the search that showed the item within N "
     "minutes, 1..1440"},
    {"report", "DIR", "", "write online.md and online.json there"},
};

inline constexpr tools::CliFlagGroup kEvalGroups[] = {
    {"Offline evaluation", kEvalFlags},
    {"Live evaluation (--replay, after the offline evaluation)", kReplayFlags},
    {"Online evaluation (--online)", kOnlineFlags},
};

inline constexpr tools::CliSpec kEvalCli{
    .synopsis =
        "usage: rerank-eval --model FILE --catalog FILE --events FILE --engine URL\n"
        "                   --index NAME --test-start DATE --test-end DATE [options]\n"
        "       rerank-eval ... --replay URL --storefront NAME [replay options]\n"
        "       rerank-eval --online --log PATH [online options]\n"
        "\n"
        "Offline: ranks every labelled search of the test period four ways (the engine's\n"
        "order, popularity, the model without and with the user's history) and reports\n"
        "NDCG@10, MRR@10 and recall with 95% intervals. --replay then sends the same\n"
        "log through a running rerankd and sets the live figures beside the offline\n"
        "ones. --online reports click-through and MRR of clicks per A/B bucket from\n"
        "rerankd's activity log. DATE: YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS, UTC.\n"
        "Exit status: 0; with --replay 1 when live and offline disagree; 2 with the\n"
        "reason on stderr.\n",
    .groups = kEvalGroups,
};

}  // namespace rr::scoring::pipeline

// rerank-convert's command line: the table its parser and its --help read.
#pragma once

#include "scoring/tools/cli_flags.h"

namespace rr::scoring::tools {

inline constexpr CliFlag kConvertFlags[] = {
    {"data", "DIR", "", "the data set's directory, e.g. ../shared/data/bestbuy-xbox (required)"},
    {"out", "DIR", "", "where catalog.jsonl and events.jsonl go (required)"},
    {"clock", "real|aligned", "real",
     "amazon-office only: aligned puts every user's history on the end-aligned daily "
     "clock of the Scientific conversion, with a training search per purchase"},
};

inline constexpr CliFlagGroup kConvertGroups[] = {{"Options", kConvertFlags}};

inline constexpr CliSpec kConvertCli{
    .synopsis =
        "usage: rerank-convert bestbuy|amazon-office|amazon-scientific --data DIR\n"
        "                      --out DIR [--clock real|aligned]\n"
        "\n"
        "Turns a public data set into the catalog and event-log files the training\n"
        "tools read, and prints what it counted. Exit status: 0; 2 for bad arguments,\n"
        "a missing file or a malformed row; 1 when writing fails.\n",
    .groups = kConvertGroups,
};

}  // namespace rr::scoring::tools

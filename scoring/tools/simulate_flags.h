// rerank-simulate's command line: the table its parser and its --help read.
#pragma once

#include "scoring/tools/cli_flags.h"

namespace rr::scoring::tools {

inline constexpr CliFlag kSimulateFlags[] = {
    {"generate", "N", "", "a synthetic catalog of N products (10 categories, 12 brands)"},
    {"catalog", "FILE", "", "a catalog file (JSON lines, scoring/data/product.h)"},
    {"retrotech", "PATH",
     "", "the retrotech products: products.tgz (unpacked with tar) or products.csv"},
    {"users", "U", "200", "simulated shoppers"},
    {"searches-per-user", "S", "5", "searches each shopper makes"},
    {"seed", "K", "1", "random seed: the same seed gives the same files"},
    {"impressions", "R", "20", "results shown per search"},
    {"out", "DIR", "", "where catalog.jsonl, events.jsonl and truth.json go (required)"},
};

inline constexpr CliFlagGroup kSimulateGroups[] = {{"Options", kSimulateFlags}};

inline constexpr CliSpec kSimulateCli{
    .synopsis =
        "usage: rerank-simulate (--generate N | --catalog FILE | --retrotech PATH)\n"
        "                       [--users U] [--searches-per-user S] [--seed K]\n"
        "                       [--impressions R] --out DIR\n"
        "\n"
        "Shoppers with hidden brand, category and price preferences search and click\n"
        "the catalog; DIR/truth.json holds the preferences. Products without a price\n"
        "get one. Exit status: 0; 2 for bad arguments or input; 1 when writing fails.\n",
    .groups = kSimulateGroups,
};

}  // namespace rr::scoring::tools

// rerank-train's command line: the table its parser and its --help read.
// The defaults shown here are the ones train_main.cc falls back to.
#pragma once

#include "scoring/tools/cli_flags.h"

namespace rr::scoring::pipeline {

inline constexpr tools::CliFlag kTrainFlags[] = {
    {"catalog", "FILE", "", "the catalog, JSON lines (required)"},
    {"events", "FILE", "", "the event log, JSON lines (required)"},
    {"engine", "URL", "", "the engine's URL (OpenSearch) (required)"},
    {"index", "NAME", "", "the engine index the catalog is written to and searched (required)"},
    {"train-end", "DATE", "", "searches before it are training data (required)"},
    {"out", "FILE", "", "the model file to write (required)"},
    {"valid-days", "N", "7", "the last N days before --train-end are held out for early stopping"},
    {"patience", "N", "2", "stop after N epochs without a better validation NDCG@10"},
    {"refit", "0|1", "1",
     "1: retrain on every search before --train-end for the chosen number of epochs; "
     "0: ship the best validation run"},
    {"window", "N", "100", "candidates per search from the engine, 1..1000"},
    {"dim", "N", "32", "model dimension"},
    {"epochs", "N", "10", "at most this many epochs"},
    {"lr", "X", "0.01", "learning rate"},
    {"average-epochs", "N", "2",
     "the model validated and shipped after an epoch is the mean of the last N epochs' "
     "parameters, 1..10 (1: the last epoch's own)"},
    {"table-decay", "X", "0.3",
     "decoupled weight decay on the embedding rows each batch touches, >= 0 (0: off)"},
    {"lr-decay", "X", "1",
     "each epoch's learning rate is the previous one's times X, (0, 1] (1: constant)"},
    {"seed", "N", "1", "random seed"},
    {"restarts", "N", "1",
     "train from seeds --seed, --seed+1, ... and keep the run best on the validation days"},
    {"token-buckets", "N", "131072", "tokenizer hash buckets"},
    {"version", "TEXT", "INDEX-DATE-eN",
     "the model version; the default names the index, --train-end and the best epoch"},
    {"cache", "FILE", "", "cache of the engine's candidate windows, read and written"},
    {"report", "DIR", "", "write training.md, training.json and learning_curve.svg there"},
    {"prior-dropout", "X", "0",
     "share of training lists trained with their query click priors zeroed, [0, 1)"},
    {"history-dropout", "X", "0",
     "share of training lists trained as if the shopper had no history, [0, 1)"},
    {"stats-half-life-days", "X", "0", "half-life of the click statistics (0: no decay)"},
    {"online-stats", "", "",
     "validation days' clicks join the click statistics as they happen, as rerankd's live "
     "statistics do (click_stats.live)"},
    {"position-bias", "X", "0",
     "a list clicked at position k weighs k^X in the loss, 0..3 (0: no weighting); for logs "
     "with impressions"},
    {"max-position-weight", "X", "10", "the largest such weight, at least 1"},
};

inline constexpr tools::CliFlagGroup kTrainGroups[] = {{"Options", kTrainFlags}};

inline constexpr tools::CliSpec kTrainCli{
    .synopsis =
        "usage: rerank-train --catalog FILE --events FILE --engine URL --index NAME\n"
        "                    --train-end DATE --out FILE [options]\n"
        "\n"
        "Fits a storefront model on its own log. The catalog is indexed into the engine,\n"
        "each labelled search's candidate window comes from it (BM25), and the log is\n"
        "replayed in time order. DATE: YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS, UTC.\n"
        "Exit status: 0, or 2 with the reason on stderr.\n",
    .groups = kTrainGroups,
};

}  // namespace rr::scoring::pipeline

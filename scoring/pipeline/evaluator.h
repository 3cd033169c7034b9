// Offline evaluation on a time split: every labelled search in [from, to)
// ranked four ways (the engine's BM25 order, popularity, the model without
// the user's history, the full model) and scored with NDCG@10, MRR@10,
// Recall@10 and Recall@window of the clicked item, overall and for users
// with earlier events, with bootstrap 95% intervals.
#pragma once

#include <array>
#include <map>
#include <string>
#include <vector>

#include "scoring/metrics.h"
#include "scoring/pipeline/example_builder.h"

namespace rr::scoring::pipeline {

enum class System { kEngine, kPopularity, kModelNoHistory, kModel };
inline constexpr System kSystems[] = {System::kEngine, System::kPopularity,
                                      System::kModelNoHistory, System::kModel};
std::string_view systemName(System s);

struct PerQuery {
  int64_t ts_ms = 0;  // the search, as logged
  std::string user, query, target;
  bool has_history = false;
  std::map<System, int> rank;  // 0-based rank of the target, -1 if absent
  // The full model's rank when only some candidates are ranked, by the same
  // scores, indexed by a CandidateOrigin bit mask: the rank among the
  // candidates with an origin in the mask, -1 if the target is not among
  // them. rerankd ranks the engine's window (kFromEngine) plus, where it
  // says it added them, its k-NN extras (kNearQuery) and the model's
  // clicked-before extras (kClickedBefore). Four origin bits (kShown only
  // in training lists): 16 masks.
  std::array<int, 16> model_rank_among = [] {
    std::array<int, 16> a;
    a.fill(-1);
    return a;
  }();
};

struct MetricSummary {
  scoring::Interval ndcg10, mrr10, recall10, recall_window;
};

// NDCG@10, MRR@10, Recall@10 and Recall@window of one rank per query
// (0-based, -1: not ranked), each with its bootstrap interval
// (scoring::bootstrapMean). Shared by the offline and the live evaluation.
MetricSummary summarizeRanks(const std::vector<int>& ranks, int window);
// NDCG@10 per query, for paired differences (scoring::bootstrapDifference).
std::vector<double> ndcgSeries(const std::vector<int>& ranks);

struct EvalResult {
  std::vector<PerQuery> queries;
  int window = 100;
  // system -> subset ("all" / "with_history") -> metrics
  std::map<System, std::map<std::string, MetricSummary>> summary;
  // Paired interval of model NDCG@10 minus engine NDCG@10, over all queries.
  scoring::Interval model_vs_engine;
  scoring::Interval model_vs_no_history_with_history;
  std::size_t with_history = 0;
};

// Replays `events` and evaluates the searches in [from_ms, to_ms), using
// statistics from events before `stats_until_ms`. `model` is mutated only in
// its click statistics (rebuilt by the replay).
EvalResult evaluate(ExampleBuilder& builder, const std::vector<LogEvent>& events,
                    scoring::Model& model, int64_t stats_until_ms, int64_t from_ms,
                    int64_t to_ms, int window);

// Mean NDCG@10 of the full model only (cheap validation for early stopping).
double validationNdcg(ExampleBuilder& builder, const std::vector<LogEvent>& events,
                      scoring::Model& model, int64_t stats_until_ms, int64_t from_ms,
                      int64_t to_ms);

}  // namespace rr::scoring::pipeline

// Writes the training and evaluation reports: JSON for machines, markdown
// for people, and SVG plots (learning curve; NDCG@10 per system with its
// interval), all with plain file I/O.
#pragma once

#include <expected>
#include <string>
#include <vector>

#include "scoring/pipeline/evaluator.h"
#include "scoring/pipeline/replay_comparison.h"

namespace rr::scoring::pipeline {

struct EpochRecord {
  int epoch = 0;
  double train_loss = 0;
  double valid_ndcg10 = 0;
  std::size_t examples = 0;
  double seconds = 0;
};

struct RunInfo {
  std::string title;  // e.g. "bestbuy-xbox, test 2011-10-01..2011-10-14"
  std::vector<std::pair<std::string, std::string>> facts;  // shown as a table
};

// DIR/training.json, DIR/training.md, DIR/learning_curve.svg
std::expected<void, std::string> writeTrainingReport(const std::string& dir,
                                                     const RunInfo& info,
                                                     const std::vector<EpochRecord>& epochs,
                                                     int best_epoch);

// DIR/evaluation.json, DIR/evaluation.md, DIR/ndcg.svg
std::expected<void, std::string> writeEvaluationReport(const std::string& dir,
                                                       const RunInfo& info,
                                                       const EvalResult& result);

// The evaluation as a markdown table (also printed by rerank-eval).
std::string evaluationMarkdown(const RunInfo& info, const EvalResult& result);

// The live replay next to the offline evaluation (rerank-eval --replay):
// DIR/replay.json, DIR/replay.md.
std::expected<void, std::string> writeReplayReport(const std::string& dir, const RunInfo& info,
                                                   const ReplayComparison& comparison);
std::string replayMarkdown(const RunInfo& info, const ReplayComparison& comparison);

}  // namespace rr::scoring::pipeline

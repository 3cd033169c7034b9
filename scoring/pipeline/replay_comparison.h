// The live replay (live_replay.h) set against the offline evaluation of the
// same searches (evaluator.h): the same metrics with the same bootstrap
// intervals, the paired live-minus-offline difference, and per search
// whether the clicked item was served where the offline replay ranked it.
//
// Two offline figures: the one rerank-eval reports (engine window plus every
// extra candidate the training pipeline adds), and the same model's ranking
// of only the candidates the live path has (liveCandidateOrigins: the
// engine's window, plus the query-vector extras where rerankd said it added
// k-NN extras, plus the clicked-before extras where it said it added the
// model's). The second isolates the scoring path; the first is "what was
// trained".
#pragma once

#include <cstdint>
#include <expected>
#include <map>
#include <string>
#include <vector>

#include "scoring/metrics.h"
#include "scoring/pipeline/evaluator.h"
#include "scoring/pipeline/live_replay.h"

namespace rr::scoring::pipeline {

struct ReplayDisagreement {
  int64_t ts_ms = 0;
  std::string user, query, target, outcome;
  int offline = -1, offline_live_candidates = -1, live = -1;  // ranks (-1: outside the top 10)
};

struct ReplayComparison {
  int page_size = 10;
  std::size_t queries = 0, with_history = 0;
  // "offline", "offline_live_candidates", "live" -> "all" / "with_history".
  // Recall@window is only meaningful for the offline figures (the live page
  // has page_size hits).
  std::map<std::string, std::map<std::string, MetricSummary>> summary;
  // Paired NDCG@10 differences over all searches.
  scoring::Interval live_minus_offline, live_minus_live_candidates;
  // Searches whose clicked item was served at the same top-10 position
  // (both outside the top 10 counts as the same).
  std::size_t same_rank_as_offline = 0, same_rank_as_live_candidates = 0;
  // Searches whose clicked item the offline model ranked only from an extra
  // candidate the live path did not have.
  std::size_t target_only_in_missing_extras = 0;
  // Searches the engine found nothing for (rerankd: `fallback;
  // reason=empty_window`, an empty page; offline: the extras are ranked),
  // and those of them whose clicked item offline ranked.
  std::size_t empty_windows = 0, empty_windows_ranked_offline = 0;
  std::size_t live_with_extras = 0;   // searches rerankd ranked k-NN extras for
  std::size_t live_with_clicked = 0;  // ... and clicked-before extras for
  std::vector<ReplayDisagreement> first_disagreements;  // vs the live candidates, at most 20

  // Agreement: the paired 95% interval of live - offline contains 0.
  bool agreesWithOffline() const {
    return live_minus_offline.low <= 0 && live_minus_offline.high >= 0;
  }
  bool agreesWithLiveCandidates() const {
    return live_minus_live_candidates.low <= 0 && live_minus_live_candidates.high >= 0;
  }
  // The two NDCG@10 intervals over all searches overlap.
  bool intervalsOverlap() const;
};

// The CandidateOrigin mask of the candidates rerankd ranked for a search:
// the engine's window, and the extras its headers say it added (also when
// the engine found nothing and rerankd ranked extras alone).
uint8_t liveCandidateOrigins(const LiveSearch& search);

// Pairs search i of `offline` with search i of `live`; they must be the
// same searches (same count, user and time), else the error says which
// differs. `window`: the offline window (Recall@window).
std::expected<ReplayComparison, std::string> compareReplay(const EvalResult& offline,
                                                           const LiveRun& live, int window,
                                                           int page_size);

}  // namespace rr::scoring::pipeline

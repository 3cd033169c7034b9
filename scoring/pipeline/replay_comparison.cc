#include "scoring/pipeline/replay_comparison.h"

#include <algorithm>

namespace rr::scoring::pipeline {
namespace {

// A rank as the top `k` shows it: outside it is "not shown" (-1).
int shown(int rank, int k) { return rank >= 0 && rank < k ? rank : -1; }

}  // namespace

uint8_t liveCandidateOrigins(const LiveSearch& search) {
  return static_cast<uint8_t>(kFromEngine | (search.extras ? kNearQuery : 0) |
                              (search.clicked ? kClickedBefore : 0));
}

bool ReplayComparison::intervalsOverlap() const {
  const auto& offline = summary.at("offline").at("all").ndcg10;
  const auto& live = summary.at("live").at("all").ndcg10;
  return offline.low <= live.high && live.low <= offline.high;
}

std::expected<ReplayComparison, std::string> compareReplay(const EvalResult& offline,
                                                           const LiveRun& live, int window,
                                                           int page_size) {
  if (offline.queries.size() != live.searches.size()) {
    return std::unexpected("the offline evaluation has " + std::to_string(offline.queries.size()) +
                           " labelled searches, the replay " +
                           std::to_string(live.searches.size()));
  }
  ReplayComparison out;
  out.page_size = page_size;
  out.queries = offline.queries.size();
  const int k = std::min(10, page_size);
  std::vector<int> off_all, same_all, live_all, off_hist, same_hist, live_hist;
  for (std::size_t i = 0; i < offline.queries.size(); ++i) {
    const PerQuery& q = offline.queries[i];
    const LiveSearch& s = live.searches[i];
    if (q.user != s.user || q.ts_ms != s.ts_ms) {
      return std::unexpected("search " + std::to_string(i) + " differs: offline " + q.user +
                             " at " + std::to_string(q.ts_ms) + ", replay " + s.user + " at " +
                             std::to_string(s.ts_ms));
    }
    const int off = q.rank.at(System::kModel);
    const int same = q.model_rank_among.at(liveCandidateOrigins(s));
    off_all.push_back(off);
    same_all.push_back(same);
    live_all.push_back(s.rank);
    if (q.has_history) {
      ++out.with_history;
      off_hist.push_back(off);
      same_hist.push_back(same);
      live_hist.push_back(s.rank);
    }
    if (s.extras) ++out.live_with_extras;
    if (s.clicked) ++out.live_with_clicked;
    if (off >= 0 && same < 0) ++out.target_only_in_missing_extras;
    if (s.outcome.ends_with("reason=empty_window")) {
      ++out.empty_windows;
      if (off >= 0) ++out.empty_windows_ranked_offline;
    }
    if (shown(off, k) == shown(s.rank, k)) ++out.same_rank_as_offline;
    if (shown(same, k) == shown(s.rank, k)) {
      ++out.same_rank_as_live_candidates;
    } else if (out.first_disagreements.size() < 20) {
      out.first_disagreements.push_back({.ts_ms = q.ts_ms,
                                         .user = q.user,
                                         .query = q.query,
                                         .target = q.target,
                                         .outcome = s.outcome,
                                         .offline = shown(off, k),
                                         .offline_live_candidates = shown(same, k),
                                         .live = shown(s.rank, k)});
    }
  }
  out.summary["offline"]["all"] = summarizeRanks(off_all, window);
  out.summary["offline"]["with_history"] = summarizeRanks(off_hist, window);
  out.summary["offline_live_candidates"]["all"] = summarizeRanks(same_all, window);
  out.summary["offline_live_candidates"]["with_history"] = summarizeRanks(same_hist, window);
  out.summary["live"]["all"] = summarizeRanks(live_all, window);
  out.summary["live"]["with_history"] = summarizeRanks(live_hist, window);
  out.live_minus_offline =
      scoring::bootstrapDifference(ndcgSeries(live_all), ndcgSeries(off_all));
  out.live_minus_live_candidates =
      scoring::bootstrapDifference(ndcgSeries(live_all), ndcgSeries(same_all));
  return out;
}

}  // namespace rr::scoring::pipeline

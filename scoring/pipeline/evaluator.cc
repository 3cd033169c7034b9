#include "scoring/pipeline/evaluator.h"

#include <algorithm>
#include <numeric>

#include "scoring/example_scorer.h"

namespace rr::scoring::pipeline {
namespace {

// Rank of `target` when candidates are sorted by descending score, ties kept
// in candidate (engine) order.
int rankOf(const std::vector<float>& scores, int target) {
  if (target < 0) return -1;
  const float t = scores[static_cast<std::size_t>(target)];
  int rank = 0;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    if (scores[i] > t || (scores[i] == t && static_cast<int>(i) < target)) ++rank;
  }
  return rank;
}

// The same rank among the candidates whose origin has a bit of `mask`.
int rankAmong(const std::vector<float>& scores, int target, const std::vector<uint8_t>& origins,
              uint8_t mask) {
  if (target < 0 || !(origins[static_cast<std::size_t>(target)] & mask)) return -1;
  const float t = scores[static_cast<std::size_t>(target)];
  int rank = 0;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    if (!(origins[i] & mask)) continue;
    if (scores[i] > t || (scores[i] == t && static_cast<int>(i) < target)) ++rank;
  }
  return rank;
}

std::vector<int> ranksOf(const std::vector<const PerQuery*>& qs, System s) {
  std::vector<int> out;
  out.reserve(qs.size());
  for (const PerQuery* q : qs) out.push_back(q->rank.at(s));
  return out;
}

}  // namespace

MetricSummary summarizeRanks(const std::vector<int>& ranks, int window) {
  std::vector<double> ndcg, mrr, r10, rw;
  for (const int r : ranks) {
    ndcg.push_back(scoring::ndcgAt(10, r));
    mrr.push_back(scoring::mrrAt(10, r));
    r10.push_back(scoring::recallAt(10, r));
    rw.push_back(scoring::recallAt(window, r));
  }
  return {scoring::bootstrapMean(ndcg), scoring::bootstrapMean(mrr),
          scoring::bootstrapMean(r10), scoring::bootstrapMean(rw)};
}

std::vector<double> ndcgSeries(const std::vector<int>& ranks) {
  std::vector<double> out;
  out.reserve(ranks.size());
  for (const int r : ranks) out.push_back(scoring::ndcgAt(10, r));
  return out;
}

std::string_view systemName(System s) {
  switch (s) {
    case System::kEngine: return "engine_bm25";
    case System::kPopularity: return "popularity";
    case System::kModelNoHistory: return "model_no_history";
    case System::kModel: return "model";
  }
  return "?";
}

EvalResult evaluate(ExampleBuilder& builder, const std::vector<LogEvent>& events,
                    scoring::Model& model, int64_t stats_until_ms, int64_t from_ms,
                    int64_t to_ms, int window) {
  EvalResult result;
  result.window = window;
  scoring::ExampleScorer scorer(model);
  std::vector<float> scores;
  builder.replay(events, model, stats_until_ms, from_ms, to_ms, [&](Labelled& l) {
    PerQuery q;
    q.ts_ms = l.ts_ms;
    q.user = l.user;
    q.query = l.query;
    q.target = l.target;
    q.has_history = l.has_history;
    q.rank[System::kEngine] = l.engine_rank;
    const int target = l.example.target;
    // Popularity: most-clicked first, the engine's order breaking ties.
    scores.assign(l.candidates.size(), 0.0f);
    for (std::size_t c = 0; c < l.candidates.size(); ++c) {
      scores[c] = l.example.stats[c].popularity;
    }
    q.rank[System::kPopularity] = rankOf(scores, target);
    if (target >= 0) {
      scorer.score(l.example, scores);
      q.rank[System::kModel] = rankOf(scores, target);
      for (std::size_t mask = 1; mask < q.model_rank_among.size(); ++mask) {
        q.model_rank_among[mask] =
            rankAmong(scores, target, l.origins, static_cast<uint8_t>(mask));
      }
      scoring::TrainingExample anonymous = l.example;
      anonymous.clearHistory();
      scorer.score(anonymous, scores);
      q.rank[System::kModelNoHistory] = rankOf(scores, target);
    } else {
      q.rank[System::kModel] = -1;
      q.rank[System::kModelNoHistory] = -1;
    }
    result.queries.push_back(std::move(q));
  });

  std::vector<const PerQuery*> all, hist;
  for (const auto& q : result.queries) {
    all.push_back(&q);
    if (q.has_history) hist.push_back(&q);
  }
  result.with_history = hist.size();
  for (System s : kSystems) {
    result.summary[s]["all"] = summarizeRanks(ranksOf(all, s), window);
    result.summary[s]["with_history"] = summarizeRanks(ranksOf(hist, s), window);
  }
  result.model_vs_engine = scoring::bootstrapDifference(
      ndcgSeries(ranksOf(all, System::kModel)), ndcgSeries(ranksOf(all, System::kEngine)));
  result.model_vs_no_history_with_history =
      scoring::bootstrapDifference(ndcgSeries(ranksOf(hist, System::kModel)),
                                   ndcgSeries(ranksOf(hist, System::kModelNoHistory)));
  return result;
}

double validationNdcg(ExampleBuilder& builder, const std::vector<LogEvent>& events,
                      scoring::Model& model, int64_t stats_until_ms, int64_t from_ms,
                      int64_t to_ms) {
  scoring::ExampleScorer scorer(model);
  std::vector<float> scores;
  double total = 0;
  std::size_t n = 0;
  builder.replay(events, model, stats_until_ms, from_ms, to_ms, [&](Labelled& l) {
    ++n;
    if (l.example.target < 0) return;
    scorer.score(l.example, scores);
    total += scoring::ndcgAt(10, rankOf(scores, l.example.target));
  });
  return n == 0 ? 0.0 : total / static_cast<double>(n);
}

}  // namespace rr::scoring::pipeline

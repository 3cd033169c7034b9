// Ranking metrics for one relevant item per query (the clicked item), and
// bootstrap confidence intervals over queries.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace rr::scoring {

// `rank` is the 0-based position of the relevant item, or -1 when it was not
// ranked at all.
double ndcgAt(int k, int rank);    // 1 / log2(rank + 2) inside the top k
double mrrAt(int k, int rank);     // 1 / (rank + 1) inside the top k
double recallAt(int k, int rank);  // 1 inside the top k

struct Interval {
  double mean = 0;
  double low = 0;   // 2.5th percentile of the bootstrap means
  double high = 0;  // 97.5th percentile
};

// Percentile bootstrap of the mean, `resamples` draws, deterministic for a
// seed. An empty input gives all zeros.
Interval bootstrapMean(std::span<const double> values, int resamples = 1000,
                       uint64_t seed = 1);

// The same resampling applied to two paired per-query series (e.g. model vs
// engine on the same queries): an interval for mean(a) - mean(b).
Interval bootstrapDifference(std::span<const double> a, std::span<const double> b,
                             int resamples = 1000, uint64_t seed = 1);

}  // namespace rr::scoring

#include "scoring/metrics.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace rr::scoring {

double ndcgAt(int k, int rank) {
  return rank >= 0 && rank < k ? 1.0 / std::log2(static_cast<double>(rank) + 2.0) : 0.0;
}

double mrrAt(int k, int rank) {
  return rank >= 0 && rank < k ? 1.0 / (static_cast<double>(rank) + 1.0) : 0.0;
}

double recallAt(int k, int rank) { return rank >= 0 && rank < k ? 1.0 : 0.0; }

namespace {

Interval summarize(double mean, std::vector<double>& draws) {
  if (draws.empty()) return {mean, mean, mean};
  std::sort(draws.begin(), draws.end());
  auto at = [&](double q) {
    auto i = static_cast<std::size_t>(q * static_cast<double>(draws.size() - 1));
    return draws[i];
  };
  return {mean, at(0.025), at(0.975)};
}

}  // namespace

Interval bootstrapMean(std::span<const double> values, int resamples, uint64_t seed) {
  std::vector<double> zeros(values.size(), 0.0);
  return bootstrapDifference(values, zeros, resamples, seed);
}

Interval bootstrapDifference(std::span<const double> a, std::span<const double> b,
                             int resamples, uint64_t seed) {
  const std::size_t n = std::min(a.size(), b.size());
  if (n == 0) return {};
  double mean = 0;
  for (std::size_t i = 0; i < n; ++i) mean += a[i] - b[i];
  mean /= static_cast<double>(n);
  std::mt19937_64 rng(seed);
  std::vector<double> draws;
  draws.reserve(static_cast<std::size_t>(std::max(resamples, 0)));
  for (int r = 0; r < resamples; ++r) {
    double sum = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t j = rng() % n;
      sum += a[j] - b[j];
    }
    draws.push_back(sum / static_cast<double>(n));
  }
  return summarize(mean, draws);
}

}  // namespace rr::scoring

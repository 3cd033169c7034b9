// Seeded randomness that gives the same numbers on every platform:
// std::mt19937_64 is fully specified by the standard, the distributions on
// top of it are written here (std::uniform_*_distribution and friends are
// implementation-defined). Not thread-safe: one instance per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace rr::scoring::data {

class Random {
 public:
  explicit Random(uint64_t seed) : engine_(seed) {}

  uint64_t next() { return engine_(); }

  // Uniform in [0, 1), 53 random bits.
  double uniform();

  // Uniform in [low, high).
  double uniform(double low, double high) { return low + (high - low) * uniform(); }

  // Uniform integer in [0, n), without modulo bias. Precondition: n > 0.
  uint64_t below(uint64_t n);

  // Uniform integer in [low, high].
  int64_t between(int64_t low, int64_t high);

  bool chance(double probability) { return uniform() < probability; }

  // Standard normal (Box-Muller).
  double normal();

  // Index drawn with probability proportional to `weights` (non-negative,
  // not all zero).
  std::size_t weighted(const std::vector<double>& weights);

 private:
  std::mt19937_64 engine_;
};

}  // namespace rr::scoring::data

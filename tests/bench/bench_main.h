// A main for Google Benchmark programs that also prints ratios of medians
// measured in the same run, e.g. "our parse / simdjson's own parse".
#pragma once

#include <string>

namespace rr::bench {

// After the run, print median(numerator/ARG) / median(denominator/ARG) for
// every argument both families ran with. Call before main runs (e.g. from a
// static initializer via RR_BENCH_RATIO).
void addRatio(std::string numerator, std::string denominator);

struct RatioRegistrar {
  RatioRegistrar(const char* numerator, const char* denominator) {
    addRatio(numerator, denominator);
  }
};

}  // namespace rr::bench

#define RR_BENCH_CONCAT_(a, b) a##b
#define RR_BENCH_CONCAT(a, b) RR_BENCH_CONCAT_(a, b)
#define RR_BENCH_RATIO(num, den)                                      \
  static ::rr::bench::RatioRegistrar RR_BENCH_CONCAT(rr_ratio_, __LINE__)( \
      num, den)

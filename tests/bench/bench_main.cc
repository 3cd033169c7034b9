#include "tests/bench/bench_main.h"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <utility>
#include <vector>

namespace rr::bench {
namespace {

std::vector<std::pair<std::string, std::string>>& ratios() {
  static std::vector<std::pair<std::string, std::string>> r;
  return r;
}

// Keeps the console output and remembers each benchmark's median (or its
// single run when there are no repetitions), keyed by "family/arg".
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.error_occurred) continue;
      std::string name = run.benchmark_name();
      if (run.run_type == Run::RT_Aggregate) {
        if (run.aggregate_name != "median") continue;
        name = name.substr(0, name.rfind('_'));
      } else if (medians_.count(name) && repeated_.count(name)) {
        continue;
      }
      if (run.run_type == Run::RT_Aggregate) repeated_[name] = true;
      medians_[name] = run.GetAdjustedRealTime();
    }
  }

  void printRatios() const {
    if (ratios().empty()) return;
    std::printf("\nRatios of medians, same run (real time, lower is faster):\n");
    for (const auto& [num, den] : ratios()) {
      for (const auto& [name, t] : medians_) {
        if (name.rfind(num + "/", 0) != 0) continue;
        std::string arg = name.substr(num.size());
        auto it = medians_.find(den + arg);
        if (it == medians_.end() || it->second <= 0) continue;
        std::printf("  %-40s / %-32s = %6.2fx\n", name.c_str(),
                    (den + arg).c_str(), t / it->second);
      }
    }
  }

 private:
  std::map<std::string, double> medians_;
  std::map<std::string, bool> repeated_;
};

}  // namespace

void addRatio(std::string numerator, std::string denominator) {
  ratios().emplace_back(std::move(numerator), std::move(denominator));
}

}  // namespace rr::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  rr::bench::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.printRatios();
  benchmark::Shutdown();
  return 0;
}

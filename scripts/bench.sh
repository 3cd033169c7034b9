#!/usr/bin/env bash
# Builds a Release tree and runs the micro-benchmarks with repetitions,
# printing medians and the same-run ratios each program declares.
#
#   scripts/bench.sh                        # every benchmark program
#   scripts/bench.sh connector_parse_bench  # one of them
#   RR_BENCH_REPS=9 scripts/bench.sh        # more repetitions (default 5)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { echo "[bench] $*" >&2; }

scripts/install-deps.sh
log "configuring build-release"
mkdir -p build-release
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DRR_BUILD_TESTS=OFF >build-release/configure.log 2>&1 || {
  cat build-release/configure.log >&2
  exit 1
}
cmake --build build-release -j "$(nproc)"

programs=("$@")
if [[ ${#programs[@]} -eq 0 ]]; then
  mapfile -t programs < <(find build-release/tests/bench -maxdepth 1 -type f \
    -name '*_bench' -perm -u+x -printf '%f\n' | sort)
fi
reps=${RR_BENCH_REPS:-5}
for p in "${programs[@]}"; do
  log "running $p ($reps repetitions, medians)"
  "build-release/tests/bench/$p" --benchmark_repetitions="$reps" \
    --benchmark_report_aggregates_only=true --benchmark_display_aggregates_only=true
done

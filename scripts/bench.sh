#!/usr/bin/env bash
# Builds a Release tree and runs the micro-benchmarks with repetitions,
# printing medians and the same-run ratios each program declares.
#
#   scripts/bench.sh                        # every benchmark program
#   scripts/bench.sh connector_parse_bench  # one of them
#   RR_BENCH_REPS=9 scripts/bench.sh        # more repetitions (default 5)
#   RR_BENCH_DRY_RUN=1 scripts/bench.sh     # check the settings, then stop
# A bad setting is refused (exit 2) before anything is built.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { echo "[bench] $*" >&2; }

source scripts/lib/bench-settings.sh
reps=$(bench_setting RR_BENCH_REPS 5 '[1-9][0-9]{0,3}' "1 to 9999 repetitions")
bench_settings_done "$reps repetitions per benchmark"

source scripts/lib/release-build.sh
build_release

programs=("$@")
if [[ ${#programs[@]} -eq 0 ]]; then
  mapfile -t programs < <(find build-release/tests/bench -maxdepth 1 -type f \
    -name '*_bench' -perm -u+x -printf '%f\n' | sort)
fi
for p in "${programs[@]}"; do
  log "running $p ($reps repetitions, medians)"
  "build-release/tests/bench/$p" --benchmark_repetitions="$reps" \
    --benchmark_report_aggregates_only=true --benchmark_display_aggregates_only=true
done

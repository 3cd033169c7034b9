#!/usr/bin/env bash
# The benchmark scripts refuse a bad setting by name, with exit code 2, and
# accept good ones. Every run here is a dry run (RR_BENCH_DRY_RUN=1: check
# the settings, say what would run, stop), so nothing is built or started
# even if a check were missing: the run would then exit 0 and fail here.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
# Only the settings each case gives.
for v in "${!RR_BENCH_@}"; do unset "$v"; done

failures=0
# run SCRIPT EXPECTED_EXIT MESSAGE SETTING...
run() {
  local script=$1 want=$2 message=$3 rc=0 err
  shift 3
  err=$(env RR_BENCH_DRY_RUN=1 "$@" timeout 30 "$script" 2>&1 </dev/null >/dev/null) || rc=$?
  if [[ $rc -ne $want || $err != *"$message"* ]]; then
    echo "FAIL: $* $script: exit $rc (expected $want), said: ${err:0:300}"
    failures=$((failures + 1))
  else
    echo "ok: $* $script -> exit $rc: $err"
  fi
}

rr=scripts/bench-rerankd.sh
run $rr 2 "RR_BENCH_REQUESTS: a whole number of requests (1 or more), got '4x'" RR_BENCH_REQUESTS=4x
run $rr 2 "RR_BENCH_REQUESTS" RR_BENCH_REQUESTS=0
run $rr 2 "RR_BENCH_CONCURRENCY: 1 to 64 clients, got '0'" RR_BENCH_CONCURRENCY=0
run $rr 2 "got '65'" RR_BENCH_CONCURRENCY=65
run $rr 2 "got 'four'" RR_BENCH_CONCURRENCY=four
run $rr 2 "RR_BENCH_WINDOWS: a comma-separated list of 100, 200 and 500, got '200,300'" RR_BENCH_WINDOWS=200,300
run $rr 2 "RR_BENCH_PERF_HZ" RR_BENCH_PERF_HZ=fast
run $rr 2 "RR_BENCH_RELAY: 1 (measure nginx too, the default) or 0, got 'no'" RR_BENCH_RELAY=no
run $rr 2 "RR_BENCH_ROUNDS: 1 to 20 rounds of the two builds, got '0'" RR_BENCH_ROUNDS=0
run $rr 2 "RR_BENCH_AGAINST: an executable rerankd to compare with, got '/nonexistent/rerankd'" \
  RR_BENCH_AGAINST=/nonexistent/rerankd
run $rr 2 "RR_BENCH_AGAINST: an executable rerankd to compare with, got 'scripts'" RR_BENCH_AGAINST=scripts
run $rr 2 "RR_BENCH_AGAINST: not with RR_BENCH_PERF" RR_BENCH_AGAINST=/bin/true RR_BENCH_PERF=/tmp/x.perf
run $rr 0 "settings: 400 requests per phase, windows 100,200,500, 1 client(s) at once, relay nginx"
run $rr 0 "settings: 2000 requests per phase, windows 200, 64 client(s) at once, relay none" \
  RR_BENCH_REQUESTS=2000 RR_BENCH_WINDOWS=200 RR_BENCH_CONCURRENCY=64 RR_BENCH_RELAY=0
run $rr 0 "relay nginx, against /bin/true in 5 alternating round(s)" RR_BENCH_AGAINST=/bin/true \
  RR_BENCH_ROUNDS=5
run $rr 2 "RR_BENCH_UPSTREAM: http (the default) or https, got 'ftp'" RR_BENCH_UPSTREAM=ftp
run $rr 2 "RR_BENCH_PROFILES: embedded (the default) or shared, got 'redis'" RR_BENCH_PROFILES=redis
run $rr 0 "rerankd to the engine over http, embedded profiles"
run $rr 0 "rerankd to the engine over https, shared profiles" RR_BENCH_UPSTREAM=https \
  RR_BENCH_PROFILES=shared
run $rr 2 "RR_BENCH_FACETS: 1 (searches with facets) or 0 (the default), got 'yes'" RR_BENCH_FACETS=yes
run $rr 0 "shared profiles, searches with facets" RR_BENCH_PROFILES=shared RR_BENCH_FACETS=1
run $rr 2 "RR_BENCH_PIN: 1 (rerankd on a CPU of its own) or 0 (the default), got 'yes'" RR_BENCH_PIN=yes
if [[ $(nproc) -ge 2 ]]; then
  run $rr 0 "rerankd pinned to CPU $(($(nproc) - 1)), the engine to 0-$(($(nproc) - 2))" RR_BENCH_PIN=1
fi

run scripts/bench-sync.sh 2 "RR_BENCH_REPS: 1 to 9999 repetitions, got '0'" RR_BENCH_REPS=0
run scripts/bench-sync.sh 2 "RR_BENCH_WARMUP: 0 to 9999 warm-up repetitions, got '-1'" RR_BENCH_WARMUP=-1
run scripts/bench-sync.sh 0 "settings: 5 repetitions after 0 warm-up" RR_BENCH_REPS=5 RR_BENCH_WARMUP=0

run scripts/bench.sh 2 "RR_BENCH_REPS: 1 to 9999 repetitions, got 'x'" RR_BENCH_REPS=x
run scripts/bench.sh 0 "settings: 5 repetitions per benchmark"

if [[ $failures -gt 0 ]]; then
  echo "$failures of the checks failed"
  exit 1
fi
echo "every bad setting refused by name, every good one accepted"

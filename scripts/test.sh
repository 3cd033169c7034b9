#!/usr/bin/env bash
# Installs what is missing, builds, starts a local OpenSearch, runs the whole
# suite (unit, component and real-OpenSearch tests) and stops the node again,
# even when tests fail. Ends with CTest's summary.
#
#   scripts/test.sh                 # everything
#   RR_SKIP_SANITIZE=1 scripts/test.sh   # skip the ASan+UBSan pass
#   RR_TEST_LABELS=unit scripts/test.sh  # only one label (regex)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { echo "[test] $*" >&2; }

scripts/install-deps.sh

jobs=$(nproc)
werror=OFF
if [[ "${CI:-}" == "true" ]]; then werror=ON; fi

configure_and_build() {  # dir, extra cmake args...
  local dir=$1
  shift
  log "configuring $dir ($*)"
  mkdir -p "$dir"
  cmake -S . -B "$dir" -G Ninja -DRR_WERROR="$werror" "$@" >"$dir/configure.log" 2>&1 || {
    cat "$dir/configure.log" >&2
    return 1
  }
  log "building $dir with $jobs jobs"
  cmake --build "$dir" -j "$jobs"
}

labels=${RR_TEST_LABELS:-}

# 1. Sanitizers over the tests that need no engine (fast, catches memory bugs
#    in the parsers and the transport). Runs first so the full suite's summary
#    is the last thing printed.
if [[ "${RR_SKIP_SANITIZE:-0}" != "1" && -z "$labels" ]]; then
  configure_and_build build-asan -DCMAKE_BUILD_TYPE=Debug -DRR_SANITIZE=ON \
    -DRR_BUILD_BENCH=OFF
  log "running unit + component tests under ASan/UBSan"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan -L 'unit|component' -j "$jobs" --output-on-failure
fi

# 2. The full suite on a normal build, against a real OpenSearch.
configure_and_build build -DCMAKE_BUILD_TYPE=RelWithDebInfo
log "installing the OpenSearch JavaScript client for the client test (tests/js)"
npm ci --prefix tests/js --no-audit --no-fund --loglevel=error

started_here=0
if scripts/opensearch.sh status >/dev/null 2>&1; then
  log "reusing the OpenSearch node that is already running"
else
  started_here=1
fi
stop_node() {
  if [[ $started_here == 1 ]]; then
    log "stopping the OpenSearch node this run started"
    scripts/opensearch.sh stop || true
  fi
}
trap stop_node EXIT
# With the k-NN plugin: index-sync's knn_vector fields and nearest-neighbour
# candidates are tested against the real thing (RR_OPENSEARCH_KNN=0 to skip).
export RR_OPENSEARCH_KNN=${RR_OPENSEARCH_KNN:-1}
RR_OPENSEARCH_URL=$(scripts/opensearch.sh start | tail -n 1)
export RR_OPENSEARCH_URL
log "OpenSearch at $RR_OPENSEARCH_URL"

log "running the test suite"
ctest_args=(--test-dir build -j "$jobs" --output-on-failure --timeout 600)
if [[ -n "$labels" ]]; then ctest_args+=(-L "$labels"); fi
set +e
ctest "${ctest_args[@]}" 2>&1 | tee build/ctest.log
rc=${PIPESTATUS[0]}
set -e
stop_node
trap - EXIT
# Repeat CTest's summary so it is the last line, after the node's shutdown.
grep -E '^[0-9]+% tests passed' build/ctest.log | tail -n 1 || true
exit "$rc"

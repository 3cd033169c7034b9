#!/usr/bin/env bash
# End-to-end benchmark of index-sync against a real OpenSearch: a full pass
# over the retrotech catalog (48k products, ../shared/data) next to a plain
# `_bulk` update of the same precomputed vectors, and incremental passes
# after 1% of the items changed. Medians and ratios from one run.
#
#   scripts/bench-sync.sh            # 3 repetitions
#   RR_BENCH_REPS=5 scripts/bench-sync.sh
#   RR_BENCH_WARMUP=0 ...            # no warm-up repetition (default 1)
#   RR_BENCH_DRY_RUN=1 ...           # check the settings, say what would run
# Bad settings are refused (exit 2) before anything is built or started.
# Without ../shared/data it uses a generated catalog of the same size.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { echo "[bench-sync] $*" >&2; }

source scripts/lib/bench-settings.sh
reps=$(bench_setting RR_BENCH_REPS 3 '[1-9][0-9]{0,3}' "1 to 9999 repetitions")
warmup=$(bench_setting RR_BENCH_WARMUP 1 '[0-9]{1,4}' "0 to 9999 warm-up repetitions")
bench_settings_done "$reps repetitions after $warmup warm-up"

source scripts/lib/release-build.sh
build_release index_sync_e2e

started_here=0
if ! scripts/opensearch.sh status >/dev/null 2>&1; then started_here=1; fi
stop_node() {
  if [[ $started_here == 1 ]]; then
    log "stopping the OpenSearch node this run started"
    scripts/opensearch.sh stop || true
  fi
}
trap stop_node EXIT
url=$(scripts/opensearch.sh start | tail -n 1)
engine_pid=$(cat "${RR_STATE_DIR:-/var/tmp/rerank-opensearch}/opensearch.pid")
log "OpenSearch at $url (pid $engine_pid)"

catalog_args=(--generate 48194)
data=../shared/data/retrotech-products/products.tgz
if [[ -f "$data" ]]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"; stop_node' EXIT
  log "unpacking $data"
  tar -xzf "$data" -C "$tmp" products.csv
  catalog_args=(--catalog "$tmp/products.csv")
else
  log "no $data: using a generated catalog of the same size"
fi
build-release/tests/bench/index_sync_e2e --engine "$url" "${catalog_args[@]}" \
  --reps "$reps" --warmup "$warmup" --engine-pid "$engine_pid"

#!/usr/bin/env bash
# The quickstart demo: rerankd in front of a local OpenSearch, personalized
# results for two shoppers next to the engine's own.
#
#   scripts/demo.sh          # install, build, start OpenSearch, train, sync,
#                            # start rerankd, show the results; leaves both running
#   scripts/demo.sh stop     # stop rerankd and the demo's OpenSearch node
#
# Steps: builds the demo's programs in build/; starts an OpenSearch node with
# the k-NN plugin in its own state dir (never the test suite's node); makes a
# storefront of 2,000 generated products and 2,000 simulated shoppers with
# hidden brand, category and price preferences (rerank-simulate); indexes the
# catalog (vectors kept out of _source), trains and evaluates a model
# (rerank-train, rerank-eval), writes item vectors (index-sync), starts
# rerankd, sends two shoppers' histories to /_rerank/events and prints the
# same search from the engine and through rerankd for each of them.
#
# Environment:
#   RR_DEMO_PORT=9400        rerankd's port
#   RR_DEMO_DATA=sim         sim (default) or bestbuy: the Best Buy Xbox log in
#                            ../shared/data/bestbuy-xbox (trains a minute longer)
#   RR_DEMO_QUERY            the search to show (default: the shoppers' category word)
#   RR_DEMO_RETRAIN=1        retrain even when the model for these inputs exists
#   RR_DEMO_DIR              data, model, config, logs (default /var/tmp/rerank-demo)
#   RR_DEMO_OPENSEARCH_DIR   the node's state dir (default /var/tmp/rerank-demo-opensearch)
# Every run regenerates nothing it already has (same seed, same inputs: the
# same files), recreates the index, and restarts rerankd.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd -P)

DEMO_DIR=${RR_DEMO_DIR:-/var/tmp/rerank-demo}
OS_STATE_DIR=${RR_DEMO_OPENSEARCH_DIR:-/var/tmp/rerank-demo-opensearch}
PORT=${RR_DEMO_PORT:-9400}
DATA_KIND=${RR_DEMO_DATA:-sim}
BUILD=$ROOT/build
INDEX=demo-products
STOREFRONT=demo
CONFIG=$DEMO_DIR/rerankd.yaml
PROFILES_DIR=$DEMO_DIR/profiles
PID_FILE=$DEMO_DIR/rerankd.pid
LOG_FILE=$DEMO_DIR/rerankd.log
RERANKD=$BUILD/rerank/rerankd

# The generated storefront: the README's "Simulated shoppers" sizes; trains
# in about half a minute on 2 cores.
SIM_PRODUCTS=2000
SIM_USERS=2000
SIM_SEARCHES=8
SIM_SEED=1

log() { printf '[demo] %s\n' "$*" >&2; }
die() {
  printf '[demo] ERROR: %s\n' "$*" >&2
  exit 1
}

# The demo's OpenSearch node, never the test suite's.
opensearch() { RR_STATE_DIR=$OS_STATE_DIR RR_OPENSEARCH_KNN=1 scripts/opensearch.sh "$@"; }

# curl to local services: no proxy, errors shown (-f where a status matters).
lcurl() { curl -sS --noproxy '*' --max-time 60 "$@"; }

# Is pid $1 the rerankd this script started (our binary, our config)?
is_our_rerankd() {
  local pid=$1 cmdline
  [[ "$pid" =~ ^[0-9]+$ && -r /proc/$pid/cmdline ]] || return 1
  cmdline=$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ "$(head -n 1 <<<"$cmdline")" == "$RERANKD" ]] || return 1
  grep -Fxq -- "$CONFIG" <<<"$cmdline"
}

stop_rerankd() {
  local pid waited=0
  [[ -f "$PID_FILE" ]] || return 0
  pid=$(tr -dc '0-9' <"$PID_FILE")
  if is_our_rerankd "$pid"; then
    log "stopping rerankd (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    while is_our_rerankd "$pid"; do
      if ((waited >= 150)); then
        log "rerankd (pid $pid) still running after 15s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        sleep 0.5
        break
      fi
      sleep 0.1
      waited=$((waited + 1))
    done
    is_our_rerankd "$pid" && die "could not stop rerankd (pid $pid)"
  fi
  rm -f "$PID_FILE"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if [[ "${1:-}" == "stop" ]]; then
  stop_rerankd
  opensearch stop
  log "stopped (data, model and logs stay in $DEMO_DIR)"
  exit 0
elif [[ $# -gt 0 ]]; then
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" >&2
  [[ "$1" == -h || "$1" == --help ]] && exit 0
  exit 2
fi

[[ "$PORT" =~ ^[0-9]+$ ]] && ((PORT >= 1 && PORT <= 65535)) \
  || die "RR_DEMO_PORT must be a port number 1..65535, got '$PORT'"
case "$DATA_KIND" in
  sim) ;;
  bestbuy)
    BESTBUY_SRC=$ROOT/../shared/data/bestbuy-xbox
    [[ -f "$BESTBUY_SRC/clicks.csv" ]] \
      || die "RR_DEMO_DATA=bestbuy needs the Best Buy Xbox log in $BESTBUY_SRC (unset RR_DEMO_DATA for the generated shop)"
    ;;
  *) die "RR_DEMO_DATA must be sim or bestbuy, got '$DATA_KIND'" ;;
esac
# Fail now, not after training, when another program holds the port.
if port_in_use "$PORT" && ! is_our_rerankd "$(tr -dc '0-9' 2>/dev/null <"$PID_FILE")"; then
  die "port $PORT is taken by another program; choose another with RR_DEMO_PORT=..."
fi
started=$SECONDS

# --------------------------------------------------------------------------
# Python helpers (scripts/lib/demo_helpers.py): JSON work that bash cannot do
# safely, each subcommand talking to the local services directly.
# --------------------------------------------------------------------------
py() { python3 "$ROOT/scripts/lib/demo_helpers.py" "$@"; }

# --------------------------------------------------------------------------
# 1. Dependencies and build
# --------------------------------------------------------------------------
log "step 1/8: dependencies (scripts/install-deps.sh)"
scripts/install-deps.sh >&2
command -v python3 >/dev/null 2>&1 || die "python3 not found (scripts/install-deps.sh installs it)"

werror=OFF
if [[ "${CI:-}" == "true" ]]; then werror=ON; fi
log "step 1/8: configuring $BUILD (RelWithDebInfo)"
mkdir -p "$BUILD"
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRR_WERROR="$werror" \
  >"$BUILD/configure.log" 2>&1 || {
  cat "$BUILD/configure.log" >&2
  die "cmake configure failed (log above: $BUILD/configure.log)"
}
# Only the demo's programs: the tests and benchmarks are scripts/test.sh's.
targets=(rerank-simulate rerank-convert rerank-train rerank-eval index-sync rerankd)
log "step 1/8: building ${targets[*]} with $(nproc) jobs (first run: several minutes)"
cmake --build "$BUILD" -j "$(nproc)" --target "${targets[@]}" >&2 \
  || die "the build failed (output above)"

# --------------------------------------------------------------------------
# 2. OpenSearch with the k-NN plugin, in the demo's own state dir
# --------------------------------------------------------------------------
log "step 2/8: starting OpenSearch with the k-NN plugin (state: $OS_STATE_DIR)"
ENGINE=$(opensearch start | tail -n 1)
[[ "$ENGINE" == http://* ]] || die "scripts/opensearch.sh start printed no URL"
plugins=$(lcurl -f "$ENGINE/_cat/plugins?h=component") || die "cannot list the plugins of $ENGINE"
grep -qx 'opensearch-knn' <<<"$plugins" \
  || die "the node at $ENGINE has no k-NN plugin (stop it: scripts/demo.sh stop)"
log "OpenSearch at $ENGINE"

# --------------------------------------------------------------------------
# 3. The storefront's data: catalog, events, and for simulated shoppers
#    their hidden preferences
# --------------------------------------------------------------------------
mkdir -p "$DEMO_DIR"
if [[ "$DATA_KIND" == sim ]]; then
  DATA=$DEMO_DIR/sim-g$SIM_PRODUCTS-u$SIM_USERS-s$SIM_SEARCHES-seed$SIM_SEED
  TRAIN_END=2024-01-27
  TEST_END=2024-03-01
  if [[ -s $DATA/truth.json && -s $DATA/events.jsonl && -s $DATA/catalog.jsonl ]]; then
    log "step 3/8: reusing the simulated storefront in $DATA"
  else
    log "step 3/8: simulating a storefront: $SIM_PRODUCTS products, $SIM_USERS shoppers x $SIM_SEARCHES searches (seed $SIM_SEED)"
    rm -rf "$DATA.tmp"
    mkdir -p "$DATA.tmp"
    "$BUILD/scoring/tools/rerank-simulate" --generate "$SIM_PRODUCTS" --users "$SIM_USERS" \
      --searches-per-user "$SIM_SEARCHES" --seed "$SIM_SEED" --out "$DATA.tmp" >&2
    rm -rf "$DATA"
    mv "$DATA.tmp" "$DATA"
  fi
else
  DATA=$DEMO_DIR/bestbuy
  TRAIN_END=2011-10-01
  TEST_END=2011-10-15
  if [[ -s $DATA/events.jsonl && -s $DATA/catalog.jsonl ]]; then
    log "step 3/8: reusing the converted Best Buy log in $DATA"
  else
    log "step 3/8: converting the Best Buy Xbox log ($BESTBUY_SRC)"
    rm -rf "$DATA.tmp"
    mkdir -p "$DATA.tmp"
    "$BUILD/scoring/tools/rerank-convert" bestbuy --data "$BESTBUY_SRC" --out "$DATA.tmp" >&2
    rm -rf "$DATA"
    mv "$DATA.tmp" "$DATA"
  fi
fi

# --------------------------------------------------------------------------
# 4. The index, the model, the evaluation
# --------------------------------------------------------------------------
# rerank-train would create the index itself, but without _source excludes,
# and index-sync refuses an index that would show vectors to shoppers
# (excludes are fixed at creation). So: our index, with the catalog indexed
# exactly as rerank-train indexes it, which it then reuses.
log "step 4/8: recreating index $INDEX (vectors excluded from _source, index.knn on)"
# Sync state belongs to the index it describes: drop it with the index.
lcurl -o /dev/null -X DELETE "$ENGINE/rerank-sync-state/_doc/$STOREFRONT?refresh=true" || true
count=$(py index "$ENGINE" "$INDEX" "$DATA/catalog.jsonl")
log "indexed $count products"

MODEL=$DATA/model.rrm
train_args=(--catalog "$DATA/catalog.jsonl" --events "$DATA/events.jsonl" --engine "$ENGINE"
  --index "$INDEX" --train-end "$TRAIN_END" --cache "$DATA/windows.tsv" --out "$MODEL"
  --report "$DATA/train")
# The model is a function of the inputs and the trainer: reuse it while they
# are the same (training is deterministic for a seed).
stamp="$(printf '%s ' "${train_args[@]/#http*/ENGINE}") $(cksum <"$BUILD/scoring/pipeline/rerank-train") $(cksum <"$DATA/events.jsonl") $(cksum <"$DATA/catalog.jsonl")"
if [[ "${RR_DEMO_RETRAIN:-0}" != 1 && -s "$MODEL" && -f "$MODEL.stamp" && "$(cat "$MODEL.stamp")" == "$stamp" ]]; then
  log "step 4/8: reusing the model $MODEL (same inputs and trainer; RR_DEMO_RETRAIN=1 retrains)"
else
  log "step 4/8: training a model on the searches before $TRAIN_END (rerank-train)"
  rm -f "$MODEL.stamp"
  "$BUILD/scoring/pipeline/rerank-train" "${train_args[@]}" >&2 || die "rerank-train failed"
  printf '%s\n' "$stamp" >"$MODEL.stamp"
fi

log "step 4/8: evaluating on the searches from $TRAIN_END to $TEST_END (rerank-eval)"
"$BUILD/scoring/pipeline/rerank-eval" --model "$MODEL" --catalog "$DATA/catalog.jsonl" \
  --events "$DATA/events.jsonl" --engine "$ENGINE" --index "$INDEX" \
  --test-start "$TRAIN_END" --test-end "$TEST_END" --cache "$DATA/windows.tsv" \
  --report "$DATA/eval" >"$DATA/eval.out" || {
  cat "$DATA/eval.out" >&2
  die "rerank-eval failed"
}
# The tables, without the run's facts.
sed -n '/^## /,$p' "$DATA/eval.out" | grep -v '^\[eval\]' >&2

# --------------------------------------------------------------------------
# 5. rerankd's config and the item vectors
# --------------------------------------------------------------------------
# A random admin token, kept across runs; the config holding it is private.
TOKEN_FILE=$DEMO_DIR/admin-token
if [[ ! -s "$TOKEN_FILE" ]]; then
  (umask 077 && od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$TOKEN_FILE")
fi
log "step 5/8: writing $CONFIG"
rm -f "$CONFIG"
(umask 077 && cat >"$CONFIG") <<EOF
# Written by scripts/demo.sh; regenerated on every run.
listen:
  address: 127.0.0.1
  port: $PORT
upstream:
  url: $ENGINE
admin:
  token: $(cat "$TOKEN_FILE")   # also in $TOKEN_FILE
profiles:
  dir: $PROFILES_DIR   # emptied by every run of scripts/demo.sh
activity_log:
  dir: $DEMO_DIR/activity   # the searches served and events accepted, per day
storefronts:
  - name: $STOREFRONT
    indices: [$INDEX]
    window: 100
    # The demo's 2 cores are shared with OpenSearch: a wider budget than the
    # 50 ms default, so a busy moment shows reranking rather than a fallback.
    deadline_ms: 250
    user_id: {header: X-User-Id}
    session_id: {header: X-Session-Id}
    model: $MODEL
    fields:
      id: _id
      title: title
      description: description
      brand: brand
      category: category
      price: price
    vector:
      field: rr_vector
      mode: knn
    extra_candidates:       # also score the items nearest the query (k-NN)
      enabled: true
      k: 20
    sync:
      # One writer: updates re-add documents in scan order, so the engine's
      # order among equal BM25 scores is the same on every run.
      concurrency: 1
EOF
"$RERANKD" --check-config "$CONFIG" >&2 || die "rerankd refuses $CONFIG (message above)"

log "step 5/8: writing item vectors into $INDEX (index-sync --mode full)"
"$BUILD/index_sync/index-sync" --config "$CONFIG" --storefront "$STOREFRONT" --mode full \
  >"$DEMO_DIR/index-sync.json" || die "index-sync failed (message above; report: $DEMO_DIR/index-sync.json)"
lcurl -fo /dev/null -X PUT -H 'Content-Type: application/json' \
  -d '{"index":{"refresh_interval":null}}' "$ENGINE/$INDEX/_settings" \
  || die "could not restore the refresh interval of $INDEX"

# --------------------------------------------------------------------------
# 6. rerankd
# --------------------------------------------------------------------------
stop_rerankd
if port_in_use "$PORT"; then
  die "port $PORT is taken by another program; choose another with RR_DEMO_PORT=..."
fi
# Profiles are durable: start from none, so each run shows the same two histories.
rm -rf "$PROFILES_DIR"
log "step 6/8: starting rerankd on port $PORT (log: $LOG_FILE)"
nohup "$RERANKD" --config "$CONFIG" >"$LOG_FILE" 2>&1 </dev/null &
rerankd_pid=$!
echo "$rerankd_pid" >"$PID_FILE"
RERANK_URL=http://127.0.0.1:$PORT
for ((i = 0; i < 100; i++)); do
  # Not is_our_rerankd: until nohup has exec'd, the pid is not rerankd yet.
  state=$(ps -o stat= -p "$rerankd_pid" 2>/dev/null || true)
  [[ -n "$state" && "$state" != Z* ]] || {
    tail -n 20 "$LOG_FILE" >&2
    die "rerankd exited during startup (log above: $LOG_FILE)"
  }
  lcurl -fo /dev/null "$RERANK_URL/_rerank/health" 2>/dev/null && break
  sleep 0.1
done
lcurl -f "$RERANK_URL/_rerank/health" >/dev/null || die "rerankd did not answer /_rerank/health in 10s ($LOG_FILE)"
lcurl -f "$RERANK_URL/_rerank/ready" >/dev/null || die "rerankd is up but not ready: $(lcurl "$RERANK_URL/_rerank/ready")"
is_our_rerankd "$rerankd_pid" || die "pid $rerankd_pid is not $RERANKD with $CONFIG"
log "rerankd at $RERANK_URL (pid $rerankd_pid)"

# --------------------------------------------------------------------------
# 7. Two shoppers' histories
# --------------------------------------------------------------------------
PICKED=$DEMO_DIR/shoppers.json
read -r SHOPPER_A SHOPPER_B QUERY < <(py pick "$DATA_KIND" "$DATA" "$PICKED")
[[ -n "${QUERY:-}" ]] || die "could not choose two shoppers from $DATA"
QUERY=${RR_DEMO_QUERY:-$QUERY}
log "step 7/8: sending the histories of shoppers $SHOPPER_A and $SHOPPER_B to POST /_rerank/events"
py events "$RERANK_URL" "$STOREFRONT" "$DATA" "$PICKED" >&2

# --------------------------------------------------------------------------
# 8. The same search, three ways
# --------------------------------------------------------------------------
log "step 8/8: searching \"$QUERY\": OpenSearch directly, and through rerankd as each shopper"
# One search by a shopper without history first, so that no cold cache
# (the engine's, the k-NN graph's) decides the timings shown.
lcurl -fo /dev/null -H 'Content-Type: application/json' -H 'X-User-Id: demo-warm-up' \
  -d "{\"size\":5,\"query\":{\"match\":{\"title\":$(py quote "$QUERY")}}}" "$RERANK_URL/$INDEX/_search" \
  || die "a search through rerankd failed (log: $LOG_FILE)"
echo
py show "$ENGINE" "$RERANK_URL" "$INDEX" "$PICKED" "$QUERY"
echo
echo "Evaluation ($(grep -c '"type":"search"' "$DATA/events.jsonl") logged searches; test period $TRAIN_END..$TEST_END, report $DATA/eval/evaluation.md):"
py figures "$DATA/eval/evaluation.json"
if [[ "$DATA_KIND" == sim ]]; then
  echo "  (The engine scores low by construction: the simulated shoppers clicked in the"
  echo "  simulator's own result order, not OpenSearch's. What history adds is model vs"
  echo "  model_no_history.)"
fi
echo
cat <<EOF
Running (took $((SECONDS - started))s):
  rerankd     $RERANK_URL   (pid $(cat "$PID_FILE"), log $LOG_FILE, config $CONFIG)
  OpenSearch  $ENGINE   (state $OS_STATE_DIR)
Try:
  curl -s -H 'X-User-Id: $SHOPPER_A' -H 'Content-Type: application/json' \\
       -d '{"size":5,"query":{"multi_match":{"query":"$QUERY","fields":["title","description","brand","category"]}}}' \\
       $RERANK_URL/$INDEX/_search
  curl -s $RERANK_URL/metrics
  curl -s -X POST -H "Authorization: Bearer \$(cat $TOKEN_FILE)" $RERANK_URL/_rerank/reload
Stop both:  scripts/demo.sh stop
EOF

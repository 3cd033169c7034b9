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
# Python helpers: JSON work that bash cannot do safely. Each subcommand talks
# to the local services directly (urllib, no proxy).
# --------------------------------------------------------------------------
PY=$(
  cat <<'PYEOF'
import collections, json, sys, time, urllib.error, urllib.request

OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http(method, url, body=None, headers=None, ok=(200, 201)):
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None and not req.has_header("Content-type"):
        req.add_header("Content-Type", "application/json")
    try:
        with OPENER.open(req, timeout=120) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        status, hdrs, text = e.code, dict(e.headers), e.read().decode()
    except OSError as e:  # refused, timed out, ...
        sys.exit(f"{method} {url}: {e}")
    if status not in ok:
        sys.exit(f"{method} {url}: HTTP {status}: {text[:500]}")
    return status, hdrs, text


def jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


ITEM_EVENTS = ("view", "click", "cart", "purchase")


def cmd_index(engine, index, catalog_path):
    """(Re)creates the product index with vectors excluded from _source and
    index.knn on, and indexes the catalog as rerank-train would."""
    status, _, _ = http("HEAD", f"{engine}/{index}", ok=(200, 404))
    if status == 200:
        http("DELETE", f"{engine}/{index}")
    # No periodic refresh until the vectors are in: one segment from the bulk
    # load, one from index-sync's updates, each written in catalog order, so
    # ties in BM25 and the k-NN graph come out the same on every run.
    settings = {"settings": {"number_of_shards": 1, "number_of_replicas": 0, "index.knn": True,
                             "refresh_interval": "-1"},
                "mappings": {"_source": {"excludes": ["rr_vector*"]},
                             "properties": {"title": {"type": "text"},
                                            "description": {"type": "text"},
                                            "brand": {"type": "text"},
                                            "category": {"type": "text"},
                                            "price": {"type": "float"}}}}
    http("PUT", f"{engine}/{index}", json.dumps(settings))
    catalog = jsonl(catalog_path)
    for start in range(0, len(catalog), 500):
        lines = []
        for p in catalog[start:start + 500]:
            doc = {k: p.get(k, "") for k in ("title", "description", "brand", "category")}
            if p.get("price") is not None:
                doc["price"] = p["price"]
            lines.append(json.dumps({"index": {"_id": str(p["id"])}}))
            lines.append(json.dumps(doc))
        _, _, text = http("POST", f"{engine}/{index}/_bulk", "\n".join(lines) + "\n",
                          {"Content-Type": "application/x-ndjson"})
        answer = json.loads(text)
        if answer.get("errors"):
            bad = next(i for i in answer["items"] if "error" in i["index"])
            sys.exit(f"bulk indexing failed: {json.dumps(bad)[:500]}")
    http("POST", f"{engine}/{index}/_refresh")
    _, _, text = http("GET", f"{engine}/{index}/_count")
    count = json.loads(text)["count"]
    if count != len(catalog):
        sys.exit(f"{index} holds {count} documents, the catalog {len(catalog)}")
    print(count)


def cmd_pick(kind, data_dir, out_path):
    """Chooses shoppers A and B with clearly different tastes and a query
    both would type; writes them (and their hidden preferences) as JSON."""
    events = jsonl(f"{data_dir}/events.jsonl")
    catalog = {str(p["id"]): p for p in jsonl(f"{data_dir}/catalog.jsonl")}
    items_by_user = collections.defaultdict(list)
    queries_by_user = collections.defaultdict(collections.Counter)
    for e in events:
        if e["type"] in ITEM_EVENTS and str(e.get("item")) in catalog:
            items_by_user[e["user"]].append(catalog[str(e["item"])])
        elif e["type"] == "search":
            queries_by_user[e["user"]][e["query"]] += 1
    if kind == "sim":
        truth = {u["user"]: u for u in json.load(open(f"{data_dir}/truth.json"))["users"]}

        def strength(u):  # interactions that show the hidden brand
            t = truth[u]
            return sum(1 for p in items_by_user[u]
                       if p["brand"] == t["brand"] and p["category"] == t["category"])

        # The category with the most searches; in it the shopper whose history
        # shows their brand best, and the best one with another brand and the
        # opposite price band.
        searches = collections.Counter()
        for u, qs in queries_by_user.items():
            if u in truth:
                searches[truth[u]["category"]] += sum(qs.values())
        category = min(searches, key=lambda c: (-searches[c], c))
        users = sorted((u for u in truth if truth[u]["category"] == category),
                       key=lambda u: (-strength(u), u))
        a = next(u for u in users if truth[u]["price_band"] != "mid")
        opposite = "high" if truth[a]["price_band"] == "low" else "low"
        b = next(u for u in users
                 if truth[u]["brand"] != truth[a]["brand"] and truth[u]["price_band"] == opposite)
        # The generic word for the category: its most frequent one-word query.
        words = collections.Counter()
        for u in users:
            for q, n in queries_by_user[u].items():
                if " " not in q:
                    words[q] += n
        query = min(words, key=lambda q: (-words[q], q))
        prefs = {u: {"brand": truth[u]["brand"], "category": truth[u]["category"],
                     "price_band": truth[u]["price_band"],
                     "price": [truth[u]["price_min"], truth[u]["price_max"]]} for u in (a, b)}
    else:
        # No hidden truth: the two busiest shoppers whose favourite brands differ,
        # and the log's most frequent query.
        def favourite(u):
            c = collections.Counter(p.get("brand") or "?" for p in items_by_user[u])
            return min(c, key=lambda k: (-c[k], k))

        users = sorted(items_by_user, key=lambda u: (-len(items_by_user[u]), u))
        a = users[0]
        b = next(u for u in users[1:] if favourite(u) != favourite(a))
        total = collections.Counter()
        for qs in queries_by_user.values():
            total.update(qs)
        query = min(total, key=lambda q: (-total[q], q))
        prefs = {u: {"brand": favourite(u), "category": None, "price_band": None, "price": None}
                 for u in (a, b)}
    with open(out_path, "w") as f:
        json.dump({"a": a, "b": b, "query": query, "prefs": prefs}, f)
    print(a, b, query)


def cmd_events(rerankd, storefront, data_dir, picked_path):
    """Posts A's and B's item histories (their latest 50 events, the profile
    store's cap) to /_rerank/events, moved in time to end a minute ago."""
    picked = json.load(open(picked_path))
    events = jsonl(f"{data_dir}/events.jsonl")
    now = int(time.time() * 1000)
    run = str(now)
    lines = []
    for user in (picked["a"], picked["b"]):
        mine = [e for e in events if e["user"] == user and e["type"] in ITEM_EVENTS][-50:]
        shift = now - 60_000 - mine[-1]["ts"]  # keep the spacing, end a minute ago
        for i, e in enumerate(mine):
            lines.append(json.dumps({"event_id": f"demo-{run}-{user}-{i}", "storefront": storefront,
                                     "user_id": user, "session_id": e.get("session", ""),
                                     "type": e["type"], "item_id": str(e["item"]),
                                     "ts": e["ts"] + shift}))
        first = (mine[0]["ts"] + shift - now) / 86_400_000
        kinds = collections.Counter(e["type"] for e in mine)
        print(f"  {user}: {len(mine)} events ({', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))}),"
              f" spanning the last {-first:.1f} days")
    _, _, text = http("POST", f"{rerankd}/_rerank/events", "\n".join(lines) + "\n",
                      {"Content-Type": "application/x-ndjson"})
    answer = json.loads(text)
    if answer.get("errors") or answer.get("accepted") != len(lines):
        bad = [i for i in answer.get("items", []) if i.get("result") != "accepted"][:3]
        sys.exit(f"/_rerank/events accepted {answer.get('accepted')} of {len(lines)}: {bad}")
    print(f"  accepted {answer['accepted']} of {len(lines)}")


def fmt_price(p):
    return f"${p:,.2f}" if isinstance(p, (int, float)) else "-"


def cmd_show(engine, rerankd, index, picked_path, query):
    picked = json.load(open(picked_path))
    a, b, prefs = picked["a"], picked["b"], picked["prefs"]
    body = json.dumps({"size": 5, "query": {"multi_match": {
        "query": query, "fields": ["title", "description", "brand", "category"]}}})
    columns = []
    _, _, text = http("POST", f"{engine}/{index}/_search", body)
    columns.append(("OpenSearch alone", None, json.loads(text), {}))
    for label, user in (("A", a), ("B", b)):
        _, hdrs, text = http("POST", f"{rerankd}/{index}/_search", body, {"X-User-Id": user})
        columns.append((f"rerankd, shopper {label}", user, json.loads(text), hdrs))

    def describe(user):
        p = prefs[user]
        if not p.get("category"):  # a real log: only what the history shows
            return f"favourite brand in their history {p['brand']}"
        parts = [f"hidden preference brand {p['brand']}"]
        if p.get("category"):
            parts.append(f"category {p['category']}")
        if p.get("price_band"):
            parts.append(f"price band {p['price_band']} ({fmt_price(p['price'][0])}-{fmt_price(p['price'][1])})")
        return ", ".join(parts)

    def in_band(user, price):
        band = prefs[user].get("price")
        return bool(band) and isinstance(price, (int, float)) and band[0] <= price <= band[1]

    print(f"Query: \"{query}\"   (the same request body to OpenSearch and to rerankd)")
    print(f"  shopper A = {a}: {describe(a)}")
    print(f"  shopper B = {b}: {describe(b)}")
    bands = ", $ in their price band" if prefs[a].get("price") else ""
    print(f"  marks: * the shopper's brand{bands}; A / B (first column): A's / B's brand")
    print()
    width = 44
    cells = []
    for title, user, resp, _ in columns:
        hits = resp["hits"]["hits"][:5]
        col = [title, "-" * width]
        for rank, h in enumerate(hits, 1):
            s = h.get("_source", {})
            if any(k.startswith("rr_vector") for k in s):
                sys.exit(f"a vector field reached _source in {title}: the index lacks _source.excludes")
            if user:
                mark = ("*" if s.get("brand") == prefs[user]["brand"] else " ") + \
                       ("$" if in_band(user, s.get("price")) else " ")
            else:
                mark = "".join(who if s.get("brand") == prefs[u]["brand"] else " "
                               for u, who in ((a, "A"), (b, "B")))
            t = s.get("title", "?")
            t = t if len(t) <= width - 6 else t[:width - 9] + "..."
            col.append(f"{rank}. {mark} {t}")
            col.append(f"        {s.get('brand', '?')}, {fmt_price(s.get('price'))}")
        brands = [h.get("_source", {}).get("brand") for h in hits]
        if user:
            col.append(f"   own brand in top 5: {brands.count(prefs[user]['brand'])}")
        else:
            col.append(f"   A's brand: {brands.count(prefs[a]['brand'])}, B's brand: {brands.count(prefs[b]['brand'])}")
        cells.append(col)
    height = max(len(c) for c in cells)
    for c in cells:
        c += [""] * (height - len(c))
    for row in zip(*cells):
        print("  ".join(f"{x:<{width}}" for x in row).rstrip())
    print()
    for title, user, _, hdrs in columns[1:]:
        h = {k.lower(): v for k, v in hdrs.items()}
        print(f"{title}: X-Rerank: {h.get('x-rerank', '(none)')}")
        print(f"  X-Rerank-Model: {h.get('x-rerank-model', '-')}, X-Rerank-Vectors: {h.get('x-rerank-vectors', '-')},"
              f" X-Rerank-Extra: {h.get('x-rerank-extra', '-')}, X-Rerank-Clicked: {h.get('x-rerank-clicked', '-')}")
        print(f"  X-Rerank-Timing: {h.get('x-rerank-timing', '-')}")
        if not h.get("x-rerank", "").startswith("applied"):
            sys.exit(f"rerankd did not rerank the search for {user}: X-Rerank {h.get('x-rerank')}")


def cmd_quote(text):
    print(json.dumps(text))


def cmd_figures(eval_json):
    r = json.load(open(eval_json))
    s = r["systems"]
    print(f"  {'system':<26} {'NDCG@10 (all)':>15} {'users with history':>20}")
    for name in s:
        print(f"  {name:<26} {s[name]['all']['ndcg10']['mean']:>15.3f}"
              f" {s[name]['with_history']['ndcg10']['mean']:>20.3f}")
    d = r["model_minus_engine_ndcg10"]
    print(f"  model - engine: {d['mean']:+.3f} [{d['low']:+.3f}, {d['high']:+.3f}] over"
          f" {r['queries']} test searches ({r['with_history']} by shoppers with earlier events)")
    d = r["model_minus_no_history_ndcg10_with_history"]
    print(f"  model - model_no_history (shoppers with earlier events): {d['mean']:+.3f}"
          f" [{d['low']:+.3f}, {d['high']:+.3f}]")


getattr(sys.modules[__name__], "cmd_" + sys.argv[1])(*sys.argv[2:])
PYEOF
)
py() { python3 -c "$PY" "$@"; }

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

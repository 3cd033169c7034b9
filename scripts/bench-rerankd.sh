#!/usr/bin/env bash
# End-to-end latency and CPU of rerankd against a real OpenSearch: the same
# candidate window fetched directly and a shopper's page through rerankd
# (windows 100, 200, 500), in one run, with p50/p99, the latency rerankd
# adds, and its CPU per request next to the engine's.
#
#   scripts/bench-rerankd.sh                  # 400 requests per phase
#   RR_BENCH_REQUESTS=2000 scripts/bench-rerankd.sh
#   RR_BENCH_WINDOWS=200 RR_BENCH_PERF=/tmp/rerankd.perf scripts/bench-rerankd.sh
#       one window only, with rerankd's CPU profile recorded by perf
#       (RR_BENCH_PERF_HZ: samples per second, default 2000;
#       RR_BENCH_PERF_CALLGRAPH: perf's call-graph option, default -g, e.g.
#       --call-graph=dwarf,16384 for stacks through a build without frame
#       pointers)
#   RR_BENCH_RELAY=0 scripts/bench-rerankd.sh
#       without the reference relay: by default the same window request is
#       also sent through a plain nginx reverse proxy (Debian's nginx-light,
#       installed when missing), whose CPU per request is the floor any proxy
#       that reads the window pays
#   RR_BENCH_CONCURRENCY=4 scripts/bench-rerankd.sh
#       4 clients sending at once, each on its own connection, instead of one
#       request at a time (the default, 1); adds each path's throughput
#   RR_BENCH_AGAINST=/tmp/rerankd.before RR_BENCH_WINDOWS=200 scripts/bench-rerankd.sh
#       A/B: this tree's rerankd and another build of it (say the previous
#       commit's, copied aside) take turns against the same node, index,
#       model and profiles, each started afresh, RR_BENCH_ROUNDS times
#       (default 3): compare the ratios round by round, as the host's load
#       moves more between runs than most changes do
#   RR_BENCH_PIN=1 scripts/bench-rerankd.sh
#       rerankd (and nginx) on the last CPU, the engine on the others
#       (taskset): the sidecar on cores of its own, as on its own host, so
#       the engine does not evict its caches between searches; needs 2 CPUs
#       or more; the engine's own affinity is given back at the end
#   RR_BENCH_UPSTREAM=https scripts/bench-rerankd.sh
#       rerankd reaches the engine over https: nginx terminates TLS in front
#       of the node with a CA made for the run (openssl); the direct and
#       nginx-relay rows still go to the node itself over http
#   RR_BENCH_PROFILES=shared scripts/bench-rerankd.sh
#       shoppers' profiles in the engine (`profiles.store: shared`, an index
#       of the run's own, deleted at the end): one more engine call per
#       reranked search
#   RR_BENCH_FACETS=1 scripts/bench-rerankd.sh
#       every search also asks for a results page's facets (category and
#       brand terms, price ranges and stats), as storefronts' searches do:
#       the engine computes them over every match, rerankd passes them on
#   RR_BENCH_DRY_RUN=1 scripts/bench-rerankd.sh
#       checks the settings and says what it would run, then stops
# Bad settings are refused (exit 2) before anything is built or started.
# Uses the retrotech catalog (../shared/data) when present, else a generated
# catalog of the same size.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { echo "[bench-rerankd] $*" >&2; }

source scripts/lib/bench-settings.sh
requests=$(bench_setting RR_BENCH_REQUESTS 400 '[1-9][0-9]{0,8}' \
  "a whole number of requests (1 or more)")
concurrency=$(bench_setting RR_BENCH_CONCURRENCY 1 '[1-9]|[1-5][0-9]|6[0-4]' "1 to 64 clients")
windows=$(bench_setting RR_BENCH_WINDOWS 100,200,500 '(100|200|500)(,(100|200|500))*' \
  "a comma-separated list of 100, 200 and 500")
perf_hz=$(bench_setting RR_BENCH_PERF_HZ 2000 '[1-9][0-9]{0,5}' \
  "samples per second, a whole number")
relay=$(bench_setting RR_BENCH_RELAY 1 '[01]' "1 (measure nginx too, the default) or 0")
rounds=$(bench_setting RR_BENCH_ROUNDS 3 '[1-9]|1[0-9]|20' "1 to 20 rounds of the two builds")
pin=$(bench_setting RR_BENCH_PIN 0 '[01]' "1 (rerankd on a CPU of its own) or 0 (the default)")
upstream=$(bench_setting RR_BENCH_UPSTREAM http 'https?' "http (the default) or https")
facets=$(bench_setting RR_BENCH_FACETS 0 '[01]' "1 (searches with facets) or 0 (the default)")
profiles=$(bench_setting RR_BENCH_PROFILES embedded 'embedded|shared' \
  "embedded (the default) or shared")
cpus=$(nproc)
if [[ $pin == 1 && $cpus -lt 2 ]]; then
  log "RR_BENCH_PIN: needs 2 CPUs or more, this machine has $cpus"
  exit 2
fi
against=${RR_BENCH_AGAINST:-}
if [[ -n "$against" && ( ! -f "$against" || ! -x "$against" ) ]]; then
  log "RR_BENCH_AGAINST: an executable rerankd to compare with, got '$against'"
  exit 2
fi
if [[ -n "$against" && -n "${RR_BENCH_PERF:-}" ]]; then
  log "RR_BENCH_AGAINST: not with RR_BENCH_PERF (profile one build at a time)"
  exit 2
fi
bench_settings_done "$requests requests per phase, windows $windows, $concurrency client(s) \
at once, relay $([[ $relay == 1 ]] && echo nginx || echo none)${RR_BENCH_PERF:+, perf profile to $RR_BENCH_PERF}\
${against:+, against $against in $rounds alternating round(s)}\
$([[ $pin == 1 ]] && echo ", rerankd pinned to CPU $((cpus - 1)), the engine to 0-$((cpus - 2))")\
, rerankd to the engine over $upstream, $profiles profiles\
$([[ $facets == 1 ]] && echo ", searches with facets")"

source scripts/lib/release-build.sh
build_release rerankd rerankd_e2e

started_here=0
if ! scripts/opensearch.sh status >/dev/null 2>&1; then started_here=1; fi
work=$(mktemp -d)
rerankd_pid=
nginx_pid=
tls_pid=
profiles_index=
cleanup() {
  if [[ $pin == 1 && -n "${engine_pid:-}" ]]; then
    taskset -a -p -c "0-$((cpus - 1))" "$engine_pid" >/dev/null 2>&1 || true
  fi
  if [[ -n "$rerankd_pid" ]]; then kill "$rerankd_pid" 2>/dev/null || true; fi
  if [[ -n "$nginx_pid" ]]; then kill "$nginx_pid" 2>/dev/null || true; wait "$nginx_pid" 2>/dev/null || true; fi
  if [[ -n "$tls_pid" ]]; then kill "$tls_pid" 2>/dev/null || true; wait "$tls_pid" 2>/dev/null || true; fi
  if [[ -n "$profiles_index" && -n "${url:-}" ]]; then
    curl -s -o /dev/null -X DELETE "$url/$profiles_index" || true
  fi
  rm -rf "$work"
  if [[ $started_here == 1 ]]; then
    log "stopping the OpenSearch node this run started"
    scripts/opensearch.sh stop || true
  fi
}
trap cleanup EXIT
url=$(scripts/opensearch.sh start | tail -n 1)
engine_pid=$(cat "${RR_STATE_DIR:-/var/tmp/rerank-opensearch}/opensearch.pid")
log "OpenSearch at $url (pid $engine_pid)"
# pin_to CPUS PID: every thread of PID (and those it starts later) on CPUS.
pin_to() {
  taskset -a -p -c "$1" "$2" >/dev/null || { log "taskset could not pin pid $2 to CPU $1"; exit 1; }
}
if [[ $pin == 1 ]]; then
  log "pinning the engine to CPUs 0-$((cpus - 2))"
  pin_to "0-$((cpus - 2))" "$engine_pid"
fi

catalog_args=(--generate 48194)
data=../shared/data/retrotech-products/products.tgz
if [[ -f "$data" ]]; then
  log "unpacking $data"
  tar -xzf "$data" -C "$work" products.csv
  catalog_args=(--catalog "$work/products.csv")
else
  log "no $data: using a generated catalog of the same size"
fi
log "indexing, writing the model, syncing vectors"
build-release/tests/bench/rerankd_e2e prepare --engine "$url" "${catalog_args[@]}" --out "$work"

# ensure_nginx WHAT: installs Debian's nginx-light when nginx is missing.
ensure_nginx() {
  command -v nginx >/dev/null && return 0
  log "installing nginx-light for $1"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null 2>&1 || {
    log "apt-get install failed; updating the package lists and trying again"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null
  }
}
# nginx_proxy_conf DIR ACCESS_LOG SERVER_LINES: DIR/nginx.conf for an nginx
# in the foreground with one worker, passing every request to the engine on
# kept-alive connections; SERVER_LINES (listen, TLS) open its server block,
# ACCESS_LOG is a file or off.
nginx_proxy_conf() {
  cat >"$1/nginx.conf" <<CONF
daemon off;
master_process on;
worker_processes 1;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 256; }
http {
  access_log $2;
  client_body_temp_path $1/body;
  proxy_temp_path $1/proxy;
  upstream engine { server ${url#http://}; keepalive 32; }
  server {
    $3
    client_max_body_size 10m;
    location / {
      proxy_pass http://engine;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffers 64 16k;
    }
  }
}
CONF
}
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

if [[ $upstream == https ]]; then
  ensure_nginx "the https front"
  command -v openssl >/dev/null || { log "RR_BENCH_UPSTREAM=https needs openssl"; exit 1; }
  tls=$work/tls
  mkdir -p "$tls"
  log "https front: a CA and a certificate for 127.0.0.1 (openssl), nginx terminating TLS before the engine"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=rr-bench-ca \
    -keyout "$tls/ca.key" -out "$tls/ca.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout "$tls/front.key" \
    -out "$tls/front.csr" 2>/dev/null
  echo "subjectAltName=IP:127.0.0.1" >"$tls/san.cnf"
  openssl x509 -req -in "$tls/front.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" \
    -CAcreateserial -days 2 -extfile "$tls/san.cnf" -out "$tls/front.pem" 2>/dev/null
  tls_port=$(free_port)
  nginx_proxy_conf "$tls" off "listen 127.0.0.1:$tls_port ssl;
    ssl_certificate $tls/front.pem;
    ssl_certificate_key $tls/front.key;"
  nginx -c "$tls/nginx.conf" -p "$tls" &
  tls_pid=$!
  for _ in $(seq 50); do
    curl -s -o /dev/null --cacert "$tls/ca.pem" "https://127.0.0.1:$tls_port/" && break
    sleep 0.1
  done
  curl -s -o /dev/null --cacert "$tls/ca.pem" "https://127.0.0.1:$tls_port/" \
    || { cat "$tls/error.log" >&2; exit 1; }
  if [[ $pin == 1 ]]; then
    for p in $tls_pid $(pgrep -P "$tls_pid"); do pin_to "0-$((cpus - 2))" "$p"; done
  fi
  sed -i "s|^  url: .*|  url: https://127.0.0.1:$tls_port\n  ca_file: $tls/ca.pem|" "$work/rerankd.yaml"
  log "rerankd reaches the engine at https://127.0.0.1:$tls_port (nginx pid $tls_pid)"
fi
if [[ $profiles == shared ]]; then
  profiles_index=rr-bench-profiles-$$
  curl -s -o /dev/null -X DELETE "$url/$profiles_index" || true
  python3 - "$work/rerankd.yaml" "$profiles_index" <<'PY'
import sys
path, index = sys.argv[1], sys.argv[2]
text = open(path).read()
old = "profiles:\n  dir: profiles\n"
if old not in text:
    sys.exit("rerankd.yaml has no 'profiles: dir' section to replace")
open(path, "w").write(text.replace(old, f"profiles:\n  store: shared\n  index: {index}\n"))
PY
  log "profiles in the engine index $profiles_index"
fi

# start_rerankd BIN: a fresh rerankd on the prepared config (its profiles
# and activity log kept from the one before); sets rerankd_pid, rerankd_url.
start_rerankd() {
  log "starting $1"
  rm -f "$work/rerankd.log"
  "$1" --config "$work/rerankd.yaml" >"$work/rerankd.log" 2>&1 &
  rerankd_pid=$!
  for _ in $(seq 100); do
    grep -q "listening on" "$work/rerankd.log" 2>/dev/null && break
    sleep 0.1
  done
  rerankd_url=$(grep -o 'http://[0-9.:]*' "$work/rerankd.log" | head -n 1)
  [[ -n "$rerankd_url" ]] || { cat "$work/rerankd.log" >&2; exit 1; }
  if [[ $pin == 1 ]]; then pin_to "$((cpus - 1))" "$rerankd_pid"; fi
  log "rerankd at $rerankd_url (pid $rerankd_pid)"
}
stop_rerankd() {
  kill "$rerankd_pid"
  wait "$rerankd_pid" || true
  rerankd_pid=
}
start_rerankd build-release/rerank/rerankd
relay_args=()
if [[ $relay == 1 ]]; then
  ensure_nginx "the reference relay (RR_BENCH_RELAY=0 to skip)"
  relay_port=$(free_port)
  mkdir -p "$work/nginx"
  # One worker, kept-alive connections to the engine, an access log line per
  # request: a plain production reverse proxy on the same core budget.
  nginx_proxy_conf "$work/nginx" "$work/nginx/access.log" "listen 127.0.0.1:$relay_port;"
  nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" &
  nginx_pid=$!
  for _ in $(seq 50); do
    workers=$(pgrep -P "$nginx_pid" | paste -sd, -) || true
    [[ -n "$workers" ]] && break
    sleep 0.1
  done
  [[ -n "$workers" ]] || { cat "$work/nginx/error.log" >&2; exit 1; }
  if [[ $pin == 1 ]]; then
    for p in $nginx_pid ${workers//,/ }; do pin_to "$((cpus - 1))" "$p"; done
  fi
  log "reference relay: nginx $(nginx -v 2>&1 | sed 's/.*nginx\///') at http://127.0.0.1:$relay_port (pids $nginx_pid,$workers)"
  relay_args=(--relay "http://127.0.0.1:$relay_port" --relay-pids "$nginx_pid,$workers")
fi

perf_pid=
if [[ -n "${RR_BENCH_PERF:-}" ]]; then
  command -v perf >/dev/null || { log "RR_BENCH_PERF is set but perf is not installed"; exit 1; }
  log "recording rerankd's profile to $RR_BENCH_PERF (perf report -i $RR_BENCH_PERF)"
  perf record -F "$perf_hz" ${RR_BENCH_PERF_CALLGRAPH:--g} -p "$rerankd_pid" -o "$RR_BENCH_PERF" 2>"$work/perf.log" &
  perf_pid=$!
fi
run_driver() {
  build-release/tests/bench/rerankd_e2e run --engine "$url" --rerankd "$rerankd_url" \
    --rerankd-pid "$rerankd_pid" --engine-pid "$engine_pid" --dir "$work" \
    --requests "$requests" --windows "$windows" \
    --concurrency "$concurrency" --facets "$facets" "${relay_args[@]}"
}
# One turn without RR_BENCH_AGAINST; with it, this tree's rerankd and the
# other in turns, each started afresh (the first is the one started above).
turn=0
for round in $(seq "$([[ -n "$against" ]] && echo "$rounds" || echo 1)"); do
  for bin in build-release/rerank/rerankd ${against:+"$against"}; do
    if [[ $turn -gt 0 ]]; then
      stop_rerankd
      start_rerankd "$bin"
    fi
    [[ -z "$against" ]] || log "round $round of $rounds: $bin"
    run_driver
    turn=$((turn + 1))
  done
done
if [[ -n "$perf_pid" ]]; then
  kill -INT "$perf_pid"
  wait "$perf_pid" || true
  log "profile written: $RR_BENCH_PERF (rerankd's CPU figures above include perf's overhead)"
fi

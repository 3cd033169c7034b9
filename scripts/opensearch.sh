#!/usr/bin/env bash
# Manage one local single-node OpenSearch for tests and the quickstart.
#
# Usage: scripts/opensearch.sh start|stop|status|url|logs [-f]
#
#   start   fetch (Maven Central) + unpack OpenSearch once, start a node on
#           127.0.0.1 with a fresh data dir, wait until it is healthy and print
#           its URL as the last line of stdout:
#               url=$(scripts/opensearch.sh start | tail -1)
#           Starting again while our node is up just prints the URL.
#   stop    stop the node started by `start` and delete its data dir.
#   status  print running/stopped; exit 0 when running, 3 when stopped.
#   url     print the URL when running; exit 3 otherwise.
#   logs    print the end of the node log (`logs -f` follows it).
#
# Environment:
#   RR_OPENSEARCH_VERSION        OpenSearch version (default: 3.6.0, or 2.19.6
#                                when no JDK >= 21 is available)
#   RR_JAVA_HOME                 JDK to run OpenSearch with (default: the best
#                                one under /usr/lib/jvm)
#   RR_OPENSEARCH_KNN=1          also install the k-NN plugin (lucene engine
#                                only: the Maven zip has no faiss/nmslib libs)
#   RR_OPENSEARCH_HEAP           heap size, default 768m
#   RR_OPENSEARCH_START_TIMEOUT  seconds to wait for health, default 120
#   RR_CACHE_DIR                 unpacked distributions, default /var/cache/rerank
#   RR_STATE_DIR                 pid/port/config/data/logs, default
#                                /var/tmp/rerank-opensearch
#   RR_M2_REPO                   Maven local repository (default ~/.m2/repository)
#
# Progress goes to stderr; only URLs (and status/log output) go to stdout.
set -euo pipefail
# Also abort inside $(...) (ensure_distribution etc. run in command substitutions).
shopt -s inherit_errexit

OPENSEARCH_VERSION=3.6.0
OPENSEARCH_FALLBACK_VERSION=2.19.6
OPENSEARCH_MIN_JDK_3X=21
OPENSEARCH_MIN_JDK_2X=11
OPENSEARCH_MAX_JDK_2X=21
NODE_USER=rerank-os
CLUSTER_NAME=rerank-test

CACHE_DIR=${RR_CACHE_DIR:-/var/cache/rerank}
STATE_DIR=${RR_STATE_DIR:-/var/tmp/rerank-opensearch}
HEAP=${RR_OPENSEARCH_HEAP:-768m}
START_TIMEOUT=${RR_OPENSEARCH_START_TIMEOUT:-120}
STOP_TIMEOUT=30
KNN=${RR_OPENSEARCH_KNN:-0}
M2_REPO=${RR_M2_REPO:-${HOME:-/root}/.m2/repository}

PID_FILE=$STATE_DIR/opensearch.pid
PORT_FILE=$STATE_DIR/port
HOME_FILE=$STATE_DIR/home          # distribution dir of the running node
RUNDIR_FILE=$STATE_DIR/rundir      # temporary data dir of the running node
CONF_DIR=$STATE_DIR/config
LOGS_DIR=$STATE_DIR/logs
OUT_LOG=$STATE_DIR/opensearch.out  # stdout/stderr of bin/opensearch
NODE_LOG=$LOGS_DIR/$CLUSTER_NAME.log

msg()  { printf '[opensearch] %s\n' "$*" >&2; }
warn() { printf '[opensearch] WARNING: %s\n' "$*" >&2; }
die()  { printf '[opensearch] ERROR: %s\n' "$*" >&2; exit 1; }

usage() {
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" >&2
}

is_root() { [[ "$(id -u)" -eq 0 ]]; }

run_user() {
  if is_root; then echo "$NODE_USER"; else id -un; fi
}

run_group() {
  id -gn "$(run_user)"
}

require_cmd() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 \
      || die "'$c' not found; run scripts/install-deps.sh (as root) first"
  done
}

# JDK detection, the download from Maven Central and the unpacked
# distributions: scripts/lib/opensearch-dist.sh.
source "$(dirname "${BASH_SOURCE[0]}")/lib/opensearch-dist.sh"

# --------------------------------------------------------------------------
# Running things as the node user
# --------------------------------------------------------------------------

ensure_node_user() {
  is_root || return 0
  if ! id -u "$NODE_USER" >/dev/null 2>&1; then
    msg "creating system user $NODE_USER"
    useradd --system --create-home --shell /bin/bash "$NODE_USER" \
      || die "useradd $NODE_USER failed"
  fi
}

# as_node_user JDK CONF_DIR cmd... : run with a clean environment.
as_node_user() {
  local jdk=$1 conf=$2; shift 2
  local user home
  user=$(run_user)
  home=$(getent passwd "$user" | cut -d: -f6)
  local envv=(
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    "HOME=${home:-/tmp}"
    "USER=$user"
    "LANG=C.UTF-8"
    "OPENSEARCH_JAVA_HOME=$jdk"
    "OPENSEARCH_PATH_CONF=$conf"
  )
  [[ -n "${OPENSEARCH_JAVA_OPTS:-}" ]] && envv+=("OPENSEARCH_JAVA_OPTS=$OPENSEARCH_JAVA_OPTS")
  [[ -n "${OPENSEARCH_TMPDIR:-}" ]] && envv+=("OPENSEARCH_TMPDIR=$OPENSEARCH_TMPDIR")
  # 9>&-: the lock fd must not leak into the (long-lived) node process.
  if is_root; then
    runuser -u "$user" -- env -i "${envv[@]}" "$@" 9>&-
  else
    env -i "${envv[@]}" "$@" 9>&-
  fi
}

# --------------------------------------------------------------------------
# State of the running node
# --------------------------------------------------------------------------

# Is pid $1 an OpenSearch node with home $2 and our config dir?
is_our_node() {
  local pid=$1 home=$2 cmdline
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ -r /proc/$pid/cmdline ]] || return 1
  cmdline=$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  grep -Fxq -- "-Dopensearch.path.home=$home" <<<"$cmdline" || return 1
  grep -Fxq -- "-Dopensearch.path.conf=$CONF_DIR" <<<"$cmdline" || return 1
}

# Sets NODE_PID, NODE_HOME, NODE_PORT when our node is alive; else returns 1.
running_node() {
  NODE_PID="" NODE_HOME="" NODE_PORT=""
  [[ -f "$PID_FILE" && -f "$HOME_FILE" ]] || return 1
  NODE_PID=$(tr -dc '0-9' <"$PID_FILE" 2>/dev/null || true)
  NODE_HOME=$(cat "$HOME_FILE" 2>/dev/null || true)
  NODE_PORT=$(cat "$PORT_FILE" 2>/dev/null || true)
  [[ -n "$NODE_PID" && -n "$NODE_HOME" ]] || return 1
  is_our_node "$NODE_PID" "$NODE_HOME"
}

url_for() { echo "http://127.0.0.1:$1"; }

# Print the health status (green/yellow/red) of the node on port $1.
health_status() {
  local port=$1 body
  [[ "$port" =~ ^[0-9]+$ ]] || return 1
  body=$(curl -s --noproxy '*' --max-time 5 \
    "http://127.0.0.1:$port/_cluster/health?wait_for_status=yellow&timeout=1s" 2>/dev/null) || return 1
  sed -n 's/.*"status"[[:space:]]*:[[:space:]]*"\([a-z]*\)".*/\1/p' <<<"$body"
}

is_healthy() {
  local s
  s=$(health_status "$1") || return 1
  [[ "$s" == green || "$s" == yellow ]]
}

print_log_tail() {
  local n=${1:-40}
  if [[ -s "$NODE_LOG" ]]; then
    msg "last $n lines of $NODE_LOG:"
    tail -n "$n" "$NODE_LOG" >&2
  fi
  if [[ -s "$OUT_LOG" ]]; then
    msg "last $n lines of $OUT_LOG:"
    tail -n "$n" "$OUT_LOG" >&2
  fi
}

# Remove the data dir and per-run files of a node that is no longer running.
cleanup_run_state() {
  local rundir
  rundir=$(cat "$RUNDIR_FILE" 2>/dev/null || true)
  if [[ -n "$rundir" && -d "$rundir" && "$rundir" == "$STATE_DIR"/run.* ]]; then
    rm -rf "$rundir"
  fi
  rm -f "$PID_FILE" "$PORT_FILE" "$HOME_FILE" "$RUNDIR_FILE"
}

# Take an exclusive lock so concurrent start/stop calls do not race.
lock_state() {
  exec 9>"$STATE_DIR/.lock"
  if ! flock -w 300 9; then
    die "timed out waiting for the lock $STATE_DIR/.lock (another start/stop running?)"
  fi
}

ensure_state_dir() {
  mkdir -p "$STATE_DIR" 2>/dev/null \
    || die "cannot create state dir $STATE_DIR (set RR_STATE_DIR to a writable place)"
  [[ -w "$STATE_DIR" ]] \
    || die "state dir $STATE_DIR is not writable (set RR_STATE_DIR to a writable place)"
  STATE_DIR=$(cd "$STATE_DIR" && pwd -P)
  PID_FILE=$STATE_DIR/opensearch.pid
  PORT_FILE=$STATE_DIR/port
  HOME_FILE=$STATE_DIR/home
  RUNDIR_FILE=$STATE_DIR/rundir
  CONF_DIR=$STATE_DIR/config
  LOGS_DIR=$STATE_DIR/logs
  OUT_LOG=$STATE_DIR/opensearch.out
  NODE_LOG=$LOGS_DIR/$CLUSTER_NAME.log
}

# For read-only commands: resolve the state dir if it exists.
resolve_state_dir() {
  if [[ -d "$STATE_DIR" ]]; then
    ensure_state_dir
  fi
}

# Send SIGTERM, wait, then SIGKILL. $1 = pid, $2 = home.
kill_node() {
  local pid=$1 home=$2 waited=0
  msg "stopping OpenSearch (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  while is_our_node "$pid" "$home"; do
    if ((waited >= STOP_TIMEOUT)); then
      warn "node (pid $pid) still running after ${STOP_TIMEOUT}s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 1
      break
    fi
    sleep 1
    waited=$((waited + 1))
  done
  if is_our_node "$pid" "$home"; then
    die "could not stop pid $pid"
  fi
}

# --------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------

# Wait until the node on pid $1 is healthy; sets NODE_PORT. Returns 1 on
# timeout or if the process dies.
wait_for_health() {
  local pid=$1 home=$2 deadline=$((SECONDS + START_TIMEOUT)) line port=""
  while ((SECONDS < deadline)); do
    if [[ -n "$pid" ]] && ! is_our_node "$pid" "$home"; then
      msg "the OpenSearch process (pid $pid) exited during startup"
      return 1
    fi
    if [[ -z "$port" && -s "$LOGS_DIR/http.ports" ]]; then
      line=$(head -n 1 "$LOGS_DIR/http.ports")
      port=${line##*:}
      if [[ "$port" =~ ^[0-9]+$ ]]; then
        echo "$port" >"$PORT_FILE"
        msg "node bound HTTP port $port; waiting for cluster health"
      else
        port=""
      fi
    fi
    if [[ -n "$port" ]] && is_healthy "$port"; then
      NODE_PORT=$port
      return 0
    fi
    sleep 1
  done
  msg "timed out after ${START_TIMEOUT}s waiting for OpenSearch to become healthy"
  return 1
}

write_node_config() {
  local home=$1 rundir=$2
  rm -rf "$CONF_DIR"
  cp -a "$home/config" "$CONF_DIR"
  # Keep jvm.options' relative paths (resolved against the distribution dir)
  # out of the shared cache.
  sed -i \
    -e "s#\\([=:]\\)logs/#\\1$LOGS_DIR/#g" \
    -e "s#HeapDumpPath=data\$#HeapDumpPath=$rundir#" \
    "$CONF_DIR/jvm.options"
  cat >"$CONF_DIR/opensearch.yml" <<EOF
# Written by scripts/opensearch.sh - regenerated on every start.
cluster.name: $CLUSTER_NAME
node.name: rerank-node
network.host: 127.0.0.1
discovery.type: single-node
http.port: 9250-9350
transport.port: 9450-9550
node.portsfile: true
path.data: $rundir/data
path.logs: $LOGS_DIR
action.auto_create_index: true
cluster.routing.allocation.disk.threshold_enabled: false
EOF
}

cmd_start() {
  require_cmd curl unzip flock
  is_root && require_cmd runuser useradd

  ensure_state_dir
  lock_state

  choose_version_and_jdk
  local version=$OS_VERSION jdk=$OS_JDK
  ensure_cache_dir

  local want_home
  if [[ "$KNN" == 1 ]]; then
    want_home=$CACHE_DIR/opensearch-$version-knn
  else
    want_home=$CACHE_DIR/opensearch-$version
  fi

  # Already running?
  if running_node; then
    if [[ "$NODE_HOME" != "$want_home" ]]; then
      die "a node from $NODE_HOME is already running (pid $NODE_PID) but this start wants $want_home; run '$0 stop' first"
    fi
    if [[ -n "$NODE_PORT" ]] && is_healthy "$NODE_PORT"; then
      msg "OpenSearch already running (pid $NODE_PID)"
      url_for "$NODE_PORT"
      return 0
    fi
    msg "OpenSearch (pid $NODE_PID) is running but not healthy yet; waiting"
    if wait_for_health "$NODE_PID" "$NODE_HOME"; then
      url_for "$NODE_PORT"
      return 0
    fi
    print_log_tail 40
    kill_node "$NODE_PID" "$NODE_HOME"
    cleanup_run_state
    exit 1
  fi
  if [[ -f "$PID_FILE" || -f "$RUNDIR_FILE" ]]; then
    msg "cleaning up state of a node that is no longer running"
  fi
  cleanup_run_state

  ensure_node_user

  local home
  home=$(ensure_distribution "$version")
  if [[ "$KNN" == 1 ]]; then
    home=$(ensure_knn_distribution "$version" "$home" "$jdk")
  fi

  local rundir
  rundir=$(mktemp -d "$STATE_DIR/run.XXXXXX")
  echo "$rundir" >"$RUNDIR_FILE"
  mkdir -p "$rundir/data" "$rundir/tmp" "$LOGS_DIR"
  rm -f "$LOGS_DIR/http.ports" "$LOGS_DIR/transport.ports"
  write_node_config "$home" "$rundir"
  echo "$home" >"$HOME_FILE"
  : >"$OUT_LOG"
  # The node writes its pid file and logs here, so hand it the state dir
  # (but not the lock, which stays with whoever holds it).
  give_to_node_user "$STATE_DIR"
  chmod 0755 "$STATE_DIR"

  msg "starting OpenSearch $version from $home"
  msg "  java: $jdk (major $(java_major "$jdk")), heap: $HEAP, user: $(run_user)"
  msg "  state: $STATE_DIR, data: $rundir/data"
  local rc=0
  (
    cd "$rundir"
    OPENSEARCH_JAVA_OPTS="-Xms$HEAP -Xmx$HEAP"
    OPENSEARCH_TMPDIR="$rundir/tmp"
    as_node_user "$jdk" "$CONF_DIR" "$home/bin/opensearch" -d -p "$PID_FILE" \
      >"$OUT_LOG" 2>&1 </dev/null
  ) || rc=$?
  if ((rc != 0)); then
    msg "bin/opensearch -d exited with status $rc"
    print_log_tail 40
    if running_node; then kill_node "$NODE_PID" "$NODE_HOME"; fi
    cleanup_run_state
    exit 1
  fi

  # Wait for the node to write its pid file.
  local pid="" i
  for ((i = 0; i < 30; i++)); do
    if [[ -s "$PID_FILE" ]]; then
      pid=$(tr -dc '0-9' <"$PID_FILE")
      [[ -n "$pid" ]] && break
    fi
    sleep 1
  done
  if [[ -z "$pid" ]] || ! is_our_node "$pid" "$home"; then
    msg "OpenSearch did not come up (no live process from pid file $PID_FILE)"
    print_log_tail 40
    cleanup_run_state
    exit 1
  fi
  msg "node started (pid $pid); waiting up to ${START_TIMEOUT}s for health"

  if ! wait_for_health "$pid" "$home"; then
    print_log_tail 40
    if is_our_node "$pid" "$home"; then kill_node "$pid" "$home"; fi
    cleanup_run_state
    die "OpenSearch $version failed to start (logs: $LOGS_DIR, $OUT_LOG)"
  fi
  msg "OpenSearch $version is up: $(url_for "$NODE_PORT")"
  url_for "$NODE_PORT"
}

cmd_stop() {
  if [[ ! -d "$STATE_DIR" ]]; then
    msg "not running (no state dir $STATE_DIR)"
    return 0
  fi
  ensure_state_dir
  lock_state
  if running_node; then
    kill_node "$NODE_PID" "$NODE_HOME"
    cleanup_run_state
    msg "stopped"
  else
    if [[ -f "$PID_FILE" || -f "$RUNDIR_FILE" ]]; then
      msg "not running (removing stale state)"
    else
      msg "not running"
    fi
    cleanup_run_state
  fi
}

cmd_status() {
  resolve_state_dir
  if running_node; then
    local url="(port unknown)"
    [[ -n "$NODE_PORT" ]] && url=$(url_for "$NODE_PORT")
    local health
    health=$(health_status "$NODE_PORT" 2>/dev/null || true)
    echo "running pid=$NODE_PID url=$url health=${health:-unreachable} home=$NODE_HOME"
    return 0
  fi
  echo "stopped"
  return 3
}

cmd_url() {
  resolve_state_dir
  if running_node && [[ -n "$NODE_PORT" ]]; then
    url_for "$NODE_PORT"
    return 0
  fi
  msg "OpenSearch is not running (start it with: $0 start)"
  return 3
}

cmd_logs() {
  resolve_state_dir
  local follow=0
  [[ "${1:-}" == "-f" || "${1:-}" == "--follow" ]] && follow=1
  if [[ ! -f "$NODE_LOG" ]]; then
    if [[ -s "$OUT_LOG" ]]; then
      msg "no node log yet; showing $OUT_LOG"
      tail -n "${RR_LOG_LINES:-100}" "$OUT_LOG"
      return 0
    fi
    die "no log at $NODE_LOG (has the node ever been started?)"
  fi
  msg "$NODE_LOG"
  if ((follow)); then
    exec tail -n "${RR_LOG_LINES:-100}" -F "$NODE_LOG"
  fi
  tail -n "${RR_LOG_LINES:-100}" "$NODE_LOG"
}

main() {
  local cmd=${1:-}
  [[ $# -gt 0 ]] && shift
  case "$cmd" in
    start)  cmd_start "$@" ;;
    stop)   cmd_stop "$@" ;;
    status) cmd_status "$@" ;;
    url)    cmd_url "$@" ;;
    logs)   cmd_logs "$@" ;;
    -h|--help|help) usage ;;
    "") usage; exit 2 ;;
    *) msg "unknown command: $cmd"; usage; exit 2 ;;
  esac
}

main "$@"

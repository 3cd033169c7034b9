#!/usr/bin/env bash
# Install the Debian (bookworm) packages needed to build and test the project.
#
# Idempotent: when everything is already installed it prints a single line and
# exits 0 without touching apt. Safe to run with CI=true and without stdin.
#
# Usage: scripts/install-deps.sh
set -euo pipefail

log() { printf '[install-deps] %s\n' "$*"; }
die() { printf '[install-deps] ERROR: %s\n' "$*" >&2; exit 1; }

PACKAGES=(
  build-essential
  g++
  cmake
  ninja-build
  pkg-config
  libcurl4-openssl-dev
  libssl-dev
  zlib1g-dev
  libsimdjson-dev
  libeigen3-dev
  libboost-dev
  libboost-system-dev
  catch2
  libbenchmark-dev
  libyaml-cpp-dev
  curl
  unzip
  nginx-light
  openssl
  procps
  ca-certificates
)

command -v dpkg-query >/dev/null 2>&1 \
  || die "dpkg-query not found; this script supports Debian/Ubuntu only"

# Maven fetches the OpenSearch distribution (scripts/opensearch.sh).
if ! command -v mvn >/dev/null 2>&1; then
  PACKAGES+=(maven)
fi

# Node.js runs the official OpenSearch JavaScript client against rerankd.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  PACKAGES+=(nodejs npm)
fi

# scripts/demo.sh does its JSON work (events, result tables) in Python.
if ! command -v python3 >/dev/null 2>&1; then
  PACKAGES+=(python3)
fi

# Any Java at all will do here; scripts/opensearch.sh picks the best JDK itself.
have_java() {
  local j
  command -v java >/dev/null 2>&1 && return 0
  for j in /usr/lib/jvm/*/bin/java; do
    [[ -x "$j" ]] && return 0
  done
  return 1
}
if ! have_java; then
  PACKAGES+=(openjdk-17-jdk-headless)
fi

is_installed() {
  local status
  status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) || return 1
  [[ "$status" == "install ok installed" ]]
}

missing=()
for pkg in "${PACKAGES[@]}"; do
  is_installed "$pkg" || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
  log "all ${#PACKAGES[@]} packages present"
  exit 0
fi

log "missing ${#missing[@]} of ${#PACKAGES[@]} packages: ${missing[*]}"

if [[ "$(id -u)" -ne 0 ]]; then
  die "not running as root; cannot install: ${missing[*]}
[install-deps] re-run as root (e.g. sudo $0) or install them manually:
[install-deps]   apt-get install --no-install-recommends ${missing[*]}"
fi

export DEBIAN_FRONTEND=noninteractive

log "running apt-get update"
if ! apt-get update -q </dev/null; then
  die "apt-get update failed (see output above)"
fi

log "installing: ${missing[*]}"
if ! apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null; then
  die "apt-get install failed for: ${missing[*]}"
fi

# Verify, so a partially failed install never passes silently.
still_missing=()
for pkg in "${missing[@]}"; do
  is_installed "$pkg" || still_missing+=("$pkg")
done
if ((${#still_missing[@]} > 0)); then
  die "packages still not installed after apt-get: ${still_missing[*]}"
fi

log "installed ${#missing[@]} packages: ${missing[*]}"

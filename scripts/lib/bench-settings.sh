# Sourced by the benchmark scripts, which check their settings with it before
# they install, build or start anything. Expects `log` to be defined.

# bench_setting NAME DEFAULT PATTERN WHAT: prints the value of $NAME (DEFAULT
# when unset or empty); one that does not match ^PATTERN$ is refused, naming
# it ("NAME: WHAT, got 'VALUE'"), with exit code 2. Use as
# `x=$(bench_setting ...)`: under `set -e` the refusal ends the script.
bench_setting() {
  local name=$1 value=${!1:-$2} pattern=$3 what=$4
  if [[ ! $value =~ ^($pattern)$ ]]; then
    log "$name: $what, got '$value'"
    exit 2
  fi
  printf '%s\n' "$value"
}

# bench_settings_done SUMMARY: says what the run will use, and stops there
# under RR_BENCH_DRY_RUN=1.
bench_settings_done() {
  log "settings: $1"
  if [[ ${RR_BENCH_DRY_RUN:-0} == 1 ]]; then exit 0; fi
}

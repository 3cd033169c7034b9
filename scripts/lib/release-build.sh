# Sourced by the benchmark scripts: installs what is missing and builds the
# Release tree (build-release, no tests) for the given targets (all when
# none). Expects `log` to be defined and the repository root as the cwd.
build_release() {
  scripts/install-deps.sh
  log "configuring build-release"
  mkdir -p build-release
  cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DRR_BUILD_TESTS=OFF >build-release/configure.log 2>&1 || {
    cat build-release/configure.log >&2
    return 1
  }
  local targets=()
  if [[ $# -gt 0 ]]; then targets=(--target "$@"); fi
  cmake --build build-release -j "$(nproc)" "${targets[@]}"
}

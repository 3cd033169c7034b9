# Sourced by scripts/opensearch.sh: finding a JDK for the OpenSearch version,
# fetching the distribution (and the k-NN plugin) from Maven Central and
# unpacking it once into the cache. Uses the main script's settings
# (OPENSEARCH_*, CACHE_DIR, M2_REPO, NODE_USER, ...) and msg/warn/die.

# --------------------------------------------------------------------------
# JDK detection
# --------------------------------------------------------------------------

# Print the major version of the JDK at $1 (e.g. 17, 21, 25; 8 for 1.8).
java_major() {
  local jdk=$1 out ver
  [[ -x "$jdk/bin/java" ]] || return 1
  out=$("$jdk/bin/java" -version 2>&1 </dev/null) || return 1
  ver=$(sed -n 's/.*version "\([^"]*\)".*/\1/p' <<<"$out" | head -n 1)
  [[ -n "$ver" ]] || return 1
  [[ "$ver" == 1.* ]] && ver=${ver#1.}
  ver=${ver%%[!0-9]*}
  [[ -n "$ver" ]] || return 1
  echo "$ver"
}

# Print "<major> <path>" for every distinct JDK we can find.
list_jdks() {
  local cands=() c real seen=" " major
  if [[ -n "${RR_JAVA_HOME:-}" ]]; then
    cands=("$RR_JAVA_HOME")
  else
    for c in /usr/lib/jvm/*/; do cands+=("${c%/}"); done
    if command -v java >/dev/null 2>&1; then
      c=$(readlink -f "$(command -v java)")
      cands+=("${c%/bin/java}")
    fi
  fi
  for c in "${cands[@]}"; do
    [[ -x "$c/bin/java" ]] || continue
    real=$(readlink -f "$c")
    [[ "$seen" == *" $real "* ]] && continue
    seen+="$real "
    if major=$(java_major "$real"); then
      echo "$major $real"
    fi
  done
}

# Print the path of the newest JDK with min <= major <= max.
pick_jdk() {
  local min=$1 max=$2
  list_jdks | sort -k1,1nr | awk -v min="$min" -v max="$max" \
    '!found && $1 >= min && $1 <= max { print $2; found = 1 }'
}

# Sets OS_VERSION and OS_JDK.
choose_version_and_jdk() {
  local major
  if [[ -n "${RR_OPENSEARCH_VERSION:-}" ]]; then
    OS_VERSION=$RR_OPENSEARCH_VERSION
    major=${OS_VERSION%%.*}
    if ((major >= 3)); then
      OS_JDK=$(pick_jdk "$OPENSEARCH_MIN_JDK_3X" 999)
      [[ -n "$OS_JDK" ]] || die "OpenSearch $OS_VERSION needs a JDK >= $OPENSEARCH_MIN_JDK_3X; none found$(jdk_search_hint)"
    else
      OS_JDK=$(pick_jdk "$OPENSEARCH_MIN_JDK_2X" "$OPENSEARCH_MAX_JDK_2X")
      [[ -n "$OS_JDK" ]] || die "OpenSearch $OS_VERSION needs a JDK $OPENSEARCH_MIN_JDK_2X..$OPENSEARCH_MAX_JDK_2X; none found$(jdk_search_hint)"
    fi
    return 0
  fi

  OS_VERSION=$OPENSEARCH_VERSION
  OS_JDK=$(pick_jdk "$OPENSEARCH_MIN_JDK_3X" 999)
  if [[ -z "$OS_JDK" ]]; then
    OS_VERSION=$OPENSEARCH_FALLBACK_VERSION
    OS_JDK=$(pick_jdk "$OPENSEARCH_MIN_JDK_2X" "$OPENSEARCH_MAX_JDK_2X")
    [[ -n "$OS_JDK" ]] || die "no usable JDK found (need >= $OPENSEARCH_MIN_JDK_3X for $OPENSEARCH_VERSION, or $OPENSEARCH_MIN_JDK_2X..$OPENSEARCH_MAX_JDK_2X for $OPENSEARCH_FALLBACK_VERSION)$(jdk_search_hint)"
    warn "no JDK >= $OPENSEARCH_MIN_JDK_3X found$(jdk_search_hint); falling back to OpenSearch $OS_VERSION with $OS_JDK"
  fi
}

jdk_search_hint() {
  if [[ -n "${RR_JAVA_HOME:-}" ]]; then
    printf ' (RR_JAVA_HOME=%s)' "$RR_JAVA_HOME"
  else
    printf ' under /usr/lib/jvm or on PATH (set RR_JAVA_HOME to choose one)'
  fi
}

# --------------------------------------------------------------------------
# Download (Maven) and unpack
# --------------------------------------------------------------------------

# mvn_fetch groupId artifactId version -> prints path of the zip in ~/.m2
mvn_fetch() {
  local group=$1 artifact=$2 version=$3
  local coords="$group:$artifact:$version:zip"
  local path="$M2_REPO/${group//.//}/$artifact/$version/$artifact-$version.zip"
  if [[ -s "$path" ]] && unzip -tqq "$path" >/dev/null 2>&1; then
    echo "$path"
    return 0
  fi
  require_cmd mvn
  msg "downloading $coords with Maven (into $M2_REPO)"
  local mvn_args=(-B -q -Dstyle.color=never dependency:get "-Dartifact=$coords" -Dtransitive=false)
  [[ -n "${RR_M2_REPO:-}" ]] && mvn_args+=("-Dmaven.repo.local=$RR_M2_REPO")
  local out
  if ! out=$(mvn "${mvn_args[@]}" </dev/null 2>&1); then
    printf '%s\n' "$out" | sed 's/\x1b\[[0-9;]*m//g' >&2
    die "mvn dependency:get failed for $coords (command: mvn ${mvn_args[*]})"
  fi
  if [[ ! -s "$path" ]]; then
    printf '%s\n' "$out" >&2
    die "mvn reported success for $coords but $path does not exist (custom localRepository in settings.xml? set RR_M2_REPO)"
  fi
  if ! unzip -tqq "$path" >/dev/null 2>&1; then
    die "$path is not a valid zip; delete it and retry"
  fi
  echo "$path"
}

# Make a directory tree usable by the node user.
give_to_node_user() {
  if is_root; then
    chown -R "$(run_user):$(run_group)" "$@"
  fi
}

ensure_cache_dir() {
  mkdir -p "$CACHE_DIR" 2>/dev/null \
    || die "cannot create cache dir $CACHE_DIR (set RR_CACHE_DIR to a writable place)"
  CACHE_DIR=$(cd "$CACHE_DIR" && pwd -P)
  # The node user must be able to traverse to the distribution.
  chmod a+rx "$CACHE_DIR" 2>/dev/null || true
}

require_writable_cache() {
  [[ -w "$CACHE_DIR" ]] \
    || die "cache dir $CACHE_DIR is not writable by $(id -un); cannot unpack $1 there (run once as root, or set RR_CACHE_DIR to a writable place)"
}

# Unpack OpenSearch $1 once; print the distribution dir.
ensure_distribution() {
  local version=$1
  local dest=$CACHE_DIR/opensearch-$version
  local marker=$dest/.rerank-unpacked
  if [[ -f "$marker" ]]; then
    echo "$dest"
    return 0
  fi
  require_writable_cache "opensearch-$version"
  local zip
  zip=$(mvn_fetch org.opensearch.distribution.integ-test-zip opensearch "$version")
  if [[ -e "$dest" ]]; then
    msg "removing incomplete $dest"
    rm -rf "$dest"
  fi
  local tmp
  tmp=$(mktemp -d "$CACHE_DIR/.unpack-$version.XXXXXX")
  msg "unpacking $zip into $dest"
  if ! unzip -q "$zip" -d "$tmp"; then
    rm -rf "$tmp"
    die "unzip of $zip failed"
  fi
  if [[ ! -x "$tmp/opensearch-$version/bin/opensearch" ]]; then
    rm -rf "$tmp"
    die "$zip does not contain opensearch-$version/bin/opensearch"
  fi
  chmod -R a+rX "$tmp/opensearch-$version"
  give_to_node_user "$tmp/opensearch-$version"
  mv "$tmp/opensearch-$version" "$dest"
  rmdir "$tmp"
  date -u +%FT%TZ >"$marker"
  echo "$dest"
}

# Copy of distribution $2 (version $1) with the k-NN plugin; print its dir.
ensure_knn_distribution() {
  local version=$1 base=$2 jdk=$3
  local dest=$CACHE_DIR/opensearch-$version-knn
  local marker=$dest/.rerank-knn-installed
  if [[ -f "$marker" ]]; then
    echo "$dest"
    return 0
  fi
  require_writable_cache "opensearch-$version-knn"
  local zip
  zip=$(mvn_fetch org.opensearch.plugin opensearch-knn "$version.0")
  if [[ -e "$dest" ]]; then
    msg "removing incomplete $dest"
    rm -rf "$dest"
  fi
  local tmp
  tmp=$(mktemp -d "$CACHE_DIR/.knn-$version.XXXXXX")
  chmod a+rx "$tmp"
  msg "copying $base to $dest"
  cp -a "$base" "$tmp/dist"
  rm -f "$tmp/dist/.rerank-unpacked"
  cp "$zip" "$tmp/opensearch-knn.zip"
  chmod a+r "$tmp/opensearch-knn.zip"
  give_to_node_user "$tmp"
  msg "installing k-NN plugin $version.0 (as $(run_user))"
  local out
  if ! out=$(cd "$tmp" && as_node_user "$jdk" "$tmp/dist/config" \
      "$tmp/dist/bin/opensearch-plugin" install --batch "file://$tmp/opensearch-knn.zip" 2>&1); then
    printf '%s\n' "$out" >&2
    rm -rf "$tmp"
    die "opensearch-plugin install of $zip failed"
  fi
  mv "$tmp/dist" "$dest"
  rm -rf "$tmp"
  date -u +%FT%TZ >"$marker"
  echo "$dest"
}

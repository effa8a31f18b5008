#!/usr/bin/env bash
# Cold debug build: a crate depending on reqwest (json, http2, rustls), serde, serde_json and
# tokio, against the same crate plus dintero-client as a path dependency (default features).
#
#   benches/cold_build.sh [RUNS] [DINTERO_CLIENT_DIR ...]
#
# RUNS (default 5) rounds; each round builds the baseline and one crate per
# DINTERO_CLIENT_DIR (default: this repository), in an order that rotates every round, each
# in a fresh target directory, so that only downloaded sources are shared. Every crate uses
# this repository's Cargo.lock (the same dependency versions). Prints each build's wall
# time, then the median and range per crate and the median ratio to the baseline.
# TIMINGS=1 also passes --timings and keeps the reports (their paths are printed).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-5}
shift || true
clients=("$@")
[ ${#clients[@]} -eq 0 ] && clients=("$repo")

scratch=$(mktemp -d)
if [ -z "${TIMINGS:-}" ]; then
  trap 'rm -rf "$scratch"' EXIT
fi

# Writes a binary crate named $1 depending on the baseline set, plus dintero-client at $2
# if given.
make_crate() {
  local dir="$scratch/$1"
  mkdir -p "$dir/src"
  echo 'fn main() {}' >"$dir/src/main.rs"
  cat >"$dir/Cargo.toml" <<EOF
[package]
name = "$1"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
reqwest = { version = "0.13", default-features = false, features = ["json", "http2", "rustls"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
tokio = { version = "1", features = ["rt-multi-thread", "macros"] }
EOF
  if [ -n "${2:-}" ]; then
    echo "dintero-client = { path = \"$2\" }" >>"$dir/Cargo.toml"
  fi
  cp "$repo/Cargo.lock" "$dir/Cargo.lock"
  # Trim the lock file to this crate's dependencies once, outside the timed builds.
  (cd "$dir" && cargo metadata --offline --format-version 1 >/dev/null)
}

crates=(baseline)
make_crate baseline
for i in "${!clients[@]}"; do
  name="with-client-$((i + 1))"
  make_crate "$name" "$(cd "${clients[$i]}" && pwd)"
  crates+=("$name")
  echo "$name: dintero-client from ${clients[$i]}"
done

declare -A times
for round in $(seq 1 "$runs"); do
  n=${#crates[@]}
  for k in $(seq 0 $((n - 1))); do
    crate=${crates[$(((round + k) % n))]}
    target="$scratch/target-$crate-$round"
    flags=(--offline --locked)
    [ -n "${TIMINGS:-}" ] && flags+=(--timings)
    start=$(date +%s.%N)
    (cd "$scratch/$crate" && CARGO_TARGET_DIR="$target" cargo build "${flags[@]}" --quiet)
    end=$(date +%s.%N)
    secs=$(awk -v s="$start" -v e="$end" 'BEGIN {printf "%.2f", e - s}')
    times[$crate]="${times[$crate]:-} $secs"
    printf 'round %d %-15s %6.1f s (load %s)\n' "$round" "$crate" "$secs" "$(cut -d' ' -f1 /proc/loadavg)"
    if [ -n "${TIMINGS:-}" ]; then
      echo "  timings: $target/cargo-timings/cargo-timing.html"
    else
      rm -rf "$target"
    fi
  done
done

# Median and range of the numbers on stdin (one per line).
stats() { sort -g | awk '{a[NR] = $1} END {m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; print m, a[1], a[NR]}'; }

echo
read -r base_median _ _ < <(tr ' ' '\n' <<<"${times[baseline]}" | grep . | stats)
for crate in "${crates[@]}"; do
  read -r median low high < <(tr ' ' '\n' <<<"${times[$crate]}" | grep . | stats)
  printf '%-15s median %.1f s (%.1f-%.1f), %.2fx the baseline median\n' \
    "$crate" "$median" "$low" "$high" "$(awk -v m="$median" -v b="$base_median" 'BEGIN {print m / b}')"
done

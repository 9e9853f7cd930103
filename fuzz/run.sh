#!/usr/bin/env bash
# Builds every fuzz target with cargo-fuzz (libFuzzer + AddressSanitizer) and runs each for a
# budget of seconds (default 60), growing fuzz/corpus/TARGET/. A crash stops with the input in
# fuzz/artifacts/TARGET/; copy it to fuzz/regressions/TARGET/ once fixed, where `cargo test`
# replays it (crates/fuzz-targets/tests/corpus.rs).
#   bash fuzz/run.sh [SECONDS] [TARGET...]
# cargo-fuzz wants a nightly compiler for its sanitizer flags; RUSTC_BOOTSTRAP lets the stable
# 1.95 toolchain this project is pinned to take them.
set -euo pipefail
cd "$(dirname "$0")"
budget=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(scenario rule_option replay comments osm_pbf osm_geojson)
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked --version 0.13.2
export RUSTC_BOOTSTRAP=1
for t in "${targets[@]}"; do cargo fuzz build -O "$t" 2>&1 | tail -1; done
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  # Small inputs (64 KiB at most), 2 GiB of memory, 10 s per input: beyond any is a finding.
  cargo fuzz run -O "$t" "corpus/$t" -- -max_total_time="$budget" -max_len=65536 \
    -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 2>&1 |
    grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added|stat::peak_rss_mb)|ERROR|SUMMARY|panicked|Done' |
    sed "s/^/$t: /"
done

#!/usr/bin/env bash
# The README's pictures of the desktop viewer, made with its --screenshot command: the demo at
# 07:30 in Japanese, and two rule options of the fixture study side by side in English. Needs a
# display, or Xvfb with Mesa's software Vulkan (apt install xvfb mesa-vulkan-drivers).
set -euo pipefail
cd "$(dirname "$0")/.."
# The programs `cargo test --workspace` builds (a debug viewer draws the same pictures).
cargo test --workspace --locked --no-run
cargo run --locked --quiet -- run scenarios/demo.ron --out target/stills/demo --quiet
run=target/stills/demo
viewer() { xvfb-run -a -s "-screen 0 1600x900x24" ./target/debug/pilotzone-viewer "$@" --size 1600x900 --quality high; }
mkdir -p docs
viewer "$run" --at 07:30 --lang ja --screenshot docs/viewer-ja.png
study=tests/data/compare-study
viewer "$study/runs/base/1" --compare "$study/runs/zone-30/1" --at 07:08 --lang en \
  --screenshot docs/viewer-en-compare.png

#!/usr/bin/env bash
# Regenerates the shipped scenarios from their generators. The suite checks they are current.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --release --locked --quiet -- gen demo --out scenarios/demo.ron
cargo run --release --locked --quiet -- check scenarios/demo.ron

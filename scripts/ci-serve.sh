#!/usr/bin/env bash
# `pilotzone serve` in a real browser: hosts the fixture study (tests/data/compare-study) in a
# fresh data folder with SQLite, makes an official's account and two residents' invite links,
# starts the service on a free loopback port and drives it in Debian's Chromium with
# playwright-core (crates/web/browser-test/serve.browser.js). Stills go to target/serve-test/.
# PILOTZONE names the command line to use (default: the release build).
set -euo pipefail
cd "$(dirname "$0")/.."
pz=$(realpath "${PILOTZONE:-target/release/pilotzone}")
out=$(realpath -m target/serve-test)
rm -rf "$out"
mkdir -p "$out"
if ! command -v chromium >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
[ -d crates/web/browser-test/node_modules/playwright-core ] ||
  (cd crates/web/browser-test && npm ci --no-audit --no-fund --silent)

data="$out/data"
"$pz" serve study add tests/data/compare-study --id demo --data "$data"
echo 'a long enough password' | "$pz" serve account add --name Tanaka --role official --data "$data"
invite_a=$("$pz" serve invite --study demo --role resident --data "$data" --base-url http://placeholder)
invite_b=$("$pz" serve invite --study demo --role resident --data "$data" --base-url http://placeholder)

"$pz" serve --data "$data" --bind 127.0.0.1:0 > "$out/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  grep -q '^pilotzone serve: http://' "$out/serve.log" && break
  sleep 0.1
done
base=$(grep -o 'http://[0-9.:]*' "$out/serve.log" | head -1)
[ -n "$base" ] || { cat "$out/serve.log"; exit 1; }
echo "service at $base"

(cd crates/web/browser-test && PZ_SERVE="$base" PZ_SHOTS="$out" \
  PZ_INVITE_A="${invite_a/http:\/\/placeholder/$base}" PZ_INVITE_B="${invite_b/http:\/\/placeholder/$base}" \
  node --test serve.browser.js)

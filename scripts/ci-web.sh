#!/usr/bin/env bash
# The web player in a real browser: exports the CI run of the demo (or runs the demo when there
# is none), a comparison of two options with a study's paired intervals, a district on an
# OpenStreetMap map, and a hostile scenario whose names and comment hold markup and script; then
# drives them in Debian's Chromium with playwright-core (crates/web/browser-test). Prints the
# export sizes and times and the time until the page plays. PILOTZONE names the command line to
# use (default: the release build).
set -euo pipefail
cd "$(dirname "$0")/.."
pz=$(realpath "${PILOTZONE:-target/release/pilotzone}")
out=$(realpath -m target/web-test)
started=$(date +%s.%N)
seconds_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }'; }

if ! command -v chromium >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
(cd crates/web/browser-test && npm ci --no-audit --no-fund --silent)
rm -rf "$out"
mkdir -p "$out"

demo=$(realpath -m target/ci-run)
if [ ! -f "$demo/replay.pzr" ]; then
  demo="$out/demo"
  "$pz" run scenarios/demo.ron --quiet --out "$demo"
fi

# A study of two options over two seeds, an hour each (the school run starts at 07:30), for the comparison page.
printf 'SeedSet(name: "web", seeds: [1, 2])\n' > "$out/seeds.ron"
"$pz" batch scenarios/demo.ron --rules scenarios/rules/school-10.ron --seeds "$out/seeds.ron" \
  --duration-s 3600 --jobs 2 --quiet --out "$out/study" >/dev/null

# A scenario whose name, description and a rule's names are markup and script, with a comment
# that is too; the page must show all of it as text and run none of it.
mkdir -p "$out/hostile"
cp -r scenarios/rules "$out/hostile/"
sed -e 's|^  name: "demo",|  name: "<img src=x onerror=window.pwned=1> \\"q\\" '"'"'s'"'"'",|' \
  -e 's|^  description: .*|  description: "</script><script>window.pwned=2</script>",|' \
  -e 's|RuleName(en: "30 m between drones in cruise", ja: "[^"]*")|RuleName(en: "</script><img src=x onerror=window.pwned=3> \\"30 m\\" '"'"'apart'"'"'", ja: "</script><img src=x onerror=window.pwned=4>")|' \
  scenarios/demo.ron > "$out/hostile/hostile.ron"
grep -q 'window.pwned=3' "$out/hostile/hostile.ron"
"$pz" run "$out/hostile/hostile.ron" --duration-s 900 --quiet --out "$out/hostile/run"
node crates/web/browser-test/hostile-comments.js "$out/hostile/run"

# The demo sampled every 1.5 s, so that whole seconds fall between samples and the reader's
# interpolation is what the page must match.
mkdir -p "$out/sparse"
cp -r scenarios/rules "$out/sparse/"
sed -e 's|record_ms: 500,|record_ms: 1500,|' scenarios/demo.ron > "$out/sparse/demo.ron"
grep -q 'record_ms: 1500,' "$out/sparse/demo.ron"
"$pz" run "$out/sparse/demo.ron" --duration-s 1200 --quiet --out "$out/sparse/run"

# A district on an imported OpenStreetMap map: the page must credit the map data.
"$pz" run scenarios/kotka-district.ron --duration-s 600 --quiet --out "$out/osm"

export_html() {
  local name=$1
  shift
  local t0
  t0=$(date +%s.%N)
  "$pz" export html "$@" --out "$out/$name.html" >/dev/null
  printf 'export %-8s %9d bytes in %s s\n' "$name" "$(stat -c %s "$out/$name.html")" "$(seconds_since "$t0")"
}
export_html demo "$demo"
export_html demo-en "$demo" --lang en
export_html compare "$out/study/runs/base/1" --compare "$out/study/runs/school-10/1" --study "$out/study"
export_html hostile "$out/hostile/run" --lang en
export_html osm "$out/osm" --lang en
export_html sparse "$out/sparse/run"

t0=$(date +%s.%N)
(cd crates/web/browser-test && PILOTZONE="$pz" PZ_OUT="$out" PZ_DEMO_RUN="$demo" node --test)
echo "browser test took $(seconds_since "$t0") s; the web player's checks took $(seconds_since "$started") s"

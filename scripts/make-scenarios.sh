#!/usr/bin/env bash
# Regenerates the shipped scenarios, their rule options and the imported map from their
# generators and the vendored OpenStreetMap extract. The suite checks they are current.
set -euo pipefail
cd "$(dirname "$0")/.."
pz() { cargo run --release --locked --quiet -- "$@"; }
pz gen demo --out scenarios/demo.ron
pz gen pilots --dir scenarios
# Kotka, Finland (tests/data/kotka.osm.pbf, © OpenStreetMap contributors, ODbL 1.0); Finland
# keeps right.
pz import osm tests/data/kotka.osm.pbf --traffic-side right --out scenarios/maps/kotka.ron >/dev/null
pz gen district --map scenarios/maps/kotka.ron --name kotka-district --out scenarios/kotka-district.ron
pz check scenarios/*.ron scenarios/maps/*.ron

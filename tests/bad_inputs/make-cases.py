#!/usr/bin/env python3
"""Writes the broken inputs of this folder from the valid base town (base/town.ron, base/map.ron).

Each case is one file and one line of cases.tsv: the file, how it is read (`check FILE`, or
`rules FILE`: the base town run with FILE as its rule option) and a fragment the error message
must hold. tests/suite/bad_inputs.rs runs every case: exit code 2, the fragment, the file named
with a line and column, no panic, no hang and no raw control character on the terminal.

Run it from anywhere after changing the base or adding a case; it rewrites every case file.
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
TOWN = open(os.path.join(HERE, "base", "town.ron"), encoding="utf-8").read()
MAP = open(os.path.join(HERE, "base", "map.ron"), encoding="utf-8").read()
OPTION = """RuleOverlay(
  format_version: 2,
  name: "slow-centre",
  description: "30 km/h everywhere",
  rules: [
    Rule(
      id: "everywhere-30",
      name: (en: "30 km/h everywhere", ja: "全域 30 km/h"),
      kind: SpeedLimit(kmh: 30.0),
    ),
  ],
)
"""

cases = []


def edit(base, old, new):
    assert base.count(old) == 1, f"{old!r} must occur once"
    return base.replace(old, new, 1)


def case(name, how, fragment, text):
    data = text.encode("utf-8") if isinstance(text, str) else text
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)
    cases.append((name, how, fragment))


def scenario(name, fragment, old, new):
    case(f"scenario-{name}.ron", "check", fragment, edit(TOWN, old, new))


def map_case(name, fragment, old, new):
    case(f"map-{name}.ron", "check", fragment, edit(MAP, old, new))


def option(name, fragment, old, new):
    case(f"rules-{name}.ron", "rules", fragment, edit(OPTION, old, new))


# Syntax.
case("scenario-truncated.ron", "check", "Unexpected end of RON", TOWN[: len(TOWN) // 2])
scenario("double-comma", "Expected identifier", "duration_s: 600,", "duration_s: 600,,")
scenario("unclosed-string", "Expected comma", 'name: "grid-4x4",', 'name: "grid-4x4,')
case("scenario-empty.ron", "check", "Expected opening `(` for struct `Scenario`", "")
case("scenario-only-comment.ron", "check", "Expected opening `(` for struct `Scenario`", "// nothing but a comment\n")
case("scenario-binary-garbage.ron", "check", "not UTF-8 text: byte 128 (0x80)", bytes(range(256)) * 4)
case("scenario-nul-bytes.ron", "check", "control character U+0000 in the file", TOWN.replace("grid-4x4", "grid\0\0", 1))
# An unknown field is skipped by the version probe: a parser without a depth limit overflows its stack.
case("scenario-deep-nesting.ron", "check", "Unexpected field named `extra`", "Scenario(format_version: 2, extra: " + "[" * 50_000 + "]" * 50_000 + ")\n")
# Types and fields.
scenario("duration-as-text", "Expected integer", "duration_s: 600,", 'duration_s: "ten minutes",')
scenario("count-as-float", "Expected comma", 'name: "taxi-0", count: 1,', 'name: "taxi-0", count: 1.5,')
scenario("unknown-field", "did you mean \"tick_ms\"?", "tick_ms: 100,", "tick_ms: 100, tick_mss: 100,")
scenario("misspelt-field", "did you mean \"record_ms\"", "record_ms: 500,", "recrd_ms: 500,")
scenario("missing-field", "missing field named `seed`", "    seed: 42,\n", "")
scenario("wrong-enum-variant", "did you mean \"Depot\"?", "kind: Depot, node: 5,", "kind: Depots, node: 5,")
scenario("format-version", "format_version 99 is newer than this build supports (2)", "format_version: 2,", "format_version: 99,")
# References.
scenario("dangling-edge", "unknown node 999", "Edge(from: 0, to: 1,", "Edge(from: 0, to: 999,")
scenario("dangling-depot", "unknown place \"depot-9\"", 'depot: "depot-0"', 'depot: "depot-9"')
scenario("dangling-vertiport", "unknown place \"vertiport-7\" — did you mean \"vertiport-0\"?", 'base: "vertiport-0"', 'base: "vertiport-7"')
scenario("dangling-parcel-origin", "unknown place \"nowhere\"", 'from: "vertiport-0"', 'from: "nowhere"')
scenario("duplicate-place", "place \"home-1\" is defined twice", 'Place(name: "home-2",', 'Place(name: "home-1",')
scenario("duplicate-rule", "rule id \"separation\" is used twice", "  rules: [\n", "  rules: [\n" + """    Rule(
      id: "separation",
      name: RuleName(en: "again", ja: "再び"),
      kind: Separation(between: (Drone, Drone), horizontal_m: 30.0, vertical_m: 10.0),
    ),
""")
scenario("unknown-zone", "rules[0].kind.zone: unknown zone \"phantom-zone\"", "  rules: [\n", "  rules: [\n" + """    Rule(
      id: "phantom",
      name: RuleName(en: "a zone that is not there", ja: "無い区域"),
      kind: SpeedLimit(zone: "phantom-zone", kmh: 20.0),
    ),
""")
# Numbers.
scenario("negative-duration", "Integer is out of bounds", "duration_s: 600,", "duration_s: -600,")
scenario("zero-duration", "run.duration_s: duration must be above zero", "duration_s: 600,", "duration_s: 0,")
scenario("zero-tick", "tick must be between 1 and 1000 ms, found 0", "tick_ms: 100,", "tick_ms: 0,")
scenario("negative-speed", "max_speed_kmh: must be above zero, found -40", "max_speed_kmh: 40.0, battery_kwh: 40.0, kwh_per_km: 0.15, charge_kw: 50.0, recharge_below: 0.3),\n      TaxiFleet(name: \"taxi-1\"", "max_speed_kmh: -40.0, battery_kwh: 40.0, kwh_per_km: 0.15, charge_kw: 50.0, recharge_below: 0.3),\n      TaxiFleet(name: \"taxi-1\"")
scenario("nan-battery", "battery_kwh: must be above zero, found NaN", 'name: "taxi-0", count: 1, depot: "depot-0", seats: 4, max_speed_kmh: 40.0, battery_kwh: 40.0', 'name: "taxi-0", count: 1, depot: "depot-0", seats: 4, max_speed_kmh: 40.0, battery_kwh: NaN')
scenario("infinite-cruise", "cruise_speed_mps: must be above zero, found inf", 'base: "vertiport-0", cruise_speed_mps: 12.0', 'base: "vertiport-0", cruise_speed_mps: inf')
scenario("nan-coordinate", "map.nodes[1]: coordinates must be finite numbers", "Node(id: 1, x: 200.0,", "Node(id: 1, x: NaN,")
scenario("huge-coordinate", "is more than 1000 km from the map's origin", "Node(id: 1, x: 200.0,", "Node(id: 1, x: 1e300,")
scenario("huge-fleet", "4000000003 taxis and drones; this engine takes at most 200000", 'name: "taxi-0", count: 1,', 'name: "taxi-0", count: 4000000000,')
scenario("huge-duration", "Integer is out of bounds", "duration_s: 600,", "duration_s: 100000000000,")
scenario("huge-demand", "an hour is beyond the 1000000 this engine takes", "per_hour: 24.0", "per_hour: 1e12")
scenario("negative-wait", "Integer is out of bounds", "max_wait_s: 900),\n    ],\n    parcels", "max_wait_s: -900),\n    ],\n    parcels")
scenario("bad-clock", "time of day \"25:61\" is out of range", 'start: "07:00",', 'start: "25:61",')
# Empty fleets, unreachable places, overlapping vertiports, stands in the street.
scenario("zero-taxis", "fleets.taxis[0].count: must be above zero, found 0", 'name: "taxi-0", count: 1,', 'name: "taxi-0", count: 0,')
scenario("rides-without-taxis", "ride demand needs at least one taxi fleet", TOWN[TOWN.index("    taxis: [\n"):TOWN.index("    drones: [\n")], "    taxis: [],\n")
island = edit(TOWN, "    nodes: [\n", "    nodes: [\n      Node(id: 16, x: 900.0, y: 900.0),\n")
case("scenario-unreachable-place.ron", "check", "reach", edit(island, "Place(name: \"home-6\", kind: Home, node: 15, at: Some((625.0, 635.0)))", "Place(name: \"home-6\", kind: Home, node: 16, at: None)"))
scenario("overlapping-vertiports", "vertiport \"vertiport-1\" is 2.2 m from vertiport \"vertiport-0\"", 'Place(name: "vertiport-1", kind: Vertiport, node: 10, at: Some((430.0, 430.0)))', 'Place(name: "vertiport-1", kind: Vertiport, node: 5, at: Some((232.0, 231.0)))')
scenario("stand-on-street", "stand 1 at (196.8, 260.0) is 3.2 m from the centre of the road from node 5 to node 9", 'Place(name: "vertiport-0", kind: Vertiport, node: 5, at: Some((230.0, 230.0)))', 'Place(name: "vertiport-0", kind: Vertiport, node: 5, at: Some((190.0, 260.0)))')
scenario("no-pads", "fleets.drones[0].pads: take-off pads are 1 to 1 (the fleet's drones), found 0", 'base: "vertiport-0", cruise_speed_mps: 12.0,', 'base: "vertiport-0", pads: 0, cruise_speed_mps: 12.0,')
scenario("nan-launch-interval", "launch_interval_s is 1 to 3,600 s between departures from one pad, found NaN", 'base: "vertiport-0", cruise_speed_mps: 12.0,', 'base: "vertiport-0", launch_interval_s: NaN, cruise_speed_mps: 12.0,')
# Files named by a scenario: outside its folder, absolute, missing, itself.
scenario("map-outside", "outside the scenario's folder", "  map: ZoneMap(", "  map: ZoneMap(\n    file: Some(\"../bad_inputs/base/map.ron\"),")
scenario("map-absolute", "outside the scenario's folder", "  map: ZoneMap(", "  map: ZoneMap(\n    file: Some(\"/etc/passwd\"),")
scenario("map-missing", "cannot read map file", "  map: ZoneMap(", "  map: ZoneMap(\n    file: Some(\"base/no-such-map.ron\"),")
scenario("include-outside", "outside the scenario's folder", "  include: [],", '  include: ["../../scenarios/rules/japan-baseline.ron"],')
scenario("include-absolute", "outside the scenario's folder", "  include: [],", '  include: ["/etc/hostname"],')
scenario("include-itself", "is this scenario itself", "  include: [],", '  include: ["scenario-include-itself.ron"],')
scenario("include-missing", "include[0]: cannot read rule file \"no-such-rules.ron\"", "  include: [],", '  include: ["no-such-rules.ron"],')
# Enormous and hostile text.
scenario("enormous-name", "a text of 5000 characters; at most 4000 are read", 'name: "grid-4x4",', 'name: "' + "町" * 5_000 + '",')
scenario("enormous-description", "a text of 10040 characters", 'description: "4 × 4 grid', 'description: "' + "x" * 10_000 + ' grid')
scenario("escape-in-name", "control character U+001B written as an escape", 'name: "grid-4x4",', 'name: "grid\\u{1b}[31m\\u{1b}[2J",')
scenario("escape-in-place", "control character U+001B written as an escape", 'Place(name: "station",', 'Place(name: "station\\u{1b}]0;owned\\u{7}",')
# Map files.
map_case("unknown-field", "did you mean \"crossings\"?", "    crossings: [],", "    crosings: [],")
map_case("dangling-edge", "edges[0].to: unknown node 77", "Edge(from: 0, to: 1,", "Edge(from: 0, to: 77,")
map_case("nan-coordinate", "nodes[1]: coordinates must be finite numbers", "Node(id: 1, x: 200.0,", "Node(id: 1, x: NaN,")
map_case("truncated", "Unexpected end of RON", MAP[MAP.index("    edges: ["):], "")
case("map-garbage.ron", "check", "Unexpected field named", "ZoneMap(" + "\u00ff\u4e00" * 1000 + "\n")
# Rule options.
option("syntax", "Expected identifier", "kmh: 30.0),", "kmh: 30.0),,")
option("unknown-field", "did you mean \"kind\"?", "kind: SpeedLimit(kmh: 30.0),", "knd: SpeedLimit(kmh: 30.0),")
option("negative-kmh", "rules[0].kind.kmh: must be above zero, found -30", "kmh: 30.0", "kmh: -30.0")
option("nan-kmh", "rules[0].kind.kmh: must be above zero, found NaN", "kmh: 30.0", "kmh: NaN")
option("unknown-zone", "rules[0].kind.zone: unknown zone \"no-zone\"", "SpeedLimit(kmh: 30.0)", 'SpeedLimit(zone: "no-zone", kmh: 30.0)')
option("remove-unknown", "remove[0]: the scenario has no rule \"no-such-rule\"", "  rules: [", '  remove: ["no-such-rule"],\n  rules: [')
option("bad-hours", "time of day \"31:00\" is out of range", '      kind: SpeedLimit', '      hours: (from: "07:30", to: "31:00"),\n      kind: SpeedLimit')
option("wrong-type", "Expected float", "kmh: 30.0", 'kmh: "thirty"')
case("rules-empty.ron", "rules", "Expected opening `(` for struct `RuleOverlay`", "")
case("rules-a-scenario.ron", "rules", "Expected struct `RuleOverlay` but found `Scenario`", TOWN)

with open(os.path.join(HERE, "cases.tsv"), "w", encoding="utf-8") as f:
    f.write("# file\thow\tfragment of the message (written by make-cases.py)\n")
    for name, how, fragment in cases:
        f.write(f"{name}\t{how}\t{fragment}\n")
print(f"{len(cases)} cases")

//! The shipped pilot-zone scenarios and the OpenStreetMap import, as a user runs them.

use std::path::Path;

use crate::{pilotzone, root};

/// Every shipped scenario with its rule option B.
const SHIPPED: &[(&str, &str)] = &[
    ("rural-shuttle", "rules/rural-shuttle-shuttle-20.ron"),
    ("ageing-town", "rules/ageing-town-school-street-closed.ron"),
    ("island-drones", "rules/island-drones-sacred-hill.ron"),
    ("kotka-district", "rules/zone-30.ron"),
];

fn utf8(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn read(p: impl AsRef<Path>) -> String {
    std::fs::read_to_string(p.as_ref()).unwrap_or_else(|e| panic!("{}: {e}", p.as_ref().display()))
}

#[test]
fn shipped_scenarios_options_and_the_imported_map_are_current() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let ok = |o: std::process::Output| assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    ok(pilotzone(&["gen", "pilots", "--dir", utf8(dir)]));
    let map = dir.join("maps/kotka.ron");
    let pbf = root().join("tests/data/kotka.osm.pbf");
    ok(pilotzone(&["import", "osm", utf8(&pbf), "--traffic-side", "right", "--out", utf8(&map)]));
    let district = dir.join("kotka-district.ron");
    ok(pilotzone(&["gen", "district", "--map", utf8(&map), "--name", "kotka-district", "--out", utf8(&district)]));
    let mut files: Vec<String> = SHIPPED.iter().flat_map(|&(s, o)| [format!("{s}.ron"), o.to_owned()]).collect();
    files.push("maps/kotka.ron".into());
    for file in files {
        assert_eq!(
            read(dir.join(&file)),
            read(root().join("scenarios").join(&file)),
            "scenarios/{file} is stale: run scripts/make-scenarios.sh"
        );
    }
}

/// Replay hashes of every shipped run, one line each: `scenario variant seed hash`.
const GOLDEN_HASHES: &str = "tests/golden/shipped-replay-hashes.txt";

/// Compares the replay hashes of the shipped runs with the golden file, or rewrites the file
/// when `PILOTZONE_BLESS=1` (after a deliberate change of behaviour, named in its commit).
fn check_golden_hashes(lines: &[String]) {
    let path = root().join(GOLDEN_HASHES);
    let now = lines.join("\n") + "\n";
    if std::env::var_os("PILOTZONE_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &now).expect("write the golden hashes");
        return;
    }
    let golden = read(&path);
    let changed: Vec<String> =
        golden.lines().zip(now.lines()).filter(|(a, b)| a != b).map(|(a, b)| format!("  was {a}\n  now {b}")).collect();
    assert!(
        changed.is_empty() && golden.lines().count() == now.lines().count(),
        "shipped replays changed ({} of {} runs); if the change of behaviour is intended, rerun with \
         PILOTZONE_BLESS=1 and say why in the commit:\n{}",
        changed.len(),
        golden.lines().count(),
        changed.join("\n")
    );
}

/// Each shipped scenario, base and option B, over `seeds/ci.ron`: its fleets serve (rides,
/// parcels, as it has them) in every run, and no vehicle or drone touches another: a map defect
/// (a junction drawn on top of another road, a stop inside a junction) shows as such a contact.
/// A careless person stepping out in front of a car may be hit; that is the model, not the map.
/// Every run's replay hash equals the golden one: refactoring never changes behaviour unnoticed.
#[test]
fn every_shipped_scenario_runs_clean_across_the_ci_seeds() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut hashes = Vec::new();
    let seeds = root().join("seeds/ci.ron");
    let seed_count = pilotzone_scenario::seeds::load(&seeds).expect("the CI seed set loads").seeds.len();
    for &(name, option) in SHIPPED {
        let scenario = root().join(format!("scenarios/{name}.ron"));
        let loaded = pilotzone_scenario::load(&scenario).unwrap_or_else(|e| panic!("{e}"));
        let fleets = &loaded.scenario.fleets;
        let out = tmp.path().join(name);
        let o = pilotzone(&[
            "batch",
            utf8(&scenario),
            "--rules",
            utf8(&root().join("scenarios").join(option)),
            "--seeds",
            utf8(&seeds),
            "--out",
            utf8(&out),
            "--quiet",
        ]);
        assert!(
            o.status.success(),
            "{name}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        let (header, rows) = crate::read_csv(&out.join("study.csv"));
        let column = |key: &str| header.iter().position(|h| *h == key).unwrap_or_else(|| panic!("no {key}"));
        assert_eq!(rows.len(), 2 * seed_count, "{name}: base and option B for every seed");
        for row in &rows {
            let value = |key: &str| row[column(key)].parse::<f64>().unwrap_or_else(|e| panic!("{key}: {e}"));
            let run = format!("{name} {} seed {}", row[column("variant")], row[column("seed")]);
            hashes.push(format!(
                "{name} {} {} {}",
                row[column("variant")],
                row[column("seed")],
                row[column("replay_hash")]
            ));
            if !fleets.taxis.is_empty() {
                assert!(value("taxi.served") > 0.0, "{run}: no ride served");
            }
            if !fleets.drones.is_empty() {
                assert!(value("drone.delivered") > 0.0, "{run}: no parcel delivered");
            }
            let dir = out.join("runs").join(&row[column("variant")]).join(&row[column("seed")]);
            let bytes = std::fs::read(dir.join("replay.pzr")).expect("the run's replay");
            let replay = pilotzone_replay::Replay::read(&bytes).expect("a readable replay");
            let kind = |id: u32| replay.header().entities.iter().find(|e| e.id == id).map(|e| e.kind);
            let person = Some(pilotzone_replay::EntityKind::Person);
            for e in replay.events().iter().filter(|e| e.kind == pilotzone_replay::EventKind::Collision) {
                let other = e.incident.as_ref().and_then(|i| i.other).expect("a collision names both");
                assert!(
                    kind(e.entity) == person || kind(other) == person,
                    "{run}: {} and {other} touched at {:?} cm, {} ms",
                    e.entity,
                    e.at_cm,
                    e.t_ms
                );
            }
        }
    }
    // The demo town too, for its first half hour (the README's main job runs all of it).
    let demo = tmp.path().join("demo");
    crate::run_demo(&demo, 1800);
    let kpis: serde_json::Value = serde_json::from_str(&read(demo.join("kpis.json"))).expect("kpis.json");
    hashes.push(format!("demo base 42 {}", kpis["replay_hash"].as_str().expect("a replay hash")));
    check_golden_hashes(&hashes);
}

#[test]
fn a_run_on_the_imported_map_replays_identically_without_the_map_file() {
    let tmp = tempfile::tempdir().expect("temp dir");
    // The scenario and its map, copied away: the replay must not need either.
    std::fs::create_dir_all(tmp.path().join("s/maps")).expect("dirs");
    let scenario = tmp.path().join("s/kotka-district.ron");
    std::fs::copy(root().join("scenarios/kotka-district.ron"), &scenario).expect("copy");
    std::fs::copy(root().join("scenarios/maps/kotka.ron"), tmp.path().join("s/maps/kotka.ron")).expect("copy");
    let out = tmp.path().join("run");
    let o = pilotzone(&["run", utf8(&scenario), "--duration-s", "900", "--quiet", "--out", utf8(&out)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::remove_dir_all(tmp.path().join("s")).expect("remove the scenario");
    let o = pilotzone(&["verify", utf8(&out.join("replay.pzr"))]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success() && stdout.contains("identical"), "{stdout}{}", String::from_utf8_lossy(&o.stderr));
    let o = pilotzone(&["replay", "info", utf8(&out.join("replay.pzr"))]);
    let info = String::from_utf8_lossy(&o.stdout);
    assert!(info.contains("© OpenStreetMap contributors"), "the replay carries the map's attribution: {info}");
}

#[test]
fn import_checks_and_reports_what_it_kept() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let map = tmp.path().join("maps/kotka.ron");
    let pbf = root().join("tests/data/kotka.osm.pbf");
    let o = pilotzone(&["import", "osm", utf8(&pbf), "--out", utf8(&map)]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for expected in ["roads:", "junctions", "dropped", "parts not reachable both ways", "places:", "buildings:"] {
        assert!(stdout.contains(expected), "the report says {expected:?}: {stdout}");
    }
    let o = pilotzone(&["check", utf8(&map)]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success() && stdout.contains("ok — map") && stdout.contains("reachable"), "{stdout}");
    // Only the centre of the extract: fewer roads, still a checked map.
    let centre = tmp.path().join("centre.ron");
    let o = pilotzone(&["import", "osm", utf8(&pbf), "--bbox", "26.940,60.525,26.960,60.535", "--out", utf8(&centre)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(read(&centre).len() < read(&map).len() / 2);
    assert!(pilotzone(&["check", utf8(&centre)]).status.success());
}

#[test]
fn import_refuses_bad_input_with_a_reason_and_exit_code_2() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("m.ron");
    let pbf = root().join("tests/data/kotka.osm.pbf");
    let cases: &[(&[&str], &str)] = &[
        (&["import", "osm", "/nonexistent/town.osm.pbf", "--out", utf8(&out)], "/nonexistent/town.osm.pbf"),
        (&["import", "osm", utf8(&pbf), "--bbox", "26.9,60.5,27.0", "--out", utf8(&out)], "left,bottom,right,top"),
        (&["import", "osm", utf8(&pbf), "--bbox", "10,10,11,11", "--out", utf8(&out)], "no car roads"),
        (&["import", "osm", utf8(&pbf), "--traffic-side", "middle", "--out", utf8(&out)], "left or right"),
        (&["import", "osm", utf8(&pbf), "--simplify-m=-1", "--out", utf8(&out)], "--simplify-m"),
    ];
    for (args, reason) in cases {
        let o = pilotzone(args);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(reason), "{args:?} says {reason:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(!out.exists(), "nothing written for {args:?}");
    }
}

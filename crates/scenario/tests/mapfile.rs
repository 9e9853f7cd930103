//! Scenarios that build on a map file: merging, overrides, and errors located in the file the
//! user wrote them in.

use std::path::{Path, PathBuf};

use pilotzone_scenario::{LoadError, PlaceKind, TrafficSide, ZoneMap, generate, load, mapfile, parse, pilots};

/// A folder with `maps/town.ron` (the ageing town's map without its depot, keeping right) and
/// `town.ron`, the ageing town building on it and adding the depot; `edit` changes the
/// scenario text before it is written.
fn folder(edit: impl FnOnce(String) -> String) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut scenario = pilots::ageing_town();
    let mut base = scenario.map.clone();
    base.traffic_side = TrafficSide::Right;
    let depot = base.places.iter().position(|p| p.kind == PlaceKind::Depot).expect("a depot");
    let depot = base.places.remove(depot);
    std::fs::create_dir_all(dir.path().join("maps")).expect("maps dir");
    std::fs::write(dir.path().join("maps/town.ron"), mapfile::to_ron(&base, "test map")).expect("write map");
    scenario.map = ZoneMap { file: Some("maps/town.ron".into()), places: vec![depot], ..ZoneMap::default() };
    // The included baseline sits beside the scenario, as in scenarios/.
    std::fs::create_dir_all(dir.path().join("rules")).expect("rules dir");
    let baseline = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/rules/japan-baseline.ron");
    std::fs::copy(baseline, dir.path().join("rules/japan-baseline.ron")).expect("copy baseline");
    let path = dir.path().join("town.ron");
    std::fs::write(&path, edit(generate::to_ron(&scenario, "test"))).expect("write scenario");
    (dir, path)
}

fn problems(path: &Path) -> String {
    match load(path) {
        Ok(_) => panic!("{} loads", path.display()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn the_map_file_is_merged_and_the_result_stands_alone() {
    let (_dir, path) = folder(|t| t);
    let loaded = load(&path).unwrap_or_else(|e| panic!("{e}"));
    let map = &loaded.scenario.map;
    let whole = pilots::ageing_town().map;
    assert_eq!(map.file, None);
    assert_eq!(
        (map.nodes.len(), map.edges.len(), map.places.len()),
        (whole.nodes.len(), whole.edges.len(), whole.places.len())
    );
    assert_eq!(map.places.last().map(|p| p.name.as_str()), Some("Taxi depot"), "additions come after the file's");
    assert_eq!(map.traffic_side, TrafficSide::Right, "the file's side holds when the scenario sets none");
    // The text a replay embeds needs neither file.
    let again = parse(&loaded.text, "embedded").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again.scenario, loaded.scenario);
    assert!(!loaded.text.contains("maps/town.ron\")") && loaded.text.contains("the map of maps/town.ron"));
}

#[test]
fn settings_the_scenario_writes_replace_the_files() {
    let (_dir, path) = folder(|t| {
        t.replacen("file: Some(\"maps/town.ron\"),", "file: Some(\"maps/town.ron\"),\n    traffic_side: Left,", 1)
    });
    assert_eq!(load(&path).unwrap_or_else(|e| panic!("{e}")).scenario.map.traffic_side, TrafficSide::Left);
    let (_dir, path) = folder(|t| {
        t.replacen(
            "file: Some(\"maps/town.ron\"),",
            "file: Some(\"maps/town.ron\"),\n    airspace: (band_ceiling_m: 90.0),",
            1,
        )
    });
    let air = load(&path).unwrap_or_else(|e| panic!("{e}")).scenario.map.airspace;
    assert_eq!((air.band_floor_m, air.band_ceiling_m), (30.0, 90.0), "only the ceiling is replaced");
}

#[test]
fn a_problem_in_an_addition_is_located_in_the_scenario() {
    let (_dir, path) = folder(|t| t.replacen("node: 19,", "node: 9999,", 1));
    let text = std::fs::read_to_string(&path).expect("read");
    let line = text.lines().position(|l| l.contains("node: 9999")).expect("edited") + 1;
    let err = load(&path).expect_err("unknown node");
    let d = err.diagnostics().expect("located");
    assert_eq!(d.file, path.display().to_string());
    assert_eq!(d.items.len(), 1, "{err}");
    assert_eq!(d.items[0].path, "map.places[0].node");
    assert_eq!(d.items[0].at.map(|a| a.line), Some(line), "{err}");
}

#[test]
fn a_broken_map_file_is_named_and_located() {
    let (dir, path) = folder(|t| t);
    let map = dir.path().join("maps/town.ron");
    let text =
        std::fs::read_to_string(&map).expect("read").replacen("Edge(from: 0, to: 1,", "Edge(from: 0, to: 777,", 1);
    std::fs::write(&map, &text).expect("write");
    let err = problems(&path);
    let line = text.lines().position(|l| l.contains("to: 777")).expect("edited") + 1;
    assert!(err.starts_with(&format!("{}:{line}:", map.display())), "{err}");
    assert!(err.contains("edges[0].to: unknown node 777"), "{err}");
    assert!(matches!(load(&path), Err(LoadError::Invalid(_))));
}

#[test]
fn the_map_file_must_be_inside_the_scenarios_folder_and_exist() {
    let (_dir, path) = folder(|t| t.replace("\"maps/town.ron\"", "\"../town.ron\""));
    let err = problems(&path);
    assert!(err.contains("map.file: \"../town.ron\" is outside the scenario's folder"), "{err}");
    let (_dir, path) = folder(|t| t.replace("\"maps/town.ron\"", "\"maps/nowhere.ron\""));
    let err = problems(&path);
    assert!(err.contains("cannot read map file \"maps/nowhere.ron\"") && err.contains("pilotzone import osm"), "{err}");
}

#[test]
fn a_map_file_is_not_a_scenario_and_a_scenario_text_cannot_name_one() {
    let (dir, path) = folder(|t| t);
    let err = problems(&dir.path().join("maps/town.ron"));
    assert!(err.contains("this is a map file") && err.contains("pilotzone check"), "{err}");
    // Text without a folder (a replay's) cannot read a map file.
    let text = std::fs::read_to_string(&path).expect("read");
    let err = parse(&text, "inline").expect_err("no folder").to_string();
    assert!(err.contains("map.file: a map file is only read when loading from a file"), "{err}");
}

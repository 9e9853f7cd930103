//! Importing OpenStreetMap and loading the result, on the largest extract the project can reach:
//! how long `pilotzone import osm` takes, and how long a scenario built on the map takes to be
//! ready to simulate (the map file read and checked, the scenario merged, the town and its
//! routing prepared).
//!
//! ```text
//! scripts/fetch-maps.sh
//! cargo bench --bench import -- --map target/bench-data/isle-of-man.osm.pbf
//! ```
//!
//! Each row is the median of 5 repetitions. Without `--bench` (as under `cargo test --benches`)
//! it runs once on the small vendored extract. The last line reads
//! `import: import_s=X load_s=Y ready_s=Z map_kb=K`.

#![expect(clippy::print_stdout, clippy::print_stderr, reason = "a benchmark binary prints its table")]

mod common;
use common::median;

use std::path::{Path, PathBuf};
use std::time::Duration;

use pilotzone_osm::{ImportOptions, import_pbf};
use pilotzone_scenario::{generate, mapfile, pilots};

fn fail(message: String) -> ! {
    eprintln!("import bench: {message}");
    std::process::exit(2)
}

fn main() {
    let mut map = None;
    let mut bench = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--bench" => bench = true,
            "--map" => map = Some(PathBuf::from(args.next().unwrap_or_else(|| fail("--map needs an .osm.pbf".into())))),
            "--test" | "--nocapture" | "--quiet" | "-q" => {}
            other if other.starts_with("--") => fail(format!("unknown flag {other}; use --map FILE.osm.pbf")),
            _ => {}
        }
    }
    let pbf = map.unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/kotka.osm.pbf"));
    let reps = if bench { 5 } else { 1 };
    let options = ImportOptions::default();

    let (imported, import_time) = median(reps, || {
        import_pbf(&pbf, &options).unwrap_or_else(|e| fail(format!("{e}\n  fetch the maps with scripts/fetch-maps.sh")))
    });
    let (text, write_time) = median(reps, || mapfile::to_ron(&imported.map, "bench"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| fail(format!("temp dir: {e}")));
    std::fs::create_dir_all(dir.path().join("maps")).unwrap_or_else(|e| fail(format!("maps dir: {e}")));
    let map_path = dir.path().join("maps/town.ron");
    std::fs::write(&map_path, &text).unwrap_or_else(|e| fail(format!("write map: {e}")));
    let scenario = pilots::district("bench", "maps/town.ron", &imported.map);
    let scenario_path = dir.path().join("bench.ron");
    std::fs::write(&scenario_path, generate::to_ron(&scenario, "bench"))
        .unwrap_or_else(|e| fail(format!("write scenario: {e}")));

    let (_, check_time) = median(reps, || mapfile::load_map(&map_path).unwrap_or_else(|e| fail(e.to_string())));
    let (loaded, load_time) =
        median(reps, || pilotzone_scenario::load(&scenario_path).unwrap_or_else(|e| fail(e.to_string())));
    let (_, town_time) =
        median(reps, || pilotzone_sim::town::TownMap::new(std::sync::Arc::new(loaded.scenario.clone())));

    let m = &imported.map;
    println!(
        "{}: {} road nodes, {} roads ({:.0} km), {} places, {} zones, {} crossings, {} buildings; map file {} KB",
        pbf.display(),
        m.nodes.len(),
        m.edges.len(),
        imported.report.road_km,
        m.places.len(),
        m.zones.len(),
        m.crossings.len(),
        m.buildings.len(),
        text.len() / 1024
    );
    let ms = |d: Duration| format!("{:>9.1} ms", d.as_secs_f64() * 1000.0);
    println!("| step | median of {reps} |\n|---|---|");
    println!("| import: read the extract, build the map | {} |", ms(import_time));
    println!("| write the map file (RON) | {} |", ms(write_time));
    println!("| load the map file and check it (references, every place reachable) | {} |", ms(check_time));
    println!("| load a scenario built on it (map merged in, scenario checked) | {} |", ms(load_time));
    println!("| prepare the town (road graph, routing hierarchy, zones) | {} |", ms(town_time));
    let ready = load_time + town_time;
    println!(
        "import: import_s={:.3} load_s={:.3} ready_s={:.3} map_kb={}",
        import_time.as_secs_f64(),
        load_time.as_secs_f64(),
        ready.as_secs_f64(),
        text.len() / 1024
    );
}

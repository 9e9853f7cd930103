//! The fuzz targets' bodies: each reads untrusted bytes the way pilotzone reads a file of that
//! kind and goes as deep as the bytes allow. A target returns normally for any input, refused or
//! accepted; a panic, an abort, a hang or an allocation beyond the input's size is a finding.
//!
//! `fuzz/` (cargo-fuzz) calls these; `tests/corpus.rs` replays the kept corpus and every crash
//! reproducer through them on each `cargo test`.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// A fuzz target: takes any bytes, returns for every input.
pub type Target = fn(&[u8]);

/// The fuzz targets by name, as `fuzz/fuzz_targets/` and `fuzz/corpus/` name them.
pub const TARGETS: [(&str, Target); 6] = [
    ("scenario", scenario),
    ("rule_option", rule_option),
    ("replay", replay),
    ("comments", comments),
    ("osm_pbf", osm_pbf),
    ("osm_geojson", osm_geojson),
];

/// A scenario's text: parsed, checked and validated; a valid one is written back and read again,
/// which must give the same scenario.
pub fn scenario(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(loaded) = pilotzone_scenario::parse(text, "fuzz.ron") {
        let again = pilotzone_scenario::parse(&loaded.text, "again.ron");
        assert!(again.is_ok_and(|a| a.scenario == loaded.scenario), "a valid scenario reads back as itself");
    }
}

/// A rule option file: read, checked and applied to the demo town.
pub fn rule_option(data: &[u8]) {
    let path = scratch("option.ron", data);
    if let Ok(option) = pilotzone_scenario::overlay::load_overlay(&path) {
        let _ = pilotzone_scenario::overlay::apply_overlay(demo(), &option, &path.to_string_lossy());
    }
}

/// A replay file: opened (header, chunks, index), then the playback cursor seeks to moments
/// spread over it, steps through samples and reads the events passed.
pub fn replay(data: &[u8]) {
    let Ok(replay) = pilotzone_replay::Replay::open(data.to_vec()) else { return };
    let duration = replay.duration_ms();
    let _ = (replay.entities().len(), replay.events().len(), replay.damage());
    let mut cursor = pilotzone_replay::Cursor::new(replay);
    for t in [0, duration / 3, duration, duration / 2, u64::MAX / 2, 1] {
        if cursor.seek(t).is_err() {
            return;
        }
        let _ = cursor.sample_after(t);
        let _ = cursor.sample_before(t);
        let _ = cursor.events_passed(0, t).len();
    }
}

/// A comment sidecar (`replay.comments.json`): parsed and checked, then its threads listed.
pub fn comments(data: &[u8]) {
    if let Ok(sidecar) = pilotzone_comments::Sidecar::parse(data, Path::new("fuzz.comments.json")) {
        let _ = sidecar.threads().len();
    }
}

/// An OpenStreetMap extract (`.osm.pbf`): imported into a map with the default options.
pub fn osm_pbf(data: &[u8]) {
    let path = scratch("extract.osm.pbf", data);
    let _ = pilotzone_osm::import_pbf(&path, &pilotzone_osm::ImportOptions::default());
}

/// A GeoJSON road network: read into a raw network.
pub fn osm_geojson(data: &[u8]) {
    let path = scratch("roads.geojson", data);
    let _ = pilotzone_osm::read_geojson(&path);
}

/// The demo town, loaded once: rule options are applied to it.
fn demo() -> &'static pilotzone_scenario::LoadedScenario {
    static DEMO: OnceLock<pilotzone_scenario::LoadedScenario> = OnceLock::new();
    DEMO.get_or_init(|| {
        let text = pilotzone_scenario::generate::to_ron(&pilotzone_scenario::generate::demo_town(), "demo");
        pilotzone_scenario::parse(&text, "demo.ron").expect("the demo town is valid")
    })
}

/// `data` written to a file of this process and thread named `name`: the readers take paths.
fn scratch(name: &str, data: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pilotzone-fuzz-{}", std::process::id()));
    let thread = format!("{:?}", std::thread::current().id()).replace(|c: char| !c.is_ascii_alphanumeric(), "");
    let path = dir.join(format!("{thread}-{name}"));
    std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, data)).expect("the scratch file is written");
    path
}

//! A short run of the demo, made once per test binary, for tests that need a real replay.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use pilotzone_sim::Simulation;

/// The repository's root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs the demo for `duration_s` into `dir/replay.pzr` (and `kpis.json`), as `pilotzone run`
/// would write them.
fn run_demo(dir: &Path, duration_s: u32) {
    let mut loaded = pilotzone_scenario::load(&root().join("scenarios/demo.ron")).expect("the demo loads");
    loaded.scenario.run.duration_s = duration_s;
    let seed = loaded.scenario.run.seed;
    let mut sim = Simulation::new(loaded, seed).expect("the demo starts");
    sim.run_to_end();
    let out = sim.finish();
    std::fs::create_dir_all(dir).expect("run folder");
    std::fs::write(dir.join("replay.pzr"), &out.replay).expect("replay written");
    let kpis = serde_json::to_string_pretty(&out.kpis).expect("KPIs serialize");
    std::fs::write(dir.join("kpis.json"), kpis).expect("KPIs written");
}

/// A 40-minute run of the demo, made once and shared by the tests of one binary.
pub fn demo_run() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        run_demo(dir.path(), 2400);
        dir
    })
    .path()
}

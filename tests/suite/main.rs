//! Integration tests, linked as one binary: the command line end to end, determinism, scenario
//! errors and the dependency rules of the architecture.

mod bad_inputs;
mod batch;
mod cli;
mod csv_tables;
mod dependencies;
mod determinism;
mod dispatch;
mod drones;
mod export_html;
mod fleet;
mod gridlock;
mod incidents;
mod kill;
mod road_safety;
mod rules;
mod scenario_errors;
mod shipped;

use std::path::{Path, PathBuf};

/// The repository root.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The shipped demo scenario.
pub fn demo() -> PathBuf {
    root().join("scenarios/demo.ron")
}

/// The demo scenario, loaded, with its duration cut to `duration_s` to keep tests quick.
pub fn demo_for(duration_s: u32) -> pilotzone_scenario::LoadedScenario {
    let mut loaded = pilotzone_scenario::load(&demo()).expect("the shipped demo is valid");
    loaded.scenario.run.duration_s = duration_s;
    loaded
}

/// Runs the `pilotzone` binary.
pub fn pilotzone(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_pilotzone")).args(args).output().expect("the binary runs")
}

/// Runs the demo for `duration_s` simulated seconds into `dir`, quietly, and checks it succeeded.
pub fn run_demo(dir: &Path, duration_s: u32) {
    let seconds = duration_s.to_string();
    let o = pilotzone(&[
        "run",
        demo().to_str().expect("utf-8 path"),
        "--duration-s",
        &seconds,
        "--quiet",
        "--out",
        dir.to_str().expect("utf-8 path"),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(o.stdout.is_empty(), "quiet runs print nothing");
}

/// A CSV table the project wrote, read with the csv crate: its header and its rows of fields.
/// The reader refuses a row of another width than the header, so every row returned has one
/// field per column.
pub fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let fail = |e: csv::Error| -> ! { panic!("{}: {e}", path.display()) };
    let mut reader = csv::Reader::from_path(path).unwrap_or_else(|e| fail(e));
    let header = reader.headers().unwrap_or_else(|e| fail(e)).iter().map(str::to_owned).collect();
    let rows = reader.records().map(|r| r.unwrap_or_else(|e| fail(e)).iter().map(str::to_owned).collect()).collect();
    (header, rows)
}

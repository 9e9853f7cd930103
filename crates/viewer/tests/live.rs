//! A scenario run live: the engine on its own thread goes no further than the view lets it,
//! and the run it writes at the end is the very run `pilotzone run` makes of the same scenario
//! and seed (same replay bytes), so a live session's comments pin to a reproducible replay.

use std::time::{Duration, Instant};

use pilotzone_sim::Simulation;
use pilotzone_viewer::live;

/// The repository's root.
fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn a_live_run_waits_for_the_view_and_ends_as_the_headless_run_would() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut loaded = pilotzone_scenario::load(&root().join("scenarios/demo.ron")).expect("the demo loads");
    loaded.scenario.run.duration_s = 240;
    let text = pilotzone_scenario::generate::to_ron(&loaded.scenario, "The demo, four minutes.");
    let scenario = dir.path().join("demo-short.ron");
    std::fs::write(&scenario, text).expect("written");
    let out = dir.path().join("live");

    let (run, engine, status) = live::start(&scenario, None, Some(out.clone())).expect("starts");
    assert_eq!(status.end_ms, 240_000);
    let first = run.opened.cursor.replay().duration_ms();
    assert!(first > 0 && first <= 20_000, "the view opens on the first closed segment: {first} ms");
    // Held at 30 s, the engine stops there.
    engine.allow(30_000);
    std::thread::sleep(Duration::from_millis(1500));
    let (held, done) = engine.progress();
    assert!((30_000..30_200).contains(&held), "the engine waits for the view: {held} ms");
    assert!(done.is_none());
    engine.allow(u64::MAX);
    #[expect(clippy::disallowed_methods, reason = "a timeout for the test, not simulated time")]
    let started = Instant::now();
    let done = loop {
        if let (_, Some(done)) = engine.progress() {
            break done;
        }
        assert!(started.elapsed() < Duration::from_secs(300), "the live run finishes");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(done, Ok(out.clone()));
    let live_bytes = std::fs::read(out.join("replay.pzr")).expect("the live run's replay");
    let seed = loaded.scenario.run.seed;
    let reloaded = pilotzone_scenario::load(&scenario).expect("the short demo loads");
    let mut headless = Simulation::new(reloaded, seed).expect("starts");
    headless.run_to_end();
    assert!(live_bytes == headless.finish().replay, "the live run's replay is the headless run's, byte for byte");
    assert!(out.join("kpis.json").is_file());
}

//! Simulation cost on the demo town: one tick in mid-run, and a whole simulated half hour.
//!
//! `cargo bench --bench sim`. Each benchmark checks what it ran, so `cargo test --benches`
//! keeps them honest.

use std::path::Path;

use pilotzone_sim::Simulation;

fn main() {
    divan::main();
}

fn demo(duration_s: u32) -> pilotzone_scenario::LoadedScenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/demo.ron");
    let mut loaded = pilotzone_scenario::load(&path).expect("the shipped demo is valid");
    loaded.scenario.run.duration_s = duration_s;
    loaded
}

/// One tick at 07:40, with taxis and drones busy (10 taxis, 6 drones).
#[divan::bench]
fn tick_in_mid_run(bencher: divan::Bencher) {
    let mut sim = Simulation::new(demo(7200), 42).expect("the demo builds");
    while sim.now_ms() < 2_400_000 {
        sim.step();
    }
    bencher.bench_local(|| sim.step());
    assert!(sim.now_ms() > 2_400_000);
}

/// A simulated half hour from 07:00, recording included.
#[divan::bench(sample_count = 5)]
fn half_hour(bencher: divan::Bencher) {
    let mut hashes = Vec::new();
    bencher.bench_local(|| {
        let mut sim = Simulation::new(demo(1800), 42).expect("the demo builds");
        sim.run_to_end();
        let out = sim.finish();
        assert!(out.kpis.taxi.served > 0 && out.kpis.drone.delivered > 0, "the half hour did work");
        hashes.push(out.replay_hash);
    });
    assert!(hashes.windows(2).all(|w| w[0] == w[1]), "every repetition gives the same replay");
}

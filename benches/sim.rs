//! Simulation cost on the demo town: one tick in mid-run, and a whole simulated half hour; and
//! throughput (simulated seconds per wall second) on the demo and on a town ten times larger.
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

/// The demo's fleets, demand and road network times ten: a 38 × 38 grid (1,444 junctions
/// against the demo's 143), 100 taxis, 60 drones over 10 vertiports, 1,070 rides and 370
/// parcels over two hours.
fn ten_times_the_demo(duration_s: u32) -> pilotzone_scenario::LoadedScenario {
    use pilotzone_scenario::generate::{GridTown, grid_town, to_ron};
    let town = GridTown {
        cols: 38,
        rows: 38,
        block_m: 120.0,
        taxis: 100,
        drones: 60,
        vertiports: 10,
        rides_per_hour: 535.0,
        parcels_per_hour: 185.0,
        duration_s,
        demand_s: None,
        max_wait_s: 900,
        seed: 42,
    };
    pilotzone_scenario::parse(&to_ron(&grid_town(&town), "ten times the demo"), "ten-times").expect("valid")
}

/// Ten simulated minutes from 07:00 of the demo; throughput = 600 s / the time shown.
#[divan::bench(sample_count = 3)]
fn throughput_demo_ten_minutes(bencher: divan::Bencher) {
    bencher.bench_local(|| {
        let mut sim = Simulation::new(demo(600), 42).expect("the demo builds");
        sim.run_to_end();
        let out = sim.finish();
        assert!(out.kpis.taxi.requests > 0, "work was done");
    });
}

/// Ten simulated minutes of a town ten times the demo; throughput = 600 s / the time shown.
#[divan::bench(sample_count = 3)]
fn throughput_ten_times_larger_ten_minutes(bencher: divan::Bencher) {
    bencher.bench_local(|| {
        let mut sim = Simulation::new(ten_times_the_demo(600), 42).expect("the town builds");
        sim.run_to_end();
        let out = sim.finish();
        assert!(out.kpis.taxi.served > 0 && out.kpis.drone.orders > 0, "work was done");
    });
}

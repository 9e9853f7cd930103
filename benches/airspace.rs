//! 2,000 drones in the air at once: how many simulated seconds pilotzone gets through per wall
//! second with that many aloft, physics, flight control, the safety monitor and the recorder on.
//!
//! `cargo bench --bench airspace -- [--seconds 60] [--snapshot FILE] [--json FILE]`: builds a
//! 4 km × 4 km town (a 21 × 21 grid of 200 m blocks, as BlueSky's figures in the peers' notes)
//! with 2,400 drones at 48 vertiports of a take-off pad per 16 drones and course layers, runs
//! it until 2,000 drones are aloft, then times `--seconds` simulated seconds. `--snapshot`
//! writes the drones aloft at that moment (position, velocity, m and m/s) for
//! `benches/peers/run.py --drones`, which flies the same drones in BlueSky. Strategic
//! deconfliction is off, so that flights launch as they would without it; both simulators
//! detect conflicts ahead (BlueSky without resolving them, pilotzone's tactical separation also
//! turning drones aside), and the monitor counts every loss of separation. `cargo test
//! --benches` runs a small version and checks that drones were aloft.
#![expect(clippy::print_stdout, reason = "a benchmark's report is its output")]
#![expect(clippy::disallowed_methods, reason = "benchmarks measure wall time")]

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use pilotzone_scenario::generate::{GridTown, grid_town, to_ron};
use pilotzone_sim::Simulation;
use pilotzone_sim::drone::DroneState;

/// The allocator the `pilotzone` command runs on (see its `main.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let full = args.iter().any(|a| a == "--bench");
    let value = |flag: &str| args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1)).cloned();
    let seconds: u32 = value("--seconds").map_or(if full { 60 } else { 10 }, |s| {
        s.parse().ok().filter(|s| (1..=3600).contains(s)).unwrap_or_else(|| {
            let _ = writeln!(std::io::stderr(), "--seconds takes 1 to 3,600 simulated seconds, found {s}");
            std::process::exit(2)
        })
    });
    let (drones, vertiports, aloft) = if full { (2_400, 48, 2_000) } else { (120, 4, 60) };
    let town = GridTown {
        cols: 21,
        rows: 21,
        block_m: 200.0,
        taxis: 0,
        drones,
        vertiports,
        rides_per_hour: 0.0,
        parcels_per_hour: f64::from(drones) * 20.0,
        duration_s: 3600,
        demand_s: None,
        max_wait_s: 900,
        seed: 42,
    };
    let mut scenario = grid_town(&town);
    scenario.map.airspace.strategic_deconfliction = false;
    let text = to_ron(&scenario, "2,000 drones aloft");
    let loaded = pilotzone_scenario::parse(&text, "airspace").expect("the generated town is valid");
    let mut sim = Simulation::new(loaded, 42).expect("the town builds");
    while count_aloft(&mut sim) < aloft {
        for _ in 0..100 {
            sim.step();
        }
        assert!(sim.now_ms() < 1_800_000, "{aloft} drones were never aloft at once in half an hour");
    }
    let (from_ms, at_start) = (sim.now_ms(), count_aloft(&mut sim));
    if let Some(path) = value("--snapshot") {
        write_snapshot(&mut sim, &PathBuf::from(path));
    }
    let end_ms = from_ms + u64::from(seconds) * 1000;
    let mut fewest = at_start;
    let started = Instant::now();
    while sim.now_ms() < end_ms {
        sim.step();
        if sim.now_ms().is_multiple_of(1000) {
            fewest = fewest.min(count_aloft(&mut sim));
        }
    }
    let wall = started.elapsed().as_secs_f64();
    let ticks = (end_ms - from_ms) / u64::from(sim.app().world().resource::<pilotzone_sim::clock::SimClock>().tick_ms);
    let out = sim.finish();
    let rate = f64::from(seconds) / wall;
    println!(
        "pilotzone: {at_start} drones aloft at {:.0} s (at least {fewest} over the next {seconds} s); {seconds} simulated s in \
         {wall:.2} s wall = {rate:.1} simulated s per wall s, {:.2} ms per {} ms tick; {} losses of separation, {} \
         collisions over the run",
        from_ms as f64 / 1000.0,
        wall * 1000.0 / ticks as f64,
        (end_ms - from_ms) / ticks,
        out.kpis.safety.separation_losses,
        out.kpis.safety.collisions,
    );
    if let Some(path) = value("--json") {
        let json = serde_json::json!({
            "aloft_at_start": at_start,
            "aloft_fewest": fewest,
            "start_s": from_ms / 1000,
            "seconds": seconds,
            "wall_s": wall,
            "tick_ms": (end_ms - from_ms) / ticks,
            "separation_losses": out.kpis.safety.separation_losses,
            "collisions": out.kpis.safety.collisions,
        });
        std::fs::write(&path, json.to_string()).expect("write the result");
    }
    assert!(fewest >= aloft * 9 / 10, "drones stayed aloft through the window: {fewest}");
}

/// Drones off their pads and flying now.
fn count_aloft(sim: &mut Simulation) -> u32 {
    let world = sim.app_mut().world_mut();
    world.query::<&DroneState>().iter(world).filter(|d| d.airborne() && !d.crashed).count() as u32
}

/// The drones aloft, one per line: x, y, height (m) and velocity (m/s), as JSON.
fn write_snapshot(sim: &mut Simulation, path: &PathBuf) {
    let world = sim.app_mut().world_mut();
    let drones: Vec<serde_json::Value> = world
        .query::<&DroneState>()
        .iter(world)
        .filter(|d| d.airborne() && !d.crashed)
        .map(|d| serde_json::json!({ "pos": d.pos, "vel": d.vel }))
        .collect();
    std::fs::write(path, serde_json::Value::Array(drones).to_string()).expect("write the snapshot");
}

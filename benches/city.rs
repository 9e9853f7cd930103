//! A city day: 10,000 taxis and 2,000 delivery drones over 24 simulated hours, in one process,
//! with physics, the safety monitor and the recorder on, as `pilotzone run` runs it.
//!
//! `cargo bench --bench city` prints, for each simulated hour, the wall time it took, the
//! drones in the air and the resident memory, then the whole day's wall time, peak memory and
//! KPIs. `-- --hours N` stops after N simulated hours, `-- --minutes N` after N minutes, to
//! profile or compare builds (the report says so). `cargo test --benches`
//! runs a small city for a few minutes and checks it did work.
//!
//! The town: a 40 × 40 grid of 200 m blocks (8 km across, 1,250 lane-km of street), riders
//! asking for 20 rides per taxi from 07:00 over the day, 40 vertiports with a take-off pad per
//! 16 drones and 20 parcels per drone over the day.
#![expect(clippy::print_stdout, reason = "a benchmark's report is its output")]
#![expect(clippy::disallowed_methods, reason = "benchmarks measure wall time")]

use std::io::Write;
use std::time::Instant;

use pilotzone_scenario::generate::{GridTown, grid_town, to_ron};
use pilotzone_sim::Simulation;
use pilotzone_sim::drone::DroneState;

/// The allocator the `pilotzone` command runs on (see its `main.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct City {
    size: u32,
    taxis: u32,
    drones: u32,
    vertiports: u32,
    minutes: u32,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let full = args.iter().any(|a| a == "--bench");
    let flag = |name: &str, most: u32| {
        args.iter().position(|a| a == name).map(|i| {
            let value = args.get(i + 1).map_or("nothing", String::as_str);
            value.parse::<u32>().ok().filter(|v| (1..=most).contains(v)).unwrap_or_else(|| {
                let _ = writeln!(std::io::stderr(), "{name} takes 1 to {most}, found {value}");
                std::process::exit(2)
            })
        })
    };
    let hours = flag("--hours", 24);
    let minutes = flag("--minutes", 24 * 60);
    let city = if full {
        City {
            size: 40,
            taxis: 10_000,
            drones: 2_000,
            vertiports: 40,
            minutes: minutes.or(hours.map(|h| h * 60)).unwrap_or(24 * 60),
        }
    } else {
        City { size: 12, taxis: 60, drones: 40, vertiports: 4, minutes: 5 }
    };
    let day_s = 86_400;
    let town = GridTown {
        cols: city.size,
        rows: city.size,
        block_m: 200.0,
        taxis: city.taxis,
        drones: city.drones,
        vertiports: city.vertiports,
        rides_per_hour: f64::from(city.taxis) * 20.0 / 24.0,
        parcels_per_hour: f64::from(city.drones) * 20.0 / 24.0,
        duration_s: day_s,
        demand_s: None,
        max_wait_s: 1800,
        seed: 42,
    };
    let mut scenario = grid_town(&town);
    scenario.dispatch.period_s = 30;
    let text = to_ron(&scenario, "a city day");
    let mut loaded = pilotzone_scenario::parse(&text, "city-day").expect("the generated city is valid");
    loaded.scenario.run.duration_s = city.minutes * 60;
    let started = Instant::now();
    let mut sim = Simulation::new(loaded, 42).expect("the city builds");
    let built = started.elapsed().as_secs_f64();
    println!(
        "city day: {0} × {0} grid of 200 m blocks, {1} taxis, {2} drones at {3} vertiports; built in {built:.1} s",
        city.size, city.taxis, city.drones, city.vertiports
    );
    println!("| simulated hour | wall s (that hour) | wall s (so far) | drones in the air | resident MB |");
    println!("|---|---|---|---|---|");
    let mut hour_started = Instant::now();
    let mut peak_airborne = 0;
    while !sim.is_done() {
        sim.step();
        if sim.now_ms().is_multiple_of(60_000) {
            peak_airborne = peak_airborne.max(airborne(&mut sim));
        }
        if sim.now_ms().is_multiple_of(3_600_000) || sim.is_done() {
            println!(
                "| {:.2} | {:.1} | {:.1} | {} | {:.0} |",
                sim.now_ms() as f64 / 3_600_000.0,
                hour_started.elapsed().as_secs_f64(),
                started.elapsed().as_secs_f64(),
                airborne(&mut sim),
                memory_mb("VmRSS:")
            );
            hour_started = Instant::now();
        }
    }
    let out = sim.finish();
    let wall = started.elapsed().as_secs_f64();
    let k = &out.kpis;
    println!(
        "\n{:.1} simulated hours in {wall:.1} s wall ({:.0}× real time); peak memory {:.0} MB; replay {:.1} MB, {} events, hash {:016x}",
        k.sim_seconds / 3600.0,
        k.sim_seconds / wall,
        memory_mb("VmHWM:"),
        out.replay.len() as f64 / 1e6,
        out.events.len(),
        out.replay_hash
    );
    println!(
        "riders {} of {} served (mean wait {:.0} s), {} gave up; parcels {} of {} delivered, most drones aloft {} \
         (sampled each minute: {peak_airborne}); collisions {}, separation losses {}, gridlocks {}, drones crashed {}",
        k.taxi.served,
        k.taxi.requests,
        k.taxi.wait_s.mean.unwrap_or(f64::NAN),
        k.taxi.rejected,
        k.drone.delivered,
        k.drone.orders,
        k.drone.peak_airborne,
        k.safety.collisions,
        k.safety.separation_losses,
        k.safety.gridlocks,
        k.drone.crashed
    );
    if full && city.minutes < 24 * 60 {
        println!("stopped after {} simulated minutes (--hours, --minutes): this is not the whole day", city.minutes);
    }
    assert!(k.taxi.served > 0 && k.drone.delivered > 0, "the city did work: {:?} {:?}", k.taxi, k.drone);
    assert!(k.drone.peak_airborne >= peak_airborne, "the KPI's peak, counted every tick, is at least the sampled one");
}

/// Drones off their pads now.
fn airborne(sim: &mut Simulation) -> u32 {
    let world = sim.app_mut().world_mut();
    world.query::<&DroneState>().iter(world).filter(|d| d.airborne() && !d.crashed).count() as u32
}

/// A memory figure of this process from /proc (Linux), MB; 0 where there is none.
fn memory_mb(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status.lines().find_map(|l| l.strip_prefix(field)).and_then(|v| v.split_whitespace().next());
    kb.and_then(|kb| kb.parse::<f64>().ok()).map_or(0.0, |kb| kb / 1024.0)
}

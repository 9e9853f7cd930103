//! Replay format benchmark: size per entity-sample against gzipped SUMO FCD XML of the same
//! trajectories, seek latency, and the recorder's share of simulation time, on a generated town
//! with about a thousand vehicles and drones over one simulated hour.
//!
//! `cargo bench --bench replay` prints one table. Under `cargo test --benches` it runs a small
//! town for a few minutes and checks the same properties, so it cannot rot.
#![expect(clippy::print_stdout, reason = "a benchmark's report is its output")]
#![expect(clippy::disallowed_methods, reason = "benchmarks measure wall time")]

use std::io::Write;
use std::time::{Duration, Instant};

use pilotzone_replay::{Cursor, Replay};
use pilotzone_scenario::generate::{GridTown, grid_town, to_ron};
use pilotzone_sim::record::RecorderPlugin;
use pilotzone_sim::{PluginGroup, SimPlugins, Simulation};

fn town(full: bool) -> GridTown {
    if full {
        GridTown {
            cols: 40,
            rows: 40,
            block_m: 150.0,
            taxis: 720,
            drones: 300,
            vertiports: 10,
            rides_per_hour: 3500.0,
            parcels_per_hour: 2600.0,
            duration_s: 3600,
            demand_s: None,
            max_wait_s: 900,
            seed: 1,
        }
    } else {
        GridTown {
            cols: 12,
            rows: 12,
            block_m: 150.0,
            taxis: 30,
            drones: 12,
            vertiports: 2,
            rides_per_hour: 300.0,
            parcels_per_hour: 120.0,
            duration_s: 300,
            demand_s: None,
            max_wait_s: 900,
            seed: 1,
        }
    }
}

fn simulate(loaded: &pilotzone_scenario::LoadedScenario, record: bool) -> (Duration, Vec<u8>) {
    let plugins = if record { SimPlugins.build() } else { SimPlugins.build().disable::<RecorderPlugin>() };
    let started = Instant::now();
    let mut sim = Simulation::with_plugins(loaded.clone(), loaded.scenario.run.seed, plugins).expect("the town builds");
    sim.run_to_end();
    let out = sim.finish();
    (started.elapsed(), out.replay)
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// What the playback cursor costs, as a player at 60 frames a second sees it.
struct CursorCost {
    forward_ms: f64,
    backward_ms: f64,
    jump_ms: f64,
    jump_worst_ms: f64,
    reverse_mean_ms: f64,
    reverse_worst_ms: f64,
    reverse_frames: u64,
    reverse_decodes: u64,
}

/// Plays the replay as a viewer would: 600 frames forward and back at ×1 from mid-run, 101
/// random jumps, and the whole run backwards at ×10. Every frame is checked against the
/// replay's own seek now and then, so the benchmark is a correctness check too.
fn measure_cursor(replay: &Replay, rng: &mut u64) -> CursorCost {
    const FRAME_MS: f64 = 1000.0 / 60.0;
    let entities = replay.entities().len();
    let duration = replay.duration_ms();
    let mut cursor = Cursor::new(replay.clone());
    let play = |cursor: &mut Cursor, from: f64, step: f64, frames: usize| {
        let mut times = Vec::with_capacity(frames);
        let mut t = from;
        for _ in 0..frames {
            let started = Instant::now();
            let n = cursor.seek(t.max(0.0) as u64).expect("a frame").states.len();
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(n, entities);
            t += step;
        }
        times
    };
    let mid = duration as f64 / 2.0;
    play(&mut cursor, mid, FRAME_MS, 5);
    let forward_ms = median(play(&mut cursor, mid, FRAME_MS, 600));
    let backward_ms = median(play(&mut cursor, mid + 600.0 * FRAME_MS, -FRAME_MS, 600));
    let jumps: Vec<f64> = (0..101)
        .map(|_| {
            let t = splitmix(rng) % duration;
            let started = Instant::now();
            let states = cursor.seek(t).expect("a jump").states.clone();
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            assert_eq!(states, replay.state_at(t).expect("seek"), "the cursor agrees with state_at at {t} ms");
            ms
        })
        .collect();
    let jump_worst_ms = jumps.iter().copied().fold(0.0, f64::max);
    let mut reverse = Cursor::new(replay.clone());
    let frames = (duration as f64 / (10.0 * FRAME_MS)) as usize;
    let times = play(&mut reverse, duration as f64, -10.0 * FRAME_MS, frames);
    let stats = reverse.stats();
    assert!(
        stats.decodes <= replay.segments().len() as u64 + 1,
        "playing backwards decodes each segment once: {stats:?}"
    );
    CursorCost {
        forward_ms,
        backward_ms,
        jump_ms: median(jumps),
        jump_worst_ms,
        reverse_mean_ms: times.iter().sum::<f64>() / times.len().max(1) as f64,
        reverse_worst_ms: times.iter().copied().fold(0.0, f64::max),
        reverse_frames: stats.frames,
        reverse_decodes: stats.decodes,
    }
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let params = town(full);
    let scenario = grid_town(&params);
    let loaded = pilotzone_scenario::parse(&to_ron(&scenario, "benchmark town"), "bench.ron")
        .expect("generated towns are valid");

    // Interleave runs with and without the recorder; take medians.
    let reps = if full { 3 } else { 1 };
    let (mut with, mut without, mut bytes) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..reps {
        let (t, b) = simulate(&loaded, true);
        with.push(t.as_secs_f64());
        bytes = b;
        without.push(simulate(&loaded, false).0.as_secs_f64());
    }
    let (with, without) = (median(with), median(without));

    let replay = Replay::read(&bytes).expect("the replay reads");
    let samples = replay.samples().expect("samples decode");
    let entities = replay.entities().len();
    let entity_samples = samples.len() * entities;
    let moving = samples.iter().flat_map(|s| &s.states).filter(|s| s.speed_cms > 0).count();
    let ever_moved = (0..entities).filter(|&e| samples.iter().any(|s| s.states[e].speed_cms > 0)).count();

    let mut xml = Vec::new();
    pilotzone_replay::fcd::write_fcd(&replay, &mut xml).expect("exports");
    let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&xml).expect("in memory");
    let fcd_gz = z.finish().expect("in memory").len();

    let mut rng = 7u64;
    let duration = replay.duration_ms();
    let seeks: Vec<f64> = (0..101)
        .map(|_| {
            let t = splitmix(&mut rng) % duration;
            let started = Instant::now();
            let states = replay.state_at(t).expect("seek");
            assert_eq!(states.len(), entities);
            started.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    let seek_ms = median(seeks);

    let cursor = measure_cursor(&replay, &mut rng);

    let per_sample = bytes.len() as f64 / entity_samples as f64;
    // The header carries the whole scenario; FCD carries none, so compare trajectories alone too.
    let header_bytes = 10 + 9 + u32::from_le_bytes(bytes[11..15].try_into().expect("4 bytes")) as usize;
    let body = bytes.len() - header_bytes;
    let overhead = (with - without) / without * 100.0;
    println!(
        "replay benchmark: {} ({} entities, {} simulated s, {} samples)",
        scenario.description,
        entities,
        params.duration_s,
        samples.len()
    );
    println!("| measure | value | target |");
    println!("|---|---|---|");
    println!(
        "| entities that moved | {ever_moved} of {entities} ({:.0} % of entity-samples moving) | ≥ 1,000 moving |",
        moving as f64 * 100.0 / entity_samples as f64
    );
    println!("| replay size | {} bytes | |", bytes.len());
    println!("| bytes per entity-sample | {per_sample:.3} | < 2 |");
    println!(
        "| without the embedded scenario ({header_bytes} bytes) | {:.3} per entity-sample | |",
        body as f64 / entity_samples as f64
    );
    println!("| FCD XML, gzip | {fcd_gz} bytes ({:.3} per entity-sample) | |", fcd_gz as f64 / entity_samples as f64);
    println!("| FCD gzip / replay | {:.1}× | |", fcd_gz as f64 / bytes.len() as f64);
    println!("| seek state_at(t), median of 101 | {seek_ms:.3} ms | < 20 ms |");
    println!("| cursor: one 60 fps frame forward (×1), warm, median | {:.4} ms | < 1 ms |", cursor.forward_ms);
    println!("| cursor: one 60 fps frame backward (×1), warm, median | {:.4} ms | < 1 ms |", cursor.backward_ms);
    println!(
        "| cursor: random jump, median / worst of 101 | {:.3} / {:.3} ms | < 20 ms |",
        cursor.jump_ms, cursor.jump_worst_ms
    );
    println!(
        "| cursor: ×10 backwards over the whole run, mean / worst frame | {:.4} / {:.3} ms ({} frames, {} segment decodes for {} segments) | no decode per frame |",
        cursor.reverse_mean_ms,
        cursor.reverse_worst_ms,
        cursor.reverse_frames,
        cursor.reverse_decodes,
        replay.segments().len()
    );
    println!("| simulation with recorder | {with:.2} s | |");
    println!("| simulation without recorder | {without:.2} s | |");
    println!("| recording overhead | {overhead:.1} % | < 10 % |");

    assert_eq!(samples.len() as u64, u64::from(params.duration_s) * 2 + 1, "2 Hz over the whole run");
    assert!(body < fcd_gz, "the trajectories take less room than gzipped FCD");
}

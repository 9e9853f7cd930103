//! Batch scaling: runs per minute with one worker and with two, on the demo town.
//!
//! `cargo bench --bench batch` prints the table; `cargo test --benches` runs a small version.
#![expect(clippy::print_stdout, reason = "a benchmark's report is its output")]
#![expect(clippy::disallowed_methods, reason = "benchmarks measure wall time")]

use std::path::Path;
use std::time::Instant;

use pilotzone::batch::{BatchOptions, Shard, run_batch};

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().expect("temp dir");
    let seeds = tmp.path().join("seeds.ron");
    let list: Vec<String> = (1..=if full { 16 } else { 2 }).map(|s| s.to_string()).collect();
    std::fs::write(&seeds, format!("SeedSet(name: \"bench\", seeds: [{}])", list.join(", "))).expect("write seeds");
    let duration_s = if full { 3600 } else { 300 };
    let mut minutes = [Vec::new(), Vec::new()];
    let mut tables = Vec::new();
    for round in 0..if full { 2 } else { 1 } {
        for (slot, jobs) in [1usize, 2].into_iter().enumerate() {
            let opts = BatchOptions {
                scenario: root.join("scenarios/demo.ron"),
                rules: Vec::new(),
                seeds: seeds.clone(),
                jobs,
                out: tmp.path().join(format!("study-{round}-{jobs}")),
                shard: Shard::ALL,
                duration_s: Some(duration_s),
                dispatch: None,
                quiet: true,
            };
            let started = Instant::now();
            let report = run_batch(&opts).expect("the batch runs");
            minutes[slot].push(started.elapsed().as_secs_f64() / 60.0);
            assert!(report.failed.is_empty(), "{:?}", report.failed);
            tables.push(report.table.expect("finished").study_csv());
        }
    }
    assert!(tables.windows(2).all(|w| w[0] == w[1]), "every batch gives the same study");
    let runs = list.len() as f64;
    let best = |v: &[f64]| v.iter().copied().fold(f64::MAX, f64::min);
    let (one, two) = (runs / best(&minutes[0]), runs / best(&minutes[1]));
    println!(
        "batch benchmark: demo, {} simulated s per run, {} runs per batch, best of {} rounds",
        duration_s,
        list.len(),
        minutes[0].len()
    );
    println!("| workers | runs per minute |");
    println!("|---|---|");
    println!("| 1 | {one:.1} |");
    println!("| 2 | {two:.1} |");
    println!(
        "speedup with 2 workers: {:.2}× (target ≥ 1.8× on 2 cores; {} cores here)",
        two / one,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
}

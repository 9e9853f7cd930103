//! Travel-time tables: many sources to many targets, in fixed chunks on the compute task pool,
//! and one node to many, for pricing insertions.

use bevy::tasks::ComputeTaskPool;
use pilotzone_routing::{Cch, CchMetric, Table, Targets, UNREACHED};

/// Sources in one table chunk; chunks, not threads, split the work, so results never depend
/// on how many threads there are. Below this many sources a table runs on the calling thread.
const TABLE_CHUNK: usize = 64;
/// Most tasks one table spawns.
const MAX_TASKS: usize = 32;

/// The distinct values of `nodes`, ascending, and where each of `nodes` is among them.
fn distinct(nodes: &[u32]) -> (Vec<u32>, Vec<usize>) {
    let mut unique = nodes.to_vec();
    unique.sort_unstable();
    unique.dedup();
    let at = nodes.iter().map(|n| unique.binary_search(n).expect("every node is among the distinct ones")).collect();
    (unique, at)
}

/// Travel times from each source to each target (row-major, one row per source), within
/// `limit_ms`; [`UNREACHED`] beyond it or where there is no way. Each distinct node is searched
/// once: idle vehicles wait together at ranks and depots, and riders ask from the same places.
/// Large tables split their sources into chunks run on the compute task pool, one workspace in
/// `chunks` each, all reading the targets searched once into `shared`.
pub fn table(
    cch: &Cch,
    metric: &CchMetric,
    (chunks, shared): (&mut Vec<Table>, &mut Targets),
    sources: &[u32],
    targets: &[u32],
    limit_ms: u32,
) -> Vec<u32> {
    let mut out = vec![UNREACHED; sources.len() * targets.len()];
    if sources.is_empty() || targets.is_empty() {
        return out;
    }
    let (from, from_at) = distinct(sources);
    let (to, to_at) = distinct(targets);
    shared.fill(cch, metric, &to);
    let shared = &*shared;
    let mut times = vec![UNREACHED; from.len() * to.len()];
    let count = from.len().div_ceil(TABLE_CHUNK);
    while chunks.len() < count {
        chunks.push(Table::new());
    }
    let work = from.chunks(TABLE_CHUNK).zip(times.chunks_mut(TABLE_CHUNK * to.len())).zip(chunks.iter_mut());
    let fill =
        |((from, rows), table): ((&[u32], &mut [u32]), &mut Table)| table.run_to(cch, metric, from, shared, rows);
    if count <= 1 {
        work.for_each(fill);
    } else {
        // Chunks go to at most MAX_TASKS tasks, a run of chunks each, on the pool's threads: a
        // scope of a single-threaded pool would hold no more than 64 tasks, and results are the
        // chunks' anyway.
        let mut jobs: Vec<_> = work.collect();
        let per_task = jobs.len().div_ceil(MAX_TASKS);
        ComputeTaskPool::get_or_init(bevy::tasks::TaskPool::default).scope(|scope| {
            while !jobs.is_empty() {
                let run: Vec<_> = jobs.drain(..per_task.min(jobs.len())).collect();
                scope.spawn(async move { run.into_iter().for_each(fill) });
            }
        });
    }
    for (row, &i) in out.chunks_exact_mut(targets.len()).zip(&from_at) {
        let times = &times[i * to.len()..(i + 1) * to.len()];
        for (cell, &j) in row.iter_mut().zip(&to_at) {
            let t = times[j];
            if t <= limit_ms {
                *cell = t;
            }
        }
    }
    out
}

/// Travel times between `nodes` and `at`, one per node: from `at` to each when `outward`, from
/// each to `at` otherwise; [`UNREACHED`] beyond `limit_ms`.
pub(super) fn one_to_many(
    table: &mut Table,
    cch: &Cch,
    metric: &CchMetric,
    nodes: &[u32],
    at: u32,
    outward: bool,
    limit_ms: u32,
) -> Vec<u32> {
    let mut out = vec![UNREACHED; nodes.len()];
    if outward {
        table.run(cch, metric, &[at], nodes, &mut out);
    } else {
        table.run(cch, metric, nodes, &[at], &mut out);
    }
    for d in out.iter_mut().filter(|d| **d > limit_ms) {
        *d = UNREACHED;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use pilotzone_routing::{ArcSpec, Query, RoadGraph, Vec2};

    /// A table of more chunks than a scope of a single-threaded pool holds (64), with repeated
    /// sources and targets and a time limit, gives the times of one query per pair.
    #[test]
    fn a_table_of_many_chunks_matches_single_queries() {
        let n = TABLE_CHUNK as u32 * 70 + 3;
        let arcs: Vec<ArcSpec> = (0..n - 1)
            .flat_map(|i| {
                [ArcSpec { from: i, to: i + 1, length_m: 100.0 }, ArcSpec { from: i + 1, to: i, length_m: 100.0 }]
            })
            .collect();
        let graph = RoadGraph::new(n, &arcs);
        let positions: Vec<Vec2> = (0..n).map(|i| Vec2::new(f64::from(i) * 100.0, 0.0)).collect();
        let cch = Cch::new(&graph, &positions);
        let metric = CchMetric::new(&cch, &graph.metric_from_speeds(|_| 36.0));
        // Every node once, scattered, then some again.
        let sources: Vec<u32> = (0..n).map(|k| k * 11 % n).chain([5, 0, 5, n - 1]).collect();
        let targets = [0, 57, n - 1, 57];
        let limit = 600_000;
        let (mut chunks, mut shared) = (Vec::new(), Targets::new());
        let got = table(&cch, &metric, (&mut chunks, &mut shared), &sources, &targets, limit);
        assert_eq!(chunks.len(), 71, "one workspace per chunk of distinct sources");
        let mut q = Query::new(&cch);
        for (i, &s) in sources.iter().enumerate() {
            for (j, &t) in targets.iter().enumerate() {
                let time = q.distance(&cch, &metric, s, t).expect("a line is connected");
                let want = if time <= limit { time } else { UNREACHED };
                assert_eq!(got[i * targets.len() + j], want, "{s} to {t}");
            }
        }
        // 100 m at 36 km/h is 10 s: node 5 is 50 s from node 0 and 520 s from node 57.
        let five = sources.len() - 4;
        assert_eq!(&got[five * 4..five * 4 + 4], &[50_000, 520_000, UNREACHED, 520_000]);
        assert!(got.iter().filter(|&&t| t == UNREACHED).count() > sources.len(), "the limit cuts far pairs");
    }
}

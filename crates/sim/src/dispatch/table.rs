//! Travel-time tables: many sources to many targets, in fixed chunks on the compute task pool,
//! and one node to many, for pricing insertions.

use bevy::tasks::ComputeTaskPool;
use pilotzone_routing::{Cch, CchMetric, Table, UNREACHED};

/// Sources in one table chunk; chunks, not threads, split the work, so results never depend
/// on how many threads there are. Each chunk repeats the targets' upward searches, so chunks
/// are large: below this many sources a table runs on the calling thread.
const TABLE_CHUNK: usize = 64;
/// Most tasks one table spawns.
const MAX_TASKS: usize = 32;

/// Travel times from each source to each target (row-major, one row per source), within
/// `limit_ms`; [`UNREACHED`] beyond it or where there is no way. Large tables split their
/// sources into chunks run on the compute task pool.
pub fn table(
    cch: &Cch,
    metric: &CchMetric,
    workspaces: &mut Vec<Table>,
    sources: &[u32],
    targets: &[u32],
    limit_ms: u32,
) -> Vec<u32> {
    let mut out = vec![UNREACHED; sources.len() * targets.len()];
    if sources.is_empty() || targets.is_empty() {
        return out;
    }
    let chunks = sources.len().div_ceil(TABLE_CHUNK);
    while workspaces.len() < chunks {
        workspaces.push(Table::new());
    }
    let work = sources.chunks(TABLE_CHUNK).zip(out.chunks_mut(TABLE_CHUNK * targets.len())).zip(workspaces.iter_mut());
    let fill = |((from, rows), table): ((&[u32], &mut [u32]), &mut Table)| {
        table.run(cch, metric, from, targets, rows);
        for cell in rows.iter_mut().filter(|d| **d > limit_ms) {
            *cell = UNREACHED;
        }
    };
    if chunks <= 1 {
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

    /// A table of more chunks than a scope of a single-threaded pool holds (64) gives the times
    /// of one query per pair.
    #[test]
    fn a_table_of_many_chunks_matches_single_queries() {
        let n = 200u32;
        let arcs: Vec<ArcSpec> = (0..n - 1)
            .flat_map(|i| {
                [ArcSpec { from: i, to: i + 1, length_m: 100.0 }, ArcSpec { from: i + 1, to: i, length_m: 100.0 }]
            })
            .collect();
        let graph = RoadGraph::new(n, &arcs);
        let positions: Vec<Vec2> = (0..n).map(|i| Vec2::new(f64::from(i) * 100.0, 0.0)).collect();
        let cch = Cch::new(&graph, &positions);
        let metric = CchMetric::new(&cch, &graph.metric_from_speeds(|_| 36.0));
        let sources: Vec<u32> = (0..TABLE_CHUNK as u32 * 70).map(|k| k * 7 % n).collect();
        let targets = [0, 57, 199];
        let mut workspaces = Vec::new();
        let got = table(&cch, &metric, &mut workspaces, &sources, &targets, UNREACHED - 1);
        assert_eq!(workspaces.len(), 70, "one workspace per chunk");
        let mut q = Query::new(&cch);
        for (i, &s) in sources.iter().enumerate() {
            for (j, &t) in targets.iter().enumerate() {
                let want = q.distance(&cch, &metric, s, t).expect("a line is connected");
                assert_eq!(got[i * targets.len() + j], want, "{s} to {t}");
            }
        }
        assert!(got[1] > 0 && got.contains(&0), "times are real: {:?}", &got[..6]);
    }
}

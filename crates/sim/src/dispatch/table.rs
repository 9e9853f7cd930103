//! Travel-time tables: many sources to many targets, in fixed chunks on the compute task pool,
//! and one node to many, for pricing insertions.

use bevy::tasks::ComputeTaskPool;
use pilotzone_routing::{Cch, CchMetric, Table, UNREACHED};

/// Sources in one table chunk; chunks, not threads, split the work, so results never depend
/// on how many threads there are. Each chunk repeats the targets' upward searches, so chunks
/// are large: below this many sources a table runs on the calling thread.
const TABLE_CHUNK: usize = 64;

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
        ComputeTaskPool::get_or_init(bevy::tasks::TaskPool::default).scope(|scope| {
            for job in work {
                scope.spawn(async move { fill(job) });
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

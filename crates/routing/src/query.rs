//! Queries on a customized hierarchy: point-to-point travel times and paths, and one-to-many
//! and many-to-many tables.
//!
//! Searches walk the elimination tree: the upward search space of a node is exactly its tree
//! ancestors, so a query needs no priority queue, just two walks towards the root. Workspaces
//! keep every buffer between queries; after the first query of a size they never allocate.

use crate::cch::{Cch, NONE};
use crate::customize::{CchMetric, INFINITY};

/// Unreachable.
pub const UNREACHABLE: u32 = INFINITY;

/// A tentative time and the hierarchy edge it came through, side by side so that a relaxation
/// touches one cache line.
type Label = [u32; 2];
const UNLABELLED: Label = [INFINITY, NONE];

/// Scratch for point-to-point queries; one per thread.
#[derive(Debug, Default)]
pub struct Query {
    /// Labels from the source, by rank; [`UNLABELLED`] outside the last walk.
    forward: Vec<Label>,
    /// Labels towards the target, by rank.
    backward: Vec<Label>,
    edges: Vec<u32>,
    stack: Vec<u32>,
}

impl Query {
    /// A workspace sized for `cch`.
    pub fn new(cch: &Cch) -> Self {
        let mut q = Self::default();
        q.fit(cch);
        q
    }

    fn fit(&mut self, cch: &Cch) {
        let n = cch.node_count() as usize;
        if self.forward.len() != n {
            self.forward = vec![UNLABELLED; n];
            self.backward = vec![UNLABELLED; n];
        }
    }

    /// Shortest travel time from road node `source` to road node `target`, or `None`.
    pub fn distance(&mut self, cch: &Cch, metric: &CchMetric, source: u32, target: u32) -> Option<u32> {
        let (best, _) = self.run(cch, metric, source, target);
        self.reset(cch, source, target);
        (best != INFINITY).then_some(best)
    }

    /// Shortest travel time and, in `path`, the road arcs from `source` to `target` in order.
    pub fn path(
        &mut self,
        cch: &Cch,
        metric: &CchMetric,
        source: u32,
        target: u32,
        path: &mut Vec<u32>,
    ) -> Option<u32> {
        path.clear();
        let (best, meet) = self.run(cch, metric, source, target);
        if best != INFINITY {
            // Source half: collect edges from the meeting node down to the source, then unpack
            // them source first.
            self.edges.clear();
            let mut at = meet;
            while self.forward[at as usize][1] != NONE {
                let e = self.forward[at as usize][1];
                self.edges.push(e);
                at = cch.edge_low[e as usize];
            }
            for &e in self.edges.iter().rev() {
                metric.unpack(e, false, path, &mut self.stack);
            }
            let mut at = meet;
            while self.backward[at as usize][1] != NONE {
                let e = self.backward[at as usize][1];
                metric.unpack(e, true, path, &mut self.stack);
                at = cch.edge_low[e as usize];
            }
        }
        self.reset(cch, source, target);
        (best != INFINITY).then_some(best)
    }

    /// Walks both ancestor chains in rank order, meeting at their common part; returns the best
    /// time and the rank where it was found.
    fn run(&mut self, cch: &Cch, metric: &CchMetric, source: u32, target: u32) -> (u32, u32) {
        self.fit(cch);
        let (mut s, mut t) = (cch.rank[source as usize], cch.rank[target as usize]);
        self.forward[s as usize][0] = 0;
        self.backward[t as usize][0] = 0;
        let (mut best, mut meet) = (INFINITY, NONE);
        loop {
            if s < t {
                relax(cch, metric, UP, s, best, &mut self.forward);
                s = cch.parent[s as usize];
            } else if t < s {
                relax(cch, metric, DOWN, t, best, &mut self.backward);
                t = cch.parent[t as usize];
            } else if s == NONE {
                return (best, meet);
            } else {
                // A common ancestor: both times here are final.
                let through = self.forward[s as usize][0].saturating_add(self.backward[s as usize][0]);
                if through < best {
                    (best, meet) = (through, s);
                }
                relax(cch, metric, UP, s, best, &mut self.forward);
                relax(cch, metric, DOWN, s, best, &mut self.backward);
                s = cch.parent[s as usize];
                t = s;
            }
        }
    }

    /// Clears what the last walk touched: the two ancestor chains.
    fn reset(&mut self, cch: &Cch, source: u32, target: u32) {
        for (start, labels) in [(source, &mut self.forward), (target, &mut self.backward)] {
            let mut r = cch.rank[start as usize];
            while r != NONE {
                labels[r as usize] = UNLABELLED;
                r = cch.parent[r as usize];
            }
        }
    }
}

const UP: usize = 0;
const DOWN: usize = 1;

/// Relaxes the upward edges of rank `r` in direction `dir` (going up from the source, or down
/// to the target), unless its time cannot beat `best`.
#[inline]
fn relax(cch: &Cch, metric: &CchMetric, dir: usize, r: u32, best: u32, labels: &mut [Label]) {
    let d = labels[r as usize][0];
    if d >= best {
        return;
    }
    let range = cch.up(r);
    let first = range.start;
    let (heads, weights) = (
        &cch.up_head[range.start as usize..range.end as usize],
        &metric.weight[range.start as usize..range.end as usize],
    );
    for (i, (&h, w)) in heads.iter().zip(weights).enumerate() {
        let through = d.saturating_add(w[dir]);
        let label = &mut labels[h as usize];
        if through < label[0] {
            *label = [through, first + i as u32];
        }
    }
}

/// A node's whole upward search space as one row: entry `k` is the time to or from its
/// ancestor at tree depth `k`, so two rows line up on their common ancestors.
#[derive(Debug, Default)]
struct Rows {
    /// `first[i]..first[i + 1]` is row `i` in `time` and `rank`.
    first: Vec<u32>,
    time: Vec<u32>,
    rank: Vec<u32>,
}

/// A row entry for "no time"; half of `u32::MAX` so that two of them add without overflow.
const FAR: u32 = u32::MAX / 2;

impl Rows {
    fn fill(&mut self, cch: &Cch, metric: &CchMetric, nodes: &[u32], upward: bool, scratch: &mut Vec<u32>) {
        self.first.clear();
        self.time.clear();
        self.rank.clear();
        self.first.push(0);
        if scratch.len() != cch.node_count() as usize {
            *scratch = vec![FAR; cch.node_count() as usize];
        }
        let dir = if upward { UP } else { DOWN };
        for &node in nodes {
            let start = cch.rank[node as usize];
            let base = self.time.len();
            let len = cch.depth[start as usize] as usize + 1;
            self.time.resize(base + len, FAR);
            self.rank.resize(base + len, NONE);
            scratch[start as usize] = 0;
            let mut r = start;
            while r != NONE {
                let d = scratch[r as usize];
                scratch[r as usize] = FAR;
                let k = base + cch.depth[r as usize] as usize;
                self.time[k] = d;
                self.rank[k] = r;
                if d < FAR {
                    for e in cch.up(r) {
                        let h = cch.up_head[e as usize] as usize;
                        let w = d.saturating_add(metric.weight[e as usize][dir]).min(FAR);
                        if w < scratch[h] {
                            scratch[h] = w;
                        }
                    }
                }
                r = cch.parent[r as usize];
            }
            self.first.push(self.time.len() as u32);
        }
    }

    fn row(&self, i: usize) -> (&[u32], &[u32]) {
        let range = self.first[i] as usize..self.first[i + 1] as usize;
        (&self.time[range.clone()], &self.rank[range])
    }
}

/// Scratch for tables; one per thread.
#[derive(Debug, Default)]
pub struct Table {
    sources: Rows,
    targets: Targets,
    scratch: Vec<u32>,
}

/// The targets of a table, searched once: a large table splits its sources into chunks that
/// each read the same targets ([`Table::run_to`]), so their searches are not repeated per chunk.
#[derive(Debug, Default)]
pub struct Targets {
    rows: Rows,
    scratch: Vec<u32>,
}

impl Targets {
    /// Empty; it grows on first use.
    pub fn new() -> Self {
        Self::default()
    }

    /// Searches from each of `targets` (downward, toward them).
    pub fn fill(&mut self, cch: &Cch, metric: &CchMetric, targets: &[u32]) {
        self.rows.fill(cch, metric, targets, false, &mut self.scratch);
    }

    /// How many targets there are.
    pub fn len(&self) -> usize {
        self.rows.first.len().saturating_sub(1)
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Table {
    /// An empty workspace; it grows on first use.
    pub fn new() -> Self {
        Self::default()
    }

    /// Fills `out` (row-major, `sources.len() × targets.len()`) with travel times from each
    /// source to each target; [`UNREACHABLE`] where there is no way.
    pub fn run(&mut self, cch: &Cch, metric: &CchMetric, sources: &[u32], targets: &[u32], out: &mut [u32]) {
        self.targets.fill(cch, metric, targets);
        let targets = std::mem::take(&mut self.targets);
        self.run_to(cch, metric, sources, &targets, out);
        self.targets = targets;
    }

    /// [`run`](Self::run) to targets searched beforehand, with the same `cch` and `metric`.
    pub fn run_to(&mut self, cch: &Cch, metric: &CchMetric, sources: &[u32], targets: &Targets, out: &mut [u32]) {
        assert_eq!(out.len(), sources.len() * targets.len(), "one cell per source and target");
        self.sources.fill(cch, metric, sources, true, &mut self.scratch);
        for (i, cells) in out.chunks_exact_mut(targets.len().max(1)).enumerate().take(sources.len()) {
            let (s_time, s_rank) = self.sources.row(i);
            for (j, cell) in cells.iter_mut().enumerate() {
                let (t_time, t_rank) = targets.rows.row(j);
                *cell = meet(s_time, s_rank, t_time, t_rank);
            }
        }
    }
}

/// Best time through a common ancestor of two aligned rows.
fn meet(s_time: &[u32], s_rank: &[u32], t_time: &[u32], t_rank: &[u32]) -> u32 {
    let len = s_rank.len().min(t_rank.len());
    if len == 0 || s_rank[0] != t_rank[0] {
        return UNREACHABLE;
    }
    // Common ancestors form a prefix of both rows (from the root down to the lowest one).
    let (mut lo, mut hi) = (1, len);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if s_rank[mid] == t_rank[mid] { lo = mid + 1 } else { hi = mid }
    }
    let best = s_time[..lo].iter().zip(&t_time[..lo]).map(|(&a, &b)| a + b).min().unwrap_or(u32::MAX);
    if best >= FAR { UNREACHABLE } else { best }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{ArcSpec, Metric, RoadGraph};

    #[test]
    fn rows_meet_only_on_common_ancestors() {
        assert_eq!(meet(&[5, 1, 0], &[9, 4, 2], &[1, 7, 0], &[9, 4, 3]), 6);
        assert_eq!(meet(&[5, 1, 0], &[9, 4, 2], &[3, 0, 0], &[9, 4, 2]), 0);
        assert_eq!(meet(&[5], &[9], &[1], &[8]), UNREACHABLE, "different trees");
        assert_eq!(meet(&[FAR, 0], &[9, 4], &[1, 0], &[9, 3]), UNREACHABLE);
    }

    #[test]
    fn a_one_way_ring_answers_both_ways_round() {
        let arcs: Vec<ArcSpec> = (0..6).map(|i| ArcSpec { from: i, to: (i + 1) % 6, length_m: 1.0 }).collect();
        let g = RoadGraph::new(6, &arcs);
        let metric: Metric = vec![1000; 6];
        let cch = Cch::with_order(&g, &[0, 3, 1, 4, 2, 5]);
        let m = CchMetric::new(&cch, &metric);
        let mut q = Query::new(&cch);
        let mut path = Vec::new();
        assert_eq!(q.path(&cch, &m, 4, 2, &mut path), Some(4000));
        let heads: Vec<u32> = path.iter().map(|&a| g.head(a)).collect();
        assert_eq!(heads, vec![5, 0, 1, 2]);
        assert_eq!(q.distance(&cch, &m, 2, 4), Some(2000));
        assert_eq!(q.distance(&cch, &m, 3, 3), Some(0));
        let mut out = vec![0; 4];
        Table::new().run(&cch, &m, &[0, 5], &[0, 5], &mut out);
        assert_eq!(out, vec![0, 5000, 1000, 0]);
    }
}

//! Dijkstra searches over a [`RoadGraph`] and a [`Metric`], with a reusable workspace so that
//! queries do not allocate once the workspace has grown to the graph.
//!
//! This is the walking skeleton's router; the contraction-hierarchy core replaces it for large
//! maps and keeps this as the reference it is tested against.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::graph::{CLOSED, Metric, RoadGraph};

/// Unreached distance.
pub const UNREACHED: u32 = u32::MAX;

/// Per-thread search state. Entries are valid only where `stamp == generation`, so starting a
/// query is O(1) instead of clearing arrays.
#[derive(Debug, Default)]
pub struct Workspace {
    dist: Vec<u32>,
    parent_arc: Vec<u32>,
    stamp: Vec<u32>,
    generation: u32,
    heap: BinaryHeap<Reverse<(u32, u32)>>,
}

impl Workspace {
    /// A workspace sized for `graph`.
    pub fn new(graph: &RoadGraph) -> Self {
        let n = graph.node_count() as usize;
        Self {
            dist: vec![UNREACHED; n],
            parent_arc: vec![0; n],
            stamp: vec![0; n],
            generation: 0,
            heap: BinaryHeap::new(),
        }
    }

    fn begin(&mut self, node_count: u32) {
        if self.dist.len() != node_count as usize {
            *self = Self { heap: std::mem::take(&mut self.heap), ..Self::default() };
            self.dist = vec![UNREACHED; node_count as usize];
            self.parent_arc = vec![0; node_count as usize];
            self.stamp = vec![0; node_count as usize];
        }
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.stamp.fill(0);
            self.generation = 1;
        }
        self.heap.clear();
    }

    /// Distance found for `node` by the last search.
    pub fn dist(&self, node: u32) -> u32 {
        if self.stamp[node as usize] == self.generation { self.dist[node as usize] } else { UNREACHED }
    }

    fn relax(&mut self, node: u32, d: u32, arc: u32) {
        let i = node as usize;
        if self.stamp[i] != self.generation || d < self.dist[i] {
            self.stamp[i] = self.generation;
            self.dist[i] = d;
            self.parent_arc[i] = arc;
            self.heap.push(Reverse((d, node)));
        }
    }
}

/// Shortest travel time from `source` to `target`; on success `path` holds the arcs in order.
pub fn shortest_path(
    graph: &RoadGraph,
    metric: &Metric,
    ws: &mut Workspace,
    source: u32,
    target: u32,
    path: &mut Vec<u32>,
) -> Option<u32> {
    path.clear();
    ws.begin(graph.node_count());
    ws.relax(source, 0, u32::MAX);
    while let Some(Reverse((d, v))) = ws.heap.pop() {
        if d > ws.dist(v) {
            continue;
        }
        if v == target {
            let mut at = target;
            while at != source {
                let arc = ws.parent_arc[at as usize];
                path.push(arc);
                at = graph.tail(arc);
            }
            path.reverse();
            return Some(d);
        }
        for arc in graph.out_arcs(v) {
            let w = metric[arc as usize];
            if w != CLOSED {
                ws.relax(graph.head(arc), d.saturating_add(w), arc);
            }
        }
    }
    None
}

/// Travel times from every node to `target`, searching backwards until every node in
/// `wanted` is settled or nothing closer than `limit_ms` is left. Read them with
/// [`Workspace::dist`].
pub fn to_target(graph: &RoadGraph, metric: &Metric, ws: &mut Workspace, target: u32, wanted: &[u32], limit_ms: u32) {
    ws.begin(graph.node_count());
    ws.relax(target, 0, u32::MAX);
    let mut open = wanted.len();
    while let Some(Reverse((d, v))) = ws.heap.pop() {
        if d > ws.dist(v) {
            continue;
        }
        if d > limit_ms {
            break;
        }
        // Several wanted entries may share a node; each node settles once.
        if open > 0 {
            open = open.saturating_sub(wanted.iter().filter(|&&w| w == v).count());
            if open == 0 {
                break;
            }
        }
        for &arc in graph.in_arcs(v) {
            let w = metric[arc as usize];
            if w != CLOSED {
                ws.relax(graph.tail(arc), d.saturating_add(w), arc);
            }
        }
    }
}

/// Travel times from `source` to every node within `limit_ms`. Read them with
/// [`Workspace::dist`].
pub fn from_source(graph: &RoadGraph, metric: &Metric, ws: &mut Workspace, source: u32, limit_ms: u32) {
    ws.begin(graph.node_count());
    ws.relax(source, 0, u32::MAX);
    while let Some(Reverse((d, v))) = ws.heap.pop() {
        if d > ws.dist(v) {
            continue;
        }
        if d > limit_ms {
            break;
        }
        for arc in graph.out_arcs(v) {
            let w = metric[arc as usize];
            if w != CLOSED {
                ws.relax(graph.head(arc), d.saturating_add(w), arc);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::ArcSpec;

    /// A deterministic pseudo-random stream for test graphs (SplitMix64).
    fn splitmix(state: &mut u64) -> u64 {
        *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn random_graph(seed: u64, n: u32, m: usize) -> (RoadGraph, Metric) {
        let mut s = seed;
        let arcs: Vec<ArcSpec> = (0..m)
            .map(|_| ArcSpec {
                from: (splitmix(&mut s) % u64::from(n)) as u32,
                to: (splitmix(&mut s) % u64::from(n)) as u32,
                length_m: (splitmix(&mut s) % 500 + 1) as f64,
            })
            .collect();
        let g = RoadGraph::new(n, &arcs);
        let metric: Metric = (0..g.arc_count())
            .map(|a| if splitmix(&mut s).is_multiple_of(10) { CLOSED } else { (g.length_m(a) * 100.0) as u32 })
            .collect();
        (g, metric)
    }

    /// All-pairs reference by Floyd–Warshall.
    fn floyd(g: &RoadGraph, metric: &Metric) -> Vec<Vec<u64>> {
        let n = g.node_count() as usize;
        let mut d = vec![vec![u64::MAX; n]; n];
        for (v, row) in d.iter_mut().enumerate() {
            row[v] = 0;
        }
        for a in 0..g.arc_count() {
            if metric[a as usize] != CLOSED {
                let (u, v) = (g.tail(a) as usize, g.head(a) as usize);
                d[u][v] = d[u][v].min(u64::from(metric[a as usize]));
            }
        }
        for k in 0..n {
            for i in 0..n {
                for j in 0..n {
                    let via = d[i][k].saturating_add(d[k][j]);
                    if via < d[i][j] {
                        d[i][j] = via;
                    }
                }
            }
        }
        d
    }

    #[test]
    fn agrees_with_floyd_warshall_on_random_graphs() {
        for seed in [1u64, 2, 3, 42, 1234] {
            let (g, metric) = random_graph(seed, 30, 90);
            let reference = floyd(&g, &metric);
            let mut ws = Workspace::new(&g);
            let mut path = Vec::new();
            for s in 0..g.node_count() {
                for t in 0..g.node_count() {
                    let expected = reference[s as usize][t as usize];
                    let got = shortest_path(&g, &metric, &mut ws, s, t, &mut path);
                    assert_eq!(got.map(u64::from), (expected != u64::MAX).then_some(expected), "seed {seed}: {s}->{t}");
                    if let Some(d) = got {
                        let mut at = s;
                        let mut sum = 0u32;
                        for &arc in &path {
                            assert_eq!(g.tail(arc), at, "seed {seed}: path is connected");
                            at = g.head(arc);
                            sum += metric[arc as usize];
                        }
                        assert_eq!((at, sum), (t, d), "seed {seed}: path ends at target with its length");
                    }
                }
                from_source(&g, &metric, &mut ws, s, u32::MAX);
                for v in 0..g.node_count() {
                    let expected = reference[s as usize][v as usize];
                    let got = u64::from(ws.dist(v));
                    assert_eq!(
                        got,
                        if expected == u64::MAX { u64::from(UNREACHED) } else { expected },
                        "seed {seed}: {s}->{v} forwards"
                    );
                }
                to_target(&g, &metric, &mut ws, s, &[], u32::MAX);
                for v in 0..g.node_count() {
                    let expected = reference[v as usize][s as usize];
                    let got = ws.dist(v);
                    assert_eq!(
                        u64::from(got),
                        if expected == u64::MAX { u64::from(UNREACHED) } else { expected },
                        "seed {seed}: {v}->{s} backwards"
                    );
                }
            }
        }
    }

    #[test]
    fn backward_search_stops_when_wanted_nodes_settle() {
        let arcs: Vec<ArcSpec> = (0..9).map(|i| ArcSpec { from: i + 1, to: i, length_m: 10.0 }).collect();
        let g = RoadGraph::new(10, &arcs);
        let metric = g.metric_from_speeds(|_| 36.0);
        let mut ws = Workspace::new(&g);
        to_target(&g, &metric, &mut ws, 0, &[3, 3], u32::MAX);
        assert_eq!(ws.dist(3), 3000);
        assert_eq!(ws.dist(9), UNREACHED, "search stopped after the wanted node");
        to_target(&g, &metric, &mut ws, 0, &[9], 2500);
        assert_eq!(ws.dist(2), 2000);
        assert_eq!(ws.dist(9), UNREACHED, "search stopped at the limit");
    }
}

//! The metric-independent half of a customizable contraction hierarchy (CCH): nodes renumbered
//! by rank, the chordal supergraph of the road graph under that order, its elimination tree, and
//! for every hierarchy edge the lower triangles that customization relaxes it through.
//!
//! A hierarchy edge joins a lower-ranked node to a higher-ranked one and carries two weights:
//! `up` (lower to higher) and `down` (higher to lower). Every road arc lands on exactly one edge
//! and direction. Built once per map; a rule change only re-runs customization
//! ([`crate::customize`]).

use crate::geom::Vec2;
use crate::graph::{RoadGraph, csr_offsets};
use crate::order::{Undirected, nested_dissection};

/// Marks "no node" / "no edge".
pub const NONE: u32 = u32::MAX;
/// Direction bit of an arc slot: the arc runs from the higher-ranked node down.
pub(crate) const DOWN: u32 = 1;

/// A customizable contraction hierarchy over one road graph.
#[derive(Clone, Debug, PartialEq)]
pub struct Cch {
    /// Rank of each road node.
    pub(crate) rank: Vec<u32>,
    /// Road node of each rank.
    pub(crate) node: Vec<u32>,
    /// Elimination-tree parent of each rank ([`NONE`] for a root).
    pub(crate) parent: Vec<u32>,
    /// Depth of each rank in the elimination tree (roots are 0).
    pub(crate) depth: Vec<u32>,
    /// `first_up[r]..first_up[r + 1]`: edges from rank `r` to higher ranks, sorted by head.
    pub(crate) first_up: Vec<u32>,
    /// Higher endpoint of each edge.
    pub(crate) up_head: Vec<u32>,
    /// Lower endpoint of each edge.
    pub(crate) edge_low: Vec<u32>,
    /// `first_triangle[e]..`: the lower triangles of edge `e` as pairs of edges
    /// `(x→low, x→high)`, ordered by `x`.
    pub(crate) first_triangle: Vec<u32>,
    pub(crate) triangles: Vec<[u32; 2]>,
    /// `first_dependent[e]..`: the edges with a lower triangle through `e`, ascending.
    pub(crate) first_dependent: Vec<u32>,
    pub(crate) dependents: Vec<u32>,
    /// `first_arc[e]..`: road arcs on edge `e` as `arc << 1 | direction`, ascending.
    pub(crate) first_arc: Vec<u32>,
    pub(crate) edge_arcs: Vec<u32>,
    /// Edge of each road arc ([`NONE`] for a self-loop).
    pub(crate) arc_edge: Vec<u32>,
}

impl Cch {
    /// Orders `graph` by nested dissection over `positions` and builds the hierarchy.
    pub fn new(graph: &RoadGraph, positions: &[Vec2]) -> Self {
        Self::with_order(graph, &nested_dissection(graph, positions))
    }

    /// Builds the hierarchy for a given contraction order (`order[i]` has rank `i`).
    pub fn with_order(graph: &RoadGraph, order: &[u32]) -> Self {
        let n = graph.node_count() as usize;
        assert_eq!(order.len(), n, "the order must rank every node once");
        let mut rank = vec![NONE; n];
        for (r, &v) in order.iter().enumerate() {
            assert_eq!(rank[v as usize], NONE, "node {v} ranked twice");
            rank[v as usize] = r as u32;
        }
        let adjacency = Undirected::of(graph);
        // Eliminating nodes in rank order: a node's higher neighbours become a clique, which is
        // passed on to its lowest higher neighbour (its elimination-tree parent).
        let mut pending: Vec<Vec<u32>> = vec![Vec::new(); n];
        for v in 0..n as u32 {
            let r = rank[v as usize];
            pending[r as usize].extend(adjacency.of_node(v).iter().map(|&w| rank[w as usize]).filter(|&w| w > r));
        }
        let mut parent = vec![NONE; n];
        let mut first_up = Vec::with_capacity(n + 1);
        let mut up_head: Vec<u32> = Vec::new();
        first_up.push(0u32);
        for r in 0..n {
            let mut ups = std::mem::take(&mut pending[r]);
            ups.sort_unstable();
            ups.dedup();
            if let Some((&p, rest)) = ups.split_first() {
                parent[r] = p;
                pending[p as usize].extend_from_slice(rest);
            }
            up_head.extend_from_slice(&ups);
            first_up.push(up_head.len() as u32);
        }
        let mut depth = vec![0u32; n];
        for r in (0..n).rev() {
            if parent[r] != NONE {
                depth[r] = depth[parent[r] as usize] + 1;
            }
        }
        let mut edge_low = vec![0u32; up_head.len()];
        for r in 0..n {
            edge_low[first_up[r] as usize..first_up[r + 1] as usize].fill(r as u32);
        }
        let mut cch = Cch {
            rank,
            node: order.to_vec(),
            parent,
            depth,
            first_up,
            up_head,
            edge_low,
            first_triangle: Vec::new(),
            triangles: Vec::new(),
            first_dependent: Vec::new(),
            dependents: Vec::new(),
            first_arc: Vec::new(),
            edge_arcs: Vec::new(),
            arc_edge: Vec::new(),
        };
        cch.index_triangles();
        cch.index_arcs(graph);
        cch
    }

    /// Number of road nodes.
    pub fn node_count(&self) -> u32 {
        self.rank.len() as u32
    }

    /// Number of hierarchy edges.
    pub fn edge_count(&self) -> u32 {
        self.up_head.len() as u32
    }

    /// Number of lower triangles (the work of one full customization).
    pub fn triangle_count(&self) -> usize {
        self.triangles.len()
    }

    /// Height of the elimination tree (the longest search a query walks).
    pub fn height(&self) -> u32 {
        self.depth.iter().max().map_or(0, |d| d + 1)
    }

    /// Edges leaving rank `r` upwards.
    pub(crate) fn up(&self, r: u32) -> std::ops::Range<u32> {
        self.first_up[r as usize]..self.first_up[r as usize + 1]
    }

    /// The edge joining ranks `low < high`, if any.
    pub(crate) fn edge(&self, low: u32, high: u32) -> Option<u32> {
        let range = self.up(low);
        let heads = &self.up_head[range.start as usize..range.end as usize];
        heads.binary_search(&high).ok().map(|i| range.start + i as u32)
    }

    /// Lower triangles of edge `e`.
    pub(crate) fn triangles_of(&self, e: u32) -> &[[u32; 2]] {
        &self.triangles[self.first_triangle[e as usize] as usize..self.first_triangle[e as usize + 1] as usize]
    }

    /// Edges whose triangles use `e`.
    pub(crate) fn dependents_of(&self, e: u32) -> &[u32] {
        &self.dependents[self.first_dependent[e as usize] as usize..self.first_dependent[e as usize + 1] as usize]
    }

    /// Road arcs on edge `e`, as `arc << 1 | direction`.
    pub(crate) fn arcs_of(&self, e: u32) -> &[u32] {
        &self.edge_arcs[self.first_arc[e as usize] as usize..self.first_arc[e as usize + 1] as usize]
    }

    /// Calls `found(x→a, x→b, a→b)` for every triangle `x < a < b`, by increasing `x`.
    fn for_each_triangle(&self, mut found: impl FnMut(u32, u32, u32)) {
        for x in 0..self.node_count() {
            let ups = self.up(x);
            for xa in ups.clone() {
                let a = self.up_head[xa as usize];
                // The chordal closure puts every later higher neighbour of x among a's.
                let mut ab = self.first_up[a as usize];
                for xb in xa + 1..ups.end {
                    let b = self.up_head[xb as usize];
                    while self.up_head[ab as usize] < b {
                        ab += 1;
                    }
                    debug_assert_eq!(self.up_head[ab as usize], b, "the hierarchy is chordal");
                    found(xa, xb, ab);
                }
            }
        }
    }

    fn index_triangles(&mut self) {
        let m = self.up_head.len();
        let mut first_triangle = vec![0u32; m + 1];
        let mut first_dependent = vec![0u32; m + 1];
        self.for_each_triangle(|xa, xb, ab| {
            first_triangle[ab as usize + 1] += 1;
            first_dependent[xa as usize + 1] += 1;
            first_dependent[xb as usize + 1] += 1;
        });
        for e in 0..m {
            first_triangle[e + 1] += first_triangle[e];
            first_dependent[e + 1] += first_dependent[e];
        }
        let mut triangles = vec![[0u32; 2]; first_triangle[m] as usize];
        let mut dependents = vec![0u32; first_dependent[m] as usize];
        let (mut fill_t, mut fill_d) = (first_triangle.clone(), first_dependent.clone());
        self.for_each_triangle(|xa, xb, ab| {
            triangles[fill_t[ab as usize] as usize] = [xa, xb];
            fill_t[ab as usize] += 1;
            for e in [xa, xb] {
                dependents[fill_d[e as usize] as usize] = ab;
                fill_d[e as usize] += 1;
            }
        });
        for e in 0..m {
            dependents[first_dependent[e] as usize..first_dependent[e + 1] as usize].sort_unstable();
        }
        self.first_triangle = first_triangle;
        self.triangles = triangles;
        self.first_dependent = first_dependent;
        self.dependents = dependents;
    }

    fn index_arcs(&mut self, graph: &RoadGraph) {
        let m = self.up_head.len();
        let mut arc_edge = vec![NONE; graph.arc_count() as usize];
        let mut slots = Vec::with_capacity(graph.arc_count() as usize);
        for arc in 0..graph.arc_count() {
            let (u, v) = (self.rank[graph.tail(arc) as usize], self.rank[graph.head(arc) as usize]);
            if u == v {
                continue;
            }
            let e = self.edge(u.min(v), u.max(v)).expect("every road arc is a hierarchy edge");
            arc_edge[arc as usize] = e;
            slots.push((e, (arc << 1) | (u32::from(u > v) * DOWN)));
        }
        slots.sort_unstable();
        self.first_arc = csr_offsets(m, slots.iter().map(|&(e, _)| e));
        self.edge_arcs = slots.into_iter().map(|(_, slot)| slot).collect();
        self.arc_edge = arc_edge;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::ArcSpec;

    #[test]
    fn a_path_contracted_from_one_end_has_no_shortcuts() {
        let arcs: Vec<ArcSpec> = (0..4).map(|i| ArcSpec { from: i, to: i + 1, length_m: 1.0 }).collect();
        let g = RoadGraph::new(5, &arcs);
        let cch = Cch::with_order(&g, &[0, 1, 2, 3, 4]);
        assert_eq!(cch.edge_count(), 4);
        assert_eq!(cch.triangle_count(), 0);
        assert_eq!(cch.parent, vec![1, 2, 3, 4, NONE]);
        assert_eq!(cch.height(), 5);
    }

    #[test]
    fn contracting_the_middle_of_a_star_fills_a_clique() {
        // Centre 0 joined to 1, 2, 3; ranking the centre first makes 1, 2, 3 a triangle.
        let arcs: Vec<ArcSpec> = (1..4).map(|i| ArcSpec { from: 0, to: i, length_m: 1.0 }).collect();
        let g = RoadGraph::new(4, &arcs);
        let cch = Cch::with_order(&g, &[0, 1, 2, 3]);
        assert_eq!(cch.edge_count(), 6);
        // Three through the centre, and 1-2-3 itself.
        assert_eq!(cch.triangle_count(), 4);
        let e12 = cch.edge(1, 2).expect("fill edge");
        assert_eq!(cch.triangles_of(e12).len(), 1);
        let [xa, xb] = cch.triangles_of(e12)[0];
        assert_eq!((cch.edge_low[xa as usize], cch.up_head[xa as usize], cch.up_head[xb as usize]), (0, 1, 2));
        assert_eq!(cch.dependents_of(xa).len(), 2);
        assert_eq!(cch.arcs_of(cch.edge(0, 3).expect("road edge")), &[2 << 1]);
    }
}

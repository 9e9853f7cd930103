//! Customization: travel times on the hierarchy's edges for one road metric.
//!
//! Each edge takes the best of its own road arcs and of every lower triangle through it. Edges
//! are stored by the rank of their lower endpoint, and a triangle's two other edges always hang
//! from a lower node, so one pass in edge order finishes every edge it reads.
//!
//! A rule change re-customizes only what it touches: the edges of the changed arcs are marked,
//! the pass visits marked edges only, and an edge whose weights moved marks the edges that lean
//! on it. An edge's result depends on its inputs alone, so the partial pass gives exactly the
//! bytes a full one would (a test holds it to that).

use crate::cch::{Cch, DOWN, NONE};
use crate::graph::{CLOSED, Metric};

/// Weight of an edge no road realises.
pub const INFINITY: u32 = CLOSED;
/// Marks a `via` entry that names a road arc rather than a triangle.
const ARC: u32 = 1 << 31;

/// Edge weights of a hierarchy for one metric, with what realises each of them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CchMetric {
    /// `[up, down]` of each edge, side by side: a triangle reads both of two edges.
    pub(crate) weight: Vec<[u32; 2]>,
    /// How each edge unpacks, upward pair then downward pair: `[ARC | arc, NONE]` for a road
    /// arc, or the two half-edges (`edge << 1 | direction`) of the winning triangle in driving
    /// order; [`NONE`] when the weight is infinite. One cache line per step of an unpacking.
    pub(crate) via: Vec<[u32; 4]>,
    /// The road metric the weights were customized for.
    pub(crate) road: Metric,
    /// Dirty bits of a partial customization, kept to avoid reallocating.
    dirty: Vec<u64>,
}

impl CchMetric {
    /// Customizes `cch` for `metric` (one travel time per road arc, [`CLOSED`] for a closed arc).
    pub fn new(cch: &Cch, metric: &Metric) -> Self {
        let m = cch.edge_count() as usize;
        assert_eq!(metric.len(), cch.arc_edge.len(), "one weight per road arc");
        let mut out = Self {
            weight: vec![[INFINITY; 2]; m],
            via: vec![[NONE; 4]; m],
            road: metric.clone(),
            dirty: vec![0; m.div_ceil(64)],
        };
        for e in 0..m as u32 {
            out.settle(cch, e);
        }
        out
    }

    /// The road metric these weights were customized for.
    pub fn road(&self) -> &Metric {
        &self.road
    }

    /// Moves to `metric`, re-customizing only the edges the changed arcs reach (all of them
    /// the first time, on an empty [`CchMetric::default`]). Returns the number of hierarchy
    /// edges recomputed.
    pub fn update(&mut self, cch: &Cch, metric: &Metric) -> usize {
        if self.weight.len() != cch.edge_count() as usize || self.road.len() != metric.len() {
            *self = Self::new(cch, metric);
            return cch.edge_count() as usize;
        }
        let mut any = false;
        for (arc, (&new, old)) in metric.iter().zip(self.road.iter_mut()).enumerate() {
            if new != *old {
                *old = new;
                let e = cch.arc_edge[arc];
                if e != NONE {
                    self.dirty[e as usize / 64] |= 1 << (e % 64);
                    any = true;
                }
            }
        }
        if !any {
            return 0;
        }
        let mut settled = 0;
        for word in 0..self.dirty.len() {
            // Dependents always sit at higher edge ids, so marks land ahead of the sweep.
            while self.dirty[word] != 0 {
                let bit = self.dirty[word].trailing_zeros();
                self.dirty[word] &= !(1 << bit);
                let e = word as u32 * 64 + bit;
                settled += 1;
                if self.settle(cch, e) {
                    for &d in cch.dependents_of(e) {
                        self.dirty[d as usize / 64] |= 1 << (d % 64);
                    }
                }
            }
        }
        settled
    }

    /// Recomputes edge `e` from its arcs and lower triangles; says whether a weight changed.
    fn settle(&mut self, cch: &Cch, e: u32) -> bool {
        let (mut up, mut down) = (INFINITY, INFINITY);
        let (mut up_via, mut down_via) = ([NONE; 2], [NONE; 2]);
        for &slot in cch.arcs_of(e) {
            let arc = slot >> 1;
            let w = self.road[arc as usize];
            if slot & DOWN == 0 {
                if w < up {
                    (up, up_via) = (w, [ARC | arc, NONE]);
                }
            } else if w < down {
                (down, down_via) = (w, [ARC | arc, NONE]);
            }
        }
        // The hot loop keeps only two times and two triangle positions live; what wins is
        // spelled out once afterwards.
        let triangles = cch.triangles_of(e);
        let (mut up_at, mut down_at) = (usize::MAX, usize::MAX);
        for (i, &[xa, xb]) in triangles.iter().enumerate() {
            let ([a_up, a_down], [b_up, b_down]) = (self.weight[xa as usize], self.weight[xb as usize]);
            // low → x → high: down `xa`, then up `xb`; high → x → low: down `xb`, then up `xa`.
            let through_up = a_down.saturating_add(b_up);
            if through_up < up {
                (up, up_at) = (through_up, i);
            }
            let through_down = b_down.saturating_add(a_up);
            if through_down < down {
                (down, down_at) = (through_down, i);
            }
        }
        if let Some(&[xa, xb]) = triangles.get(up_at) {
            up_via = [(xa << 1) | DOWN, xb << 1];
        }
        if let Some(&[xa, xb]) = triangles.get(down_at) {
            down_via = [(xb << 1) | DOWN, xa << 1];
        }
        let i = e as usize;
        let changed = self.weight[i] != [up, down];
        self.weight[i] = [up, down];
        self.via[i] = [up_via[0], up_via[1], down_via[0], down_via[1]];
        changed
    }

    /// Appends the road arcs of edge `e` in the given direction to `path`, using `stack` as
    /// scratch. Both keep their capacity, so this does not allocate once warm.
    pub(crate) fn unpack(&self, e: u32, downward: bool, path: &mut Vec<u32>, stack: &mut Vec<u32>) {
        stack.clear();
        let mut half = (e << 1) | u32::from(downward);
        loop {
            let via = &self.via[(half >> 1) as usize];
            let [first, second] = if half & DOWN == 0 { [via[0], via[1]] } else { [via[2], via[3]] };
            debug_assert_ne!(first, NONE, "unpacking an unreachable edge");
            if first & ARC != 0 {
                path.push(first & !ARC);
                match stack.pop() {
                    Some(next) => half = next,
                    None => return,
                }
            } else {
                stack.push(second);
                half = first;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{ArcSpec, RoadGraph};

    fn star() -> (RoadGraph, Cch) {
        // Centre 0 with spokes to 1, 2, 3 both ways; ranking the centre first needs shortcuts.
        let mut arcs = Vec::new();
        for i in 1..4 {
            arcs.push(ArcSpec { from: 0, to: i, length_m: f64::from(i) });
            arcs.push(ArcSpec { from: i, to: 0, length_m: 10.0 * f64::from(i) });
        }
        let g = RoadGraph::new(4, &arcs);
        let cch = Cch::with_order(&g, &[0, 1, 2, 3]);
        (g, cch)
    }

    #[test]
    fn shortcuts_take_the_best_triangle_and_unpack_to_road_arcs() {
        let (g, cch) = star();
        let metric: Metric = (0..g.arc_count()).map(|a| (g.length_m(a) * 1000.0) as u32).collect();
        let m = CchMetric::new(&cch, &metric);
        let e13 = cch.edge(1, 3).expect("fill edge") as usize;
        // 1 → 0 → 3 is 10 + 3 m; 3 → 0 → 1 is 30 + 1 m.
        assert_eq!(m.weight[e13], [13_000, 31_000]);
        let (mut path, mut stack) = (Vec::new(), Vec::new());
        m.unpack(e13 as u32, false, &mut path, &mut stack);
        let nodes: Vec<(u32, u32)> = path.iter().map(|&a| (g.tail(a), g.head(a))).collect();
        assert_eq!(nodes, vec![(1, 0), (0, 3)]);
    }

    #[test]
    fn a_partial_update_equals_a_fresh_customization() {
        let (g, cch) = star();
        let metric: Metric = (0..g.arc_count()).map(|a| (g.length_m(a) * 1000.0) as u32).collect();
        let mut m = CchMetric::new(&cch, &metric);
        let mut changed = metric.clone();
        changed[g.find_arc(1, 0).expect("spoke") as usize] = CLOSED;
        assert!(m.update(&cch, &changed) > 0);
        assert_eq!(m, CchMetric::new(&cch, &changed));
        assert_eq!(m.update(&cch, &changed), 0, "nothing changed");
    }
}

//! Contracts degree-2 chains of a raw network into single arcs between junctions and dead ends.

use pilotzone_routing::{ArcSpec, CLOSED, Metric, RoadGraph, Vec2};

use crate::network::csr;
use crate::{RawArc, RawNetwork};

/// The network with degree-2 chains contracted away: nodes are junctions and dead ends; an arc
/// is a maximal chain of raw arcs.
///
/// A raw node is a chain interior, and disappears, when traffic can only pass straight
/// through it:
///
/// - one-way: exactly one arc in, from `a`, and one arc out, to `b`, with `a ≠ b`; or
/// - two-way: exactly two arcs in, from `a` and `b`, and two out, to `a` and `b`, with `a ≠ b`.
///
/// Every other node is kept: junctions, dead ends (where a two-way road turns back), points
/// where a road changes between one- and two-way, and nodes with parallel arcs. A ring made
/// only of interior nodes keeps its lowest raw node, whose arcs become self-loops. Parallel
/// contracted arcs (two chains between the same junctions) are kept as they are.
#[derive(Clone, Debug, PartialEq)]
pub struct Contracted {
    /// The contracted graph; its arc lengths are the sums of the raw lengths (to the
    /// millimetre). Arcs were given to [`RoadGraph::new`] by kept tail in raw order, then by
    /// the tail's raw out-arcs in raw order; [`RoadGraph::arc_of_input`] maps that order.
    pub graph: RoadGraph,
    /// Per contracted node: position in metres, as in [`RawNetwork::xy`].
    pub xy: Vec<Vec2>,
    /// Per raw node: its contracted node, or `u32::MAX` if it is a chain interior.
    pub node_of_raw: Vec<u32>,
    /// Per contracted node: the raw node. Increasing: contracted nodes keep the raw order.
    pub raw_node_of: Vec<u32>,
    /// Per raw arc: the contracted arc (a [`RoadGraph`] arc id) containing it.
    pub arc_of_raw: Vec<u32>,
    /// Per contracted arc id `a`: `first_raw[a]..first_raw[a + 1]` indexes [`Contracted::raw_arcs`].
    pub first_raw: Vec<u32>,
    /// The raw arcs of every contracted arc in driving order, grouped by contracted arc id.
    pub raw_arcs: Vec<u32>,
}

/// Out-arcs of a raw network, and how a chain continues through an interior node.
struct Chains<'a> {
    arcs: &'a [RawArc],
    first_out: Vec<u32>,
    out: Vec<u32>,
}

impl Chains<'_> {
    fn outs(&self, v: u32) -> &[u32] {
        &self.out[self.first_out[v as usize] as usize..self.first_out[v as usize + 1] as usize]
    }

    /// The arc that continues raw arc `e` through its (interior) head.
    fn next(&self, e: u32) -> u32 {
        let arc = self.arcs[e as usize];
        match self.outs(arc.to) {
            [only] => *only,
            outs => *outs
                .iter()
                .find(|&&o| self.arcs[o as usize].to != arc.from)
                .expect("a two-way interior node leaves towards the neighbour it was not entered from"),
        }
    }

    /// Follows the chain starting with raw arc `first` until it reaches a kept node, calling
    /// `visit` on each raw arc; returns that node.
    fn follow(&self, first: u32, kept: &[bool], mut visit: impl FnMut(u32)) -> u32 {
        let mut e = first;
        loop {
            visit(e);
            let head = self.arcs[e as usize].to;
            if kept[head as usize] {
                return head;
            }
            e = self.next(e);
        }
    }
}

/// Whether a node with these in- and out-arcs is a chain interior (see [`Contracted`]).
fn is_interior(arcs: &[RawArc], ins: &[u32], outs: &[u32]) -> bool {
    let tail = |e: &u32| arcs[*e as usize].from;
    let head = |e: &u32| arcs[*e as usize].to;
    match (ins, outs) {
        ([i], [o]) => tail(i) != head(o),
        ([i0, i1], [o0, o1]) => {
            let (a, b) = (tail(i0), tail(i1));
            a != b && ((head(o0), head(o1)) == (a, b) || (head(o0), head(o1)) == (b, a))
        }
        _ => false,
    }
}

impl Contracted {
    /// Contracts `raw` (see [`Contracted`] for which nodes stay). Linear in the network size.
    pub fn build(raw: &RawNetwork) -> Contracted {
        let n = raw.node_count() as usize;
        let arcs = &raw.arcs[..];
        let by_arc = |key: fn(&RawArc) -> u32| arcs.iter().enumerate().map(move |(i, a)| (key(a), i as u32));
        let (first_out, out) = csr(n, by_arc(|a| a.from));
        let (first_in, ins) = csr(n, by_arc(|a| a.to));
        let chains = Chains { arcs, first_out, out };
        let mut kept: Vec<bool> = (0..n)
            .map(|v| {
                let ins = &ins[first_in[v] as usize..first_in[v + 1] as usize];
                !is_interior(arcs, ins, chains.outs(v as u32))
            })
            .collect();

        // Chains from kept nodes cover every arc except rings of interior nodes: an uncovered
        // arc's predecessor and successor are uncovered too, so they close up into a cycle.
        let mut covered = vec![false; arcs.len()];
        for v in 0..n as u32 {
            if kept[v as usize] {
                for &e in chains.outs(v) {
                    chains.follow(e, &kept, |r| covered[r as usize] = true);
                }
            }
        }
        for start in 0..arcs.len() as u32 {
            if covered[start as usize] {
                continue;
            }
            let (mut e, mut lowest) = (start, arcs[start as usize].from);
            loop {
                debug_assert!(!kept[arcs[e as usize].to as usize], "an uncovered arc lies on a ring");
                lowest = lowest.min(arcs[e as usize].to);
                e = chains.next(e);
                if e == start {
                    break;
                }
            }
            // Keeping one ring node turns the ring (both directions, if two-way) into chains.
            kept[lowest as usize] = true;
            for &e in chains.outs(lowest) {
                chains.follow(e, &kept, |r| covered[r as usize] = true);
            }
        }

        let mut node_of_raw = vec![u32::MAX; n];
        let raw_node_of: Vec<u32> = (0..n as u32).filter(|&v| kept[v as usize]).collect();
        for (c, &v) in raw_node_of.iter().enumerate() {
            node_of_raw[v as usize] = c as u32;
        }
        let mut specs = Vec::new();
        let (mut input_first, mut input_raw) = (vec![0u32], Vec::with_capacity(arcs.len()));
        for &v in &raw_node_of {
            for &e in chains.outs(v) {
                let mut length_m = 0.0;
                let end = chains.follow(e, &kept, |r| {
                    length_m += arcs[r as usize].length_m;
                    input_raw.push(r);
                });
                input_first.push(input_raw.len() as u32);
                specs.push(ArcSpec { from: node_of_raw[v as usize], to: node_of_raw[end as usize], length_m });
            }
        }
        let graph = RoadGraph::new(raw_node_of.len() as u32, &specs);

        // Regroup the chains by graph arc id.
        let mut input_of_arc = vec![0u32; specs.len()];
        for i in 0..specs.len() {
            input_of_arc[graph.arc_of_input(i) as usize] = i as u32;
        }
        let mut arc_of_raw = vec![u32::MAX; arcs.len()];
        let (mut first_raw, mut raw_arcs) = (vec![0u32], Vec::with_capacity(arcs.len()));
        for (arc, &i) in input_of_arc.iter().enumerate() {
            for &r in &input_raw[input_first[i as usize] as usize..input_first[i as usize + 1] as usize] {
                arc_of_raw[r as usize] = arc as u32;
                raw_arcs.push(r);
            }
            first_raw.push(raw_arcs.len() as u32);
        }
        let xy = raw_node_of.iter().map(|&v| raw.xy[v as usize]).collect();
        Contracted { graph, xy, node_of_raw, raw_node_of, arc_of_raw, first_raw, raw_arcs }
    }

    /// The contracted metric from per-raw-arc travel times: the sum along each chain,
    /// saturating below [`CLOSED`], and [`CLOSED`] if any raw arc of the chain is.
    ///
    /// # Panics
    /// If `raw_ms` does not have one entry per raw arc.
    pub fn lift_metric(&self, raw_ms: &[u32]) -> Metric {
        assert_eq!(raw_ms.len(), self.arc_of_raw.len(), "lift_metric needs one travel time per raw arc");
        (0..self.graph.arc_count())
            .map(|arc| {
                let mut sum = 0u32;
                for &r in self.raw_arcs_of(arc) {
                    match raw_ms[r as usize] {
                        CLOSED => return CLOSED,
                        w => sum = sum.saturating_add(w),
                    }
                }
                sum.min(CLOSED - 1)
            })
            .collect()
    }

    /// The raw arcs along contracted arc `arc`, in driving order.
    pub fn raw_arcs_of(&self, arc: u32) -> &[u32] {
        &self.raw_arcs[self.first_raw[arc as usize] as usize..self.first_raw[arc as usize + 1] as usize]
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Checks every structural promise of [`Contracted`] against the raw network it came from.
    pub(crate) fn check_invariants(raw: &RawNetwork, c: &Contracted) {
        let g = &c.graph;
        assert_eq!(c.node_of_raw.len(), raw.node_count() as usize);
        assert_eq!((c.xy.len(), g.node_count() as usize), (c.raw_node_of.len(), c.raw_node_of.len()));
        assert!(c.raw_node_of.windows(2).all(|w| w[0] < w[1]), "contracted nodes keep the raw order");
        for (k, &v) in c.raw_node_of.iter().enumerate() {
            assert_eq!(c.node_of_raw[v as usize], k as u32);
            assert_eq!(c.xy[k], raw.xy[v as usize]);
        }
        assert_eq!(c.first_raw.len(), g.arc_count() as usize + 1);
        assert_eq!((c.raw_arcs.len(), c.arc_of_raw.len()), (raw.arcs.len(), raw.arcs.len()));
        let mut seen = vec![0u32; raw.arcs.len()];
        let raw_ms = raw.travel_times_ms();
        let lifted = c.lift_metric(&raw_ms);
        for arc in 0..g.arc_count() {
            let chain = c.raw_arcs_of(arc);
            assert!(!chain.is_empty());
            let (first, last) = (raw.arcs[chain[0] as usize], raw.arcs[chain[chain.len() - 1] as usize]);
            assert_eq!(first.from, c.raw_node_of[g.tail(arc) as usize]);
            assert_eq!(last.to, c.raw_node_of[g.head(arc) as usize]);
            for w in chain.windows(2) {
                let via = raw.arcs[w[0] as usize].to;
                assert_eq!(via, raw.arcs[w[1] as usize].from, "raw arcs connect in driving order");
                assert_eq!(c.node_of_raw[via as usize], u32::MAX, "a chain passes only interior nodes");
            }
            for &r in chain {
                seen[r as usize] += 1;
                assert_eq!(c.arc_of_raw[r as usize], arc);
            }
            let length: f64 = chain.iter().map(|&r| raw.arcs[r as usize].length_m).sum();
            assert!((g.length_m(arc) - length).abs() <= 0.0005 + 1e-9, "{} vs {length}", g.length_m(arc));
            let ms: u64 = chain.iter().map(|&r| u64::from(raw_ms[r as usize])).sum();
            assert_eq!(u64::from(lifted[arc as usize]), ms);
        }
        assert!(seen.iter().all(|&k| k == 1), "every raw arc lies on exactly one contracted arc");
    }

    fn network(n: usize, pairs: &[(u32, u32)]) -> RawNetwork {
        RawNetwork {
            osm_id: (0..n as i64).collect(),
            xy: (0..n).map(|i| Vec2::new(10.0 * i as f64, 0.0)).collect(),
            origin_lat_lon: (60.0, 25.0),
            arcs: pairs
                .iter()
                .enumerate()
                .map(|(i, &(from, to))| RawArc { from, to, length_m: 10.0 + i as f64, speed_kmh: 36.0 })
                .collect(),
        }
    }

    fn chains(c: &Contracted) -> Vec<(u32, u32, Vec<u32>)> {
        let g = &c.graph;
        (0..g.arc_count()).map(|a| (g.tail(a), g.head(a), c.raw_arcs_of(a).to_vec())).collect()
    }

    #[test]
    fn a_two_way_chain_becomes_two_arcs() {
        // 0 - 1 - 2 - 3, two-way, as a way would give it.
        let raw = network(4, &[(0, 1), (1, 0), (1, 2), (2, 1), (2, 3), (3, 2)]);
        let c = Contracted::build(&raw);
        check_invariants(&raw, &c);
        assert_eq!(c.raw_node_of, vec![0, 3]);
        assert_eq!(c.node_of_raw, vec![0, u32::MAX, u32::MAX, 1]);
        assert_eq!(chains(&c), vec![(0, 1, vec![0, 2, 4]), (1, 0, vec![5, 3, 1])]);
        assert_eq!(c.graph.length_m(0), 10.0 + 12.0 + 14.0);
        assert_eq!(c.graph.length_m(1), 15.0 + 13.0 + 11.0);
        assert_eq!(c.xy, vec![Vec2::new(0.0, 0.0), Vec2::new(30.0, 0.0)]);
    }

    #[test]
    fn junctions_dead_ends_and_direction_changes_stay() {
        // 0 → 1 → 2 one-way, then 2 - 3 two-way, 3 - 4 two-way and 3 - 5 two-way (a junction).
        let raw = network(6, &[(0, 1), (1, 2), (2, 3), (3, 2), (3, 4), (4, 3), (3, 5), (5, 3)]);
        let c = Contracted::build(&raw);
        check_invariants(&raw, &c);
        assert_eq!(c.raw_node_of, vec![0, 2, 3, 4, 5]);
        assert_eq!(chains(&c)[..4], [(0, 1, vec![0, 1]), (1, 2, vec![2]), (2, 1, vec![3]), (2, 3, vec![4])]);
        // Parallel arcs make a node a junction; a one-way in and out to the same neighbour is a dead end.
        let raw = network(3, &[(0, 1), (1, 2), (0, 1), (2, 1), (1, 0)]);
        let c = Contracted::build(&raw);
        check_invariants(&raw, &c);
        assert_eq!(c.raw_node_of, vec![0, 1, 2]);
    }

    #[test]
    fn rings_keep_their_lowest_node() {
        // A one-way ring 2 → 0 → 1 → 2 and, apart, a two-way ring 3 - 4 - 5 - 3.
        let pairs = [(2, 0), (0, 1), (1, 2), (4, 5), (5, 4), (5, 3), (3, 5), (3, 4), (4, 3)];
        let raw = network(6, &pairs);
        let c = Contracted::build(&raw);
        check_invariants(&raw, &c);
        assert_eq!(c.raw_node_of, vec![0, 3]);
        assert_eq!(chains(&c), vec![(0, 0, vec![1, 2, 0]), (1, 1, vec![6, 4, 8]), (1, 1, vec![7, 3, 5])]);
    }

    #[test]
    fn lifted_metrics_sum_and_stay_closed() {
        let raw = network(4, &[(0, 1), (1, 0), (1, 2), (2, 1), (2, 3), (3, 2)]);
        let c = Contracted::build(&raw);
        assert_eq!(c.lift_metric(&[1, 2, 3, 4, 5, 6]), vec![1 + 3 + 5, 6 + 4 + 2]);
        assert_eq!(c.lift_metric(&[1, 2, CLOSED, 4, 5, 6]), vec![CLOSED, 12]);
        assert_eq!(c.lift_metric(&[1, 2, CLOSED - 1, 4, 5, 6]), vec![CLOSED - 1, 12]);
    }
}

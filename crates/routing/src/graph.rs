//! The road graph in flat compressed-sparse-row arrays on dense `u32` ids, built once and frozen.
//!
//! Arcs are directed; a two-way road is two arcs. Weights live outside the graph in a
//! [`Metric`], so a rule change swaps weights without touching the topology.

/// Weight of an arc that may not be used (a closed road).
pub const CLOSED: u32 = u32::MAX;

/// One directed arc as the builder receives it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ArcSpec {
    /// Dense tail node index.
    pub from: u32,
    /// Dense head node index.
    pub to: u32,
    /// Length in metres.
    pub length_m: f64,
}

/// A frozen directed road graph.
#[derive(Clone, Debug, PartialEq)]
pub struct RoadGraph {
    /// `first_out[v]..first_out[v + 1]` are the arcs leaving `v`, in arc id order.
    first_out: Vec<u32>,
    /// Tail node of each arc (arc ids are sorted by tail).
    tail: Vec<u32>,
    /// Head node of each arc.
    head: Vec<u32>,
    /// Length of each arc in millimetres.
    length_mm: Vec<u32>,
    /// `first_in[v]..first_in[v + 1]` index into `in_arcs`: the arcs entering `v`.
    first_in: Vec<u32>,
    /// Arc ids grouped by head node.
    in_arcs: Vec<u32>,
    /// For each arc given to [`RoadGraph::new`], its id in this graph.
    input_to_arc: Vec<u32>,
    /// The number of the first turn from each arc ([`RoadGraph::turn`]), and the number of turns
    /// last.
    first_turn: Vec<u32>,
}

/// Travel-time weights in milliseconds, one per arc; [`CLOSED`] for arcs that may not be used.
pub type Metric = Vec<u32>;

impl RoadGraph {
    /// Builds the graph. Arc ids are assigned sorted by (tail, input order), so the same input
    /// always gives the same graph.
    pub fn new(node_count: u32, arcs: &[ArcSpec]) -> Self {
        let mut order: Vec<u32> = (0..arcs.len() as u32).collect();
        order.sort_by_key(|&i| (arcs[i as usize].from, i));
        let mut input_to_arc = vec![0u32; arcs.len()];
        let mut first_out = vec![0u32; node_count as usize + 1];
        let (mut tail, mut head, mut length_mm) = (Vec::new(), Vec::new(), Vec::new());
        for (arc_id, &i) in order.iter().enumerate() {
            let a = arcs[i as usize];
            input_to_arc[i as usize] = arc_id as u32;
            first_out[a.from as usize + 1] += 1;
            tail.push(a.from);
            head.push(a.to);
            length_mm.push((a.length_m * 1000.0).round().clamp(1.0, u32::MAX as f64 - 1.0) as u32);
        }
        for v in 0..node_count as usize {
            first_out[v + 1] += first_out[v];
        }
        let mut first_in = vec![0u32; node_count as usize + 1];
        for &h in &head {
            first_in[h as usize + 1] += 1;
        }
        for v in 0..node_count as usize {
            first_in[v + 1] += first_in[v];
        }
        let mut fill = first_in.clone();
        let mut in_arcs = vec![0u32; head.len()];
        for (arc, &h) in head.iter().enumerate() {
            in_arcs[fill[h as usize] as usize] = arc as u32;
            fill[h as usize] += 1;
        }
        let mut first_turn = Vec::with_capacity(head.len() + 1);
        let mut turns = 0u32;
        for &h in &head {
            first_turn.push(turns);
            turns += first_out[h as usize + 1] - first_out[h as usize];
        }
        first_turn.push(turns);
        Self { first_out, tail, head, length_mm, first_in, in_arcs, input_to_arc, first_turn }
    }

    /// Number of turns: each arc followed by each arc leaving the node it ends at, turning back
    /// included.
    pub fn turn_count(&self) -> usize {
        self.first_turn.last().map_or(0, |&n| n as usize)
    }

    /// The number of the turn from arc `from` into arc `to`, which leaves the node `from` ends
    /// at: turns are numbered densely, by the arc they come from and then the arc they take, so
    /// that what is known of each turn is a table indexed by turn.
    pub fn turn(&self, from: u32, to: u32) -> usize {
        let out = self.out_arcs(self.head(from));
        debug_assert!(out.contains(&to), "arc {to} leaves the node arc {from} ends at");
        (self.first_turn[from as usize] + (to - out.start)) as usize
    }

    /// Number of nodes.
    pub fn node_count(&self) -> u32 {
        self.first_out.len() as u32 - 1
    }

    /// Number of arcs.
    pub fn arc_count(&self) -> u32 {
        self.head.len() as u32
    }

    /// Arc ids leaving `node`.
    pub fn out_arcs(&self, node: u32) -> std::ops::Range<u32> {
        self.first_out[node as usize]..self.first_out[node as usize + 1]
    }

    /// Arc ids entering `node`.
    pub fn in_arcs(&self, node: u32) -> &[u32] {
        &self.in_arcs[self.first_in[node as usize] as usize..self.first_in[node as usize + 1] as usize]
    }

    /// Tail node of `arc`.
    pub fn tail(&self, arc: u32) -> u32 {
        self.tail[arc as usize]
    }

    /// Head node of `arc`.
    pub fn head(&self, arc: u32) -> u32 {
        self.head[arc as usize]
    }

    /// Length of `arc` in metres.
    pub fn length_m(&self, arc: u32) -> f64 {
        f64::from(self.length_mm[arc as usize]) / 1000.0
    }

    /// The id of the `i`-th arc passed to [`RoadGraph::new`].
    pub fn arc_of_input(&self, i: usize) -> u32 {
        self.input_to_arc[i]
    }

    /// The arc from `from` to `to`, if there is one.
    pub fn find_arc(&self, from: u32, to: u32) -> Option<u32> {
        self.out_arcs(from).find(|&a| self.head(a) == to)
    }

    /// A metric from per-arc speeds in km/h (0 or less closes the arc).
    pub fn metric_from_speeds(&self, speed_kmh: impl Fn(u32) -> f64) -> Metric {
        (0..self.arc_count())
            .map(|arc| {
                let v = speed_kmh(arc);
                if v > 0.0 { travel_time_ms(self.length_m(arc), v) } else { CLOSED }
            })
            .collect()
    }

    /// Nodes reachable from `start` (`forward`) or that can reach it (`!forward`), ignoring weights.
    pub fn reachable(&self, start: u32, forward: bool) -> Vec<bool> {
        let mut seen = vec![false; self.node_count() as usize];
        let mut stack = vec![start];
        seen[start as usize] = true;
        while let Some(v) = stack.pop() {
            let mut visit = |w: u32| {
                if !seen[w as usize] {
                    seen[w as usize] = true;
                    stack.push(w);
                }
            };
            if forward {
                self.out_arcs(v).for_each(|a| visit(self.head(a)));
            } else {
                self.in_arcs(v).iter().for_each(|&a| visit(self.tail(a)));
            }
        }
        seen
    }
}

/// CSR offsets for `n` rows from the row of each entry (entries already grouped by row):
/// `offsets[r]..offsets[r + 1]` are row `r`'s entries.
pub(crate) fn csr_offsets(n: usize, rows: impl IntoIterator<Item = u32>) -> Vec<u32> {
    let mut offsets = vec![0u32; n + 1];
    for r in rows {
        offsets[r as usize + 1] += 1;
    }
    for r in 0..n {
        offsets[r + 1] += offsets[r];
    }
    offsets
}

/// Milliseconds to cover `length_m` at `speed_kmh`, at least 1.
pub fn travel_time_ms(length_m: f64, speed_kmh: f64) -> u32 {
    (length_m * 3600.0 / speed_kmh).round().clamp(1.0, f64::from(CLOSED - 1)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csr_lists_out_and_in_arcs() {
        let arcs = [
            ArcSpec { from: 2, to: 0, length_m: 5.0 },
            ArcSpec { from: 0, to: 1, length_m: 10.0 },
            ArcSpec { from: 0, to: 2, length_m: 20.0 },
            ArcSpec { from: 1, to: 2, length_m: 30.0 },
        ];
        let g = RoadGraph::new(3, &arcs);
        assert_eq!(g.arc_count(), 4);
        let heads: Vec<u32> = g.out_arcs(0).map(|a| g.head(a)).collect();
        assert_eq!(heads, vec![1, 2]);
        let tails: Vec<u32> = g.in_arcs(2).iter().map(|&a| g.tail(a)).collect();
        assert_eq!(tails, vec![0, 1]);
        assert_eq!(g.length_m(g.arc_of_input(0)), 5.0);
        assert_eq!(g.head(g.arc_of_input(0)), 0);
        assert_eq!(g.find_arc(1, 2), Some(g.arc_of_input(3)));
        assert_eq!(g.find_arc(2, 1), None);
        assert_eq!(g.reachable(1, true), vec![true, true, true]);
        let g2 = RoadGraph::new(3, &arcs[1..3]);
        assert_eq!(g2.reachable(1, true), vec![false, true, false]);
        assert_eq!(g2.reachable(1, false), vec![true, true, false]);
    }

    /// Every turn (an arc, then one leaving where it ends) has its own number, and the numbers
    /// run from 0 without a gap.
    #[test]
    fn turns_are_numbered_densely_and_once_each() {
        let arcs = [
            ArcSpec { from: 0, to: 1, length_m: 10.0 },
            ArcSpec { from: 1, to: 0, length_m: 10.0 },
            ArcSpec { from: 1, to: 2, length_m: 10.0 },
            ArcSpec { from: 2, to: 1, length_m: 10.0 },
            ArcSpec { from: 1, to: 3, length_m: 10.0 },
            ArcSpec { from: 3, to: 0, length_m: 10.0 },
        ];
        let g = RoadGraph::new(4, &arcs);
        let mut numbers = Vec::new();
        for from in 0..g.arc_count() {
            for to in g.out_arcs(g.head(from)) {
                numbers.push(g.turn(from, to));
            }
        }
        // Into node 1 come two arcs, each with three ways on; into node 0 two, with one way on;
        // into nodes 2 and 3 one each, with one way on.
        assert_eq!(g.turn_count(), 2 * 3 + 2 + 1 + 1);
        assert_eq!(numbers.len(), g.turn_count());
        numbers.sort_unstable();
        assert_eq!(numbers, (0..g.turn_count()).collect::<Vec<_>>());
    }

    #[test]
    fn travel_times_round_to_milliseconds() {
        assert_eq!(travel_time_ms(100.0, 36.0), 10_000);
        assert_eq!(travel_time_ms(0.0, 36.0), 1);
    }
}

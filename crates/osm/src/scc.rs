//! The largest strongly connected component of a raw network, found by an iterative Tarjan.

use crate::network::csr;
use crate::{Dropped, RawArc, RawNetwork};

/// Not yet visited, or not yet in a component.
const NONE: u32 = u32::MAX;

impl RawNetwork {
    /// Keeps the largest strongly connected component, renumbering its nodes densely in their
    /// old order and keeping its arcs in their old order; returns the dropped node and arc
    /// counts too.
    ///
    /// Of equally large components, the one holding the lowest node index wins. Tarjan's
    /// algorithm runs with an explicit stack: recursion would overflow the thread stack on a
    /// long road (a 50,000-node chain is 50,000 frames).
    pub fn largest_scc(&self) -> (RawNetwork, Dropped) {
        let n = self.node_count() as usize;
        let component = components(n, &self.arcs);
        let mut size = vec![0usize; n];
        for &c in &component {
            size[c as usize] += 1;
        }
        let best_size = size.iter().copied().max().unwrap_or(0);
        let best = component.iter().copied().find(|&c| size[c as usize] == best_size);
        let mut new_id = vec![NONE; n];
        let (mut osm_id, mut xy) = (Vec::with_capacity(best_size), Vec::with_capacity(best_size));
        for v in 0..n {
            if Some(component[v]) == best {
                new_id[v] = osm_id.len() as u32;
                osm_id.push(self.osm_id[v]);
                xy.push(self.xy[v]);
            }
        }
        let arcs: Vec<RawArc> = self
            .arcs
            .iter()
            .filter(|a| new_id[a.from as usize] != NONE && new_id[a.to as usize] != NONE)
            .map(|a| RawArc { from: new_id[a.from as usize], to: new_id[a.to as usize], ..*a })
            .collect();
        let dropped = Dropped { nodes: n - osm_id.len(), arcs: self.arcs.len() - arcs.len() };
        (RawNetwork { osm_id, xy, origin_lat_lon: self.origin_lat_lon, arcs }, dropped)
    }
}

/// The strongly connected component id of every node (ids in the order Tarjan completes them).
pub(crate) fn components(n: usize, arcs: &[RawArc]) -> Vec<u32> {
    let (first, head) = csr(n, arcs.iter().map(|a| (a.from, a.to)));
    let mut t = Tarjan {
        index: vec![NONE; n],
        low: vec![0; n],
        component: vec![NONE; n],
        open: Vec::new(),
        call: Vec::new(),
        next_index: 0,
        next_component: 0,
    };
    for root in 0..n as u32 {
        if t.index[root as usize] != NONE {
            continue;
        }
        t.enter(root, &first);
        while let Some(&(v, pos)) = t.call.last() {
            let vi = v as usize;
            if pos < first[vi + 1] {
                let top = t.call.len() - 1;
                t.call[top].1 += 1;
                let w = head[pos as usize];
                if t.index[w as usize] == NONE {
                    t.enter(w, &first);
                } else if t.component[w as usize] == NONE {
                    t.low[vi] = t.low[vi].min(t.index[w as usize]);
                }
                continue;
            }
            t.call.pop();
            if let Some(&(parent, _)) = t.call.last() {
                t.low[parent as usize] = t.low[parent as usize].min(t.low[vi]);
            }
            if t.low[vi] == t.index[vi] {
                t.close(v);
            }
        }
    }
    t.component
}

/// Tarjan's state, with the recursion turned into `call`.
struct Tarjan {
    /// Visit order per node, [`NONE`] if unvisited.
    index: Vec<u32>,
    /// Lowest visit index reachable through the node's subtree and one back arc.
    low: Vec<u32>,
    /// Component per node, [`NONE`] while open.
    component: Vec<u32>,
    /// Visited nodes whose component is still open (a visited node is here iff its component
    /// is [`NONE`]).
    open: Vec<u32>,
    /// The explicit call stack: a node and the position of its next out-arc.
    call: Vec<(u32, u32)>,
    /// Next visit index.
    next_index: u32,
    /// Next component id.
    next_component: u32,
}

impl Tarjan {
    /// Visits `v`: the recursive call.
    fn enter(&mut self, v: u32, first: &[u32]) {
        self.index[v as usize] = self.next_index;
        self.low[v as usize] = self.next_index;
        self.next_index += 1;
        self.open.push(v);
        self.call.push((v, first[v as usize]));
    }

    /// Closes the component rooted at `v`: everything opened since `v`.
    fn close(&mut self, v: u32) {
        loop {
            let w = self.open.pop().expect("v is still open, so the open stack holds it");
            self.component[w as usize] = self.next_component;
            if w == v {
                break;
            }
        }
        self.next_component += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pilotzone_routing::Vec2;

    fn network(n: usize, pairs: &[(u32, u32)]) -> RawNetwork {
        RawNetwork {
            osm_id: (0..n as i64).map(|i| 100 + i).collect(),
            xy: (0..n).map(|i| Vec2::new(i as f64, 0.0)).collect(),
            origin_lat_lon: (60.0, 25.0),
            arcs: pairs.iter().map(|&(from, to)| RawArc { from, to, length_m: 1.0, speed_kmh: 30.0 }).collect(),
        }
    }

    #[test]
    fn keeps_the_largest_component_in_old_order() {
        // {1, 3, 4} is a cycle; {0, 2} a smaller one; 5 only reaches in; 6 is alone.
        let pairs = [(0, 2), (1, 3), (2, 0), (3, 4), (4, 1), (2, 1), (5, 4), (4, 3)];
        let (scc, dropped) = network(7, &pairs).largest_scc();
        assert_eq!(scc.osm_id, vec![101, 103, 104]);
        assert_eq!(scc.xy, vec![Vec2::new(1.0, 0.0), Vec2::new(3.0, 0.0), Vec2::new(4.0, 0.0)]);
        let kept: Vec<(u32, u32)> = scc.arcs.iter().map(|a| (a.from, a.to)).collect();
        assert_eq!(kept, vec![(0, 1), (1, 2), (2, 0), (2, 1)]);
        assert_eq!(dropped, Dropped { nodes: 4, arcs: 4 });
        assert_eq!(scc.origin_lat_lon, (60.0, 25.0));
    }

    #[test]
    fn ties_go_to_the_component_with_the_lowest_node() {
        let (scc, dropped) = network(4, &[(2, 3), (3, 2), (0, 1), (1, 0)]).largest_scc();
        assert_eq!(scc.osm_id, vec![100, 101]);
        assert_eq!(dropped, Dropped { nodes: 2, arcs: 2 });
        let (empty, none) = network(0, &[]).largest_scc();
        assert_eq!((empty.node_count(), empty.arcs.len(), none), (0, 0, Dropped::default()));
    }

    #[test]
    fn long_chains_do_not_recurse() {
        // A 300,000-node ring, visited along its length: recursion would overflow the stack.
        let n = 300_000u32;
        let pairs: Vec<(u32, u32)> = (0..n).map(|v| (v, (v + 1) % n)).chain([(0, n), (n + 1, 0)]).collect();
        let (scc, dropped) = network(n as usize + 2, &pairs).largest_scc();
        assert_eq!((scc.node_count(), scc.arcs.len()), (n, n as usize));
        assert_eq!(dropped, Dropped { nodes: 2, arcs: 2 });
    }

    #[test]
    fn kotka_component() {
        let raw = crate::read_pbf(&crate::kotka_path()).unwrap();
        let (scc, dropped) = raw.largest_scc();
        assert_eq!((scc.node_count(), scc.arcs.len()), (767, 1488));
        assert_eq!(dropped, Dropped { nodes: 113, arcs: 163 });
        assert_eq!(scc.node_count() as usize + dropped.nodes, raw.node_count() as usize);
        // Every node of the component reaches and is reached by node 0.
        let graph = pilotzone_routing::RoadGraph::new(
            scc.node_count(),
            &scc.arcs
                .iter()
                .map(|a| pilotzone_routing::ArcSpec { from: a.from, to: a.to, length_m: 1.0 })
                .collect::<Vec<_>>(),
        );
        assert!(graph.reachable(0, true).iter().all(|&r| r) && graph.reachable(0, false).iter().all(|&r| r));
        // Running it again keeps everything.
        assert_eq!(scc.largest_scc(), (scc.clone(), Dropped::default()));
    }
}

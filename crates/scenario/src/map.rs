//! The scenario's map turned into routing structures: dense node indices, the road graph and
//! the arc-to-road correspondence that rules and the simulation need.

use std::collections::BTreeMap;

use pilotzone_routing::{ArcSpec, RoadGraph, Vec2};

use crate::schema::ZoneMap;

/// Dense indices and the road graph of a map whose references are valid.
#[derive(Clone, Debug)]
pub struct MapIndex {
    /// Scenario node id → dense node index.
    pub node_index: BTreeMap<u32, u32>,
    /// Position of each dense node.
    pub positions: Vec<Vec2>,
    /// Directed road graph; a two-way road gives two arcs.
    pub graph: RoadGraph,
    /// For each arc, the index of the road in `map.edges` it comes from.
    pub arc_edge: Vec<u32>,
}

impl MapIndex {
    /// Builds the index. Edges naming unknown nodes are skipped (validation reports them).
    pub fn new(map: &ZoneMap) -> Self {
        let node_index: BTreeMap<u32, u32> = map.nodes.iter().enumerate().map(|(i, n)| (n.id, i as u32)).collect();
        let positions: Vec<Vec2> = map.nodes.iter().map(|n| Vec2::new(n.x, n.y)).collect();
        let mut arcs = Vec::with_capacity(map.edges.len() * 2);
        let mut input_edge = Vec::with_capacity(map.edges.len() * 2);
        for (i, e) in map.edges.iter().enumerate() {
            let (Some(&a), Some(&b)) = (node_index.get(&e.from), node_index.get(&e.to)) else { continue };
            let length_m = e.length_m.unwrap_or_else(|| positions[a as usize].distance(positions[b as usize]));
            arcs.push(ArcSpec { from: a, to: b, length_m });
            input_edge.push(i as u32);
            if !e.one_way {
                arcs.push(ArcSpec { from: b, to: a, length_m });
                input_edge.push(i as u32);
            }
        }
        let graph = RoadGraph::new(positions.len() as u32, &arcs);
        let mut arc_edge = vec![0u32; arcs.len()];
        for (input, &edge) in input_edge.iter().enumerate() {
            arc_edge[graph.arc_of_input(input) as usize] = edge;
        }
        Self { node_index, positions, graph, arc_edge }
    }

    /// Dense index of a scenario node id.
    pub fn node(&self, id: u32) -> Option<u32> {
        self.node_index.get(&id).copied()
    }
}

//! Drawing a pilot zone's map from code: nodes at centimetre precision, streets through points,
//! places with their buildings, and crossings.

use crate::generate::parts::rect;
use crate::schema::*;

/// Centimetre precision, so that generated files read cleanly.
fn cm(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// A map drawn from code: nodes, roads, places and houses.
#[derive(Default)]
pub(super) struct Draw {
    /// The map drawn so far.
    pub(super) map: ZoneMap,
}

impl Draw {
    pub(super) fn node(&mut self, x: f64, y: f64) -> u32 {
        let id = self.map.nodes.len() as u32;
        self.map.nodes.push(Node { id, x: cm(x), y: cm(y) });
        id
    }

    pub(super) fn xy(&self, id: u32) -> (f64, f64) {
        let n = &self.map.nodes[id as usize];
        (n.x, n.y)
    }

    pub(super) fn road(&mut self, from: u32, to: u32, kmh: f64, name: Option<&str>) {
        self.map.edges.push(Edge {
            from,
            to,
            length_m: None,
            speed_kmh: kmh,
            lanes: 1,
            one_way: false,
            name: name.map(str::to_owned),
        });
    }

    /// A road through `points`, a node at each; returns the nodes. `start` joins an existing
    /// node instead of making the first.
    pub(super) fn street(
        &mut self,
        start: Option<u32>,
        points: &[(f64, f64)],
        kmh: f64,
        name: Option<&str>,
    ) -> Vec<u32> {
        let mut ids = Vec::with_capacity(points.len());
        for (k, &(x, y)) in points.iter().enumerate() {
            let id = match (k, start) {
                (0, Some(s)) => s,
                _ => self.node(x, y),
            };
            if let Some(&prev) = ids.last() {
                self.road(prev, id, kmh, name);
            }
            ids.push(id);
        }
        ids
    }

    /// A place at `node`, its door `offset` from it, with a building of `(w, d, h)` metres
    /// behind the door (none for open ground).
    pub(super) fn place(
        &mut self,
        name: &str,
        kind: PlaceKind,
        node: u32,
        offset: (f64, f64),
        building: Option<(f64, f64, f64)>,
    ) {
        let (x, y) = self.xy(node);
        let door = (cm(x + offset.0), cm(y + offset.1));
        self.map.places.push(Place { name: name.into(), kind, node, at: Some(door) });
        if let Some((w, d, h)) = building {
            // The building stands beyond the door, away from the road; a home's garden, where
            // drones land, lies between.
            let away = if offset.1 >= 0.0 { 1.0 } else { -1.0 };
            let cy = door.1 + away * (d / 2.0 + if kind == PlaceKind::Home { 12.0 } else { 2.0 });
            self.map.buildings.push(Building {
                polygon: rect(cm(door.0 - w / 2.0), cm(cy - d / 2.0), cm(door.0 + w / 2.0), cm(cy + d / 2.0)),
                height_m: h,
            });
        }
    }

    pub(super) fn crossing(&mut self, name: &str, road: RoadRef, at_m: f64) {
        self.map.crossings.push(Crossing { name: name.into(), road, at_m, width_m: 7.0 });
    }
}

/// A house: 10 × 9 m, 7 m high.
pub(super) const HOUSE: Option<(f64, f64, f64)> = Some((10.0, 9.0, 7.0));

//! The ground of the scene: roads, crossings, buildings, zones and places, turned from the
//! scenario's map into shapes in decimetres.

use std::collections::BTreeMap;

use pilotzone_scenario::{Fleets, PlaceKind, ZoneKind, ZoneMap};
use serde::{Deserialize, Serialize};

use crate::labels::{Text, place_kind, place_kind_names, zone_kind};
use crate::rules::Window;
use crate::{Point, dm, point};

/// A road between two nodes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Road {
    /// The scenario's node ids at its ends, `[from, to]`: how rules name roads.
    pub nodes: [u32; 2],
    /// Centre line, dm; one-way roads run from the first point to the last.
    pub points: Vec<Point>,
    /// Carriageway width, dm: lanes in both directions (one for a one-way road) × 3.5 m.
    pub width_dm: i32,
    /// Lanes in each direction of travel.
    pub lanes: u8,
    /// Whether traffic may only go from the first point to the last.
    #[serde(default, skip_serializing_if = "is_false")]
    pub one_way: bool,
    /// Posted speed limit, km/h.
    pub speed_kmh: f64,
    /// Street name, when the map has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A marked pedestrian crossing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Crossing {
    /// Name that pedestrian flows refer to.
    pub name: String,
    /// Index of the road it crosses in [`crate::Scene::roads`].
    pub road: u32,
    /// Point on the road's centre line, dm.
    pub centre: Point,
    /// Direction along the road, radians counter-clockwise from east (to 0.001); people walk
    /// across it, at a quarter turn.
    pub along_rad: f64,
    /// Length of the walk across the carriageway, dm.
    pub width_dm: i32,
}

/// A building as a prism.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Building {
    /// Outline, dm.
    pub footprint: Vec<Point>,
    /// Height of the roof above ground, dm (at least 1).
    pub height_dm: i32,
}

/// A land-use zone.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Zone {
    /// Name that rules refer to.
    pub name: String,
    /// Land use.
    #[serde(with = "zone_kind")]
    pub kind: ZoneKind,
    /// Outline, dm; the last point joins the first.
    pub polygon: Vec<Point>,
    /// Hours the zone is in use (school hours), when it has them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<Window>,
}

/// A named place: a depot, a vertiport, a home, a school, ...
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Place {
    /// The scenario's name for it.
    pub name: String,
    /// What it is.
    #[serde(with = "place_kind")]
    pub kind: PlaceKind,
    /// The place itself (door, garden or pad), dm.
    pub at: Point,
    /// Road node where vehicles stop for it.
    pub node: u32,
    /// Its name with its kind, for a map label: `Island school（学校）`, `Island school (school)`.
    pub label: Text,
    /// Fleets based here (taxi depots, drone vertiports).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fleets: Vec<String>,
}

impl Place {
    /// Whether the place is a taxi depot.
    pub fn is_depot(&self) -> bool {
        self.kind == PlaceKind::Depot
    }

    /// Whether the place is a drone base.
    pub fn is_vertiport(&self) -> bool {
        self.kind == PlaceKind::Vertiport
    }
}

/// Road index by the node pair, in both orders; the first road wins, as the simulation's
/// graph finds the first arc between two nodes.
pub(crate) fn road_index(map: &ZoneMap) -> BTreeMap<(u32, u32), u32> {
    let mut index = BTreeMap::new();
    for (i, e) in map.edges.iter().enumerate() {
        index.entry((e.from, e.to)).or_insert(i as u32);
        index.entry((e.to, e.from)).or_insert(i as u32);
    }
    index
}

/// The roads. Roads naming unknown nodes (an unvalidated scenario) are drawn as a point at the
/// origin rather than left out, so road indices stay those of the scenario.
pub(crate) fn roads(map: &ZoneMap, nodes: &BTreeMap<u32, (f64, f64)>) -> Vec<Road> {
    let at = |id: u32| nodes.get(&id).copied().unwrap_or_default();
    map.edges
        .iter()
        .map(|e| Road {
            nodes: [e.from, e.to],
            points: vec![point(at(e.from)), point(at(e.to))],
            width_dm: dm(e.carriageway_m()),
            lanes: e.lanes,
            one_way: e.one_way,
            speed_kmh: e.speed_kmh,
            name: e.name.clone(),
        })
        .collect()
}

/// The crossings, placed as the simulation places them: `at_m` along the road from its first
/// named node, on the straight line between the nodes scaled by the road's length.
pub(crate) fn crossings(
    map: &ZoneMap,
    nodes: &BTreeMap<u32, (f64, f64)>,
    roads: &BTreeMap<(u32, u32), u32>,
) -> Vec<Crossing> {
    map.crossings
        .iter()
        .filter_map(|c| {
            let road = *roads.get(&c.road)?;
            let (a, b) = (*nodes.get(&c.road.0)?, *nodes.get(&c.road.1)?);
            let (dx, dy) = (b.0 - a.0, b.1 - a.1);
            let straight = dx.hypot(dy);
            let length = map.edges[road as usize].length_m.unwrap_or(straight);
            let k = if length > 0.0 { c.at_m / length } else { 0.0 };
            Some(Crossing {
                name: c.name.clone(),
                road,
                centre: point((a.0 + dx * k, a.1 + dy * k)),
                along_rad: (dy.atan2(dx) * 1000.0).round() / 1000.0,
                width_dm: dm(c.width_m),
            })
        })
        .collect()
}

/// The buildings.
pub(crate) fn buildings(map: &ZoneMap) -> Vec<Building> {
    map.buildings
        .iter()
        .map(|b| Building {
            footprint: b.polygon.iter().copied().map(point).collect(),
            // A shed lower than 5 cm is still a building a drone must clear.
            height_dm: dm(b.height_m).max(1),
        })
        .collect()
}

/// The zones.
pub(crate) fn zones(map: &ZoneMap) -> Vec<Zone> {
    map.zones
        .iter()
        .map(|z| Zone {
            name: z.name.clone(),
            kind: z.kind,
            polygon: z.polygon.iter().copied().map(point).collect(),
            hours: z.hours.as_ref().map(Window::from),
        })
        .collect()
}

/// The places, with the fleets based at each.
pub(crate) fn places(map: &ZoneMap, nodes: &BTreeMap<u32, (f64, f64)>, fleets: &Fleets) -> Vec<Place> {
    map.places
        .iter()
        .map(|p| {
            let names = place_kind_names(p.kind);
            let based = fleets
                .taxis
                .iter()
                .filter(|f| f.depot == p.name)
                .map(|f| f.name.clone())
                .chain(fleets.drones.iter().filter(|f| f.base == p.name).map(|f| f.name.clone()))
                .collect();
            Place {
                name: p.name.clone(),
                kind: p.kind,
                at: point(p.at.or_else(|| nodes.get(&p.node).copied()).unwrap_or_default()),
                node: p.node,
                label: label(&p.name, names),
                fleets: based,
            }
        })
        .collect()
}

/// A place's map label: its name with its kind, or the name alone where the name already says
/// the kind (a place named `clinic` is not labelled `clinic (clinic)`).
fn label(name: &str, kind: pilotzone_replay::Names) -> Text {
    let says_kind = |word: &str| name.trim().eq_ignore_ascii_case(word.trim());
    let en = if says_kind(kind.en) { name.to_owned() } else { format!("{name} ({})", kind.en) };
    let ja = if says_kind(kind.ja) { name.to_owned() } else { format!("{name}（{}）", kind.ja) };
    Text { ja, en }
}

#[cfg(test)]
mod tests {
    use pilotzone_scenario::{Crossing as ScenarioCrossing, Edge, Node};

    use super::*;

    fn straight_map(length_m: Option<f64>) -> ZoneMap {
        ZoneMap {
            nodes: vec![Node { id: 7, x: 0.0, y: 0.0 }, Node { id: 9, x: 0.0, y: 100.0 }],
            edges: vec![Edge {
                from: 7,
                to: 9,
                length_m,
                speed_kmh: 30.0,
                lanes: 2,
                one_way: false,
                name: Some("Ekimae-dori".into()),
            }],
            crossings: vec![ScenarioCrossing { name: "x".into(), road: (9, 7), at_m: 25.0, width_m: 14.0 }],
            ..ZoneMap::default()
        }
    }

    fn nodes(map: &ZoneMap) -> BTreeMap<u32, (f64, f64)> {
        map.nodes.iter().map(|n| (n.id, (n.x, n.y))).collect()
    }

    #[test]
    fn a_crossing_is_measured_from_the_node_it_names_first() {
        let map = straight_map(None);
        let c = &crossings(&map, &nodes(&map), &road_index(&map))[0];
        assert_eq!(c.centre, [0, 750], "25 m from node 9, which sits at y = 100 m");
        assert_eq!(c.along_rad, -1.571, "from node 9 toward node 7: south");
        assert_eq!((c.road, c.width_dm), (0, 140));
        // A road longer than the straight line (a bend) places it proportionally, as the sim does.
        let bent = straight_map(Some(200.0));
        assert_eq!(crossings(&bent, &nodes(&bent), &road_index(&bent))[0].centre, [0, 875]);
    }

    #[test]
    fn road_width_counts_lanes_both_ways() {
        let mut map = straight_map(None);
        assert_eq!(roads(&map, &nodes(&map))[0].width_dm, 140, "2 lanes each way × 3.5 m");
        map.edges[0].one_way = true;
        let road = &roads(&map, &nodes(&map))[0];
        assert_eq!((road.width_dm, road.points.clone()), (70, vec![[0, 0], [0, 1000]]));
    }
}

//! The import on a synthetic town and on the vendored extract.

use std::collections::BTreeSet;

use pilotzone_routing::Vec2;
use pilotzone_scenario::{Edge, PlaceKind};

use super::read::{Feature, Read, RoadWay};
use super::*;
use crate::network::project;
use crate::tags::{Oneway, RoadClass, WayRules};
use pilotzone_scenario::mapfile;

/// Degrees for a point `(x, y)` metres from (35° N, 135° E).
fn at(x: f64, y: f64) -> (f64, f64) {
    let m_per_deg = crate::EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
    (35.0 + y / m_per_deg, 135.0 + x / (m_per_deg * 35f64.to_radians().cos()))
}

fn road(id: i64, oneway: Oneway, refs: &[i64]) -> RoadWay {
    let rules = WayRules { class: RoadClass::Residential, speed_kmh: 30.0, oneway };
    RoadWay { id, rules, lanes: 1, name: Some(format!("road {id}")), refs: refs.to_vec() }
}

fn feature(kind: char, id: i64, refs: &[i64]) -> Feature {
    Feature { kind, id, refs: refs.to_vec(), name: None, building: None, home: None, zone: None, place: None }
}

/// A street crossing a divided road (carriageways 8 m apart), a one-way loop, a one-way
/// stub that cannot be left, a crossing, a school, a far-away clinic and a building.
fn town() -> Read {
    let points: &[(i64, f64, f64)] = &[
        (1, 0.0, 0.0),
        (2, 100.0, 0.0),
        (11, 196.0, 0.0),
        (12, 204.0, 0.0),
        (4, 300.0, 0.0),
        (10, 196.0, -100.0),
        (13, 196.0, 100.0),
        (14, 204.0, 100.0),
        (15, 204.0, -100.0),
        (20, 320.0, 10.0),
        (21, 330.0, 0.0),
        (22, 320.0, -10.0),
        (30, 100.0, 50.0),
        (31, 100.0, 100.0),
        (40, 50.0, 0.0),
        (50, 40.0, 30.0),
        (51, 5000.0, 5000.0),
        (60, 140.0, 10.0),
        (61, 160.0, 10.0),
        (62, 160.0, 30.0),
        (63, 140.0, 30.0),
    ];
    let mut nodes: Vec<(i64, f64, f64)> = points
        .iter()
        .map(|&(id, x, y)| {
            let (lat, lon) = at(x, y);
            (id, lat, lon)
        })
        .collect();
    nodes.sort_by_key(|n| n.0);
    let mut school = feature('n', 50, &[]);
    school.name = Some("Minami School".into());
    school.place = Some((PlaceKind::School, false));
    let mut clinic = feature('n', 51, &[]);
    clinic.place = Some((PlaceKind::Clinic, false));
    let mut building = feature('w', 100, &[60, 61, 62, 63, 60]);
    building.building = Some((6.0, false));
    Read {
        nodes,
        crossings: [40].into_iter().collect(),
        roads: vec![
            road(1, Oneway::Both, &[1, 40, 2, 11, 12, 4]),
            road(2, Oneway::Forward, &[10, 11, 13]),
            road(3, Oneway::Forward, &[14, 12, 15]),
            road(4, Oneway::Both, &[13, 14]),
            road(5, Oneway::Both, &[15, 10]),
            road(6, Oneway::Forward, &[4, 20, 21, 22, 4]),
            road(7, Oneway::Forward, &[2, 30, 31]),
        ],
        features: vec![school, clinic, building],
        relations: 0,
    }
}

fn node_near(map: &ZoneMap, x: f64, y: f64, within: f64) -> Vec<u32> {
    map.nodes.iter().filter(|n| (n.x - x).hypot(n.y - y) <= within).map(|n| n.id).collect()
}

#[test]
fn joins_divided_roads_splits_loops_and_keeps_the_connected_network() {
    let imported = build(town(), &ImportOptions::default()).unwrap();
    let (map, report) = (&imported.map, &imported.report);
    // The origin is the centre of the kept roads, so shift expectations by it.
    let o = project(imported.origin_lat_lon, at(0.0, 0.0));
    let near = |x: f64, y: f64, within: f64| node_near(map, x + o.x, y + o.y, within);
    // The two carriageways meet the street at one junction, halfway between them.
    let joined = near(200.0, 0.0, 1.0);
    assert_eq!(joined.len(), 1, "{:?}", map.nodes);
    // Each road keeps its own old end, 4 m out, as a shape point: the carriageways stay
    // apart up to where they met the street (the street, and each carriageway in and out).
    for (x, roads) in [(196.0, 3), (204.0, 3)] {
        let shapes = near(x, 0.0, 0.5);
        assert_eq!(shapes.len(), roads, "{x}: {shapes:?}");
        for s in shapes {
            assert_eq!(map.edges.iter().filter(|e| e.from == s || e.to == s).count(), 2);
        }
    }
    // The street both ways, and each carriageway in and out.
    assert_eq!(map.edges.iter().filter(|e| e.from == joined[0] || e.to == joined[0]).count(), 6);
    // The 8 m links at both ends were junctions joined too: their roads are gone.
    assert_eq!(report.joined_junctions, 3);
    assert_eq!(report.cluster_roads, 3);
    // The one-way stub cannot be left, so it is dropped with its two nodes.
    assert!(near(100.0, 100.0, 5.0).is_empty() && near(100.0, 50.0, 5.0).is_empty());
    assert_eq!((report.dropped_parts, report.dropped_junctions), (1, 1));
    assert!((report.dropped_km - 0.1).abs() < 1e-3, "{}", report.dropped_km);
    // The loop is cut in two one-way roads through a new node.
    let loop_start = near(300.0, 0.0, 1.0)[0];
    let out: Vec<&Edge> = map.edges.iter().filter(|e| e.from == loop_start && e.one_way).collect();
    assert_eq!(out.len(), 1);
    let back: Vec<&Edge> = map.edges.iter().filter(|e| e.to == loop_start && e.one_way).collect();
    assert_eq!(back.len(), 1);
    assert!(map.edges.iter().all(|e| e.from != e.to));
    // Every edge is at least as long as the straight line between its (moved) ends, less
    // what clustering moved them.
    let xy = |id: u32| map.nodes.iter().find(|n| n.id == id).map(|n| Vec2::new(n.x, n.y)).unwrap();
    for e in &map.edges {
        assert!(e.length_m.unwrap() + 8.0 >= xy(e.from).distance(xy(e.to)), "{e:?}");
    }
    // The crossing sits 50 m along the street from its west end; the straight street
    // keeps no shape point at it.
    assert_eq!(map.crossings.len(), 1);
    let c = &map.crossings[0];
    let west = near(0.0, 0.0, 1.0)[0];
    let mid = near(100.0, 0.0, 1.0)[0];
    assert_eq!(c.road, (west, mid));
    assert!((c.at_m - 50.0).abs() < 0.05, "{}", c.at_m);
    assert!(near(50.0, 0.0, 1.0).is_empty());
    // The school attaches to the nearest road node; the clinic 7 km away is dropped.
    assert_eq!(map.places.len(), 1);
    assert_eq!((map.places[0].name.as_str(), map.places[0].node), ("Minami School", west));
    assert_eq!(report.dropped_places.len(), 1);
    assert!(report.dropped_places[0].0 == "clinic n51" && report.dropped_places[0].1.contains("300 m"));
    assert_eq!(map.buildings.len(), 1);
    assert_eq!((map.buildings[0].polygon.len(), map.buildings[0].height_m), (4, 6.0));
    // The map passes the map check (references, reachability) and imports identically twice.
    let text = mapfile::to_ron(map, "test");
    mapfile::parse_map(&text, "town.ron").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(mapfile::to_ron(&build(town(), &ImportOptions::default()).unwrap().map, "test"), text);
}

#[test]
fn without_clustering_every_junction_stays() {
    let options = ImportOptions { junction_radius_m: 0.0, ..Default::default() };
    let imported = build(town(), &options).unwrap();
    assert_eq!(imported.report.joined_junctions, 0);
    let o = project(imported.origin_lat_lon, at(0.0, 0.0));
    assert_eq!(node_near(&imported.map, 196.0 + o.x, o.y, 0.5).len(), 1);
    assert_eq!(node_near(&imported.map, 204.0 + o.x, o.y, 0.5).len(), 1);
}

#[test]
fn a_box_clips_roads_and_keeps_the_rest_connected() {
    // West of x = 250: the loop and the street's east end are cut off.
    let (lat0, lon0) = at(-50.0, -150.0);
    let (lat1, lon1) = at(250.0, 150.0);
    let bbox = BBox { min_lon: lon0, min_lat: lat0, max_lon: lon1, max_lat: lat1 };
    let imported = build(town(), &ImportOptions { bbox: Some(bbox), ..Default::default() }).unwrap();
    let o = project(imported.origin_lat_lon, at(0.0, 0.0));
    assert!(node_near(&imported.map, 300.0 + o.x, o.y, 40.0).is_empty());
    // 12 → 4 and the loop's four segments lie (partly) outside.
    assert_eq!(imported.report.clipped_segments, 5);
    mapfile::parse_map(&mapfile::to_ron(&imported.map, "t"), "t.ron").unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn bbox_parsing() {
    let b: BBox = "26.90, 60.45,26.98,60.49".parse().unwrap();
    assert_eq!((b.min_lon, b.min_lat, b.max_lon, b.max_lat), (26.90, 60.45, 26.98, 60.49));
    assert!("26.9,60.45,26.98".parse::<BBox>().unwrap_err().contains("left,bottom,right,top"));
    assert!("26.98,60.45,26.90,60.49".parse::<BBox>().unwrap_err().contains("empty"));
    assert!("26.9,95,27,96".parse::<BBox>().unwrap_err().contains("globe"));
    assert!("a,1,2,3".parse::<BBox>().unwrap_err().contains("left \"a\""));
}

#[test]
fn kotka_imports_into_a_connected_checked_map() {
    let imported = import_pbf(&crate::kotka_path(), &ImportOptions::default()).unwrap();
    let (map, report) = (&imported.map, &imported.report);
    let text = mapfile::to_ron(map, "kotka");
    let checked = mapfile::parse_map(&text, "kotka.ron").unwrap_or_else(|e| panic!("{e}"));
    // Strongly connected: every node reaches node 0 and back.
    let index = pilotzone_scenario::MapIndex::new(&checked);
    assert!(index.graph.reachable(0, true).iter().all(|&r| r));
    assert!(index.graph.reachable(0, false).iter().all(|&r| r));
    assert_eq!(report.nodes, map.nodes.len());
    assert!(report.junctions > 250 && report.joined_junctions > 0 && report.dropped_parts > 0, "{report}");
    // The kept road length equals the raw network's strongly connected part, less the
    // roads inside junction clusters: simplification keeps every metre.
    let (scc, _) = crate::read_pbf(&crate::kotka_path()).unwrap().largest_scc();
    let mut raw_km = 0.0;
    let mut seen = BTreeSet::new();
    for a in &scc.arcs {
        if seen.insert((a.from.min(a.to), a.from.max(a.to))) {
            raw_km += a.length_m / 1000.0;
        }
    }
    assert!((report.road_km - raw_km).abs() < 0.02 * raw_km, "{} vs {raw_km}", report.road_km);
    assert!(map.buildings.len() > 2000 && map.zones.len() > 10 && !map.crossings.is_empty());
    assert!(map.places.iter().any(|p| p.kind == PlaceKind::School));
    assert_eq!(map.attribution.as_deref(), Some(OSM_ATTRIBUTION));
    // Deterministic to the byte.
    let again = import_pbf(&crate::kotka_path(), &ImportOptions::default()).unwrap();
    assert_eq!(mapfile::to_ron(&again.map, "kotka"), text);
}

//! Checks of the map: node ids and coordinates, roads between known nodes, places, zones and
//! their outlines, the airspace band and no-fly volumes, crossings on their roads, buildings.

use std::collections::BTreeSet;

use super::Check;

/// Unique, finite nodes, and roads between known nodes with a speed, a length and a lane.
pub(super) fn check_roads(c: &mut Check<'_>) {
    let s = c.s;
    let mut seen_nodes = BTreeSet::new();
    for (i, n) in s.map.nodes.iter().enumerate() {
        if !seen_nodes.insert(n.id) {
            c.err(format!("map.nodes[{i}].id"), format!("node id {} is used twice", n.id), None);
        }
        if !(n.x.is_finite() && n.y.is_finite()) {
            c.err(format!("map.nodes[{i}]"), "coordinates must be finite numbers".into(), None);
        }
    }
    for (i, e) in s.map.edges.iter().enumerate() {
        for (field, id) in [("from", e.from), ("to", e.to)] {
            if !c.nodes.contains_key(&id) {
                let hint = c.node_hint(id);
                c.err(format!("map.edges[{i}].{field}"), format!("unknown node {id}"), hint);
            }
        }
        if e.from == e.to {
            c.err(format!("map.edges[{i}]"), format!("road starts and ends at node {}", e.from), None);
        }
        if !(e.speed_kmh.is_finite() && e.speed_kmh > 0.0) {
            c.err(
                format!("map.edges[{i}].speed_kmh"),
                format!("speed must be above zero, found {}", e.speed_kmh),
                Some("close a road with a RoadClosure rule instead".into()),
            );
        }
        if let Some(len) = e.length_m
            && !(len.is_finite() && len > 0.0)
        {
            c.err(format!("map.edges[{i}].length_m"), format!("length must be above zero, found {len}"), None);
        }
        if e.lanes == 0 {
            c.err(format!("map.edges[{i}].lanes"), "a road needs at least one lane".into(), None);
        }
    }
}

/// Places with unique names at known nodes; zones with unique names and outlines.
pub(super) fn check_places_and_zones(c: &mut Check<'_>) {
    let s = c.s;
    let mut seen_places = BTreeSet::new();
    for (i, p) in s.map.places.iter().enumerate() {
        if !seen_places.insert(p.name.as_str()) {
            c.err(format!("map.places[{i}].name"), format!("place \"{}\" is defined twice", p.name), None);
        }
        if !c.nodes.contains_key(&p.node) {
            let hint = c.node_hint(p.node);
            c.err(format!("map.places[{i}].node"), format!("unknown node {}", p.node), hint);
        }
    }
    let mut seen_zones = BTreeSet::new();
    for (i, z) in s.map.zones.iter().enumerate() {
        if !seen_zones.insert(z.name.as_str()) {
            c.err(format!("map.zones[{i}].name"), format!("zone \"{}\" is defined twice", z.name), None);
        }
        c.polygon(&z.polygon, &format!("map.zones[{i}].polygon"));
    }
}

/// A band from the ground up, and no-fly volumes with an outline and a floor below their ceiling.
pub(super) fn check_airspace(c: &mut Check<'_>) {
    let air = &c.s.map.airspace;
    if !(air.band_floor_m >= 0.0 && air.band_floor_m < air.band_ceiling_m) {
        c.err(
            "map.airspace".into(),
            format!(
                "band_floor_m ({}) must be at least 0 and below band_ceiling_m ({})",
                air.band_floor_m, air.band_ceiling_m
            ),
            None,
        );
    }
    for (i, v) in air.no_fly.iter().enumerate() {
        c.polygon(&v.polygon, &format!("map.airspace.no_fly[{i}].polygon"));
        if v.floor_m.partial_cmp(&v.ceiling_m) != Some(std::cmp::Ordering::Less) {
            c.err(
                format!("map.airspace.no_fly[{i}]"),
                format!("floor_m ({}) must be below ceiling_m ({})", v.floor_m, v.ceiling_m),
                None,
            );
        }
    }
}

/// Crossings with unique names, on a known road, inside its length, with a width.
pub(super) fn check_crossings(c: &mut Check<'_>) {
    let s = c.s;
    let at = |id: u32| s.map.nodes.iter().find(|n| n.id == id).map(|n| (n.x, n.y));
    let length = |(a, b): (u32, u32)| -> Option<f64> {
        let e = s.map.edges.iter().find(|e| (e.from, e.to) == (a, b) || (e.from, e.to) == (b, a))?;
        let ((ax, ay), (bx, by)) = (at(a)?, at(b)?);
        Some(e.length_m.unwrap_or((ax - bx).hypot(ay - by)))
    };
    let mut names = BTreeSet::new();
    for (i, crossing) in s.map.crossings.iter().enumerate() {
        let path = format!("map.crossings[{i}]");
        if !names.insert(crossing.name.as_str()) {
            c.err(format!("{path}.name"), format!("crossing \"{}\" is defined twice", crossing.name), None);
        }
        match length(crossing.road) {
            None => {
                c.err(format!("{path}.road"), format!("unknown road ({}, {})", crossing.road.0, crossing.road.1), None)
            }
            Some(len) if !(crossing.at_m > 0.0 && crossing.at_m < len) => c.err(
                format!("{path}.at_m"),
                format!("the crossing must lie on the road: between 0 and {len:.1} m, found {}", crossing.at_m),
                None,
            ),
            Some(_) => {}
        }
        c.positive(&format!("{path}.width_m"), crossing.width_m);
    }
}

/// Buildings with an outline and a height.
pub(super) fn check_buildings(c: &mut Check<'_>) {
    for (i, b) in c.s.map.buildings.iter().enumerate() {
        c.polygon(&b.polygon, &format!("map.buildings[{i}].polygon"));
        c.positive(&format!("map.buildings[{i}].height_m"), b.height_m);
    }
}

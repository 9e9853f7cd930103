//! Checks of the fleets: unique names, a depot or vertiport of the right kind, vehicle figures
//! above zero, drones cruising inside the band and based outside no-fly volumes; and, once the
//! rest holds, that every depot reaches the places its riders use.

use std::collections::{BTreeMap, BTreeSet};

use pilotzone_routing::geom::{Vec2, distance_to_segment, point_in_polygon};

use super::Check;
use crate::map::MapIndex;
use crate::schema::{KERB_OFFSET_M, PlaceKind, pad_ring_radius_m, stand_position_m};

/// What the fleet checks found that later checks refer to.
pub(super) struct FleetRefs<'a> {
    /// Names of every fleet, taxi or drone.
    pub(super) names: BTreeSet<&'a str>,
    /// Each taxi fleet's depot that exists: its field path and its index in `map.places`.
    pub(super) depots: Vec<(String, usize)>,
    /// Names of the vertiports a drone fleet is based at.
    pub(super) vertiports: BTreeSet<&'a str>,
}

/// Taxi fleets, then drone fleets.
pub(super) fn check_fleets<'a>(c: &mut Check<'a>) -> FleetRefs<'a> {
    let s = c.s;
    let air = &s.map.airspace;
    let mut refs = FleetRefs { names: BTreeSet::new(), depots: Vec::new(), vertiports: BTreeSet::new() };
    for (i, f) in s.fleets.taxis.iter().enumerate() {
        let path = format!("fleets.taxis[{i}]");
        if !refs.names.insert(f.name.as_str()) {
            c.err(format!("{path}.name"), format!("fleet \"{}\" is defined twice", f.name), None);
        }
        if let Some(p) = c.place(format!("{path}.depot"), &f.depot, &[PlaceKind::Depot]) {
            refs.depots.push((format!("{path}.depot"), p));
        }
        c.positive(&format!("{path}.count"), f64::from(f.count));
        c.positive(&format!("{path}.seats"), f64::from(f.seats));
        c.positive(&format!("{path}.max_speed_kmh"), f.max_speed_kmh);
        c.positive(&format!("{path}.battery_kwh"), f.battery_kwh);
        c.positive(&format!("{path}.kwh_per_km"), f.kwh_per_km);
        c.positive(&format!("{path}.charge_kw"), f.charge_kw);
        if !(f.recharge_below.is_finite() && (0.0..0.9).contains(&f.recharge_below)) {
            c.err(
                format!("{path}.recharge_below"),
                format!("recharge_below is a share of the battery, 0 to 0.9, found {}", f.recharge_below),
                Some("0.3 sends a vehicle to charge when under 30 %; it charges to 90 %".into()),
            );
        }
    }
    for (i, f) in s.fleets.drones.iter().enumerate() {
        let path = format!("fleets.drones[{i}]");
        if !refs.names.insert(f.name.as_str()) {
            c.err(format!("{path}.name"), format!("fleet \"{}\" is defined twice", f.name), None);
        }
        if let Some(p) = c.place(format!("{path}.base"), &f.base, &[PlaceKind::Vertiport]) {
            refs.vertiports.insert(s.map.places[p].name.as_str());
            let at = place_position(c, p);
            for v in &air.no_fly {
                let pts: Vec<Vec2> = v.polygon.iter().map(|&p| p.into()).collect();
                if v.floor_m < f.cruise_alt_m && pts.len() >= 3 && point_in_polygon(at, &pts) {
                    c.err(
                        format!("{path}.base"),
                        format!("vertiport \"{}\" lies inside no-fly volume \"{}\"", f.base, v.name),
                        Some("move the vertiport or the volume".into()),
                    );
                }
            }
        }
        c.positive(&format!("{path}.count"), f64::from(f.count));
        c.positive(&format!("{path}.cruise_speed_mps"), f.cruise_speed_mps);
        c.positive(&format!("{path}.climb_mps"), f.climb_mps);
        c.positive(&format!("{path}.payload_kg"), f.payload_kg);
        c.positive(&format!("{path}.battery_wh"), f.battery_wh);
        c.positive(&format!("{path}.wh_per_km"), f.wh_per_km);
        if f.pads == 0 || f.pads > f.count.max(1) {
            c.err(
                format!("{path}.pads"),
                format!("take-off pads are 1 to {} (the fleet's drones), found {}", f.count.max(1), f.pads),
                Some("pads are where drones leave from; more than one per drone would stand empty".into()),
            );
        }
        if !(f.launch_interval_s.is_finite() && (1.0..=3600.0).contains(&f.launch_interval_s)) {
            c.err(
                format!("{path}.launch_interval_s"),
                format!(
                    "launch_interval_s is 1 to 3,600 s between departures from one pad, found {}",
                    f.launch_interval_s
                ),
                Some("12 s lets a climbing drone clear the pad before the next rises".into()),
            );
        }
        if !(air.band_floor_m..=air.band_ceiling_m).contains(&f.cruise_alt_m) {
            c.err(
                format!("{path}.cruise_alt_m"),
                format!(
                    "cruise altitude {} m is outside the airspace band {}–{} m",
                    f.cruise_alt_m, air.band_floor_m, air.band_ceiling_m
                ),
                None,
            );
        }
    }
    refs
}

/// Every depot reaches each place of `road_places` by road and is reached back from it.
pub(super) fn check_depots_reach(c: &mut Check<'_>, fleets: &FleetRefs<'_>, road_places: &BTreeSet<usize>) {
    let s = c.s;
    let index = MapIndex::new(&s.map);
    for (path, depot) in &fleets.depots {
        let node = index.node_index[&s.map.places[*depot].node];
        let (to, from) = (index.graph.reachable(node, true), index.graph.reachable(node, false));
        for &p in road_places {
            let place = &s.map.places[p];
            let v = index.node_index[&place.node] as usize;
            if !(to[v] && from[v]) {
                let way = if to[v] { "back from" } else { "to" };
                c.err(
                    path.clone(),
                    format!(
                        "depot \"{}\" cannot reach place \"{}\" (node {}): no road leads {way} it",
                        s.map.places[*depot].name, place.name, place.node
                    ),
                    Some("check one-way roads and missing edges around that node".into()),
                );
            }
        }
    }
}

/// Depots and vertiports far enough apart that nothing on one stands on the other: two
/// vertiports clear of each other's pad rings, a depot clear of a vertiport's ring and of
/// another depot, and no vertiport home to two drone fleets (each fleet lays its own ring of
/// pads round its base, so two would stand on one another).
pub(super) fn check_pads(c: &mut Check<'_>) {
    let s = c.s;
    let mut drones_at: BTreeMap<&str, (u32, usize)> = BTreeMap::new();
    for (i, f) in s.fleets.drones.iter().enumerate() {
        match drones_at.get(f.base.as_str()) {
            Some(&(_, first)) => c.err(
                format!("fleets.drones[{i}].base"),
                format!(
                    "vertiport \"{}\" is already the base of fleet \"{}\": two fleets' pads would stand on one another",
                    f.base, s.fleets.drones[first].name
                ),
                Some("give each drone fleet a vertiport of its own".into()),
            ),
            None => {
                drones_at.insert(f.base.as_str(), (f.count, i));
            }
        }
    }
    let hubs: Vec<(usize, Vec2, f64)> = s
        .map
        .places
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let field = match p.kind {
                PlaceKind::Vertiport => pad_ring_radius_m(drones_at.get(p.name.as_str()).map_or(0, |d| d.0)),
                PlaceKind::Depot => DEPOT_CLEARANCE_M,
                _ => return None,
            };
            Some((i, place_position(c, i), field))
        })
        .collect();
    for (k, &(j, at_j, field_j)) in hubs.iter().enumerate() {
        for &(i, at_i, field_i) in &hubs[..k] {
            let gap = (at_j - at_i).length();
            let need = field_i + field_j + PAD_MARGIN_M;
            if gap < need {
                let (a, b) = (&s.map.places[i], &s.map.places[j]);
                let field = if b.at.is_some() { "at" } else { "node" };
                c.err(
                    format!("map.places[{j}].{field}"),
                    format!(
                        "{} \"{}\" is {gap:.1} m from {} \"{}\"; their pads and bays need {need:.1} m",
                        kind_word(b.kind),
                        b.name,
                        kind_word(a.kind),
                        a.name
                    ),
                    Some("move one of them apart".into()),
                );
            }
        }
    }
}

/// Drone stands off the carriageways: a drone rising from or setting down on a stand in the
/// street would be struck by the traffic, or by a vehicle pulled in to the kerb (its far side
/// about 5 m from the centre line, even beside a narrow one-way road). Each fleet's first stand
/// too close is reported, with the road.
pub(super) fn check_stands_off_roads(c: &mut Check<'_>) {
    let s = c.s;
    let roads: Vec<(usize, Vec2, Vec2, f64)> = s
        .map
        .edges
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let end = |id: u32| c.nodes.get(&id).map(|&n| Vec2::new(s.map.nodes[n].x, s.map.nodes[n].y));
            let need = (e.carriageway_m() / 2.0 + STAND_CLEARANCE_M).max(KERB_OFFSET_M + KERBSIDE_CLEARANCE_M);
            Some((i, end(e.from)?, end(e.to)?, need))
        })
        .collect();
    for fleet in &s.fleets.drones {
        let Some(&base) = c.places.get(fleet.base.as_str()) else { continue };
        let at = place_position(c, base);
        let reach = pad_ring_radius_m(fleet.count);
        // Only roads that pass within the ring's reach can come near a stand.
        let near: Vec<_> = roads.iter().filter(|r| distance_to_segment(at, r.1, r.2) < reach + r.3).collect();
        let found = (0..fleet.count).find_map(|k| {
            let (x, y) = stand_position_m((at.x, at.y), k, fleet.count);
            let stand = Vec2::new(x, y);
            near.iter().find_map(|&&(e, a, b, need)| {
                let gap = distance_to_segment(stand, a, b);
                (gap < need).then_some((k, stand, e, gap, need))
            })
        });
        let Some((k, stand, e, gap, need)) = found else { continue };
        let place = &s.map.places[base];
        let edge = &s.map.edges[e];
        let road = match &edge.name {
            Some(name) => format!("\"{name}\" (map.edges[{e}])"),
            None => format!("the road from node {} to node {} (map.edges[{e}])", edge.from, edge.to),
        };
        let field = if place.at.is_some() { "at" } else { "node" };
        c.err(
            format!("map.places[{base}].{field}"),
            format!(
                "drone fleet \"{}\" stands {} round vertiport \"{}\"; stand {} at ({:.1}, {:.1}) is \
                 {gap:.1} m from the centre of {road}, and a stand needs {need:.1} m, clear of its {:.1} m \
                 carriageway and of vehicles stopped at its kerb, or they strike the drones rising and setting \
                 down there",
                fleet.name,
                if fleet.count == 1 { "its drone".to_string() } else { format!("its {} drones", fleet.count) },
                place.name,
                k + 1,
                stand.x,
                stand.y,
                edge.carriageway_m(),
            ),
            Some(format!(
                "move the vertiport's `at` off the street: its stands ring it at {reach:.1} m, so it needs \
                 {:.1} m to every road's centre line; or base fewer drones there (the ring grows with them)",
                reach + need
            )),
        );
    }
}

/// Clear ground between a carriageway's edge and a drone stand, m: a kerbside bay and a margin.
const STAND_CLEARANCE_M: f64 = 3.0;
/// Clear ground between a drone stand and the centre of a vehicle stopped at the kerb, m: half
/// the vehicle's width, the drone's body and a margin.
const KERBSIDE_CLEARANCE_M: f64 = 2.0;
/// Room a depot's bays take round its position, m.
const DEPOT_CLEARANCE_M: f64 = 10.0;
/// Clear ground between two hubs' fields, m.
const PAD_MARGIN_M: f64 = 2.0;

fn kind_word(kind: PlaceKind) -> &'static str {
    if kind == PlaceKind::Vertiport { "vertiport" } else { "depot" }
}

/// Where a place is: its own position, or its node's.
fn place_position(c: &Check<'_>, place: usize) -> Vec2 {
    let s = c.s;
    let p = &s.map.places[place];
    p.at.map(Vec2::from).unwrap_or_else(|| {
        c.nodes.get(&p.node).map_or(Vec2::default(), |&i| Vec2::new(s.map.nodes[i].x, s.map.nodes[i].y))
    })
}

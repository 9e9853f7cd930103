//! Checks of the fleets: unique names, a depot or vertiport of the right kind, vehicle figures
//! above zero, drones cruising inside the band and based outside no-fly volumes; and, once the
//! rest holds, that every depot reaches the places its riders use.

use std::collections::BTreeSet;

use pilotzone_routing::geom::{Vec2, point_in_polygon};

use super::Check;
use crate::map::MapIndex;
use crate::schema::PlaceKind;

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

/// Where a place is: its own position, or its node's.
fn place_position(c: &Check<'_>, place: usize) -> Vec2 {
    let s = c.s;
    let p = &s.map.places[place];
    p.at.map(Vec2::from).unwrap_or_else(|| {
        c.nodes.get(&p.node).map_or(Vec2::default(), |&i| Vec2::new(s.map.nodes[i].x, s.map.nodes[i].y))
    })
}

//! Checks of who travels where and when: ride and parcel demand, residents' car trips and
//! pedestrians; places that exist, profiles in increasing time, a fleet to serve each flow.

use std::collections::BTreeSet;

use super::Check;
use super::fleets::FleetRefs;
use crate::error::did_you_mean;
use crate::schema::PlaceKind;

/// Rides, parcels, then residents' cars; returns the places reached by road, which the depots
/// must reach.
pub(super) fn check_demand(c: &mut Check<'_>, fleets: &FleetRefs<'_>) -> BTreeSet<usize> {
    let s = c.s;
    let mut road_places = BTreeSet::new();
    for (i, r) in s.demand.rides.iter().enumerate() {
        let path = format!("demand.rides[{i}]");
        road_places.extend(c.place_set(format!("{path}.from"), &r.from));
        road_places.extend(c.place_set(format!("{path}.to"), &r.to));
        c.profile(&r.profile, &format!("{path}.profile"));
    }
    for (i, p) in s.demand.parcels.iter().enumerate() {
        let path = format!("demand.parcels[{i}]");
        if c.place(format!("{path}.from"), &p.from, &[PlaceKind::Vertiport]).is_some()
            && !fleets.vertiports.contains(p.from.as_str())
        {
            c.err(format!("{path}.from"), format!("no drone fleet is based at \"{}\"", p.from), None);
        }
        // Parcels fly: their destinations need no road from a depot.
        c.place_set(format!("{path}.to"), &p.to);
        c.profile(&p.profile, &format!("{path}.profile"));
        c.positive(&format!("{path}.weight_kg"), p.weight_kg);
        if !s.fleets.drones.iter().any(|f| f.base == p.from && f.payload_kg >= p.weight_kg) {
            c.err(
                format!("{path}.weight_kg"),
                format!("no drone based at \"{}\" can carry {} kg", p.from, p.weight_kg),
                None,
            );
        }
    }
    if !s.demand.rides.is_empty() && s.fleets.taxis.is_empty() {
        c.err("demand.rides".into(), "ride demand needs at least one taxi fleet".into(), None);
    }
    for (i, f) in s.residents.cars.iter().enumerate() {
        let path = format!("residents.cars[{i}]");
        road_places.extend(c.place_set(format!("{path}.from"), &f.from));
        road_places.extend(c.place_set(format!("{path}.to"), &f.to));
        c.profile(&f.profile, &format!("{path}.profile"));
    }
    road_places
}

/// Pedestrian flows: crossings to use, by known names, a walking speed and a careless share.
pub(super) fn check_pedestrians(c: &mut Check<'_>) {
    let s = c.s;
    let names: BTreeSet<&str> = s.map.crossings.iter().map(|x| x.name.as_str()).collect();
    for (i, f) in s.residents.pedestrians.iter().enumerate() {
        let path = format!("residents.pedestrians[{i}]");
        if s.map.crossings.is_empty() {
            c.err(path.clone(), "pedestrians need crossings".into(), Some("add `map.crossings`".into()));
        }
        for (j, name) in f.crossings.iter().enumerate() {
            if !names.contains(name.as_str()) {
                c.err(
                    format!("{path}.crossings[{j}]"),
                    format!("unknown crossing \"{name}\""),
                    did_you_mean(name, names.iter().copied()),
                );
            }
        }
        c.profile(&f.profile, &format!("{path}.profile"));
        c.positive(&format!("{path}.walk_mps"), f.walk_mps);
        if !(0.0..=1.0).contains(&f.careless) {
            c.err(format!("{path}.careless"), format!("a share between 0 and 1, found {}", f.careless), None);
        }
    }
}

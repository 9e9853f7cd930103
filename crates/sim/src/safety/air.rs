//! Air safety: drones' separation in cruise, their clearance from buildings and from people
//! in the street, no-fly volumes and the ceiling in force, and what residents below see and
//! hear.

use bevy::prelude::*;
use pilotzone_routing::Vec2;
use pilotzone_routing::geom::point_in_polygon;
use pilotzone_scenario::Class;

use super::{Check, SafetyMonitor, severity};
use crate::demand::Requests;
use crate::drone::{Drone, DroneState};
use crate::events::{EventKind, Incident};
use crate::geom::{close_pairs, distance_to_edge, distance_to_polygon};
use crate::residents::{Pedestrian, PedestrianState};
use crate::roster::Rosters;

/// Radius around a drone's own vertiport in which separation minima give way to the pad
/// procedures, the same that strategic deconfliction leaves to the vertiport, m.
pub use crate::drone::deconflict::TERMINAL_RADIUS_M;
/// Height under which a drone over a residential zone counts as overflying homes, m: low
/// enough to be clearly seen and heard from a garden.
pub const OVERFLIGHT_BELOW_M: f64 = 100.0;
/// Reference distance of the drone noise index: one second at this height counts one, m.
pub const NOISE_REFERENCE_M: f64 = 30.0;

/// A drone in the air, as the monitor sees it this tick.
struct Airborne {
    id: u32,
    pos: [f64; 3],
    in_terminal: bool,
    /// Where it delivers (its own garden is no one else's property).
    dest: Option<Vec2>,
    base: Vec2,
}

/// Checks the air: separation between drones, from buildings and from people, then each
/// drone against the volumes and the ceiling in force. `flying` lists the drones the physics
/// step moved ([`crate::physics::Physics::flying`]).
pub(super) fn check(
    cx: &mut Check,
    monitor: &mut SafetyMonitor,
    roster: &Rosters,
    flying: &[u32],
    drones: &Query<(&Drone, &DroneState)>,
    walkers: &Query<(&Pedestrian, &PedestrianState)>,
    requests: &Requests,
    dt_s: f64,
) {
    let town = cx.town;
    let first_drone = roster.first_drone();
    // Most of a city's drones stand on their pads: only those the physics step moved are
    // looked up. A crashed drone is its crash's incident, not a flight to keep apart from others.
    let airborne: Vec<Airborne> = flying
        .iter()
        .filter_map(|&k| {
            let (drone, s) = drones.get(roster.drones.0[k as usize]).expect("roster entities are drones");
            (s.airborne() && !s.crashed).then(|| Airborne {
                id: first_drone + k,
                pos: s.pos,
                in_terminal: drone.in_terminal(s.pos),
                dest: s.order.map(|o| town.place_pos[requests.parcels[o as usize].to]),
                base: town.place_pos[drone.base],
            })
        })
        .collect();
    debug_assert!(
        roster
            .drones
            .0
            .iter()
            .enumerate()
            .filter(|&(_, &e)| drones.get(e).is_ok_and(|(_, s)| s.airborne() && !s.crashed))
            .map(|(k, _)| first_drone + k as u32)
            .eq(airborne.iter().map(|a| a.id)),
        "every drone in the air, and no other, was stepped"
    );
    check_separation(cx, monitor, &airborne);
    check_buildings(cx, monitor, &airborne);
    check_over_people(cx, monitor, roster, walkers, &airborne);
    check_airspace(cx, monitor, &airborne, dt_s);
}

/// Separation minima between drones, in the band and outside the vertiport's terminal area.
fn check_separation(cx: &mut Check, monitor: &mut SafetyMonitor, airborne: &[Airborne]) {
    if let Some(m) = cx.rules.drone_separation().copied() {
        let band_floor = cx.rules.band_m.0;
        let cruising: Vec<(u32, [f64; 3])> =
            airborne.iter().filter(|d| d.pos[2] >= band_floor - 0.5 && !d.in_terminal).map(|d| (d.id, d.pos)).collect();
        let points: Vec<(f64, f64)> = cruising.iter().map(|c| (c.1[0], c.1[1])).collect();
        let mut pairs = Vec::new();
        close_pairs(&points, m.horizontal_m, &mut pairs);
        for &(i, j) in &pairs {
            let ((a, pa), (b, pb)) = (cruising[i], cruising[j]);
            let h = (pa[0] - pb[0]).hypot(pa[1] - pb[1]);
            let v = (pa[2] - pb[2]).abs();
            if h < m.horizontal_m && v < m.vertical_m && monitor.separated.begins((a, b)) {
                monitor.separation_losses += 1;
                let incident = Incident {
                    rule: Some(m.rule),
                    other: Some(b),
                    value: h,
                    limit: m.horizontal_m,
                    severity: severity(1.0 - h / m.horizontal_m),
                };
                let detail = format!(
                    "{a} and {b}: {h:.1} m apart, {v:.1} m vertically (minimum {} m / {} m, {})",
                    m.horizontal_m,
                    m.vertical_m,
                    cx.rule_id(Some(m.rule))
                );
                cx.log.incident(cx.now, EventKind::SeparationLoss, a, pa, incident, detail);
            }
        }
    }
    monitor.separated.close();
}

/// Clearance from buildings other than the drone's own pad and the garden it serves.
fn check_buildings(cx: &mut Check, monitor: &mut SafetyMonitor, airborne: &[Airborne]) {
    if let Some(m) = cx.rules.separations.iter().find(|m| m.is_between(Class::Drone, Class::Building)).copied() {
        let mut near = Vec::new();
        for d in airborne {
            let here = Vec2::new(d.pos[0], d.pos[1]);
            cx.town.buildings_near(here, m.horizontal_m, &mut near);
            for &b in &near {
                let (outline, height) = &cx.town.buildings[b];
                let v = (d.pos[2] - height).max(0.0);
                if v >= m.vertical_m {
                    continue;
                }
                let h = distance_to_polygon(here, outline);
                // Clearance from property is a distance in space: inside the ellipsoid of the
                // two minima (a sphere when they are equal, as in Japan's 30 m rule).
                if (h / m.horizontal_m).powi(2) + (v / m.vertical_m).powi(2) >= 1.0 {
                    continue;
                }
                // Its own pad and the garden it serves are the operation's, not third parties'.
                let own = |p: Vec2| distance_to_polygon(p, outline) < m.horizontal_m;
                if own(d.base) || d.dest.is_some_and(own) {
                    continue;
                }
                if monitor.near_building.begins((d.id, b)) {
                    monitor.building_proximity += 1;
                    let clearance = h.hypot(v);
                    let incident = Incident {
                        rule: Some(m.rule),
                        other: None,
                        value: clearance,
                        limit: m.horizontal_m,
                        severity: severity(1.0 - clearance / m.horizontal_m),
                    };
                    let detail = format!(
                        "{:.1} m from building {b} ({height:.0} m tall) at {:.0} m, minimum {} m ({})",
                        clearance,
                        d.pos[2],
                        m.horizontal_m,
                        cx.rule_id(Some(m.rule))
                    );
                    cx.log.incident(cx.now, EventKind::BuildingProximity, d.id, d.pos, incident, detail);
                }
            }
        }
    }
    monitor.near_building.close();
}

/// Distance from people in the street, as a distance in space, as for property.
fn check_over_people(
    cx: &mut Check,
    monitor: &mut SafetyMonitor,
    roster: &Rosters,
    walkers: &Query<(&Pedestrian, &PedestrianState)>,
    airborne: &[Airborne],
) {
    if let Some(m) = cx.rules.separations.iter().find(|m| m.is_between(Class::Drone, Class::Person)).copied() {
        for &e in &roster.people.0 {
            let (p, s) = walkers.get(e).expect("roster entities are people");
            if !s.in_street() {
                continue;
            }
            for d in airborne {
                let (h, v) = ((d.pos[0] - s.at.x).hypot(d.pos[1] - s.at.y), d.pos[2]);
                if (h / m.horizontal_m).powi(2) + (v / m.vertical_m).powi(2) >= 1.0 {
                    continue;
                }
                if monitor.over_people.begins((d.id, p.id)) {
                    monitor.separation_losses += 1;
                    let distance = h.hypot(v);
                    let incident = Incident {
                        rule: Some(m.rule),
                        other: Some(p.id),
                        value: distance,
                        limit: m.horizontal_m,
                        severity: severity(1.0 - distance / m.horizontal_m),
                    };
                    let detail = format!(
                        "{:.1} m from person {} at {:.0} m, minimum {} m ({})",
                        distance,
                        p.id,
                        v,
                        m.horizontal_m,
                        cx.rule_id(Some(m.rule))
                    );
                    cx.log.incident(cx.now, EventKind::SeparationLoss, d.id, d.pos, incident, detail);
                }
            }
        }
    }
    monitor.over_people.close();
}

/// Each drone in turn: inside no-fly volumes, above the ceiling, and low over homes.
fn check_airspace(cx: &mut Check, monitor: &mut SafetyMonitor, airborne: &[Airborne], dt_s: f64) {
    let rules = cx.rules;
    for d in airborne {
        let (id, p) = (d.id, d.pos);
        let here = Vec2::new(p[0], p[1]);
        for (v, volume) in rules.no_fly().iter().enumerate() {
            if volume.contains(here, p[2]) && monitor.inside.begins((id, v)) {
                monitor.nofly_incursions += 1;
                let depth = distance_to_edge(here, &volume.polygon);
                let rule = rules.no_fly_rule[v];
                let incident =
                    Incident { rule, other: None, value: depth, limit: 0.0, severity: severity(depth / 50.0) };
                let by = if rule.is_some() { cx.rule_id(rule) } else { "map" };
                let detail = format!("inside \"{}\" at {:.0} m, {depth:.0} m past its edge ({by})", volume.name, p[2]);
                cx.log.incident(cx.now, EventKind::NoFlyIncursion, id, p, incident, detail);
            }
        }
        if let Some(rule) = rules.ceiling_rule
            && p[2] > rules.band_m.1 + 0.5
            && monitor.above.begins(id)
        {
            monitor.altitude_violations += 1;
            let ceiling = rules.band_m.1;
            let incident = Incident {
                rule: Some(rule),
                other: None,
                value: p[2],
                limit: ceiling,
                severity: severity((p[2] - ceiling) / ceiling),
            };
            let detail = format!("{:.0} m where the ceiling is {ceiling:.0} m ({})", p[2], cx.rule_id(Some(rule)));
            cx.log.incident(cx.now, EventKind::AltitudeViolation, id, p, incident, detail);
        }
        if p[2] < OVERFLIGHT_BELOW_M && cx.town.residential.iter().any(|z| point_in_polygon(here, z)) {
            monitor.overflight_s += dt_s;
            let h = p[2].max(5.0);
            monitor.noise_index += dt_s * (NOISE_REFERENCE_M / h).powi(2);
        }
    }
    monitor.inside.close();
    monitor.above.close();
}

//! Air safety: drones' separation in cruise, their clearance from buildings and from people
//! in the street, no-fly volumes and the ceiling in force, and what residents below see and
//! hear.

use bevy::prelude::*;
use pilotzone_routing::Vec2;
use pilotzone_routing::geom::point_in_polygon;
use pilotzone_scenario::Class;

use super::{Check, SafetyMonitor, severity};
use crate::demand::ParcelOrder;
use crate::drone::{Drone, DroneState, Drones};
use crate::events::{EventKind, Incident};
use crate::geom::{close_pairs, distance_to_edge, distance_to_polygon};
use crate::physics::Contacts;
use crate::residents::{Pedestrian, PedestrianState};
use crate::roster::Rosters;
use crate::rules::ActiveRules;
use crate::town::TownMap;

/// Radius around a drone's own vertiport in which separation minima give way to the pad
/// procedures, the same that strategic deconfliction leaves to the vertiport, m.
pub use crate::drone::deconflict::TERMINAL_RADIUS_M;
/// Height under which a drone over a residential zone counts as overflying homes, m: low
/// enough to be clearly seen and heard from a garden.
pub const OVERFLIGHT_BELOW_M: f64 = 100.0;
/// Reference distance of the drone noise index: one second at this height counts one, m.
pub const NOISE_REFERENCE_M: f64 = 30.0;

/// A drone in the air, as the monitor sees it this tick.
#[derive(Clone, Copy, Debug)]
struct Airborne {
    id: u32,
    pos: [f64; 3],
    in_terminal: bool,
    /// Where it delivers (its own garden is no one else's property).
    dest: Option<Vec2>,
    base: Vec2,
}

/// The drones in the air and not crashed, as the air's checks read them, listed where the air's
/// lane ends ([`crate::traffic`]): on the worker thread at city scale, once the physics step
/// has put them where they are, while the simulation's thread still drives the road. Only a
/// crash can change the list before the checks (a drone that crashes is its crash's incident,
/// not a flight to keep apart from others), and crashes come from this tick's contacts.
#[derive(Resource, Debug, Default)]
pub struct Aloft {
    airborne: Vec<Airborne>,
    /// Of those, the ones cruising in the band outside their vertiport's terminal area, with
    /// the pairs of them within the horizontal separation minimum (none without one).
    cruising: Vec<(u32, [f64; 3])>,
    pairs: Vec<(usize, usize)>,
}

impl Aloft {
    /// Lists the drones of `flying` (places in the roster, as the physics step has them) that
    /// are in the air and have not crashed, and the cruising pairs within the minimum.
    pub fn list(
        &mut self,
        town: &TownMap,
        rules: &ActiveRules,
        roster: &Rosters,
        flying: &[u32],
        drones: &Drones,
        parcels: &[ParcelOrder],
    ) {
        let first_drone = roster.first_drone();
        self.airborne.clear();
        // Most of a city's drones stand on their pads: only those the physics step moved are
        // looked up.
        self.airborne.extend(flying.iter().filter_map(|&k| {
            let (_, drone, s) = drones.get(roster.drones.0[k as usize]).expect("roster entities are drones");
            (s.airborne() && !s.crashed).then(|| Airborne {
                id: first_drone + k,
                pos: s.pos,
                in_terminal: drone.in_terminal(s.pos),
                dest: s.order.map(|o| town.place_pos[parcels[o as usize].to]),
                base: town.place_pos[drone.base],
            })
        }));
        self.pair_cruising(rules);
    }

    /// The cruising drones of the list and their pairs within the horizontal minimum.
    fn pair_cruising(&mut self, rules: &ActiveRules) {
        self.cruising.clear();
        self.pairs.clear();
        if let Some(m) = rules.drone_separation() {
            let band_floor = rules.band_m.0;
            let cruising = self.airborne.iter().filter(|d| d.pos[2] >= band_floor - 0.5 && !d.in_terminal);
            self.cruising.extend(cruising.map(|d| (d.id, d.pos)));
            let points: Vec<(f64, f64)> = self.cruising.iter().map(|c| (c.1[0], c.1[1])).collect();
            close_pairs(&points, m.horizontal_m, &mut self.pairs);
        }
    }

    /// Leaves out the drones that crashed after the list was made: only a drone in one of this
    /// tick's `contacts` can have (the list is then made again without them).
    fn leave_out_crashed(
        &mut self,
        rules: &ActiveRules,
        roster: &Rosters,
        contacts: &Contacts,
        drones: &Query<(&Drone, &DroneState)>,
    ) {
        let crashed = |id: u32| {
            let touched = contacts.started.iter().any(|&(a, b)| a == id || b == id)
                || contacts.struck.iter().any(|&(d, _)| d == id)
                || contacts.unsound.contains(&id);
            touched
                && drones
                    .get(roster.drones.0[(id - roster.first_drone()) as usize])
                    .expect("roster entities are drones")
                    .1
                    .crashed
        };
        let before = self.airborne.len();
        self.airborne.retain(|d| !crashed(d.id));
        if self.airborne.len() < before {
            self.pair_cruising(rules);
        }
    }
}

/// Checks the air: separation between drones, from buildings and from people, then each
/// drone against the volumes and the ceiling in force, for the drones listed in `aloft`.
pub(super) fn check(
    cx: &mut Check,
    monitor: &mut SafetyMonitor,
    aloft: &mut Aloft,
    roster: &Rosters,
    contacts: &Contacts,
    drones: &Query<(&Drone, &DroneState)>,
    walkers: &Query<(&Pedestrian, &PedestrianState)>,
    dt_s: f64,
) {
    if !(contacts.started.is_empty() && contacts.struck.is_empty() && contacts.unsound.is_empty()) {
        aloft.leave_out_crashed(cx.rules, roster, contacts, drones);
    }
    debug_assert!(
        roster
            .drones
            .0
            .iter()
            .enumerate()
            .filter(|&(_, &e)| drones.get(e).is_ok_and(|(_, s)| s.airborne() && !s.crashed))
            .map(|(k, _)| roster.first_drone() + k as u32)
            .eq(aloft.airborne.iter().map(|a| a.id)),
        "the drones listed are every drone in the air that has not crashed"
    );
    debug_assert!(
        aloft.airborne.iter().all(|a| {
            let (_, s) = drones.get(roster.drones.0[(a.id - roster.first_drone()) as usize]).expect("a drone");
            s.pos == a.pos
        }),
        "the drones listed stand where they were listed"
    );
    let airborne = &aloft.airborne;
    check_separation(cx, monitor, &aloft.cruising, &aloft.pairs);
    check_buildings(cx, monitor, airborne);
    check_over_people(cx, monitor, roster, walkers, airborne);
    check_airspace(cx, monitor, airborne, dt_s);
}

/// Separation minima between drones, in the band and outside the vertiport's terminal area:
/// `cruising` lists those drones and `pairs` the ones of them within the horizontal minimum.
fn check_separation(
    cx: &mut Check,
    monitor: &mut SafetyMonitor,
    cruising: &[(u32, [f64; 3])],
    pairs: &[(usize, usize)],
) {
    if let Some(m) = cx.rules.drone_separation().copied() {
        for &(i, j) in pairs {
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

//! The safety monitor: every collision, near miss, loss of drone separation, no-fly incursion
//! and speed violation becomes an incident with time, place, entities and the measured value.
//!
//! Conditions that last (two drones too close, a drone inside a volume) are counted once per
//! episode: from when they start until they clear.

use std::collections::BTreeSet;

use bevy::prelude::*;
use pilotzone_routing::geom::point_in_polygon;
use pilotzone_scenario::Class;

use crate::clock::SimClock;
use crate::demand::Requests;
use crate::drone::{Drone, DroneState};
use crate::events::{EventKind, EventLog, Incident};
use crate::physics::Contacts;
use crate::residents::{Pedestrian, PedestrianState};
use crate::rules::ActiveRules;
use crate::taxi::{Driver, Phase, Taxi, TaxiState};
use crate::town::TownMap;
use crate::{Rosters, SimStep, SimSystems};

/// Time-to-collision under which two closing vehicles are a near miss, s.
pub const NEAR_MISS_TTC_S: f64 = 1.0;
/// Closing speed under which vehicles are not counted as a near miss, m/s.
pub const NEAR_MISS_MIN_CLOSING_MPS: f64 = 3.0;
/// A car is two discs on its axis, this far ahead of and behind its centre, m: close to its
/// outline, so vehicles passing in opposite lanes are not taken for a head-on conflict.
const CAR_DISC_OFFSET_M: f64 = 1.3;
/// Radius of each of a car's two discs (half its width plus a margin), m.
const CAR_DISC_RADIUS_M: f64 = 1.1;
/// Radius around a drone's own vertiport in which separation minima give way to the pad
/// procedures (departures are spaced by the vertiport instead), m.
pub const TERMINAL_RADIUS_M: f64 = 60.0;
/// Vehicles further apart than this along either axis are not tested for a near miss, m.
const NEAR_MISS_RANGE_M: f64 = 30.0;
/// Speed above the limit tolerated before a violation is logged, km/h.
pub const SPEED_TOLERANCE_KMH: f64 = 1.0;

/// Height under which a drone over a residential zone counts as overflying homes, m: low
/// enough to be clearly seen and heard from a garden.
pub const OVERFLIGHT_BELOW_M: f64 = 100.0;
/// Reference distance of the drone noise index: one second at this height counts one, m.
pub const NOISE_REFERENCE_M: f64 = 30.0;
/// Radius of the disc a person occupies, m.
const PERSON_DISC_RADIUS_M: f64 = 0.3;
/// A vehicle closing on a person slower than this is not a near miss, m/s.
const PERSON_MIN_CLOSING_MPS: f64 = 2.0;
/// Vehicles slower than this are edging, not passing: their distance to people is not checked,
/// m/s.
const PASSING_MIN_SPEED_MPS: f64 = 2.0;
/// Near misses under this time to collision are severe, s.
const SEVERE_TTC_S: f64 = 0.5;

/// Incident counts, resident exposure, and the episodes still open.
#[derive(Resource, Debug, Default)]
pub struct SafetyMonitor {
    /// Collisions.
    pub collisions: u32,
    /// Near misses.
    pub near_misses: u32,
    /// Losses of separation (drone–drone and other pairs of moving things).
    pub separation_losses: u32,
    /// Drones closer to a building than the minimum.
    pub building_proximity: u32,
    /// No-fly incursions.
    pub nofly_incursions: u32,
    /// Drones above the ceiling in force.
    pub altitude_violations: u32,
    /// Speed violations.
    pub speed_violations: u32,
    /// Drone-seconds over residential zones below [`OVERFLIGHT_BELOW_M`].
    pub overflight_s: f64,
    /// Drone noise index over residential zones: seconds weighted by (30 m / height)².
    pub noise_index: f64,
    /// Taxi entries into school-zone roads while the school is in session.
    pub school_passes: u32,
    near: BTreeSet<(u32, u32)>,
    separated: BTreeSet<(u32, u32)>,
    near_building: BTreeSet<(u32, usize)>,
    passing: BTreeSet<(u32, u32)>,
    over_people: BTreeSet<(u32, u32)>,
    inside: BTreeSet<(u32, usize)>,
    above: BTreeSet<u32>,
    speeding: BTreeSet<u32>,
    last_arc: Vec<Option<u32>>,
}

/// Adds the monitor.
pub struct SafetyPlugin;

impl Plugin for SafetyPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<SafetyMonitor>().add_systems(SimStep, monitor_safety.in_set(SimSystems::Safety));
    }
}

/// Severity of a measured excess: 1 (minor) to 3 (severe), by how far past the limit.
fn severity(excess_share: f64) -> u8 {
    if excess_share > 0.5 {
        3
    } else if excess_share > 0.2 {
        2
    } else {
        1
    }
}

/// Checks this tick's state against the rules and logs new incidents.
pub fn monitor_safety(
    clock: Res<SimClock>,
    town: Res<TownMap>,
    rules: Res<ActiveRules>,
    contacts: Res<Contacts>,
    requests: Res<Requests>,
    roster: Rosters,
    taxis: Query<(&Taxi, &TaxiState)>,
    drones: Query<(&Drone, &DroneState)>,
    walkers: Query<(&Pedestrian, &PedestrianState)>,
    mut monitor: ResMut<SafetyMonitor>,
    mut log: ResMut<EventLog>,
) {
    let now = clock.now_ms;
    let monitor = &mut *monitor;
    let (taxi_roster, drone_roster, car_roster, people) = (&roster.taxis, &roster.drones, &roster.cars, &roster.people);
    let first_drone = taxi_roster.0.len() as u32;
    let first_car = first_drone + drone_roster.0.len() as u32;
    let first_person = first_car + car_roster.0.len() as u32;
    let position = |id: u32| -> [f64; 3] {
        let flat = |at: pilotzone_routing::Vec2| [at.x, at.y, 0.0];
        if id < first_drone {
            flat(taxis.get(taxi_roster.0[id as usize]).expect("roster entities are taxis").1.at)
        } else if id < first_car {
            drones.get(drone_roster.0[(id - first_drone) as usize]).expect("roster entities are drones").1.pos
        } else if id < first_person {
            flat(taxis.get(car_roster.0[(id - first_car) as usize]).expect("roster entities are cars").1.at)
        } else {
            flat(walkers.get(people.0[(id - first_person) as usize]).expect("roster entities are people").1.at)
        }
    };
    for &(a, b) in &contacts.started {
        monitor.collisions += 1;
        let incident = Incident { rule: None, other: Some(b), value: 0.0, limit: 0.0, severity: 3 };
        log.incident(now, EventKind::Collision, a, position(a), incident, format!("{a} and {b} touched"));
    }
    let rule_id = |r: Option<usize>| r.map_or("", |r| town.scenario.rules[r].id.as_str());

    // Vehicles: speed against the limit in force, school passes, and time-to-collision.
    monitor.last_arc.resize(taxi_roster.0.len(), None);
    let tod = clock.time_of_day_s();
    let mut moving = Vec::new();
    let mut classes = Vec::new();
    for &e in taxi_roster.0.iter().chain(&car_roster.0) {
        let (taxi, state) = taxis.get(e).expect("roster entities are vehicles");
        let (Phase::Driving, Some(arc)) = (state.phase, state.arc) else {
            monitor.speeding.remove(&taxi.id);
            continue;
        };
        let class = if taxi.driver == Driver::Level4 { Class::Taxi } else { Class::Car };
        if class == Class::Taxi && monitor.last_arc[taxi.id as usize] != Some(arc) {
            monitor.last_arc[taxi.id as usize] = Some(arc);
            if let Some(z) = town.arc_school_zone[arc as usize]
                && pilotzone_scenario::time::active(&town.scenario.map.zones[z].hours, tod)
            {
                monitor.school_passes += 1;
            }
        }
        let (at, heading) = (state.at, state.heading);
        let kmh = state.speed_mps * 3.6;
        let (limit, rule) = match class {
            Class::Taxi => (rules.arc_limit_kmh[arc as usize], rules.arc_limit_rule[arc as usize]),
            _ => (rules.car_limit_kmh[arc as usize], rules.car_limit_rule[arc as usize]),
        };
        if limit > 0.0 && kmh > limit + SPEED_TOLERANCE_KMH {
            if monitor.speeding.insert(taxi.id) {
                monitor.speed_violations += 1;
                let incident =
                    Incident { rule, other: None, value: kmh, limit, severity: severity((kmh - limit) / limit) };
                let by = if rule.is_some() { format!(" ({})", rule_id(rule)) } else { " (posted)".to_owned() };
                let detail = format!("{kmh:.1} km/h where {limit:.0} km/h holds{by}");
                log.incident(now, EventKind::SpeedViolation, taxi.id, [at.x, at.y, 0.0], incident, detail);
            }
        } else {
            monitor.speeding.remove(&taxi.id);
        }
        moving.push((taxi.id, at, heading, [heading.cos() * state.speed_mps, heading.sin() * state.speed_mps]));
        classes.push(class);
    }
    let mut near_now = BTreeSet::new();
    let points: Vec<(f64, f64)> = moving.iter().map(|m| (m.1.x, m.1.y)).collect();
    let mut pairs = Vec::new();
    close_pairs(&points, NEAR_MISS_RANGE_M, &mut pairs);
    for &(i, j) in &pairs {
        let ((a, pa, ha, va), (b, pb, hb, vb)) = (moving[i], moving[j]);
        let (dx, dy) = (pb.x - pa.x, pb.y - pa.y);
        let (rvx, rvy) = (vb[0] - va[0], vb[1] - va[1]);
        let closing = -(dx * rvx + dy * rvy) / dx.hypot(dy).max(1e-6);
        if closing < NEAR_MISS_MIN_CLOSING_MPS {
            continue;
        }
        let discs = |h: f64| [-1.0, 1.0].map(|k| (k * CAR_DISC_OFFSET_M * h.cos(), k * CAR_DISC_OFFSET_M * h.sin()));
        let ttc = discs(ha)
            .iter()
            .flat_map(|da| discs(hb).map(move |db| (da, db)))
            .filter_map(|(da, db)| {
                time_to_contact(dx + db.0 - da.0, dy + db.1 - da.1, rvx, rvy, 2.0 * CAR_DISC_RADIUS_M)
            })
            .min_by(f64::total_cmp);
        if let Some(ttc) = ttc
            && ttc < NEAR_MISS_TTC_S
        {
            near_now.insert((a, b));
            if !monitor.near.contains(&(a, b)) {
                monitor.near_misses += 1;
                let severity = if ttc < SEVERE_TTC_S { 3 } else { 2 };
                let incident = Incident { rule: None, other: Some(b), value: ttc, limit: NEAR_MISS_TTC_S, severity };
                let detail = format!("{a} and {b}: time to collision {ttc:.2} s at {closing:.1} m/s closing");
                log.incident(now, EventKind::NearMiss, a, [pa.x, pa.y, 0.0], incident, detail);
            }
        }
    }

    // People on crossings: time to collision with vehicles, and each class's passing distance.
    let mut passing_now = BTreeSet::new();
    for &e in &people.0 {
        let (p, s) = walkers.get(e).expect("roster entities are people");
        if !s.on_road() {
            continue;
        }
        let pv = [s.heading.cos() * s.speed_mps, s.heading.sin() * s.speed_mps];
        for (k, &(v, at, heading, vv)) in moving.iter().enumerate() {
            let (dx, dy) = (s.at.x - at.x, s.at.y - at.y);
            if dx.abs() > NEAR_MISS_RANGE_M || dy.abs() > NEAR_MISS_RANGE_M {
                continue;
            }
            let discs =
                [-1.0, 1.0].map(|k| (k * CAR_DISC_OFFSET_M * heading.cos(), k * CAR_DISC_OFFSET_M * heading.sin()));
            let speed = vv[0].hypot(vv[1]);
            let (rvx, rvy) = (pv[0] - vv[0], pv[1] - vv[1]);
            let closing = -(dx * rvx + dy * rvy) / dx.hypot(dy).max(1e-6);
            let clearance = discs
                .iter()
                .map(|d| (dx - d.0).hypot(dy - d.1) - CAR_DISC_RADIUS_M - PERSON_DISC_RADIUS_M)
                .fold(f64::INFINITY, f64::min);
            let ttc = discs
                .iter()
                .filter_map(|d| time_to_contact(dx - d.0, dy - d.1, rvx, rvy, CAR_DISC_RADIUS_M + PERSON_DISC_RADIUS_M))
                .min_by(f64::total_cmp);
            if closing >= PERSON_MIN_CLOSING_MPS
                && let Some(ttc) = ttc
                && ttc < NEAR_MISS_TTC_S
            {
                near_now.insert((v, p.id));
                if !monitor.near.contains(&(v, p.id)) {
                    monitor.near_misses += 1;
                    let severity = if ttc < SEVERE_TTC_S { 3 } else { 2 };
                    let incident =
                        Incident { rule: None, other: Some(p.id), value: ttc, limit: NEAR_MISS_TTC_S, severity };
                    let detail = format!("{v} and person {}: time to collision {ttc:.2} s at {speed:.1} m/s", p.id);
                    log.incident(now, EventKind::NearMiss, v, [at.x, at.y, 0.0], incident, detail);
                }
            }
            let Some(m) = rules.separations.iter().find(|m| m.is_between(classes[k], Class::Person)) else { continue };
            if speed > PASSING_MIN_SPEED_MPS && clearance < m.horizontal_m {
                passing_now.insert((v, p.id));
                if !monitor.passing.contains(&(v, p.id)) {
                    monitor.separation_losses += 1;
                    let incident = Incident {
                        rule: Some(m.rule),
                        other: Some(p.id),
                        value: clearance.max(0.0),
                        limit: m.horizontal_m,
                        severity: severity(1.0 - clearance.max(0.0) / m.horizontal_m),
                    };
                    let detail = format!(
                        "{v} passed person {} {:.1} m away at {:.0} km/h (minimum {} m, {})",
                        p.id,
                        clearance.max(0.0),
                        speed * 3.6,
                        m.horizontal_m,
                        rule_id(Some(m.rule))
                    );
                    log.incident(now, EventKind::SeparationLoss, v, [at.x, at.y, 0.0], incident, detail);
                }
            }
        }
    }
    monitor.near = near_now;
    monitor.passing = passing_now;

    // Drones: separation in cruise, clearance from buildings, no-fly volumes, the ceiling, and
    // what residents below see and hear.
    let band_floor = rules.band_m.0;
    let dt = clock.dt_s();
    struct Airborne {
        id: u32,
        pos: [f64; 3],
        in_terminal: bool,
        /// Where it delivers (its own garden is no one else's property).
        dest: Option<pilotzone_routing::Vec2>,
        base: pilotzone_routing::Vec2,
    }
    let airborne: Vec<Airborne> = drone_roster
        .0
        .iter()
        .enumerate()
        .filter_map(|(k, &e)| {
            let (drone, s) = drones.get(e).expect("roster entities are drones");
            let base = town.place_pos[drone.base];
            let in_terminal = (s.pos[0] - base.x).hypot(s.pos[1] - base.y) < TERMINAL_RADIUS_M;
            let dest = s.order.map(|o| town.place_pos[requests.parcels[o as usize].to]);
            s.airborne().then_some(Airborne { id: first_drone + k as u32, pos: s.pos, in_terminal, dest, base })
        })
        .collect();
    let mut separated_now = BTreeSet::new();
    if let Some(m) = rules.drone_separation().copied() {
        // Separation minima apply in the band, outside the vertiport's terminal area.
        let cruising: Vec<(u32, [f64; 3])> =
            airborne.iter().filter(|d| d.pos[2] >= band_floor - 0.5 && !d.in_terminal).map(|d| (d.id, d.pos)).collect();
        let points: Vec<(f64, f64)> = cruising.iter().map(|c| (c.1[0], c.1[1])).collect();
        pairs.clear();
        close_pairs(&points, m.horizontal_m, &mut pairs);
        for &(i, j) in &pairs {
            let ((a, pa), (b, pb)) = (cruising[i], cruising[j]);
            let h = (pa[0] - pb[0]).hypot(pa[1] - pb[1]);
            let v = (pa[2] - pb[2]).abs();
            if h < m.horizontal_m && v < m.vertical_m {
                separated_now.insert((a, b));
                if !monitor.separated.contains(&(a, b)) {
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
                        rule_id(Some(m.rule))
                    );
                    log.incident(now, EventKind::SeparationLoss, a, pa, incident, detail);
                }
            }
        }
    }
    monitor.separated = separated_now;

    let mut near_building_now = BTreeSet::new();
    if let Some(m) = rules.separations.iter().find(|m| m.is_between(Class::Drone, Class::Building)).copied() {
        for d in &airborne {
            let here = pilotzone_routing::Vec2::new(d.pos[0], d.pos[1]);
            for (b, (outline, height)) in town.buildings.iter().enumerate() {
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
                let own = |p: pilotzone_routing::Vec2| distance_to_polygon(p, outline) < m.horizontal_m;
                if own(d.base) || d.dest.is_some_and(own) {
                    continue;
                }
                near_building_now.insert((d.id, b));
                if !monitor.near_building.contains(&(d.id, b)) {
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
                        rule_id(Some(m.rule))
                    );
                    log.incident(now, EventKind::BuildingProximity, d.id, d.pos, incident, detail);
                }
            }
        }
    }
    monitor.near_building = near_building_now;

    let mut over_people_now = BTreeSet::new();
    if let Some(m) = rules.separations.iter().find(|m| m.is_between(Class::Drone, Class::Person)).copied() {
        for &e in &people.0 {
            let (p, s) = walkers.get(e).expect("roster entities are people");
            if !s.in_street() {
                continue;
            }
            for d in &airborne {
                let (h, v) = ((d.pos[0] - s.at.x).hypot(d.pos[1] - s.at.y), d.pos[2]);
                // A distance in space, as for property.
                if (h / m.horizontal_m).powi(2) + (v / m.vertical_m).powi(2) >= 1.0 {
                    continue;
                }
                over_people_now.insert((d.id, p.id));
                if !monitor.over_people.contains(&(d.id, p.id)) {
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
                        rule_id(Some(m.rule))
                    );
                    log.incident(now, EventKind::SeparationLoss, d.id, d.pos, incident, detail);
                }
            }
        }
    }
    monitor.over_people = over_people_now;

    let mut inside_now = BTreeSet::new();
    let mut above_now = BTreeSet::new();
    for d in &airborne {
        let (id, p) = (d.id, d.pos);
        let here = pilotzone_routing::Vec2::new(p[0], p[1]);
        for (v, volume) in rules.no_fly().iter().enumerate() {
            if volume.contains(here, p[2]) {
                inside_now.insert((id, v));
                if !monitor.inside.contains(&(id, v)) {
                    monitor.nofly_incursions += 1;
                    let depth = distance_to_edge(here, &volume.polygon);
                    let rule = rules.no_fly_rule[v];
                    let incident =
                        Incident { rule, other: None, value: depth, limit: 0.0, severity: severity(depth / 50.0) };
                    let by = if rule.is_some() { rule_id(rule) } else { "map" };
                    let detail =
                        format!("inside \"{}\" at {:.0} m, {depth:.0} m past its edge ({by})", volume.name, p[2]);
                    log.incident(now, EventKind::NoFlyIncursion, id, p, incident, detail);
                }
            }
        }
        if let Some(rule) = rules.ceiling_rule
            && p[2] > rules.band_m.1 + 0.5
        {
            above_now.insert(id);
            if !monitor.above.contains(&id) {
                monitor.altitude_violations += 1;
                let ceiling = rules.band_m.1;
                let incident = Incident {
                    rule: Some(rule),
                    other: None,
                    value: p[2],
                    limit: ceiling,
                    severity: severity((p[2] - ceiling) / ceiling),
                };
                let detail = format!("{:.0} m where the ceiling is {ceiling:.0} m ({})", p[2], rule_id(Some(rule)));
                log.incident(now, EventKind::AltitudeViolation, id, p, incident, detail);
            }
        }
        if p[2] < OVERFLIGHT_BELOW_M && town.residential.iter().any(|z| point_in_polygon(here, z)) {
            monitor.overflight_s += dt;
            let h = p[2].max(5.0);
            monitor.noise_index += dt * (NOISE_REFERENCE_M / h).powi(2);
        }
    }
    monitor.inside = inside_now;
    monitor.above = above_now;
}

/// Distance from `p` to the nearest edge of `polygon`, m.
pub fn distance_to_edge(p: pilotzone_routing::Vec2, polygon: &[pilotzone_routing::Vec2]) -> f64 {
    (0..polygon.len())
        .map(|i| {
            let (a, b) = (polygon[i], polygon[(i + 1) % polygon.len()]);
            let (abx, aby, apx, apy) = (b.x - a.x, b.y - a.y, p.x - a.x, p.y - a.y);
            let t = ((apx * abx + apy * aby) / (abx * abx + aby * aby).max(1e-12)).clamp(0.0, 1.0);
            (apx - abx * t).hypot(apy - aby * t)
        })
        .fold(f64::INFINITY, f64::min)
}

/// Horizontal distance from `p` to a footprint: zero inside it, m.
pub fn distance_to_polygon(p: pilotzone_routing::Vec2, polygon: &[pilotzone_routing::Vec2]) -> f64 {
    if point_in_polygon(p, polygon) { 0.0 } else { distance_to_edge(p, polygon) }
}

/// Pairs `(i, j)`, `i < j`, of points less than `range` apart along both axes, sorted. A grid
/// of `range`-sized cells keeps this near linear where all-pairs would grow with the square.
pub fn close_pairs(points: &[(f64, f64)], range: f64, out: &mut Vec<(usize, usize)>) {
    let cell = |v: f64| (v / range).floor() as i64;
    let mut keyed: Vec<((i64, i64), usize)> =
        points.iter().enumerate().map(|(i, &(x, y))| ((cell(x), cell(y)), i)).collect();
    keyed.sort_unstable();
    // Runs of equal cells: (cell, start, end) into `keyed`.
    let mut cells: Vec<((i64, i64), usize, usize)> = Vec::new();
    for (k, &(c, _)) in keyed.iter().enumerate() {
        match cells.last_mut() {
            Some(last) if last.0 == c => last.2 = k + 1,
            _ => cells.push((c, k, k + 1)),
        }
    }
    let near = |a: usize, b: usize| {
        let (p, q) = (points[a], points[b]);
        (p.0 - q.0).abs() < range && (p.1 - q.1).abs() < range
    };
    // Cells are sorted, so the neighbours in the next column, (cx + 1, cy - 1 ..= cy + 1), move
    // forward with the cell: one pointer walks them, where a search per neighbour was the hot
    // spot of the monitor on large towns.
    let mut next_column = 0;
    for (k, &((cx, cy), start, end)) in cells.iter().enumerate() {
        let here = &keyed[start..end];
        for (i, &(_, a)) in here.iter().enumerate() {
            for &(_, b) in &here[i + 1..] {
                if near(a, b) {
                    out.push((a.min(b), a.max(b)));
                }
            }
        }
        let mut visit = |(_, os, oe): ((i64, i64), usize, usize)| {
            for &(_, a) in here {
                for &(_, b) in &keyed[os..oe] {
                    if near(a, b) {
                        out.push((a.min(b), a.max(b)));
                    }
                }
            }
        };
        // Each pair of neighbouring cells is visited once: from the cell that sorts first.
        if let Some(&above) = cells.get(k + 1)
            && above.0 == (cx, cy + 1)
        {
            visit(above);
        }
        while next_column < cells.len() && cells[next_column].0 < (cx + 1, cy - 1) {
            next_column += 1;
        }
        for &other in cells[next_column..].iter().take_while(|c| c.0 <= (cx + 1, cy + 1)) {
            visit(other);
        }
    }
    out.sort_unstable();
}

/// Time until two discs `sum_radii` apart first touch, for relative position (dx, dy) and
/// relative velocity (vx, vy); zero if they already overlap, none if they never do.
pub fn time_to_contact(dx: f64, dy: f64, vx: f64, vy: f64, sum_radii: f64) -> Option<f64> {
    let c = dx * dx + dy * dy - sum_radii * sum_radii;
    if c <= 0.0 {
        return Some(0.0);
    }
    let a = vx * vx + vy * vy;
    let b = 2.0 * (dx * vx + dy * vy);
    let disc = b * b - 4.0 * a * c;
    if a <= 0.0 || b >= 0.0 || disc < 0.0 {
        return None;
    }
    Some((-b - disc.sqrt()) / (2.0 * a))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_pairs_agree_with_all_pairs() {
        let mut state = 99u64;
        let mut next = || {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let points: Vec<(f64, f64)> = (0..300).map(|_| (next() * 500.0 - 250.0, next() * 500.0 - 250.0)).collect();
        let mut fast = Vec::new();
        close_pairs(&points, 30.0, &mut fast);
        let mut slow = Vec::new();
        for i in 0..points.len() {
            for j in i + 1..points.len() {
                if (points[i].0 - points[j].0).abs() < 30.0 && (points[i].1 - points[j].1).abs() < 30.0 {
                    slow.push((i, j));
                }
            }
        }
        assert!(!slow.is_empty());
        assert_eq!(fast, slow);
    }

    #[test]
    fn time_to_contact_of_head_on_and_passing_discs() {
        // 20 m apart closing at 10 m/s, touching at 4.6 m: (20 - 4.6) / 10.
        let ttc = time_to_contact(20.0, 0.0, -10.0, 0.0, 4.6).expect("head on");
        assert!((ttc - 1.54).abs() < 1e-9);
        assert_eq!(time_to_contact(20.0, 0.0, 10.0, 0.0, 4.6), None, "moving apart");
        assert_eq!(time_to_contact(20.0, 10.0, -10.0, 0.0, 4.6), None, "passing 10 m abreast");
        assert_eq!(time_to_contact(2.0, 0.0, 0.0, 0.0, 4.6), Some(0.0), "already overlapping");
    }
}

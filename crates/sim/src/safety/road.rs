//! Road safety: every driving vehicle's speed against the limit in force, taxis' passes
//! through school zones, near misses between vehicles, and people on crossings (near misses
//! and how close each class of vehicle passes them).

use bevy::prelude::*;
use pilotzone_routing::Vec2;
use pilotzone_scenario::Class;

use super::{Check, SafetyMonitor, severity};
use crate::events::{EventKind, Incident};
use crate::geom::{neighbour_pairs, time_to_contact};
use crate::residents::{Pedestrian, PedestrianState};
use crate::roster::Rosters;
use crate::vehicle::{Driver, Phase, Taxi, TaxiState};

/// Time-to-collision under which two closing vehicles are a near miss, s.
pub const NEAR_MISS_TTC_S: f64 = 1.0;
/// Closing speed under which vehicles are not counted as a near miss, m/s.
pub const NEAR_MISS_MIN_CLOSING_MPS: f64 = 3.0;
/// A car is two discs on its axis, this far ahead of and behind its centre, m: close to its
/// outline, so vehicles passing in opposite lanes are not taken for a head-on conflict.
const CAR_DISC_OFFSET_M: f64 = 1.3;
/// Radius of each of a car's two discs (half its width plus a margin), m.
const CAR_DISC_RADIUS_M: f64 = 1.1;
/// Vehicles further apart than this along either axis are not tested for a near miss, m.
const NEAR_MISS_RANGE_M: f64 = 30.0;
/// Speed above the limit tolerated before a violation is logged, km/h.
pub const SPEED_TOLERANCE_KMH: f64 = 1.0;
/// Radius of the disc a person occupies, m.
const PERSON_DISC_RADIUS_M: f64 = 0.3;
/// A vehicle closing on a person slower than this is not a near miss, m/s.
const PERSON_MIN_CLOSING_MPS: f64 = 2.0;
/// Vehicles slower than this are edging, not passing: their distance to people is not checked,
/// m/s.
const PASSING_MIN_SPEED_MPS: f64 = 2.0;
/// Near misses under this time to collision are severe, s.
const SEVERE_TTC_S: f64 = 0.5;

/// A driving vehicle as the monitor sees it this tick.
#[derive(Clone, Copy)]
struct Moving {
    entity: Entity,
    id: u32,
    at: Vec2,
    heading: f64,
    /// Velocity, (east, north), m/s.
    vel: [f64; 2],
    class: Class,
}

/// Checks the road: speeds and school passes, near misses between vehicles, then people on
/// crossings.
pub(super) fn check(
    cx: &mut Check,
    monitor: &mut SafetyMonitor,
    roster: &Rosters,
    on_road: &[Entity],
    taxis: &Query<(&Taxi, &TaxiState)>,
    walkers: &Query<(&Pedestrian, &PedestrianState)>,
    tod_s: u32,
) {
    let moving = check_speeds(cx, monitor, roster, on_road, taxis, tod_s);
    check_vehicle_pairs(cx, monitor, taxis, &moving);
    check_people(cx, monitor, roster, walkers, &moving);
    monitor.near.close();
    monitor.passing.close();
}

/// Speed against the limit in force, and school passes, of every driving vehicle (taxis, then
/// residents' cars, as [`crate::vehicle::OnRoad`] lists them); returns them.
fn check_speeds(
    cx: &mut Check,
    monitor: &mut SafetyMonitor,
    roster: &Rosters,
    on_road: &[Entity],
    taxis: &Query<(&Taxi, &TaxiState)>,
    tod_s: u32,
) -> Vec<Moving> {
    let (town, rules) = (cx.town, cx.rules);
    monitor.last_arc.resize(roster.taxis.0.len(), None);
    let mut moving = Vec::new();
    debug_assert!(
        roster
            .taxis
            .0
            .iter()
            .chain(&roster.cars.0)
            .filter(|&&e| taxis.get(e).is_ok_and(|(_, s)| s.phase == Phase::Driving && s.arc.is_some()))
            .eq(on_road.iter()),
        "the vehicles on the road are every driving vehicle, in roster order"
    );
    for &e in on_road {
        let (taxi, state) = taxis.get(e).expect("roster entities are vehicles");
        let (Phase::Driving, Some(arc)) = (state.phase, state.arc) else { continue };
        let class = if taxi.driver == Driver::Level4 { Class::Taxi } else { Class::Car };
        if class == Class::Taxi && monitor.last_arc[taxi.id as usize] != Some(arc) {
            monitor.last_arc[taxi.id as usize] = Some(arc);
            if let Some(z) = town.arc_school_zone[arc as usize]
                && pilotzone_scenario::time::active(&town.scenario.map.zones[z].hours, tod_s)
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
        if limit > 0.0 && kmh > limit + SPEED_TOLERANCE_KMH && monitor.speeding.begins(taxi.id) {
            monitor.speed_violations += 1;
            let incident = Incident { rule, other: None, value: kmh, limit, severity: severity((kmh - limit) / limit) };
            let by = if rule.is_some() { format!(" ({})", cx.rule_id(rule)) } else { " (posted)".to_owned() };
            let detail = format!("{kmh:.1} km/h where {limit:.0} km/h holds{by}");
            cx.log.incident(cx.now, EventKind::SpeedViolation, taxi.id, [at.x, at.y, 0.0], incident, detail);
        }
        let vel = [heading.cos() * state.speed_mps, heading.sin() * state.speed_mps];
        moving.push(Moving { entity: e, id: taxi.id, at, heading, vel, class });
    }
    monitor.speeding.close();
    moving
}

/// A car's two discs, relative to its centre, for a heading.
fn discs(heading: f64) -> [(f64, f64); 2] {
    [-1.0, 1.0].map(|k| (k * CAR_DISC_OFFSET_M * heading.cos(), k * CAR_DISC_OFFSET_M * heading.sin()))
}

/// Squared distance between two cars' disc centres at which the discs touch, m².
const TOUCH_M2: f64 = 4.0 * CAR_DISC_RADIUS_M * CAR_DISC_RADIUS_M;

/// Steps at which vehicles' paths are followed ahead for a near miss, s.
const PATH_STEP_S: f64 = 0.05;

/// Near misses between vehicles: closing pairs whose discs would touch within
/// [`NEAR_MISS_TTC_S`], each following its own route at its present speed (through a
/// junction, along the curve it drives, not straight on: a car turning onto the near side is
/// not on course for the one coming the other way).
fn check_vehicle_pairs(
    cx: &mut Check,
    monitor: &mut SafetyMonitor,
    taxis: &Query<(&Taxi, &TaxiState)>,
    moving: &[Moving],
) {
    let points: Vec<(f64, f64)> = moving.iter().map(|m| (m.at.x, m.at.y)).collect();
    let mut pairs = Vec::new();
    // Found in the grid's order; only the few near misses are put in pair order, to log.
    neighbour_pairs(&points, NEAR_MISS_RANGE_M, &mut pairs);
    let mut hits: Vec<((usize, usize), f64, f64)> = Vec::new();
    for &(i, j) in &pairs {
        let (ma, mb) = (moving[i], moving[j]);
        let ((pa, va), (pb, vb)) = ((ma.at, ma.vel), (mb.at, mb.vel));
        let (dx, dy) = (pb.x - pa.x, pb.y - pa.y);
        let (rvx, rvy) = (vb[0] - va[0], vb[1] - va[1]);
        let apart = dx.hypot(dy);
        let closing = -(dx * rvx + dy * rvy) / apart.max(1e-6);
        if closing < NEAR_MISS_MIN_CLOSING_MPS {
            continue;
        }
        // Too far apart to touch within the horizon whatever their paths.
        let reach = (va[0].hypot(va[1]) + vb[0].hypot(vb[1])) * NEAR_MISS_TTC_S;
        if apart - reach > 2.0 * (CAR_DISC_RADIUS_M + CAR_DISC_OFFSET_M) {
            continue;
        }
        let (_, sa) = taxis.get(ma.entity).expect("moving entities are vehicles");
        let (_, sb) = taxis.get(mb.entity).expect("moving entities are vehicles");
        let steps = (NEAR_MISS_TTC_S / PATH_STEP_S).round() as u32;
        let ttc = (0..steps).map(|k| f64::from(k) * PATH_STEP_S).find(|&t| {
            let (qa, ha) = sa.pose_ahead(cx.town, sa.speed_mps * t);
            let (qb, hb) = sb.pose_ahead(cx.town, sb.speed_mps * t);
            discs(ha).iter().any(|da| {
                discs(hb).iter().any(|db| {
                    let (ex, ey) = (qb.x + db.0 - qa.x - da.0, qb.y + db.1 - qa.y - da.1);
                    ex * ex + ey * ey < TOUCH_M2
                })
            })
        });
        if let Some(ttc) = ttc {
            hits.push(((i, j), ttc, closing));
        }
    }
    hits.sort_unstable_by_key(|&(pair, ..)| pair);
    for ((i, j), ttc, closing) in hits {
        let (a, b, pa) = (moving[i].id, moving[j].id, moving[i].at);
        if monitor.near.begins((a, b)) {
            monitor.near_misses += 1;
            let severity = if ttc < SEVERE_TTC_S { 3 } else { 2 };
            let incident = Incident { rule: None, other: Some(b), value: ttc, limit: NEAR_MISS_TTC_S, severity };
            let detail = format!("{a} and {b}: time to collision {ttc:.2} s at {closing:.1} m/s closing");
            cx.log.incident(cx.now, EventKind::NearMiss, a, [pa.x, pa.y, 0.0], incident, detail);
        }
    }
}

/// People on crossings: time to collision with each vehicle, and how close each class of
/// vehicle passes them against the separation minimum in force.
fn check_people(
    cx: &mut Check,
    monitor: &mut SafetyMonitor,
    roster: &Rosters,
    walkers: &Query<(&Pedestrian, &PedestrianState)>,
    moving: &[Moving],
) {
    for &e in &roster.people.0 {
        let (p, s) = walkers.get(e).expect("roster entities are people");
        if !s.on_road() {
            continue;
        }
        let pv = [s.heading.cos() * s.speed_mps, s.heading.sin() * s.speed_mps];
        for m in moving {
            let (v, at, vv) = (m.id, m.at, m.vel);
            let (dx, dy) = (s.at.x - at.x, s.at.y - at.y);
            if dx.abs() > NEAR_MISS_RANGE_M || dy.abs() > NEAR_MISS_RANGE_M {
                continue;
            }
            let discs = discs(m.heading);
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
                && monitor.near.begins((v, p.id))
            {
                monitor.near_misses += 1;
                let severity = if ttc < SEVERE_TTC_S { 3 } else { 2 };
                let incident = Incident { rule: None, other: Some(p.id), value: ttc, limit: NEAR_MISS_TTC_S, severity };
                let detail = format!("{v} and person {}: time to collision {ttc:.2} s at {speed:.1} m/s", p.id);
                cx.log.incident(cx.now, EventKind::NearMiss, v, [at.x, at.y, 0.0], incident, detail);
            }
            let Some(min) = cx.rules.separations.iter().find(|x| x.is_between(m.class, Class::Person)) else {
                continue;
            };
            if speed > PASSING_MIN_SPEED_MPS && clearance < min.horizontal_m && monitor.passing.begins((v, p.id)) {
                monitor.separation_losses += 1;
                let incident = Incident {
                    rule: Some(min.rule),
                    other: Some(p.id),
                    value: clearance.max(0.0),
                    limit: min.horizontal_m,
                    severity: severity(1.0 - clearance.max(0.0) / min.horizontal_m),
                };
                let detail = format!(
                    "{v} passed person {} {:.1} m away at {:.0} km/h (minimum {} m, {})",
                    p.id,
                    clearance.max(0.0),
                    speed * 3.6,
                    min.horizontal_m,
                    cx.rule_id(Some(min.rule))
                );
                cx.log.incident(cx.now, EventKind::SeparationLoss, v, [at.x, at.y, 0.0], incident, detail);
            }
        }
    }
}

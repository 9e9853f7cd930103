//! Road safety: every driving vehicle's speed against the limit in force, taxis' passes
//! through school zones, near misses between vehicles (looked for on a worker thread at
//! city scale), and people on crossings (near misses and how close each class of vehicle passes
//! them).

use std::sync::Arc;

use bevy::prelude::*;
use pilotzone_scenario::Class;

use super::{Check, SafetyMonitor, severity};
use crate::events::{EventKind, Incident};
use crate::geom::{Grid, time_to_contact};
use crate::residents::{Pedestrian, PedestrianState};
use crate::roster::Rosters;
use crate::town::TownMap;
use crate::vehicle::{Driver, FOLLOW_AHEAD_S, RoadVehicle, Traffic};

/// Time-to-collision under which two closing vehicles are a near miss, s.
pub const NEAR_MISS_TTC_S: f64 = 1.0;
const _: () = assert!(NEAR_MISS_TTC_S <= FOLLOW_AHEAD_S, "vehicles are followed within the horizon kept");
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

/// A driving vehicle's velocity, (east, north), m/s.
fn velocity(v: &RoadVehicle) -> [f64; 2] {
    [v.heading.cos() * v.speed_mps, v.heading.sin() * v.speed_mps]
}

fn class(v: &RoadVehicle) -> Class {
    if v.driver == Driver::Level4 { Class::Taxi } else { Class::Car }
}

/// Speed against the limit in force, and school passes, of every driving vehicle (taxis, then
/// residents' cars, as [`Traffic`] lists them).
pub(super) fn check_speeds(
    cx: &mut Check,
    monitor: &mut SafetyMonitor,
    roster: &Rosters,
    traffic: &Traffic,
    tod_s: u32,
) {
    let (town, rules) = (cx.town, cx.rules);
    monitor.last_arc.resize(roster.taxis.0.len(), None);
    for v in &traffic.vehicles {
        let (id, arc, class) = (v.id, v.arc, class(v));
        if class == Class::Taxi && monitor.last_arc[id as usize] != Some(arc) {
            monitor.last_arc[id as usize] = Some(arc);
            if let Some(z) = town.arc_school_zone[arc as usize]
                && pilotzone_scenario::time::active(&town.scenario.map.zones[z].hours, tod_s)
            {
                monitor.school_passes += 1;
            }
        }
        let kmh = v.speed_mps * 3.6;
        let (limit, rule) = match class {
            Class::Taxi => (rules.arc_limit_kmh[arc as usize], rules.arc_limit_rule[arc as usize]),
            _ => (rules.car_limit_kmh[arc as usize], rules.car_limit_rule[arc as usize]),
        };
        if limit > 0.0 && kmh > limit + SPEED_TOLERANCE_KMH && monitor.speeding.begins(id) {
            monitor.speed_violations += 1;
            let incident = Incident { rule, other: None, value: kmh, limit, severity: severity((kmh - limit) / limit) };
            let by = if rule.is_some() { format!(" ({})", cx.rule_id(rule)) } else { " (posted)".to_owned() };
            let detail = format!("{kmh:.1} km/h where {limit:.0} km/h holds{by}");
            cx.log.incident(cx.now, EventKind::SpeedViolation, id, [v.at.x, v.at.y, 0.0], incident, detail);
        }
    }
    monitor.speeding.close();
}

/// A car's two discs, relative to its centre, for a heading.
fn discs(heading: f64) -> [(f64, f64); 2] {
    [-1.0, 1.0].map(|k| (k * CAR_DISC_OFFSET_M * heading.cos(), k * CAR_DISC_OFFSET_M * heading.sin()))
}

/// Squared distance between two cars' disc centres at which the discs touch, m².
const TOUCH_M2: f64 = 4.0 * CAR_DISC_RADIUS_M * CAR_DISC_RADIUS_M;

/// Steps at which vehicles' paths are followed ahead for a near miss, s.
const PATH_STEP_S: f64 = 0.05;

/// The look ahead for near misses between vehicles: closing pairs whose discs would touch within
/// [`NEAR_MISS_TTC_S`], each following its own route at its present speed (through a junction,
/// along the curve it drives, not straight on: a car turning onto the near side is not on course
/// for the one coming the other way).
///
/// It owns what it reads (the vehicles on the road, shared, and the town), so that at city scale
/// a worker thread looks ahead while the simulation's thread goes on; what it finds depends on
/// those alone, and is logged in pair order once it is back.
#[derive(Debug, Default)]
pub(super) struct LookAhead {
    /// What it reads, while it looks.
    input: Option<(Arc<Traffic>, TownMap)>,
    /// The tick it looks at, ms.
    now_ms: u64,
    grid: Grid,
    points: Vec<(f64, f64)>,
    pairs: Vec<(usize, usize)>,
    /// The near misses found: the pair (indices in the traffic, in order), the time to collision
    /// and the closing speed; in pair order.
    hits: Vec<((usize, usize), f64, f64)>,
}

impl LookAhead {
    /// Takes what it reads at the tick of `now_ms`.
    pub(super) fn give(&mut self, traffic: Arc<Traffic>, town: TownMap, now_ms: u64) {
        self.input = Some((traffic, town));
        self.now_ms = now_ms;
        self.hits.clear();
    }

    /// The tick it looked at, ms.
    pub(super) fn now_ms(&self) -> u64 {
        self.now_ms
    }

    /// Finds the near misses between the vehicles it was given, and lets go of them.
    pub(super) fn run(&mut self) {
        let Some((traffic, town)) = self.input.take() else { return };
        let moving = &traffic.vehicles;
        self.points.clear();
        self.points.extend(moving.iter().map(|m| (m.at.x, m.at.y)));
        self.grid.fill(&self.points, NEAR_MISS_RANGE_M);
        // Found in the grid's order; only the few near misses are put in pair order, to log.
        self.pairs.clear();
        self.grid.pairs(&self.points, &mut self.pairs);
        for &(i, j) in &self.pairs {
            let (sa, sb) = (&moving[i], &moving[j]);
            let ((pa, va), (pb, vb)) = ((sa.at, velocity(sa)), (sb.at, velocity(sb)));
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
            let steps = (NEAR_MISS_TTC_S / PATH_STEP_S).round() as u32;
            let ttc = (0..steps).map(|k| f64::from(k) * PATH_STEP_S).find(|&t| {
                let (qa, ha) = traffic.pose_ahead(sa, sa.speed_mps * t, &town);
                let (qb, hb) = traffic.pose_ahead(sb, sb.speed_mps * t, &town);
                discs(ha).iter().any(|da| {
                    discs(hb).iter().any(|db| {
                        let (ex, ey) = (qb.x + db.0 - qa.x - da.0, qb.y + db.1 - qa.y - da.1);
                        ex * ex + ey * ey < TOUCH_M2
                    })
                })
            });
            if let Some(ttc) = ttc {
                self.hits.push(((i, j), ttc, closing));
            }
        }
        self.hits.sort_unstable_by_key(|&(pair, ..)| pair);
    }
}

/// Logs the near misses the look ahead found between vehicles, then checks people on crossings,
/// and closes this tick's episodes.
pub(super) fn finish(
    cx: &mut Check,
    monitor: &mut SafetyMonitor,
    look: &LookAhead,
    traffic: &Traffic,
    roster: &Rosters,
    walkers: &Query<(&Pedestrian, &PedestrianState)>,
) {
    debug_assert!(look.input.is_none(), "the look ahead has run");
    for &((i, j), ttc, closing) in &look.hits {
        let (a, b, pa) = (traffic.vehicles[i].id, traffic.vehicles[j].id, traffic.vehicles[i].at);
        if monitor.near.begins((a, b)) {
            monitor.near_misses += 1;
            let severity = if ttc < SEVERE_TTC_S { 3 } else { 2 };
            let incident = Incident { rule: None, other: Some(b), value: ttc, limit: NEAR_MISS_TTC_S, severity };
            let detail = format!("{a} and {b}: time to collision {ttc:.2} s at {closing:.1} m/s closing");
            cx.log.incident(cx.now, EventKind::NearMiss, a, [pa.x, pa.y, 0.0], incident, detail);
        }
    }
    check_people(cx, monitor, roster, walkers, traffic);
    monitor.near.close();
    monitor.passing.close();
}

/// People on crossings: time to collision with each vehicle, and how close each class of
/// vehicle passes them against the separation minimum in force.
fn check_people(
    cx: &mut Check,
    monitor: &mut SafetyMonitor,
    roster: &Rosters,
    walkers: &Query<(&Pedestrian, &PedestrianState)>,
    traffic: &Traffic,
) {
    for &e in &roster.people.0 {
        let (p, s) = walkers.get(e).expect("roster entities are people");
        if !s.on_road() {
            continue;
        }
        let pv = [s.heading.cos() * s.speed_mps, s.heading.sin() * s.speed_mps];
        for m in &traffic.vehicles {
            let (v, at, vv) = (m.id, m.at, velocity(m));
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
            let Some(min) = cx.rules.separations.iter().find(|x| x.is_between(class(m), Class::Person)) else {
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

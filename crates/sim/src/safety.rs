//! The safety monitor: every collision, near miss, loss of drone separation, no-fly incursion
//! and speed violation becomes an incident with time, place, entities and the measured value.
//!
//! Conditions that last (two drones too close, a drone inside a volume) are counted once per
//! episode: from when they start until they clear.

use std::collections::BTreeSet;

use bevy::prelude::*;

use crate::clock::SimClock;
use crate::drone::{Drone, DroneRoster, DroneState};
use crate::events::{EventKind, EventLog};
use crate::physics::Contacts;
use crate::rules::ActiveRules;
use crate::taxi::{Phase, Taxi, TaxiRoster, TaxiState};
use crate::town::TownMap;
use crate::{SimStep, SimSystems};

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

/// Incident counts and the episodes still open.
#[derive(Resource, Debug, Default)]
pub struct SafetyMonitor {
    /// Collisions.
    pub collisions: u32,
    /// Near misses.
    pub near_misses: u32,
    /// Losses of drone separation.
    pub separation_losses: u32,
    /// No-fly incursions.
    pub nofly_incursions: u32,
    /// Speed violations.
    pub speed_violations: u32,
    near: BTreeSet<(u32, u32)>,
    separated: BTreeSet<(u32, u32)>,
    inside: BTreeSet<(u32, usize)>,
    speeding: BTreeSet<u32>,
}

/// Adds the monitor.
pub struct SafetyPlugin;

impl Plugin for SafetyPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<SafetyMonitor>().add_systems(SimStep, monitor_safety.in_set(SimSystems::Safety));
    }
}

/// Checks this tick's state against the rules and logs new incidents.
pub fn monitor_safety(
    clock: Res<SimClock>,
    town: Res<TownMap>,
    rules: Res<ActiveRules>,
    contacts: Res<Contacts>,
    taxi_roster: Res<TaxiRoster>,
    drone_roster: Res<DroneRoster>,
    taxis: Query<(&Taxi, &TaxiState)>,
    drones: Query<(&Drone, &DroneState)>,
    mut monitor: ResMut<SafetyMonitor>,
    mut log: ResMut<EventLog>,
) {
    let now = clock.now_ms;
    let monitor = &mut *monitor;
    let first_drone = taxi_roster.0.len() as u32;
    let position = |id: u32| -> [f64; 3] {
        if id < first_drone {
            let (_, s) = taxis.get(taxi_roster.0[id as usize]).expect("roster entities are taxis");
            let at = s.at;
            [at.x, at.y, 0.0]
        } else {
            drones.get(drone_roster.0[(id - first_drone) as usize]).expect("roster entities are drones").1.pos
        }
    };
    for &(a, b) in &contacts.started {
        monitor.collisions += 1;
        log.push(now, EventKind::Collision, a, position(a), format!("{a} and {b} touched"));
    }

    // Vehicles: speed against the limit in force, and time-to-collision between pairs.
    let mut moving = Vec::new();
    for &e in &taxi_roster.0 {
        let (taxi, state) = taxis.get(e).expect("roster entities are taxis");
        let (Phase::Driving, Some(arc)) = (state.phase, state.arc) else {
            monitor.speeding.remove(&taxi.id);
            continue;
        };
        let (at, heading) = (state.at, state.heading);
        let kmh = state.speed_mps * 3.6;
        let limit = rules.arc_limit_kmh[arc as usize];
        if limit > 0.0 && kmh > limit + SPEED_TOLERANCE_KMH {
            if monitor.speeding.insert(taxi.id) {
                monitor.speed_violations += 1;
                log.push(
                    now,
                    EventKind::SpeedViolation,
                    taxi.id,
                    [at.x, at.y, 0.0],
                    format!("{kmh:.1} km/h where {limit:.0} km/h holds"),
                );
            }
        } else {
            monitor.speeding.remove(&taxi.id);
        }
        moving.push((taxi.id, at, heading, [heading.cos() * state.speed_mps, heading.sin() * state.speed_mps]));
    }
    let mut near_now = BTreeSet::new();
    let points: Vec<(f64, f64)> = moving.iter().map(|m| (m.1.x, m.1.y)).collect();
    let mut pairs = Vec::new();
    close_pairs(&points, NEAR_MISS_RANGE_M, &mut pairs);
    for &(i, j) in &pairs {
        let ((a, pa, ha, va), (b, pb, hb, vb)) = (moving[i], moving[j]);
        {
            let (dx, dy) = (pb.x - pa.x, pb.y - pa.y);
            let (rvx, rvy) = (vb[0] - va[0], vb[1] - va[1]);
            let closing = -(dx * rvx + dy * rvy) / dx.hypot(dy).max(1e-6);
            if closing < NEAR_MISS_MIN_CLOSING_MPS {
                continue;
            }
            let discs =
                |h: f64| [-1.0, 1.0].map(|k| (k * CAR_DISC_OFFSET_M * h.cos(), k * CAR_DISC_OFFSET_M * h.sin()));
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
                    log.push(
                        now,
                        EventKind::NearMiss,
                        a,
                        [pa.x, pa.y, 0.0],
                        format!("{a} and {b}: time to collision {ttc:.2} s at {closing:.1} m/s closing"),
                    );
                }
            }
        }
    }
    monitor.near = near_now;

    // Drones: separation in cruise, and no-fly volumes.
    let band_floor = town.scenario.map.airspace.band_floor_m;
    let airborne: Vec<(u32, [f64; 3], bool)> = drone_roster
        .0
        .iter()
        .enumerate()
        .filter_map(|(k, &e)| {
            let (drone, s) = drones.get(e).expect("roster entities are drones");
            let base = town.place_pos[drone.base];
            let in_terminal = (s.pos[0] - base.x).hypot(s.pos[1] - base.y) < TERMINAL_RADIUS_M;
            s.airborne().then_some((first_drone + k as u32, s.pos, in_terminal))
        })
        .collect();
    let mut separated_now = BTreeSet::new();
    if let Some((h_min, v_min)) = rules.drone_separation {
        // Separation minima apply in the band, outside the vertiport's terminal area.
        let cruising: Vec<(u32, [f64; 3])> = airborne
            .iter()
            .filter(|(_, p, terminal)| p[2] >= band_floor - 0.5 && !terminal)
            .map(|&(id, p, _)| (id, p))
            .collect();
        let points: Vec<(f64, f64)> = cruising.iter().map(|c| (c.1[0], c.1[1])).collect();
        pairs.clear();
        close_pairs(&points, h_min, &mut pairs);
        for &(i, j) in &pairs {
            let ((a, pa), (b, pb)) = (cruising[i], cruising[j]);
            {
                let h = (pa[0] - pb[0]).hypot(pa[1] - pb[1]);
                let v = (pa[2] - pb[2]).abs();
                if h < h_min && v < v_min {
                    separated_now.insert((a, b));
                    if !monitor.separated.contains(&(a, b)) {
                        monitor.separation_losses += 1;
                        log.push(
                            now,
                            EventKind::SeparationLoss,
                            a,
                            pa,
                            format!("{a} and {b}: {h:.1} m apart, {v:.1} m vertically (minimum {h_min} m / {v_min} m)"),
                        );
                    }
                }
            }
        }
    }
    monitor.separated = separated_now;
    let mut inside_now = BTreeSet::new();
    for &(id, p, _) in &airborne {
        for (v, volume) in rules.no_fly().iter().enumerate() {
            if volume.contains(pilotzone_routing::Vec2::new(p[0], p[1]), p[2]) {
                inside_now.insert((id, v));
                if !monitor.inside.contains(&(id, v)) {
                    monitor.nofly_incursions += 1;
                    log.push(
                        now,
                        EventKind::NoFlyIncursion,
                        id,
                        p,
                        format!("inside \"{}\" at {:.0} m", volume.name, p[2]),
                    );
                }
            }
        }
    }
    monitor.inside = inside_now;
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
    for &((cx, cy), start, end) in &cells {
        let here = &keyed[start..end];
        for (k, &(_, a)) in here.iter().enumerate() {
            for &(_, b) in &here[k + 1..] {
                if near(a, b) {
                    out.push((a.min(b), a.max(b)));
                }
            }
        }
        // Each pair of neighbouring cells is visited once: from the cell that sorts first.
        for other in [(cx, cy + 1), (cx + 1, cy - 1), (cx + 1, cy), (cx + 1, cy + 1)] {
            let Ok(o) = cells.binary_search_by(|c| c.0.cmp(&other)) else { continue };
            let (_, os, oe) = cells[o];
            for &(_, a) in here {
                for &(_, b) in &keyed[os..oe] {
                    if near(a, b) {
                        out.push((a.min(b), a.max(b)));
                    }
                }
            }
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

//! Tactical separation: each drone's detect-and-avoid, for what strategic deconfliction could not
//! foresee (a gust, a late closure, a re-plan, a flight that launched without a reservation).
//!
//! Every [`PERIOD_MS`] each drone looks [`LOOKAHEAD_S`] ahead along its own and every nearby
//! drone's intent: where its flight plan goes from where it is now, as U-space network
//! identification shares it, with its present deviation from the plan and the manoeuvre it is
//! flying. Two drones are in conflict when both would be within the drone–drone separation
//! minimum at once (horizontally within [`MARGIN`] times its horizontal minimum, vertically
//! within its vertical one), except while both rise from or set down on stands of one vertiport,
//! which sequences them; while only one of two flights of one vertiport does, the vertiport's
//! terminal minimum ([`TERMINAL_MINIMUM_M`]) takes the horizontal minimum's place. Strategic
//! deconfliction has it so too. Straight-line extrapolation, the
//! other usual choice, sees a conflict in every pair of flights turning at nearby corners, and in
//! a busy sky its resolutions push drones into others that their plans kept clear.
//!
//! Each conflict is resolved as the modified voltage potential does (the method BlueSky and the drone literature use): the velocity change that
//! would move their closest approach out to the protected radius in the time left, split between
//! the two when both can manoeuvre, given wholly to the one that can when the other cannot (it
//! rises from or sets down on its stand or the garden, lowers a parcel, or is below the band).
//! A head-on pair, whose closest approach has no side, both turn to the right, as the rules of
//! the air have it. A drone rising from its pad or a garden into a conflict stops rising until it
//! clears, as one waits for a clear column.
//!
//! The manoeuvre is horizontal only, so it never takes a drone off its layer, and moves the point
//! the controller steers to off the flight plan: the plan's reference flies on, the drone flies
//! beside it. The offset is held until the last conflict's closest approach is past, then flown
//! back at [`RETURN_MPS`], or at [`MAX_DODGE_MPS`] within [`APPROACH_M`] of the descent, which
//! waits until the drone is back so that it comes down where its plan says. A manoeuvre never
//! takes a drone further than [`MAX_OFFSET_M`] from its plan, nor within [`CLEARANCE_M`] of a
//! closed volume or a building, looking ahead for as long as it would take to fly back.
//!
//! Candidate pairs come from a grid as wide as two drones close in a look-ahead, so the cost
//! grows with the drones and their neighbours, not with all pairs.

use std::collections::BTreeMap;

use bevy::prelude::*;
use pilotzone_routing::Vec2;

use super::deconflict::TERMINAL_MINIMUM_M;
use super::flight::{Cursor, rising_or_setting_down};
use super::{Air, Drone, DronePhase, DroneState, Drones};
use crate::clock::SimClock;
use crate::geom::{distance_to_polygon, neighbour_pairs, norm3};
use crate::roster::DroneRoster;
use crate::rules::ActiveRules;
use crate::town::TownMap;

/// How often conflicts are looked for and resolutions set, ms: BlueSky's default interval.
pub const PERIOD_MS: u64 = 1_000;
/// How far ahead conflicts are looked for, s: at two drones' cruise speeds, some 300 m closing.
pub const LOOKAHEAD_S: f64 = 10.0;
/// Step at which intents are compared, s: at two drones' cruise speeds, 12 m closing.
pub const STEP_S: f64 = 0.5;
/// Intent samples in a look-ahead, now included.
const SAMPLES: usize = (LOOKAHEAD_S / STEP_S) as usize + 1;
/// Protected radius as a multiple of the horizontal minimum: a resolution aims a fifth beyond
/// it, since it is worked out on straight-line motion.
pub const MARGIN: f64 = 1.2;
/// Fastest a drone moves off its plan, m/s.
pub const MAX_DODGE_MPS: f64 = 6.0;
/// Furthest a drone moves off its plan, m.
pub const MAX_OFFSET_M: f64 = 60.0;
/// Speed at which a drone goes back to its plan once its conflicts are past, m/s.
pub const RETURN_MPS: f64 = 2.0;
/// Distance before the top of its descent within which a drone flies its offset back at
/// [`MAX_DODGE_MPS`] once its conflicts are past: back from the furthest offset in 10 s, m.
pub const APPROACH_M: f64 = 150.0;
/// Offset from its plan beyond which a drone does not start its descent, m.
const HELD_OFFSET_M: f64 = 0.5;
/// Clearance a manoeuvre keeps from closed volumes and from buildings' walls and roofs, m.
pub const CLEARANCE_M: f64 = 10.0;

/// Conflicts being resolved, and how many were.
#[derive(Resource, Debug, Default)]
pub struct Tactical {
    /// Pairs of drone ids being resolved, with when their closest approach is past, ms.
    active: BTreeMap<(u32, u32), u64>,
    /// Conflicts a manoeuvre was begun for (a pair counts once while its conflict lasts).
    pub resolutions: u32,
}

/// A drone as detect-and-avoid sees it.
struct Seen {
    roster: usize,
    id: u32,
    base: usize,
    vel: [f64; 3],
    /// Where it will be over the look-ahead, every [`STEP_S`] from now.
    intent: [[f64; 3]; SAMPLES],
    /// Whether it will be rising from or setting down on its stand, within its vertiport's
    /// terminal area, at each of those steps.
    at_stand: [bool; SAMPLES],
    /// The box its intent lies in: corners low and high.
    reach: ([f64; 3], [f64; 3]),
    /// Whether it may manoeuvre: flying a leg short of its descent, in the band, not at its
    /// stand.
    free: bool,
    /// Whether it rises from its pad or the garden: it may stop rising.
    climbing: bool,
}

/// A predicted loss of separation between two drones.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Conflict {
    /// Time to the closest horizontal approach, s (zero when already past it).
    pub t_cpa: f64,
    /// Where the second drone is from the first at that approach, horizontally, m.
    pub miss: [f64; 2],
    /// When the separation would be lost, and regained, from now, s (within the look-ahead).
    pub window: (f64, f64),
}

/// Whether drones that will be at `a` and `b` (positions every `step_s` from now, straight
/// between) come within `radius` horizontally and `height` vertically of each other at once;
/// the closest such approach. The radius is the step's own (a terminal area's is smaller, and
/// none where the vertiport sequences the two); between two steps, the larger of theirs.
pub fn conflict(a: &[[f64; 3]], b: &[[f64; 3]], radius: &[f64], step_s: f64, height: f64) -> Option<Conflict> {
    let n = a.len().min(b.len());
    let rel = |k: usize| [0, 1, 2].map(|i| b[k][i] - a[k][i]);
    let mut found: Option<Conflict> = None;
    let mut closest = f64::INFINITY;
    let mut note = |t: f64, d: [f64; 3], radius: f64| {
        let h = d[0].hypot(d[1]);
        if h >= radius || d[2].abs() >= height {
            return;
        }
        let c = found.get_or_insert(Conflict { t_cpa: t, miss: [d[0], d[1]], window: (t, t) });
        c.window.1 = t;
        if h < closest {
            closest = h;
            (c.t_cpa, c.miss) = (t, [d[0], d[1]]);
        }
    };
    for k in 0..n {
        let (t, d) = (k as f64 * step_s, rel(k));
        note(t, d, radius[k]);
        // The closest approach between two samples, where the two pass each other.
        if k + 1 >= n {
            continue;
        }
        let r = radius[k].max(radius[k + 1]);
        let e = rel(k + 1);
        let u = [e[0] - d[0], e[1] - d[1]];
        let uu = u[0] * u[0] + u[1] * u[1];
        let f = if uu > 1e-12 { -(d[0] * u[0] + d[1] * u[1]) / uu } else { 0.0 };
        if f > 0.0 && f < 1.0 {
            note(t + f * step_s, [0, 1, 2].map(|i| d[i] + (e[i] - d[i]) * f), r);
        }
    }
    found
}

/// A drone's intent: where it will be every [`STEP_S`] over the look-ahead, flying its plan's
/// reference on in `wind`, off it by as much as now, plus the manoeuvre it flies until its
/// conflicts are past; and whether it will be rising from or setting down on its stand then.
fn intent(drone: &Drone, s: &DroneState, wind: [f64; 2], now: u64) -> ([[f64; 3]; SAMPLES], [bool; SAMPLES]) {
    let mut cursor = Cursor::new(s.reference, norm3(s.ref_vel), s.next);
    // Off the plan by the tracking error and the offset; the offset grows with the manoeuvre
    // up to its limit.
    let error = [0, 1, 2].map(|i| s.pos[i] - s.reference[i] - if i < 2 { s.avoid[i] } else { 0.0 });
    let dodge_s = s.avoid_until_ms.saturating_sub(now) as f64 / 1000.0;
    let dodge = s.avoid_vel.unwrap_or([0.0; 2]);
    let mut out = [[0.0; 3]; SAMPLES];
    let mut stand = [false; SAMPLES];
    for (k, p) in out.iter_mut().enumerate() {
        let vertical = rising_or_setting_down(&s.path, cursor.next);
        stand[k] = vertical && drone.in_terminal(cursor.at) && (k > 0 || !held_for_offset(s));
        let t = (k as f64 * STEP_S).min(dodge_s);
        let mut off = [s.avoid[0] + dodge[0] * t, s.avoid[1] + dodge[1] * t];
        let n = off[0].hypot(off[1]);
        if n > MAX_OFFSET_M {
            off = off.map(|c| c * MAX_OFFSET_M / n);
        }
        *p = [cursor.at[0] + error[0] + off[0], cursor.at[1] + error[1] + off[1], cursor.at[2] + error[2]];
        cursor.advance(drone, &s.path, wind, STEP_S);
    }
    (out, stand)
}

/// The velocity change, shared between the two, that moves a conflict's closest approach out
/// to `radius` in the time left before it: for the first drone; the second takes its opposite.
pub fn resolution(
    c: &Conflict,
    (pa, va): ([f64; 3], [f64; 3]),
    (pb, vb): ([f64; 3], [f64; 3]),
    radius: f64,
) -> [f64; 2] {
    let miss = c.miss[0].hypot(c.miss[1]);
    let side = if miss > 0.1 {
        [c.miss[0] / miss, c.miss[1] / miss]
    } else {
        // Head on: the second to the first's left, so each turns right.
        let v = [vb[0] - va[0], vb[1] - va[1]];
        let n = v[0].hypot(v[1]);
        if n > 1e-9 {
            [v[1] / n, -v[0] / n]
        } else {
            let d = [pb[0] - pa[0], pb[1] - pa[1]];
            let n = d[0].hypot(d[1]);
            if n > 1e-9 { [d[0] / n, d[1] / n] } else { [1.0, 0.0] }
        }
    };
    // Already at or past the closest approach: part within a second.
    let time = c.t_cpa.max(1.0);
    let push = (radius - miss).max(0.0) / time;
    [-side[0] * push, -side[1] * push]
}

/// Every [`PERIOD_MS`], finds the conflicts between drones in the air and sets each drone's
/// manoeuvre off its plan.
pub(super) fn separate_tactically(
    clock: &SimClock,
    town: &TownMap,
    rules: &ActiveRules,
    air: &Air,
    roster: &DroneRoster,
    tactical: &mut Tactical,
    drones: &mut Drones,
) {
    if !town.scenario.map.airspace.tactical_separation || !clock.every(PERIOD_MS) {
        return;
    }
    let now = clock.now_ms;
    let (min_h, min_v) = rules.drone_minimum_m();
    let radius = min_h * MARGIN;
    let terminal_radius = TERMINAL_MINIMUM_M.min(min_h) * MARGIN;
    let band_floor = rules.band_m.0;
    let mut seen = Vec::new();
    let (wind, mut fastest) = (air.velocity[0].hypot(air.velocity[1]), 0.0f64);
    for (k, &e) in roster.0.iter().enumerate() {
        let (_, drone, s) = drones.get(e).expect("roster entities are drones");
        if !s.airborne() || s.crashed || s.stranded {
            continue;
        }
        // Rising from or setting down on its stand, it is the vertiport's to sequence; level,
        // even over the vertiport, it is detect-and-avoid's.
        let (intent, at_stand) = intent(drone, s, air.velocity, now);
        let free = cruising(s) && !at_stand[0] && s.pos[2] >= band_floor - 0.5;
        let climbing = cruising(s) && s.next == 1;
        // Its intent moves no faster than it cruises in this wind, or than it moves now.
        fastest = fastest.max(s.vel[0].hypot(s.vel[1])).max(drone.cruise_mps + wind);
        let reach = intent.iter().fold((intent[0], intent[0]), |(lo, hi), p| {
            ([0, 1, 2].map(|i| lo[i].min(p[i])), [0, 1, 2].map(|i| hi[i].max(p[i])))
        });
        seen.push(Seen {
            roster: k,
            id: drone.id,
            base: drone.base,
            vel: s.vel,
            intent,
            at_stand,
            reach,
            free,
            climbing,
        });
    }
    let points: Vec<(f64, f64)> = seen.iter().map(|d| (d.intent[0][0], d.intent[0][1])).collect();
    let mut pairs = Vec::new();
    neighbour_pairs(&points, radius + 2.0 * fastest * LOOKAHEAD_S, &mut pairs);
    let mut change = vec![[0.0f64; 2]; seen.len()];
    let mut until = vec![0u64; seen.len()];
    let mut hold = vec![false; seen.len()];
    // A pair stays one conflict until its closest approach is past.
    tactical.active.retain(|_, &mut past| past > now);
    for (i, j) in pairs {
        let (a, b) = (&seen[i], &seen[j]);
        // Most pairs a look finds never come near: their intents' boxes lie apart.
        let apart = |k: usize, by: f64| a.reach.0[k] - b.reach.1[k] >= by || b.reach.0[k] - a.reach.1[k] >= by;
        if !(a.free || b.free || a.climbing || b.climbing) || apart(0, radius) || apart(1, radius) || apart(2, min_v) {
            continue;
        }
        // Two flights of one vertiport: rising from or setting down on stands, the vertiport
        // sequences them; one of them doing so, its procedures keep them apart by the terminal
        // minimum.
        let radii: [f64; SAMPLES] = std::array::from_fn(|k| match (a.base == b.base, a.at_stand[k], b.at_stand[k]) {
            (true, true, true) => 0.0,
            (true, true, false) | (true, false, true) => terminal_radius,
            _ => radius,
        });
        let Some(c) = conflict(&a.intent, &b.intent, &radii, STEP_S, min_v) else { continue };
        let past = now + ((c.t_cpa.max(c.window.1) + 1.0) * 1000.0) as u64;
        let pair = (a.id.min(b.id), a.id.max(b.id));
        if tactical.active.insert(pair, past).is_none() {
            tactical.resolutions += 1;
        }
        // A drone rising through a conflict stops rising until it clears; of two rising into
        // each other, the lower, so that the higher rises clear and neither waits for the other.
        let a_higher = (a.intent[0][2], b.id) > (b.intent[0][2], a.id);
        hold[i] |= a.climbing && (!b.climbing || !a_higher);
        hold[j] |= b.climbing && (!a.climbing || a_higher);
        let push = resolution(&c, (a.intent[0], a.vel), (b.intent[0], b.vel), radius);
        let (share_a, share_b) = match (a.free, b.free) {
            (true, true) => (0.5, 0.5),
            (true, false) => (1.0, 0.0),
            (false, true) => (0.0, 1.0),
            (false, false) => (0.0, 0.0),
        };
        for (k, share, sign) in [(i, share_a, 1.0), (j, share_b, -1.0)] {
            if share > 0.0 {
                change[k] = [change[k][0] + sign * share * push[0], change[k][1] + sign * share * push[1]];
                until[k] = until[k].max(past);
            }
        }
    }
    // Drones in conflict add their change to the manoeuvre they fly; the others fly theirs on
    // until their last conflict's closest approach is past (the resolution assumed as much),
    // then hold their offset and fly it back.
    let mut near = Vec::new();
    for (k, d) in seen.iter().enumerate() {
        let e = roster.0[d.roster];
        let (.., mut s) = drones.get_mut(e).expect("roster entities are drones");
        if hold[k] {
            s.climb_held_until_ms = now + PERIOD_MS;
        }
        // Soon pressed near a closed volume or a building as the plan flies on beside one: back to
        // the plan briskly, whatever the conflicts.
        let off = s.avoid;
        s.avoid_pressed = off != [0.0; 2] && !clear_ahead(town, rules, &s, off, &mut near);
        if s.avoid_pressed {
            (s.avoid_vel, s.avoid_until_ms) = (None, 0);
            continue;
        }
        if until[k] == 0 {
            if now >= s.avoid_until_ms {
                s.avoid_vel = None;
            }
            continue;
        }
        let old = s.avoid_vel.unwrap_or([0.0; 2]);
        let mut v = [old[0] + change[k][0], old[1] + change[k][1]];
        let n = v[0].hypot(v[1]);
        if n > MAX_DODGE_MPS {
            v = v.map(|c| c * MAX_DODGE_MPS / n);
        }
        // Never towards a closed volume or a building.
        let period_s = PERIOD_MS as f64 / 1000.0;
        let next = [off[0] + v[0] * period_s, off[1] + v[1] * period_s];
        if next[0].hypot(next[1]) > off[0].hypot(off[1]) && !clear_ahead(town, rules, &s, next, &mut near) {
            v = [0.0; 2];
        }
        s.avoid_vel = Some(v);
        s.avoid_until_ms = s.avoid_until_ms.max(until[k]);
    }
}

/// Moves a flying drone's offset from its plan one tick: out along its manoeuvre, held, or back
/// once its conflicts are past; returns the offset's velocity.
pub(super) fn steer_offset(state: &mut DroneState, now: u64, dt: f64) -> [f64; 2] {
    let off = state.avoid;
    let out = off[0].hypot(off[1]);
    let back = |speed: f64| if out > 0.0 { off.map(|c| -c / out * speed.min(out / dt)) } else { [0.0; 2] };
    // Coming down where its plan says, or pressed near a closed volume or a building: back to
    // the plan briskly.
    let rate = if !cruising(state) || state.avoid_pressed {
        state.avoid_vel = None;
        state.avoid_until_ms = 0;
        back(MAX_DODGE_MPS)
    } else {
        match state.avoid_vel {
            // At the furthest offset, only the part of the manoeuvre along its edge is flown.
            Some(v) => {
                let outward = if out > 0.0 { (v[0] * off[0] + v[1] * off[1]) / out } else { 0.0 };
                if out >= MAX_OFFSET_M && outward > 0.0 {
                    [v[0] - outward * off[0] / out, v[1] - outward * off[1] / out]
                } else {
                    v
                }
            }
            // Nearing its descent it flies back briskly.
            None if now >= state.avoid_until_ms => back(if approaching(state) { MAX_DODGE_MPS } else { RETURN_MPS }),
            None => [0.0; 2],
        }
    };
    state.avoid = [off[0] + rate[0] * dt, off[1] + rate[1] * dt];
    rate
}

/// Puts a drone back on its plan with no manoeuvre pending: it is down on its pad.
pub(super) fn back_on_plan(state: &mut DroneState) {
    state.avoid = [0.0; 2];
    state.avoid_vel = None;
    state.avoid_until_ms = 0;
    state.avoid_pressed = false;
}

/// Whether a drone is flying a leg short of its last, the descent to its pad or the garden.
fn cruising(s: &DroneState) -> bool {
    matches!(s.phase, DronePhase::Outbound | DronePhase::Returning) && s.next + 1 < s.path.len()
}

/// Whether a drone's plan is within [`APPROACH_M`] of the top of its descent.
fn approaching(s: &DroneState) -> bool {
    let Some(top) = s.path.len().checked_sub(2).map(|k| s.path[k]) else { return false };
    (top.at.x - s.reference[0]).hypot(top.at.y - s.reference[1]) < APPROACH_M
}

/// Whether a tactical offset keeps a drone from starting its descent: it flies back first.
pub(super) fn held_for_offset(s: &DroneState) -> bool {
    s.avoid[0].hypot(s.avoid[1]) > HELD_OFFSET_M && !cruising(s)
}

/// Whether a drone `off` its plan stays in open air while its plan flies on for as long as it
/// takes to fly back, and until the next look and two seconds more.
fn clear_ahead(town: &TownMap, rules: &ActiveRules, state: &DroneState, off: [f64; 2], near: &mut Vec<usize>) -> bool {
    let (r, v) = (state.reference, state.ref_vel);
    let ahead_s = off[0].hypot(off[1]) / MAX_DODGE_MPS + PERIOD_MS as f64 / 1000.0 + 2.0;
    (0..=4).all(|k| {
        let t = ahead_s * f64::from(k) / 4.0;
        open_air(town, rules, [r[0] + off[0] + v[0] * t, r[1] + off[1] + v[1] * t, r[2] + v[2] * t], near)
    })
}

/// Whether a drone moved off its plan may be at `p`: [`CLEARANCE_M`] from every volume in force
/// and from every building it does not clear by as much.
fn open_air(town: &TownMap, rules: &ActiveRules, p: [f64; 3], near: &mut Vec<usize>) -> bool {
    let here = Vec2::new(p[0], p[1]);
    let heights = |floor: f64, ceiling: f64| (floor - CLEARANCE_M..=ceiling + CLEARANCE_M).contains(&p[2]);
    let volumes_clear = rules
        .no_fly()
        .iter()
        .filter(|v| heights(v.floor_m, v.ceiling_m))
        .all(|v| distance_to_polygon(here, &v.polygon) >= CLEARANCE_M);
    town.buildings_near(here, CLEARANCE_M, near);
    volumes_clear
        && near.iter().all(|&b| {
            let (outline, height) = &town.buildings[b];
            !heights(0.0, *height) || distance_to_polygon(here, outline) >= CLEARANCE_M
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: f64 = 36.0;

    /// The intent of a drone flying straight on from `p` at `v`.
    fn straight((p, v): ([f64; 3], [f64; 3])) -> [[f64; 3]; SAMPLES] {
        std::array::from_fn(|k| {
            let t = k as f64 * STEP_S;
            [p[0] + v[0] * t, p[1] + v[1] * t, p[2] + v[2] * t]
        })
    }

    fn check(a: ([f64; 3], [f64; 3]), b: ([f64; 3], [f64; 3])) -> Option<Conflict> {
        conflict(&straight(a), &straight(b), &[R; SAMPLES], STEP_S, 10.0)
    }

    #[test]
    fn head_on_at_one_height_is_a_conflict_and_both_turn_right() {
        // A flies east at 12 m/s, B west, 200 m apart on the same line: they meet in 8.3 s.
        let a = ([0.0, 0.0, 60.0], [12.0, 0.0, 0.0]);
        let b = ([200.0, 0.0, 60.0], [-12.0, 0.0, 0.0]);
        let c = check(a, b).expect("head on");
        assert!((c.t_cpa - 200.0 / 24.0).abs() < 1e-9, "{c:?}");
        assert!(c.miss[0].hypot(c.miss[1]) < 1e-9, "they would meet: {c:?}");
        // Within the radius from 6.8 s: first seen at the next step.
        assert_eq!(c.window.0, 7.0, "{:?}", c.window);
        let push = resolution(&c, (a.0, a.1), (b.0, b.1), R);
        // A, flying east, turns right (south); B takes the opposite, north, right for it too.
        assert!(push[1] < 0.0 && push[0].abs() < 1e-9, "{push:?}");
        // Each taking half, together they open the closest approach to the radius in the time
        // left.
        assert!((push[1].abs() * c.t_cpa - R).abs() < 1e-9, "{push:?}");
    }

    #[test]
    fn no_conflict_apart_in_height_diverging_or_beyond_the_lookahead() {
        let a = ([0.0, 0.0, 60.0], [12.0, 0.0, 0.0]);
        assert_eq!(check(a, ([200.0, 0.0, 75.0], [-12.0, 0.0, 0.0])), None, "15 m above");
        assert_eq!(check(a, ([-100.0, 0.0, 60.0], [-12.0, 0.0, 0.0])), None, "apart");
        assert_eq!(check(a, ([400.0, 0.0, 60.0], [-12.0, 0.0, 0.0])), None, "in 17 s");
        assert_eq!(check(a, ([200.0, 50.0, 60.0], [-12.0, 0.0, 0.0])), None, "abreast");
        // One climbing through the other's height: a conflict only while their heights overlap.
        // Closing at 24 m/s, within the radius from 2.7 s to 5.7 s; climbing at 3 m/s from 40 m,
        // within 10 m of the other's height from 3.3 s. Closest as they pass, 4.2 s.
        let climbing = ([100.0, 0.0, 40.0], [-12.0, 0.0, 3.0]);
        let c = check(a, climbing).expect("climbs through at the crossing");
        assert_eq!(c.window, (3.5, 5.5), "the steps within (3.3 s, 5.7 s)");
        assert!((c.t_cpa - 100.0 / 24.0).abs() < 1e-9, "{c:?}");
        let late = ([100.0, 0.0, 30.0], [-12.0, 0.0, 3.0]);
        assert_eq!(check(a, late), None, "reaches 50 m after they have passed");
    }

    #[test]
    fn a_turn_ahead_is_seen_where_a_straight_line_would_not_be() {
        // A flies east towards (100, 0) and turns north there; B waits at (95, 40), 40 m off
        // the line A flies now.
        let a: [[f64; 3]; SAMPLES] = std::array::from_fn(|k| {
            let d = k as f64 * STEP_S * 12.0;
            if d <= 100.0 { [d, 0.0, 60.0] } else { [100.0, d - 100.0, 60.0] }
        });
        let b = straight(([95.0, 40.0, 60.0], [0.0; 3]));
        let c = conflict(&a, &b, &[R; SAMPLES], STEP_S, 10.0).expect("the turn brings A to B");
        assert!(c.miss[0].hypot(c.miss[1]) < 21.0, "{c:?}");
        assert_eq!(check(([0.0, 0.0, 60.0], [12.0, 0.0, 0.0]), ([95.0, 40.0, 60.0], [0.0; 3])), None, "straight on");
    }

    /// A vertiport's own flight passing level 20 m from one rising at its stand is no conflict
    /// at the terminal radius, one passing over the stand is; steps where both are on their
    /// stands count for nothing.
    #[test]
    fn the_radius_is_each_steps_own() {
        let terminal = TERMINAL_MINIMUM_M * MARGIN;
        let rising = ([0.0, 0.0, 40.0], [0.0, 0.0, 3.0]);
        // Level at 50 m, over the stand 5 s from now, as the other rises through 55 m.
        let passing = |y: f64| ([-60.0, y, 50.0], [12.0, 0.0, 0.0]);
        let (a, b) = (straight(rising), straight(passing(20.0)));
        assert!(conflict(&a, &b, &[R; SAMPLES], STEP_S, 10.0).is_some(), "20 m is inside the en-route radius");
        assert_eq!(conflict(&a, &b, &[terminal; SAMPLES], STEP_S, 10.0), None, "and outside the terminal one");
        let over = straight(passing(0.0));
        let c = conflict(&a, &over, &[terminal; SAMPLES], STEP_S, 10.0).expect("over the stand");
        assert_eq!((c.t_cpa, c.window), (5.0, (4.5, 5.5)), "within 12 m from 4 s to 6 s: {c:?}");
        // Sequenced by the vertiport for the first 5 s, it is seen from then on.
        let radii: [f64; SAMPLES] = std::array::from_fn(|k| if k < 10 { 0.0 } else { terminal });
        let c = conflict(&a, &over, &radii, STEP_S, 10.0).expect("still over the stand at 5 s");
        assert_eq!((c.t_cpa, c.window), (5.0, (5.0, 5.5)), "{c:?}");
        assert_eq!(conflict(&a, &over, &[0.0; SAMPLES], STEP_S, 10.0), None);
    }

    #[test]
    fn already_too_close_and_level_pushes_apart() {
        let a = ([0.0, 0.0, 60.0], [0.0; 3]);
        let b = ([20.0, 0.0, 62.0], [0.0; 3]);
        let c = check(a, b).expect("within the radius now");
        assert_eq!(c.t_cpa, 0.0);
        let push = resolution(&c, a, b, R);
        assert!((push[0] + (R - 20.0)).abs() < 1e-9 && push[1] == 0.0, "{push:?}");
    }
}

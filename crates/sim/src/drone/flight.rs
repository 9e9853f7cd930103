//! Flight: the wind with its gusts, each airborne drone's reference moving along its path and
//! the controller that follows it, arrival over the garden and at home, and re-planning when
//! the volumes in force change.

use bevy::prelude::*;
use pilotzone_routing::Vec2;
use pilotzone_routing::airspace::{NoPath, Waypoint};

use super::airframe::{CONTROL_RAD_S, DRAG_PER_S, DRONE_MASS_KG, GRAVITY, MAX_THRUST_G};
use super::deconflict::{Buffer, Flown, Reservations, Sample, TOLERANCE_MS, trajectory};
use super::launch::LAYER_CHOICES;
use super::tactical::{back_on_plan, held_for_offset, steer_offset};
use super::{Air, CHARGE_W, DROP_MS, Drone, DronePhase, DroneState, Drones, FlightLog};
use crate::clock::SimClock;
use crate::demand::{OrderStatus, ParcelOrder};
use crate::events::{EventKind, EventLog, Incident};
use crate::geom::norm3;
use crate::rng;
use crate::rules::ActiveRules;
use crate::town::TownMap;
use crate::watch::Watched;

/// Time over which gusts come and go (their correlation time), s.
pub const GUST_TIME_S: f64 = 10.0;
/// Deceleration of the flight plan's reference into a level-off or the end of a leg, m/s²;
/// it speeds up at twice this.
pub const EASE_MPS2: f64 = 1.0;
/// Slowest the reference creeps over the last centimetres of a leg, m/s.
pub const EASE_MIN_MPS: f64 = 0.3;
/// Largest acceleration of the reference fed forward to the controller, m/s².
pub const FEEDFORWARD_MPS2: f64 = 3.0;
/// A drone within this distance of the end of its path has arrived, m.
pub const ARRIVE_M: f64 = 1.0;

/// Moves the wind on by one tick: the mean of the step in force, and gusts as a seeded random
/// process that forgets itself over [`GUST_TIME_S`] (Ornstein–Uhlenbeck), each horizontal
/// component with the step's standard deviation.
pub fn blow_wind(clock: Res<SimClock>, town: Res<TownMap>, mut air: ResMut<Air>) {
    let step = town.scenario.weather.step_at(clock.time_of_day_s());
    let mean = step.map_or((0.0, 0.0), |w| w.air_velocity());
    let sd = step.map_or(0.0, |w| w.gust_mps);
    let keep = (-clock.dt_s() / GUST_TIME_S).exp();
    let fresh = sd * (1.0 - keep * keep).sqrt();
    let air = &mut *air;
    for k in 0..2 {
        // Drawn every tick, gusty or not, so a gust setting never shifts later draws.
        let z = rng::standard_normal(&mut air.rng);
        air.gust[k] = air.gust[k] * keep + fresh * z;
    }
    air.mean = [mean.0, mean.1];
    air.velocity = [mean.0 + air.gust[0], mean.1 + air.gust[1]];
}

/// Share of its battery a drone that has lowered its parcel keeps for the way home beyond what
/// the flight takes in the mean wind: it hovers for the way home to be clear while it has more.
pub const HOME_RESERVE: f64 = 0.1;

/// The way home from the garden, once the parcel is down at `lowered_ms`, for a flight that no
/// longer holds one it is on time for (see [`DroneState::home`]), and which of its heights it
/// takes; none while the drone hovers on. The way home is asked for from now, as it will be
/// flown, on the layer granted at take-off or the first other the airspace can take; while none
/// is clear the drone hovers and asks again every second, as long as its battery keeps
/// [`HOME_RESERVE`]. Without strategic deconfliction it leaves at once; if the way home is shut
/// for now, it hovers and tries again next tick.
fn way_home(
    drone: &Drone,
    state: &DroneState,
    rules: &ActiveRules,
    reservations: &mut Reservations,
    wind: [f64; 2],
    (now, tick_s): (u64, f64),
    lowered_ms: u64,
) -> Option<(Vec<Waypoint>, usize)> {
    let here = Vec2::new(state.reference[0], state.reference[1]);
    let heights = drone.leg_heights(rules, here, drone.pad, false);
    let granted = state.layers[1].min(heights.len() - 1);
    let plan = |i: usize| rules.flight_planner.plan(here, state.reference[2], drone.pad, heights[i], 0.0).ok();
    if reservations.is_empty() {
        return plan(granted).map(|path| (path, granted));
    }
    if now != lowered_ms && !now.is_multiple_of(1000) {
        return None;
    }
    let others = (0..LAYER_CHOICES.min(heights.len())).filter(|&i| i != granted);
    for i in std::iter::once(granted).chain(others) {
        let Some(path) = plan(i) else { continue };
        let planned = trajectory(drone, &[(&path, 0)], now, wind, tick_s);
        if reservations.conflict(drone.id, &planned, drone.terminal(), Buffer::of(rules)).is_none() {
            reservations.reserve(drone.id, &planned, drone.terminal());
            return Some((path, i));
        }
    }
    let path = plan(granted)?;
    let needed_wh = drone.flight_time_s(&path, wind) * drone.power_wh_per_s();
    if state.energy_wh - needed_wh >= HOME_RESERVE * drone.battery_wh {
        return None;
    }
    // Its battery waits no longer: it goes, holding its way home against flights approved from
    // now on; detect-and-avoid keeps it from those approved before.
    reservations.reserve(drone.id, &trajectory(drone, &[(&path, 0)], now, wind, tick_s), drone.terminal());
    Some((path, granted))
}

/// Asks again for the airspace of a flight held back from its plan for longer than its
/// reservation allows (its climb stopped by detect-and-avoid, or its descent waiting while it
/// flies back from a manoeuvre): the rest of it, flown from where its reference stands now,
/// with the way home it holds. Flown late on its old reservation, it would cross flights
/// approved around it where they were told it would not be. Still rising from its pad or the
/// garden, it leaves once the way is clear, its way home dropped (to be asked for at the drop)
/// if only that is taken; while the way is taken it waits, its climb stopped, and asks every
/// second while its battery can (keeping [`HOME_RESERVE`] beyond the flight, and the way back
/// for one outbound). Past its climb it holds what it will fly, as a re-planned flight does,
/// and its way home only if that is still clear. A wait over the garden planned before
/// take-off is kept, shortened by the delay.
fn hold_again(
    drone: &Drone,
    state: &mut DroneState,
    buffer: Buffer,
    reservations: &mut Reservations,
    wind: [f64; 2],
    (now, tick_s): (u64, f64),
) {
    let rising = state.next == 1;
    if rising && !now.is_multiple_of(1000) {
        return;
    }
    let r = state.reference;
    let mut rest = vec![Waypoint { at: Vec2::new(r[0], r[1]), z_m: r[2] }];
    rest.extend_from_slice(state.path.get(state.next..).unwrap_or_default());
    let outbound = state.phase == DronePhase::Outbound;
    let mut flown = Flown::starting(now, tick_s);
    flown.leg(drone, &rest, if outbound { DROP_MS } else { 0 }, wind);
    let (there, down_ms) = (flown.samples.len(), flown.end_ms());
    let mut leave_ms = down_ms;
    if let Some((home, held_ms)) = state.home.as_ref().filter(|_| outbound) {
        // A wait over the garden its plan held is kept as far as the delay leaves any: the way
        // home is clear from then, and what it waits for still passes when it did.
        leave_ms = down_ms.max(*held_ms);
        flown.hover(leave_ms - down_ms);
        flown.leg(drone, home, 0, wind);
    }
    let mut planned = flown.samples;
    let clear = |samples: &[Sample]| reservations.conflict(drone.id, samples, drone.terminal(), buffer).is_none();
    if !rising && planned.len() > there && !clear(&planned[there..]) {
        // Past its climb, its way home is kept only if still clear (flown later than it was
        // held for, it may not be): else it is asked for at the drop.
        planned.truncate(there);
        state.home = None;
    } else if rising && !clear(&planned) {
        if planned.len() > there && clear(&planned[..there]) {
            planned.truncate(there);
            state.home = None;
        } else {
            let legs = if outbound { 2.0 } else { 1.0 };
            let needed_wh = legs * drone.flight_time_s(&rest, wind) * drone.power_wh_per_s();
            if state.energy_wh - needed_wh >= HOME_RESERVE * drone.battery_wh {
                state.climb_held_until_ms = state.climb_held_until_ms.max(now + 1000);
                return;
            }
        }
    }
    reservations.reserve(drone.id, &planned, drone.terminal());
    if let Some(home) = state.home.as_mut() {
        home.1 = leave_ms;
    }
    state.late_ms = 0;
}

/// Moves every airborne drone one tick along its path through the wind, charges grounded ones,
/// and handles arrival over the garden and at home.
pub(super) fn fly_drones(
    clock: &SimClock,
    air: &Air,
    reservations: &mut Reservations,
    rules: &ActiveRules,
    parcels: &mut [ParcelOrder],
    drones: &mut Drones,
    held: &mut FlightLog,
    visiting: &mut Watched,
) {
    let dt = clock.dt_s();
    let log = &mut held.0;
    // Drones in the air, fallen, or charging on their stands; one standing by with a full
    // battery has nothing to do, and at city scale most do. It is stirred only through a stamped
    // change (a launch), so the drones are kept from tick to tick (see [`Watched`]), in id order.
    let stirs =
        |drone: &Drone, s: &DroneState| s.crashed || s.phase != DronePhase::Ready || s.energy_wh != drone.battery_wh;
    visiting.learn(drones.iter_mut().filter(|(_, d, s)| s.is_changed() && stirs(d, s)).map(|(e, d, _)| (d.id, e)));
    visiting.visit(|e| {
        let (_, drone, mut state) = drones.get_mut(e).expect("watched entities are drones");
        if state.phase == DronePhase::Ready && !state.crashed {
            // Charging on its stand. A full battery stays as it is, and the drone unmarked:
            // the recorder then skips the city's many drones that stand by.
            if state.energy_wh != drone.battery_wh {
                state.energy_wh = (state.energy_wh + CHARGE_W * dt / 3600.0).min(drone.battery_wh);
            }
        } else {
            fly_one(drone, &mut state, clock, air, rules, reservations, parcels, log);
        }
        stirs(drone, &state)
    });
    debug_assert_eq!(
        visiting.len(),
        drones.iter().filter(|(_, d, s)| stirs(d, s)).count(),
        "every drone with something to do is visited"
    );
}

/// One tick of a drone that is not standing by: in the air, over a garden, or fallen.
fn fly_one(
    drone: &Drone,
    state: &mut DroneState,
    clock: &SimClock,
    air: &Air,
    rules: &ActiveRules,
    reservations: &mut Reservations,
    parcels: &mut [ParcelOrder],
    log: &mut EventLog,
) {
    let (dt, now) = (clock.dt_s(), clock.now_ms);
    if state.crashed {
        // Rotors stopped: it falls, or lies where it fell.
        fly(drone, state, [0.0; 2], air.velocity, dt, now, log);
        return;
    }
    match state.phase {
        // Standing by is the caller's: it only charges.
        DronePhase::Ready => return,
        DronePhase::Dropping { until_ms } => {
            state.ref_vel = [0.0; 3];
            let aside = steer_offset(state, now, dt);
            fly(drone, state, aside, air.velocity, dt, now, log);
            if now < until_ms {
                return;
            }
            if let Some(order) = state.order.map(|id| &mut parcels[id as usize])
                && order.status != OrderStatus::Delivered
            {
                order.status = OrderStatus::Delivered;
                order.delivered_ms = Some(now);
                log.push(
                    now,
                    EventKind::Deliver,
                    drone.id,
                    state.pos,
                    format!("order {} in {:.0} s", order.id, (now - order.t_ms) as f64 / 1000.0),
                );
            }
            // The way home held since take-off, if the flight is on time for it; else asked for.
            let kept = match state.home.take() {
                // It hovers as planned before take-off.
                Some((path, leave_ms)) if now < leave_ms => {
                    state.home = Some((path, leave_ms));
                    reservations.home_wait_ms += u64::from(clock.tick_ms);
                    return;
                }
                Some((path, leave_ms)) if now <= leave_ms + TOLERANCE_MS => Some((path, state.layers[1])),
                _ => way_home(drone, state, rules, reservations, air.mean, (now, dt), until_ms),
            };
            let Some((back, layer)) = kept else {
                reservations.home_wait_ms += u64::from(clock.tick_ms);
                reservations.asked_home_wait_ms += u64::from(clock.tick_ms);
                return;
            };
            reservations.longest_home_wait_ms = reservations.longest_home_wait_ms.max(now - until_ms);
            state.layers[1] = layer;
            state.late_ms = 0;
            state.phase = DronePhase::Returning;
            state.path = back;
            state.next = 1;
            state.path_version = rules.version;
            return;
        }
        DronePhase::Outbound | DronePhase::Returning => {}
    }
    if state.path_version != rules.version {
        replan(state, drone, rules);
        // The flight holds what it will now fly, without waiting for a free slot: it is
        // already in the air.
        if !reservations.is_empty() {
            let hold = if state.phase == DronePhase::Outbound { DROP_MS } else { 0 };
            let rest = [state.path[state.next.saturating_sub(1)..].to_vec()];
            let planned = trajectory(drone, &[(&rest[0], hold)], now, air.mean, dt);
            reservations.reserve(drone.id, &planned, drone.terminal());
            state.late_ms = 0;
            // The way home is asked for again when the parcel is down.
            state.home = None;
        }
    }
    // The reference moves along the path at the speed the wind allows; the drone follows it.
    let before = state.reference;
    let climb_held = state.next == 1 && now < state.climb_held_until_ms;
    if held_for_offset(state) || climb_held {
        state.late_ms += u64::from(clock.tick_ms);
    } else {
        advance_reference(drone, state, air.velocity, dt);
    }
    if state.late_ms > TOLERANCE_MS && !reservations.is_empty() {
        hold_again(drone, state, Buffer::of(rules), reservations, air.mean, (now, dt));
    }
    state.ref_vel = [0, 1, 2].map(|i| (state.reference[i] - before[i]) / dt);
    let aside = steer_offset(state, now, dt);
    fly(drone, state, aside, air.velocity, dt, now, log);
    let end = state.path.last().map(|w| [w.at.x, w.at.y, w.z_m]).unwrap_or(state.reference);
    let off = [0, 1, 2].map(|i| state.pos[i] - end[i]);
    let arrived = state.next >= state.path.len() && norm3(off) < ARRIVE_M;
    if arrived {
        match state.phase {
            DronePhase::Outbound => state.phase = DronePhase::Dropping { until_ms: now + DROP_MS },
            _ => {
                // Set down on the pad.
                state.phase = DronePhase::Ready;
                state.order = None;
                state.late_ms = 0;
                state.pos = [drone.pad.x, drone.pad.y, 0.0];
                state.reference = state.pos;
                state.vel = [0.0; 3];
                state.ref_vel = [0.0; 3];
                state.prev_ref_vel = [0.0; 3];
                state.force = [0.0; 3];
                back_on_plan(state);
                reservations.release(drone.id);
                log.push(now, EventKind::Land, drone.id, state.pos, "back at base");
            }
        }
    }
}

/// Moves a drone's reference one tick along its path, easing into each waypoint at the speed
/// its turn allows and speeding up no faster than the airframe comfortably can.
fn advance_reference(drone: &Drone, state: &mut DroneState, wind: [f64; 2], dt: f64) {
    let mut cursor = Cursor::new(state.reference, norm3(state.ref_vel), state.next);
    cursor.advance(drone, &state.path, wind, dt);
    state.reference = cursor.at;
    state.next = cursor.next;
}

/// Whether a path's stretch to waypoint `next` rises or sets down in place, not cruising; past
/// its end the drone hovers, which counts as such.
pub(super) fn rising_or_setting_down(path: &[Waypoint], next: usize) -> bool {
    match (next.checked_sub(1).and_then(|k| path.get(k)), path.get(next)) {
        (Some(a), Some(b)) => (a.at.x - b.at.x).hypot(a.at.y - b.at.y) < 1.0,
        _ => true,
    }
}

/// Where a flight plan's reference is: the point, its speed a step before, and the waypoint it
/// flies to. The flight moves it tick by tick; strategic deconfliction moves a copy ahead, tick by
/// tick as the flight will, to predict the flight, corners and level-offs included.
#[derive(Clone, Copy, Debug)]
pub(super) struct Cursor {
    pub(super) at: [f64; 3],
    pub(super) speed: f64,
    pub(super) next: usize,
    /// The speeds of the stretch to waypoint `.0`: along it, and into the turn at its end. A
    /// cursor flies one path in one wind, so they hold for as long as it flies that stretch.
    stretch: Option<(usize, f64, f64)>,
}

impl Cursor {
    /// The reference at `at`, moving at `speed`, flying to waypoint `next`.
    pub(super) fn new(at: [f64; 3], speed: f64, next: usize) -> Cursor {
        Cursor { at, speed, next, stretch: None }
    }

    /// The speed along the stretch to waypoint `next` in `wind`, and the speed the turn at its end
    /// allows: straight on at full speed, a right angle (a level-off, a corner round a volume) or
    /// the end of the leg from rest, so the drone turns there instead of overshooting. Both hang
    /// on the stretch alone (the reference moves along it), so they are worked out once a stretch.
    fn stretch_speeds(&mut self, drone: &Drone, path: &[Waypoint], wind: [f64; 2]) -> (f64, f64) {
        if let Some((next, along, turn)) = self.stretch
            && next == self.next
        {
            return (along, turn);
        }
        let point = |w: &Waypoint| [w.at.x, w.at.y, w.z_m];
        let to = point(&path[self.next]);
        let from = self.next.checked_sub(1).map_or(self.at, |k| point(&path[k]));
        let d = [0, 1, 2].map(|i| to[i] - from[i]);
        let turn = match path.get(self.next + 1).map(point) {
            Some(after) => {
                let on = [0, 1, 2].map(|i| after[i] - to[i]);
                let (len, on_len) = (norm3(d), norm3(on));
                let cos = if len > 1e-9 && on_len > 1e-9 {
                    (0..3).map(|i| d[i] * on[i]).sum::<f64>() / (len * on_len)
                } else {
                    0.0
                };
                drone.leg_speed(to, after, wind) * cos.max(0.0)
            }
            None => 0.0,
        };
        let along = drone.leg_speed(from, to, wind);
        self.stretch = Some((self.next, along, turn));
        (along, turn)
    }

    /// Moves the reference up to `most` steps of `dt` along `path` at once where it cruises (at
    /// full speed, short of the waypoint and of where it slows into it), as that many calls of
    /// [`Cursor::advance`] would; returns the steps taken, none where it does not cruise.
    pub(super) fn cruise(&mut self, drone: &Drone, path: &[Waypoint], wind: [f64; 2], dt: f64, most: u32) -> u32 {
        if self.next >= path.len() {
            return 0;
        }
        let (along, turn) = self.stretch_speeds(drone, path, wind);
        if along <= EASE_MIN_MPS || self.speed + EASE_MPS2 * 2.0 * dt < along {
            return 0;
        }
        let target = path[self.next];
        let d = [target.at.x - self.at[0], target.at.y - self.at[1], target.z_m - self.at[2]];
        let dist = norm3(d);
        let step = along * dt;
        // A step cruises when it starts where slowing into the waypoint does not yet bind and
        // ends short of the waypoint (the margin keeps rounding on the side of stepping).
        let from = ((along * along - turn * turn) / (2.0 * EASE_MPS2)).max(step) * (1.0 + 1e-9) + 1e-9;
        if dist < from {
            return 0;
        }
        let n = (((dist - from) / step).floor() as u32).saturating_add(1).min(most);
        let k = f64::from(n) * step / dist;
        self.at = [0, 1, 2].map(|i| self.at[i] + d[i] * k);
        self.speed = along;
        n
    }

    /// Moves the reference `dt` along `path`.
    pub(super) fn advance(&mut self, drone: &Drone, path: &[Waypoint], wind: [f64; 2], dt: f64) {
        let before = self.at;
        // The reference speeds up no faster than the airframe comfortably can.
        let top = self.speed + EASE_MPS2 * 2.0 * dt;
        let mut time_left = dt;
        while time_left > 1e-9 && self.next < path.len() {
            let target = path[self.next];
            let to = [target.at.x, target.at.y, target.z_m];
            let d = [0, 1, 2].map(|i| to[i] - self.at[i]);
            let dist = norm3(d);
            let (along, turn_mps) = self.stretch_speeds(drone, path, wind);
            // Slowing into the waypoint no harder than it speeds up.
            let speed = along.min((turn_mps * turn_mps + 2.0 * EASE_MPS2 * dist).sqrt()).min(top).max(EASE_MIN_MPS);
            let step = speed * time_left;
            if step >= dist {
                self.at = to;
                time_left -= dist / speed;
                self.next += 1;
            } else {
                let k = step / dist;
                self.at = [0, 1, 2].map(|i| self.at[i] + d[i] * k);
                time_left = 0.0;
            }
        }
        self.speed = norm3([0, 1, 2].map(|i| self.at[i] - before[i])) / dt;
    }
}

/// The flight controller: the force that brings the drone onto its reference (moved aside by
/// tactical separation's offset, which moves at `aside`), and the energy that force costs.
///
/// A position and velocity loop (critically damped, [`CONTROL_RAD_S`]) asks for an
/// acceleration; thrust adds the weight and cancels the air's drag on the drone (it senses
/// its airspeed), up to [`MAX_THRUST_G`] times its weight. rapier integrates the thrust, the
/// drag and gravity; the drone's attitude is not modelled beyond the direction of its thrust.
/// Power grows with thrust to the power 1.5 (momentum theory), scaled so that steady cruise in
/// calm air draws the fleet's `wh_per_km` at cruise speed.
fn fly(drone: &Drone, state: &mut DroneState, aside: [f64; 2], wind: [f64; 2], dt: f64, now: u64, log: &mut EventLog) {
    let m = DRONE_MASS_KG;
    let (kp, kd) = (CONTROL_RAD_S * CONTROL_RAD_S, 2.0 * CONTROL_RAD_S);
    let air = [wind[0], wind[1], 0.0];
    let drag = [0, 1, 2].map(|i| m * DRAG_PER_S * (air[i] - state.vel[i]));
    let (r, v) = (state.reference, state.ref_vel);
    let target = [r[0] + state.avoid[0], r[1] + state.avoid[1], r[2]];
    let target_vel = [v[0] + aside[0], v[1] + aside[1], v[2]];
    // The target's own acceleration is fed forward (within what the airframe gives), so a
    // smooth level-off is followed without lag.
    let acc = [0, 1, 2].map(|i| (target_vel[i] - state.prev_ref_vel[i]) / dt);
    let acc_norm = norm3(acc);
    let acc = acc.map(|a| if acc_norm > FEEDFORWARD_MPS2 { a * FEEDFORWARD_MPS2 / acc_norm } else { a });
    state.prev_ref_vel = target_vel;
    let want = [0, 1, 2].map(|i| acc[i] + kp * (target[i] - state.pos[i]) + kd * (target_vel[i] - state.vel[i]));
    let mut thrust = [m * want[0] - drag[0], m * want[1] - drag[1], m * (want[2] + GRAVITY) - drag[2]];
    thrust[2] = thrust[2].max(0.0);
    // An empty battery, or a crash, turns no rotor: the drone falls where it is.
    if state.stranded || state.crashed {
        thrust = [0.0; 3];
    }
    let norm = norm3(thrust);
    let max = MAX_THRUST_G * m * GRAVITY;
    if norm > max {
        thrust = thrust.map(|t| t * max / norm);
    }
    state.force = [0, 1, 2].map(|i| thrust[i] + drag[i]);
    let cruise = (GRAVITY.hypot(DRAG_PER_S * drone.cruise_mps)) * m;
    let ratio = norm3(thrust) / cruise;
    // A battery never goes below empty.
    state.energy_wh = (state.energy_wh - drone.power_wh_per_s() * ratio * ratio.sqrt() * dt).max(0.0);
    if state.energy_wh <= 0.0 && !state.stranded {
        state.stranded = true;
        let incident = Incident { rule: None, other: None, value: state.energy_wh, limit: 0.0, severity: 3 };
        let detail = format!("battery empty at {:.0} m", state.pos[2]);
        log.incident(now, EventKind::Stranded, drone.id, state.pos, incident, detail);
    }
}

/// Re-plans the rest of a leg under the volumes now in force, from where the drone is.
fn replan(state: &mut DroneState, drone: &Drone, rules: &ActiveRules) {
    state.path_version = rules.version;
    let (Some(end), true) = (state.path.last().copied(), state.path.len() >= 2) else { return };
    let here = Vec2::new(state.reference[0], state.reference[1]);
    let outbound = state.phase == DronePhase::Outbound;
    let altitude = drone.leg_height(rules, here, end.at, outbound, state.layers[usize::from(!outbound)]);
    match rules.flight_planner.plan(here, state.reference[2], end.at, altitude, end.z_m) {
        Ok(path) => {
            state.path = path;
            state.next = 1;
        }
        // Caught inside a volume that just closed, or walled in: finish the old path and let
        // the monitor record what happens.
        Err(NoPath::EndpointInside { .. } | NoPath::Blocked { .. }) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drone::DROP_HEIGHT_M;

    /// The usual tick, s.
    const TICK_S: f64 = 0.1;

    /// The planning buffer at the usual 30 m and 10 m minimum.
    const BUFFER: Buffer = Buffer { horizontal_m: 45.0, vertical_m: 12.5, terminal_m: 15.0 };
    const CALM: [f64; 2] = [0.0; 2];

    fn wp(x: f64, z: f64) -> Waypoint {
        Waypoint { at: Vec2::new(x, 0.0), z_m: z }
    }

    /// A drone on its way east from the stand at the origin, its climb stopped 10 m up for 3 s.
    fn held_in_climb(drone: &Drone) -> DroneState {
        let mut s = DroneState::on_stand(drone.pad, drone.battery_wh);
        s.phase = DronePhase::Outbound;
        s.path = vec![wp(0.0, 0.0), wp(0.0, 60.0), wp(1200.0, 60.0), wp(1200.0, 3.0)];
        s.next = 1;
        s.reference = [0.0, 0.0, 10.0];
        s.late_ms = 3_000;
        s
    }

    /// Airspace held by a flight of another vertiport along `path` from `now`.
    fn taken(path: &[Waypoint], now: u64) -> Reservations {
        let other = Drone { base: 1, ..Drone::sample(2) };
        let mut r = Reservations::default();
        r.reserve(2, &trajectory(&other, &[(path, 0)], now, CALM, TICK_S), other.terminal());
        r
    }

    #[test]
    fn a_flight_held_in_its_climb_waits_for_a_clear_way_while_its_battery_can() {
        let drone = Drone::sample(1);
        let mut s = held_in_climb(&drone);
        let mut r = taken(&s.path, 60_000);
        hold_again(&drone, &mut s, BUFFER, &mut r, CALM, (60_000, TICK_S));
        assert_eq!(s.climb_held_until_ms, 61_000, "its climb stays stopped for another second");
        assert_eq!((s.late_ms, r.len()), (3_000, 1), "nothing is held for it while the way is taken");
        // Between whole seconds it does not ask.
        let mut clear = Reservations::default();
        hold_again(&drone, &mut s, BUFFER, &mut clear, CALM, (60_100, TICK_S));
        assert!(clear.is_empty());
        // Once the way is clear, the rest of its flight is held from where it stands.
        hold_again(&drone, &mut s, BUFFER, &mut clear, CALM, (61_000, TICK_S));
        assert_eq!((s.late_ms, clear.len()), (0, 1));
        let other = Drone { base: 1, ..Drone::sample(2) };
        let behind = trajectory(&other, &[(&s.path, 0)], 61_000, CALM, TICK_S);
        assert_eq!(clear.conflict(2, &behind, other.terminal(), BUFFER), Some(1), "held from 61 s, as it will fly");
        let on_time = trajectory(&other, &[(&s.path, 0)], 40_000, CALM, TICK_S);
        assert_eq!(clear.conflict(2, &on_time, other.terminal(), BUFFER), None, "not 21 s before it will be there");
    }

    #[test]
    fn a_flight_held_in_its_climb_keeps_its_way_home_unless_only_that_is_taken() {
        let drone = Drone::sample(1);
        let home = vec![wp(1200.0, 3.0), wp(1200.0, 75.0), wp(0.0, 75.0), wp(0.0, 0.0)];
        let mut s = held_in_climb(&drone);
        s.home = Some((home.clone(), 200_000));
        // Clear all the way: the rest, the drop and the way home are held, the way home from
        // the garden when the flight will now be there.
        let mut clear = Reservations::default();
        hold_again(&drone, &mut s, BUFFER, &mut clear, CALM, (60_000, TICK_S));
        let mut flown = Flown::starting(60_000, TICK_S);
        let rest = [wp(0.0, 10.0), wp(0.0, 60.0), wp(1200.0, 60.0), wp(1200.0, 3.0)];
        flown.leg(&drone, &rest, DROP_MS, CALM);
        assert_eq!(s.home.as_ref().map(|h| h.1), Some(flown.end_ms()), "it leaves the garden when it will be there");
        let other = Drone { base: 1, ..Drone::sample(2) };
        let theirs = trajectory(&other, &[(&home, 0)], flown.end_ms(), CALM, TICK_S);
        assert_eq!(clear.conflict(2, &theirs, other.terminal(), BUFFER), Some(1), "the way home is held");
        // Only the way home taken (by a flight rising from the garden 3 s after it would):
        // it leaves, and asks for the way home at the drop.
        let mut s = held_in_climb(&drone);
        s.home = Some((home.clone(), 200_000));
        let mut r = taken(&home, flown.end_ms() + 3_000);
        hold_again(&drone, &mut s, BUFFER, &mut r, CALM, (60_000, TICK_S));
        assert_eq!((s.home.is_none(), s.late_ms, r.len()), (true, 0, 2));
    }

    /// The way home held for a flight, its rest flown from 60 s where `held_in_climb` stands.
    fn home_and_down_ms(drone: &Drone) -> (Vec<Waypoint>, u64) {
        let mut flown = Flown::starting(60_000, TICK_S);
        let rest = [wp(0.0, 10.0), wp(0.0, 60.0), wp(1200.0, 60.0), wp(1200.0, 3.0)];
        flown.leg(drone, &rest, DROP_MS, CALM);
        (vec![wp(1200.0, 3.0), wp(1200.0, 75.0), wp(0.0, 75.0), wp(0.0, 0.0)], flown.end_ms())
    }

    /// A flight planned to hover over the garden for its way home, held back for less than that
    /// wait, leaves the garden when planned: it hovers that much less.
    #[test]
    fn a_flight_held_back_keeps_what_the_delay_leaves_of_its_planned_wait() {
        let drone = Drone::sample(1);
        let (home, down_ms) = home_and_down_ms(&drone);
        let mut s = held_in_climb(&drone);
        s.home = Some((home.clone(), down_ms + 30_000));
        let mut clear = Reservations::default();
        hold_again(&drone, &mut s, BUFFER, &mut clear, CALM, (60_000, TICK_S));
        assert_eq!(s.home.as_ref().map(|h| h.1), Some(down_ms + 30_000));
        // Held over the garden 20 s after its parcel is down, and on the way home from then.
        let other = Drone { base: 1, ..Drone::sample(2) };
        let hovering = [Sample { t_ms: down_ms + 20_000, at: [1200.0, 0.0, DROP_HEIGHT_M], vertical: true }];
        assert_eq!(clear.conflict(2, &hovering, other.terminal(), BUFFER), Some(1), "it still hovers there");
        let theirs = trajectory(&other, &[(&home, 0)], down_ms + 30_000, CALM, TICK_S);
        assert_eq!(clear.conflict(2, &theirs, other.terminal(), BUFFER), Some(1));
        // Held back longer than the wait, it leaves when the parcel is down.
        let mut s = held_in_climb(&drone);
        s.home = Some((home, down_ms - 10_000));
        hold_again(&drone, &mut s, BUFFER, &mut Reservations::default(), CALM, (60_000, TICK_S));
        assert_eq!(s.home.as_ref().map(|h| h.1), Some(down_ms));
    }

    /// Past its climb and later than its way home was held for, a flight keeps that way only if
    /// it is still clear; else it holds the rest and asks for a way home at the drop.
    #[test]
    fn a_flight_past_its_climb_keeps_a_late_way_home_only_if_it_is_clear() {
        let drone = Drone::sample(1);
        let (home, _) = home_and_down_ms(&drone);
        let past_climb = || {
            let mut s = held_in_climb(&drone);
            (s.next, s.reference) = (2, [0.0, 0.0, 60.0]);
            s.home = Some((home.clone(), 100_000));
            s
        };
        let mut flown = Flown::starting(60_000, TICK_S);
        flown.leg(&drone, &[wp(0.0, 60.0), wp(1200.0, 60.0), wp(1200.0, 3.0)], DROP_MS, CALM);
        let down_ms = flown.end_ms();
        let mut s = past_climb();
        let mut clear = Reservations::default();
        hold_again(&drone, &mut s, BUFFER, &mut clear, CALM, (60_000, TICK_S));
        assert_eq!((s.home.as_ref().map(|h| h.1), s.late_ms), (Some(down_ms), 0));
        // A flight of vertiport 1 rising from the garden as this one would leave it.
        let mut s = past_climb();
        let mut r = taken(&home, down_ms);
        hold_again(&drone, &mut s, BUFFER, &mut r, CALM, (60_000, TICK_S));
        assert_eq!((s.home.is_none(), s.late_ms, r.len()), (true, 0, 2));
        let other = Drone { base: 1, ..Drone::sample(2) };
        let on_the_way = trajectory(&other, &[(&[wp(0.0, 60.0), wp(1200.0, 60.0)], 0)], 60_000, CALM, TICK_S);
        assert!(r.conflict(2, &on_the_way, other.terminal(), BUFFER).is_some(), "the rest is held");
    }

    #[test]
    fn a_flight_that_cannot_wait_or_is_past_its_climb_holds_what_it_will_fly() {
        let drone = Drone::sample(1);
        // Its battery keeps less than a tenth spare beyond the flight there and back
        // (2 × 136 s at 0.3 Wh/s is 82 Wh): it goes.
        let mut s = held_in_climb(&drone);
        s.energy_wh = 120.0;
        let mut r = taken(&s.path, 60_000);
        hold_again(&drone, &mut s, BUFFER, &mut r, CALM, (60_000, TICK_S));
        assert_eq!((s.late_ms, r.len(), s.climb_held_until_ms), (0, 2, 0));
        // Held at the top of its descent while it flies back from a manoeuvre: it is in the
        // air, and holds the descent without waiting.
        let mut s = held_in_climb(&drone);
        (s.next, s.reference) = (3, [1200.0, 0.0, 60.0]);
        let descent = [wp(1200.0, 60.0), wp(1200.0, 3.0)];
        let mut r = taken(&descent, 60_300);
        let other = Drone { base: 1, ..Drone::sample(2) };
        let mine = trajectory(&drone, &[(&descent, DROP_MS)], 60_300, CALM, TICK_S);
        assert!(r.conflict(1, &mine, drone.terminal(), BUFFER).is_some(), "the descent is taken");
        hold_again(&drone, &mut s, BUFFER, &mut r, CALM, (60_300, TICK_S));
        assert_eq!((s.late_ms, r.len()), (0, 2));
        let theirs = trajectory(&other, &[(&descent, 0)], 60_300, CALM, TICK_S);
        assert_eq!(r.conflict(2, &theirs, other.terminal(), BUFFER), Some(1), "its descent is held from now");
    }
}

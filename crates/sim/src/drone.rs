//! Delivery drones: orders flown from the vertiport to a garden and back, along 3D paths from
//! the airspace planner that keep out of the no-fly volumes in force, with departures spaced
//! at the vertiport and outbound and return legs on different altitude layers.

use bevy::prelude::*;
use pilotzone_routing::Vec2;
use pilotzone_routing::airspace::{NoPath, Waypoint};
use pilotzone_routing::geom::point_in_polygon;
use rand_chacha::ChaCha8Rng;

use crate::clock::SimClock;
use crate::demand::{OrderStatus, Requests};
use crate::events::{EventKind, EventLog};
use crate::rules::ActiveRules;
use crate::town::TownMap;
use crate::{SimConfig, SimSetup, SimStep, SimSystems, rng};

/// How often open orders are matched to ready drones, ms.
pub const ASSIGN_PERIOD_MS: u64 = 5_000;
/// Minimum time between two departures from one vertiport (strategic spacing), ms.
pub const LAUNCH_SPACING_MS: u64 = 12_000;
/// Height at which the parcel is lowered to the garden, m.
pub const DROP_HEIGHT_M: f64 = 3.0;
/// Time hovering to lower a parcel, ms.
pub const DROP_MS: u64 = 20_000;
/// Height above the outbound layer at which drones fly home, m.
pub const RETURN_LAYER_M: f64 = 15.0;
/// Charging power at the pad, W.
pub const CHARGE_W: f64 = 400.0;
/// Share of the battery a flight plan must leave unused; it also covers gusts, which a plan
/// cannot know.
pub const ENERGY_RESERVE: f64 = 0.25;
/// Time over which gusts come and go (their correlation time), s.
pub const GUST_TIME_S: f64 = 10.0;
/// Mass of a delivery drone with its parcel, kg.
pub const DRONE_MASS_KG: f64 = 6.0;
/// Linear drag of the air on a drone, per second (N per kg per m/s of airspeed): about 3 m/s²
/// at 12 m/s, a 17° tilt in cruise.
pub const DRAG_PER_S: f64 = 0.25;
/// Most thrust the rotors give, in multiples of the drone's weight.
pub const MAX_THRUST_G: f64 = 2.0;
/// Natural frequency of the position loop, rad/s.
pub const CONTROL_RAD_S: f64 = 1.2;
/// Gravity, m/s².
pub const GRAVITY: f64 = 9.81;
/// Deceleration of the flight plan's reference into a level-off or the end of a leg, m/s²;
/// it speeds up at twice this.
pub const EASE_MPS2: f64 = 1.0;
/// Slowest the reference creeps over the last centimetres of a leg, m/s.
pub const EASE_MIN_MPS: f64 = 0.3;
/// Largest acceleration of the reference fed forward to the controller, m/s².
pub const FEEDFORWARD_MPS2: f64 = 3.0;
/// A drone within this distance of the end of its path has arrived, m.
pub const ARRIVE_M: f64 = 1.0;
/// Slowest ground speed a drone keeps along its track, m/s: into a wind it cannot beat, it
/// still creeps on rather than stand in the air.
pub const MIN_GROUND_MPS: f64 = 1.0;

/// A drone's fixed properties.
#[derive(Component, Clone, Debug)]
pub struct Drone {
    /// Stable id (also its replay entity id).
    pub id: u32,
    /// Index of its fleet in `fleets.drones`.
    pub fleet: usize,
    /// Place index of its vertiport.
    pub base: usize,
    /// Its landing pad.
    pub pad: Vec2,
    /// Horizontal cruise speed, m/s.
    pub cruise_mps: f64,
    /// Outbound cruise altitude, m.
    pub cruise_alt_m: f64,
    /// Return cruise altitude, m.
    pub return_alt_m: f64,
    /// Vertical speed, m/s.
    pub climb_mps: f64,
    /// Largest parcel, kg.
    pub payload_kg: f64,
    /// Battery capacity, Wh.
    pub battery_wh: f64,
    /// Energy per km flown, Wh.
    pub wh_per_km: f64,
}

/// What a drone is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DronePhase {
    /// On its pad, charging when not full, free for work.
    Ready,
    /// Flying a parcel out.
    Outbound,
    /// Hovering over the garden, lowering the parcel, until the given time.
    Dropping {
        /// End of the drop.
        until_ms: u64,
    },
    /// Flying home.
    Returning,
}

/// A drone's changing state.
#[derive(Component, Clone, Debug)]
pub struct DroneState {
    /// What it is doing.
    pub phase: DronePhase,
    /// Position (x, y, height), m, as rapier integrated it.
    pub pos: [f64; 3],
    /// Velocity, m/s, as rapier integrated it.
    pub vel: [f64; 3],
    /// Where the flight plan puts the drone now: the point the controller steers to, m.
    pub reference: [f64; 3],
    /// Velocity of the reference, m/s.
    pub ref_vel: [f64; 3],
    /// Velocity of the reference a tick before, m/s.
    pub prev_ref_vel: [f64; 3],
    /// Force the drone puts on its body for the next physics step (thrust and drag, not
    /// gravity), N.
    pub force: [f64; 3],
    /// Waypoints of the current leg.
    pub path: Vec<Waypoint>,
    /// Index of the waypoint being flown to.
    pub next: usize,
    /// Order carried or just delivered.
    pub order: Option<u32>,
    /// Energy left, Wh.
    pub energy_wh: f64,
    /// Distance flown, km.
    pub km: f64,
    /// Rules version the path was planned under.
    pub path_version: u32,
    /// Ran out of energy in the air (an incident; the flight is not modelled further).
    pub stranded: bool,
}

impl DroneState {
    /// Whether the drone is off its pad.
    pub fn airborne(&self) -> bool {
        self.phase != DronePhase::Ready
    }

    /// Heading of travel, counter-clockwise from east.
    pub fn heading(&self) -> f64 {
        self.vel[1].atan2(self.vel[0])
    }
}

/// Drone entities in id order.
#[derive(Resource, Debug, Default)]
pub struct DroneRoster(pub Vec<Entity>);

/// Last departure per vertiport place, for launch spacing, and time launches were held by wind.
#[derive(Resource, Debug, Default)]
pub struct Departures {
    last: std::collections::BTreeMap<usize, u64>,
    /// Whether launches are held by wind now.
    pub wind_held: bool,
    /// Time launches were held by wind while orders waited, ms.
    pub wind_hold_ms: u64,
}

/// The wind drones fly in: the scenario's mean wind with gusts drawn from the run's seed.
#[derive(Resource, Debug)]
pub struct Air {
    /// Velocity of the air now, (east, north), m/s.
    pub velocity: [f64; 2],
    /// The mean part of `velocity`.
    pub mean: [f64; 2],
    gust: [f64; 2],
    rng: ChaCha8Rng,
}

impl FromWorld for Air {
    fn from_world(world: &mut World) -> Self {
        let seed = world.resource::<SimConfig>().seed;
        Air { velocity: [0.0; 2], mean: [0.0; 2], gust: [0.0; 2], rng: rng::stream(seed, "weather/gusts") }
    }
}

/// Ground speed along a horizontal track (`dir`, a unit vector) of a drone holding `airspeed`
/// through air moving at `wind`: it heads into the crosswind to stay on the track, and what is
/// left of its airspeed, plus the wind along the track, carries it on.
pub fn ground_speed(airspeed: f64, dir: [f64; 2], wind: [f64; 2]) -> f64 {
    let along = wind[0] * dir[0] + wind[1] * dir[1];
    let across = wind[1] * dir[0] - wind[0] * dir[1];
    let ahead = (airspeed * airspeed - across * across).max(0.0).sqrt();
    (along + ahead).max(MIN_GROUND_MPS)
}

impl Drone {
    /// Electrical power drawn in the air, W·h per second: a multirotor draws about the same in
    /// cruise, climb and hover, so energy follows time aloft, and a headwind costs energy.
    pub fn power_wh_per_s(&self) -> f64 {
        self.wh_per_km * self.cruise_mps / 1000.0
    }

    /// Speed along a leg of the path from `from` to `to` in `wind`, m/s.
    fn leg_speed(&self, from: [f64; 3], to: [f64; 3], wind: [f64; 2]) -> f64 {
        let d = [to[0] - from[0], to[1] - from[1], to[2] - from[2]];
        let horizontal = d[0].hypot(d[1]);
        if horizontal > 0.5 {
            // The airspeed is held along the leg; the wind scales how fast the ground passes.
            ground_speed(self.cruise_mps, [d[0] / horizontal, d[1] / horizontal], wind)
        } else {
            self.climb_mps
        }
    }

    /// Time to fly a path in a steady wind, s.
    pub fn flight_time_s(&self, path: &[Waypoint], wind: [f64; 2]) -> f64 {
        let at = |w: &Waypoint| [w.at.x, w.at.y, w.z_m];
        path.windows(2)
            .map(|p| {
                let (a, b) = (at(&p[0]), at(&p[1]));
                let dist = ((b[0] - a[0]).hypot(b[1] - a[1])).hypot(b[2] - a[2]);
                dist / self.leg_speed(a, b, wind)
            })
            .sum()
    }

    /// Outbound and return cruise altitudes inside the band in force, m.
    pub fn altitudes(&self, rules: &ActiveRules) -> (f64, f64) {
        let (floor, ceiling) = rules.band_m;
        (self.cruise_alt_m.clamp(floor, ceiling), self.return_alt_m.clamp(floor, ceiling))
    }
}

/// Adds drones.
pub struct DronePlugin;

impl Plugin for DronePlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<DroneRoster>()
            .init_resource::<Departures>()
            .init_resource::<Air>()
            .init_resource::<crate::deconflict::Reservations>()
            // Drone ids follow taxi ids.
            .add_systems(SimSetup, spawn_drones.after(crate::taxi::spawn_taxis))
            .add_systems(SimStep, assign_orders.in_set(SimSystems::Dispatch).after(crate::rebalance::rebalance_taxis))
            .add_systems(
                SimStep,
                (blow_wind, fly_drones).chain().in_set(SimSystems::Control).after(crate::taxi::advance_taxis),
            );
    }
}

/// Spawns every fleet's drones on pads in a ring around their vertiport.
pub fn spawn_drones(
    mut commands: Commands,
    town: Res<TownMap>,
    taxis: Res<crate::taxi::TaxiRoster>,
    mut roster: ResMut<DroneRoster>,
) {
    let mut id = taxis.0.len() as u32;
    let band_ceiling = town.scenario.map.airspace.band_ceiling_m;
    for (fleet, f) in town.scenario.fleets.drones.iter().enumerate() {
        let base = town.place(&f.base).expect("validated: drone bases are known places");
        for k in 0..f.count {
            let angle = std::f64::consts::TAU * f64::from(k) / f64::from(f.count);
            let radius = 6.0 + f64::from(f.count) * 0.8;
            let pad = town.place_pos[base] + Vec2::new(angle.cos() * radius, angle.sin() * radius);
            let drone = Drone {
                id,
                fleet,
                base,
                pad,
                cruise_mps: f.cruise_speed_mps,
                cruise_alt_m: f.cruise_alt_m,
                return_alt_m: (f.cruise_alt_m + RETURN_LAYER_M).min(band_ceiling),
                climb_mps: f.climb_mps,
                payload_kg: f.payload_kg,
                battery_wh: f.battery_wh,
                wh_per_km: f.wh_per_km,
            };
            let state = DroneState {
                phase: DronePhase::Ready,
                pos: [pad.x, pad.y, 0.0],
                vel: [0.0; 3],
                reference: [pad.x, pad.y, 0.0],
                ref_vel: [0.0; 3],
                prev_ref_vel: [0.0; 3],
                force: [0.0; 3],
                path: Vec::new(),
                next: 0,
                order: None,
                energy_wh: f.battery_wh,
                km: 0.0,
                path_version: 0,
                stranded: false,
            };
            roster.0.push(commands.spawn((drone, state)).id());
            id += 1;
        }
    }
}

/// Every dispatch period, launches ready drones with the oldest open orders they can fly, and
/// fails orders that cannot be flown.
pub fn assign_orders(
    clock: Res<SimClock>,
    town: Res<TownMap>,
    rules: Res<ActiveRules>,
    roster: Res<DroneRoster>,
    air: Res<Air>,
    mut reservations: ResMut<crate::deconflict::Reservations>,
    mut departures: ResMut<Departures>,
    mut requests: ResMut<Requests>,
    mut drones: Query<(&Drone, &mut DroneState)>,
    mut log: ResMut<EventLog>,
) {
    if !clock.every(ASSIGN_PERIOD_MS) {
        return;
    }
    let now = clock.now_ms;
    let waiting = requests.parcels.iter().any(|o| o.status == OrderStatus::Open);
    let wind = town.scenario.weather.wind_at(clock.time_of_day_s());
    let held = rules.wind_limit.filter(|&(max, _)| wind > max);
    if held.is_some() != departures.wind_held {
        departures.wind_held = held.is_some();
        let detail = match held {
            Some((max, rule)) => {
                format!("launches held: wind {wind:.1} m/s over {max:.1} m/s ({})", town.scenario.rules[rule].id)
            }
            None => format!("launches resume: wind {wind:.1} m/s"),
        };
        log.push(now, EventKind::WindHold, 0, [0.0; 3], detail);
    }
    // Orders wait while launches are held; those whose time runs out fail below, as any would.
    if held.is_some() && waiting {
        departures.wind_hold_ms += ASSIGN_PERIOD_MS;
    }
    // One drone at a time over a drop zone: places a drone is flying to, lowering a parcel at,
    // or still climbing away from, take no second drone.
    let mut busy_drop_zones: Vec<usize> = Vec::new();
    for &e in &roster.0 {
        let (_, state) = drones.get(e).expect("roster entities are drones");
        let climbing_away = state.phase == DronePhase::Returning && state.next <= 1;
        if matches!(state.phase, DronePhase::Outbound | DronePhase::Dropping { .. }) || climbing_away {
            busy_drop_zones.extend(state.order.map(|id| requests.parcels[id as usize].to));
        }
    }
    for order in requests.parcels.iter_mut().filter(|o| o.status == OrderStatus::Open) {
        let dest = town.place_pos[order.to];
        let at = [dest.x, dest.y, 0.0];
        if now > order.latest_launch_ms {
            order.status = OrderStatus::Failed { reason: "no drone could take it in time".into() };
            log.push(
                now,
                EventKind::OrderFail,
                order.id,
                at,
                format!("order {}: no drone could take it in time", order.id),
            );
            continue;
        }
        // A destination under a permanent volume can never be served.
        if let Some(v) =
            town.permanent_no_fly.iter().find(|v| v.floor_m <= DROP_HEIGHT_M && point_in_polygon(dest, &v.polygon))
        {
            let reason = format!("destination lies under no-fly volume \"{}\"", v.name);
            log.push(now, EventKind::OrderFail, order.id, at, format!("order {}: {reason}", order.id));
            order.status = OrderStatus::Failed { reason };
            continue;
        }
        if held.is_some()
            || departures.last.get(&order.from).is_some_and(|&t| now < t + LAUNCH_SPACING_MS)
            || busy_drop_zones.contains(&order.to)
        {
            continue;
        }
        for &e in &roster.0 {
            let (drone, mut state) = drones.get_mut(e).expect("roster entities are drones");
            let fleet = &town.scenario.fleets.drones[drone.fleet];
            if state.phase != DronePhase::Ready
                || drone.base != order.from
                || drone.payload_kg < order.weight_kg
                || !rules.fleet_open(&town, &fleet.name)
            {
                continue;
            }
            let (cruise, ret) = drone.altitudes(&rules);
            let Ok(out) = rules.flight_planner.plan(drone.pad, 0.0, dest, cruise, DROP_HEIGHT_M) else { break };
            let Ok(back) = rules.flight_planner.plan(dest, DROP_HEIGHT_M, drone.pad, ret, 0.0) else { break };
            // The round trip in the mean wind, with the drop, must leave the reserve.
            let aloft_s =
                drone.flight_time_s(&out, air.mean) + DROP_MS as f64 / 1000.0 + drone.flight_time_s(&back, air.mean);
            if aloft_s * drone.power_wh_per_s() > state.energy_wh - ENERGY_RESERVE * drone.battery_wh {
                continue;
            }
            let planned = crate::deconflict::trajectory(drone, &[(&out, DROP_MS), (&back, 0)], now, air.mean);
            if town.scenario.map.airspace.strategic_deconfliction {
                if reservations.conflict(drone.id, &planned, drone.pad).is_some() {
                    // The airspace is taken: the order waits for a later slot.
                    reservations.delay_ms += ASSIGN_PERIOD_MS;
                    reservations.delayed.insert(order.id);
                    break;
                }
                reservations.reserve(drone.id, &planned, drone.pad);
            }
            state.phase = DronePhase::Outbound;
            state.path = out;
            state.next = 1;
            state.order = Some(order.id);
            state.path_version = rules.version;
            order.status = OrderStatus::InFlight { drone: drone.id };
            order.launched_ms = Some(now);
            departures.last.insert(order.from, now);
            busy_drop_zones.push(order.to);
            log.push(
                now,
                EventKind::Launch,
                drone.id,
                state.pos,
                format!("order {} to {}", order.id, town.scenario.map.places[order.to].name),
            );
            break;
        }
    }
}

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

/// Moves every airborne drone one tick along its path through the wind, charges grounded ones,
/// and handles arrival over the garden and at home.
pub fn fly_drones(
    clock: Res<SimClock>,
    air: Res<Air>,
    mut reservations: ResMut<crate::deconflict::Reservations>,
    rules: Res<ActiveRules>,
    roster: Res<DroneRoster>,
    mut requests: ResMut<Requests>,
    mut drones: Query<(&Drone, &mut DroneState)>,
    mut log: ResMut<EventLog>,
) {
    let dt = clock.dt_s();
    let now = clock.now_ms;
    for &e in &roster.0 {
        let (drone, mut state) = drones.get_mut(e).expect("roster entities are drones");
        let state = &mut *state;
        match state.phase {
            DronePhase::Ready => {
                state.energy_wh = (state.energy_wh + CHARGE_W * dt / 3600.0).min(drone.battery_wh);
                continue;
            }
            DronePhase::Dropping { until_ms } => {
                state.ref_vel = [0.0; 3];
                fly(drone, state, air.velocity, dt, now, &mut log);
                if now < until_ms {
                    continue;
                }
                let here = Vec2::new(state.reference[0], state.reference[1]);
                // If the way home is shut for now, keep hovering and try again next tick.
                let Ok(back) =
                    rules.flight_planner.plan(here, state.reference[2], drone.pad, drone.altitudes(&rules).1, 0.0)
                else {
                    continue;
                };
                if let Some(id) = state.order {
                    let order = &mut requests.parcels[id as usize];
                    order.status = OrderStatus::Delivered;
                    order.delivered_ms = Some(now);
                    log.push(
                        now,
                        EventKind::Deliver,
                        drone.id,
                        state.pos,
                        format!("order {} in {:.0} s", id, (now - order.t_ms) as f64 / 1000.0),
                    );
                }
                state.phase = DronePhase::Returning;
                state.path = back;
                state.next = 1;
                state.path_version = rules.version;
                continue;
            }
            DronePhase::Outbound | DronePhase::Returning => {}
        }
        if state.path_version != rules.version {
            replan(state, drone, &rules);
            // The flight holds what it will now fly, without waiting for a free slot: it is
            // already in the air.
            if !reservations.is_empty() {
                let hold = if state.phase == DronePhase::Outbound { DROP_MS } else { 0 };
                let rest = [state.path[state.next.saturating_sub(1)..].to_vec()];
                let planned = crate::deconflict::trajectory(drone, &[(&rest[0], hold)], now, air.mean);
                reservations.reserve(drone.id, &planned, drone.pad);
            }
        }
        // The reference moves along the path at the speed the wind allows; the drone follows it.
        let before = state.reference;
        // The reference speeds up no faster than the airframe comfortably can.
        let top = (state.ref_vel[0].hypot(state.ref_vel[1])).hypot(state.ref_vel[2]) + EASE_MPS2 * 2.0 * dt;
        let mut time_left = dt;
        while time_left > 1e-9 && state.next < state.path.len() {
            let target = state.path[state.next];
            let to = [target.at.x, target.at.y, target.z_m];
            let d = [0, 1, 2].map(|i| to[i] - state.reference[i]);
            let dist = (d[0].hypot(d[1])).hypot(d[2]);
            // Ease into each waypoint at the speed its turn allows: straight on at full speed, a
            // right angle (a level-off, a corner round a volume) or the end of the leg from rest,
            // so the drone turns there instead of overshooting.
            let turn_mps = match state.path.get(state.next + 1) {
                Some(after) if dist > 1e-9 => {
                    let on = [after.at.x - to[0], after.at.y - to[1], after.z_m - to[2]];
                    let on_len = (on[0].hypot(on[1])).hypot(on[2]);
                    let cos =
                        if on_len > 1e-9 { (0..3).map(|i| d[i] * on[i]).sum::<f64>() / (dist * on_len) } else { 0.0 };
                    drone.leg_speed(to, [after.at.x, after.at.y, after.z_m], air.velocity) * cos.max(0.0)
                }
                _ => 0.0,
            };
            let speed = drone
                .leg_speed(state.reference, to, air.velocity)
                .min((turn_mps * turn_mps + 2.0 * EASE_MPS2 * dist).sqrt())
                .min(top)
                .max(EASE_MIN_MPS);
            let step = speed * time_left;
            if step >= dist {
                state.reference = to;
                time_left -= dist / speed;
                state.next += 1;
            } else {
                let k = step / dist;
                state.reference = [0, 1, 2].map(|i| state.reference[i] + d[i] * k);
                time_left = 0.0;
            }
        }
        state.ref_vel = [0, 1, 2].map(|i| (state.reference[i] - before[i]) / dt);
        fly(drone, state, air.velocity, dt, now, &mut log);
        let end = state.path.last().map(|w| [w.at.x, w.at.y, w.z_m]).unwrap_or(state.reference);
        let off = [0, 1, 2].map(|i| state.pos[i] - end[i]);
        let arrived = state.next >= state.path.len() && (off[0].hypot(off[1])).hypot(off[2]) < ARRIVE_M;
        if arrived {
            match state.phase {
                DronePhase::Outbound => state.phase = DronePhase::Dropping { until_ms: now + DROP_MS },
                _ => {
                    // Set down on the pad.
                    state.phase = DronePhase::Ready;
                    state.order = None;
                    state.pos = [drone.pad.x, drone.pad.y, 0.0];
                    state.reference = state.pos;
                    state.vel = [0.0; 3];
                    state.ref_vel = [0.0; 3];
                    state.prev_ref_vel = [0.0; 3];
                    state.force = [0.0; 3];
                    reservations.release(drone.id);
                    log.push(now, EventKind::Land, drone.id, state.pos, "back at base");
                }
            }
        }
    }
}

/// The flight controller: the force that brings the drone onto its reference, and the energy
/// that force costs.
///
/// A position and velocity loop (critically damped, [`CONTROL_RAD_S`]) asks for an
/// acceleration; thrust adds the weight and cancels the air's drag on the drone (it senses
/// its airspeed), up to [`MAX_THRUST_G`] times its weight. rapier integrates the thrust, the
/// drag and gravity; the drone's attitude is not modelled beyond the direction of its thrust.
/// Power grows with thrust to the power 1.5 (momentum theory), scaled so that steady cruise in
/// calm air draws the fleet's `wh_per_km` at cruise speed.
fn fly(drone: &Drone, state: &mut DroneState, wind: [f64; 2], dt: f64, now: u64, log: &mut EventLog) {
    let m = DRONE_MASS_KG;
    let (kp, kd) = (CONTROL_RAD_S * CONTROL_RAD_S, 2.0 * CONTROL_RAD_S);
    let air = [wind[0], wind[1], 0.0];
    let drag = [0, 1, 2].map(|i| m * DRAG_PER_S * (air[i] - state.vel[i]));
    // The reference's own acceleration is fed forward (within what the airframe gives), so a
    // smooth level-off is followed without lag.
    let acc = [0, 1, 2].map(|i| (state.ref_vel[i] - state.prev_ref_vel[i]) / dt);
    let acc_norm = (acc[0].hypot(acc[1])).hypot(acc[2]);
    let acc = acc.map(|a| if acc_norm > FEEDFORWARD_MPS2 { a * FEEDFORWARD_MPS2 / acc_norm } else { a });
    state.prev_ref_vel = state.ref_vel;
    let want =
        [0, 1, 2].map(|i| acc[i] + kp * (state.reference[i] - state.pos[i]) + kd * (state.ref_vel[i] - state.vel[i]));
    let mut thrust = [m * want[0] - drag[0], m * want[1] - drag[1], m * (want[2] + GRAVITY) - drag[2]];
    thrust[2] = thrust[2].max(0.0);
    let norm = (thrust[0].hypot(thrust[1])).hypot(thrust[2]);
    let max = MAX_THRUST_G * m * GRAVITY;
    if norm > max {
        thrust = thrust.map(|t| t * max / norm);
    }
    state.force = [0, 1, 2].map(|i| thrust[i] + drag[i]);
    let cruise = (GRAVITY.hypot(DRAG_PER_S * drone.cruise_mps)) * m;
    let ratio = (thrust[0].hypot(thrust[1])).hypot(thrust[2]) / cruise;
    state.energy_wh -= drone.power_wh_per_s() * ratio.powf(1.5) * dt;
    if state.energy_wh <= 0.0 && !state.stranded {
        state.stranded = true;
        let incident =
            crate::events::Incident { rule: None, other: None, value: state.energy_wh, limit: 0.0, severity: 3 };
        let detail = format!("battery empty at {:.0} m", state.pos[2]);
        log.incident(now, EventKind::Stranded, drone.id, state.pos, incident, detail);
    }
}

/// Re-plans the rest of a leg under the volumes now in force, from where the drone is.
fn replan(state: &mut DroneState, drone: &Drone, rules: &ActiveRules) {
    state.path_version = rules.version;
    let (Some(end), true) = (state.path.last().copied(), state.path.len() >= 2) else { return };
    let (cruise, ret) = drone.altitudes(rules);
    let altitude = if state.phase == DronePhase::Outbound { cruise } else { ret };
    let here = Vec2::new(state.reference[0], state.reference[1]);
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
impl Drone {
    /// A drone of the usual kind, for tests: 12 m/s, 60 m cruise, 500 Wh.
    pub(crate) fn sample(id: u32) -> Drone {
        Drone {
            id,
            fleet: 0,
            base: 0,
            pad: Vec2::new(0.0, 0.0),
            cruise_mps: 12.0,
            cruise_alt_m: 60.0,
            return_alt_m: 75.0,
            climb_mps: 3.0,
            payload_kg: 2.0,
            battery_wh: 500.0,
            wh_per_km: 25.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headwind_slows_tailwind_speeds_crosswind_costs_a_little() {
        let east = [1.0, 0.0];
        assert_eq!(ground_speed(12.0, east, [0.0, 0.0]), 12.0);
        assert_eq!(ground_speed(12.0, east, [-4.0, 0.0]), 8.0, "4 m/s on the nose");
        assert_eq!(ground_speed(12.0, east, [4.0, 0.0]), 16.0, "4 m/s from behind");
        let crab = ground_speed(12.0, east, [0.0, 4.0]);
        assert!((crab - 128f64.sqrt()).abs() < 1e-12, "heading into a 4 m/s crosswind: {crab}");
        assert_eq!(ground_speed(12.0, east, [-15.0, 0.0]), MIN_GROUND_MPS, "a wind it cannot beat");
    }

    #[test]
    fn a_round_trip_in_steady_wind_takes_longer_than_in_calm_air() {
        let drone = Drone::sample(0);
        let wp = |x: f64, z: f64| Waypoint { at: Vec2::new(x, 0.0), z_m: z };
        let out = [wp(0.0, 0.0), wp(0.0, 60.0), wp(1200.0, 60.0), wp(1200.0, 3.0)];
        let back = [wp(1200.0, 3.0), wp(1200.0, 75.0), wp(0.0, 75.0), wp(0.0, 0.0)];
        let calm = drone.flight_time_s(&out, [0.0, 0.0]);
        assert!((calm - (20.0 + 100.0 + 19.0)).abs() < 1e-9, "climb 20 s, cruise 100 s, descend 19 s: {calm}");
        let west_wind = [-4.0, 0.0];
        let head = drone.flight_time_s(&out, west_wind);
        let tail = drone.flight_time_s(&back, west_wind);
        assert!((head - (20.0 + 150.0 + 19.0)).abs() < 1e-9, "{head}");
        assert!((tail - (24.0 + 75.0 + 25.0)).abs() < 1e-9, "{tail}");
        let calm_trip = calm + drone.flight_time_s(&back, [0.0, 0.0]);
        assert!(head + tail > calm_trip, "what the tailwind gives back is less than the headwind took");
    }
}

//! Driving: every vehicle on the road, taxis and residents' cars alike, moved one tick along
//! its arcs. Each keeps the gap to the vehicle ahead, waits for junctions, gives way at
//! crossings in use, slows for bends and lower limits ahead, and stops at the kerb.
//!
//! A tick has three steps, so that no vehicle sees another half-moved: vehicles at the kerb
//! pull out and routes planned under old rules are planned again; every vehicle decides its
//! speed from everyone's positions at the start; then all move.

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;

use super::bend::turn_speed_mps;
use super::junction::{Junctions, claim_ahead, release, release_passed};
use super::kerb::{RemoteDesk, departure_cleared, park, pull_out, reach_stop, stop_offset};
use super::occupancy::Occupancy;
use super::route::{RouterScratch, reroute};
use super::{
    BRAKE_MPS2, CROSSING_STOP_M, CarTrip, CrossingState, Driver, EMERGENCY_BRAKE_MPS2, LIMIT_CREDIBILITY_GAP, OnRoad,
    Phase, STANDSTILL_M, STOP_LINE_M, Taxi, TaxiState,
};
use crate::clock::SimClock;
use crate::demand::RideRequest;
use crate::events::{EventKind, EventLog, Incident};
use crate::rules::ActiveRules;
use crate::town::TownMap;
use crate::watch::Watched;

/// Comfortable acceleration, m/s².
const ACCEL_MPS2: f64 = 1.5;
/// Time gap kept to the vehicle ahead, s.
const HEADWAY_S: f64 = 1.2;
/// Distance before a junction at which a vehicle asks to cross it at the latest, m; a faster
/// vehicle asks from its planned braking distance before the line.
const APPROACH_M: f64 = 30.0;
/// A vehicle this far past a crossing's stop line is committed and drives on, m: one that
/// stopped there yields, one that could not stop clears the crossing instead of standing on it.
const PAST_STOP_LINE_M: f64 = 1.0;

/// What control keeps from tick to tick: the vehicles it visits, and room to file them by arc.
#[derive(Default)]
pub struct Kept {
    watched: Watched,
    occupancy: Occupancy,
}

/// What one vehicle will do this tick, decided from everyone's positions at its start.
struct Move {
    entity: Entity,
    speed_mps: f64,
    advance_m: f64,
}

/// The road as every vehicle sees it this tick.
struct Road<'a> {
    town: &'a TownMap,
    rules: &'a ActiveRules,
    crossings: &'a CrossingState,
    dt: f64,
    now_ms: u64,
}

impl Road<'_> {
    /// The speed a driver keeps to on an arc when nothing is in the way.
    fn cruise_mps(&self, taxi: &Taxi, arc: u32) -> f64 {
        let (town, rules) = (self.town, self.rules);
        let posted = town.arc_posted_kmh[arc as usize];
        let kmh = match taxi.driver {
            // A road closed while a vehicle is on it may still be left at its posted speed.
            Driver::Level4 => Some(rules.arc_limit_kmh[arc as usize]).filter(|&l| l > 0.0).unwrap_or(posted),
            Driver::Human { speed_factor } => {
                let limit = Some(rules.car_limit_kmh[arc as usize]).filter(|&l| l > 0.0).unwrap_or(posted);
                speed_factor * (limit + LIMIT_CREDIBILITY_GAP * (posted - limit).max(0.0))
            }
        };
        taxi.max_speed_mps.min(kmh / 3.6)
    }

    /// Distance from `offset` on `arc` to the stop line of the first crossing in use ahead, if
    /// any.
    fn crossing_ahead(&self, arc: u32, offset: f64) -> Option<f64> {
        self.town.arc_crossings[arc as usize]
            .iter()
            .filter(|&&(c, at)| self.crossings.active[c] && at - CROSSING_STOP_M - offset > -PAST_STOP_LINE_M)
            .map(|&(_, at)| at - CROSSING_STOP_M - offset)
            .next()
    }
}

/// The fastest a vehicle may go and still stop (or slow to `v_end`) within `d` metres of
/// planned braking, m/s.
fn brake_within(d: f64, v_end: f64) -> f64 {
    (v_end * v_end + 2.0 * BRAKE_MPS2 * d.max(0.0)).sqrt()
}

/// The road's lane of movement: what moving every vehicle one tick reads and changes, but
/// for the riders, which the caller lends ([`Driving::advance`]).
#[derive(SystemParam)]
pub struct Driving<'w, 's> {
    clock: Res<'w, SimClock>,
    town: Res<'w, TownMap>,
    rules: Res<'w, ActiveRules>,
    crossings: Res<'w, CrossingState>,
    scratch: ResMut<'w, RouterScratch>,
    junctions: ResMut<'w, Junctions>,
    desk: ResMut<'w, RemoteDesk>,
    vehicles: Query<'w, 's, (Entity, &'static Taxi, &'static mut TaxiState, Option<&'static mut CarTrip>)>,
    log: ResMut<'w, EventLog>,
    driving: ResMut<'w, OnRoad>,
    kept: Local<'s, Kept>,
}

impl Driving<'_, '_> {
    /// Moves every driving vehicle one tick, the taxis and then the residents' cars: re-plans
    /// routes after rule changes, keeps the gap to the vehicle ahead, waits for junctions, gives
    /// way at crossings in use, slows for lower limits ahead and stops at the kerb; riders board
    /// and alight in `rides`. Braking is capped at [`EMERGENCY_BRAKE_MPS2`], so a person stepping
    /// out too close is passed or hit, not dodged by magic; only the gap to the vehicle ahead is
    /// held exactly (the gap model never drives through it).
    pub fn advance(&mut self, rides: &mut [RideRequest]) {
        let Driving { clock, town, rules, crossings, scratch, junctions, desk, vehicles, log, driving, kept } = self;
        advance_vehicles(clock, town, rules, crossings, scratch, junctions, desk, rides, vehicles, log, driving, kept);
    }
}

fn advance_vehicles(
    clock: &SimClock,
    town: &TownMap,
    rules: &ActiveRules,
    crossings: &CrossingState,
    scratch: &mut RouterScratch,
    junctions: &mut Junctions,
    desk: &mut RemoteDesk,
    rides: &mut [RideRequest],
    vehicles: &mut Query<(Entity, &Taxi, &mut TaxiState, Option<&mut CarTrip>)>,
    log: &mut EventLog,
    driving: &mut OnRoad,
    kept: &mut Kept,
) {
    let Kept { watched, occupancy } = kept;
    junctions.next_tick();
    // Where every driving vehicle is, sorted by arc, offset and id, to find leaders; how many
    // of each fleet's taxis are blocked; and which vehicles are on the road or pulling out onto
    // it, in roster order (ids ascending: taxis, then residents' cars). The rest (parked, at the
    // kerb, charging) stand as they are this tick and are not visited (see `Watched`): a vehicle
    // another system sends on its way is marked changed, and this one changes only those it
    // visits.
    occupancy.clear(town.graph().arc_count());
    let mut blocked = vec![0u32; town.scenario.fleets.taxis.len()];
    let mut on_road = Vec::new();
    // For each vehicle on the road, in the same order: whether it pulls out, has arrived where
    // it stands or drives a route of old rules (the first step's business).
    let mut care = Vec::new();
    let concerns = |state: &TaxiState| matches!(state.phase, Phase::PullingOut | Phase::Driving | Phase::Blocked);
    watched.learn(
        vehicles
            .iter_mut()
            .filter(|(_, _, state, _)| state.is_changed() && concerns(state))
            .map(|(e, taxi, ..)| (taxi.id, e)),
    );
    watched.visit(|e| {
        let (_, taxi, state, trip) = vehicles.get(e).expect("watched entities are vehicles");
        if let (Phase::Driving, Some(arc)) = (state.phase, state.arc) {
            occupancy.push(arc, state.offset_m, taxi.id, state.speed_mps);
        }
        if trip.is_none() {
            blocked[taxi.fleet] += u32::from(state.phase == Phase::Blocked);
        }
        if matches!(state.phase, Phase::PullingOut | Phase::Driving) {
            on_road.push(e);
            care.push(
                state.phase == Phase::PullingOut || state.route.is_empty() || state.route_version != rules.version,
            );
        }
        concerns(state)
    });
    #[cfg(debug_assertions)]
    {
        let mut every: Vec<(u32, Entity)> = Vec::new();
        let mut every_blocked = vec![0u32; blocked.len()];
        for (e, taxi, state, trip) in vehicles.iter() {
            if matches!(state.phase, Phase::PullingOut | Phase::Driving) {
                every.push((taxi.id, e));
            } else {
                debug_assert_eq!(
                    (state.at, state.heading),
                    state.pose(town),
                    "a standing vehicle is where it was posed"
                );
            }
            if trip.is_none() {
                every_blocked[taxi.fleet] += u32::from(state.phase == Phase::Blocked);
            }
        }
        every.sort_unstable_by_key(|&(id, _)| id);
        debug_assert!(
            every.iter().map(|&(_, e)| e).eq(on_road.iter().copied()),
            "every vehicle on the road is watched"
        );
        debug_assert_eq!(every_blocked, blocked, "every blocked taxi is watched");
    }
    occupancy.order_starts();
    for (&e, _) in on_road.iter().zip(&care).filter(|&(_, &care)| care) {
        let (_, taxi, mut state, trip) = vehicles.get_mut(e).expect("roster entities are vehicles");
        if state.phase == Phase::PullingOut {
            // Waiting at the kerb changes nothing another system reads (when the remote check
            // ends, which junction it asks for): it is marked changed only once it sets off, so
            // that the systems after control pass over the many that wait.
            let waiting = state.bypass_change_detection();
            if departure_cleared(taxi, waiting, rules, town, desk, blocked[taxi.fleet], clock) {
                pull_out(waiting, taxi.id, town, clock.now_ms, junctions, occupancy);
            }
            if waiting.phase == Phase::Driving {
                waiting.departure_check_ms = None;
                state.set_changed();
            }
            continue;
        }
        let state = &mut *state;
        if state.route.is_empty() {
            // Assigned where it stands: the stop is served without moving.
            match trip {
                Some(mut trip) => park(state, &mut trip, town),
                None => reach_stop(state, taxi, town, rides, log, clock.now_ms),
            }
        } else if state.route_version != rules.version {
            // Re-plan after rule changes, from the end of the arc it is on.
            let metric = if taxi.driver == Driver::Level4 { &rules.routes } else { &rules.car_routes };
            reroute(state, town, metric, rules.version, scratch);
        }
    }
    occupancy.sort();

    let road = Road { town, rules, crossings, dt: clock.dt_s(), now_ms: clock.now_ms };
    let mut moves = Vec::new();
    for (k, &e) in on_road.iter().enumerate() {
        if k % LOAD_AHEAD == 0 {
            load_routes(&on_road[k..], vehicles);
        }
        let (_, taxi, mut state, _) = vehicles.get_mut(e).expect("roster entities are vehicles");
        // Only a vehicle on the road moves (and is marked changed for it).
        if state.phase == Phase::Driving
            && let Some(m) = decide(&road, e, taxi, &mut state, junctions, occupancy)
        {
            moves.push(m);
        }
    }

    // Moves are applied in roster order, and each vehicle is posed once its own move is done:
    // a pose depends on the vehicle alone. Only a vehicle that was on the road or pulling out
    // can have moved, parked or stopped at the kerb this tick (the others are checked to stand
    // where they were posed, above); one still waiting to pull out stands where it was posed.
    let driving = driving.refill();
    let mut moves = moves.into_iter().peekable();
    for (k, &e) in on_road.iter().enumerate() {
        if k % LOAD_AHEAD == 0 {
            load_routes(&on_road[k..], vehicles);
        }
        let (_, taxi, mut state, trip) = vehicles.get_mut(e).expect("roster entities are vehicles");
        let moved = moves.next_if(|m| m.entity == e);
        if moved.is_none() && state.phase == Phase::PullingOut {
            debug_assert_eq!(
                (state.at, state.heading),
                state.pose(town),
                "a vehicle at the kerb is where it was posed"
            );
            continue;
        }
        let state = &mut *state;
        if let Some(m) = &moved
            && drive_on(state, taxi, m, town, clock.now_ms, log)
        {
            release(state, taxi.id, junctions);
            state.asking = None;
            match trip {
                Some(mut trip) => park(state, &mut trip, town),
                None => reach_stop(state, taxi, town, rides, log, clock.now_ms),
            }
        }
        (state.at, state.heading) = state.pose(town);
        if moved.is_some() {
            release_passed(state, taxi.id, town, junctions);
        }
        if let (Phase::Driving, Some(_)) = (state.phase, state.arc) {
            driving.push(e, taxi, state, town);
        }
    }
    debug_assert!(moves.next().is_none(), "every move is of a vehicle on the road, in its order");
}

/// Vehicles whose routes are read together ahead of the long loops over every vehicle
/// ([`load_routes`]).
const LOAD_AHEAD: usize = 32;

/// Reads where the next [`LOAD_AHEAD`] vehicles of `on_road` stand on their routes, so that
/// the loop about to visit them finds those parts of memory at hand. Each route lies on the
/// heap apart from the others, and the loops over every vehicle are long: reading a route
/// there for the first time made the simulation's thread wait on memory once per vehicle (a
/// tenth of its time at city scale); read in this short loop, whose reads do not wait on one
/// another, the waits overlap.
fn load_routes(on_road: &[Entity], vehicles: &Query<(Entity, &Taxi, &mut TaxiState, Option<&mut CarTrip>)>) {
    let mut seen = 0u32;
    for &e in on_road.iter().take(LOAD_AHEAD) {
        if let Ok((_, _, state, _)) = vehicles.get(e) {
            seen ^= state.route.get(state.route_i).copied().unwrap_or_default();
        }
    }
    // What was read is not needed; only that it was read.
    std::hint::black_box(seen);
}

/// One driving vehicle's speed and advance this tick: the least of its cruise speed, what the
/// bend and the limit ahead allow, a stop at a junction it does not hold (claiming it if it
/// may), giving way at a crossing in use, the gap to its leader, and its stop at the kerb.
fn decide(
    road: &Road,
    entity: Entity,
    taxi: &Taxi,
    state: &mut TaxiState,
    junctions: &mut Junctions,
    occupancy: &Occupancy,
) -> Option<Move> {
    let (Phase::Driving, Some(arc)) = (state.phase, state.arc) else { return None };
    let (town, dt) = (road.town, road.dt);
    let g = town.graph();
    let len = g.length_m(arc);
    let last = state.route_i + 1 >= state.route.len();
    let end = if last { stop_offset(town, arc) } else { len };
    let remaining = (end - state.offset_m).max(0.0);
    let mut limit = road.cruise_mps(taxi, arc);
    let mut room = f64::MAX;
    let mut junction_wait = None;
    let next = (!last).then(|| state.route[state.route_i + 1]);
    if let Some(next) = next {
        limit = limit.min(brake_within(remaining, road.cruise_mps(taxi, next).min(turn_speed_mps(town, arc, next))));
        // Ask early enough to stop at the line with planned braking when refused.
        let v = state.speed_mps;
        let approach = APPROACH_M.max(v * v / (2.0 * BRAKE_MPS2) + STOP_LINE_M + v * dt);
        let refusal = claim_ahead(state, taxi.id, arc, remaining, approach, road.now_ms, town, junctions, occupancy);
        if let Some(refusal) = refusal {
            limit = limit.min(brake_within(refusal.to_line, 0.0));
            room = room.min(refusal.to_line.max(0.0));
            junction_wait = refusal.waits_for;
        }
    } else {
        limit = limit.min(brake_within(remaining, 0.0));
        room = room.min(remaining);
    }
    // Give way at crossings in use, on this arc or just past the junction.
    let yield_at = road
        .crossing_ahead(arc, state.offset_m)
        .or_else(|| next.and_then(|n| road.crossing_ahead(n, 0.0)).map(|d| d + len - state.offset_m));
    if let Some(d) = yield_at {
        limit = limit.min(brake_within(d, 0.0));
    }
    let leader = match occupancy.leader(arc, state.offset_m, taxi.id) {
        Some(v) => Some((v.offset_m - state.offset_m, v.id)),
        None => next.and_then(|n| occupancy.last_on(n, taxi.id)).map(|v| (len - state.offset_m + v.offset_m, v.id)),
    };
    // What keeps it standing, if another vehicle does: the one ahead when it is close,
    // otherwise whoever it waits for at the junction.
    state.waits_for = junction_wait;
    if let Some((gap, leader)) = leader {
        let free = (gap - STANDSTILL_M).max(0.0);
        limit = limit.min(free / HEADWAY_S).min(brake_within(free, 0.0));
        room = room.min(free);
        if free < 1.0 {
            state.waits_for = Some(leader);
        }
    }
    if state.stranded {
        // Out of energy: it rolls to a stop and stands in its lane.
        limit = 0.0;
    }
    let mut speed = (state.speed_mps + ACCEL_MPS2 * dt).min(limit).max(0.0);
    if let Some(n) = next
        && speed * dt >= remaining
    {
        // Crossing into the next arc this tick: arrive there within its limit and the bend's.
        speed = speed.min(road.cruise_mps(taxi, n)).min(turn_speed_mps(town, arc, n));
    }
    // No vehicle stops harder than an emergency stop.
    speed = speed.max(state.speed_mps - EMERGENCY_BRAKE_MPS2 * dt);
    Some(Move { entity, speed_mps: speed, advance_m: (speed * dt).min(room) })
}

/// Applies a vehicle's move: distance and energy (a Level-4 vehicle running flat is an
/// incident), then along its route into the arcs ahead. Returns whether it reached the kerb
/// at the end of its route.
fn drive_on(state: &mut TaxiState, taxi: &Taxi, m: &Move, town: &TownMap, now_ms: u64, log: &mut EventLog) -> bool {
    state.speed_mps = m.speed_mps;
    if m.advance_m > 0.0 {
        state.stopped_since_ms = None;
        state.in_gridlock = false;
    } else {
        state.stopped_since_ms.get_or_insert(now_ms);
    }
    let km = m.advance_m / 1000.0;
    state.km += km;
    state.energy_kwh -= km * taxi.kwh_per_km;
    if taxi.driver == Driver::Level4 && state.energy_kwh <= 0.0 && !state.stranded {
        state.stranded = true;
        let (at, _) = state.pose(town);
        let incident = Incident {
            rule: None,
            other: None,
            value: state.energy_kwh,
            limit: 0.0,
            severity: if state.onboard.is_empty() { 2 } else { 3 },
        };
        let detail = format!("out of energy with {} aboard", state.onboard.len());
        log.incident(now_ms, EventKind::Stranded, taxi.id, [at.x, at.y, 0.0], incident, detail);
    }
    if state.onboard.is_empty() {
        state.empty_km += km;
    }
    state.offset_m += m.advance_m;
    let g = town.graph();
    loop {
        let arc = state.arc.expect("driving vehicles are on an arc");
        let len = g.length_m(arc);
        if state.route_i + 1 >= state.route.len() {
            if stop_offset(town, arc) - state.offset_m < 0.5 {
                state.offset_m = stop_offset(town, arc);
                state.node = g.head(arc);
                return true;
            }
            return false;
        }
        if state.offset_m < len {
            return false;
        }
        state.offset_m -= len;
        state.route_i += 1;
        state.arc = Some(state.route[state.route_i]);
        state.node = g.head(state.route[state.route_i]);
    }
}

//! The kerb: where a vehicle stops on an arc, serving a stop (boarding, alighting, charging,
//! waiting for riders), dwelling, and pulling out into traffic after a remote operator's
//! departure check; residents' cars park.

use bevy::prelude::*;

use super::junction::{Junctions, claim_pull_out, release};
use super::occupancy::Occupancy;
use super::route::{RouterScratch, start_next_leg};
use super::{CarTrip, Driver, Phase, STANDSTILL_M, StopKind, Taxi, TaxiState};
use crate::clock::SimClock;
use crate::demand::{RequestStatus, RideRequest};
use crate::events::{EventKind, EventLog};
use crate::rules::ActiveRules;
use crate::town::TownMap;
use crate::watch::Watched;

/// Time at the kerb to let a rider board.
pub const PICKUP_DWELL_MS: u64 = 30_000;
/// Time at the kerb to let a rider alight.
pub const DROPOFF_DWELL_MS: u64 = 45_000;
/// Time a remote operator takes to confirm a Level-4 vehicle's departure from a stop.
pub const DEPARTURE_CHECK_MS: u64 = 5_000;
/// Kerbside stops are this far before the junction at the end of the arc, m.
const STOP_BEFORE_JUNCTION_M: f64 = 12.0;

/// Remote operators per taxi fleet: when each one's current departure check ends.
#[derive(Resource, Debug, Default)]
pub struct RemoteDesk {
    checks: Vec<Vec<u64>>,
    /// Time vehicles waited for a free operator, ms.
    pub wait_ms: u64,
}

impl RemoteDesk {
    /// Starts a departure check for a vehicle of `fleet` if an operator is free; its end time.
    fn start_check(&mut self, fleet: usize, operators: u32, blocked: u32, now_ms: u64) -> Option<u64> {
        if self.checks.len() <= fleet {
            self.checks.resize(fleet + 1, Vec::new());
        }
        let busy = &mut self.checks[fleet];
        busy.retain(|&end| end > now_ms);
        // A vehicle standing blocked keeps its operator busy.
        let free = operators.saturating_sub(blocked) as usize > busy.len();
        free.then(|| {
            busy.push(now_ms + DEPARTURE_CHECK_MS);
            now_ms + DEPARTURE_CHECK_MS
        })
    }
}

/// Where on `arc` a vehicle stops for a kerbside stop.
pub(super) fn stop_offset(town: &TownMap, arc: u32) -> f64 {
    let len = town.graph().length_m(arc);
    (len - STOP_BEFORE_JUNCTION_M).max(len * 0.5)
}

fn arrive(state: &mut TaxiState, now_ms: u64) {
    let kind = state.stops.front().map(|s| s.kind);
    let dwell = if kind == Some(StopKind::Pickup) { PICKUP_DWELL_MS } else { DROPOFF_DWELL_MS };
    debug_assert_ne!(kind, Some(StopKind::Charge), "a charging stop is not a dwell");
    state.speed_mps = 0.0;
    state.phase = Phase::Dwelling { until_ms: now_ms + dwell };
}

/// Ends dwells that are over: riders are aboard or gone, and the vehicle sets off or parks.
/// Vehicles blocked or pulling out plan again when the rules changed.
///
/// Only vehicles dwelling, blocked or pulling out are visited (see [`Watched`]).
pub fn finish_dwells(
    clock: Res<SimClock>,
    town: Res<TownMap>,
    rules: Res<ActiveRules>,
    mut scratch: ResMut<RouterScratch>,
    mut taxis: Query<(Entity, &Taxi, &mut TaxiState), Without<CarTrip>>,
    mut watched: Local<Watched>,
) {
    let concerns =
        |state: &TaxiState| matches!(state.phase, Phase::Dwelling { .. } | Phase::Blocked | Phase::PullingOut);
    watched.learn(
        taxis.iter_mut().filter(|(_, _, state)| state.is_changed() && concerns(state)).map(|(e, taxi, _)| (taxi.id, e)),
    );
    watched.visit(|e| {
        let (_, _, mut state) = taxis.get_mut(e).expect("watched entities are taxis");
        // Read before borrowed for writing: only a vehicle that acts is marked changed.
        match state.phase {
            Phase::Dwelling { until_ms } if clock.now_ms >= until_ms => {
                state.stops.pop_front();
                start_next_leg(&mut state, &town, &rules, &mut scratch);
            }
            Phase::Blocked if state.route_version != rules.version => {
                start_next_leg(&mut state, &town, &rules, &mut scratch)
            }
            // A route planned under rules that changed before pulling out is planned again.
            Phase::PullingOut if state.route_version != rules.version => {
                start_next_leg(&mut state, &town, &rules, &mut scratch)
            }
            _ => {}
        }
        concerns(&state)
    });
    debug_assert_eq!(
        watched.len(),
        taxis.iter().filter(|(_, _, state)| concerns(state)).count(),
        "every vehicle dwelling, blocked or pulling out is watched"
    );
}

/// Whether a Level-4 vehicle pulling out may go: under remote monitoring an operator confirms
/// every departure first, and one is free only if the fleet's `blocked` vehicles leave one.
/// Counts the wait for a free operator.
pub(super) fn departure_cleared(
    taxi: &Taxi,
    state: &mut TaxiState,
    rules: &ActiveRules,
    town: &TownMap,
    desk: &mut RemoteDesk,
    blocked: u32,
    clock: &SimClock,
) -> bool {
    let (Driver::Level4, Some((per_operator, _))) = (taxi.driver, rules.operators[taxi.fleet]) else { return true };
    let check = match state.departure_check_ms {
        Some(end) => Some(end),
        None => {
            let operators = town.scenario.fleets.taxis[taxi.fleet].count.div_ceil(per_operator);
            desk.start_check(taxi.fleet, operators, blocked, clock.now_ms)
        }
    };
    state.departure_check_ms = check;
    match check {
        None => {
            desk.wait_ms += u64::from(clock.tick_ms);
            false
        }
        Some(end) => end <= clock.now_ms,
    }
}

/// Enters the first arc of the route from the kerb when the junction is free and nobody is
/// within a standstill gap of the arc's start.
pub(super) fn pull_out(
    state: &mut TaxiState,
    id: u32,
    town: &TownMap,
    now_ms: u64,
    junctions: &mut Junctions,
    occupancy: &mut Occupancy,
) {
    let first = state.route[0];
    let node = town.graph().tail(first);
    if occupancy.crowded_start(first, STANDSTILL_M) {
        return;
    }
    release(state, id, junctions);
    if town.controlled[node as usize] && !claim_pull_out(state, id, node, first, now_ms, town, junctions) {
        return;
    }
    state.arc = Some(first);
    state.offset_m = 0.0;
    state.speed_mps = 0.0;
    state.phase = Phase::Driving;
    (state.stopped_since_ms, state.waits_for, state.in_gridlock) = (None, None, false);
    occupancy.push(first, 0.0, id, 0.0);
}

/// Parks a car that has reached its destination: it leaves the street.
pub fn park(state: &mut TaxiState, trip: &mut CarTrip, town: &TownMap) {
    state.phase = Phase::Idle;
    state.arc = None;
    state.speed_mps = 0.0;
    state.route.clear();
    state.node = town.place_node[trip.place];
    state.depot_slot = town.place_pos[trip.place];
    trip.driving = false;
}

/// Serves the stop the vehicle has reached: boards or drops its rider and starts the dwell.
pub(super) fn reach_stop(
    state: &mut TaxiState,
    taxi: &Taxi,
    town: &TownMap,
    rides: &mut [RideRequest],
    log: &mut EventLog,
    now_ms: u64,
) {
    let Some(stop) = state.stops.front().copied() else {
        state.phase = Phase::Idle;
        return;
    };
    let (at, _) = state.pose(town);
    if stop.kind == StopKind::Reposition {
        // Arrived where riders are expected: park at the kerb and wait for one.
        state.stops.pop_front();
        state.speed_mps = 0.0;
        state.phase = Phase::Idle;
        return;
    }
    if stop.kind == StopKind::Charge {
        state.speed_mps = 0.0;
        state.phase = Phase::Charging;
        state.charges += 1;
        log.push(now_ms, EventKind::Charge, taxi.id, [at.x, at.y, 0.0], "charging at the depot");
        return;
    }
    let r = &mut rides[stop.request as usize];
    match stop.kind {
        StopKind::Pickup => {
            r.status = RequestStatus::OnBoard;
            r.pickup_ms = Some(now_ms);
            r.shared |= !state.onboard.is_empty();
            for &other in &state.onboard {
                rides[other as usize].shared = true;
            }
            let r = &rides[stop.request as usize];
            state.onboard.push(r.id);
            log.push(
                now_ms,
                EventKind::Pickup,
                taxi.id,
                [at.x, at.y, 0.0],
                format!("request {} waited {:.0} s", r.id, (now_ms - r.t_ms) as f64 / 1000.0),
            );
        }
        StopKind::Charge | StopKind::Reposition => unreachable!("handled above"),
        StopKind::Dropoff => {
            r.status = RequestStatus::Done;
            r.dropoff_ms = Some(now_ms);
            state.onboard.retain(|&id| id != r.id);
            log.push(now_ms, EventKind::Dropoff, taxi.id, [at.x, at.y, 0.0], format!("request {}", r.id));
        }
    }
    arrive(state, now_ms);
}

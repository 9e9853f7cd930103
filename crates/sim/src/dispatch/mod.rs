//! Dispatch: each round, open ride requests are matched with vehicles by the scenario's policy.
//!
//! - `Nearest`: oldest request first, to the idle vehicle that reaches it soonest.
//! - `BatchMatching`: every open request and idle vehicle at once, the assignment with the
//!   least total pickup time among those serving as many requests as possible.
//! - `Pooling`: oldest request first, inserted into the stop sequence of the vehicle, idle or
//!   busy, where it adds the least time (vehicle time plus the new rider's wait), provided every
//!   rider keeps to their latest pickup and their longest ride and no seat is double-booked.
//!
//! Travel-time tables ([`table()`]) come from the routing core's hierarchy; large ones run on the
//! compute task pool in fixed chunks of sources. Every entry is computed on its own, so the
//! result does not depend on the thread count. Matching is [`mod@assignment`]'s, pooling by
//! insertion [`pooling`]'s.

pub mod assignment;
pub mod pooling;
pub mod table;

use bevy::prelude::*;
use pilotzone_routing::UNREACHED;
use pilotzone_scenario::DispatchPolicy;

use crate::clock::SimClock;
use crate::demand::{RequestStatus, Requests};
use crate::events::{EventKind, EventLog};
use crate::roster::TaxiRoster;
use crate::rules::ActiveRules;
use crate::town::TownMap;
use crate::vehicle::{Phase, RouterScratch, Stop, StopKind, Taxi, TaxiState, redirect, start_next_leg};

pub use assignment::assignment;
pub use table::table;

/// What a dispatch round needs from the world.
#[derive(bevy::ecs::system::SystemParam)]
pub struct DispatchContext<'w> {
    /// The clock.
    pub clock: Res<'w, SimClock>,
    /// The town.
    pub town: Res<'w, TownMap>,
    /// The rules in force.
    pub rules: Res<'w, ActiveRules>,
    /// Taxis in id order.
    pub roster: Res<'w, TaxiRoster>,
    /// Event log.
    pub log: ResMut<'w, EventLog>,
}

/// Every dispatch period, matches open requests with vehicles by the scenario's policy.
pub fn dispatch_taxis(
    mut cx: DispatchContext,
    mut scratch: ResMut<RouterScratch>,
    mut requests: ResMut<Requests>,
    mut taxis: Query<(&Taxi, &mut TaxiState)>,
) {
    let settings = &cx.town.scenario.dispatch;
    if !cx.clock.every(u64::from(settings.period_s) * 1000) {
        return;
    }
    match settings.policy {
        DispatchPolicy::Nearest | DispatchPolicy::BatchMatching => {
            match_idle(&mut cx, &mut scratch, &mut requests, &mut taxis)
        }
        DispatchPolicy::Pooling => pooling::pool(&mut cx, &mut scratch, &mut requests, &mut taxis),
    }
}

/// Rejects open requests whose rider has waited too long.
pub fn expire_requests(
    clock: Res<SimClock>,
    town: Res<TownMap>,
    mut requests: ResMut<Requests>,
    mut log: ResMut<EventLog>,
) {
    let open = requests.open_rides();
    for r in
        requests.rides[open].iter_mut().filter(|r| r.status == RequestStatus::Open && clock.now_ms > r.latest_pickup_ms)
    {
        r.status = RequestStatus::Rejected;
        let at = town.place_pos[r.from];
        log.push(clock.now_ms, EventKind::Reject, r.id, [at.x, at.y, 0.0], "no vehicle could arrive in time");
    }
}

/// Whether a vehicle is moving empty toward expected riders, with nothing else to do.
fn repositioning(state: &TaxiState) -> bool {
    state.stops.len() == 1 && state.stops[0].kind == StopKind::Reposition
}

/// Whether a vehicle may take work now: its fleet is in service, it is not low on charge, and
/// it is not on its way to charge.
fn available(cx: &DispatchContext, taxi: &Taxi, state: &TaxiState) -> bool {
    let fleet = &cx.town.scenario.fleets.taxis[taxi.fleet];
    cx.rules.fleet_open(&cx.town, &fleet.name)
        && state.energy_kwh >= fleet.recharge_below * fleet.battery_kwh
        && !state.stranded
        && state.stops.iter().all(|s| s.kind != StopKind::Charge)
}

/// `Nearest` and `BatchMatching`: idle vehicles only, one request each.
fn match_idle(
    cx: &mut DispatchContext,
    scratch: &mut RouterScratch,
    requests: &mut Requests,
    taxis: &mut Query<(&Taxi, &mut TaxiState)>,
) {
    let now = cx.clock.now_ms;
    let mut idle: Vec<(u32, Entity, u32)> = Vec::new();
    for &e in &cx.roster.0 {
        let (taxi, state) = taxis.get(e).expect("roster entities are taxis");
        if !available(cx, taxi, state) {
            continue;
        }
        if state.phase == Phase::Idle {
            idle.push((taxi.id, e, state.node));
        } else if repositioning(state) {
            // Free for work on its way: it can turn at the end of the arc it is on.
            let node = match (state.phase, state.arc) {
                (Phase::Driving, Some(arc)) if !state.route.is_empty() => cx.town.graph().head(arc),
                _ => state.node,
            };
            idle.push((taxi.id, e, node));
        }
    }
    let open: Vec<usize> = requests.open_rides().filter(|&i| requests.rides[i].status == RequestStatus::Open).collect();
    if idle.is_empty() || open.is_empty() {
        return;
    }
    let town = &*cx.town;
    let left_ms = |j: usize| requests.rides[j].latest_pickup_ms.saturating_sub(now).min(u64::from(u32::MAX - 1)) as u32;
    let limit = open.iter().map(|&j| left_ms(j)).max().unwrap_or(0);
    let sources: Vec<u32> = idle.iter().map(|&(_, _, node)| node).collect();
    let targets: Vec<u32> = open.iter().map(|&j| town.place_node[requests.rides[j].from]).collect();
    let eta = table(&town.cch, &cx.rules.routes, (&mut scratch.pool, &mut scratch.targets), &sources, &targets, limit);
    let feasible =
        |i: usize, k: usize| Some(eta[i * open.len() + k]).filter(|&d| d != UNREACHED && d <= left_ms(open[k]));

    // (request index in `open`, vehicle index in `idle`) pairs, in request order.
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    match town.scenario.dispatch.policy {
        DispatchPolicy::BatchMatching => {
            let cost: Vec<Option<u64>> = (0..open.len())
                .flat_map(|k| (0..idle.len()).map(move |i| (k, i)))
                .map(|(k, i)| feasible(i, k).map(u64::from))
                .collect();
            pairs = assignment(open.len(), idle.len(), &cost)
                .into_iter()
                .enumerate()
                .filter_map(|(k, i)| i.map(|i| (k, i)))
                .collect();
        }
        _ => {
            let mut taken = vec![false; idle.len()];
            for k in 0..open.len() {
                let best = (0..idle.len())
                    .filter(|&i| !taken[i])
                    .filter_map(|i| feasible(i, k).map(|d| (d, idle[i].0, i)))
                    .min();
                if let Some((_, _, i)) = best {
                    taken[i] = true;
                    pairs.push((k, i));
                }
            }
        }
    }
    for (k, i) in pairs {
        let r = &mut requests.rides[open[k]];
        let (pickup, dropoff) = (town.place_node[r.from], town.place_node[r.to]);
        let Some(direct) = scratch.query.distance(&town.cch, &cx.rules.routes, pickup, dropoff) else {
            continue;
        };
        let (taxi_id, entity, _) = idle[i];
        let eta_ms = eta[i * open.len() + k];
        let (_, mut state) = taxis.get_mut(entity).expect("roster entities are taxis");
        let was_moving = state.phase == Phase::Driving && !state.route.is_empty();
        state.stops.clear();
        state.stops.push_back(Stop { request: r.id, kind: StopKind::Pickup, node: pickup, leg_ms: eta_ms });
        state.stops.push_back(Stop { request: r.id, kind: StopKind::Dropoff, node: dropoff, leg_ms: direct });
        r.status = RequestStatus::Assigned { taxi: taxi_id };
        r.direct_ms = direct;
        let (at, _) = state.pose(town);
        cx.log.push(
            now,
            EventKind::Assign,
            taxi_id,
            [at.x, at.y, 0.0],
            format!("request {} eta {:.0} s", r.id, f64::from(eta_ms) / 1000.0),
        );
        if was_moving {
            redirect(&mut state, town, &cx.rules, scratch);
        } else {
            start_next_leg(&mut state, town, &cx.rules, scratch);
        }
    }
}

//! `Pooling`: each open request, oldest first, is inserted into the stop sequence of the vehicle,
//! idle or busy, where it adds the least time, provided every rider keeps to their latest pickup
//! and their longest ride and no seat is double-booked.

use bevy::prelude::*;
use pilotzone_routing::UNREACHED;

use super::table::one_to_many;
use super::{DispatchContext, available};
use crate::demand::{RequestStatus, Requests};
use crate::events::EventKind;
use crate::town::TownMap;
use crate::vehicle::{
    DROPOFF_DWELL_MS, PICKUP_DWELL_MS, Phase, RouterScratch, Stop, StopKind, Taxi, TaxiState, redirect, start_next_leg,
};

/// Longest horizon of the searches that price a pooled insertion, ms.
const POOL_HORIZON_MS: u32 = 3_600_000;

/// Where a vehicle's plan starts and what it already holds, for pricing insertions.
#[derive(Clone, Debug)]
struct Plan {
    entity: Entity,
    taxi_id: u32,
    seats: usize,
    /// Node the plan continues from, and when the vehicle is ready to leave it.
    origin: u32,
    t0_ms: u64,
    /// Stops before this index are being served and stay where they are.
    first: usize,
    /// Riders aboard at `t0_ms`.
    load: usize,
    /// Stop sequence from `first`, with the travel time into each stop.
    stops: Vec<Stop>,
}

fn dwell(kind: StopKind) -> u64 {
    match kind {
        StopKind::Pickup => PICKUP_DWELL_MS,
        StopKind::Dropoff | StopKind::Charge | StopKind::Reposition => DROPOFF_DWELL_MS,
    }
}

impl Plan {
    /// The plan of a vehicle that can take more work, if it can.
    fn of(
        taxi: &Taxi,
        state: &TaxiState,
        entity: Entity,
        town: &TownMap,
        metric: &pilotzone_routing::Metric,
        now: u64,
    ) -> Option<Plan> {
        let g = town.graph();
        if state.stops.iter().any(|s| s.kind == StopKind::Charge) {
            return None;
        }
        let mut stops: Vec<Stop> = state.stops.iter().copied().filter(|s| s.kind != StopKind::Reposition).collect();
        let (origin, t0_ms, first) = match state.phase {
            Phase::Idle | Phase::PullingOut => (state.node, now, 0),
            Phase::Driving if !state.route.is_empty() => {
                let arc = state.arc?;
                let len = g.length_m(arc).max(1e-6);
                let left = f64::from(metric[arc as usize].min(UNREACHED - 1)) * (1.0 - state.offset_m / len).max(0.0);
                if let Some(s) = stops.first_mut() {
                    // The rest of the route, from the end of this arc.
                    s.leg_ms =
                        state.route[state.route_i + 1..].iter().map(|&a| metric[a as usize].min(UNREACHED - 1)).sum();
                }
                (g.head(arc), now + left as u64, 0)
            }
            Phase::Driving => {
                let s = *stops.first()?;
                (s.node, now + dwell(s.kind), 1)
            }
            Phase::Dwelling { until_ms } => (stops.first()?.node, until_ms.max(now), 1),
            Phase::Blocked | Phase::Charging => return None,
        };
        Some(Plan {
            entity,
            taxi_id: taxi.id,
            seats: usize::from(taxi.seats),
            origin,
            t0_ms,
            first,
            load: state.onboard.len(),
            stops: stops.split_off(first),
        })
    }
}

/// Travel times around one new request: to and from its pickup and its drop-off.
struct Around {
    to_pickup: Vec<u32>,
    from_pickup: Vec<u32>,
    to_dropoff: Vec<u32>,
    from_dropoff: Vec<u32>,
    /// Nodes the vectors are indexed by, sorted.
    nodes: Vec<u32>,
    direct_ms: u32,
}

impl Around {
    fn at(v: &[u32], nodes: &[u32], node: u32) -> u32 {
        nodes.binary_search(&node).map_or(UNREACHED, |i| v[i])
    }
}

/// One rider's limits and, for riders aboard, when they boarded.
#[derive(Clone, Copy, Debug)]
struct Rider {
    latest_pickup_ms: u64,
    longest_ride_ms: u64,
    boarded_ms: Option<u64>,
}

/// The schedule of a stop sequence: its end, the new rider's pickup arrival, or `None` if a
/// limit or a seat count is broken.
fn schedule(
    plan: &Plan,
    stops: &[Stop],
    rider: &dyn Fn(u32) -> Rider,
    slack: &dyn Fn(u32, StopKind) -> Option<u64>,
    new_request: Option<u32>,
) -> Option<(u64, u64)> {
    let mut t = plan.t0_ms;
    let mut load = plan.load;
    let mut boarded: Vec<(u32, u64)> = Vec::new();
    let mut pickup_at = t;
    for s in stops {
        let leg = s.leg_ms;
        if leg == UNREACHED {
            return None;
        }
        if matches!(s.kind, StopKind::Charge | StopKind::Reposition) {
            // Plans hold riders' stops only.
            return None;
        }
        t += u64::from(leg);
        let r = rider(s.request);
        match s.kind {
            StopKind::Pickup => {
                // An existing rider already promised a later pickup keeps that promise.
                let latest = r.latest_pickup_ms.max(slack(s.request, StopKind::Pickup).unwrap_or(0));
                if t > latest {
                    return None;
                }
                load += 1;
                if load > plan.seats {
                    return None;
                }
                boarded.push((s.request, t));
                if Some(s.request) == new_request {
                    pickup_at = t;
                }
            }
            StopKind::Dropoff => {
                let since = boarded.iter().find(|b| b.0 == s.request).map(|b| b.1).or(r.boarded_ms)?;
                let longest = r.longest_ride_ms.max(slack(s.request, StopKind::Dropoff).unwrap_or(0));
                if t.saturating_sub(since) > longest {
                    return None;
                }
                load = load.saturating_sub(1);
            }
            StopKind::Charge | StopKind::Reposition => {}
        }
        t += dwell(s.kind);
    }
    Some((t, pickup_at))
}

/// The plan's stops with a new request's pickup put before stop `i` and its drop-off before
/// stop `k` (`i <= k`, indices of the plan as it was), every travel time into a stop updated;
/// `None` where the pickup cannot be reached from the stop before it.
fn insert_request(
    plan: &Plan,
    around: &Around,
    request: u32,
    (pickup, dropoff): (u32, u32),
    (i, k): (usize, usize),
) -> Option<Vec<Stop>> {
    let node_before = |x: usize| if x == 0 { plan.origin } else { plan.stops[x - 1].node };
    let into_pickup = Around::at(&around.to_pickup, &around.nodes, node_before(i));
    if into_pickup == UNREACHED {
        return None;
    }
    let into_dropoff =
        if k == i { around.direct_ms } else { Around::at(&around.to_dropoff, &around.nodes, node_before(k)) };
    let mut stops = plan.stops.clone();
    // Drop-off first, so the pickup's index stays valid.
    stops.insert(k, Stop { request, kind: StopKind::Dropoff, node: dropoff, leg_ms: into_dropoff });
    if let Some(next) = stops.get_mut(k + 1) {
        next.leg_ms = Around::at(&around.from_dropoff, &around.nodes, next.node);
    }
    stops.insert(i, Stop { request, kind: StopKind::Pickup, node: pickup, leg_ms: into_pickup });
    if k > i {
        stops[i + 1].leg_ms = Around::at(&around.from_pickup, &around.nodes, stops[i + 1].node);
    }
    Some(stops)
}

/// The cheapest place in `plan` for a new request's pickup and drop-off, as (added time, pickup
/// index, drop-off index): the vehicle's added time plus the new rider's wait, keeping every
/// promise the current plan makes; none if no place keeps them.
fn cheapest_insertion(
    plan: &Plan,
    around: &Around,
    new_id: u32,
    (pickup, dropoff): (u32, u32),
    rider: &dyn Fn(u32) -> Rider,
    now: u64,
) -> Option<(u64, usize, usize)> {
    // Promises made before: the times the current plan keeps, which an insertion may not break
    // even where the current plan is already late.
    let mut base_pickup: Vec<(u32, u64)> = Vec::new();
    let mut base_ride: Vec<(u32, u64)> = Vec::new();
    {
        let (mut t, mut since): (u64, Vec<(u32, u64)>) = (plan.t0_ms, Vec::new());
        for s in &plan.stops {
            t += u64::from(s.leg_ms.min(UNREACHED - 1));
            match s.kind {
                StopKind::Pickup => {
                    base_pickup.push((s.request, t));
                    since.push((s.request, t));
                }
                StopKind::Dropoff => {
                    let from = since.iter().find(|b| b.0 == s.request).map(|b| b.1).or(rider(s.request).boarded_ms);
                    base_ride.push((s.request, from.map_or(0, |f| t.saturating_sub(f))));
                }
                StopKind::Charge | StopKind::Reposition => {}
            }
            t += dwell(s.kind);
        }
    }
    let slack = |id: u32, kind: StopKind| -> Option<u64> {
        let list = if kind == StopKind::Pickup { &base_pickup } else { &base_ride };
        list.iter().find(|b| b.0 == id).map(|b| b.1)
    };
    let (base_end, _) = schedule(plan, &plan.stops, rider, &slack, None)?;
    let mut best: Option<(u64, usize, usize)> = None;
    let n = plan.stops.len();
    for i in 0..=n {
        for k in i..=n {
            let Some(stops) = insert_request(plan, around, new_id, (pickup, dropoff), (i, k)) else { continue };
            let Some((end, pickup_at)) = schedule(plan, &stops, rider, &slack, Some(new_id)) else { continue };
            let key = ((end - base_end) + (pickup_at - now), i, k);
            if best.is_none_or(|b| key < b) {
                best = Some(key);
            }
        }
    }
    best
}

/// `Pooling`: each open request, oldest first, goes where it adds the least time.
pub(super) fn pool(
    cx: &mut DispatchContext,
    scratch: &mut RouterScratch,
    requests: &mut Requests,
    taxis: &mut Query<(&Taxi, &mut TaxiState)>,
) {
    let now = cx.clock.now_ms;
    let town = &*cx.town;
    let metric = &cx.rules.metric;
    let max_detour = town.scenario.dispatch.max_detour;
    let mut plans: Vec<Plan> = Vec::new();
    for &e in &cx.roster.0 {
        let (taxi, state) = taxis.get(e).expect("roster entities are taxis");
        if available(cx, taxi, state)
            && let Some(plan) = Plan::of(taxi, state, e, town, metric, now)
        {
            plans.push(plan);
        }
    }
    let open: Vec<usize> = requests.open_rides().filter(|&i| requests.rides[i].status == RequestStatus::Open).collect();
    for j in open {
        if plans.is_empty() {
            break;
        }
        let (pickup, dropoff) = (town.place_node[requests.rides[j].from], town.place_node[requests.rides[j].to]);
        let mut nodes: Vec<u32> =
            plans.iter().flat_map(|p| std::iter::once(p.origin).chain(p.stops.iter().map(|s| s.node))).collect();
        nodes.extend([pickup, dropoff]);
        nodes.sort_unstable();
        nodes.dedup();
        let wait_left = requests.rides[j].latest_pickup_ms.saturating_sub(now).min(u64::from(POOL_HORIZON_MS)) as u32;
        let (cch, routes, t) = (&town.cch, &cx.rules.routes, &mut scratch.table);
        let to_pickup = one_to_many(t, cch, routes, &nodes, pickup, false, wait_left);
        let from_pickup = one_to_many(t, cch, routes, &nodes, pickup, true, POOL_HORIZON_MS);
        let Some(direct_ms) = scratch.query.distance(cch, routes, pickup, dropoff).filter(|&d| d <= POOL_HORIZON_MS)
        else {
            continue;
        };
        let t = &mut scratch.table;
        let to_dropoff = one_to_many(t, cch, routes, &nodes, dropoff, false, POOL_HORIZON_MS);
        let from_dropoff = one_to_many(t, cch, routes, &nodes, dropoff, true, POOL_HORIZON_MS);
        let around = Around { to_pickup, from_pickup, to_dropoff, from_dropoff, nodes, direct_ms };
        let new_id = requests.rides[j].id;
        let rider = |id: u32| -> Rider {
            let r = &requests.rides[id as usize];
            let direct = if id == new_id { around.direct_ms } else { r.direct_ms };
            Rider {
                latest_pickup_ms: r.latest_pickup_ms,
                longest_ride_ms: (max_detour * (PICKUP_DWELL_MS + u64::from(direct)) as f64) as u64,
                boarded_ms: r.pickup_ms,
            }
        };
        let mut best: Option<(u64, u32, usize, usize, usize)> = None;
        for (p, plan) in plans.iter().enumerate() {
            let Some((cost, i, k)) = cheapest_insertion(plan, &around, new_id, (pickup, dropoff), &rider, now) else {
                continue;
            };
            let key = (cost, plan.taxi_id, p, i, k);
            if best.is_none_or(|b| key < b) {
                best = Some(key);
            }
        }
        let Some((_, taxi_id, p, i, k)) = best else { continue };
        let plan = &plans[p];
        let stops = insert_request(plan, &around, new_id, (pickup, dropoff), (i, k)).expect("priced above");
        let into_pickup = stops[i].leg_ms;
        let (_, mut state) = taxis.get_mut(plan.entity).expect("roster entities are taxis");
        // Stops being served stay; a repositioning move is cancelled for the rider.
        let at = plan.first;
        state.stops.truncate(at);
        state.stops.extend(stops);
        let r = &mut requests.rides[j];
        r.status = RequestStatus::Assigned { taxi: taxi_id };
        r.direct_ms = around.direct_ms;
        let shared = state.stops.len() > 2 || !state.onboard.is_empty();
        let (pos, _) = state.pose(town);
        cx.log.push(
            now,
            EventKind::Assign,
            taxi_id,
            [pos.x, pos.y, 0.0],
            format!(
                "request {}{} pickup in {:.0} s",
                r.id,
                if shared { " shared" } else { "" },
                f64::from(into_pickup) / 1000.0
            ),
        );
        if at + i == 0 {
            // The new pickup comes first: head there now.
            match state.phase {
                Phase::Driving => redirect(&mut state, town, &cx.rules, scratch),
                _ => start_next_leg(&mut state, town, &cx.rules, scratch),
            }
        }
        let (taxi, state) = taxis.get(plan.entity).expect("roster entities are taxis");
        // A vehicle sent toward a stop it cannot reach stands blocked and takes nothing more.
        match Plan::of(taxi, state, plan.entity, town, metric, now) {
            Some(updated) => plans[p] = updated,
            None => {
                plans.remove(p);
            }
        }
    }
}

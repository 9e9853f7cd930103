//! Dispatch: each round, open ride requests are matched with vehicles by the scenario's policy.
//!
//! - `Nearest`: oldest request first, to the idle vehicle that reaches it soonest.
//! - `BatchMatching`: every open request and idle vehicle at once, the assignment with the
//!   least total pickup time among those serving as many requests as possible.
//! - `Pooling`: oldest request first, inserted into the stop sequence of the vehicle, idle or
//!   busy, where it adds the least time (vehicle time plus the new rider's wait), provided every
//!   rider keeps to their latest pickup and their longest ride and no seat is double-booked.
//!
//! Travel-time tables come from the routing core's hierarchy; large ones run on the compute
//! task pool in fixed chunks of sources. Every entry is computed on its own, so the result does
//! not depend on the thread count.

use bevy::prelude::*;
use bevy::tasks::ComputeTaskPool;
use pilotzone_routing::{Cch, CchMetric, Table, UNREACHED};
use pilotzone_scenario::DispatchPolicy;

use crate::clock::SimClock;
use crate::demand::{RequestStatus, Requests};
use crate::events::{EventKind, EventLog};
use crate::rules::ActiveRules;
use crate::taxi::{
    DROPOFF_DWELL_MS, PICKUP_DWELL_MS, Phase, RouterScratch, Stop, StopKind, Taxi, TaxiRoster, TaxiState, redirect,
    start_next_leg,
};
use crate::town::TownMap;

/// Sources in one table chunk; chunks, not threads, split the work, so results never depend
/// on how many threads there are. Each chunk repeats the targets' upward searches, so chunks
/// are large: below this many sources a table runs on the calling thread.
const TABLE_CHUNK: usize = 64;

/// Longest horizon of the searches that price a pooled insertion, ms.
const POOL_HORIZON_MS: u32 = 3_600_000;

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
        DispatchPolicy::Pooling => pool(&mut cx, &mut scratch, &mut requests, &mut taxis),
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

/// Travel times from each source to each target (row-major, one row per source), within
/// `limit_ms`; [`UNREACHED`] beyond it or where there is no way. Large tables split their
/// sources into chunks run on the compute task pool.
pub fn table(
    cch: &Cch,
    metric: &CchMetric,
    workspaces: &mut Vec<Table>,
    sources: &[u32],
    targets: &[u32],
    limit_ms: u32,
) -> Vec<u32> {
    let mut out = vec![UNREACHED; sources.len() * targets.len()];
    if sources.is_empty() || targets.is_empty() {
        return out;
    }
    let chunks = sources.len().div_ceil(TABLE_CHUNK);
    while workspaces.len() < chunks {
        workspaces.push(Table::new());
    }
    let work = sources.chunks(TABLE_CHUNK).zip(out.chunks_mut(TABLE_CHUNK * targets.len())).zip(workspaces.iter_mut());
    let fill = |((from, rows), table): ((&[u32], &mut [u32]), &mut Table)| {
        table.run(cch, metric, from, targets, rows);
        for cell in rows.iter_mut().filter(|d| **d > limit_ms) {
            *cell = UNREACHED;
        }
    };
    if chunks <= 1 {
        work.for_each(fill);
    } else {
        ComputeTaskPool::get_or_init(bevy::tasks::TaskPool::default).scope(|scope| {
            for job in work {
                scope.spawn(async move { fill(job) });
            }
        });
    }
    out
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
    let open: Vec<usize> =
        (0..requests.rides.len()).filter(|&i| requests.rides[i].status == RequestStatus::Open).collect();
    if idle.is_empty() || open.is_empty() {
        return;
    }
    let town = &*cx.town;
    let left_ms = |j: usize| requests.rides[j].latest_pickup_ms.saturating_sub(now).min(u64::from(u32::MAX - 1)) as u32;
    let limit = open.iter().map(|&j| left_ms(j)).max().unwrap_or(0);
    let sources: Vec<u32> = idle.iter().map(|&(_, _, node)| node).collect();
    let targets: Vec<u32> = open.iter().map(|&j| town.place_node[requests.rides[j].from]).collect();
    let eta = table(&town.cch, &cx.rules.routes, &mut scratch.pool, &sources, &targets, limit);
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

/// The assignment of rows to columns that serves as many rows as possible and, among those,
/// has the least total cost; `cost[row * cols + col]` is `None` where the pair is not allowed.
/// Returns each row's column. Hungarian method with potentials, O(n² m) for n ≤ m.
pub fn assignment(rows: usize, cols: usize, cost: &[Option<u64>]) -> Vec<Option<usize>> {
    assert_eq!(cost.len(), rows * cols, "one cost per row and column");
    if rows == 0 || cols == 0 {
        return vec![None; rows];
    }
    // Forbidden pairs cost more than any full assignment of allowed ones, so a solution uses
    // as few of them as it can, which is as many allowed pairs as possible.
    let allowed_max = cost.iter().flatten().copied().max().unwrap_or(0) as i128;
    let forbidden = (allowed_max + 1) * (rows.min(cols) as i128 + 1);
    let transpose = rows > cols;
    let (n, m) = if transpose { (cols, rows) } else { (rows, cols) };
    let at = |i: usize, j: usize| -> i128 {
        let c = if transpose { cost[j * cols + i] } else { cost[i * cols + j] };
        c.map_or(forbidden, i128::from)
    };
    // 1-based rows 1..=n matched to columns 1..=m; column 0 is the free slot.
    let mut u = vec![0i128; n + 1];
    let mut v = vec![0i128; m + 1];
    let mut owner = vec![0usize; m + 1];
    let mut way = vec![0usize; m + 1];
    for i in 1..=n {
        owner[0] = i;
        let mut j0 = 0;
        let mut minv = vec![i128::MAX; m + 1];
        let mut used = vec![false; m + 1];
        loop {
            used[j0] = true;
            let i0 = owner[j0];
            let mut delta = i128::MAX;
            let mut j1 = 0;
            for j in 1..=m {
                if used[j] {
                    continue;
                }
                let reduced = at(i0 - 1, j - 1) - u[i0] - v[j];
                if reduced < minv[j] {
                    minv[j] = reduced;
                    way[j] = j0;
                }
                if minv[j] < delta {
                    delta = minv[j];
                    j1 = j;
                }
            }
            for j in 0..=m {
                if used[j] {
                    u[owner[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
            if owner[j0] == 0 {
                break;
            }
        }
        loop {
            let j1 = way[j0];
            owner[j0] = owner[j1];
            j0 = j1;
            if j0 == 0 {
                break;
            }
        }
    }
    let mut out = vec![None; rows];
    for (j, &i) in owner.iter().enumerate().skip(1) {
        if i == 0 || at(i - 1, j - 1) >= forbidden {
            continue;
        }
        let (row, col) = if transpose { (j - 1, i - 1) } else { (i - 1, j - 1) };
        out[row] = Some(col);
    }
    out
}

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

/// Travel times between `nodes` and `at`, one per node: from `at` to each when `outward`, from
/// each to `at` otherwise; [`UNREACHED`] beyond `limit_ms`.
fn one_to_many(
    table: &mut Table,
    cch: &Cch,
    metric: &CchMetric,
    nodes: &[u32],
    at: u32,
    outward: bool,
    limit_ms: u32,
) -> Vec<u32> {
    let mut out = vec![UNREACHED; nodes.len()];
    if outward {
        table.run(cch, metric, &[at], nodes, &mut out);
    } else {
        table.run(cch, metric, nodes, &[at], &mut out);
    }
    for d in out.iter_mut().filter(|d| **d > limit_ms) {
        *d = UNREACHED;
    }
    out
}

/// `Pooling`: each open request, oldest first, goes where it adds the least time.
fn pool(
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
    let open: Vec<usize> =
        (0..requests.rides.len()).filter(|&i| requests.rides[i].status == RequestStatus::Open).collect();
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
            // Promises made before: the times the current plan keeps, which an insertion may
            // not break even where the current plan is already late.
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
                            let from =
                                since.iter().find(|b| b.0 == s.request).map(|b| b.1).or(rider(s.request).boarded_ms);
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
            let Some((base_end, _)) = schedule(plan, &plan.stops, &rider, &slack, None) else { continue };
            let n = plan.stops.len();
            for i in 0..=n {
                for k in i..=n {
                    let Some(stops) = insert_request(plan, &around, new_id, (pickup, dropoff), (i, k)) else {
                        continue;
                    };
                    let Some((end, pickup_at)) = schedule(plan, &stops, &rider, &slack, Some(new_id)) else {
                        continue;
                    };
                    let cost = (end - base_end) + (pickup_at - now);
                    let key = (cost, plan.taxi_id, p, i, k);
                    if best.is_none_or(|b| key < b) {
                        best = Some(key);
                    }
                }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every full assignment by brute force: the least total among those serving most rows.
    fn brute(rows: usize, cols: usize, cost: &[Option<u64>]) -> (usize, u64) {
        fn go(r: usize, rows: usize, cols: usize, cost: &[Option<u64>], used: &mut Vec<bool>) -> (usize, u64) {
            if r == rows {
                return (0, 0);
            }
            // Leave row r unserved...
            let mut best = go(r + 1, rows, cols, cost, used);
            for c in 0..cols {
                if used[c] {
                    continue;
                }
                if let Some(x) = cost[r * cols + c] {
                    used[c] = true;
                    let (n, t) = go(r + 1, rows, cols, cost, used);
                    used[c] = false;
                    let cand = (n + 1, t + x);
                    if cand.0 > best.0 || (cand.0 == best.0 && cand.1 < best.1) {
                        best = cand;
                    }
                }
            }
            best
        }
        go(0, rows, cols, cost, &mut vec![false; cols])
    }

    #[test]
    fn assignment_is_optimal_against_brute_force() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for case in 0..300 {
            let rows = rng.random_range(1..6usize);
            let cols = rng.random_range(1..6usize);
            let cost: Vec<Option<u64>> =
                (0..rows * cols).map(|_| rng.random_bool(0.75).then(|| rng.random_range(0..1000u64))).collect();
            let got = assignment(rows, cols, &cost);
            let mut seen = vec![false; cols];
            let (mut served, mut total) = (0, 0);
            for (r, c) in got.iter().enumerate() {
                if let Some(c) = *c {
                    assert!(!seen[c], "case {case}: column {c} given twice");
                    seen[c] = true;
                    total += cost[r * cols + c].expect("only allowed pairs are returned");
                    served += 1;
                }
            }
            assert_eq!((served, total), brute(rows, cols, &cost), "case {case}: {rows}x{cols} {cost:?}");
        }
    }

    #[test]
    fn greedy_is_not_optimal_where_matching_is() {
        // Two riders, two vehicles: greedy gives the first rider its nearest (vehicle 0, 1 min),
        // leaving the second 10 min away; matching swaps them for 2 + 3 min.
        let cost = [Some(60_000), Some(120_000), Some(180_000), Some(600_000)];
        let got = assignment(2, 2, &cost);
        assert_eq!(got, vec![Some(1), Some(0)]);
    }
}

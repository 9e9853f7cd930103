//! Robotaxis: driving along road arcs with a gap-keeping speed rule and one-at-a-time
//! junctions, and dwelling at kerbside stops; [`crate::dispatch`] gives them their stops.
//!
//! Vehicles advance in plain arithmetic along their arcs (position on the arc, speed); the
//! physics plugin mirrors moving vehicles into rapier only to detect contacts.

use std::collections::VecDeque;

use bevy::prelude::*;
use pilotzone_routing::Vec2;
use pilotzone_routing::{CchMetric, Query as RouteQuery, Table};

use crate::clock::SimClock;
use crate::demand::{RequestStatus, Requests};
use crate::events::{EventKind, EventLog};
use crate::residents::{CROSSING_STOP_M, CarRoster, CarTrip, CrossingState, park};
use crate::rules::ActiveRules;
use crate::town::{JUNCTION_REACH_MAX_M, KERB_OFFSET_M, LANE_OFFSET_M, TownMap};
use crate::{SimSetup, SimStep, SimSystems};

/// Time at the kerb to let a rider board.
pub const PICKUP_DWELL_MS: u64 = 30_000;
/// Time at the kerb to let a rider alight.
pub const DROPOFF_DWELL_MS: u64 = 45_000;
/// Time a remote operator takes to confirm a Level-4 vehicle's departure from a stop.
pub const DEPARTURE_CHECK_MS: u64 = 5_000;
/// Comfortable acceleration, m/s².
const ACCEL_MPS2: f64 = 1.5;
/// Planned braking, m/s².
const BRAKE_MPS2: f64 = 2.5;
/// Time gap kept to the vehicle ahead, s.
const HEADWAY_S: f64 = 1.2;
/// Centre-to-centre distance kept at standstill (one car length plus a gap), m.
const STANDSTILL_M: f64 = 7.0;
/// Distance before a junction at which a vehicle asks to cross it at the latest, m; a faster
/// vehicle asks from its planned braking distance before the line.
const APPROACH_M: f64 = 30.0;
/// A vehicle without the junction waits this far before the junction's centre, m: clear of a
/// crossing vehicle (half a car length, a lane offset, half a car width, a margin).
const STOP_LINE_M: f64 = 7.0;
/// Distance into the next arc after which a vehicle has cleared the junction, m.
const CLEAR_M: f64 = 8.0;
/// A vehicle this far past a crossing's stop line is committed and drives on, m: one that
/// stopped there yields, one that could not stop clears the crossing instead of standing on it.
const PAST_STOP_LINE_M: f64 = 1.0;
/// Lateral acceleration drivers accept in a turn, m/s² (SUMO's default turn-speed limit).
const TURN_LATERAL_MPS2: f64 = 5.5;
/// Where a turn's arc meets each road, measured from the junction's centre, m: a tight corner
/// toward the kerb side (a 4 m kerb radius plus half a lane), a wider one across the oncoming
/// lane.
const TURN_TANGENT_NEAR_M: f64 = 5.75;
const TURN_TANGENT_FAR_M: f64 = 9.25;
/// A road bending less than this at a node is driven without slowing, radians.
const STRAIGHT_RAD: f64 = 0.17;

/// The fastest a vehicle takes the bend from `from` into `to`, m/s: a circular arc tangent to
/// both roads at the turn's tangent distance has radius `tangent / tan(θ/2)` for a deflection
/// θ, and `v = √(a·r)`. A U-turn is taken at walking pace.
pub fn turn_speed_mps(town: &TownMap, from: u32, to: u32) -> f64 {
    let (a, b) = (town.arc_dir[from as usize], town.arc_dir[to as usize]);
    let cos = (a.x * b.x + a.y * b.y).clamp(-1.0, 1.0);
    let theta = cos.acos();
    if theta < STRAIGHT_RAD {
        return f64::INFINITY;
    }
    // Turning left is toward the kerb where traffic keeps left, and the other way round.
    let left_turn = a.cross(b) > 0.0;
    let toward_kerb = left_turn == (town.side_sign > 0.0);
    let tangent = if toward_kerb { TURN_TANGENT_NEAR_M } else { TURN_TANGENT_FAR_M };
    let radius = (tangent / (theta / 2.0).tan()).max(1.0);
    (TURN_LATERAL_MPS2 * radius).sqrt()
}

/// A road shorter than this between two intersections is crossed in one go: a vehicle claims
/// the intersection beyond it together with the one before, so it never waits inside one
/// intersection for the next (two vehicles doing so head-on would block each other for good).
const SHORT_LINK_M: f64 = STOP_LINE_M + CLEAR_M;
/// Arcs of the route ahead whose junctions a vehicle may hold: what it claimed looking ahead
/// past bends stays claimed until it has passed.
const HOLD_AHEAD_ARCS: usize = 16;
/// Kerbside stops are this far before the junction at the end of the arc, m.
const STOP_BEFORE_JUNCTION_M: f64 = 12.0;

/// Who drives a vehicle.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Driver {
    /// The Level-4 system: keeps every limit in force for taxis, under remote monitoring.
    Level4,
    /// A resident: chooses a speed from the limit, the road and their own habit.
    Human {
        /// The driver's speed relative to the typical driver's (mean 1).
        speed_factor: f64,
    },
}

/// How far drivers' speed choice follows a limit set below the road's posted speed: at this
/// share of the gap they drive as the road invites, not as the sign says. Lowered limits that
/// the road's design does not support are only partly obeyed; 0.25 is the usual order of the
/// effect measured for signed-only reductions.
pub const LIMIT_CREDIBILITY_GAP: f64 = 0.25;

/// Deceleration no vehicle exceeds, m/s² (an emergency stop on dry asphalt).
pub const EMERGENCY_BRAKE_MPS2: f64 = 7.0;

/// A vehicle's fixed properties: a Level-4 taxi, or a resident's car driven by the same model.
#[derive(Component, Clone, Debug)]
pub struct Taxi {
    /// Stable id (also its replay entity id).
    pub id: u32,
    /// Index of its fleet in `fleets.taxis`.
    pub fleet: usize,
    /// Passenger seats.
    pub seats: u8,
    /// Top speed, m/s.
    pub max_speed_mps: f64,
    /// Energy use per km, kWh.
    pub kwh_per_km: f64,
    /// Who drives it.
    pub driver: Driver,
}

/// Whether a stop picks a rider up, drops one off, or charges at the depot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopKind {
    /// Board the rider.
    Pickup,
    /// Let the rider alight.
    Dropoff,
    /// Charge at the fleet's depot (no rider; `request` is [`NO_REQUEST`]).
    Charge,
    /// Move, empty, to where riders are expected, and wait there (no rider).
    Reposition,
}

/// The request field of a stop that serves no rider.
pub const NO_REQUEST: u32 = u32::MAX;

/// A kerbside stop on a vehicle's plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stop {
    /// Request served.
    pub request: u32,
    /// Pickup or drop-off.
    pub kind: StopKind,
    /// Dense road node the stop is served from.
    pub node: u32,
    /// Planned travel time into the stop from the one before (or from where the vehicle was
    /// when the stop was planned), ms.
    pub leg_ms: u32,
}

/// What a vehicle is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Parked, free for work.
    Idle,
    /// At the kerb with a route planned, waiting for room to pull out into the first arc.
    PullingOut,
    /// On the road toward its next stop.
    Driving,
    /// At the kerb for boarding or alighting until the given time.
    Dwelling {
        /// End of the dwell.
        until_ms: u64,
    },
    /// Parked because no open road leads to its next stop; tries again when the rules change.
    Blocked,
    /// At the depot's charger until charged to [`crate::charging::CHARGE_TO`].
    Charging,
}

/// A vehicle's changing state.
#[derive(Component, Clone, Debug)]
pub struct TaxiState {
    /// What it is doing.
    pub phase: Phase,
    /// Node it stands at, or the head of the arc it drives on.
    pub node: u32,
    /// Arc it is on (or parked at the end of); none while still at the depot.
    pub arc: Option<u32>,
    /// Metres along `arc`.
    pub offset_m: f64,
    /// Current speed, m/s.
    pub speed_mps: f64,
    /// Arcs to drive; `route[route_i]` is `arc` while driving.
    pub route: Vec<u32>,
    /// Index of the current arc in `route`.
    pub route_i: usize,
    /// Rules version the route was planned under.
    pub route_version: u32,
    /// Stops still to make, in order.
    pub stops: VecDeque<Stop>,
    /// Requests on board.
    pub onboard: Vec<u32>,
    /// Intersections it holds: the next one, the one beyond a short link after it, and the one
    /// it is leaving until it has cleared it.
    pub held: Vec<u32>,
    /// Where it parks at the depot before its first trip.
    pub depot_slot: Vec2,
    /// Energy left, kWh.
    pub energy_kwh: f64,
    /// Distance driven, km.
    pub km: f64,
    /// Distance driven with nobody on board, km.
    pub empty_km: f64,
    /// Time not idle, ms.
    pub busy_ms: u64,
    /// Where it stands after the last move ([`TaxiState::pose`], kept for the systems after
    /// control: physics, safety and the recorder).
    pub at: Vec2,
    /// Heading after the last move, radians counter-clockwise from east.
    pub heading: f64,
    /// When a remote operator's departure check ends, once one has started it.
    pub departure_check_ms: Option<u64>,
    /// Energy taken in at chargers, kWh.
    pub charged_kwh: f64,
    /// Charging sessions started.
    pub charges: u32,
    /// Out of energy on the road: it stands where it stopped (an incident).
    pub stranded: bool,
    /// When it last became idle (the last tick it was busy), ms.
    pub idle_since_ms: u64,
    /// Empty moves toward expected riders.
    pub repositions: u32,
}

impl TaxiState {
    /// A vehicle parked off the road at `slot`, served from road node `node`.
    pub fn parked(node: u32, slot: Vec2) -> Self {
        TaxiState {
            phase: Phase::Idle,
            node,
            arc: None,
            offset_m: 0.0,
            speed_mps: 0.0,
            route: Vec::new(),
            route_i: 0,
            route_version: 0,
            stops: VecDeque::new(),
            onboard: Vec::new(),
            held: Vec::new(),
            depot_slot: slot,
            energy_kwh: 0.0,
            km: 0.0,
            empty_km: 0.0,
            busy_ms: 0,
            at: slot,
            heading: 0.0,
            departure_check_ms: None,
            charged_kwh: 0.0,
            charges: 0,
            stranded: false,
            idle_since_ms: 0,
            repositions: 0,
        }
    }

    /// Position and heading for drawing and physics.
    pub fn pose(&self, town: &TownMap) -> (Vec2, f64) {
        match (self.phase, self.arc) {
            (Phase::Driving, Some(arc)) if !self.route.is_empty() => {
                town.pose_on_arc(arc, self.offset_m, LANE_OFFSET_M)
            }
            (_, Some(arc)) => town.pose_on_arc(arc, self.offset_m, KERB_OFFSET_M),
            (_, None) => (self.depot_slot, 0.0),
        }
    }
}

/// Taxi entities in id order: the order every order-sensitive system visits them in.
#[derive(Resource, Debug, Default)]
pub struct TaxiRoster(pub Vec<Entity>);

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

/// Which vehicle holds each junction, by dense node.
#[derive(Resource, Debug)]
pub struct Junctions(Vec<Option<u32>>);

impl FromWorld for Junctions {
    fn from_world(world: &mut World) -> Self {
        Junctions(vec![None; world.resource::<TownMap>().graph().node_count() as usize])
    }
}

/// Reusable search state for dispatch and routing.
#[derive(Resource, Debug)]
pub struct RouterScratch {
    pub(crate) query: RouteQuery,
    pub(crate) path: Vec<u32>,
    /// Table workspace for single-threaded tables.
    pub(crate) table: Table,
    /// One workspace per chunk of a parallel travel-time table.
    pub(crate) pool: Vec<Table>,
}

impl FromWorld for RouterScratch {
    fn from_world(world: &mut World) -> Self {
        RouterScratch {
            query: RouteQuery::new(&world.resource::<TownMap>().cch),
            path: Vec::new(),
            table: Table::new(),
            pool: Vec::new(),
        }
    }
}

/// Adds taxis.
pub struct TaxiPlugin;

impl Plugin for TaxiPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<TaxiRoster>()
            .init_resource::<Junctions>()
            .init_resource::<RemoteDesk>()
            .init_resource::<RouterScratch>()
            .add_systems(SimSetup, spawn_taxis)
            .add_systems(
                SimStep,
                (
                    expire_requests,
                    crate::charging::charge_taxis,
                    crate::dispatch::dispatch_taxis,
                    crate::rebalance::rebalance_taxis,
                )
                    .chain()
                    .in_set(SimSystems::Dispatch),
            )
            .add_systems(SimStep, (finish_dwells, advance_taxis).chain().in_set(SimSystems::Control));
    }
}

/// Spawns every fleet's vehicles at their depots, ids from 0 in scenario order.
pub fn spawn_taxis(mut commands: Commands, town: Res<TownMap>, mut roster: ResMut<TaxiRoster>) {
    let mut id = 0;
    for (fleet, f) in town.scenario.fleets.taxis.iter().enumerate() {
        let depot = town.place(&f.depot).expect("validated: depots are known places");
        for k in 0..f.count {
            // Depot bays in rows of five, 7 m apart.
            let slot = town.place_pos[depot] + Vec2::new(f64::from(k % 5) * 7.0, f64::from(k / 5) * 7.0);
            let state = TaxiState { energy_kwh: f.battery_kwh, ..TaxiState::parked(town.place_node[depot], slot) };
            let taxi = Taxi {
                id,
                fleet,
                seats: f.seats,
                max_speed_mps: f.max_speed_kmh / 3.6,
                kwh_per_km: f.kwh_per_km,
                driver: Driver::Level4,
            };
            roster.0.push(commands.spawn((taxi, state)).id());
            id += 1;
        }
    }
}

/// Rejects open requests whose rider has waited too long.
pub fn expire_requests(
    clock: Res<SimClock>,
    town: Res<TownMap>,
    mut requests: ResMut<Requests>,
    mut log: ResMut<EventLog>,
) {
    for r in requests.rides.iter_mut().filter(|r| r.status == RequestStatus::Open && clock.now_ms > r.latest_pickup_ms)
    {
        r.status = RequestStatus::Rejected;
        let at = town.place_pos[r.from];
        log.push(clock.now_ms, EventKind::Reject, r.id, [at.x, at.y, 0.0], "no vehicle could arrive in time");
    }
}

/// Plans the way to the next stop and sets off, or parks if there is none.
pub(crate) fn start_next_leg(state: &mut TaxiState, town: &TownMap, rules: &ActiveRules, scratch: &mut RouterScratch) {
    let Some(stop) = state.stops.front().copied() else {
        state.phase = Phase::Idle;
        return;
    };
    let found = scratch.query.path(&town.cch, &rules.routes, state.node, stop.node, &mut scratch.path);
    state.route_version = rules.version;
    match found {
        None => state.phase = Phase::Blocked,
        Some(_) if scratch.path.is_empty() => {
            // Already at the stop's node: the next move serves it from the kerb here.
            state.phase = Phase::Driving;
            state.route.clear();
        }
        Some(_) => {
            state.route.clear();
            state.route.extend_from_slice(&scratch.path);
            state.route_i = 0;
            state.phase = Phase::PullingOut;
        }
    }
}

/// Turns a driving vehicle toward its first stop, which has just changed: from the end of the
/// arc it is on, the only place it can leave its old route.
pub(crate) fn redirect(state: &mut TaxiState, town: &TownMap, rules: &ActiveRules, scratch: &mut RouterScratch) {
    let (Some(arc), Some(stop)) = (state.arc, state.stops.front().copied()) else { return };
    let g = town.graph();
    state.route_version = rules.version;
    if scratch.query.path(&town.cch, &rules.routes, g.head(arc), stop.node, &mut scratch.path).is_some() {
        state.route.clear();
        state.route.push(arc);
        state.route.extend_from_slice(&scratch.path);
        state.route_i = 0;
    }
    // With no way from there, the old route stands and the vehicle re-plans at its end.
}

/// Where on `arc` a vehicle stops for a kerbside stop.
fn stop_offset(town: &TownMap, arc: u32) -> f64 {
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
pub fn finish_dwells(
    clock: Res<SimClock>,
    town: Res<TownMap>,
    rules: Res<ActiveRules>,
    roster: Res<TaxiRoster>,
    mut scratch: ResMut<RouterScratch>,
    mut taxis: Query<(&Taxi, &mut TaxiState)>,
) {
    for &e in &roster.0 {
        let (_, mut state) = taxis.get_mut(e).expect("roster entities are taxis");
        let state = &mut *state;
        match state.phase {
            Phase::Dwelling { until_ms } if clock.now_ms >= until_ms => {
                state.stops.pop_front();
                start_next_leg(state, &town, &rules, &mut scratch);
            }
            Phase::Blocked if state.route_version != rules.version => {
                start_next_leg(state, &town, &rules, &mut scratch)
            }
            // A route planned under rules that changed before pulling out is planned again.
            Phase::PullingOut if state.route_version != rules.version => {
                start_next_leg(state, &town, &rules, &mut scratch)
            }
            _ => {}
        }
    }
}

/// What one vehicle will do this tick, decided from everyone's positions at its start.
struct Move {
    entity: Entity,
    speed_mps: f64,
    advance_m: f64,
}

/// Moves every driving vehicle one tick, the taxis and then the residents' cars: re-plans
/// routes after rule changes, keeps the gap to the vehicle ahead, waits for junctions, gives way
/// at crossings in use, slows for lower limits ahead and stops at the kerb. Braking is capped at
/// [`EMERGENCY_BRAKE_MPS2`], so a person stepping out too close is passed or hit, not dodged by
/// magic; only the gap to the vehicle ahead is held exactly (the gap model never drives through
/// it).
pub fn advance_taxis(
    clock: Res<SimClock>,
    town: Res<TownMap>,
    rules: Res<ActiveRules>,
    roster: Res<TaxiRoster>,
    cars: Res<CarRoster>,
    crossings: Res<CrossingState>,
    mut scratch: ResMut<RouterScratch>,
    mut junctions: ResMut<Junctions>,
    mut desk: ResMut<RemoteDesk>,
    mut requests: ResMut<Requests>,
    mut taxis: Query<(&Taxi, &mut TaxiState, Option<&mut CarTrip>)>,
    mut log: ResMut<EventLog>,
) {
    let g = town.graph();
    let dt = clock.dt_s();
    let fleets = &town.scenario.fleets.taxis;
    let mut blocked = vec![0u32; fleets.len()];
    for &e in &roster.0 {
        let (taxi, state, _) = taxis.get(e).expect("roster entities are taxis");
        blocked[taxi.fleet] += u32::from(state.phase == Phase::Blocked);
    }
    let everyone: Vec<Entity> = roster.0.iter().chain(&cars.0).copied().collect();
    // Where every driving vehicle is, sorted by arc, offset and id, to find leaders.
    let mut occupancy: Vec<(u32, f64, u32)> = Vec::new();
    for &e in &everyone {
        let (taxi, state, _) = taxis.get(e).expect("roster entities are vehicles");
        if let (Phase::Driving, Some(arc)) = (state.phase, state.arc) {
            occupancy.push((arc, state.offset_m, taxi.id));
        }
    }
    for &e in &everyone {
        let (taxi, mut state, trip) = taxis.get_mut(e).expect("roster entities are vehicles");
        let state = &mut *state;
        if state.phase == Phase::PullingOut {
            // Under remote monitoring an operator confirms every Level-4 departure first.
            if let (Driver::Level4, Some((per_operator, _))) = (taxi.driver, rules.operators[taxi.fleet]) {
                let check = match state.departure_check_ms {
                    Some(end) => Some(end),
                    None => {
                        let operators = fleets[taxi.fleet].count.div_ceil(per_operator);
                        desk.start_check(taxi.fleet, operators, blocked[taxi.fleet], clock.now_ms)
                    }
                };
                state.departure_check_ms = check;
                match check {
                    None => {
                        desk.wait_ms += u64::from(clock.tick_ms);
                        continue;
                    }
                    Some(end) if end > clock.now_ms => continue,
                    Some(_) => {}
                }
            }
            pull_out(state, taxi.id, g, &town.controlled, &mut junctions, &mut occupancy);
            if state.phase == Phase::Driving {
                state.departure_check_ms = None;
            }
            continue;
        }
        if state.phase != Phase::Driving {
            continue;
        }
        if state.route.is_empty() {
            // Assigned where it stands: the stop is served without moving.
            match trip {
                Some(mut trip) => park(state, &mut trip, &town),
                None => reach_stop(state, taxi, &town, &mut requests, &mut log, clock.now_ms),
            }
        } else if state.route_version != rules.version {
            // Re-plan after rule changes, from the end of the arc it is on.
            let metric = if taxi.driver == Driver::Level4 { &rules.routes } else { &rules.car_routes };
            reroute(state, &town, metric, rules.version, &mut scratch);
        }
    }
    occupancy.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.cmp(&b.2)));
    // The leader is the next vehicle in (offset, id) order on the arc; ties go to the lower id.
    let leader_offset = |arc: u32, after: f64, me: u32| -> Option<f64> {
        let start = occupancy.partition_point(|o| o.0 < arc);
        occupancy[start..]
            .iter()
            .take_while(|o| o.0 == arc)
            .find(|o| o.2 != me && (o.1 > after || (o.1 == after && o.2 > me)))
            .map(|o| o.1)
    };
    // The speed a driver keeps to on an arc when nothing is in the way.
    let cruise_mps = |taxi: &Taxi, arc: u32| -> f64 {
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
    };
    // Distance from `offset` on `arc` to the stop line of the first crossing in use ahead, if any.
    let crossing_ahead = |arc: u32, offset: f64| -> Option<f64> {
        town.arc_crossings[arc as usize]
            .iter()
            .filter(|&&(c, at)| crossings.active[c] && at - CROSSING_STOP_M - offset > -PAST_STOP_LINE_M)
            .map(|&(_, at)| at - CROSSING_STOP_M - offset)
            .next()
    };

    let mut moves = Vec::new();
    for &e in &everyone {
        let (taxi, mut state, _) = taxis.get_mut(e).expect("roster entities are vehicles");
        let (Phase::Driving, Some(arc)) = (state.phase, state.arc) else { continue };
        let len = g.length_m(arc);
        let last = state.route_i + 1 >= state.route.len();
        let end = if last { stop_offset(&town, arc) } else { len };
        let remaining = (end - state.offset_m).max(0.0);
        let mut limit = cruise_mps(taxi, arc);
        let mut room = f64::MAX;
        let brake_within = |d: f64, v_end: f64| (v_end * v_end + 2.0 * BRAKE_MPS2 * d.max(0.0)).sqrt();
        let next = (!last).then(|| state.route[state.route_i + 1]);
        if let Some(next) = next {
            limit = limit.min(brake_within(remaining, cruise_mps(taxi, next).min(turn_speed_mps(&town, arc, next))));
            // Ask early enough to stop at the line with planned braking when refused.
            let v = state.speed_mps;
            let approach = APPROACH_M.max(v * v / (2.0 * BRAKE_MPS2) + STOP_LINE_M + v * dt);
            // The next node where vehicles take turns, looking past bends (a junction's way in
            // may be several short arcs), and how far it is.
            let reach = approach + JUNCTION_REACH_MAX_M;
            if let Some((node, dist, i)) = next_controlled(&state.route, state.route_i, remaining, reach, g, &town) {
                // Distance to where the junction's area begins.
                let dist_to_area = dist - town.junction_reach_m[node as usize];
                // Only the first vehicle in the queue may claim the junction: one behind it that
                // did would hold it while stuck behind the one it blocks. The queue runs over
                // every arc up to the junction.
                let first_in_line = leader_offset(arc, state.offset_m, taxi.id).is_none()
                    && state.route[state.route_i + 1..=i]
                        .iter()
                        .all(|&a| leader_offset(a, f64::NEG_INFINITY, taxi.id).is_none());
                if dist_to_area < approach && !state.held.contains(&node) && first_in_line {
                    let beyond =
                        next_controlled(&state.route, i + 1, g.length_m(state.route[i + 1]), SHORT_LINK_M, g, &town)
                            .filter(|&(_, d, _)| d < SHORT_LINK_M)
                            .map(|(b, _, _)| b);
                    let free = |n: u32| junctions.0[n as usize].is_none_or(|h| h == taxi.id);
                    if free(node) && beyond.is_none_or(free) {
                        for n in std::iter::once(node).chain(beyond) {
                            junctions.0[n as usize] = Some(taxi.id);
                            if !state.held.contains(&n) {
                                state.held.push(n);
                            }
                        }
                    }
                }
                if !state.held.contains(&node) {
                    let to_line = dist_to_area - STOP_LINE_M;
                    limit = limit.min(brake_within(to_line, 0.0));
                    room = room.min(to_line.max(0.0));
                }
            }
        } else {
            limit = limit.min(brake_within(remaining, 0.0));
            room = room.min(remaining);
        }
        // Give way at crossings in use, on this arc or just past the junction.
        let yield_at = crossing_ahead(arc, state.offset_m)
            .or_else(|| next.and_then(|n| crossing_ahead(n, 0.0)).map(|d| d + len - state.offset_m));
        if let Some(d) = yield_at {
            limit = limit.min(brake_within(d, 0.0));
        }
        let gap = match leader_offset(arc, state.offset_m, taxi.id) {
            Some(o) => Some(o - state.offset_m),
            None => next.and_then(|n| leader_offset(n, f64::NEG_INFINITY, taxi.id)).map(|o| len - state.offset_m + o),
        };
        if let Some(gap) = gap {
            let free = (gap - STANDSTILL_M).max(0.0);
            limit = limit.min(free / HEADWAY_S).min(brake_within(free, 0.0));
            room = room.min(free);
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
            speed = speed.min(cruise_mps(taxi, n)).min(turn_speed_mps(&town, arc, n));
        }
        // No vehicle stops harder than an emergency stop.
        speed = speed.max(state.speed_mps - EMERGENCY_BRAKE_MPS2 * dt);
        moves.push(Move { entity: e, speed_mps: speed, advance_m: (speed * dt).min(room) });
    }

    for m in moves {
        let (taxi, mut state, trip) = taxis.get_mut(m.entity).expect("roster entities are vehicles");
        let state = &mut *state;
        state.speed_mps = m.speed_mps;
        let km = m.advance_m / 1000.0;
        state.km += km;
        state.energy_kwh -= km * taxi.kwh_per_km;
        if taxi.driver == Driver::Level4 && state.energy_kwh <= 0.0 && !state.stranded {
            state.stranded = true;
            let (at, _) = state.pose(&town);
            let incident = crate::events::Incident {
                rule: None,
                other: None,
                value: state.energy_kwh,
                limit: 0.0,
                severity: if state.onboard.is_empty() { 2 } else { 3 },
            };
            let detail = format!("out of energy with {} aboard", state.onboard.len());
            log.incident(clock.now_ms, EventKind::Stranded, taxi.id, [at.x, at.y, 0.0], incident, detail);
        }
        if state.onboard.is_empty() {
            state.empty_km += km;
        }
        state.offset_m += m.advance_m;
        loop {
            let arc = state.arc.expect("driving vehicles are on an arc");
            let len = g.length_m(arc);
            if state.route_i + 1 >= state.route.len() {
                if stop_offset(&town, arc) - state.offset_m < 0.5 {
                    state.offset_m = stop_offset(&town, arc);
                    state.node = g.head(arc);
                    release(state, &mut junctions);
                    match trip {
                        Some(mut trip) => park(state, &mut trip, &town),
                        None => reach_stop(state, taxi, &town, &mut requests, &mut log, clock.now_ms),
                    }
                }
                break;
            }
            if state.offset_m < len {
                break;
            }
            state.offset_m -= len;
            state.route_i += 1;
            state.arc = Some(state.route[state.route_i]);
            state.node = g.head(state.route[state.route_i]);
        }
        if state.arc.is_some() && !state.held.is_empty() {
            // Keep what lies ahead (this arc's end, the next arc's end) and what was crossed
            // until the vehicle is clear of it (by distance: the way out may be several short
            // arcs); a route changed by a rule drops the rest too.
            let ahead = &state.route[state.route_i..state.route.len().min(state.route_i + HOLD_AHEAD_ARCS)];
            let (at, _) = state.pose(&town);
            let mut k = 0;
            while k < state.held.len() {
                let n = state.held[k];
                let near = town.index.positions[n as usize].distance(at) <= town.junction_reach_m[n as usize] + CLEAR_M;
                if near || ahead.iter().any(|&a| g.head(a) == n) {
                    k += 1;
                } else {
                    junctions.0[n as usize] = None;
                    state.held.swap_remove(k);
                }
            }
        }
    }
    for &e in &everyone {
        let (_, mut state, _) = taxis.get_mut(e).expect("roster entities are vehicles");
        (state.at, state.heading) = state.pose(&town);
    }
}

/// The first node along `route` from the head of `route[i]` (which is `dist` ahead) where
/// vehicles take turns, with its distance and the index of the arc it ends, looking no farther
/// than `reach`. The head of the route's last arc never counts: the vehicle stops before it.
fn next_controlled(
    route: &[u32],
    mut i: usize,
    mut dist: f64,
    reach: f64,
    g: &pilotzone_routing::RoadGraph,
    town: &TownMap,
) -> Option<(u32, f64, usize)> {
    while i + 1 < route.len() {
        let node = g.head(route[i]);
        if town.controlled[node as usize] {
            return Some((node, dist, i));
        }
        if dist >= reach {
            return None;
        }
        i += 1;
        dist += g.length_m(route[i]);
    }
    None
}

/// Enters the first arc of the route from the kerb when the junction is free and nobody is
/// within a standstill gap of the arc's start.
fn pull_out(
    state: &mut TaxiState,
    id: u32,
    g: &pilotzone_routing::RoadGraph,
    controlled: &[bool],
    junctions: &mut Junctions,
    occupancy: &mut Vec<(u32, f64, u32)>,
) {
    let first = state.route[0];
    let node = g.tail(first);
    let take_turns = controlled[node as usize];
    let holder = junctions.0[node as usize];
    let crowded = occupancy.iter().any(|o| o.0 == first && o.1 < STANDSTILL_M);
    if crowded || (take_turns && holder.is_some_and(|h| h != id)) {
        return;
    }
    release(state, junctions);
    if take_turns {
        junctions.0[node as usize] = Some(id);
        state.held.push(node);
    }
    state.arc = Some(first);
    state.offset_m = 0.0;
    state.speed_mps = 0.0;
    state.phase = Phase::Driving;
    occupancy.push((first, 0.0, id));
}

fn release(state: &mut TaxiState, junctions: &mut Junctions) {
    for node in state.held.drain(..) {
        junctions.0[node as usize] = None;
    }
}

/// Re-plans from the end of the current arc under the rules now in force, to the end of the
/// route planned.
fn reroute(state: &mut TaxiState, town: &TownMap, metric: &CchMetric, version: u32, scratch: &mut RouterScratch) {
    state.route_version = version;
    let (Some(arc), Some(&last)) = (state.arc, state.route.last()) else { return };
    let (from, to) = (town.graph().head(arc), town.graph().head(last));
    if arc == last {
        return;
    }
    if scratch.query.path(&town.cch, metric, from, to, &mut scratch.path).is_some() {
        state.route.clear();
        state.route.push(arc);
        state.route.extend_from_slice(&scratch.path);
        state.route_i = 0;
    }
    // With no way on, the vehicle keeps its old route; the monitor sees if it drives a closed road.
}

/// Serves the stop the vehicle has reached: boards or drops its rider and starts the dwell.
fn reach_stop(
    state: &mut TaxiState,
    taxi: &Taxi,
    town: &TownMap,
    requests: &mut Requests,
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
    let r = &mut requests.rides[stop.request as usize];
    match stop.kind {
        StopKind::Pickup => {
            r.status = RequestStatus::OnBoard;
            r.pickup_ms = Some(now_ms);
            r.shared |= !state.onboard.is_empty();
            for &other in &state.onboard {
                requests.rides[other as usize].shared = true;
            }
            let r = &requests.rides[stop.request as usize];
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

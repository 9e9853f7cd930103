//! Ride requests and parcel orders, drawn from each flow's time-of-day profile as a Poisson
//! process with its own random stream.

use std::ops::Range;

use bevy::prelude::*;
use pilotzone_scenario::time::DAY_S;
use pilotzone_scenario::{PlaceSet, RateStep};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::clock::SimClock;
use crate::events::{EventKind, EventLog};
use crate::schedule::{SimStep, SimSystems};
use crate::town::TownMap;
use crate::{SimConfig, rng};

/// Where a request stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestStatus {
    /// Waiting for a vehicle to be assigned. A request is made open and, once it leaves this,
    /// never returns to it ([`Requests::open_rides`] relies on it).
    Open,
    /// A vehicle is on its way.
    Assigned {
        /// Taxi id.
        taxi: u32,
    },
    /// Riding.
    OnBoard,
    /// Delivered to the destination.
    Done,
    /// Nobody could serve it in time.
    Rejected,
}

/// A ride request.
#[derive(Clone, Debug, PartialEq)]
pub struct RideRequest {
    /// Request id, its index in [`Requests::rides`].
    pub id: u32,
    /// Flow index in the scenario's `demand.rides`.
    pub flow: u32,
    /// When it was made, ms since the start of the run.
    pub t_ms: u64,
    /// Pickup place index.
    pub from: usize,
    /// Destination place index.
    pub to: usize,
    /// Latest pickup before the rider gives up.
    pub latest_pickup_ms: u64,
    /// Status.
    pub status: RequestStatus,
    /// When the rider boarded.
    pub pickup_ms: Option<u64>,
    /// When the rider alighted.
    pub dropoff_ms: Option<u64>,
    /// Direct ride time from pickup to drop-off when the request was dispatched, ms (0 before).
    pub direct_ms: u32,
    /// Whether another rider was aboard for part of the ride.
    pub shared: bool,
}

/// A parcel order.
#[derive(Clone, Debug, PartialEq)]
pub struct ParcelOrder {
    /// Order id, its index in [`Requests::parcels`].
    pub id: u32,
    /// Flow index in the scenario's `demand.parcels`.
    pub flow: u32,
    /// When it was placed.
    pub t_ms: u64,
    /// Vertiport place index.
    pub from: usize,
    /// Destination place index.
    pub to: usize,
    /// Parcel weight in kg.
    pub weight_kg: f64,
    /// The order fails if no drone has taken off with it by then.
    pub latest_launch_ms: u64,
    /// Status.
    pub status: OrderStatus,
    /// When its drone took off.
    pub launched_ms: Option<u64>,
    /// When it was delivered.
    pub delivered_ms: Option<u64>,
}

/// Where an order stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OrderStatus {
    /// Waiting for a drone. An order is made open and, once it leaves this, never returns to it
    /// ([`Requests::open_parcels`] relies on it).
    Open,
    /// In the air.
    InFlight {
        /// Drone id.
        drone: u32,
    },
    /// Delivered.
    Delivered,
    /// Could not be flown.
    Failed {
        /// Why.
        reason: String,
    },
}

/// All requests and orders of the run.
#[derive(Resource, Debug, Default)]
pub struct Requests {
    /// Ride requests by id.
    pub rides: Vec<RideRequest>,
    /// Parcel orders by id.
    pub parcels: Vec<ParcelOrder>,
    /// No ride before this index is open.
    rides_closed_before: usize,
    /// No parcel before this index is open.
    parcels_closed_before: usize,
}

impl Requests {
    /// The rides from the oldest that may still be open on: none before is. A day's requests
    /// pile up by the hundred thousand, and those looking for open ones, every tick, read only
    /// the last half hour's or so.
    pub fn open_rides(&mut self) -> Range<usize> {
        open_from(&self.rides, &mut self.rides_closed_before, |r| r.status == RequestStatus::Open)
    }

    /// The parcels from the oldest that may still be open on: none before is.
    pub fn open_parcels(&mut self) -> Range<usize> {
        open_from(&self.parcels, &mut self.parcels_closed_before, |o| o.status == OrderStatus::Open)
    }
}

/// Moves `closed_before` up to the first item still open (items never open again once closed)
/// and returns the range from it to the end.
fn open_from<T>(items: &[T], closed_before: &mut usize, open: impl Fn(&T) -> bool) -> Range<usize> {
    *closed_before += items[*closed_before..].iter().position(open).unwrap_or(items.len() - *closed_before);
    *closed_before..items.len()
}

/// One flow's arrival process (rides, parcels, and the residents' trips and crossings).
#[derive(Debug)]
pub(crate) struct Flow {
    pub(crate) rng: ChaCha8Rng,
    pub(crate) next_ms: u64,
    profile: Vec<RateStep>,
    from: Vec<usize>,
    to: Vec<usize>,
}

/// The arrival processes.
#[derive(Resource, Debug)]
pub struct DemandModel {
    rides: Vec<Flow>,
    parcels: Vec<Flow>,
    start_tod_s: u32,
    end_ms: u64,
}

/// Mean arrivals per hour at `tod_s` (seconds after midnight, any day).
fn rate_at(profile: &[RateStep], tod_s: u32) -> f64 {
    let t = tod_s % DAY_S;
    profile.iter().rev().find(|s| s.from.seconds() <= t).map_or(0.0, |s| s.per_hour)
}

/// Seconds after `tod_s` at which the rate next changes.
fn next_change_s(profile: &[RateStep], tod_s: u32) -> u32 {
    let t = tod_s % DAY_S;
    let next = profile.iter().map(|s| s.from.seconds()).find(|&f| f > t);
    match next {
        Some(f) => f - t,
        // Past the last step the rate holds until midnight, where the day starts over.
        None => DAY_S - t,
    }
}

impl Flow {
    /// A flow with its first arrival drawn.
    pub(crate) fn new(
        rng: ChaCha8Rng,
        profile: Vec<RateStep>,
        from: Vec<usize>,
        to: Vec<usize>,
        start_tod_s: u32,
        end_ms: u64,
    ) -> Self {
        let mut flow = Flow { rng, next_ms: 0, profile, from, to };
        flow.next_ms = flow.draw_next(0, start_tod_s, end_ms);
        flow
    }

    /// The first arrival after `t_ms`. Exponential gaps are memoryless, so redrawing at each
    /// change of rate gives an exact piecewise-constant Poisson process.
    pub(crate) fn draw_next(&mut self, mut t_ms: u64, start_tod_s: u32, end_ms: u64) -> u64 {
        while t_ms < end_ms {
            let tod = start_tod_s + (t_ms / 1000) as u32;
            let rate = rate_at(&self.profile, tod);
            let boundary_ms = (t_ms / 1000 + u64::from(next_change_s(&self.profile, tod).max(1))) * 1000;
            if rate > 0.0 {
                let u: f64 = 1.0 - self.rng.random::<f64>();
                let gap_ms = (-u.ln() / rate * 3_600_000.0).ceil() as u64;
                if t_ms + gap_ms.max(1) < boundary_ms {
                    return t_ms + gap_ms.max(1);
                }
            }
            t_ms = boundary_ms;
        }
        u64::MAX
    }

    pub(crate) fn pick(&mut self) -> (usize, usize) {
        let from = self.from[self.rng.random_range(0..self.from.len())];
        let choices: Vec<usize> = self.to.iter().copied().filter(|&p| p != from).collect();
        let to = if choices.is_empty() { from } else { choices[self.rng.random_range(0..choices.len())] };
        (from, to)
    }
}

pub(crate) fn resolve(town: &TownMap, set: &PlaceSet) -> Vec<usize> {
    let places = &town.scenario.map.places;
    match set {
        PlaceSet::Kinds(kinds) => (0..places.len()).filter(|&i| kinds.contains(&places[i].kind)).collect(),
        PlaceSet::Named(names) => names.iter().filter_map(|n| town.place(n)).collect(),
    }
}

impl DemandModel {
    /// Ride pickups expected at each place (by place index) from `tod_s` over the next
    /// `horizon_s`: each flow's rate, averaged over the horizon minute by minute, split evenly
    /// over its pickup places.
    pub fn expected_pickups(&self, place_count: usize, tod_s: u32, horizon_s: u32) -> Vec<f64> {
        let mut out = vec![0.0; place_count];
        let minutes = (horizon_s / 60).max(1);
        for flow in &self.rides {
            if flow.from.is_empty() {
                continue;
            }
            let mean_per_hour =
                (0..minutes).map(|m| rate_at(&flow.profile, tod_s + m * 60)).sum::<f64>() / f64::from(minutes);
            let share = mean_per_hour * f64::from(horizon_s) / 3600.0 / flow.from.len() as f64;
            for &p in &flow.from {
                out[p] += share;
            }
        }
        out
    }
}

/// A ride request as the demand model draws it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DrawnRide {
    /// When it is made, ms since the start.
    pub t_ms: u64,
    /// Flow index.
    pub flow: u32,
    /// Pickup place index.
    pub from: usize,
    /// Destination place index.
    pub to: usize,
}

/// Every ride request a run of the town's scenario with `seed` makes, in the order the run
/// makes them, without running it (to hand the same demand to another simulator).
pub fn draw_rides(town: &TownMap, seed: u64) -> Vec<DrawnRide> {
    let run = &town.scenario.run;
    let end_ms = u64::from(run.duration_s) * 1000;
    let tick = u64::from(run.tick_ms);
    let mut model = DemandModel::new(town, seed, run.start.seconds(), end_ms);
    let mut out = Vec::new();
    for (i, flow) in model.rides.iter_mut().enumerate() {
        // The run makes the requests due at each tick, up to its last tick.
        while flow.next_ms < end_ms && flow.next_ms <= end_ms - tick {
            let t_ms = flow.next_ms;
            let (from, to) = flow.pick();
            out.push(DrawnRide { t_ms, flow: i as u32, from, to });
            flow.next_ms = flow.draw_next(t_ms, run.start.seconds(), end_ms);
        }
    }
    out.sort_by_key(|r| (r.t_ms.div_ceil(tick) * tick, r.flow, r.t_ms));
    out
}

impl DemandModel {
    fn new(town: &TownMap, seed: u64, start_tod_s: u32, end_ms: u64) -> Self {
        let demand = &town.scenario.demand;
        let mut model = DemandModel { rides: Vec::new(), parcels: Vec::new(), start_tod_s, end_ms };
        for (i, r) in demand.rides.iter().enumerate() {
            let rng = rng::stream(seed, &format!("demand/rides/{i}"));
            let (from, to) = (resolve(town, &r.from), resolve(town, &r.to));
            model.rides.push(Flow::new(rng, r.profile.clone(), from, to, start_tod_s, end_ms));
        }
        for (i, p) in demand.parcels.iter().enumerate() {
            let from = town.place(&p.from).into_iter().collect();
            let rng = rng::stream(seed, &format!("demand/parcels/{i}"));
            model.parcels.push(Flow::new(rng, p.profile.clone(), from, resolve(town, &p.to), start_tod_s, end_ms));
        }
        model
    }
}

impl FromWorld for DemandModel {
    fn from_world(world: &mut World) -> Self {
        let seed = world.resource::<SimConfig>().seed;
        let town = world.resource::<TownMap>();
        let clock = world.resource::<SimClock>();
        DemandModel::new(town, seed, clock.start_tod_s, clock.end_ms)
    }
}

/// Adds demand.
pub struct DemandPlugin;

impl Plugin for DemandPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<Requests>()
            .init_resource::<DemandModel>()
            .add_systems(SimStep, generate_demand.in_set(SimSystems::Demand));
    }
}

/// Creates the requests and orders that have arrived since the last tick.
pub fn generate_demand(
    clock: Res<SimClock>,
    town: Res<TownMap>,
    mut model: ResMut<DemandModel>,
    mut requests: ResMut<Requests>,
    mut log: ResMut<EventLog>,
) {
    // Arrivals up to now: a request never dates from later than the tick that handles it.
    let due = clock.now_ms;
    let (start_tod_s, end_ms) = (model.start_tod_s, model.end_ms);
    let demand = &town.scenario.demand;
    for (i, flow) in model.rides.iter_mut().enumerate() {
        while flow.next_ms <= due {
            let t_ms = flow.next_ms;
            let (from, to) = flow.pick();
            let id = requests.rides.len() as u32;
            let latest_pickup_ms = t_ms + u64::from(demand.rides[i].max_wait_s) * 1000;
            requests.rides.push(RideRequest {
                id,
                flow: i as u32,
                t_ms,
                from,
                to,
                latest_pickup_ms,
                status: RequestStatus::Open,
                pickup_ms: None,
                dropoff_ms: None,
                direct_ms: 0,
                shared: false,
            });
            let at = town.place_pos[from];
            let names = &town.scenario.map.places;
            log.push(
                t_ms,
                EventKind::Request,
                id,
                [at.x, at.y, 0.0],
                format!("{} -> {}", names[from].name, names[to].name),
            );
            flow.next_ms = flow.draw_next(t_ms, start_tod_s, end_ms);
        }
    }
    for (i, flow) in model.parcels.iter_mut().enumerate() {
        while flow.next_ms <= due {
            let t_ms = flow.next_ms;
            let (from, to) = flow.pick();
            let p = &demand.parcels[i];
            let id = requests.parcels.len() as u32;
            let latest_launch_ms = t_ms + u64::from(p.max_wait_s) * 1000;
            requests.parcels.push(ParcelOrder {
                id,
                flow: i as u32,
                t_ms,
                from,
                to,
                weight_kg: p.weight_kg,
                latest_launch_ms,
                status: OrderStatus::Open,
                launched_ms: None,
                delivered_ms: None,
            });
            let at = town.place_pos[to];
            log.push(
                t_ms,
                EventKind::Order,
                id,
                [at.x, at.y, 0.0],
                format!("parcel to {}", town.scenario.map.places[to].name),
            );
            flow.next_ms = flow.draw_next(t_ms, start_tod_s, end_ms);
        }
    }
}

#[cfg(test)]
mod tests {
    use pilotzone_scenario::ClockTime;

    use super::*;

    #[test]
    fn the_open_range_starts_at_the_oldest_still_open_and_never_skips_one() {
        let open = |v: &bool| *v;
        let mut items = vec![false, true, false, true, true];
        let mut closed_before = 0;
        assert_eq!(open_from(&items, &mut closed_before, open), 1..5, "the first open one is at 1");
        items[3] = false;
        assert_eq!(open_from(&items, &mut closed_before, open), 1..5, "one closed after an open one changes nothing");
        items[1] = false;
        assert_eq!(open_from(&items, &mut closed_before, open), 4..5, "closed ones in between are passed over");
        items.push(true);
        items[4] = false;
        assert_eq!(open_from(&items, &mut closed_before, open), 5..6, "a new one is open");
        items[5] = false;
        assert_eq!(open_from(&items, &mut closed_before, open), 6..6, "none open: an empty range at the end");
        assert_eq!(open_from(&items, &mut closed_before, open), 6..6);
    }

    fn flow(profile: Vec<RateStep>, seed: u64) -> Flow {
        Flow { rng: rng::stream(seed, "test"), next_ms: 0, profile, from: vec![0], to: vec![1] }
    }

    #[test]
    fn arrival_counts_follow_the_profile() {
        let step = |h: u32, per_hour: f64| RateStep { from: ClockTime(h * 3600), per_hour };
        // 07:00-08:00 at 120/h, 08:00-09:00 at 0, 09:00- at 30/h; three hours from 07:00.
        let mut f = flow(vec![step(7, 120.0), step(8, 0.0), step(9, 30.0)], 9);
        let (start, end) = (7 * 3600, 3 * 3_600_000);
        let mut counts = [0u32; 3];
        let mut t = f.draw_next(0, start, end);
        while t < end {
            counts[(t / 3_600_000) as usize] += 1;
            t = f.draw_next(t, start, end);
        }
        assert_eq!(counts[1], 0, "no arrivals while the rate is zero");
        // Poisson(120): 3 standard deviations is about 33; Poisson(30): about 16.
        assert!((87..=153).contains(&counts[0]), "first hour {counts:?}");
        assert!((14..=46).contains(&counts[2]), "third hour {counts:?}");
    }

    #[test]
    fn rates_before_the_first_step_are_zero_and_wrap_daily() {
        let profile = vec![RateStep { from: ClockTime(7 * 3600), per_hour: 10.0 }];
        assert_eq!(rate_at(&profile, 6 * 3600), 0.0);
        assert_eq!(rate_at(&profile, 8 * 3600), 10.0);
        assert_eq!(next_change_s(&profile, 6 * 3600), 3600);
        assert_eq!(next_change_s(&profile, 8 * 3600), 16 * 3600);
        assert_eq!(rate_at(&profile, DAY_S + 6 * 3600), 0.0, "the next day starts over");
    }
}

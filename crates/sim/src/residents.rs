//! The people who live in the zone: residents driving their own cars between places, and people
//! crossing roads at marked crossings. They share the road with the robotaxis and are what makes
//! road safety measurable.
//!
//! Cars are driven by the vehicles' driving model ([`crate::vehicle`]) with a human driver's
//! speed choice; this module starts their trips, and a car parks where its trip ends. Pedestrians arrive at a
//! crossing's kerb, wait until they judge it safe (or, for the careless share, do not), and walk
//! across. Vehicles give way to anyone on a crossing or waiting at its kerb.

use bevy::prelude::*;
use pilotzone_routing::Query as RouteQuery;
use pilotzone_routing::Vec2;
use rand::RngExt;

use crate::clock::SimClock;
use crate::demand::{Flow, resolve};
use crate::roster::{DroneRoster, TaxiRoster};
use crate::rules::ActiveRules;
use crate::schedule::{ControlSystems, DispatchSystems, SetupSystems, SimSetup, SimStep};
use crate::town::TownMap;
use crate::vehicle::{Driver, OnRoad, Phase, Taxi, TaxiState};
use crate::{SimConfig, rng};

pub use crate::roster::{CarRoster, PedestrianRoster};
pub use crate::vehicle::{CROSSING_STOP_M, CarTrip, CrossingState, park};

/// Deceleration a pedestrian expects a driver to manage without alarm, m/s².
pub const EXPECTED_BRAKE_MPS2: f64 = 2.5;
/// A vehicle whose centre is this close to a crossing's middle stands on it, m.
const ON_CROSSING_M: f64 = 3.5;
/// Where people wait, beyond the kerb line, m.
const KERB_WAIT_M: f64 = 1.0;
/// Extra margin a careful pedestrian wants beyond a driver's stopping distance, m.
const CAREFUL_MARGIN_M: f64 = 5.0;
/// Spread of drivers' speed factors (normal, mean 1, clipped to ±3 standard deviations).
const SPEED_FACTOR_SD: f64 = 0.1;

/// A person's fixed properties.
#[derive(Component, Clone, Debug)]
pub struct Pedestrian {
    /// Stable id (also its replay entity id).
    pub id: u32,
    /// Index of its flow in `residents.pedestrians`.
    pub flow: usize,
    /// Walking speed, m/s.
    pub walk_mps: f64,
}

/// What a person is doing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Walk {
    /// Not in the street.
    OffStreet,
    /// At the kerb of a crossing, on side `side` (+1 or -1 across the road), since a time.
    Waiting {
        /// Crossing index.
        crossing: usize,
        /// Side of the road, as a multiple of the crossing's `across` vector.
        side: f64,
        /// When they arrived.
        since_ms: u64,
    },
    /// On the crossing, `progress_m` from the kerb they left.
    Crossing {
        /// Crossing index.
        crossing: usize,
        /// Side they started from.
        side: f64,
        /// Distance walked, m.
        progress_m: f64,
    },
}

/// A person's changing state.
#[derive(Component, Clone, Debug)]
pub struct PedestrianState {
    /// What they are doing.
    pub walk: Walk,
    /// Whether this person steps out without checking that vehicles can stop.
    pub careless: bool,
    /// Where they are.
    pub at: Vec2,
    /// Direction of walking, radians counter-clockwise from east.
    pub heading: f64,
    /// Speed now, m/s.
    pub speed_mps: f64,
}

impl PedestrianState {
    /// Whether the person is on the carriageway.
    pub fn on_road(&self) -> bool {
        matches!(self.walk, Walk::Crossing { .. })
    }

    /// Whether the person is in the street (on a crossing or waiting at its kerb).
    pub fn in_street(&self) -> bool {
        self.walk != Walk::OffStreet
    }
}

/// Running totals of the residents' activity.
#[derive(Resource, Debug, Default)]
pub struct ResidentStats {
    /// Car trips started.
    pub car_trips: u32,
    /// Car trips that found no parked car, or no open road.
    pub car_trips_dropped: u32,
    /// People who finished crossing.
    pub crossed: u32,
    /// Total time people waited at the kerb before stepping out, ms.
    pub kerb_wait_ms: u64,
    /// People who could not appear because the flow's pool was full.
    pub pedestrians_dropped: u32,
}

/// The residents' arrival processes and routing scratch.
#[derive(Resource, Debug)]
pub struct ResidentModel {
    cars: Vec<Flow>,
    pedestrians: Vec<Flow>,
    query: RouteQuery,
    path: Vec<u32>,
    start_tod_s: u32,
    end_ms: u64,
}

impl FromWorld for ResidentModel {
    fn from_world(world: &mut World) -> Self {
        let seed = world.resource::<SimConfig>().seed;
        let town = world.resource::<TownMap>();
        let clock = world.resource::<SimClock>();
        let (start_tod_s, end_ms) = (clock.start_tod_s, clock.end_ms);
        let r = &town.scenario.residents;
        let cars = r
            .cars
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let rng = rng::stream(seed, &format!("residents/cars/{i}"));
                let to = resolve(town, &f.to);
                Flow::new(rng, f.profile.clone(), to.clone(), to, start_tod_s, end_ms)
            })
            .collect();
        let pedestrians = r
            .pedestrians
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let rng = rng::stream(seed, &format!("residents/pedestrians/{i}"));
                let crossings: Vec<usize> = if f.crossings.is_empty() {
                    (0..town.crossings.len()).collect()
                } else {
                    let names = &town.scenario.map.crossings;
                    f.crossings
                        .iter()
                        .map(|n| names.iter().position(|c| &c.name == n).expect("validated: known crossings"))
                        .collect()
                };
                Flow::new(rng, f.profile.clone(), crossings.clone(), crossings, start_tod_s, end_ms)
            })
            .collect();
        ResidentModel { cars, pedestrians, query: RouteQuery::new(&town.cch), path: Vec::new(), start_tod_s, end_ms }
    }
}

/// Adds residents.
pub struct ResidentsPlugin;

impl Plugin for ResidentsPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<CarRoster>()
            .init_resource::<PedestrianRoster>()
            .init_resource::<ResidentStats>()
            .init_resource::<ResidentModel>()
            .add_systems(SimSetup, spawn_residents.in_set(SetupSystems::Residents))
            .add_systems(SimStep, start_car_trips.in_set(DispatchSystems::Residents))
            .add_systems(SimStep, walk.in_set(ControlSystems::Residents));
    }
}

/// Most people a flow has in the street at once, with room to spare: arrivals over the time
/// to cross plus a minute's wait, three times over, and a few more.
fn pool_size(f: &pilotzone_scenario::PedestrianFlow, widest_m: f64) -> u32 {
    let peak = f.profile.iter().map(|s| s.per_hour).fold(0.0, f64::max);
    let in_street_s = widest_m / f.walk_mps + 60.0;
    (peak / 3600.0 * in_street_s * 3.0).ceil() as u32 + 4
}

/// Parks every car at a place drawn from its flow's `from`, and creates the pedestrian pools.
pub fn spawn_residents(
    mut commands: Commands,
    config: Res<SimConfig>,
    town: Res<TownMap>,
    taxis: Res<TaxiRoster>,
    drones: Res<DroneRoster>,
    mut cars: ResMut<CarRoster>,
    mut people: ResMut<PedestrianRoster>,
) {
    let mut id = (taxis.0.len() + drones.0.len()) as u32;
    let r = &town.scenario.residents;
    for (flow, f) in r.cars.iter().enumerate() {
        let mut draw = rng::stream(config.seed, &format!("residents/cars/{flow}/parking"));
        let homes = resolve(&town, &f.from);
        for _ in 0..f.count {
            let place = homes[draw.random_range(0..homes.len())];
            // One normal draw per driver, from the flow's own stream.
            let speed_factor = 1.0 + SPEED_FACTOR_SD * rng::standard_normal(&mut draw);
            let at = town.place_pos[place];
            let taxi = Taxi {
                id,
                fleet: 0,
                seats: 0,
                max_speed_mps: 100.0 / 3.6,
                kwh_per_km: 0.0,
                driver: Driver::Human { speed_factor },
            };
            let state = TaxiState::parked(town.place_node[place], at);
            cars.0.push(commands.spawn((taxi, state, CarTrip { flow, place, driving: false })).id());
            id += 1;
        }
    }
    let widest = town.crossings.iter().map(|c| 2.0 * c.half_width_m).fold(0.0, f64::max);
    for (flow, f) in r.pedestrians.iter().enumerate() {
        for _ in 0..pool_size(f, widest) {
            let state = PedestrianState {
                walk: Walk::OffStreet,
                careless: false,
                at: Vec2::default(),
                heading: 0.0,
                speed_mps: 0.0,
            };
            people.0.push(commands.spawn((Pedestrian { id, flow, walk_mps: f.walk_mps }, state)).id());
            id += 1;
        }
    }
}

/// Starts the car trips that are due: a parked car of the flow, drawn at random, drives to a
/// destination drawn from the flow's `to` along the route drivers know.
pub fn start_car_trips(
    clock: Res<SimClock>,
    town: Res<TownMap>,
    rules: Res<ActiveRules>,
    roster: Res<CarRoster>,
    mut model: ResMut<ResidentModel>,
    mut stats: ResMut<ResidentStats>,
    mut cars: Query<(&mut TaxiState, &mut CarTrip)>,
) {
    let model = &mut *model;
    let (start_tod_s, end_ms) = (model.start_tod_s, model.end_ms);
    for (flow_i, flow) in model.cars.iter_mut().enumerate() {
        while flow.next_ms <= clock.now_ms {
            let t_ms = flow.next_ms;
            flow.next_ms = flow.draw_next(t_ms, start_tod_s, end_ms);
            let parked: Vec<Entity> = roster
                .0
                .iter()
                .copied()
                .filter(|&e| cars.get(e).is_ok_and(|(_, trip)| trip.flow == flow_i && !trip.driving))
                .collect();
            if parked.is_empty() {
                stats.car_trips_dropped += 1;
                continue;
            }
            let car = parked[flow.rng.random_range(0..parked.len())];
            let (mut state, mut trip) = cars.get_mut(car).expect("roster entities are cars");
            let (_, dest) = flow.pick();
            let (from, to) = (town.place_node[trip.place], town.place_node[dest]);
            let found = model.query.path(&town.cch, &rules.car_routes, from, to, &mut model.path);
            if dest == trip.place || found.is_none() || model.path.is_empty() {
                stats.car_trips_dropped += 1;
                continue;
            }
            stats.car_trips += 1;
            trip.place = dest;
            trip.driving = true;
            state.route.clear();
            state.route.extend_from_slice(&model.path);
            state.route_i = 0;
            state.route_version = rules.version;
            state.phase = Phase::PullingOut;
        }
    }
}

/// A vehicle on one of a crossing's arcs, as pedestrians see it.
struct Approach {
    arc: u32,
    offset_m: f64,
    speed_mps: f64,
}

/// Brings people to the kerb, lets them step out when they judge it safe, walks them across,
/// and marks the crossings vehicles must give way at.
pub fn walk(
    clock: Res<SimClock>,
    town: Res<TownMap>,
    on_road: Res<OnRoad>,
    people: Res<PedestrianRoster>,
    mut model: ResMut<ResidentModel>,
    mut stats: ResMut<ResidentStats>,
    mut crossings: ResMut<CrossingState>,
    mut walkers: Query<(&Pedestrian, &mut PedestrianState)>,
) {
    let now = clock.now_ms;
    let dt = clock.dt_s();
    let model = &mut *model;
    let (start_tod_s, end_ms) = (model.start_tod_s, model.end_ms);
    let careless_share: Vec<f64> = town.scenario.residents.pedestrians.iter().map(|f| f.careless).collect();
    for (flow_i, flow) in model.pedestrians.iter_mut().enumerate() {
        while flow.next_ms <= now {
            let t_ms = flow.next_ms;
            flow.next_ms = flow.draw_next(t_ms, start_tod_s, end_ms);
            let (crossing, _) = flow.pick();
            let side = if flow.rng.random::<bool>() { 1.0 } else { -1.0 };
            let careless = flow.rng.random::<f64>() < careless_share[flow_i];
            let free = people
                .0
                .iter()
                .copied()
                .find(|&e| walkers.get(e).is_ok_and(|(p, s)| p.flow == flow_i && s.walk == Walk::OffStreet));
            let Some(e) = free else {
                stats.pedestrians_dropped += 1;
                continue;
            };
            let (_, mut s) = walkers.get_mut(e).expect("roster entities are pedestrians");
            let c = &town.crossings[crossing];
            s.walk = Walk::Waiting { crossing, side, since_ms: now };
            s.careless = careless;
            s.at = c.centre + c.across.scale(side * (c.half_width_m + KERB_WAIT_M));
            s.heading = (-c.across.y * side).atan2(-c.across.x * side);
            s.speed_mps = 0.0;
        }
    }

    // Vehicles on each crossing's arcs: those driving, as control listed them after its moves.
    let mut approaching: Vec<Vec<Approach>> = (0..town.crossings.len()).map(|_| Vec::new()).collect();
    for v in &on_road.vehicles {
        for &(c, _) in &town.arc_crossings[v.arc as usize] {
            approaching[c].push(Approach { arc: v.arc, offset_m: v.offset_m, speed_mps: v.speed_mps });
        }
    }
    for &e in &people.0 {
        let (p, mut s) = walkers.get_mut(e).expect("roster entities are pedestrians");
        match s.walk {
            Walk::OffStreet => {}
            Walk::Waiting { crossing, side, since_ms } => {
                let c = &town.crossings[crossing];
                let offset_on = |arc: u32| c.arcs.iter().find(|a| a.0 == arc).map_or(0.0, |a| a.1);
                let blocked = approaching[crossing].iter().any(|v| {
                    let to_middle = offset_on(v.arc) - v.offset_m;
                    let on_it = to_middle.abs() < ON_CROSSING_M;
                    // A careful person lets a vehicle pass that could not stop comfortably.
                    let stopping = v.speed_mps * v.speed_mps / (2.0 * EXPECTED_BRAKE_MPS2);
                    let too_close = to_middle > 0.0 && to_middle - CROSSING_STOP_M < stopping + CAREFUL_MARGIN_M;
                    on_it || (!s.careless && too_close && v.speed_mps > 0.5)
                });
                if !blocked {
                    stats.kerb_wait_ms += now - since_ms;
                    s.walk = Walk::Crossing { crossing, side, progress_m: 0.0 };
                    s.speed_mps = p.walk_mps;
                }
            }
            Walk::Crossing { crossing, side, progress_m } => {
                let c = &town.crossings[crossing];
                let length = 2.0 * (c.half_width_m + KERB_WAIT_M);
                let progress_m = progress_m + p.walk_mps * dt;
                if progress_m >= length {
                    s.walk = Walk::OffStreet;
                    s.speed_mps = 0.0;
                    stats.crossed += 1;
                } else {
                    s.walk = Walk::Crossing { crossing, side, progress_m };
                    s.at = c.centre + c.across.scale(side * (c.half_width_m + KERB_WAIT_M - progress_m));
                }
            }
        }
    }
    crossings.active.iter_mut().for_each(|a| *a = false);
    for &e in &people.0 {
        let (_, s) = walkers.get(e).expect("roster entities are pedestrians");
        if let Walk::Waiting { crossing, .. } | Walk::Crossing { crossing, .. } = s.walk {
            crossings.active[crossing] = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pools_cover_the_peak_with_room_to_spare() {
        let step = |per_hour| pilotzone_scenario::RateStep { from: pilotzone_scenario::ClockTime(0), per_hour };
        let flow = pilotzone_scenario::PedestrianFlow {
            name: "p".into(),
            crossings: Vec::new(),
            profile: vec![step(60.0), step(180.0)],
            walk_mps: 1.0,
            careless: 0.0,
        };
        // 180/h = 0.05/s, over 9 m walked + 60 s waiting = 69 s: 3.45 at once, ×3, +4.
        assert_eq!(pool_size(&flow, 9.0), 15);
    }
}

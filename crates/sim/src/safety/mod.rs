//! The safety monitor: every collision, near miss, loss of separation, no-fly incursion and
//! speed violation becomes an incident with time, place, entities and the measured value.
//!
//! Conditions that last (two drones too close, a drone inside a volume) are counted once per
//! episode ([`episode`]): from when they start until they clear. [`road`] checks vehicles and
//! people on the road, [`air`] checks drones.

pub mod air;
pub mod episode;
pub mod road;

use bevy::prelude::*;

use crate::clock::SimClock;
use crate::drone::{Drone, DroneState};
use crate::events::{EventKind, EventLog, Incident};
use crate::physics::Contacts;
use crate::residents::{Pedestrian, PedestrianState};
use crate::roster::Rosters;
use crate::rules::ActiveRules;
use crate::schedule::{ControlSystems, SimStep, SimSystems};
use crate::town::TownMap;
use crate::vehicle::{OnRoad, Taxi, TaxiState};
use crate::worker::{Handed, Worker};

pub use crate::geom::{close_pairs, distance_to_edge, distance_to_polygon, time_to_contact};
pub use air::{Aloft, NOISE_REFERENCE_M, OVERFLIGHT_BELOW_M, TERMINAL_RADIUS_M};
use episode::Episodes;
use road::LookAhead;
pub use road::{NEAR_MISS_MIN_CLOSING_MPS, NEAR_MISS_TTC_S, SPEED_TOLERANCE_KMH};

/// Incident counts, resident exposure, and the episodes still open.
#[derive(Resource, Debug, Default)]
pub struct SafetyMonitor {
    /// Collisions.
    pub collisions: u32,
    /// Near misses.
    pub near_misses: u32,
    /// Losses of separation (drone–drone and other pairs of moving things).
    pub separation_losses: u32,
    /// Drones closer to a building than the minimum.
    pub building_proximity: u32,
    /// No-fly incursions.
    pub nofly_incursions: u32,
    /// Drones above the ceiling in force.
    pub altitude_violations: u32,
    /// Speed violations.
    pub speed_violations: u32,
    /// Drone-seconds over residential zones below [`OVERFLIGHT_BELOW_M`].
    pub overflight_s: f64,
    /// Drone noise index over residential zones: seconds weighted by (30 m / height)².
    pub noise_index: f64,
    /// Taxi entries into school-zone roads while the school is in session.
    pub school_passes: u32,
    near: Episodes<(u32, u32)>,
    separated: Episodes<(u32, u32)>,
    near_building: Episodes<(u32, usize)>,
    passing: Episodes<(u32, u32)>,
    over_people: Episodes<(u32, u32)>,
    inside: Episodes<(u32, usize)>,
    above: Episodes<u32>,
    speeding: Episodes<u32>,
    last_arc: Vec<Option<u32>>,
    /// Speeding the road's checks found as soon as vehicles had moved, logged after this tick's
    /// collisions, in the order the monitor has always logged them.
    road_found: EventLog,
    /// Incidents the air's checks found, logged after the look ahead's.
    air_found: EventLog,
    /// The look ahead for near misses between vehicles.
    pub look_ahead: RoadLookAhead,
}

/// The look ahead for near misses between vehicles: where it is, and from how many vehicles it
/// goes to the worker thread.
#[derive(Debug)]
pub struct RoadLookAhead {
    look: Looking,
    /// From how many vehicles on the road the look ahead goes to the worker thread; fewer are
    /// looked at in place, where handing over would cost more than it saves.
    pub hand_over_from: usize,
    handed_over: u64,
}

impl Default for RoadLookAhead {
    fn default() -> Self {
        RoadLookAhead { look: Looking::Home(Box::default()), hand_over_from: HAND_OVER_FROM, handed_over: 0 }
    }
}

impl RoadLookAhead {
    /// How many ticks' look ahead went to the worker thread.
    pub fn handed_over(&self) -> u64 {
        self.handed_over
    }
}

/// Vehicles on the road from which the look ahead goes to a worker thread by default: below
/// it, waking a worker costs more than looking in place.
pub const HAND_OVER_FROM: usize = 512;

/// Where this tick's look ahead is.
enum Looking {
    /// Here: done, or not yet given anything.
    Home(Box<LookAhead>),
    /// On a worker thread.
    Away(Handed<Box<LookAhead>>),
    /// In the hands of the system that took it.
    Lent,
}

impl Looking {
    /// The look ahead, taken back from its worker thread if it went to one (a panic there is
    /// raised here).
    fn take(&mut self) -> Box<LookAhead> {
        match std::mem::replace(self, Looking::Lent) {
            Looking::Home(look) => look,
            Looking::Away(handed) => handed.take(),
            Looking::Lent => unreachable!("the look ahead is given back by the system that takes it"),
        }
    }
}

impl std::fmt::Debug for Looking {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Looking::Home(_) => "Looking::Home",
            Looking::Away(_) => "Looking::Away",
            Looking::Lent => "Looking::Lent",
        })
    }
}

/// Adds the monitor.
pub struct SafetyPlugin;

impl Plugin for SafetyPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<SafetyMonitor>()
            .init_resource::<Aloft>()
            .add_systems(SimStep, check_roads.in_set(ControlSystems::RoadChecks))
            .add_systems(SimStep, monitor_safety.in_set(SimSystems::Safety))
            .add_systems(SimStep, log_findings.in_set(SimSystems::Findings));
    }
}

/// Severity of a measured excess: 1 (minor) to 3 (severe), by how far past the limit.
fn severity(excess_share: f64) -> u8 {
    if excess_share > 0.5 {
        3
    } else if excess_share > 0.2 {
        2
    } else {
        1
    }
}

/// What every check reads, and the log it writes incidents to.
struct Check<'a> {
    now: u64,
    town: &'a TownMap,
    rules: &'a ActiveRules,
    log: &'a mut EventLog,
}

impl<'a> Check<'a> {
    /// The id of a scenario rule, or nothing.
    fn rule_id(&self, rule: Option<usize>) -> &'a str {
        let town: &'a TownMap = self.town;
        rule.map_or("", |r| town.scenario.rules[r].id.as_str())
    }
}

/// Checks the vehicles on the road as soon as they have moved: their speeds here (logged by
/// [`monitor_safety`]), the look ahead for near misses between them on the worker thread at city
/// scale (taken back by [`log_findings`]).
pub fn check_roads(
    clock: Res<SimClock>,
    town: Res<TownMap>,
    rules: Res<ActiveRules>,
    roster: Rosters,
    on_road: Res<OnRoad>,
    mut monitor: ResMut<SafetyMonitor>,
    mut worker: ResMut<Worker>,
) {
    let monitor = &mut *monitor;
    let mut found = std::mem::take(&mut monitor.road_found);
    let mut cx = Check { now: clock.now_ms, town: &town, rules: &rules, log: &mut found };
    road::check_speeds(&mut cx, monitor, &roster, &on_road, clock.time_of_day_s());
    monitor.road_found = found;
    let ahead = &mut monitor.look_ahead;
    let mut look = ahead.look.take();
    look.give(on_road.share(), town.clone(), clock.now_ms);
    if on_road.vehicles.len() < ahead.hand_over_from {
        look.run();
        ahead.look = Looking::Home(look);
        return;
    }
    ahead.look = Looking::Away(worker.hand_over(move || {
        look.run();
        look
    }));
    ahead.handed_over += 1;
}

/// Logs this tick's collisions and the speeds the road's checks found, and checks the drones;
/// what the drones' checks find waits for the look ahead ([`log_findings`]).
pub fn monitor_safety(
    clock: Res<SimClock>,
    town: Res<TownMap>,
    rules: Res<ActiveRules>,
    contacts: Res<Contacts>,
    mut aloft: ResMut<Aloft>,
    roster: Rosters,
    taxis: Query<(&Taxi, &TaxiState)>,
    drones: Query<(&Drone, &DroneState)>,
    walkers: Query<(&Pedestrian, &PedestrianState)>,
    mut monitor: ResMut<SafetyMonitor>,
    mut log: ResMut<EventLog>,
) {
    let monitor = &mut *monitor;
    let mut cx = Check { now: clock.now_ms, town: &town, rules: &rules, log: &mut log };
    log_collisions(&mut cx, monitor, &contacts, &roster, &taxis, &drones, &walkers);
    cx.log.events.append(&mut monitor.road_found.events);
    let mut air_found = std::mem::take(&mut monitor.air_found);
    let mut cx = Check { now: clock.now_ms, town: &town, rules: &rules, log: &mut air_found };
    air::check(&mut cx, monitor, &mut aloft, &roster, &contacts, &drones, &walkers, clock.dt_s());
    monitor.air_found = air_found;
}

/// Takes the look ahead back (as late in the tick as its findings can be logged, so that at
/// city scale the worker thread has had the tick's tallies and frame to look in), logs the near
/// misses it found, checks people on crossings, then logs what the drones' checks found: the
/// order the monitor has always logged them in.
pub fn log_findings(
    town: Res<TownMap>,
    rules: Res<ActiveRules>,
    roster: Rosters,
    on_road: Res<OnRoad>,
    walkers: Query<(&Pedestrian, &PedestrianState)>,
    mut monitor: ResMut<SafetyMonitor>,
    mut log: ResMut<EventLog>,
) {
    let monitor = &mut *monitor;
    let look = monitor.look_ahead.look.take();
    let mut cx = Check { now: look.now_ms(), town: &town, rules: &rules, log: &mut log };
    road::finish(&mut cx, monitor, &look, &on_road, &roster, &walkers);
    monitor.look_ahead.look = Looking::Home(look);
    cx.log.events.append(&mut monitor.air_found.events);
}

/// One incident for every pair of bodies that started touching.
fn log_collisions(
    cx: &mut Check,
    monitor: &mut SafetyMonitor,
    contacts: &Contacts,
    roster: &Rosters,
    taxis: &Query<(&Taxi, &TaxiState)>,
    drones: &Query<(&Drone, &DroneState)>,
    walkers: &Query<(&Pedestrian, &PedestrianState)>,
) {
    let (taxi_roster, drone_roster, car_roster, people) = (&roster.taxis, &roster.drones, &roster.cars, &roster.people);
    let (first_drone, first_car, first_person) = (roster.first_drone(), roster.first_car(), roster.first_person());
    let position = |id: u32| -> [f64; 3] {
        let flat = |at: pilotzone_routing::Vec2| [at.x, at.y, 0.0];
        if id < first_drone {
            flat(taxis.get(taxi_roster.0[id as usize]).expect("roster entities are taxis").1.at)
        } else if id < first_car {
            drones.get(drone_roster.0[(id - first_drone) as usize]).expect("roster entities are drones").1.pos
        } else if id < first_person {
            flat(taxis.get(car_roster.0[(id - first_car) as usize]).expect("roster entities are cars").1.at)
        } else {
            flat(walkers.get(people.0[(id - first_person) as usize]).expect("roster entities are people").1.at)
        }
    };
    for &(a, b) in &contacts.started {
        monitor.collisions += 1;
        let incident = Incident { rule: None, other: Some(b), value: 0.0, limit: 0.0, severity: 3 };
        cx.log.incident(cx.now, EventKind::Collision, a, position(a), incident, format!("{a} and {b} touched"));
    }
}

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
use crate::demand::Requests;
use crate::drone::{Drone, DroneState};
use crate::events::{EventKind, EventLog, Incident};
use crate::physics::Contacts;
use crate::residents::{Pedestrian, PedestrianState};
use crate::roster::Rosters;
use crate::rules::ActiveRules;
use crate::schedule::{PhysicsSystems, SimStep, SimSystems};
use crate::town::TownMap;
use crate::vehicle::{OnRoad, Taxi, TaxiState};

pub use crate::geom::{close_pairs, distance_to_edge, distance_to_polygon, time_to_contact};
pub use air::{NOISE_REFERENCE_M, OVERFLIGHT_BELOW_M, TERMINAL_RADIUS_M};
use episode::Episodes;
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
    /// Incidents the road check found while physics stepped, logged after this tick's
    /// collisions, in the order the monitor has always logged them.
    road_found: EventLog,
}

/// Adds the monitor.
pub struct SafetyPlugin;

impl Plugin for SafetyPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<SafetyMonitor>()
            .add_systems(SimStep, check_roads.in_set(PhysicsSystems::Roads))
            .add_systems(SimStep, monitor_safety.in_set(SimSystems::Safety));
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

/// Checks vehicles and people on the road, which physics does not move, while it steps; what
/// it finds waits in the monitor for [`monitor_safety`].
pub fn check_roads(
    clock: Res<SimClock>,
    town: Res<TownMap>,
    rules: Res<ActiveRules>,
    roster: Rosters,
    on_road: Res<OnRoad>,
    taxis: Query<(&Taxi, &TaxiState)>,
    walkers: Query<(&Pedestrian, &PedestrianState)>,
    mut monitor: ResMut<SafetyMonitor>,
) {
    let monitor = &mut *monitor;
    let mut found = std::mem::take(&mut monitor.road_found);
    let mut cx = Check { now: clock.now_ms, town: &town, rules: &rules, log: &mut found };
    road::check(&mut cx, monitor, &roster, &on_road.0, &taxis, &walkers, clock.time_of_day_s());
    monitor.road_found = found;
}

/// Logs this tick's collisions, then what the road check found, then checks the drones.
pub fn monitor_safety(
    clock: Res<SimClock>,
    town: Res<TownMap>,
    rules: Res<ActiveRules>,
    contacts: Res<Contacts>,
    requests: Res<Requests>,
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
    air::check(&mut cx, monitor, &roster, &drones, &walkers, &requests, clock.dt_s());
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

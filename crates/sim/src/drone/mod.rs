//! Delivery drones: orders flown from the vertiport to a garden and back, along 3D paths from
//! the airspace planner that keep out of the no-fly volumes in force and go round other
//! vertiports' terminal areas, with departures spaced at the vertiport and outbound and return
//! legs on different altitude layers.
//!
//! [`airframe`] is what a drone is, [`launch`] sends it off, [`flight`] flies it, and
//! [`deconflict`] reserves the airspace a flight will use before it leaves, [`tactical`] keeps
//! flights apart that come too close all the same; [`crate::crash`] ends a flight that touched
//! something.

pub mod airframe;
pub mod deconflict;
pub mod flight;
pub mod launch;
pub mod tactical;

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use pilotzone_routing::Vec2;
use pilotzone_routing::airspace::Waypoint;
use rand_chacha::ChaCha8Rng;

use crate::clock::SimClock;
use crate::demand::ParcelOrder;
use crate::events::EventLog;
use crate::roster::TaxiRoster;
use crate::rules::ActiveRules;
use crate::schedule::{ControlSystems, DispatchSystems, SetupSystems, SimSetup, SimStep};
use crate::town::TownMap;
use crate::watch::Watched;
use crate::{SimConfig, rng};

pub use crate::roster::DroneRoster;
pub use airframe::{
    CONTROL_RAD_S, DRAG_PER_S, DRONE_MASS_KG, Drone, GRAVITY, MAX_THRUST_G, MIN_GROUND_MPS, ground_speed,
};
pub use deconflict::Reservations;
pub use flight::{ARRIVE_M, EASE_MIN_MPS, EASE_MPS2, FEEDFORWARD_MPS2, GUST_TIME_S, blow_wind};
pub use launch::{ASSIGN_PERIOD_MS, ENERGY_RESERVE, assign_orders};
pub use tactical::Tactical;

/// Height at which the parcel is lowered to the garden, m.
pub const DROP_HEIGHT_M: f64 = 3.0;
/// Time hovering to lower a parcel, ms.
pub const DROP_MS: u64 = 20_000;
/// Height above the outbound layer at which drones fly home, m.
pub const RETURN_LAYER_M: f64 = 15.0;
/// Charging power at the pad, W.
pub const CHARGE_W: f64 = 400.0;

/// What a drone is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DronePhase {
    /// On its pad, charging when not full, free for work.
    Ready,
    /// Flying a parcel out.
    Outbound,
    /// Hovering over the garden, lowering the parcel, until the given time.
    Dropping {
        /// End of the drop.
        until_ms: u64,
    },
    /// Flying home.
    Returning,
}

/// A drone's changing state.
#[derive(Component, Clone, Debug)]
pub struct DroneState {
    /// What it is doing.
    pub phase: DronePhase,
    /// Position (x, y, height), m, as rapier integrated it.
    pub pos: [f64; 3],
    /// Velocity, m/s, as rapier integrated it.
    pub vel: [f64; 3],
    /// Where the flight plan puts the drone now: the point the controller steers to, m.
    pub reference: [f64; 3],
    /// Velocity of the reference, m/s.
    pub ref_vel: [f64; 3],
    /// Velocity of the point the controller steered to a tick before (the reference and the
    /// offset), m/s.
    pub prev_ref_vel: [f64; 3],
    /// How far tactical separation has moved the drone off its flight plan, (east, north), m.
    pub avoid: [f64; 2],
    /// The manoeuvre off the plan tactical separation asks for now, m/s; none while the offset
    /// is held or flown back.
    pub avoid_vel: Option<[f64; 2]>,
    /// Until when the offset is held: past the closest approach of its last conflict, ms.
    pub avoid_until_ms: u64,
    /// Whether the offset would soon bring it near a closed volume or a building: it flies back.
    pub avoid_pressed: bool,
    /// Until when detect-and-avoid stops the drone rising (it would climb into a conflict), ms.
    pub climb_held_until_ms: u64,
    /// How far the flight has fallen behind the trajectory its airspace is held for, ms: the
    /// time its reference stood still since it was last held.
    pub late_ms: u64,
    /// Force the drone puts on its body for the next physics step (thrust and drag, not
    /// gravity), N.
    pub force: [f64; 3],
    /// Which of its legs' heights ([`Drone::leg_heights`]) the flight was granted, out and home:
    /// 0 for each leg's own, more where strategic deconfliction found that layer taken.
    pub layers: [usize; 2],
    /// Waypoints of the current leg.
    pub path: Vec<Waypoint>,
    /// The way home whose airspace the flight holds, and when it is to leave the garden, ms (the
    /// drone hovers there until then); none while the way home is to be asked for when the
    /// parcel is down.
    pub home: Option<(Vec<Waypoint>, u64)>,
    /// Index of the waypoint being flown to.
    pub next: usize,
    /// Order carried or just delivered.
    pub order: Option<u32>,
    /// Energy left, Wh.
    pub energy_wh: f64,
    /// Distance flown, km.
    pub km: f64,
    /// Rules version the path was planned under.
    pub path_version: u32,
    /// Ran out of energy in the air (an incident; the flight is not modelled further).
    pub stranded: bool,
    /// Struck something in the air: it fell, and takes no further part.
    pub crashed: bool,
}

impl DroneState {
    /// A drone at rest on its stand at `stand`, its battery of `battery_wh` full.
    pub fn on_stand(stand: Vec2, battery_wh: f64) -> DroneState {
        DroneState {
            phase: DronePhase::Ready,
            pos: [stand.x, stand.y, 0.0],
            vel: [0.0; 3],
            reference: [stand.x, stand.y, 0.0],
            ref_vel: [0.0; 3],
            prev_ref_vel: [0.0; 3],
            avoid: [0.0; 2],
            avoid_vel: None,
            avoid_until_ms: 0,
            avoid_pressed: false,
            climb_held_until_ms: 0,
            late_ms: 0,
            force: [0.0; 3],
            layers: [0; 2],
            path: Vec::new(),
            home: None,
            next: 0,
            order: None,
            energy_wh: battery_wh,
            km: 0.0,
            path_version: 0,
            stranded: false,
            crashed: false,
        }
    }

    /// Whether the drone is off its pad.
    pub fn airborne(&self) -> bool {
        self.phase != DronePhase::Ready
    }

    /// Heading of travel, counter-clockwise from east.
    pub fn heading(&self) -> f64 {
        self.vel[1].atan2(self.vel[0])
    }
}

/// A vertiport's take-off pads: when each last sent a flight off, and how long a pad needs
/// between two departures.
#[derive(Debug)]
pub struct Pads {
    last: Vec<Option<u64>>,
    interval_ms: u64,
}

impl Pads {
    /// `pads` pads, each sending off a flight at most every `interval_ms`.
    pub fn new(pads: u32, interval_ms: u64) -> Pads {
        Pads { last: vec![None; pads.max(1) as usize], interval_ms }
    }

    /// The pad free for a departure at `now`, if any: the one idle longest.
    pub fn free(&self, now: u64) -> Option<usize> {
        let (k, last) = self.last.iter().enumerate().min_by_key(|&(k, t)| (t.is_some(), t.unwrap_or(0), k))?;
        last.is_none_or(|t| now >= t + self.interval_ms).then_some(k)
    }

    /// Records a departure from pad `k` at `now`.
    pub fn depart(&mut self, k: usize, now: u64) {
        self.last[k] = Some(now);
    }
}

/// Each vertiport's pads, by place, and time launches were held by wind.
#[derive(Resource, Debug, Default)]
pub struct Departures {
    pub(super) pads: std::collections::BTreeMap<usize, Pads>,
    /// Whether launches are held by wind now.
    pub wind_held: bool,
    /// Time launches were held by wind while orders waited, ms.
    pub wind_hold_ms: u64,
}

/// The wind drones fly in: the scenario's mean wind with gusts drawn from the run's seed.
#[derive(Resource, Debug)]
pub struct Air {
    /// Velocity of the air now, (east, north), m/s.
    pub velocity: [f64; 2],
    /// The mean part of `velocity`.
    pub mean: [f64; 2],
    pub(super) gust: [f64; 2],
    pub(super) rng: ChaCha8Rng,
}

impl FromWorld for Air {
    fn from_world(world: &mut World) -> Self {
        let seed = world.resource::<SimConfig>().seed;
        Air { velocity: [0.0; 2], mean: [0.0; 2], gust: [0.0; 2], rng: rng::stream(seed, "weather/gusts") }
    }
}

/// Events of drones' flights this tick, held until the vehicles' are logged: drones move beside
/// the road's control, and the log keeps its order.
#[derive(Resource, Debug, Default)]
pub struct FlightLog(pub EventLog);

/// Logs the drones' events of this tick after the vehicles'.
pub fn log_flights(mut held: ResMut<FlightLog>, mut log: ResMut<EventLog>) {
    log.events.append(&mut held.0.events);
}

/// Every drone, as the air's lane holds them: its fixed properties and its state to change.
pub type Drones<'w, 's> = Query<'w, 's, (Entity, &'static Drone, &'static mut DroneState)>;

/// The air's lane of movement, but for the parcels, which the caller lends ([`Flights::fly`]):
/// what tactical separation and flying every drone one tick read and change.
#[derive(SystemParam)]
pub struct Flights<'w, 's> {
    clock: Res<'w, SimClock>,
    town: Res<'w, TownMap>,
    rules: Res<'w, ActiveRules>,
    air: Res<'w, Air>,
    roster: Res<'w, DroneRoster>,
    tactical: ResMut<'w, Tactical>,
    reservations: ResMut<'w, Reservations>,
    held: ResMut<'w, FlightLog>,
    /// Every drone, lent on to the physics step after their flight.
    pub drones: Drones<'w, 's>,
    visiting: Local<'s, Watched>,
}

impl Flights<'_, '_> {
    /// Every [`tactical::PERIOD_MS`], finds the conflicts between drones in the air and sets
    /// each one's manoeuvre; then moves every airborne drone one tick along its path through
    /// the wind, charges grounded ones, and hands over parcels in `parcels`.
    pub fn fly(&mut self, parcels: &mut [ParcelOrder]) {
        let Flights { clock, town, rules, air, roster, tactical, reservations, held, drones, visiting } = self;
        tactical::separate_tactically(clock, town, rules, air, roster, tactical, drones);
        flight::fly_drones(clock, air, reservations, rules, parcels, drones, held, visiting);
    }
}

/// Adds drones.
pub struct DronePlugin;

impl Plugin for DronePlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<DroneRoster>()
            .init_resource::<Departures>()
            .init_resource::<Air>()
            .init_resource::<Reservations>()
            .init_resource::<Tactical>()
            .init_resource::<FlightLog>()
            .add_systems(SimSetup, spawn_drones.in_set(SetupSystems::Drones))
            .add_systems(SimStep, assign_orders.in_set(DispatchSystems::Drones))
            .add_systems(SimStep, blow_wind.in_set(ControlSystems::Wind))
            .add_systems(SimStep, log_flights.in_set(ControlSystems::DroneEvents));
    }
}

/// Spawns every fleet's drones on pads in a ring around their vertiport.
pub fn spawn_drones(
    mut commands: Commands,
    town: Res<TownMap>,
    taxis: Res<TaxiRoster>,
    mut roster: ResMut<DroneRoster>,
    mut departures: ResMut<Departures>,
) {
    let mut id = taxis.0.len() as u32;
    let band_ceiling = town.scenario.map.airspace.band_ceiling_m;
    for (fleet, f) in town.scenario.fleets.drones.iter().enumerate() {
        let base = town.place(&f.base).expect("validated: drone bases are known places");
        departures.pads.insert(base, Pads::new(f.pads, (f.launch_interval_s * 1000.0).round() as u64));
        for k in 0..f.count {
            let at = town.place_pos[base];
            let (x, y) = pilotzone_scenario::stand_position_m((at.x, at.y), k, f.count);
            let pad = Vec2::new(x, y);
            let drone = Drone {
                id,
                fleet,
                base,
                base_at: town.place_pos[base],
                pad,
                cruise_mps: f.cruise_speed_mps,
                cruise_alt_m: f.cruise_alt_m,
                return_alt_m: (f.cruise_alt_m + RETURN_LAYER_M).min(band_ceiling),
                climb_mps: f.climb_mps,
                payload_kg: f.payload_kg,
                battery_wh: f.battery_wh,
                wh_per_km: f.wh_per_km,
            };
            let state = DroneState::on_stand(drone.pad, drone.battery_wh);
            roster.0.push(commands.spawn((drone, state)).id());
            id += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Pads;

    #[test]
    fn each_pad_sends_off_one_flight_per_interval() {
        let mut pads = Pads::new(3, 12_000);
        // Three flights leave at once, one per pad; a fourth waits for the first pad's interval.
        for k in 0..3 {
            let pad = pads.free(1_000).expect("a pad is free");
            assert_eq!(pad, k, "the pads idle longest go first");
            pads.depart(pad, 1_000);
        }
        assert_eq!(pads.free(1_000), None);
        assert_eq!(pads.free(12_999), None, "11.999 s after the departures");
        assert_eq!(pads.free(13_000), Some(0));
        pads.depart(0, 13_000);
        assert_eq!(pads.free(13_000), Some(1), "pad 1 left at 1 s, before pad 0's last departure at 13 s");
        // One pad is the old spacing of one departure per interval.
        let mut one = Pads::new(1, 12_000);
        one.depart(one.free(0).expect("free at first"), 0);
        assert_eq!((one.free(11_000), one.free(12_000)), (None, Some(0)));
    }
}

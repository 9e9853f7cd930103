//! The tick's two lanes of movement: the air's (tactical separation, every drone's flight, the
//! physics step and what it found, and the drones aloft listed for the air's checks) and the
//! road's (every vehicle's control).
//!
//! The lanes share nothing they change: drones hand over parcels and vehicles carry riders, the
//! drones' events are held and logged after the vehicles' ([`crate::drone::FlightLog`]), and
//! each lane reads the clock, the town and the rules as they stand. So at city scale the air's
//! lane runs on the worker thread ([`crate::worker`]) while the simulation's thread drives the
//! road, and a town's few drones fly on this thread first; which thread runs a lane changes
//! nothing in what either computes.

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;

use crate::demand::{ParcelOrder, Requests};
use crate::drone::Flights;
use crate::physics::{Contacts, Physics};
use crate::roster::Rosters;
use crate::rules::ActiveRules;
use crate::safety::Aloft;
use crate::schedule::{ControlSystems, SimStep};
use crate::town::TownMap;
use crate::vehicle::Driving;
use crate::worker::Worker;

/// Drones in the air from which the air's lane is run on the worker thread: handing it over and
/// joining it costs some microseconds a tick, more than a town's few drones take to fly; a
/// city's flights and step are hidden behind the road's control.
pub const HAND_OVER_FROM: usize = 64;

/// Where the air's lane runs.
#[derive(Resource, Debug)]
pub struct Lanes {
    /// Drones in the air (at the last step) from which the air's lane runs on the worker
    /// ([`HAND_OVER_FROM`] unless a test, showing that where it runs changes nothing, sets another).
    pub hand_over_from: usize,
    /// Ticks whose air lane ran on the worker so far.
    handed_over: u64,
}

impl Default for Lanes {
    fn default() -> Self {
        Lanes { hand_over_from: HAND_OVER_FROM, handed_over: 0 }
    }
}

impl Lanes {
    /// Ticks whose air lane ran on the worker thread so far.
    pub fn handed_over(&self) -> u64 {
        self.handed_over
    }
}

/// The air's lane: every drone's flight, the physics step and what it found, and the drones
/// aloft as the air's checks will read them ([`Aloft`]).
#[derive(SystemParam)]
pub struct AirLane<'w, 's> {
    flights: Flights<'w, 's>,
    physics: ResMut<'w, Physics>,
    contacts: ResMut<'w, Contacts>,
    aloft: ResMut<'w, Aloft>,
    town: Res<'w, TownMap>,
    rules: Res<'w, ActiveRules>,
    roster: Rosters<'w>,
}

impl AirLane<'_, '_> {
    /// Moves every drone one tick, handing over parcels in `parcels`.
    fn run(&mut self, parcels: &mut [ParcelOrder]) {
        let AirLane { flights, physics, contacts, aloft, town, rules, roster } = self;
        flights.fly(parcels);
        physics.sync_bodies(&mut flights.drones);
        physics.step();
        physics.read_step(contacts, &roster.drones, &mut flights.drones);
        aloft.list(town, rules, roster, physics.flying(), &flights.drones, parcels);
    }
}

/// Moves every drone (its flight, then the physics step, whose contacts and drones' positions
/// are read back) and every vehicle one tick, the air beside the road when enough drones are
/// in the air.
pub fn move_traffic(
    mut air: AirLane,
    mut driving: Driving,
    mut requests: ResMut<Requests>,
    mut lanes: ResMut<Lanes>,
    mut worker: ResMut<Worker>,
) {
    let Requests { rides, parcels, .. } = &mut *requests;
    let beside = air.physics.flying().len() >= lanes.hand_over_from;
    let mut air = || air.run(parcels);
    let mut road = || driving.advance(rides);
    if beside {
        worker.beside(road, air);
        lanes.handed_over += 1;
    } else {
        air();
        road();
    }
}

/// Adds the two lanes of movement.
pub struct TrafficPlugin;

impl Plugin for TrafficPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<Lanes>().add_systems(SimStep, move_traffic.in_set(ControlSystems::Lanes));
    }
}

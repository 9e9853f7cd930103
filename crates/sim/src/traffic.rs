//! The tick's two lanes of movement: the air's (tactical separation, every drone's flight, the
//! physics step and what it found) and the road's (every vehicle's control).
//!
//! The lanes share nothing they change: drones hand over parcels and vehicles carry riders, the
//! drones' events are held and logged after the vehicles' ([`crate::drone::FlightLog`]), and
//! each lane reads the clock, the town and the rules as they stand. So at city scale the air's
//! lane runs on the worker thread ([`crate::worker`]) while the simulation's thread drives the
//! road, and a town's few drones fly on this thread first; which thread runs a lane changes
//! nothing in what either computes.

use bevy::prelude::*;

use crate::demand::Requests;
use crate::drone::Flights;
use crate::physics::{Contacts, Physics};
use crate::roster::DroneRoster;
use crate::schedule::{ControlSystems, SimStep};
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

/// Moves every drone (its flight, then the physics step, whose contacts and drones' positions
/// are read back) and every vehicle one tick, the air beside the road when enough drones are
/// in the air.
pub fn move_traffic(
    mut flights: Flights,
    mut physics: ResMut<Physics>,
    mut contacts: ResMut<Contacts>,
    roster: Res<DroneRoster>,
    mut driving: Driving,
    mut requests: ResMut<Requests>,
    mut lanes: ResMut<Lanes>,
    mut worker: ResMut<Worker>,
) {
    let Requests { rides, parcels, .. } = &mut *requests;
    let beside = physics.flying().len() >= lanes.hand_over_from;
    let (physics, contacts) = (&mut *physics, &mut *contacts);
    let mut air = move || {
        flights.fly(parcels);
        physics.sync_bodies(&mut flights.drones);
        physics.step();
        physics.read_step(contacts, &roster, &mut flights.drones);
    };
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

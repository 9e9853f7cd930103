//! Robotaxis: the Level-4 fleets, spawned at their depots and run as a service. Each dispatch
//! round expires requests nobody could reach in time, sends vehicles low on charge to charge
//! ([`crate::charging`]), assigns riders ([`crate::dispatch`]) and rebalances idle vehicles
//! ([`crate::rebalance`]); the driving itself is [`crate::vehicle`]'s, shared with residents' cars.

use bevy::prelude::*;
use pilotzone_routing::Vec2;

use crate::charging::charge_taxis;
use crate::dispatch::{dispatch_taxis, expire_requests};
use crate::rebalance::rebalance_taxis;
use crate::schedule::{DispatchSystems, SetupSystems, SimSetup, SimStep};
use crate::town::TownMap;

pub use crate::roster::TaxiRoster;
pub use crate::vehicle::{
    DEPARTURE_CHECK_MS, DROPOFF_DWELL_MS, Driver, EMERGENCY_BRAKE_MPS2, Junctions, LIMIT_CREDIBILITY_GAP, NO_REQUEST,
    PICKUP_DWELL_MS, Phase, RemoteDesk, RouterScratch, Stop, StopKind, Taxi, TaxiState, turn_speed_mps,
};

/// Adds taxis.
pub struct TaxiPlugin;

impl Plugin for TaxiPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<TaxiRoster>().add_systems(SimSetup, spawn_taxis.in_set(SetupSystems::Taxis)).add_systems(
            SimStep,
            (expire_requests, charge_taxis, dispatch_taxis, rebalance_taxis).chain().in_set(DispatchSystems::Taxis),
        );
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

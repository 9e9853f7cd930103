//! Charging: Level-4 vehicles low on charge drive to their fleet's depot once free of riders
//! and charge there; [`crate::dispatch`] gives them no riders meanwhile.

use bevy::prelude::*;

use crate::clock::SimClock;
use crate::events::{EventKind, EventLog};
use crate::rules::ActiveRules;
use crate::town::TownMap;
use crate::vehicle::{CarTrip, NO_REQUEST, Phase, RouterScratch, Stop, StopKind, Taxi, TaxiState, start_next_leg};
use crate::watch::Watched;

/// Share of the battery a vehicle charges to before it takes work again.
pub const CHARGE_TO: f64 = 0.9;

/// Sends Level-4 vehicles low on charge to their depot once they are free, and charges those
/// there until they reach [`CHARGE_TO`].
///
/// Only vehicles that charge or wait to be sent are visited (see [`Watched`]): a parked
/// vehicle's charge does not change.
pub fn charge_taxis(
    clock: Res<SimClock>,
    town: Res<TownMap>,
    rules: Res<ActiveRules>,
    mut scratch: ResMut<RouterScratch>,
    mut taxis: Query<(Entity, &Taxi, &mut TaxiState), Without<CarTrip>>,
    mut log: ResMut<EventLog>,
    mut watched: Local<Watched>,
) {
    let fleets = &town.scenario.fleets.taxis;
    let concerns = |taxi: &Taxi, state: &TaxiState| {
        let fleet = &fleets[taxi.fleet];
        match state.phase {
            Phase::Idle => state.energy_kwh < fleet.recharge_below * fleet.battery_kwh,
            Phase::Charging => true,
            _ => false,
        }
    };
    watched.learn(
        taxis
            .iter_mut()
            .filter(|(_, taxi, state)| state.is_changed() && concerns(taxi, state))
            .map(|(e, taxi, _)| (taxi.id, e)),
    );
    watched.visit(|e| {
        let (_, taxi, mut state) = taxis.get_mut(e).expect("watched entities are taxis");
        let fleet = &fleets[taxi.fleet];
        match state.phase {
            Phase::Idle if state.energy_kwh < fleet.recharge_below * fleet.battery_kwh => {
                let depot = town.place_node[town.place(&fleet.depot).expect("validated: depots are known places")];
                state.stops.push_back(Stop { request: NO_REQUEST, kind: StopKind::Charge, node: depot, leg_ms: 0 });
                let (at, _) = state.pose(&town);
                let detail = format!("to the depot to charge at {:.0} %", 100.0 * state.energy_kwh / fleet.battery_kwh);
                log.push(clock.now_ms, EventKind::Charge, taxi.id, [at.x, at.y, 0.0], detail);
                start_next_leg(&mut state, &town, &rules, &mut scratch);
            }
            Phase::Charging => {
                let added = (fleet.charge_kw * clock.dt_s() / 3600.0)
                    .min(CHARGE_TO * fleet.battery_kwh - state.energy_kwh)
                    .max(0.0);
                state.energy_kwh += added;
                state.charged_kwh += added;
                if state.energy_kwh >= CHARGE_TO * fleet.battery_kwh - 1e-9 {
                    state.stops.pop_front();
                    state.phase = Phase::Idle;
                }
            }
            _ => {}
        }
        concerns(taxi, &state)
    });
    debug_assert_eq!(
        watched.len(),
        taxis.iter().filter(|(_, taxi, state)| concerns(taxi, state)).count(),
        "every vehicle charging or due to be sent is watched"
    );
}

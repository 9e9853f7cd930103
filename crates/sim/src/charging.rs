//! Charging: Level-4 vehicles low on charge drive to their fleet's depot once free of riders
//! and charge there; [`crate::dispatch`] gives them no riders meanwhile.

use bevy::prelude::*;

use crate::clock::SimClock;
use crate::events::{EventKind, EventLog};
use crate::roster::TaxiRoster;
use crate::rules::ActiveRules;
use crate::town::TownMap;
use crate::vehicle::{NO_REQUEST, Phase, RouterScratch, Stop, StopKind, Taxi, TaxiState, start_next_leg};

/// Share of the battery a vehicle charges to before it takes work again.
pub const CHARGE_TO: f64 = 0.9;

/// Sends Level-4 vehicles low on charge to their depot once they are free, and charges those
/// there until they reach [`CHARGE_TO`].
pub fn charge_taxis(
    clock: Res<SimClock>,
    town: Res<TownMap>,
    rules: Res<ActiveRules>,
    roster: Res<TaxiRoster>,
    mut scratch: ResMut<RouterScratch>,
    mut taxis: Query<(&Taxi, &mut TaxiState)>,
    mut log: ResMut<EventLog>,
) {
    for &e in &roster.0 {
        let (taxi, mut state) = taxis.get_mut(e).expect("roster entities are taxis");
        let fleet = &town.scenario.fleets.taxis[taxi.fleet];
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
    }
}

//! Rebalancing: idle Level-4 vehicles move, empty, toward the places riders are expected.
//!
//! The policy, when the scenario turns it on (`dispatch.rebalancing`), every
//! [`REBALANCE_PERIOD_MS`]:
//! 1. Expected pickups at each place over the next [`HORIZON_S`] come from the ride flows'
//!    time-of-day profiles, each flow's rate split evenly over its pickup places.
//! 2. A place's supply is the vehicles standing idle at it or already moving to it.
//! 3. A vehicle is spare once it has stood idle for [`SPARE_AFTER_MS`], unless its own place
//!    needs it (the place's supply would fall below its expected pickups without it).
//! 4. While some place expects at least half a pickup more than its supply, the spare vehicle
//!    that reaches the neediest place soonest goes there, and waits at the kerb for a rider.
//!
//! A repositioning vehicle is still free for dispatch: a request that comes up takes it from
//! wherever it is on the way.

use bevy::prelude::*;
use pilotzone_routing::UNREACHED;

use crate::clock::SimClock;
use crate::demand::DemandModel;
use crate::events::{EventKind, EventLog};
use crate::roster::TaxiRoster;
use crate::rules::ActiveRules;
use crate::town::TownMap;
use crate::vehicle::{NO_REQUEST, Phase, RouterScratch, Stop, StopKind, Taxi, TaxiState, start_next_leg};

/// How often vehicles are rebalanced, ms.
pub const REBALANCE_PERIOD_MS: u64 = 60_000;
/// How far ahead expected pickups are counted, s.
pub const HORIZON_S: u32 = 1800;
/// How long a vehicle stands idle before it may be moved, ms.
pub const SPARE_AFTER_MS: u64 = 60_000;
/// Smallest shortfall of supply against expected pickups that moves a vehicle.
const SHORTFALL: f64 = 0.5;

/// Every rebalancing period, moves spare idle vehicles toward expected riders.
pub fn rebalance_taxis(
    clock: Res<SimClock>,
    town: Res<TownMap>,
    rules: Res<ActiveRules>,
    roster: Res<TaxiRoster>,
    model: Res<DemandModel>,
    mut scratch: ResMut<RouterScratch>,
    mut taxis: Query<(&Taxi, &mut TaxiState)>,
    mut log: ResMut<EventLog>,
) {
    if !town.scenario.dispatch.rebalancing || !clock.every(REBALANCE_PERIOD_MS) {
        return;
    }
    let now = clock.now_ms;
    let places = town.scenario.map.places.len();
    let expected = model.expected_pickups(places, clock.time_of_day_s(), HORIZON_S);
    // The place a node serves, for counting supply: the first place at the node with demand.
    let place_at = |node: u32| (0..places).find(|&p| town.place_node[p] == node && expected[p] > 0.0);
    let mut supply = vec![0.0; places];
    let mut spare: Vec<(Entity, u32, Option<usize>)> = Vec::new();
    for &e in &roster.0 {
        let (taxi, state) = taxis.get(e).expect("roster entities are taxis");
        let fleet = &town.scenario.fleets.taxis[taxi.fleet];
        if !rules.fleet_open(&town, &fleet.name) || state.stranded {
            continue;
        }
        match (state.phase, state.stops.front()) {
            (Phase::Idle, _) => {
                let at = place_at(state.node);
                if let Some(p) = at {
                    supply[p] += 1.0;
                }
                let charged = state.energy_kwh >= fleet.recharge_below * fleet.battery_kwh;
                if charged && now.saturating_sub(state.idle_since_ms) >= SPARE_AFTER_MS {
                    spare.push((e, state.node, at));
                }
            }
            (_, Some(stop)) if stop.kind == StopKind::Reposition => {
                if let Some(p) = place_at(stop.node) {
                    supply[p] += 1.0;
                }
            }
            _ => {}
        }
    }
    loop {
        // The neediest place; ties go to the lower place index.
        let shortfall = |p: usize| expected[p] - supply[p];
        let Some(target) = (0..places)
            .filter(|&p| shortfall(p) >= SHORTFALL)
            .max_by(|&a, &b| shortfall(a).total_cmp(&shortfall(b)).then(b.cmp(&a)))
        else {
            break;
        };
        // A vehicle whose own place would fall short without it stays.
        let movable: Vec<usize> = (0..spare.len())
            .filter(|&k| spare[k].2.is_none_or(|p| p != target && supply[p] - 1.0 >= expected[p]))
            .collect();
        if movable.is_empty() {
            break;
        }
        let node = town.place_node[target];
        let wanted: Vec<u32> = movable.iter().map(|&k| spare[k].1).collect();
        let mut eta = vec![UNREACHED; wanted.len()];
        scratch.table.run(&town.cch, &rules.routes, &wanted, &[node], &mut eta);
        let best = movable.iter().zip(&eta).map(|(&k, &d)| (d, k)).filter(|&(d, _)| d != UNREACHED).min();
        let Some((eta_ms, k)) = best else { break };
        let (entity, _, from) = spare.remove(k);
        if let Some(p) = from {
            supply[p] -= 1.0;
        }
        supply[target] += 1.0;
        let (taxi, mut state) = taxis.get_mut(entity).expect("roster entities are taxis");
        state.stops.push_back(Stop { request: NO_REQUEST, kind: StopKind::Reposition, node, leg_ms: eta_ms });
        state.repositions += 1;
        let (at, _) = state.pose(&town);
        let detail = format!(
            "to {} ({:.1} pickups expected in {} min)",
            town.scenario.map.places[target].name,
            expected[target],
            HORIZON_S / 60
        );
        log.push(now, EventKind::Reposition, taxi.id, [at.x, at.y, 0.0], detail);
        start_next_leg(&mut state, &town, &rules, &mut scratch);
    }
}

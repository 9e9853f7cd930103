//! Gridlock: vehicles standing still for over a minute, each waiting on another of them — a
//! queue that closes on itself around a block, or across junctions blocked from both sides.
//! Such a knot never clears by itself; it is reported as an incident with its place and its
//! vehicles, once, and counted, so a run that stops serving says why.

use bevy::prelude::*;

use super::{OnRoad, Phase, Taxi, TaxiState};
use crate::clock::SimClock;
use crate::events::{EventKind, EventLog, Incident};
use crate::roster::{CarRoster, TaxiRoster};

/// Vehicles waiting on one another this long are in gridlock, ms.
pub const GRIDLOCK_AFTER_MS: u64 = 60_000;
/// How often the waits are looked through, ms.
const CHECK_EVERY_MS: u64 = 1_000;
/// Vehicles named in a gridlock's detail; the rest are counted.
const NAMED: usize = 12;

/// Gridlocks found so far.
#[derive(Resource, Debug, Default)]
pub struct Gridlocks {
    /// Knots reported.
    pub count: u32,
    /// Vehicles caught in them.
    pub vehicles: u32,
}

/// Finds the knots among vehicles that have stood for [`GRIDLOCK_AFTER_MS`], each waiting on
/// the next ([`TaxiState::waits_for`]): cycles of the wait-for graph, where every vehicle has at
/// most one arrow, so each is found in one walk. A knot is reported once; its vehicles are
/// free to be caught again after they move.
pub fn detect_gridlock(
    clock: Res<SimClock>,
    taxis: Res<TaxiRoster>,
    cars: Res<CarRoster>,
    on_road: Res<OnRoad>,
    mut vehicles: Query<(&Taxi, &mut TaxiState)>,
    mut gridlocks: ResMut<Gridlocks>,
    mut log: ResMut<EventLog>,
) {
    let now = clock.now_ms;
    if now / CHECK_EVERY_MS == now.saturating_sub(u64::from(clock.tick_ms)) / CHECK_EVERY_MS {
        return;
    }
    // Who has waited long enough on whom, by id. Only vehicles on the road can; at city scale
    // most stand parked, and looking each up every second cost more than the rest.
    let waits = |e: Entity| {
        let (taxi, state) = vehicles.get(e).expect("roster entities are vehicles");
        let long = state.stopped_since_ms.is_some_and(|t| now - t >= GRIDLOCK_AFTER_MS);
        (state.phase == Phase::Driving && long).then_some((taxi.id, state.waits_for?, e))
    };
    let mut waiting: Vec<(u32, u32, Entity)> = on_road.entities().filter_map(waits).collect();
    waiting.sort_unstable_by_key(|w| w.0);
    debug_assert!(
        {
            let mut every: Vec<_> = taxis.0.iter().chain(&cars.0).filter_map(|&e| waits(e)).collect();
            every.sort_unstable_by_key(|w| w.0);
            every == waiting
        },
        "every driving vehicle is on the road"
    );
    let find = |id: u32| waiting.binary_search_by_key(&id, |w| w.0).ok();
    // 0: not seen, 1: on the walk now, 2: done.
    let mut mark = vec![0u8; waiting.len()];
    let mut walk = Vec::new();
    for start in 0..waiting.len() {
        walk.clear();
        let mut at = Some(start);
        while let Some(i) = at.filter(|&i| mark[i] == 0) {
            mark[i] = 1;
            walk.push(i);
            at = find(waiting[i].1);
        }
        if let Some(i) = at.filter(|&i| mark[i] == 1) {
            let knot = &walk[walk.iter().position(|&w| w == i).expect("on the walk")..];
            report(knot, &waiting, now, &mut vehicles, &mut gridlocks, &mut log);
        }
        for &i in &walk {
            mark[i] = 2;
        }
    }
}

fn report(
    knot: &[usize],
    waiting: &[(u32, u32, Entity)],
    now: u64,
    vehicles: &mut Query<(&Taxi, &mut TaxiState)>,
    gridlocks: &mut Gridlocks,
    log: &mut EventLog,
) {
    let states: Vec<_> = knot.iter().map(|&i| vehicles.get(waiting[i].2).expect("vehicles").1).collect();
    if states.iter().any(|s| s.in_gridlock) {
        return;
    }
    let n = knot.len() as f64;
    let (x, y) = states.iter().fold((0.0, 0.0), |(x, y), s| (x + s.at.x / n, y + s.at.y / n));
    let since = states.iter().filter_map(|s| s.stopped_since_ms).max().unwrap_or(now);
    let waited_s = (now - since) as f64 / 1000.0;
    let mut ids: Vec<u32> = knot.iter().map(|&i| waiting[i].0).collect();
    ids.sort_unstable();
    let named: Vec<String> = ids.iter().take(NAMED).map(u32::to_string).collect();
    let more = if ids.len() > NAMED { format!(" and {} more", ids.len() - NAMED) } else { String::new() };
    let detail =
        format!("{} vehicles have waited on one another for {waited_s:.0} s: {}{more}", ids.len(), named.join(", "));
    let incident = Incident {
        rule: None,
        other: ids.get(1).copied(),
        value: waited_s,
        limit: GRIDLOCK_AFTER_MS as f64 / 1000.0,
        severity: 2,
    };
    log.incident(now, EventKind::Gridlock, ids[0], [x, y, 0.0], incident, detail);
    gridlocks.count += 1;
    gridlocks.vehicles += knot.len() as u32;
    for &i in knot {
        vehicles.get_mut(waiting[i].2).expect("vehicles").1.in_gridlock = true;
    }
}

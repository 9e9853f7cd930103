//! Routes: planning a vehicle's way to its next stop, turning it toward a changed stop, and
//! re-planning after the rules change.

use bevy::prelude::*;
use pilotzone_routing::{CchMetric, Query as RouteQuery, Table, Targets};

use super::{Phase, TaxiState};
use crate::rules::ActiveRules;
use crate::town::TownMap;

/// Reusable search state for dispatch and routing.
#[derive(Resource, Debug)]
pub struct RouterScratch {
    pub(crate) query: RouteQuery,
    pub(crate) path: Vec<u32>,
    /// Table workspace for single-threaded tables.
    pub(crate) table: Table,
    /// One workspace per chunk of sources of a parallel travel-time table.
    pub(crate) pool: Vec<Table>,
    /// The targets of a parallel table, searched once for all its chunks.
    pub(crate) targets: Targets,
}

impl FromWorld for RouterScratch {
    fn from_world(world: &mut World) -> Self {
        RouterScratch {
            query: RouteQuery::new(&world.resource::<TownMap>().cch),
            path: Vec::new(),
            table: Table::new(),
            pool: Vec::new(),
            targets: Targets::new(),
        }
    }
}

/// Plans the way to the next stop and sets off, or parks if there is none.
pub fn start_next_leg(state: &mut TaxiState, town: &TownMap, rules: &ActiveRules, scratch: &mut RouterScratch) {
    let Some(stop) = state.stops.front().copied() else {
        state.phase = Phase::Idle;
        return;
    };
    let found = scratch.query.path(&town.cch, &rules.routes, state.node, stop.node, &mut scratch.path);
    state.route_version = rules.version;
    match found {
        None => state.phase = Phase::Blocked,
        Some(_) if scratch.path.is_empty() => {
            // Already at the stop's node: the next move serves it from the kerb here.
            state.phase = Phase::Driving;
            state.route.clear();
        }
        Some(_) => {
            state.route.clear();
            state.route.extend_from_slice(&scratch.path);
            state.route_i = 0;
            state.phase = Phase::PullingOut;
        }
    }
}

/// Turns a driving vehicle toward its first stop, which has just changed: from the end of the
/// arc it is on, the only place it can leave its old route.
pub fn redirect(state: &mut TaxiState, town: &TownMap, rules: &ActiveRules, scratch: &mut RouterScratch) {
    let (Some(arc), Some(stop)) = (state.arc, state.stops.front().copied()) else { return };
    let g = town.graph();
    state.route_version = rules.version;
    if scratch.query.path(&town.cch, &rules.routes, g.head(arc), stop.node, &mut scratch.path).is_some() {
        state.route.clear();
        state.route.push(arc);
        state.route.extend_from_slice(&scratch.path);
        state.route_i = 0;
    }
    // With no way from there, the old route stands and the vehicle re-plans at its end.
}

/// Re-plans from the end of the current arc under the rules now in force, to the end of the
/// route planned.
pub(super) fn reroute(
    state: &mut TaxiState,
    town: &TownMap,
    metric: &CchMetric,
    version: u32,
    scratch: &mut RouterScratch,
) {
    state.route_version = version;
    let (Some(arc), Some(&last)) = (state.arc, state.route.last()) else { return };
    let (from, to) = (town.graph().head(arc), town.graph().head(last));
    if arc == last {
        return;
    }
    if scratch.query.path(&town.cch, metric, from, to, &mut scratch.path).is_some() {
        state.route.clear();
        state.route.push(arc);
        state.route.extend_from_slice(&scratch.path);
        state.route_i = 0;
    }
    // With no way on, the vehicle keeps its old route; the monitor sees if it drives a closed road.
}

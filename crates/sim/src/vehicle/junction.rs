//! Junctions taken one vehicle at a time: claiming the next one (and the one beyond a short
//! link with it), holding what lies ahead, and releasing what has been passed.

use bevy::prelude::*;
use pilotzone_routing::RoadGraph;

use super::occupancy::Occupancy;
use super::{CLEAR_M, STOP_LINE_M, TaxiState};
use crate::town::{JUNCTION_REACH_MAX_M, TownMap};

/// A road shorter than this between two intersections is crossed in one go: a vehicle claims
/// the intersection beyond it together with the one before, so it never waits inside one
/// intersection for the next (two vehicles doing so head-on would block each other for good).
const SHORT_LINK_M: f64 = STOP_LINE_M + CLEAR_M;
/// Arcs of the route ahead whose junctions a vehicle may hold: what it claimed looking ahead
/// past bends stays claimed until it has passed.
const HOLD_AHEAD_ARCS: usize = 16;

/// Which vehicle holds each junction, by dense node.
#[derive(Resource, Debug)]
pub struct Junctions(pub(super) Vec<Option<u32>>);

impl FromWorld for Junctions {
    fn from_world(world: &mut World) -> Self {
        Junctions(vec![None; world.resource::<TownMap>().graph().node_count() as usize])
    }
}

/// The first node along `route` from the head of `route[i]` (which is `dist` ahead) where
/// vehicles take turns, with its distance and the index of the arc it ends, looking no farther
/// than `reach`. The head of the route's last arc never counts: the vehicle stops before it.
fn next_controlled(
    route: &[u32],
    mut i: usize,
    mut dist: f64,
    reach: f64,
    g: &RoadGraph,
    town: &TownMap,
) -> Option<(u32, f64, usize)> {
    while i + 1 < route.len() {
        let node = g.head(route[i]);
        if town.controlled[node as usize] {
            return Some((node, dist, i));
        }
        if dist >= reach {
            return None;
        }
        i += 1;
        dist += g.length_m(route[i]);
    }
    None
}

/// Looks for the next junction within `approach` (plus the largest junction area) of a vehicle
/// on `arc` with `remaining` metres to the arc's end, and claims it, with the one beyond a
/// short link, if the vehicle is first in line and both are free. Returns the distance to the
/// stop line when the junction ahead is not the vehicle's to cross.
pub(super) fn claim_ahead(
    state: &mut TaxiState,
    id: u32,
    arc: u32,
    remaining: f64,
    approach: f64,
    town: &TownMap,
    junctions: &mut Junctions,
    occupancy: &Occupancy,
) -> Option<f64> {
    let g = town.graph();
    // The next node where vehicles take turns, looking past bends (a junction's way in may be
    // several short arcs), and how far it is.
    let reach = approach + JUNCTION_REACH_MAX_M;
    let (node, dist, i) = next_controlled(&state.route, state.route_i, remaining, reach, g, town)?;
    // Distance to where the junction's area begins.
    let dist_to_area = dist - town.junction_reach_m[node as usize];
    // Only the first vehicle in the queue may claim the junction: one behind it that did would
    // hold it while stuck behind the one it blocks. The queue runs over every arc up to the
    // junction.
    let first_in_line = occupancy.leader_offset(arc, state.offset_m, id).is_none()
        && state.route[state.route_i + 1..=i]
            .iter()
            .all(|&a| occupancy.leader_offset(a, f64::NEG_INFINITY, id).is_none());
    if dist_to_area < approach && !state.held.contains(&node) && first_in_line {
        let beyond = next_controlled(&state.route, i + 1, g.length_m(state.route[i + 1]), SHORT_LINK_M, g, town)
            .filter(|&(_, d, _)| d < SHORT_LINK_M)
            .map(|(b, _, _)| b);
        let free = |n: u32| junctions.0[n as usize].is_none_or(|h| h == id);
        if free(node) && beyond.is_none_or(free) {
            for n in std::iter::once(node).chain(beyond) {
                junctions.0[n as usize] = Some(id);
                if !state.held.contains(&n) {
                    state.held.push(n);
                }
            }
        }
    }
    (!state.held.contains(&node)).then_some(dist_to_area - STOP_LINE_M)
}

/// Releases the junctions a moved vehicle no longer needs. It keeps what lies ahead (this
/// arc's end, the next arc's end) and what was crossed until it is clear of it (by distance:
/// the way out may be several short arcs); a route changed by a rule drops the rest too.
pub(super) fn release_passed(state: &mut TaxiState, town: &TownMap, junctions: &mut Junctions) {
    if state.arc.is_none() || state.held.is_empty() {
        return;
    }
    let g = town.graph();
    let ahead = &state.route[state.route_i..state.route.len().min(state.route_i + HOLD_AHEAD_ARCS)];
    let (at, _) = state.pose(town);
    let mut k = 0;
    while k < state.held.len() {
        let n = state.held[k];
        let near = town.index.positions[n as usize].distance(at) <= town.junction_reach_m[n as usize] + CLEAR_M;
        if near || ahead.iter().any(|&a| g.head(a) == n) {
            k += 1;
        } else {
            junctions.0[n as usize] = None;
            state.held.swap_remove(k);
        }
    }
}

/// Releases every junction the vehicle holds.
pub(super) fn release(state: &mut TaxiState, junctions: &mut Junctions) {
    for node in state.held.drain(..) {
        junctions.0[node as usize] = None;
    }
}

//! Junctions: who may cross, and when. A vehicle claims its movement through the next junction
//! (with the one beyond a short link) when it is first in line, there is room for it beyond —
//! it never enters a junction it cannot leave (Road Traffic Act art. 50) — no movement that
//! crosses or merges with its own is under way, and nobody with the right of way is asking to
//! cross. Movements that do not conflict (opposing straight runs, turns on the near side) pass
//! together. The right of way goes to the wider, then the faster road; between equal roads,
//! to whoever has waited longer, as at an all-way stop, so no approach starves.

use std::collections::BTreeMap;

use bevy::prelude::*;
use pilotzone_routing::{RoadGraph, Vec2};

use super::occupancy::Occupancy;
use super::{BRAKE_MPS2, CLEAR_M, STANDSTILL_M, STOP_LINE_M, TaxiState};
use crate::town::{JUNCTION_REACH_MAX_M, LANE_OFFSET_M, TURN_M, TownMap};

/// A road shorter than this between two intersections is crossed in one go: a vehicle claims
/// the intersection beyond it together with the one before, so it never waits inside one
/// intersection for the next (two vehicles doing so head-on would block each other for good).
const SHORT_LINK_M: f64 = STOP_LINE_M + CLEAR_M;
/// Arcs of the route ahead whose junctions a vehicle may hold: what it claimed looking ahead
/// past bends stays claimed until it has passed.
const HOLD_AHEAD_ARCS: usize = 16;

/// A way through a junction: from the arc coming in (none for a vehicle pulling out from the
/// kerb there) to the arc going out.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Movement {
    /// The vehicle making it.
    pub id: u32,
    /// Arc it arrives on, and where its centre passes from the stop line to where it has
    /// cleared the junction ([`Junctions::paths`]); none when it pulls out from the kerb at the
    /// junction.
    pub from: Option<(u32, PathId)>,
    /// Arc it leaves on.
    pub to: u32,
}

/// Points along a way through a junction.
pub(super) type Path = [Vec2; PATH_POINTS];

/// A path kept in [`Junctions::paths`].
pub(super) type PathId = u32;

/// A vehicle first in line with room beyond, asking to cross.
#[derive(Clone, Copy, Debug)]
struct Ask {
    node: u32,
    movement: Movement,
    /// Class of the road it arrives on: the wider, then the faster road has the right of way.
    rank: u32,
    /// When it began to ask.
    since_ms: u64,
}

impl Ask {
    /// Whether this ask goes before `other`'s: the higher road class, then the longer wait,
    /// then the lower id (so the order is total and the same on every run).
    fn before(&self, other: &Ask) -> bool {
        (other.rank, self.since_ms, self.movement.id) < (self.rank, other.since_ms, other.movement.id)
    }
}

/// Who crosses each junction, by dense node; and who asked to, last tick and this one.
#[derive(Resource, Debug)]
pub struct Junctions {
    held: Vec<Vec<Movement>>,
    /// Asks of the last tick, by node: everyone sees the same queue whatever their turn.
    asked: Vec<Ask>,
    asking: Vec<Ask>,
    /// Every path through a junction worked out so far, each kept once. Movements name theirs,
    /// so that the movements held and asked for are a few words each: vehicles ask every tick
    /// while they approach, and copying and searching paths was a wait on memory each time.
    paths: Vec<Path>,
    /// The path of each turn ([`RoadGraph::turn`]), once worked out, where the route's other
    /// arcs cannot bend it ([`Junctions::way_through`]).
    ways: Vec<Option<PathId>>,
    /// Every kept path, by its points: a path that the arcs around it bend (an imported junction
    /// of short arcs) is worked out every time, and found here.
    by_points: BTreeMap<[[u64; 2]; PATH_POINTS], PathId>,
}

impl FromWorld for Junctions {
    fn from_world(world: &mut World) -> Self {
        let g = world.resource::<TownMap>().graph();
        Junctions {
            held: vec![Vec::new(); g.node_count() as usize],
            asked: Vec::new(),
            asking: Vec::new(),
            paths: Vec::new(),
            ways: vec![None; g.turn_count()],
            by_points: BTreeMap::new(),
        }
    }
}

impl Junctions {
    /// Starts a tick: this tick's asks are answered against the last tick's.
    pub(super) fn next_tick(&mut self) {
        std::mem::swap(&mut self.asked, &mut self.asking);
        self.asking.clear();
        self.asked.sort_by_key(|a| (a.node, a.movement.id));
    }

    /// Lets vehicle `id` cross `node` from arc `from` to arc `to` whoever else does: how a test
    /// provokes what the turns prevent.
    pub fn grant(&mut self, node: u32, id: u32, from: u32, to: u32, town: &TownMap, state: &mut TaxiState) {
        let path = self.keep(path_through(&[from, to], 0, town.junction_reach_m[node as usize], town));
        self.take(node, Movement { id, from: Some((from, path)), to }, state);
    }

    /// [`path_through`] the junction at the head of `route[k]`. Vehicles ask for their way every
    /// tick while they approach, so a way is worked out once when both its arcs run straight
    /// beyond the stretch it covers (then it depends on those two arcs alone), and each time
    /// otherwise (an imported junction of short arcs).
    fn way_through(&mut self, route: &[u32], k: usize, reach: f64, town: &TownMap) -> PathId {
        let g = town.graph();
        let (from, to) = (route[k], route[k + 1]);
        // Where an arc stops bending into its neighbours ([`TownMap::pose_along`]), with a metre
        // to spare against rounding.
        let straight = |a: u32| g.length_m(a) - TURN_M.min(g.length_m(a) * 0.5) - 1.0;
        if straight(from) < reach + STOP_LINE_M || straight(to) < reach + CLEAR_M {
            return self.keep(path_through(route, k, reach, town));
        }
        let turn = g.turn(from, to);
        if let Some(known) = self.ways[turn] {
            return known;
        }
        let path = self.keep(path_through(route, k, reach, town));
        self.ways[turn] = Some(path);
        path
    }

    /// Keeps a path, once.
    fn keep(&mut self, path: Path) -> PathId {
        let id = self.paths.len() as PathId;
        let id = *self.by_points.entry(path.map(|p| [p.x.to_bits(), p.y.to_bits()])).or_insert(id);
        if id as usize == self.paths.len() {
            self.paths.push(path);
        }
        id
    }

    /// Whether two movements through a node may not be made together: one pulls out from the
    /// kerb, they merge into one arc, or their paths through the junction come closer than two
    /// cars side by side may (the paths as vehicles drive them, [`TownMap::pose_along`]).
    fn conflicts(&self, a: &Movement, b: &Movement) -> bool {
        let (Some((a_from, a_path)), Some((b_from, b_path))) = (a.from, b.from) else { return true };
        if a_from == b_from {
            // One behind the other in the same lane and on the same way out: the gap between
            // them is kept as anywhere. Ways that part are taken one after the other, as the
            // follower would not see a leader that turned off.
            return a.to != b.to;
        }
        if a.to == b.to {
            return true;
        }
        let (a_path, b_path) = (&self.paths[a_path as usize], &self.paths[b_path as usize]);
        a_path.iter().any(|p| b_path.iter().any(|q| p.distance(*q) < PATHS_APART_M))
    }

    /// Whether `id` holds `node`.
    fn holds(&self, node: u32, id: u32) -> bool {
        self.held[node as usize].iter().any(|m| m.id == id)
    }

    /// A movement under way at `node` that `m` may not pass with, if any: its vehicle.
    fn conflict(&self, node: u32, m: &Movement) -> Option<u32> {
        self.held[node as usize].iter().find(|h| h.id != m.id && self.conflicts(h, m)).map(|h| h.id)
    }

    /// An ask of the last tick at `node` that goes before `mine` and conflicts with it: its
    /// vehicle.
    fn outranked_by(&self, mine: &Ask) -> Option<u32> {
        let start = self.asked.partition_point(|a| a.node < mine.node);
        self.asked[start..]
            .iter()
            .take_while(|a| a.node == mine.node)
            .find(|a| {
                a.movement.id != mine.movement.id && a.before(mine) && self.conflicts(&a.movement, &mine.movement)
            })
            .map(|a| a.movement.id)
    }

    fn take(&mut self, node: u32, m: Movement, state: &mut TaxiState) {
        let held = &mut self.held[node as usize];
        match held.iter_mut().find(|h| h.id == m.id) {
            Some(h) => *h = m,
            None => held.push(m),
        }
        if !state.held.contains(&node) {
            state.held.push(node);
        }
    }

    fn free(&mut self, node: u32, id: u32) {
        self.held[node as usize].retain(|m| m.id != id);
    }
}

/// Class of the road an arc belongs to, for the right of way: lanes, then posted speed.
fn rank(town: &TownMap, arc: Option<u32>) -> u32 {
    arc.map_or(0, |a| {
        let edge = &town.scenario.map.edges[town.index.arc_edge[a as usize] as usize];
        u32::from(edge.lanes) * 1000 + edge.speed_kmh.round().clamp(0.0, 999.0) as u32
    })
}

/// Centres of two cars in lanes side by side are this far apart at least (two lane offsets,
/// less a margin for a body turning), m; paths closer than that cross or touch.
const PATHS_APART_M: f64 = 3.2;
/// Points sampled along a way through a junction.
const PATH_POINTS: usize = 16;

/// Where a vehicle's centre passes on its way through the junction at the head of `route[i]`
/// (whose area reaches `reach` metres out): from its stop line to where it has cleared the
/// junction, over as many arcs of the route as that takes (an imported junction is several
/// short arcs, and roads leaving it at a narrow angle may still be side by side).
fn path_through(route: &[u32], i: usize, reach: f64, town: &TownMap) -> Path {
    let g = town.graph();
    let (before, after) = (reach + STOP_LINE_M, reach + CLEAR_M);
    std::array::from_fn(|k| {
        // Distance from the node along the route, negative before it.
        let d = -before + (before + after) * k as f64 / (PATH_POINTS - 1) as f64;
        let (mut j, mut offset) = (i, g.length_m(route[i]) + d);
        while offset < 0.0 && j > 0 {
            j -= 1;
            offset += g.length_m(route[j]);
        }
        while offset > g.length_m(route[j]) && j + 1 < route.len() {
            offset -= g.length_m(route[j]);
            j += 1;
        }
        town.pose_along(route, j, offset.clamp(0.0, g.length_m(route[j])), LANE_OFFSET_M).0
    })
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

/// Whether a vehicle leaving `node` along `route[exit..]` has room to stand clear of the
/// junction: the vehicle ahead of it on the way out, were it to brake now, stops far enough
/// beyond. Otherwise the vehicle that leaves no room.
fn room_beyond(
    route: &[u32],
    exit: usize,
    node: u32,
    id: u32,
    town: &TownMap,
    occupancy: &Occupancy,
) -> Result<(), u32> {
    let need = town.junction_reach_m[node as usize] + CLEAR_M + STANDSTILL_M;
    let g = town.graph();
    let mut before = 0.0;
    for &arc in &route[exit..] {
        if let Some(v) = occupancy.last_on(arc, id) {
            let stops_at = before + v.offset_m + v.speed_mps * v.speed_mps / (2.0 * BRAKE_MPS2);
            return if stops_at >= need { Ok(()) } else { Err(v.id) };
        }
        before += g.length_m(arc);
        if before >= need {
            break;
        }
    }
    Ok(())
}

/// Why a vehicle stops before a junction.
#[derive(Clone, Copy, Debug)]
pub(super) struct Refusal {
    /// Distance to its stop line, m.
    pub to_line: f64,
    /// The vehicle it waits for, if it is one: the one leaving no room beyond, crossing, or
    /// with the right of way.
    pub waits_for: Option<u32>,
}

/// Looks for the next junction within `approach` (plus the largest junction area) of a vehicle
/// on `arc` with `remaining` metres to the arc's end, and claims its way through it (with the
/// one beyond a short link) if it may. A vehicle holding a junction it has not yet reached
/// gives it back when the room beyond is gone while it can still stop. Returns why it must stop
/// before the junction, when it must.
pub(super) fn claim_ahead(
    state: &mut TaxiState,
    id: u32,
    arc: u32,
    remaining: f64,
    approach: f64,
    now_ms: u64,
    town: &TownMap,
    junctions: &mut Junctions,
    occupancy: &Occupancy,
) -> Option<Refusal> {
    let g = town.graph();
    // The next node where vehicles take turns, looking past bends (a junction's way in may be
    // several short arcs), and how far it is.
    let reach = approach + JUNCTION_REACH_MAX_M;
    let (node, dist, i) = next_controlled(&state.route, state.route_i, remaining, reach, g, town)?;
    // Distance to where the junction's area begins.
    let dist_to_area = dist - town.junction_reach_m[node as usize];
    let to_line = dist_to_area - STOP_LINE_M;
    if dist_to_area >= approach {
        return None;
    }
    let beyond = next_controlled(&state.route, i + 1, g.length_m(state.route[i + 1]), SHORT_LINK_M, g, town)
        .filter(|&(_, d, _)| d < SHORT_LINK_M)
        .map(|(b, _, j)| (b, j));
    let exit = beyond.map_or(i + 1, |(_, j)| j + 1);
    let last = beyond.map_or(node, |(b, _)| b);
    let room = room_beyond(&state.route, exit, last, id, town, occupancy);
    let movements: Vec<(u32, Movement)> = std::iter::once((node, i))
        .chain(beyond)
        .map(|(n, k)| {
            let path = junctions.way_through(&state.route, k, town.junction_reach_m[n as usize], town);
            (n, Movement { id, from: Some((state.route[k], path)), to: state.route[k + 1] })
        })
        .collect();
    if junctions.holds(node, id) {
        let v = state.speed_mps;
        let can_stop = to_line > v * v / (2.0 * BRAKE_MPS2) + 0.5;
        match room {
            Err(blocker) if can_stop => {
                // The way out filled before it got there: it stops at the line instead.
                for &(n, _) in &movements {
                    junctions.free(n, id);
                    state.held.retain(|&h| h != n);
                }
                state.asking = Some((node, now_ms));
                return Some(Refusal { to_line, waits_for: Some(blocker) });
            }
            // A route planned anew keeps the claim on the way it takes now.
            _ => {
                for (n, m) in movements {
                    if junctions.holds(n, id) {
                        junctions.take(n, m, state);
                    }
                }
                return None;
            }
        }
    }
    // Only the first vehicle in the queue may claim the junction: one behind it that did would
    // hold it while stuck behind the one it blocks. The queue runs over every arc up to the
    // junction.
    let leader = occupancy
        .leader(arc, state.offset_m, id)
        .or_else(|| state.route[state.route_i + 1..=i].iter().find_map(|&a| occupancy.last_on(a, id)));
    if let Some(leader) = leader {
        return Some(Refusal { to_line, waits_for: Some(leader.id) });
    }
    if let Err(blocker) = room {
        state.asking = None;
        return Some(Refusal { to_line, waits_for: Some(blocker) });
    }
    let since_ms = match state.asking {
        Some((n, since)) if n == node => since,
        _ => now_ms,
    };
    state.asking = Some((node, since_ms));
    let ask = Ask { node, movement: movements[0].1, rank: rank(town, Some(state.route[i])), since_ms };
    junctions.asking.push(ask);
    let blocked =
        movements.iter().find_map(|(n, m)| junctions.conflict(*n, m)).or_else(|| junctions.outranked_by(&ask));
    if let Some(other) = blocked {
        return Some(Refusal { to_line, waits_for: Some(other) });
    }
    for (n, m) in movements {
        junctions.take(n, m, state);
    }
    state.asking = None;
    None
}

/// Whether a vehicle at the kerb at `node` may pull out into `first`: nobody crosses the
/// junction and nobody on the road asked first. It asks in turn like everyone; a pull-out
/// conflicts with every other movement there.
pub(super) fn claim_pull_out(
    state: &mut TaxiState,
    id: u32,
    node: u32,
    first: u32,
    now_ms: u64,
    town: &TownMap,
    junctions: &mut Junctions,
) -> bool {
    let since_ms = match state.asking {
        Some((n, since)) if n == node => since,
        _ => now_ms,
    };
    state.asking = Some((node, since_ms));
    let movement = Movement { id, from: None, to: first };
    let ask = Ask { node, movement, rank: rank(town, Some(first)), since_ms };
    junctions.asking.push(ask);
    if junctions.conflict(node, &movement).is_some() || junctions.outranked_by(&ask).is_some() {
        return false;
    }
    junctions.take(node, movement, state);
    state.asking = None;
    true
}

/// Releases the junctions a moved vehicle no longer needs. It keeps what lies ahead (this
/// arc's end, the next arc's end) and what was crossed until it is clear of it (by distance:
/// the way out may be several short arcs); a route changed by a rule drops the rest too. The
/// vehicle has been posed after its move ([`TaxiState::at`]).
pub(super) fn release_passed(state: &mut TaxiState, id: u32, town: &TownMap, junctions: &mut Junctions) {
    if state.arc.is_none() || state.held.is_empty() {
        return;
    }
    debug_assert_eq!((state.at, state.heading), state.pose(town), "posed after its move");
    let g = town.graph();
    let ahead = &state.route[state.route_i..state.route.len().min(state.route_i + HOLD_AHEAD_ARCS)];
    let at = state.at;
    let mut k = 0;
    while k < state.held.len() {
        let n = state.held[k];
        let near = town.index.positions[n as usize].distance(at) <= town.junction_reach_m[n as usize] + CLEAR_M;
        if near || ahead.iter().any(|&a| g.head(a) == n) {
            k += 1;
        } else {
            junctions.free(n, id);
            state.held.swap_remove(k);
        }
    }
}

/// Releases every junction the vehicle holds.
pub(super) fn release(state: &mut TaxiState, id: u32, junctions: &mut Junctions) {
    for node in state.held.drain(..) {
        junctions.free(node, id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(block_m: f64) -> TownMap {
        crate::town::test_grid(3, block_m, 1)
    }

    fn junctions_of(town: &TownMap) -> Junctions {
        let mut world = World::new();
        world.insert_resource(town.clone());
        Junctions::from_world(&mut world)
    }

    /// Every route through a junction as (route, index of the arc coming in): each pair of an arc
    /// in and an arc out, alone and between every arc before and after it.
    fn routes_through(town: &TownMap) -> Vec<(Vec<u32>, usize)> {
        let g = town.graph();
        let arcs = 0..g.arc_count();
        let mut routes = Vec::new();
        for from in arcs.clone() {
            for to in arcs.clone().filter(|&t| g.tail(t) == g.head(from) && g.head(t) != g.tail(from)) {
                routes.push((vec![from, to], 0));
                for before in arcs.clone().filter(|&b| g.head(b) == g.tail(from) && g.tail(b) != g.head(from)) {
                    for after in arcs.clone().filter(|&a| g.tail(a) == g.head(to) && g.head(a) != g.tail(to)) {
                        routes.push((vec![before, from, to, after], 1));
                    }
                }
            }
        }
        routes
    }

    #[test]
    fn a_way_through_kept_from_one_route_is_the_way_every_route_takes() {
        let town = grid(200.0);
        let mut junctions = junctions_of(&town);
        let routes = routes_through(&town);
        assert!(routes.len() > 100, "a 3 × 3 grid has many ways through: {}", routes.len());
        for (route, k) in &routes {
            let reach = town.junction_reach_m[town.graph().head(route[*k]) as usize];
            let fresh = path_through(route, *k, reach, &town);
            let kept = junctions.way_through(route, *k, reach, &town);
            assert_eq!(junctions.paths[kept as usize], fresh, "route {route:?}");
        }
        // Long blocks: every way was worked out once and then read back.
        let kept = junctions.ways.iter().flatten().count();
        assert_eq!(junctions.paths.len(), kept, "each kept once");
        let pairs = routes.iter().filter(|(r, _)| r.len() == 2).count();
        assert_eq!(kept, pairs);
    }

    #[test]
    fn a_way_the_arcs_around_it_bend_is_worked_out_every_time() {
        // 10 m blocks: a way through reaches past the bends at the far ends of both arcs.
        let town = grid(10.0);
        let mut junctions = junctions_of(&town);
        let routes = routes_through(&town);
        let (mut differ, mut distinct) = (0, Vec::new());
        for (route, k) in &routes {
            let reach = town.junction_reach_m[town.graph().head(route[*k]) as usize];
            let fresh = path_through(route, *k, reach, &town);
            let kept = junctions.way_through(route, *k, reach, &town);
            assert_eq!(junctions.paths[kept as usize], fresh, "route {route:?}");
            // Asked again, as a vehicle approaching asks every tick: the same path, not another.
            assert_eq!(junctions.way_through(route, *k, reach, &town), kept, "route {route:?}");
            differ += usize::from(fresh != path_through(&route[*k..*k + 2], 0, reach, &town));
            distinct.push(fresh.map(|p| [p.x.to_bits(), p.y.to_bits()]));
        }
        assert!(differ > 0, "on short blocks the arcs before and after bend the way");
        assert!(junctions.ways.iter().all(Option::is_none), "so none is kept for its turn");
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(junctions.paths.len(), distinct.len(), "each path bent alike is kept once");
    }
}

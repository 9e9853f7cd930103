//! The vehicles on the road after this tick's moves, as control leaves them: where each is, how
//! fast it goes, and its route around where it is. Control copies them while it has each
//! vehicle at hand; the systems after it (contacts, the monitor, people at crossings) read the
//! copy instead of looking thousands of vehicles up again, and a worker thread can share it.

use std::ops::Deref;
use std::sync::Arc;

use bevy::prelude::*;
use pilotzone_routing::Vec2;

use super::{Driver, Phase, Taxi, TaxiState};
use crate::town::{LANE_OFFSET_M, TownMap};

/// How far ahead, in seconds at its present speed, a vehicle can be followed along its route
/// from [`Traffic`]: the monitor looks ahead for near misses no farther.
pub const FOLLOW_AHEAD_S: f64 = 1.0;

/// A vehicle driving on the road after this tick's moves.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RoadVehicle {
    /// Its entity.
    pub entity: Entity,
    /// Its id.
    pub id: u32,
    /// Who drives it.
    pub driver: Driver,
    /// The arc it is on.
    pub arc: u32,
    /// Metres along `arc`.
    pub offset_m: f64,
    /// Speed, m/s.
    pub speed_mps: f64,
    /// Where it stands ([`TaxiState::pose`]).
    pub at: Vec2,
    /// Its heading, radians counter-clockwise from east.
    pub heading: f64,
    /// Its route around where it is, `Traffic::arcs[from..to]`, with its arc at `from + here`.
    from: u32,
    to: u32,
    here: u32,
}

/// The vehicles driving on the road after this tick's moves ([`Traffic`]), shared: a worker
/// thread may read them while the simulation's thread goes on, and hands them back within the
/// tick.
#[derive(Resource, Debug, Default)]
pub struct OnRoad(Arc<Traffic>);

impl Deref for OnRoad {
    type Target = Traffic;

    fn deref(&self) -> &Traffic {
        &self.0
    }
}

impl OnRoad {
    /// The vehicles, for a worker thread to read.
    pub fn share(&self) -> Arc<Traffic> {
        Arc::clone(&self.0)
    }

    /// Emptied for this tick's moves, keeping its memory when nobody else holds the last tick's
    /// (as nobody does: the monitor gives them back within its tick).
    pub fn refill(&mut self) -> &mut Traffic {
        debug_assert!(Arc::get_mut(&mut self.0).is_some(), "the last tick's vehicles were given back");
        let traffic = Arc::make_mut(&mut self.0);
        traffic.vehicles.clear();
        traffic.arcs.clear();
        traffic
    }
}

/// The vehicles driving on the road after this tick's moves, taxis then residents' cars in
/// roster order: the systems after control look at these rather than at every parked vehicle.
#[derive(Clone, Debug, Default)]
pub struct Traffic {
    /// The vehicles, in roster order (ids ascending).
    pub vehicles: Vec<RoadVehicle>,
    /// The parts of their routes that following them [`FOLLOW_AHEAD_S`] ahead reads.
    arcs: Vec<u32>,
}

/// Where `ahead_m` metres on from `offset_m` on `route[i]` lies along the route: the arc's
/// index and the offset on it (no farther than the route's end).
fn follow(route: &[u32], mut i: usize, offset_m: f64, ahead_m: f64, town: &TownMap) -> (usize, f64) {
    let g = town.graph();
    let mut offset = offset_m + ahead_m;
    while i + 1 < route.len() && offset > g.length_m(route[i]) {
        offset -= g.length_m(route[i]);
        i += 1;
    }
    (i, offset.min(g.length_m(route[i])))
}

impl Traffic {
    /// Adds a vehicle driving on an arc, posed after its move, with the part of its route that
    /// following it [`FOLLOW_AHEAD_S`] ahead reads: the arc before its own (the curve into it),
    /// the arcs it reaches, and the one after (the curve out of the last).
    pub fn push(&mut self, entity: Entity, taxi: &Taxi, state: &TaxiState, town: &TownMap) {
        let (Phase::Driving, Some(arc)) = (state.phase, state.arc) else {
            debug_assert!(false, "only vehicles driving on an arc are on the road");
            return;
        };
        debug_assert_eq!((state.at, state.heading), state.pose(town), "posed after its move");
        let from = self.arcs.len() as u32;
        let mut here = 0;
        if !state.route.is_empty() {
            let first = state.route_i.saturating_sub(1);
            let (last, _) = follow(&state.route, state.route_i, state.offset_m, state.speed_mps * FOLLOW_AHEAD_S, town);
            self.arcs.extend_from_slice(&state.route[first..(last + 2).min(state.route.len())]);
            here = (state.route_i - first) as u32;
        }
        self.vehicles.push(RoadVehicle {
            entity,
            id: taxi.id,
            driver: taxi.driver,
            arc,
            offset_m: state.offset_m,
            speed_mps: state.speed_mps,
            at: state.at,
            heading: state.heading,
            from,
            to: self.arcs.len() as u32,
            here,
        });
    }

    /// The entities of the vehicles on the road, in roster order.
    pub fn entities(&self) -> impl Iterator<Item = Entity> + '_ {
        self.vehicles.iter().map(|v| v.entity)
    }

    /// Where vehicle `v` will be after `ahead_m` more metres along its route, at most
    /// [`FOLLOW_AHEAD_S`] at its speed (no farther than the route's end): on the lane, through
    /// the curve of a junction as it drives it.
    pub fn pose_ahead(&self, v: &RoadVehicle, ahead_m: f64, town: &TownMap) -> (Vec2, f64) {
        debug_assert!(ahead_m <= v.speed_mps * FOLLOW_AHEAD_S, "followed within the horizon kept");
        let route = &self.arcs[v.from as usize..v.to as usize];
        if route.is_empty() {
            return (v.at, v.heading);
        }
        // Indices in the part kept lead to the same arcs as in the whole route: it begins with
        // the arc before (or the route's first) and ends after the farthest reached (or with
        // the route's last), so every neighbour the curve reads is in it.
        let (i, offset) = follow(route, v.here as usize, v.offset_m, ahead_m, town);
        town.pose_along(route, i, offset, LANE_OFFSET_M)
    }
}

#[cfg(test)]
mod tests {
    use rand::{RngExt, SeedableRng};

    use super::*;

    /// Following a vehicle from its copy leads where following its whole route does: on long
    /// arcs and through junctions, from the route's first arc and near its last, at every speed
    /// and every step within the horizon.
    #[test]
    fn a_vehicle_followed_from_its_copy_goes_where_its_route_leads() {
        // Blocks of 30 m: a second's drive at speed crosses one junction or two.
        let map = crate::town::test_grid(4, 30.0, 3);
        let g = map.graph();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let (mut on_road, mut junctions_crossed) = (OnRoad::default(), 0);
        let taxi = Taxi { id: 0, fleet: 0, seats: 4, max_speed_mps: 15.0, kwh_per_km: 0.15, driver: Driver::Level4 };
        for _ in 0..400 {
            // A random walk of 1 to 6 arcs, each leaving from the head of the one before.
            let mut route = vec![rng.random_range(0..g.arc_count())];
            while route.len() < rng.random_range(1..7) {
                let head = g.head(*route.last().expect("a route has an arc"));
                let out: Vec<u32> = (0..g.arc_count()).filter(|&a| g.tail(a) == head).collect();
                route.push(out[rng.random_range(0..out.len())]);
            }
            let route_i = rng.random_range(0..route.len());
            let arc = route[route_i];
            let mut state = TaxiState::parked(0, Vec2::new(0.0, 0.0));
            state.phase = Phase::Driving;
            state.arc = Some(arc);
            state.route_i = route_i;
            state.offset_m = rng.random_range(0.0..g.length_m(arc));
            state.speed_mps = if rng.random_range(0..8) == 0 { 0.0 } else { rng.random_range(0.0..40.0) };
            state.route = route;
            (state.at, state.heading) = state.pose(&map);
            on_road.refill().push(Entity::PLACEHOLDER, &taxi, &state, &map);
            let v = on_road.vehicles[0];
            for k in 0..=20 {
                let ahead = state.speed_mps * (FOLLOW_AHEAD_S * f64::from(k) / 20.0);
                let (i, offset) = follow(&state.route, state.route_i, state.offset_m, ahead, &map);
                junctions_crossed += usize::from(k == 20 && i > state.route_i);
                let whole = map.pose_along(&state.route, i, offset, LANE_OFFSET_M);
                assert_eq!(on_road.pose_ahead(&v, ahead, &map), whole, "{ahead} m ahead on {:?}", state.route);
            }
        }
        assert!(junctions_crossed > 50, "followed across junctions {junctions_crossed} times");
    }
}

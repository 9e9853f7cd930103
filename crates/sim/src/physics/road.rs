//! Contacts on the road, found from the shapes of what is on it: a car is a box
//! ([`CAR_HALF_EXTENTS`], standing on the road), a person a ball at hip height
//! ([`PERSON_RADIUS_M`]), a drone a ball around its rotors ([`DRONE_RADIUS_M`]): the shapes
//! rapier would hold, tested exactly for the pairs a grid finds close. People pass each other
//! on a crossing: they touch vehicles and drones, not people.
//!
//! Vehicles and people are found touching on the tick they touch, while the drones' step runs
//! on a worker ([`touch_on_road`]); a drone low enough to reach a car's roof is tested after the
//! step, where it has got to ([`touch_low_drones`]). A pair counts once, on the tick its bodies
//! first touch, and again only after they have parted.

use bevy::prelude::*;
use pilotzone_routing::Vec2;

use super::{CAR_HALF_EXTENTS, Contacts, DRONE_RADIUS_M, PERSON_RADIUS_M, Physics};
use crate::drone::DroneState;
use crate::geom::Grid;
use crate::residents::PedestrianState;
use crate::roster::Rosters;
use crate::vehicle::OnRoad;

/// Half length, half width and height of a car's box, m.
const CAR: [f64; 3] = [CAR_HALF_EXTENTS[0] as f64, CAR_HALF_EXTENTS[1] as f64, 2.0 * CAR_HALF_EXTENTS[2] as f64];
/// Height of the centre of a person's ball, m.
const PERSON_HIP_M: f64 = 0.9;
/// Cell size of the grid, m: more than the farthest apart two things on the road can touch
/// (two cars corner to corner, 4.75 m between centres) and than a drone can reach a car from
/// (2.97 m along the ground).
const REACH_M: f64 = 5.0;

/// What stands on the road, as its shape.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Body {
    /// A car's box: its centre on the ground, and its heading as (cos, sin).
    Car {
        /// Centre, m.
        at: Vec2,
        /// Unit vector along its length.
        axis: Vec2,
    },
    /// A person's ball, centred at hip height above `at`.
    Person {
        /// Where they stand, m.
        at: Vec2,
    },
}

impl Body {
    /// A car standing at `at`, heading `heading` radians counter-clockwise from east.
    pub fn car(at: Vec2, heading: f64) -> Self {
        Body::Car { at, axis: Vec2::new(heading.cos(), heading.sin()) }
    }

    fn at(&self) -> Vec2 {
        match *self {
            Body::Car { at, .. } | Body::Person { at } => at,
        }
    }

    /// Whether two things on the road touch (or just meet). Cars and people stand on the same
    /// ground and a person's ball lies within a car's height, so the test is of their outlines
    /// on the ground: the separating-axis test of two rectangles, a point's distance to one.
    pub fn touches(&self, other: &Body) -> bool {
        match (*self, *other) {
            (Body::Car { at: a, axis: u }, Body::Car { at: b, axis: v }) => {
                let d = b - a;
                // How far a car reaches from its centre along `n`.
                let half = |axis: Vec2, n: Vec2| CAR[0] * axis.dot(n).abs() + CAR[1] * axis.perp().dot(n).abs();
                [u, u.perp(), v, v.perp()].into_iter().all(|n| d.dot(n).abs() <= half(u, n) + half(v, n))
            }
            (Body::Car { at, axis }, Body::Person { at: p }) | (Body::Person { at: p }, Body::Car { at, axis }) => {
                let [dx, dy] = outside_box(at, axis, p);
                dx * dx + dy * dy <= f64::from(PERSON_RADIUS_M).powi(2)
            }
            (Body::Person { .. }, Body::Person { .. }) => false,
        }
    }

    /// Whether a drone's ball centred at `p` touches it.
    pub fn touches_drone(&self, p: [f64; 3]) -> bool {
        let r = f64::from(DRONE_RADIUS_M);
        match *self {
            Body::Car { at, axis } => {
                let [dx, dy] = outside_box(at, axis, Vec2::new(p[0], p[1]));
                // A drone's centre is never below the ground, the box's floor.
                let dz = (p[2] - CAR[2]).max(0.0);
                dx * dx + dy * dy + dz * dz <= r * r
            }
            Body::Person { at } => {
                let d = [p[0] - at.x, p[1] - at.y, p[2] - PERSON_HIP_M];
                let reach = r + f64::from(PERSON_RADIUS_M);
                d[0] * d[0] + d[1] * d[1] + d[2] * d[2] <= reach * reach
            }
        }
    }
}

/// How far `p` lies outside a car's outline along its length and across it (zero inside).
fn outside_box(at: Vec2, axis: Vec2, p: Vec2) -> [f64; 2] {
    let d = p - at;
    [(d.dot(axis).abs() - CAR[0]).max(0.0), (d.dot(axis.perp()).abs() - CAR[1]).max(0.0)]
}

/// This tick's bodies on the road and the pairs touching, and those that touched at the last
/// test.
#[derive(Resource, Debug, Default)]
pub struct RoadContacts {
    /// Entity id and shape of each body on the road.
    bodies: Vec<(u32, Body)>,
    /// Where each body stands, filed in `grid`.
    points: Vec<(f64, f64)>,
    grid: Grid,
    pairs: Vec<(usize, usize)>,
    /// Pairs of ids touching this tick, found so far.
    now: Vec<(u32, u32)>,
    /// Pairs of ids touching at the last test, sorted.
    before: Vec<(u32, u32)>,
}

impl RoadContacts {
    /// Files this tick's bodies on the road and finds the pairs of them touching.
    pub fn find(&mut self, bodies: impl IntoIterator<Item = (u32, Body)>) {
        self.bodies.clear();
        self.bodies.extend(bodies);
        self.points.clear();
        self.points.extend(self.bodies.iter().map(|(_, b)| (b.at().x, b.at().y)));
        self.grid.fill(&self.points, REACH_M);
        self.pairs.clear();
        self.grid.pairs(&self.points, &mut self.pairs);
        self.now.clear();
        for &(i, j) in &self.pairs {
            let ((a, body_a), (b, body_b)) = (self.bodies[i], self.bodies[j]);
            if body_a.touches(&body_b) {
                self.now.push((a.min(b), a.max(b)));
            }
        }
    }

    /// Adds the pairs of the drone `id`, its ball centred at `p`, and what it touches on the
    /// road.
    pub fn meet_drone(&mut self, id: u32, p: [f64; 3]) {
        let Self { bodies, points, grid, now, .. } = self;
        grid.near(points, (p[0], p[1]), |i| {
            let (other, body) = bodies[i];
            if body.touches_drone(p) {
                now.push((id.min(other), id.max(other)));
            }
        });
    }

    /// Ends this tick's test: the pairs that touch now and did not at the last test go to
    /// `started` (unsorted).
    pub fn close(&mut self, started: &mut Vec<(u32, u32)>) {
        self.now.sort_unstable();
        self.now.dedup();
        let mut before = self.before.iter().peekable();
        for &pair in &self.now {
            while before.next_if(|&&b| b < pair).is_some() {}
            if before.peek() != Some(&&pair) {
                started.push(pair);
            }
        }
        std::mem::swap(&mut self.now, &mut self.before);
    }
}

/// Finds which vehicles on the road and people on it touch, where control has put them this
/// tick.
pub fn touch_on_road(
    roster: Rosters,
    on_road: Res<OnRoad>,
    walkers: Query<&PedestrianState>,
    mut road: ResMut<RoadContacts>,
) {
    let first_person = roster.first_person();
    let vehicles = on_road.vehicles.iter().map(|v| (v.id, Body::car(v.at, v.heading)));
    let walking = roster.people.0.iter().enumerate().filter_map(|(k, &e)| {
        let s = walkers.get(e).expect("roster entities are pedestrians");
        s.on_road().then(|| (first_person + k as u32, Body::Person { at: s.at }))
    });
    road.find(vehicles.chain(walking));
}

/// Tests each drone low enough to reach a car's roof against what is on the road, where the
/// step has taken it, and adds the pairs that began touching this tick to [`Contacts`].
pub fn touch_low_drones(
    roster: Rosters,
    physics: Res<Physics>,
    drone_states: Query<&DroneState>,
    mut road: ResMut<RoadContacts>,
    mut contacts: ResMut<Contacts>,
) {
    let low = CAR[2] + f64::from(DRONE_RADIUS_M);
    for &k in &physics.flying {
        let state = drone_states.get(roster.drones.0[k as usize]).expect("roster entities are drones");
        debug_assert!(state.airborne(), "no drone lands between its step and this");
        if state.pos[2] <= low {
            road.meet_drone(roster.first_drone() + k, state.pos);
        }
    }
    road.close(&mut contacts.started);
    contacts.started.sort_unstable();
    contacts.started.dedup();
}

#[cfg(test)]
mod tests {
    use rand::{RngExt, SeedableRng};
    use rapier3d::parry::query::intersection_test;
    use rapier3d::parry::shape::{Ball, Cuboid, Shape};
    use rapier3d::prelude::{Pose, Rotation, Vector};

    use super::*;

    /// The body as rapier would hold it, its shapes grown by `grow` m (shrunk when negative).
    fn rapier_shape(body: &Body, grow: f32) -> (Pose, Box<dyn Shape>) {
        match *body {
            Body::Car { at, axis } => {
                let [hx, hy, hz] = CAR_HALF_EXTENTS;
                let pose = Pose::from_parts(
                    Vector::new(at.x as f32, at.y as f32, hz),
                    Rotation::from_rotation_z(axis.y.atan2(axis.x) as f32),
                );
                (pose, Box::new(Cuboid::new(Vector::new(hx + grow, hy + grow, hz + grow))))
            }
            Body::Person { at } => (
                Pose::from_translation(Vector::new(at.x as f32, at.y as f32, PERSON_HIP_M as f32)),
                Box::new(Ball::new(PERSON_RADIUS_M + grow)),
            ),
        }
    }

    fn touch_in_rapier(a: (Pose, Box<dyn Shape>), b: (Pose, Box<dyn Shape>)) -> bool {
        intersection_test(&a.0, &*a.1, &b.0, &*b.1).expect("boxes and balls are supported").intersecting
    }

    /// Against parry's exact test of the shapes rapier would hold: wherever the two are clearly
    /// touching (still touching with every shape a millimetre smaller) the road's test says so,
    /// wherever they are clearly apart (apart with every shape a millimetre larger) it says not.
    #[test]
    fn shapes_touch_as_rapier_would_find_them() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(20);
        let body = |rng: &mut rand_chacha::ChaCha8Rng| {
            let at = Vec2::new(rng.random_range(-3.5..3.5), rng.random_range(-3.5..3.5));
            if rng.random_range(0..4) == 0 { Body::Person { at } } else { Body::car(at, rng.random_range(-4.0..4.0)) }
        };
        let (mut touching, mut apart) = ([0; 3], [0; 3]);
        for _ in 0..20_000 {
            let (a, b) = (body(&mut rng), body(&mut rng));
            let kind = match (a, b) {
                (Body::Car { .. }, Body::Car { .. }) => 0,
                (Body::Person { .. }, Body::Person { .. }) => continue,
                _ => 1,
            };
            if touch_in_rapier(rapier_shape(&a, -1e-3), rapier_shape(&b, -1e-3)) {
                assert!(a.touches(&b) && b.touches(&a), "{a:?} and {b:?} touch");
                touching[kind] += 1;
            } else if !touch_in_rapier(rapier_shape(&a, 1e-3), rapier_shape(&b, 1e-3)) {
                assert!(!a.touches(&b) && !b.touches(&a), "{a:?} and {b:?} are apart");
                apart[kind] += 1;
            }
            // A drone near either, at any height from the ground to above a car.
            let p = [rng.random_range(-3.5..3.5), rng.random_range(-3.5..3.5), rng.random_range(0.0..3.0)];
            let drone = |grow: f32| {
                (
                    Pose::from_translation(Vector::new(p[0] as f32, p[1] as f32, p[2] as f32)),
                    Box::new(Ball::new(DRONE_RADIUS_M + grow)) as Box<dyn Shape>,
                )
            };
            if touch_in_rapier(drone(-1e-3), rapier_shape(&a, -1e-3)) {
                assert!(a.touches_drone(p), "a drone at {p:?} touches {a:?}");
                touching[2] += 1;
            } else if !touch_in_rapier(drone(1e-3), rapier_shape(&a, 1e-3)) {
                assert!(!a.touches_drone(p), "a drone at {p:?} is clear of {a:?}");
                apart[2] += 1;
            }
        }
        // Cars with cars, cars with people, drones with either: both outcomes, many times.
        for k in 0..3 {
            assert!(touching[k] > 500 && apart[k] > 500, "{k}: {touching:?} touching, {apart:?} apart");
        }
    }

    #[test]
    fn people_do_not_touch_people() {
        let (a, b) = (Body::Person { at: Vec2::new(0.0, 0.0) }, Body::Person { at: Vec2::new(0.1, 0.0) });
        assert!(!a.touches(&b));
    }

    /// A car driven into another touches it once; standing together is no new contact; parted
    /// and driven in again, it is. A drone coming down onto the car's roof touches it; one
    /// hovering a metre above does not.
    #[test]
    fn a_pair_counts_on_the_tick_it_first_touches_and_again_after_parting() {
        let mut road = RoadContacts::default();
        let mut tick = |b_at: f64, drone: Option<[f64; 3]>| {
            road.find([(3, Body::car(Vec2::new(0.0, 0.0), 0.0)), (8, Body::car(Vec2::new(b_at, 0.0), 0.0))]);
            if let Some(p) = drone {
                road.meet_drone(11, p);
            }
            let mut started = Vec::new();
            road.close(&mut started);
            started.sort_unstable();
            started
        };
        assert_eq!(tick(10.0, None), []);
        // 4.4 m between centres: the bumpers meet.
        assert_eq!(tick(4.4, None), [(3, 8)]);
        assert_eq!(tick(4.0, None), [], "still touching: no new contact");
        assert_eq!(tick(4.41, None), [], "0.01 m apart");
        assert_eq!(tick(4.39, None), [(3, 8)], "driven in again");
        assert_eq!(tick(4.39, Some([0.0, 0.0, 3.0])), [], "a drone 0.9 m above the roof");
        assert_eq!(tick(4.39, Some([1.0, 0.5, 2.0])), [(3, 11)], "a drone coming down onto the roof");
        assert_eq!(tick(4.39, Some([1.0, 0.5, 2.0])), [], "resting there");
        assert_eq!(tick(4.39, Some([30.0, 0.0, 0.6])), [], "a drone set down far away");
    }

    /// After the step: a drone in the air low over a car touches it, with its id after the
    /// taxis'; one higher up is not tested, nor one on its stand (not among the drones in the air
    /// that syncing the bodies listed); the pair joins rapier's, sorted.
    #[test]
    fn a_low_drone_touches_what_is_under_it_where_the_step_left_it() {
        use bevy::ecs::system::RunSystemOnce;

        use crate::clock::SimClock;
        use crate::drone::DronePhase;
        use crate::roster::{CarRoster, DroneRoster, PedestrianRoster, TaxiRoster};

        let mut world = World::new();
        world.insert_resource(TaxiRoster(vec![Entity::PLACEHOLDER; 2]));
        let drone = |world: &mut World, z: f64, phase: DronePhase| {
            let mut s = DroneState::on_stand(Vec2::new(1.0, 0.5), 1000.0);
            (s.pos[2], s.phase) = (z, phase);
            world.spawn(s).id()
        };
        // Ids 2, 3 and 4: on the roof's reach, above it, on its stand inside the car's outline.
        let drones = vec![
            drone(&mut world, 2.0, DronePhase::Outbound),
            drone(&mut world, 2.2, DronePhase::Outbound),
            drone(&mut world, 0.0, DronePhase::Ready),
        ];
        world.insert_resource(DroneRoster(drones));
        world.insert_resource(CarRoster::default());
        world.insert_resource(PedestrianRoster::default());
        let mut road = RoadContacts::default();
        road.find([(0, Body::car(Vec2::new(0.0, 0.0), 0.0)), (1, Body::car(Vec2::new(30.0, 0.0), 0.0))]);
        world.insert_resource(road);
        world.insert_resource(Contacts { started: vec![(3, 4)], ..Default::default() });
        world.insert_resource(SimClock { now_ms: 0, tick_ms: 100, start_tod_s: 0, end_ms: 1000 });
        let mut physics = Physics::from_world(&mut world);
        physics.flying = vec![0, 1];
        world.insert_resource(physics);
        world.run_system_once(touch_low_drones).expect("the system runs");
        assert_eq!(world.resource::<Contacts>().started, [(0, 2), (3, 4)]);
    }
}

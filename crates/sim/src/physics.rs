//! rapier3d holds a body for every vehicle, drone and person and reports when two touch.
//!
//! Vehicles and people are kinematic: their controllers decide where they go, rapier decides
//! whether they touched. Drones are dynamic: their flight controller sets a force, and rapier
//! integrates it with gravity into where they are. rapier tests contacts at the start of a step, so a contact is reported
//! one tick after the bodies came together; no state goes untested. Parked vehicles and grounded drones are disabled, so depot
//! bays and landing pads are not contacts; only moving things interact.
//!
//! A vehicle or person farther than [`CONTACT_RANGE_M`] from every other moving body cannot
//! touch one within the next two ticks, so its body rests disabled until something comes near;
//! with no drone in the air and nothing near anything, the step is skipped. Contacts are the
//! same as with every body stepped, at the cost of the bodies that can actually meet.

use std::sync::Mutex;

use bevy::prelude::*;
use rapier3d::prelude::{
    ActiveCollisionTypes, ActiveEvents, ColliderBuilder, ColliderSet, CollisionEvent, ContactPair, EventHandler, Group,
    InteractionGroups, InteractionTestMode, PhysicsWorld, Pose, Real, RigidBodyBuilder, RigidBodyHandle, RigidBodySet,
    Rotation, SoftBodySet, SoftBodyTearEvent, Vector,
};

use crate::clock::SimClock;
use crate::drone::{DRONE_MASS_KG, DroneState};
use crate::geom::close_pairs;
use crate::residents::PedestrianState;
use crate::roster::{CarRoster, DroneRoster, PedestrianRoster, TaxiRoster};
use crate::schedule::{SetupSystems, SimSetup, SimStep, SimSystems};
use crate::vehicle::{Phase, TaxiState};

/// Half extents of a car body (length, width, height), m.
pub const CAR_HALF_EXTENTS: [f32; 3] = [2.2, 0.9, 0.75];
/// Radius of the sphere around a delivery drone with its rotors, m.
pub const DRONE_RADIUS_M: f32 = 0.6;
/// Radius of the ball standing for a person, at hip height, m.
pub const PERSON_RADIUS_M: f32 = 0.3;

/// Ground bodies this close (along both axes) to another moving body are stepped, m: two car
/// bodies' half-diagonals (2.4 m each), and two ticks' movement of both at 30 m/s (a contact is
/// tested at the start of a step), with a margin.
pub const CONTACT_RANGE_M: f64 = 2.0 * 2.4 + 2.0 * 2.0 * 3.0 + 3.2;

/// Collision events of one step, collected as rapier reports them.
#[derive(Default)]
struct Collector(Mutex<Vec<(u128, u128)>>);

impl EventHandler for Collector {
    fn handle_collision_event(
        &self,
        _: &RigidBodySet,
        colliders: &ColliderSet,
        event: CollisionEvent,
        _: Option<&ContactPair>,
    ) {
        if let CollisionEvent::Started(a, b, _) = event {
            let owner = |h| colliders.get(h).map_or(u128::MAX, |c| c.user_data);
            self.0.lock().expect("collector lock is never poisoned: handlers do not panic").push((owner(a), owner(b)));
        }
    }

    fn handle_contact_force_event(&self, _: Real, _: &RigidBodySet, _: &ColliderSet, _: &ContactPair, _: Real) {}

    fn handle_soft_body_tear_event(&self, _: &SoftBodySet, _: &SoftBodyTearEvent) {}
}

/// The rapier world and the body of each entity, by replay id.
#[derive(Resource)]
pub struct Physics {
    world: PhysicsWorld,
    bodies: Vec<RigidBodyHandle>,
    collector: Collector,
    /// Scratch for the moving bodies' positions and which are near another, reused each tick.
    moving: Vec<(usize, Pose)>,
    points: Vec<(f64, f64)>,
    pairs: Vec<(usize, usize)>,
    near: Vec<bool>,
    /// Whether anything is enabled this tick: otherwise the step is skipped.
    any_enabled: bool,
    /// Whether far bodies rest (default); off, every moving body is stepped, which tests use to
    /// show that resting changes nothing.
    pub contact_culling: bool,
}

impl FromWorld for Physics {
    fn from_world(world: &mut World) -> Self {
        let mut pw = PhysicsWorld { gravity: Vector::new(0.0, 0.0, -9.81), ..Default::default() };
        pw.integration_parameters.dt = world.resource::<SimClock>().dt_s() as Real;
        Physics {
            world: pw,
            bodies: Vec::new(),
            collector: Collector::default(),
            moving: Vec::new(),
            points: Vec::new(),
            pairs: Vec::new(),
            near: Vec::new(),
            any_enabled: false,
            contact_culling: true,
        }
    }
}

/// Pairs of entity ids (smaller first) whose bodies started touching this tick, sorted.
#[derive(Resource, Debug, Default)]
pub struct Contacts {
    /// The pairs.
    pub started: Vec<(u32, u32)>,
}

/// Adds physics.
pub struct PhysicsPlugin;

impl Plugin for PhysicsPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<Physics>()
            .init_resource::<Contacts>()
            .add_systems(SimSetup, create_bodies.in_set(SetupSystems::Bodies))
            .add_systems(SimStep, (sync_bodies, step_physics, read_drones).chain().in_set(SimSystems::Physics));
    }
}

fn body(world: &mut PhysicsWorld, id: u32, collider: ColliderBuilder) -> RigidBodyHandle {
    insert(world, id, RigidBodyBuilder::kinematic_position_based(), collider)
}

/// A drone: a dynamic point mass (attitude is not modelled; rotations are locked) that does not
/// sleep while it hovers.
fn drone_body(world: &mut PhysicsWorld, id: u32) -> RigidBodyHandle {
    let builder = RigidBodyBuilder::dynamic().lock_rotations().can_sleep(false).ccd_enabled(true);
    insert(world, id, builder, ColliderBuilder::ball(DRONE_RADIUS_M).mass(DRONE_MASS_KG as Real))
}

fn insert(world: &mut PhysicsWorld, id: u32, builder: RigidBodyBuilder, collider: ColliderBuilder) -> RigidBodyHandle {
    let handle = world.bodies.insert(builder.enabled(false).user_data(u128::from(id)));
    let collider = collider
        .active_events(ActiveEvents::COLLISION_EVENTS)
        .active_collision_types(ActiveCollisionTypes::all())
        .user_data(u128::from(id));
    world.colliders.insert_with_parent(collider, handle, &mut world.bodies);
    handle
}

/// Creates one disabled body per taxi, drone, car and person, in id order.
pub fn create_bodies(
    mut physics: ResMut<Physics>,
    taxis: Res<TaxiRoster>,
    drones: Res<DroneRoster>,
    cars: Res<CarRoster>,
    people: Res<PedestrianRoster>,
) {
    let physics = &mut *physics;
    let [hx, hy, hz] = CAR_HALF_EXTENTS;
    let mut id = 0u32;
    for _ in 0..taxis.0.len() {
        let handle = body(&mut physics.world, id, ColliderBuilder::cuboid(hx, hy, hz));
        physics.bodies.push(handle);
        id += 1;
    }
    for _ in 0..drones.0.len() {
        let handle = drone_body(&mut physics.world, id);
        physics.bodies.push(handle);
        id += 1;
    }
    let shapes = std::iter::repeat_n(ColliderBuilder::cuboid(hx, hy, hz), cars.0.len()).chain(std::iter::repeat_n(
        // People pass each other on a crossing: they touch vehicles and drones, not people.
        ColliderBuilder::ball(PERSON_RADIUS_M).collision_groups(InteractionGroups::new(
            Group::GROUP_2,
            Group::GROUP_1,
            InteractionTestMode::And,
        )),
        people.0.len(),
    ));
    for shape in shapes {
        let handle = body(&mut physics.world, id, shape);
        physics.bodies.push(handle);
        id += 1;
    }
}

fn place(world: &mut PhysicsWorld, handle: RigidBodyHandle, active: bool, pose: Pose) {
    let body = &mut world.bodies[handle];
    if active && !body.is_enabled() {
        // Waking up: appear in place rather than sweep from where it was parked.
        body.set_position(pose, true);
        body.set_enabled(true);
    } else if active {
        body.set_next_kinematic_position(pose);
    } else if body.is_enabled() {
        body.set_enabled(false);
    }
}

/// Moves each body to where its controller put the entity; bodies far from every other
/// moving body rest (see the [module docs](self)).
pub fn sync_bodies(
    taxis: Res<TaxiRoster>,
    drones: Res<DroneRoster>,
    cars: Res<CarRoster>,
    people: Res<PedestrianRoster>,
    taxi_states: Query<&TaxiState>,
    drone_states: Query<&DroneState>,
    walkers: Query<&PedestrianState>,
    mut physics: ResMut<Physics>,
) {
    let physics = &mut *physics;
    let first_car = taxis.0.len() + drones.0.len();
    let first_person = first_car + cars.0.len();
    // Every moving thing: (body index, pose); the ground ones first.
    physics.moving.clear();
    let vehicles = taxis.0.iter().enumerate().chain(cars.0.iter().enumerate().map(|(k, e)| (first_car + k, e)));
    for (i, &e) in vehicles {
        let state = taxi_states.get(e).expect("roster entities are vehicles");
        if state.phase == Phase::Driving {
            let pose = Pose::from_parts(
                Vector::new(state.at.x as f32, state.at.y as f32, CAR_HALF_EXTENTS[2]),
                Rotation::from_rotation_z(state.heading as f32),
            );
            physics.moving.push((i, pose));
        } else {
            place(&mut physics.world, physics.bodies[i], false, Pose::IDENTITY);
        }
    }
    for (k, &e) in people.0.iter().enumerate() {
        let s = walkers.get(e).expect("roster entities are pedestrians");
        let i = first_person + k;
        if s.on_road() {
            physics.moving.push((i, Pose::from_translation(Vector::new(s.at.x as f32, s.at.y as f32, 0.9))));
        } else {
            place(&mut physics.world, physics.bodies[i], false, Pose::IDENTITY);
        }
    }
    let ground = physics.moving.len();
    let mut airborne = 0;
    for (k, &e) in drones.0.iter().enumerate() {
        let state = drone_states.get(e).expect("roster entities are drones");
        if state.airborne() {
            let [x, y, z] = state.pos;
            physics.moving.push((taxis.0.len() + k, Pose::from_translation(Vector::new(x as f32, y as f32, z as f32))));
            airborne += 1;
        }
    }
    // Which ground bodies have another moving body within reach.
    physics.points.clear();
    physics.points.extend(physics.moving.iter().map(|(_, p)| (f64::from(p.translation.x), f64::from(p.translation.y))));
    physics.pairs.clear();
    close_pairs(&physics.points, CONTACT_RANGE_M, &mut physics.pairs);
    physics.near.clear();
    physics.near.resize(physics.moving.len(), false);
    for &(a, b) in &physics.pairs {
        physics.near[a] = true;
        physics.near[b] = true;
    }
    physics.any_enabled = airborne > 0;
    for (k, &(i, pose)) in physics.moving[..ground].iter().enumerate() {
        let near = physics.near[k] || !physics.contact_culling;
        physics.any_enabled |= near;
        place(&mut physics.world, physics.bodies[i], near, pose);
    }
    // Drones are pushed, not placed: rapier integrates their flight.
    for (k, &e) in drones.0.iter().enumerate() {
        let state = drone_states.get(e).expect("roster entities are drones");
        let body = &mut physics.world.bodies[physics.bodies[taxis.0.len() + k]];
        if !state.airborne() {
            if body.is_enabled() {
                body.set_enabled(false);
            }
            continue;
        }
        if !body.is_enabled() {
            // Taking off: from the pad, at rest.
            let [x, y, z] = state.pos;
            body.set_position(Pose::from_translation(Vector::new(x as f32, y as f32, z as f32)), true);
            body.set_linvel(Vector::ZERO, true);
            body.set_enabled(true);
        }
        let [fx, fy, fz] = state.force.map(|f| f as f32);
        body.reset_forces(true);
        body.add_force(Vector::new(fx, fy, fz), true);
    }
}

/// Reads where rapier has taken each flying drone, and the distance it covered. The ground
/// stops a falling drone: nothing is ever below it.
pub fn read_drones(
    mut physics: ResMut<Physics>,
    taxis: Res<TaxiRoster>,
    drones: Res<DroneRoster>,
    mut drone_states: Query<&mut DroneState>,
) {
    let physics = &mut *physics;
    for (k, &e) in drones.0.iter().enumerate() {
        let body = &mut physics.world.bodies[physics.bodies[taxis.0.len() + k]];
        if !body.is_enabled() {
            continue;
        }
        if body.translation().z < 0.0 {
            let p = body.translation();
            body.set_translation(Vector::new(p.x, p.y, 0.0), true);
            body.set_linvel(Vector::ZERO, true);
        }
        let mut state = drone_states.get_mut(e).expect("roster entities are drones");
        let (p, v) = (body.translation(), body.linvel());
        let pos = [f64::from(p.x), f64::from(p.y), f64::from(p.z)];
        let moved = [0, 1, 2].map(|i| pos[i] - state.pos[i]);
        state.km += (moved[0].hypot(moved[1])).hypot(moved[2]) / 1000.0;
        state.pos = pos;
        state.vel = [f64::from(v.x), f64::from(v.y), f64::from(v.z)];
    }
}

/// Steps rapier and lists the contacts that began.
pub fn step_physics(mut physics: ResMut<Physics>, mut contacts: ResMut<Contacts>) {
    let physics = &mut *physics;
    contacts.started.clear();
    if !physics.any_enabled {
        return;
    }
    physics.world.step_with_events(&(), &physics.collector);
    let mut started = std::mem::take(
        &mut *physics.collector.0.lock().expect("collector lock is never poisoned: handlers do not panic"),
    );
    for (a, b) in started.drain(..) {
        let (a, b) = (a.min(b) as u32, a.max(b) as u32);
        contacts.started.push((a, b));
    }
    contacts.started.sort_unstable();
    contacts.started.dedup();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinematic_bodies_report_contact_when_driven_into_each_other() {
        let mut world = PhysicsWorld::default();
        let collector = Collector::default();
        let a = body(&mut world, 0, ColliderBuilder::cuboid(2.2, 0.9, 0.75));
        let b = body(&mut world, 1, ColliderBuilder::cuboid(2.2, 0.9, 0.75));
        let at = |x: f32| Pose::from_translation(Vector::new(x, 0.0, 0.75));
        place(&mut world, a, true, at(0.0));
        place(&mut world, b, true, at(10.0));
        world.step_with_events(&(), &collector);
        assert!(collector.0.lock().expect("unpoisoned").is_empty(), "10 m apart: no contact");
        place(&mut world, b, true, at(3.0));
        // rapier tests contacts at the start of a step, before it moves kinematic bodies to
        // their targets: the overlap shows one step after the move.
        world.step_with_events(&(), &collector);
        assert!(collector.0.lock().expect("unpoisoned").is_empty(), "moving in: reported next step");
        world.step_with_events(&(), &collector);
        assert_eq!(collector.0.lock().expect("unpoisoned").as_slice(), &[(0, 1)], "3 m apart: overlapping boxes touch");
    }
}

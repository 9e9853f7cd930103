//! rapier3d holds a body for every vehicle, drone and person and reports when two touch.
//!
//! Vehicles and people are kinematic: their controllers decide where they go, rapier decides
//! whether they touched. Drones are dynamic: their flight controller sets a force, and rapier
//! integrates it with gravity into where they are. The ground and every building are fixed
//! bodies that only drones meet: a drone that falls lands on them, one that flies into a
//! building has struck it ([`Contacts::struck`]). rapier tests contacts at the start of a
//! step, so a contact is reported one tick after the bodies came together; no state goes
//! untested. Parked vehicles and grounded drones are disabled, so depot bays and landing pads
//! are not contacts; only moving things interact.
//!
//! A vehicle or person farther than [`CONTACT_RANGE_M`] from every other moving body cannot
//! touch one within the next two ticks, so its body rests disabled until something comes near;
//! with no drone in the air and nothing near anything, the step is skipped. Contacts are the
//! same as with every body stepped, at the cost of the bodies that can actually meet.
//!
//! A city's step (from [`HAND_OVER_FROM`] enabled bodies) runs on a worker of the compute task
//! pool while the simulation's thread does what reads vehicles and people alone
//! ([`PhysicsSystems::Roads`], [`PhysicsSystems::Tallies`]); its results are taken back in
//! [`PhysicsSystems::Results`]. A town's smaller step is done in place. Which thread steps
//! changes nothing in what it computes.

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::Mutex;

use bevy::prelude::*;
use bevy::tasks::{ComputeTaskPool, Task, TaskPool, block_on};
use rapier3d::prelude::{
    ActiveCollisionTypes, ActiveEvents, ColliderBuilder, ColliderSet, CollisionEvent, ContactPair, EventHandler, Group,
    InteractionGroups, InteractionTestMode, PhysicsWorld, Pose, Real, RigidBodyBuilder, RigidBodyHandle, RigidBodySet,
    Rotation, SoftBodySet, SoftBodyTearEvent, Vector,
};

use crate::clock::SimClock;
use crate::drone::{DRONE_MASS_KG, DroneState};
use crate::geom::neighbour_pairs;
use crate::residents::PedestrianState;
use crate::roster::{CarRoster, DroneRoster, PedestrianRoster, TaxiRoster};
use crate::schedule::{PhysicsSystems, SetupSystems, SimSetup, SimStep};
use crate::town::TownMap;
use crate::vehicle::{OnRoad, Taxi, TaxiState};
use pilotzone_routing::Vec2;
use pilotzone_routing::geom::triangulate;

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

/// Marks the owner of a fixed body (the ground, a building) apart from entity ids.
const FIXED: u128 = 1 << 64;
/// The fixed body that is the ground.
const GROUND: u128 = FIXED | u32::MAX as u128;

/// Who meets whom: road users (vehicles), people, the fixed world, and drones. People meet
/// vehicles and drones but not each other; the ground and buildings meet drones only (a car
/// rests on the road without touching it).
const ROAD: Group = Group::GROUP_1;
const PEOPLE: Group = Group::GROUP_2;
const FIXED_WORLD: Group = Group::GROUP_3;
const AIR: Group = Group::GROUP_4;

fn groups(member: Group, meets: Group) -> InteractionGroups {
    InteractionGroups::new(member, meets, InteractionTestMode::And)
}

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

/// rapier's world and the contacts its step reports, boxed so that a step can take them to a
/// worker thread and back.
#[derive(Default)]
struct Rapier {
    world: PhysicsWorld,
    collector: Collector,
}

/// Where this tick's step is.
enum Step {
    /// Nothing was enabled: no step.
    Skipped,
    /// Done on this thread.
    Done,
    /// Under way on a worker, which gives back the world or the panic it met.
    Away(Task<std::thread::Result<Box<Rapier>>>),
}

/// The rapier world and the body of each entity, by replay id.
#[derive(Resource)]
pub struct Physics {
    /// The world between steps; a step under way on a worker holds it.
    rapier: Option<Box<Rapier>>,
    step: Step,
    bodies: Vec<RigidBodyHandle>,
    /// Scratch for the moving bodies' positions and which are near another, reused each tick.
    moving: Vec<(usize, Pose)>,
    points: Vec<(f64, f64)>,
    pairs: Vec<(usize, usize)>,
    near: Vec<bool>,
    /// Bodies of vehicles and people that are enabled, by body index, ascending: the only ones
    /// that may need to rest. Parked vehicles are not visited at all.
    awake: Vec<usize>,
    /// Whether each body is in `moving` this tick, by body index (scratch, cleared after use).
    in_moving: Vec<bool>,
    /// Bodies enabled this tick: none, and the step is skipped; few, and it is quicker done on
    /// this thread than handed to another ([`HAND_OVER_FROM`]).
    enabled: usize,
    /// Whether far bodies rest (default); off, every moving body is stepped, which tests use to
    /// show that resting changes nothing.
    pub contact_culling: bool,
    /// Enabled bodies from which the step is handed to a worker ([`HAND_OVER_FROM`] unless a
    /// test, showing that where it steps changes nothing, sets another).
    pub hand_over_from: usize,
    /// Steps handed to a worker so far.
    handed_over: u64,
}

/// Enabled bodies from which a step is handed to a worker thread. Handing over and back costs
/// tens of microseconds, about what rapier takes for a hundred moving bodies; the step must also
/// outlast what this thread does meanwhile to gain from it.
pub const HAND_OVER_FROM: usize = 400;

/// Says what went wrong if the world is asked for while a step holds it, which the schedule
/// rules out.
const HOME: &str = "the physics world is only away during a step, and the schedule waits for it";

impl FromWorld for Physics {
    fn from_world(world: &mut World) -> Self {
        let mut rapier = Box::<Rapier>::default();
        rapier.world.gravity = Vector::new(0.0, 0.0, -9.81);
        rapier.world.integration_parameters.dt = world.resource::<SimClock>().dt_s() as Real;
        Physics {
            rapier: Some(rapier),
            step: Step::Skipped,
            bodies: Vec::new(),
            moving: Vec::new(),
            points: Vec::new(),
            pairs: Vec::new(),
            near: Vec::new(),
            awake: Vec::new(),
            in_moving: Vec::new(),
            enabled: 0,
            contact_culling: true,
            hand_over_from: HAND_OVER_FROM,
            handed_over: 0,
        }
    }
}

impl Physics {
    /// How many steps went to a worker thread so far.
    pub fn steps_handed_over(&self) -> u64 {
        self.handed_over
    }
}

/// The world between steps, from [`Physics`]'s `rapier` alone, so that the other fields stay
/// free to borrow beside it.
fn home(rapier: &mut Option<Box<Rapier>>) -> &mut PhysicsWorld {
    &mut rapier.as_mut().expect(HOME).world
}

/// Pairs of entity ids (smaller first) whose bodies started touching this tick, sorted; and
/// drones that struck a building, as (drone id, building index), sorted.
#[derive(Resource, Debug, Default)]
pub struct Contacts {
    /// The pairs.
    pub started: Vec<(u32, u32)>,
    /// Drones against buildings.
    pub struck: Vec<(u32, usize)>,
    /// Drones whose body came out of the step with a position or velocity that is not a finite
    /// number, by id: each is put down where it last was sound and ends its flight as a crash.
    /// This is the one place physics feeds the simulation, so no such value reaches routing,
    /// the KPIs or the replay.
    pub unsound: Vec<u32>,
}

/// Adds physics.
pub struct PhysicsPlugin;

impl Plugin for PhysicsPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<Physics>()
            .init_resource::<Contacts>()
            .add_systems(SimSetup, create_bodies.in_set(SetupSystems::Bodies))
            .add_systems(SimStep, (sync_bodies, step_physics).chain().in_set(PhysicsSystems::Step))
            .add_systems(SimStep, (take_step, read_drones).chain().in_set(PhysicsSystems::Results));
    }
}

fn body(world: &mut PhysicsWorld, id: u32, collider: ColliderBuilder) -> RigidBodyHandle {
    insert(world, id, RigidBodyBuilder::kinematic_position_based(), collider)
}

/// The ground, and each building as a prism from the ground to its roof (walls and a roof, so
/// a drone falling on it comes to rest there).
fn fixed_world(world: &mut PhysicsWorld, town: &TownMap) {
    let fixed = |collider: ColliderBuilder, owner: u128| {
        collider
            .collision_groups(groups(FIXED_WORLD, AIR))
            .active_collision_types(ActiveCollisionTypes::all())
            .user_data(owner)
    };
    // A slab under the whole town and a kilometre around it, its top at height 0 (rapier's
    // broad phase does not take the infinite box of a half-space).
    let (mut lo, mut hi) = (Vec2::new(f64::MAX, f64::MAX), Vec2::new(f64::MIN, f64::MIN));
    for p in &town.index.positions {
        (lo, hi) = (Vec2::new(lo.x.min(p.x), lo.y.min(p.y)), Vec2::new(hi.x.max(p.x), hi.y.max(p.y)));
    }
    let (centre, half) = ((lo + hi).scale(0.5), (hi - lo).scale(0.5) + Vec2::new(1000.0, 1000.0));
    let slab = ColliderBuilder::cuboid(half.x as f32, half.y as f32, 5.0).translation(Vector::new(
        centre.x as f32,
        centre.y as f32,
        -5.0,
    ));
    world.colliders.insert(fixed(slab, GROUND));
    for (k, (outline, height)) in town.buildings.iter().enumerate() {
        let n = outline.len() as u32;
        if n < 3 || *height <= 0.0 {
            continue;
        }
        let point = |p: Vec2, z: f64| Vector::new(p.x as f32, p.y as f32, z as f32);
        let vertices: Vec<Vector> =
            outline.iter().map(|&p| point(p, 0.0)).chain(outline.iter().map(|&p| point(p, *height))).collect();
        let roof = triangulate(outline);
        let mut indices: Vec<[u32; 3]> = roof.chunks_exact(3).map(|t| [t[0] + n, t[1] + n, t[2] + n]).collect();
        for i in 0..n {
            let j = (i + 1) % n;
            indices.push([i, j, j + n]);
            indices.push([i, j + n, i + n]);
        }
        // An outline too broken to mesh (repeated corners) is left out: the monitor still
        // measures drones' clearance from it.
        if let Ok(mesh) = ColliderBuilder::trimesh(vertices, indices) {
            world.colliders.insert(fixed(mesh, FIXED | k as u128));
        }
    }
}

/// A drone: a dynamic point mass (attitude is not modelled; rotations are locked) that does not
/// sleep while it hovers.
fn drone_body(world: &mut PhysicsWorld, id: u32) -> RigidBodyHandle {
    let builder = RigidBodyBuilder::dynamic().lock_rotations().can_sleep(false).ccd_enabled(true);
    let collider = ColliderBuilder::ball(DRONE_RADIUS_M)
        .mass(DRONE_MASS_KG as Real)
        .collision_groups(groups(ROAD | AIR, Group::ALL));
    insert(world, id, builder, collider)
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

/// Creates the ground and the buildings, and one disabled body per taxi, drone, car and
/// person, in id order.
pub fn create_bodies(
    town: Res<TownMap>,
    mut physics: ResMut<Physics>,
    taxis: Res<TaxiRoster>,
    drones: Res<DroneRoster>,
    cars: Res<CarRoster>,
    people: Res<PedestrianRoster>,
) {
    let physics = &mut *physics;
    let world = home(&mut physics.rapier);
    fixed_world(world, &town);
    let [hx, hy, hz] = CAR_HALF_EXTENTS;
    let car = || ColliderBuilder::cuboid(hx, hy, hz).collision_groups(groups(ROAD, ROAD | PEOPLE));
    let mut id = 0u32;
    for _ in 0..taxis.0.len() {
        let handle = body(world, id, car());
        physics.bodies.push(handle);
        id += 1;
    }
    for _ in 0..drones.0.len() {
        let handle = drone_body(world, id);
        physics.bodies.push(handle);
        id += 1;
    }
    let shapes = std::iter::repeat_n(car(), cars.0.len()).chain(std::iter::repeat_n(
        // People pass each other on a crossing: they touch vehicles and drones, not people.
        ColliderBuilder::ball(PERSON_RADIUS_M).collision_groups(groups(PEOPLE, ROAD)),
        people.0.len(),
    ));
    for shape in shapes {
        let handle = body(world, id, shape);
        physics.bodies.push(handle);
        id += 1;
    }
}

fn place(world: &mut PhysicsWorld, handle: RigidBodyHandle, active: bool, pose: Pose) {
    // Borrowing a body mutably files it as changed, and rapier then revisits it in the next
    // step: a body that rests and stays at rest is only looked at, and so is one standing
    // where it stood (a vehicle queueing), whose next pose is already the one it holds.
    let seen = &world.bodies[handle];
    if (!active && !seen.is_enabled())
        || (active && seen.is_enabled() && *seen.position() == pose && *seen.next_position() == pose)
    {
        return;
    }
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
    on_road: Res<OnRoad>,
    taxi_states: Query<(&Taxi, &TaxiState)>,
    drone_states: Query<&DroneState>,
    walkers: Query<&PedestrianState>,
    mut physics: ResMut<Physics>,
) {
    let physics = &mut *physics;
    let world = home(&mut physics.rapier);
    let first_person = taxis.0.len() + drones.0.len() + cars.0.len();
    // Every moving thing: (body index, pose); the ground ones first, in body order.
    physics.moving.clear();
    for &e in &on_road.0 {
        let (taxi, state) = taxi_states.get(e).expect("vehicles on the road are vehicles");
        let pose = Pose::from_parts(
            Vector::new(state.at.x as f32, state.at.y as f32, CAR_HALF_EXTENTS[2]),
            Rotation::from_rotation_z(state.heading as f32),
        );
        physics.moving.push((taxi.id as usize, pose));
    }
    for (k, &e) in people.0.iter().enumerate() {
        let s = walkers.get(e).expect("roster entities are pedestrians");
        if s.on_road() {
            physics
                .moving
                .push((first_person + k, Pose::from_translation(Vector::new(s.at.x as f32, s.at.y as f32, 0.9))));
        }
    }
    // Bodies of what no longer moves on the ground rest, in body order.
    physics.in_moving.resize(physics.bodies.len(), false);
    for &(i, _) in &physics.moving {
        physics.in_moving[i] = true;
    }
    for &i in &physics.awake {
        if !physics.in_moving[i] {
            place(world, physics.bodies[i], false, Pose::IDENTITY);
        }
    }
    for &(i, _) in &physics.moving {
        physics.in_moving[i] = false;
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
    // Only which bodies have a neighbour counts, not in which order they are found.
    neighbour_pairs(&physics.points, CONTACT_RANGE_M, &mut physics.pairs);
    physics.near.clear();
    physics.near.resize(physics.moving.len(), false);
    for &(a, b) in &physics.pairs {
        physics.near[a] = true;
        physics.near[b] = true;
    }
    physics.enabled = airborne;
    physics.awake.clear();
    for (k, &(i, pose)) in physics.moving[..ground].iter().enumerate() {
        let near = physics.near[k] || !physics.contact_culling;
        physics.enabled += usize::from(near);
        place(world, physics.bodies[i], near, pose);
        if near {
            physics.awake.push(i);
        }
    }
    // Drones are pushed, not placed: rapier integrates their flight.
    for (k, &e) in drones.0.iter().enumerate() {
        let state = drone_states.get(e).expect("roster entities are drones");
        let handle = physics.bodies[taxis.0.len() + k];
        if !state.airborne() {
            if world.bodies[handle].is_enabled() {
                world.bodies[handle].set_enabled(false);
            }
            continue;
        }
        let body = &mut world.bodies[handle];
        if !body.is_enabled() {
            // Taking off: from the pad, at rest, its body resting on the ground.
            let [x, y, z] = state.pos;
            let z = (z as f32).max(DRONE_RADIUS_M);
            body.set_position(Pose::from_translation(Vector::new(x as f32, y as f32, z)), true);
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
    mut contacts: ResMut<Contacts>,
    taxis: Res<TaxiRoster>,
    drones: Res<DroneRoster>,
    mut drone_states: Query<&mut DroneState>,
) {
    let physics = &mut *physics;
    let world = home(&mut physics.rapier);
    for (k, &e) in drones.0.iter().enumerate() {
        let id = (taxis.0.len() + k) as u32;
        let handle = physics.bodies[id as usize];
        let quarantined = contacts.unsound.binary_search(&id).is_ok();
        let body = &world.bodies[handle];
        if !quarantined && !body.is_enabled() {
            continue;
        }
        let body = &mut world.bodies[handle];
        let (p, v) = (body.translation(), body.linvel());
        if quarantined || (body.is_enabled() && !(p.is_finite() && v.is_finite())) {
            // Put down where it last was sound, at rest; its flight ends as a crash.
            let mut state = drone_states.get_mut(e).expect("roster entities are drones");
            let [x, y, _] = state.pos;
            body.set_translation(Vector::new(x as f32, y as f32, DRONE_RADIUS_M), true);
            body.set_linvel(Vector::ZERO, true);
            body.set_enabled(true);
            state.pos = [x, y, f64::from(DRONE_RADIUS_M)];
            state.vel = [0.0; 3];
            if !quarantined {
                contacts.unsound.push(id);
            }
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
        state.km += crate::geom::norm3(moved) / 1000.0;
        state.pos = pos;
        state.vel = [f64::from(v.x), f64::from(v.y), f64::from(v.z)];
    }
}

impl Physics {
    /// Adds `dv` (m/s) to the velocity of the drone with replay id `id`, as a sudden push (a
    /// gust, a bird) would. Tests also push with values that are not numbers, to see them caught.
    pub fn push_drone(&mut self, id: u32, dv: [f64; 3]) {
        let Some(&handle) = self.bodies.get(id as usize) else { return };
        if let Some(body) = home(&mut self.rapier).bodies.get_mut(handle)
            && body.is_dynamic()
        {
            let v = body.linvel() + Vector::new(dv[0] as Real, dv[1] as Real, dv[2] as Real);
            body.set_linvel(v, true);
        }
    }
}

/// Hands the step to a worker of the compute task pool, unless nothing is enabled. A step of
/// few bodies (a town's, not a city's) is done here: handing it over and back costs more than
/// it takes.
pub fn step_physics(mut physics: ResMut<Physics>) {
    let physics = &mut *physics;
    if physics.enabled == 0 {
        physics.step = Step::Skipped;
        return;
    }
    if physics.enabled < physics.hand_over_from {
        let rapier = physics.rapier.as_mut().expect(HOME);
        rapier.world.step_with_events(&(), &rapier.collector);
        physics.step = Step::Done;
        return;
    }
    let mut rapier = physics.rapier.take().expect(HOME);
    // A panic in the step is carried back and raised on the simulation's thread: a task that
    // panicked would otherwise never finish, and the tick would wait for it forever.
    let task = async move {
        catch_unwind(AssertUnwindSafe(move || {
            rapier.world.step_with_events(&(), &rapier.collector);
            rapier
        }))
    };
    physics.step = Step::Away(ComputeTaskPool::get_or_init(TaskPool::default).spawn(task));
    physics.handed_over += 1;
}

/// Waits for the step and lists the contacts that began.
pub fn take_step(mut physics: ResMut<Physics>, mut contacts: ResMut<Contacts>) {
    let physics = &mut *physics;
    contacts.started.clear();
    contacts.struck.clear();
    contacts.unsound.clear();
    match std::mem::replace(&mut physics.step, Step::Skipped) {
        Step::Skipped => return,
        Step::Done => {}
        Step::Away(task) => physics.rapier = Some(block_on(task).unwrap_or_else(|panic| resume_unwind(panic))),
    }
    let rapier = physics.rapier.as_mut().expect(HOME);
    // rapier disables a body whose pose or velocity went non-finite and rolls it back; which
    // ones is the simulation's to know, and to report.
    for &handle in rapier.world.quarantine().bodies() {
        let owner = rapier
            .world
            .bodies
            .get(handle)
            .and_then(|b| b.colliders().first())
            .and_then(|&c| rapier.world.colliders.get(c));
        if let Some(owner) = owner.map(|c| c.user_data).filter(|&o| o & FIXED == 0) {
            contacts.unsound.push(owner as u32);
        }
    }
    contacts.unsound.sort_unstable();
    contacts.unsound.dedup();
    let mut started = std::mem::take(
        &mut *rapier.collector.0.lock().expect("collector lock is never poisoned: handlers do not panic"),
    );
    for (a, b) in started.drain(..) {
        let (a, b) = (a.min(b), a.max(b));
        match (a & FIXED != 0, b & FIXED != 0) {
            (false, false) => contacts.started.push((a as u32, b as u32)),
            // A drone landing on the ground (falling, or setting down) strikes nothing.
            (false, true) if b != GROUND => contacts.struck.push((a as u32, (b & !FIXED) as usize)),
            _ => {}
        }
    }
    contacts.started.sort_unstable();
    contacts.started.dedup();
    contacts.struck.sort_unstable();
    contacts.struck.dedup();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A world of two car bodies, ids 0 and 1, and where a car stands `x` m along the road.
    fn two_cars() -> (PhysicsWorld, RigidBodyHandle, RigidBodyHandle, impl Fn(f32) -> Pose) {
        let mut world = PhysicsWorld::default();
        let [hx, hy, hz] = CAR_HALF_EXTENTS;
        let a = body(&mut world, 0, ColliderBuilder::cuboid(hx, hy, hz));
        let b = body(&mut world, 1, ColliderBuilder::cuboid(hx, hy, hz));
        (world, a, b, move |x| Pose::from_translation(Vector::new(x, 0.0, hz)))
    }

    #[test]
    fn kinematic_bodies_report_contact_when_driven_into_each_other() {
        let (mut world, a, b, at) = two_cars();
        let collector = Collector::default();
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

    /// A vehicle standing where it stood is left alone (it queues), yet one driven into it is
    /// seen touching it, and it moves again when it is placed elsewhere, however long it stood.
    #[test]
    fn a_standing_body_is_left_alone_and_still_met_and_moved() {
        let (mut world, a, b, at) = two_cars();
        let collector = Collector::default();
        let started = |c: &Collector| std::mem::take(&mut *c.0.lock().expect("unpoisoned"));
        // Long enough for rapier to put a body that does not move to sleep.
        for _ in 0..300 {
            place(&mut world, a, true, at(0.0));
            place(&mut world, b, true, at(20.0));
            world.step_with_events(&(), &collector);
        }
        assert!(started(&collector).is_empty(), "20 m apart: no contact");
        assert!(world.bodies[a].is_sleeping(), "left alone, it fell asleep");
        for (step, x) in [15.0, 10.0, 5.0, 3.0, 3.0].into_iter().enumerate() {
            place(&mut world, a, true, at(0.0));
            place(&mut world, b, true, at(x));
            world.step_with_events(&(), &collector);
            let touched = started(&collector);
            // Moved in at the fourth step, seen one step later.
            assert_eq!(touched.as_slice(), if step == 4 { &[(0, 1)][..] } else { &[] }, "step {step}, at {x} m");
        }
        place(&mut world, a, true, at(-30.0));
        world.step_with_events(&(), &collector);
        assert!(!world.bodies[a].is_sleeping());
        assert_eq!(world.bodies[a].translation().x, -30.0, "the standing body moves when placed elsewhere");
    }
}

//! rapier3d steps the drones, and what each moving thing touched is found.
//!
//! Drones are dynamic bodies: their flight controller sets a force, and rapier integrates it
//! with gravity into where they are. The ground and every building are fixed bodies: a drone
//! that falls lands on them, one that flies into a building has struck it
//! ([`Contacts::struck`]). rapier tests contacts at the start of a step, so a contact between
//! drones is reported one tick after they came together; no state goes untested. Drones on
//! their pads are disabled, so landing pads are not contacts.
//!
//! Vehicles and people are not rapier bodies. Their controllers place them and nothing ever
//! pushes them, so all physics has to say of them is who touched whom, and [`road`] finds that
//! from their shapes: the same boxes and balls rapier would hold, tested exactly for the pairs
//! a grid finds close, on the tick they touch. In rapier, a city's thousands of queueing cars
//! were placed in its world every tick, and the step had to wait for the road's control.
//!
//! The step ends the air's lane of movement ([`crate::traffic`]): drones' control sets their
//! forces, [`Physics::sync_bodies`] turns them into what happens to each body, [`Physics::step`]
//! steps and [`Physics::read_step`] reads back the contacts and where the drones went, on the
//! worker thread at city scale while the simulation's thread drives the road. Once the road
//! has moved, a drone low enough to touch it is tested against it ([`PhysicsSystems::Results`]).

pub mod road;

use std::sync::Mutex;

use bevy::prelude::*;
use rapier3d::prelude::{
    ActiveCollisionTypes, ActiveEvents, ColliderBuilder, ColliderSet, CollisionEvent, ContactPair, EventHandler, Group,
    InteractionGroups, InteractionTestMode, PhysicsWorld, Pose, Real, RigidBodyBuilder, RigidBodyHandle, RigidBodySet,
    SoftBodySet, SoftBodyTearEvent, Vector,
};

use crate::clock::SimClock;
use crate::drone::{DRONE_MASS_KG, Drones};
use crate::roster::{DroneRoster, TaxiRoster};
use crate::schedule::{PhysicsSystems, SetupSystems, SimSetup, SimStep};
use crate::town::TownMap;
use crate::watch::Watched;
use pilotzone_routing::Vec2;
use pilotzone_routing::geom::triangulate;

pub use road::{RoadContacts, touch_low_drones, touch_on_road};

/// Half extents of a car body (length, width, height), m.
pub const CAR_HALF_EXTENTS: [f32; 3] = [2.2, 0.9, 0.75];
/// Radius of the sphere around a delivery drone with its rotors, m.
pub const DRONE_RADIUS_M: f32 = 0.6;
/// Radius of the ball standing for a person, at hip height, m.
pub const PERSON_RADIUS_M: f32 = 0.3;

/// Marks the owner of a fixed body (the ground, a building) apart from entity ids.
const FIXED: u128 = 1 << 64;
/// The fixed body that is the ground.
const GROUND: u128 = FIXED | u32::MAX as u128;

/// Who meets whom in rapier: drones meet each other and the fixed world (the road's contacts
/// are found by [`road`]).
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

/// rapier's world and the contacts its step reports; with what is done to the drones' bodies
/// just before the step, and where the step left those in the air.
///
/// Syncing decides what happens to each body and reading back takes where it went, but only the
/// step touches the bodies: each lies in memory of its own, and at city scale touching hundreds
/// of them twice a tick cost more than deciding.
#[derive(Default)]
struct Rapier {
    world: PhysicsWorld,
    collector: Collector,
    /// What is done to the drones' bodies before the step, in roster order.
    ops: Vec<BodyOp>,
    /// Each body pushed to fly this tick, after the step, in the order of `ops`: position,
    /// velocity, and whether rapier left it enabled.
    after: Vec<(Vector, Vector, bool)>,
}

/// What happens to a drone's body before the step.
#[derive(Clone, Copy, Debug)]
enum BodyOp {
    /// Back on its pad: the body rests.
    Land(RigidBodyHandle),
    /// In the air: pushed by its controller's force; taking off first, if it has just been
    /// launched, from where it stands, at rest.
    Fly { handle: RigidBodyHandle, take_off: Option<Vector>, force: Vector },
}

impl Rapier {
    /// Does what syncing decided to each body, in order.
    fn apply(&mut self) {
        let bodies = &mut self.world.bodies;
        for op in &self.ops {
            match *op {
                BodyOp::Land(handle) => bodies[handle].set_enabled(false),
                BodyOp::Fly { handle, take_off, force } => {
                    let body = &mut bodies[handle];
                    if let Some(at) = take_off {
                        body.set_position(Pose::from_translation(at), true);
                        body.set_linvel(Vector::ZERO, true);
                        body.set_enabled(true);
                    }
                    body.reset_forces(true);
                    body.add_force(force, true);
                }
            }
        }
    }

    /// Applies the tick's body ops, steps, and notes where each flying body went.
    fn step(&mut self) {
        self.apply();
        self.world.step_with_events(&(), &self.collector);
        self.after.clear();
        for op in &self.ops {
            if let BodyOp::Fly { handle, .. } = *op {
                let body = &self.world.bodies[handle];
                self.after.push((body.translation(), body.linvel(), body.is_enabled()));
            }
        }
        self.ops.clear();
    }
}

/// The rapier world and the body of each drone, in roster order.
#[derive(Resource)]
pub struct Physics {
    rapier: Box<Rapier>,
    /// Whether this tick's step was taken (nothing enabled, none is).
    stepped: bool,
    /// Drones' bodies, in roster order; a drone's id is `first_drone` plus its place there.
    bodies: Vec<RigidBodyHandle>,
    /// Whether each of those bodies is enabled, as rapier has it. Most of a city's drones stand
    /// on their pads; this is read rather than the body, each in memory of its own.
    body_enabled: Vec<bool>,
    /// Drones in the air this tick, by place in the roster, in roster order ([`Physics::sync_bodies`]).
    flying: Vec<u32>,
    first_drone: u32,
    /// The drones in the air, kept from tick to tick ([`Physics::sync_bodies`]).
    in_air: Watched,
}

impl FromWorld for Physics {
    fn from_world(world: &mut World) -> Self {
        let mut rapier = Box::<Rapier>::default();
        rapier.world.gravity = Vector::new(0.0, 0.0, -9.81);
        rapier.world.integration_parameters.dt = world.resource::<SimClock>().dt_s() as Real;
        Physics {
            rapier,
            stepped: false,
            bodies: Vec::new(),
            body_enabled: Vec::new(),
            flying: Vec::new(),
            first_drone: 0,
            in_air: Watched::default(),
        }
    }
}

/// Pairs of entity ids (smaller first) whose bodies started touching this tick, sorted: drones
/// with drones from rapier, the rest from [`road`]; and drones that struck a building, as
/// (drone id, building index), sorted.
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
            .init_resource::<RoadContacts>()
            .add_systems(SimSetup, create_bodies.in_set(SetupSystems::Bodies))
            .add_systems(SimStep, touch_on_road.in_set(PhysicsSystems::Roads))
            .add_systems(SimStep, touch_low_drones.in_set(PhysicsSystems::Results));
    }
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
        .collision_groups(groups(AIR, AIR | FIXED_WORLD));
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

/// Creates the ground and the buildings, and one disabled body per drone, in id order.
pub fn create_bodies(
    town: Res<TownMap>,
    mut physics: ResMut<Physics>,
    taxis: Res<TaxiRoster>,
    drones: Res<DroneRoster>,
) {
    let physics = &mut *physics;
    let world = &mut physics.rapier.world;
    fixed_world(world, &town);
    physics.first_drone = taxis.0.len() as u32;
    for k in 0..drones.0.len() as u32 {
        let handle = drone_body(world, physics.first_drone + k);
        physics.bodies.push(handle);
        physics.body_enabled.push(false);
    }
}

impl Physics {
    /// Decides what the step does to each drone's body: one in the air is enabled (taking off
    /// from its pad if it has just been launched) and pushed with its controller's force; one
    /// back on its pad rests. [`Physics::step`] applies these.
    ///
    /// A drone takes off and lands only through a change to its state, which bevy stamps; so
    /// the drones in the air are kept from tick to tick (see [`Watched`]) rather than found
    /// among every drone of the roster, most of which stand on their pads at city scale. The
    /// drones are read only, though the lane holds them to change.
    pub fn sync_bodies(&mut self, drones: &mut Drones) {
        let Physics { rapier, flying, bodies, body_enabled, first_drone, in_air, .. } = self;
        in_air.learn(drones.iter_mut().filter(|(.., s)| s.is_changed() && s.airborne()).map(|(e, d, _)| (d.id, e)));
        debug_assert!(rapier.ops.is_empty(), "the last tick's ops were applied");
        flying.clear();
        in_air.visit(|e| {
            let (_, drone, state) = drones.get(e).expect("watched entities are drones");
            let k = (drone.id - *first_drone) as usize;
            let (handle, enabled) = (bodies[k], &mut body_enabled[k]);
            debug_assert_eq!(*enabled, rapier.world.bodies[handle].is_enabled(), "the mirror is rapier's");
            if !state.airborne() {
                if *enabled {
                    rapier.ops.push(BodyOp::Land(handle));
                    *enabled = false;
                }
                return false;
            }
            flying.push(k as u32);
            // Taking off: from the pad, at rest, its body resting on the ground.
            let take_off = (!*enabled).then(|| {
                let [x, y, z] = state.pos;
                Vector::new(x as f32, y as f32, (z as f32).max(DRONE_RADIUS_M))
            });
            *enabled = true;
            let [fx, fy, fz] = state.force.map(|f| f as f32);
            rapier.ops.push(BodyOp::Fly { handle, take_off, force: Vector::new(fx, fy, fz) });
            true
        });
        debug_assert!(
            drones.iter().all(|(_, d, s)| body_enabled[(d.id - *first_drone) as usize] == s.airborne()),
            "every drone in the air, and only those, has its body enabled"
        );
    }

    /// Steps, unless no drone is in the air: then the drones that landed rest, and nothing else
    /// moves.
    pub fn step(&mut self) {
        let rapier = &mut *self.rapier;
        self.stepped = !self.flying.is_empty();
        if self.stepped {
            rapier.step();
        } else {
            rapier.apply();
            rapier.ops.clear();
            rapier.after.clear();
        }
    }

    /// The drones in the air at the last sync (none crashed since, unless their crash is this
    /// tick's), by place in the roster, in roster order.
    pub fn flying(&self) -> &[u32] {
        &self.flying
    }
}

impl Physics {
    /// Adds `dv` (m/s) to the velocity of the drone with replay id `id`, as a sudden push (a
    /// gust, a bird) would. Tests also push with values that are not numbers, to see them caught.
    pub fn push_drone(&mut self, id: u32, dv: [f64; 3]) {
        let Some(&handle) = id.checked_sub(self.first_drone).and_then(|k| self.bodies.get(k as usize)) else {
            return;
        };
        if let Some(body) = self.rapier.world.bodies.get_mut(handle)
            && body.is_dynamic()
        {
            let v = body.linvel() + Vector::new(dv[0] as Real, dv[1] as Real, dv[2] as Real);
            body.set_linvel(v, true);
        }
    }
}

impl Physics {
    /// Lists the contacts that began in this tick's step and reads where it took each flying
    /// drone (both nothing if no step was taken).
    pub fn read_step(&mut self, contacts: &mut Contacts, roster: &DroneRoster, drones: &mut Drones) {
        self.list_contacts(contacts);
        if self.stepped {
            self.read_drones(contacts, roster, drones);
        }
    }

    /// Lists the contacts that began in this tick's step.
    fn list_contacts(&mut self, contacts: &mut Contacts) {
        let physics = self;
        contacts.started.clear();
        contacts.struck.clear();
        contacts.unsound.clear();
        if !physics.stepped {
            return;
        }
        let rapier = &mut *physics.rapier;
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
        // `started` is sorted once the road's pairs have joined it (`touch_low_drones`).
        contacts.struck.sort_unstable();
        contacts.struck.dedup();
    }

    /// Reads where rapier has taken each flying drone, and the distance it covered. The ground
    /// stops a falling drone: nothing is ever below it.
    fn read_drones(&mut self, contacts: &mut Contacts, roster: &DroneRoster, drone_states: &mut Drones) {
        let physics = self;
        let rapier = &mut *physics.rapier;
        let (world, after) = (&mut rapier.world, &rapier.after);
        // Only bodies that were stepped can have moved or been found unsound.
        debug_assert!(
            contacts.unsound.iter().all(|id| physics.flying.contains(&(id - physics.first_drone))),
            "only drones in the air are stepped"
        );
        debug_assert_eq!(after.len(), physics.flying.len(), "the step noted each body it was given");
        for (&k, &(p, v, enabled)) in physics.flying.iter().zip(after) {
            let (e, handle) = (roster.0[k as usize], physics.bodies[k as usize]);
            let id = physics.first_drone + k;
            let quarantined = contacts.unsound.binary_search(&id).is_ok();
            if quarantined || (enabled && !(p.is_finite() && v.is_finite())) {
                // Put down where it last was sound, at rest; its flight ends as a crash.
                let (.., mut state) = drone_states.get_mut(e).expect("roster entities are drones");
                let [x, y, _] = state.pos;
                let body = &mut world.bodies[handle];
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
            let (p, v) = if p.z < 0.0 {
                let body = &mut world.bodies[handle];
                body.set_translation(Vector::new(p.x, p.y, 0.0), true);
                body.set_linvel(Vector::ZERO, true);
                (body.translation(), body.linvel())
            } else {
                (p, v)
            };
            let (.., mut state) = drone_states.get_mut(e).expect("roster entities are drones");
            let pos = [f64::from(p.x), f64::from(p.y), f64::from(p.z)];
            let moved = [0, 1, 2].map(|i| pos[i] - state.pos[i]);
            state.km += crate::geom::norm3(moved) / 1000.0;
            state.pos = pos;
            state.vel = [f64::from(v.x), f64::from(v.y), f64::from(v.z)];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A drone's body that its controller gives no force falls under gravity alone, and the step
    /// notes where it went: g t² / 2 = 19.6 m in two seconds (rapier's symplectic Euler gives a
    /// little more).
    #[test]
    fn a_drone_without_thrust_falls_under_gravity() {
        let mut world = World::new();
        world.insert_resource(SimClock { now_ms: 0, tick_ms: 100, start_tod_s: 0, end_ms: 60_000 });
        let mut physics = Physics::from_world(&mut world);
        let handle = drone_body(&mut physics.rapier.world, 7);
        let at = Vector::new(10.0, 20.0, 100.0);
        for tick in 0..20 {
            let take_off = (tick == 0).then_some(at);
            physics.rapier.ops.push(BodyOp::Fly { handle, take_off, force: Vector::ZERO });
            physics.flying = vec![0];
            physics.step();
            assert!(physics.stepped);
        }
        let (p, v, enabled) = physics.rapier.after[0];
        assert!(enabled);
        let fell = at.z - p.z;
        assert!((19.0..21.5).contains(&fell), "fell {fell:.2} m in 2 s");
        assert!((19.0..20.5).contains(&-v.z), "falls at {:.2} m/s after 2 s", -v.z);
        assert_eq!((p.x, p.y), (at.x, at.y), "nothing pushed it aside");
        // Nothing in the air: no step, and the contacts are not read.
        physics.flying.clear();
        physics.step();
        assert!(!physics.stepped);
    }
}

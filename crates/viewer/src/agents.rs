//! Robotaxis, residents' cars, people and drones: one entity per replay entity, moved to where
//! the frame at the time shown puts it, in its status colour. Far from the camera they grow, so
//! a room watching the whole town on a projector still sees every vehicle. A taxi carrying
//! riders shows them on its roof, a drone carrying a parcel shows it under its body.
//!
//! When two runs are compared, each run's agents live on a render layer of their own: side by
//! side, each camera sees the town and one run; overlaid, one camera sees both, the second run
//! as translucent ghosts.

use std::collections::BTreeMap;

use bevy::camera::visibility::RenderLayers;
use bevy::light::NotShadowCaster;
use bevy::prelude::*;
use pilotzone_replay::{EntityKind, Status};
use pilotzone_scene::{Agent, Rgb};

use crate::camera::OrbitCamera;
use crate::geometry::world;
use crate::playback::Playback;
use crate::source::Opened;

/// One run being shown: the replay and the agents of its frame at the time shown.
pub struct Run {
    /// The replay and everything derived from it.
    pub opened: Opened,
    /// Agents at the time shown, in header order.
    pub agents: Vec<Agent>,
    /// The time they are at, ms; `None` before the first frame.
    pub at_ms: Option<u64>,
    /// Why the last seek failed, if it did (a damaged segment): shown in the panel.
    pub error: Option<String>,
}

impl Run {
    /// A run not yet sought.
    pub fn new(opened: Opened) -> Self {
        Run { opened, agents: Vec::new(), at_ms: None, error: None }
    }

    /// Moves the run's agents to `t_ms` (clamped to what it recorded).
    pub fn seek(&mut self, t_ms: u64) {
        if self.at_ms == Some(t_ms) {
            return;
        }
        match self.opened.cursor.seek(t_ms) {
            Ok(frame) => {
                self.opened.agents.agents_into(frame, &mut self.agents);
                self.at_ms = Some(t_ms);
                self.error = None;
            }
            Err(e) => self.error = Some(e.to_string()),
        }
    }
}

/// How two runs are put before the room.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Layout {
    /// Two views of the same place, one run each, cameras moving together.
    #[default]
    SideBySide,
    /// One view; the second run's agents as ghosts among the first's.
    Overlay,
}

/// The runs being shown: one, or two to compare.
#[derive(Resource)]
pub struct Shown {
    /// The run opened first (option A).
    pub main: Run,
    /// The run it is compared with (option B).
    pub other: Option<Run>,
    /// How the two are laid out.
    pub layout: Layout,
    /// The study both runs belong to, compared option against option; `None` when they are
    /// not two options of one study.
    pub study: Option<Result<crate::ui::compare::StudyComparison, String>>,
}

impl Shown {
    /// The run of `which` (0: main, 1: the compared one).
    pub fn run(&self, which: usize) -> Option<&Run> {
        if which == 0 { Some(&self.main) } else { self.other.as_ref() }
    }

    /// The run of `which`, to change.
    pub fn run_mut(&mut self, which: usize) -> Option<&mut Run> {
        if which == 0 { Some(&mut self.main) } else { self.other.as_mut() }
    }
}

/// Render layer of the town (every camera sees it).
pub const TOWN_LAYER: usize = 0;

/// Render layer of run `which`'s agents.
pub fn run_layer(which: usize) -> usize {
    1 + which
}

/// An agent's entity: which run, and its index in that run's frame.
#[derive(Component, Clone, Copy, Debug)]
pub struct AgentBody {
    /// 0 for the main run, 1 for the compared one.
    pub run: usize,
    /// Index in the frame.
    pub index: usize,
}

/// What an agent carries, drawn with it: riders on a taxi's roof, a parcel under a drone.
#[derive(Component, Clone, Copy, Debug)]
pub struct Load;

/// The drone stem of one entity.
#[derive(Component, Clone, Copy, Debug)]
pub struct Stem;

/// Every entity drawn for the runs' agents.
pub type AgentParts = Or<(With<AgentBody>, With<Stem>)>;

/// The entity the user picked (replay entity id), and whether the camera follows it.
#[derive(Resource, Default, Debug)]
pub struct Selection {
    /// Picked entity, by id.
    pub id: Option<u32>,
    /// Whether the camera follows it.
    pub follow: bool,
}

/// One material per status colour and look (solid, or a ghost of the compared run).
#[derive(Resource, Default)]
pub struct Paint(BTreeMap<(Rgb, bool), Handle<StandardMaterial>>);

impl Paint {
    /// The material for `colour`: unlit, so a symbol shows exactly its legend colour in sun or
    /// shade; translucent for a ghost.
    fn get(&mut self, materials: &mut Assets<StandardMaterial>, colour: Rgb, ghost: bool) -> Handle<StandardMaterial> {
        self.0
            .entry((colour, ghost))
            .or_insert_with(|| {
                let alpha = if ghost { 0.45 } else { 1.0 };
                materials.add(StandardMaterial {
                    base_color: Color::srgba_u8(colour.0, colour.1, colour.2, (alpha * 255.0) as u8),
                    unlit: true,
                    alpha_mode: if ghost { AlphaMode::Blend } else { AlphaMode::Opaque },
                    ..default()
                })
            })
            .clone()
    }
}

/// Colour of riders on a roof and of parcels: dark and light, seen on any status colour.
const RIDER: Rgb = Rgb(0x22, 0x22, 0x22);
const PARCEL: Rgb = Rgb(0xf0, 0xe4, 0x42);
/// Colour of a drone's stem to the ground.
const STEM: Rgb = Rgb(0x55, 0x55, 0x55);

/// Spawns one entity per replay entity of each run; frames move them.
pub fn spawn_agents(
    mut commands: Commands,
    shown: Res<Shown>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    mut paint: ResMut<Paint>,
) {
    let car = meshes.add(Cuboid::new(4.4, 1.5, 1.8));
    let person = meshes.add(Capsule3d::new(0.3, 1.1));
    let drone = meshes.add(Cuboid::new(1.2, 0.35, 1.2));
    let rider = meshes.add(Sphere::new(0.45));
    let parcel = meshes.add(Cuboid::new(0.6, 0.5, 0.6));
    let stem = meshes.add(Cylinder::new(0.06, 1.0));
    for which in 0..2 {
        let Some(run) = shown.run(which) else { continue };
        let ghost = which == 1 && shown.layout == Layout::Overlay;
        let layer = RenderLayers::layer(run_layer(which));
        let grey = paint.get(&mut materials, Rgb(0x99, 0x99, 0x99), ghost);
        for (index, info) in run.opened.agents.entities().iter().enumerate() {
            let (mesh, load) = match info.kind {
                EntityKind::Taxi => (car.clone(), Some((rider.clone(), RIDER, 1.1))),
                EntityKind::Car => (car.clone(), None),
                EntityKind::Person => (person.clone(), None),
                EntityKind::Drone => (drone.clone(), Some((parcel.clone(), PARCEL, -0.45))),
            };
            // Symbols, not bodies: they cast no shadow (which also spares the shadow pass a
            // thousand moving boxes).
            let mut body = commands.spawn((
                Mesh3d(mesh),
                MeshMaterial3d(grey.clone()),
                Transform::default(),
                AgentBody { run: which, index },
                Visibility::Hidden,
                layer.clone(),
                NotShadowCaster,
            ));
            if let Some((mesh, colour, lift)) = load {
                let material = paint.get(&mut materials, colour, ghost);
                body.with_child((
                    Mesh3d(mesh),
                    MeshMaterial3d(material),
                    Transform::from_xyz(0.0, lift, 0.0),
                    Load,
                    Visibility::Hidden,
                    layer.clone(),
                    NotShadowCaster,
                ));
            }
            if info.kind == EntityKind::Drone {
                let material = paint.get(&mut materials, STEM, ghost);
                commands.spawn((
                    Mesh3d(stem.clone()),
                    MeshMaterial3d(material),
                    Transform::default(),
                    AgentBody { run: which, index },
                    Stem,
                    Visibility::Hidden,
                    layer.clone(),
                    NotShadowCaster,
                ));
            }
        }
    }
}

/// Seeks every run to the time shown and turns its frame into agents.
pub fn seek_frame(playback: Res<Playback>, mut shown: ResMut<Shown>) {
    let t = playback.t_ms();
    shown.main.seek(t);
    if let Some(other) = &mut shown.other {
        other.seek(t);
    }
}

/// How much bigger than life agents are drawn at the camera's distance: life size up close,
/// up to ×15 when the whole town is in view.
pub fn symbol_scale(camera_distance_m: f32) -> f32 {
    (camera_distance_m / 150.0).clamp(1.0, 15.0)
}

/// Whether an agent carries something worth drawing.
fn loaded(a: &Agent) -> bool {
    matches!(a.status, Some(Status::Occupied | Status::Outbound | Status::Dropping))
}

/// Where an agent's body is drawn, m, in world coordinates.
pub fn body_position(a: &Agent, scale: f32) -> Vec3 {
    let [x, y, z] = a.position_m;
    let lift = match a.kind {
        EntityKind::Taxi | EntityKind::Car => 0.75 * scale,
        EntityKind::Person => 0.85 * scale,
        EntityKind::Drone => z as f32,
    };
    Vec3::from(world([x as f32, y as f32], lift))
}

/// Moves, turns, colours and sizes every agent's entity, its load and its stem.
#[expect(clippy::type_complexity)]
pub fn place_agents(
    shown: Res<Shown>,
    camera: Res<OrbitCamera>,
    selection: Res<Selection>,
    mut paint: ResMut<Paint>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    mut bodies: Query<
        (&AgentBody, &mut Transform, &mut MeshMaterial3d<StandardMaterial>, &mut Visibility, Option<&Children>),
        Without<Stem>,
    >,
    mut stems: Query<(&AgentBody, &mut Transform, &mut Visibility), (With<Stem>, Without<Load>)>,
    mut loads: Query<&mut Visibility, (With<Load>, Without<AgentBody>)>,
) {
    let scale = symbol_scale(camera.distance);
    for (body, mut transform, mut material, mut visibility, children) in &mut bodies {
        let Some(run) = shown.run(body.run) else { continue };
        let Some(a) = run.agents.get(body.index) else { continue };
        // People off the street and parked cars are indoors or in a garage: not drawn.
        let off_street = a.status == Some(Status::OffStreet);
        visibility.set_if_neq(if off_street { Visibility::Hidden } else { Visibility::Visible });
        let grow = if body.run == 0 && selection.id == Some(a.id) { 1.6 } else { 1.0 };
        *transform = Transform {
            translation: body_position(a, scale),
            rotation: Quat::from_rotation_y(a.heading_rad as f32),
            scale: Vec3::splat(scale * grow),
        };
        let ghost = body.run == 1 && shown.layout == Layout::Overlay;
        let handle = paint.get(&mut materials, a.colour, ghost);
        if material.0 != handle {
            material.0 = handle;
        }
        for child in children.into_iter().flatten() {
            if let Ok(mut v) = loads.get_mut(*child) {
                v.set_if_neq(if loaded(a) { Visibility::Inherited } else { Visibility::Hidden });
            }
        }
    }
    // A thin post from the ground to each flying drone, so its height reads at a glance.
    for (body, mut transform, mut visibility) in &mut stems {
        let Some(a) = shown.run(body.run).and_then(|r| r.agents.get(body.index)) else { continue };
        let height = a.position_m[2] as f32;
        if height <= 1.0 {
            visibility.set_if_neq(Visibility::Hidden);
            continue;
        }
        visibility.set_if_neq(Visibility::Visible);
        let foot = Vec3::from(world([a.position_m[0] as f32, a.position_m[1] as f32], 0.0));
        *transform = Transform {
            translation: foot + Vec3::Y * height / 2.0,
            rotation: Quat::IDENTITY,
            scale: Vec3::new(scale.sqrt(), height, scale.sqrt()),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_are_life_size_close_up_and_grow_with_distance_within_a_limit() {
        assert_eq!(symbol_scale(50.0), 1.0);
        assert_eq!(symbol_scale(1_500.0), 10.0);
        assert_eq!(symbol_scale(100_000.0), 15.0);
    }
}

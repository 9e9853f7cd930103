//! Robotaxis, residents' cars, people and drones: one entity per replay entity, moved to where
//! the frame at the time shown puts it, in its status colour. Far from the camera they grow, so
//! a room watching the whole town on a projector still sees every vehicle.

use std::collections::BTreeMap;

use bevy::prelude::*;
use pilotzone_replay::EntityKind;
use pilotzone_scene::{Agent, Rgb};

use crate::camera::OrbitCamera;
use crate::geometry::world;
use crate::playback::Playback;
use crate::source::Opened;

/// The replay being shown, its cursor and the agents of the frame at the time shown.
#[derive(Resource)]
pub struct Shown {
    /// The replay and everything derived from it.
    pub opened: Opened,
    /// Agents at the time shown, in header order.
    pub agents: Vec<Agent>,
    /// The time they are at, ms; `None` before the first frame.
    pub at_ms: Option<u64>,
    /// Why the last seek failed, if it did (a damaged segment): shown in the panel.
    pub error: Option<String>,
}

/// An agent's entity: its index in the frame.
#[derive(Component, Clone, Copy, Debug)]
pub struct AgentBody(pub usize);

/// The entity the user picked (replay entity id), and whether the camera follows it.
#[derive(Resource, Default, Debug)]
pub struct Selection {
    /// Picked entity, by id.
    pub id: Option<u32>,
    /// Whether the camera follows it.
    pub follow: bool,
}

/// One material per status colour, made on first use.
#[derive(Resource, Default)]
pub struct Paint(BTreeMap<Rgb, Handle<StandardMaterial>>);

/// Meshes per kind of agent, sized as the simulation's bodies (m).
#[derive(Resource)]
pub struct Bodies {
    car: Handle<Mesh>,
    person: Handle<Mesh>,
    drone: Handle<Mesh>,
}

/// Spawns one entity per replay entity; frames move them.
pub fn spawn_agents(
    mut commands: Commands,
    shown: Res<Shown>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    mut paint: ResMut<Paint>,
) {
    let bodies = Bodies {
        car: meshes.add(Cuboid::new(4.4, 1.5, 1.8)),
        person: meshes.add(Capsule3d::new(0.3, 1.1)),
        drone: meshes.add(Cuboid::new(1.2, 0.35, 1.2)),
    };
    let grey = Rgb(0x99, 0x99, 0x99);
    let material = paint
        .0
        .entry(grey)
        .or_insert_with(|| materials.add(StandardMaterial::from(Color::srgb_u8(0x99, 0x99, 0x99))))
        .clone();
    for (i, info) in shown.opened.agents.entities().iter().enumerate() {
        let mesh = match info.kind {
            EntityKind::Taxi | EntityKind::Car => bodies.car.clone(),
            EntityKind::Person => bodies.person.clone(),
            EntityKind::Drone => bodies.drone.clone(),
        };
        commands.spawn((
            Mesh3d(mesh),
            MeshMaterial3d(material.clone()),
            Transform::default(),
            AgentBody(i),
            Visibility::Hidden,
        ));
    }
    commands.insert_resource(bodies);
}

/// Seeks the cursor to the time shown and turns the frame into agents.
pub fn seek_frame(playback: Res<Playback>, mut shown: ResMut<Shown>) {
    let t = playback.t_ms();
    if shown.at_ms == Some(t) {
        return;
    }
    let shown = &mut *shown;
    match shown.opened.cursor.seek(t) {
        Ok(frame) => {
            shown.opened.agents.agents_into(frame, &mut shown.agents);
            shown.at_ms = Some(t);
            shown.error = None;
        }
        Err(e) => shown.error = Some(e.to_string()),
    }
}

/// How much bigger than life agents are drawn at the camera's distance: life size up close,
/// up to ×15 when the whole town is in view.
pub fn symbol_scale(camera_distance_m: f32) -> f32 {
    (camera_distance_m / 150.0).clamp(1.0, 15.0)
}

/// Moves, turns, colours and sizes every agent's entity.
pub fn place_agents(
    shown: Res<Shown>,
    camera: Res<OrbitCamera>,
    selection: Res<Selection>,
    mut paint: ResMut<Paint>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    mut bodies: Query<(&AgentBody, &mut Transform, &mut MeshMaterial3d<StandardMaterial>, &mut Visibility)>,
) {
    let scale = symbol_scale(camera.distance);
    for (body, mut transform, mut material, mut visibility) in &mut bodies {
        let Some(a) = shown.agents.get(body.0) else { continue };
        // People off the street and parked cars are indoors or in a garage: not drawn.
        let off_street = a.status == Some(pilotzone_replay::Status::OffStreet);
        visibility.set_if_neq(if off_street { Visibility::Hidden } else { Visibility::Visible });
        let [x, y, z] = a.position_m;
        let lift = match a.kind {
            EntityKind::Taxi | EntityKind::Car => 0.75 * scale,
            EntityKind::Person => 0.85 * scale,
            EntityKind::Drone => z as f32,
        };
        let picked = selection.id == Some(a.id);
        let grow = if picked { 1.6 } else { 1.0 };
        *transform = Transform {
            translation: Vec3::from(world([x as f32, y as f32], lift)),
            rotation: Quat::from_rotation_y(a.heading_rad as f32),
            scale: Vec3::splat(scale * grow),
        };
        let handle = paint
            .0
            .entry(a.colour)
            .or_insert_with(|| {
                materials.add(StandardMaterial {
                    base_color: Color::srgb_u8(a.colour.0, a.colour.1, a.colour.2),
                    perceptual_roughness: 0.6,
                    ..default()
                })
            })
            .clone();
        if material.0 != handle {
            material.0 = handle;
        }
    }
}

/// Drones get a thin line down to the ground, so their height reads at a glance.
pub fn draw_drone_stems(shown: Res<Shown>, mut gizmos: Gizmos) {
    for a in shown.agents.iter().filter(|a| a.kind == EntityKind::Drone && a.position_m[2] > 1.0) {
        let [x, y, z] = a.position_m;
        let top = Vec3::from(world([x as f32, y as f32], z as f32));
        let foot = Vec3::from(world([x as f32, y as f32], 0.1));
        gizmos.line(foot, top, Color::srgba(0.2, 0.2, 0.2, 0.5));
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

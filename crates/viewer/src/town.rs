//! The town in 3D, built once from the scene: ground, zones tinted by kind, roads with their
//! centre lines, zebra crossings, buildings at their heights, pads for depots and vertiports,
//! and no-fly volumes that show only while their rule holds.

use std::collections::BTreeMap;

use bevy::asset::RenderAssetUsages;
use bevy::mesh::{Indices, PrimitiveTopology};
use bevy::prelude::*;
use pilotzone_scene::style::{NO_FLY_COLOUR, zone_colour};
use pilotzone_scene::{Rgb, Scene, metres};

use crate::geometry::{self, MeshData};

/// The scene being shown, and the time of day its run starts.
#[derive(Resource)]
pub struct Town {
    /// What to draw.
    pub scene: Scene,
}

/// Every entity of the town, so another town can replace it (a file dropped on the window).
#[derive(Component, Clone, Copy, Debug)]
pub struct TownPart;

/// A no-fly volume's entity: its index in [`Scene::no_fly`].
#[derive(Component, Clone, Copy, Debug)]
pub struct NoFlyVolume(pub usize);

/// Heights above ground of the flat layers, m: each above the one before, so they never fight.
const ZONE_Y: f32 = 0.02;
const ROAD_Y: f32 = 0.06;
const MARKING_Y: f32 = 0.09;

fn plan(p: [i32; 2]) -> [f32; 2] {
    [metres(p[0]) as f32, metres(p[1]) as f32]
}

fn colour(rgb: Rgb) -> Color {
    Color::srgb_u8(rgb.0, rgb.1, rgb.2)
}

/// A bevy mesh of triangles.
pub fn to_mesh(data: &MeshData) -> Mesh {
    Mesh::new(PrimitiveTopology::TriangleList, RenderAssetUsages::RENDER_WORLD)
        .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, data.positions.clone())
        .with_inserted_attribute(Mesh::ATTRIBUTE_NORMAL, data.normals.clone())
        .with_inserted_indices(Indices::U32(data.indices.clone()))
}

/// Road surfaces, junction disks and centre lines.
fn roads(scene: &Scene) -> (MeshData, MeshData) {
    let mut surface = MeshData::default();
    let mut lines = MeshData::default();
    // Every road end gets a disk as wide as the widest road there, so junctions are filled.
    let mut ends: BTreeMap<[i32; 2], f32> = BTreeMap::new();
    for road in &scene.roads {
        let line: Vec<[f32; 2]> = road.points.iter().copied().map(plan).collect();
        let width = metres(road.width_dm) as f32;
        surface.append(&geometry::ribbon(&line, width, ROAD_Y));
        if !road.one_way && road.lanes > 0 {
            lines.append(&geometry::ribbon(&line, 0.15, MARKING_Y));
        }
        for end in [road.points.first(), road.points.last()].into_iter().flatten() {
            let w = ends.entry(*end).or_insert(0.0);
            *w = w.max(width / 2.0);
        }
    }
    for (&at, &radius) in &ends {
        surface.append(&geometry::disk(plan(at), radius, 16, ROAD_Y));
    }
    (surface, lines)
}

/// Zebra stripes: bars along the road, 0.5 m wide and a metre apart, across the carriageway.
fn crossings(scene: &Scene) -> MeshData {
    let mut out = MeshData::default();
    for c in &scene.crossings {
        let centre = plan(c.centre);
        let (along, across) = (
            [c.along_rad.cos() as f32, c.along_rad.sin() as f32],
            [-c.along_rad.sin() as f32, c.along_rad.cos() as f32],
        );
        let half_walk = metres(c.width_dm) as f32 / 2.0;
        let mut k = -half_walk + 0.5;
        while k <= half_walk - 0.25 {
            let mid = [centre[0] + across[0] * k, centre[1] + across[1] * k];
            let a = [mid[0] - along[0] * 1.5, mid[1] - along[1] * 1.5];
            let b = [mid[0] + along[0] * 1.5, mid[1] + along[1] * 1.5];
            out.append(&geometry::ribbon(&[a, b], 0.5, MARKING_Y));
            k += 1.0;
        }
    }
    out
}

/// Spawns the town's meshes, its light and its no-fly volumes.
pub fn spawn_town(
    mut commands: Commands,
    town: Res<Town>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let scene = &town.scene;
    let mut add = |data: MeshData, material: StandardMaterial, shadows: bool| {
        if data.is_empty() {
            return;
        }
        let mut entity =
            commands.spawn((Mesh3d(meshes.add(to_mesh(&data))), MeshMaterial3d(materials.add(material)), TownPart));
        if !shadows {
            entity.insert(bevy::light::NotShadowCaster);
        }
    };
    let matte = |c: Color| StandardMaterial { base_color: c, perceptual_roughness: 0.95, ..default() };

    let (min, max) = (plan(scene.bounds.min), plan(scene.bounds.max));
    let margin = 300.0;
    let ground = [
        [min[0] - margin, min[1] - margin],
        [max[0] + margin, min[1] - margin],
        [max[0] + margin, max[1] + margin],
        [min[0] - margin, max[1] + margin],
    ];
    add(geometry::flat(&ground, 0.0), matte(Color::srgb_u8(0xe4, 0xe8, 0xdc)), false);

    let mut by_kind: BTreeMap<String, (Rgb, MeshData)> = BTreeMap::new();
    for z in &scene.zones {
        let outline: Vec<[f32; 2]> = z.polygon.iter().copied().map(plan).collect();
        let entry =
            by_kind.entry(format!("{:?}", z.kind)).or_insert_with(|| (zone_colour(z.kind), MeshData::default()));
        entry.1.append(&geometry::flat(&outline, ZONE_Y));
    }
    for (_, (rgb, data)) in by_kind {
        // Zones tint the ground; mixed with it here rather than blended, so layers stay clean.
        let mix = |c: u8, g: u8| ((u16::from(c) + 2 * u16::from(g)) / 3) as u8;
        add(data, matte(Color::srgb_u8(mix(rgb.0, 0xe4), mix(rgb.1, 0xe8), mix(rgb.2, 0xdc))), false);
    }

    let (surface, lines) = roads(scene);
    add(surface, matte(Color::srgb_u8(0x5a, 0x5e, 0x66)), false);
    add(lines, matte(Color::srgb_u8(0xf2, 0xf2, 0xf2)), false);
    add(crossings(scene), matte(Color::srgb_u8(0xff, 0xff, 0xff)), false);

    let mut buildings = MeshData::default();
    for b in &scene.buildings {
        let outline: Vec<[f32; 2]> = b.footprint.iter().copied().map(plan).collect();
        buildings.append(&geometry::prism(&outline, 0.0, metres(b.height_dm) as f32));
    }
    add(buildings, matte(Color::srgb_u8(0xd6, 0xcf, 0xc4)), true);

    let mut depots = MeshData::default();
    let mut vertiports = MeshData::default();
    for p in &scene.places {
        let at = plan(p.at);
        if p.is_depot() {
            depots.append(&geometry::disk(at, 12.0, 4, MARKING_Y));
        } else if p.is_vertiport() {
            vertiports.append(&geometry::disk(at, 8.0, 24, MARKING_Y));
        }
    }
    add(depots, matte(Color::srgb_u8(0x56, 0xb4, 0xe9)), false);
    add(vertiports, matte(Color::srgb_u8(0xcc, 0x79, 0xa7)), false);

    for (i, v) in scene.no_fly.iter().enumerate() {
        let outline: Vec<[f32; 2]> = v.polygon.iter().copied().map(plan).collect();
        let data = geometry::prism(&outline, metres(v.floor_dm) as f32, metres(v.ceiling_dm) as f32);
        let material = StandardMaterial {
            base_color: colour(NO_FLY_COLOUR).with_alpha(0.22),
            alpha_mode: AlphaMode::Blend,
            double_sided: true,
            cull_mode: None,
            unlit: true,
            ..default()
        };
        commands.spawn((
            Mesh3d(meshes.add(to_mesh(&data))),
            MeshMaterial3d(materials.add(material)),
            bevy::light::NotShadowCaster,
            NoFlyVolume(i),
            TownPart,
            Visibility::Hidden,
        ));
    }

    // Low morning sun from the south-east, so buildings throw shadows across the streets. The
    // cameras draw without tonemapping (status colours must reach the screen as the legend shows
    // them), so sun and sky are set to light a surface in full sun to about its own colour.
    commands.spawn((
        DirectionalLight { illuminance: 2_300.0, shadow_maps_enabled: true, ..default() },
        Transform::from_xyz(300.0, 600.0, 400.0).looking_at(Vec3::ZERO, Vec3::Y),
        TownPart,
    ));
    commands.insert_resource(GlobalAmbientLight { brightness: 330.0, ..default() });
}

/// Shows each no-fly volume while it holds, at the time of day shown.
pub fn show_no_fly(
    town: Res<Town>,
    playback: Res<crate::playback::Playback>,
    mut volumes: Query<(&NoFlyVolume, &mut Visibility)>,
) {
    let time_of_day_s = ((u64::from(town.scene.start_s) + playback.t_ms() / 1000) % 86_400) as u32;
    for (v, mut visibility) in &mut volumes {
        let holds = town.scene.no_fly[v.0].holds(time_of_day_s, town.scene.date);
        visibility.set_if_neq(if holds { Visibility::Visible } else { Visibility::Hidden });
    }
}

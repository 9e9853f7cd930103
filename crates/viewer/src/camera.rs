//! The camera: orbit, pan and zoom round a point on the ground, a top-down map view, and
//! following a vehicle. Mouse: left drag pans, right drag orbits, wheel zooms; keys: W A S D
//! pan, Q E turn, + − zoom, T top-down.

use bevy::input::mouse::{AccumulatedMouseMotion, AccumulatedMouseScroll, MouseScrollUnit};
use bevy::prelude::*;
use pilotzone_comments::CameraPose;

use bevy::camera::visibility::RenderLayers;
use bevy::core_pipeline::tonemapping::Tonemapping;

use crate::agents::{Layout, Selection, Shown, TOWN_LAYER, run_layer};
use crate::geometry::world;

/// Where the camera looks from.
#[derive(Resource, Clone, Debug, PartialEq)]
pub struct OrbitCamera {
    /// The point on the ground it looks at.
    pub focus: Vec3,
    /// Turn round the focus, radians (0: looking north).
    pub yaw: f32,
    /// Angle above the ground, radians (π/2: straight down).
    pub pitch: f32,
    /// Distance from the focus, m.
    pub distance: f32,
}

/// Steepest the orbit goes before it counts as top-down; exactly π/2 would lose "up".
const TOP_DOWN_PITCH: f32 = 1.5697;

impl OrbitCamera {
    /// A view of the whole rectangle `min`..`max` (plan metres) from the south, tilted.
    pub fn overlooking(min: [f32; 2], max: [f32; 2]) -> Self {
        let centre = [(min[0] + max[0]) / 2.0, (min[1] + max[1]) / 2.0];
        let span = (max[0] - min[0]).max(max[1] - min[1]).max(200.0);
        OrbitCamera { focus: Vec3::from(world(centre, 0.0)), yaw: 0.0, pitch: 0.95, distance: span * 1.1 }
    }

    /// Whether it looks straight down.
    pub fn is_top_down(&self) -> bool {
        self.pitch >= TOP_DOWN_PITCH - 1e-3
    }

    /// Switches between the map view and the last tilted view.
    pub fn toggle_top_down(&mut self) {
        self.pitch = if self.is_top_down() { 0.95 } else { TOP_DOWN_PITCH };
    }

    /// The camera's transform.
    pub fn transform(&self) -> Transform {
        let (sy, cy) = self.yaw.sin_cos();
        let (sp, cp) = self.pitch.sin_cos();
        // At yaw 0 the camera stands south of the focus (+z) looking north (−z).
        let offset = Vec3::new(sy * cp, sp, cy * cp) * self.distance;
        Transform::from_translation(self.focus + offset)
            .looking_at(self.focus, Vec3::new(-sy, 0.0, -cy).lerp(Vec3::Y, cp))
    }

    /// Where the camera stands, as a bookmark keeps it.
    pub fn pose(&self) -> CameraPose {
        let ground = crate::geometry::plan(self.focus.to_array());
        CameraPose {
            focus_m: [f64::from(ground[0]), f64::from(ground[1])],
            yaw: f64::from(self.yaw),
            pitch: f64::from(self.pitch),
            distance_m: f64::from(self.distance),
        }
    }

    /// Stands where a bookmark says.
    pub fn set_pose(&mut self, pose: CameraPose) {
        self.focus = Vec3::from(world([pose.focus_m[0] as f32, pose.focus_m[1] as f32], 0.0));
        self.yaw = pose.yaw as f32;
        self.pitch = (pose.pitch as f32).clamp(0.15, TOP_DOWN_PITCH);
        self.distance = (pose.distance_m as f32).clamp(15.0, 30_000.0);
    }

    /// Moves the focus by `right` and `forward` metres as seen on screen.
    pub fn pan(&mut self, right: f32, forward: f32) {
        let (sy, cy) = self.yaw.sin_cos();
        self.focus += Vec3::new(cy, 0.0, -sy) * right + Vec3::new(-sy, 0.0, -cy) * forward;
    }
}

/// Whether egui holds the pointer or the keyboard this frame (a panel is being used).
#[derive(Resource, Default, Debug)]
pub struct UiCaptures {
    /// The pointer is over a panel.
    pub pointer: bool,
    /// A text field has focus.
    pub keyboard: bool,
}

/// The camera of run `0` (the main run) or `1` (the compared run, side by side).
#[derive(Component, Clone, Copy, Debug)]
pub struct RunView(pub usize);

/// The render layers camera `which` sees: the town and its run, or both runs when overlaid.
pub fn view_layers(which: usize, overlay: bool) -> RenderLayers {
    let layers = RenderLayers::from_layers(&[TOWN_LAYER, run_layer(which)]);
    if overlay && which == 0 { layers.with(run_layer(1)) } else { layers }
}

/// Spawns the town's cameras (the second one waits for a comparison), each drawing into its
/// part of the window, and one for the panels over the whole window: egui's area follows its
/// camera's viewport, so the panels cannot share a town camera.
pub fn spawn_camera(mut commands: Commands, orbit: Res<OrbitCamera>, shown: Res<Shown>) {
    let overlay = shown.layout == Layout::Overlay;
    for which in 0..2 {
        commands.spawn((
            Camera3d::default(),
            Camera { order: which as isize, is_active: which == 0 || shown.other.is_some(), ..default() },
            // Status colours must reach the screen as the legend shows them.
            Tonemapping::None,
            orbit.transform(),
            Msaa::Sample4,
            RunView(which),
            view_layers(which, overlay),
        ));
    }
    commands.spawn((
        bevy_egui::PrimaryEguiContext,
        Camera2d,
        RenderLayers::none(),
        Camera {
            order: 2,
            output_mode: bevy::camera::CameraOutputMode::Write {
                blend_state: Some(bevy::render::render_resource::BlendState::ALPHA_BLENDING),
                clear_color: ClearColorConfig::None,
            },
            clear_color: ClearColorConfig::Custom(Color::NONE),
            ..default()
        },
    ));
}

/// Mouse and keys move the orbit; following a vehicle keeps it in the middle.
pub fn steer_camera(
    mut orbit: ResMut<OrbitCamera>,
    captures: Res<UiCaptures>,
    buttons: Res<ButtonInput<MouseButton>>,
    keys: Res<ButtonInput<KeyCode>>,
    motion: Res<AccumulatedMouseMotion>,
    scroll: Res<AccumulatedMouseScroll>,
    time: Res<Time>,
    selection: Res<Selection>,
    shown: Res<Shown>,
) {
    let dt = time.delta_secs();
    let per_pixel = orbit.distance / 900.0;
    if !captures.pointer {
        if buttons.pressed(MouseButton::Left) {
            orbit.pan(-motion.delta.x * per_pixel, motion.delta.y * per_pixel);
        }
        if buttons.pressed(MouseButton::Right) {
            orbit.yaw -= motion.delta.x * 0.005;
            orbit.pitch = (orbit.pitch + motion.delta.y * 0.005).clamp(0.15, TOP_DOWN_PITCH);
        }
        let lines = match scroll.unit {
            MouseScrollUnit::Line => scroll.delta.y,
            MouseScrollUnit::Pixel => scroll.delta.y / 40.0,
        };
        orbit.distance = (orbit.distance * 0.88f32.powf(lines)).clamp(15.0, 30_000.0);
    }
    if !captures.keyboard {
        let speed = orbit.distance * 0.8 * dt;
        let key = |k: KeyCode| if keys.pressed(k) { 1.0 } else { 0.0 };
        orbit.pan((key(KeyCode::KeyD) - key(KeyCode::KeyA)) * speed, (key(KeyCode::KeyW) - key(KeyCode::KeyS)) * speed);
        orbit.yaw += (key(KeyCode::KeyE) - key(KeyCode::KeyQ)) * 1.2 * dt;
        let zoom = key(KeyCode::Equal) + key(KeyCode::NumpadAdd) - key(KeyCode::Minus) - key(KeyCode::NumpadSubtract);
        orbit.distance = (orbit.distance * (1.0 - zoom * 1.5 * dt)).clamp(15.0, 30_000.0);
        if keys.just_pressed(KeyCode::KeyT) {
            orbit.toggle_top_down();
        }
    }
    if selection.follow
        && let Some(a) = selection.id.and_then(|id| shown.main.agents.iter().find(|a| a.id == id))
    {
        orbit.focus = Vec3::from(world([a.position_m[0] as f32, a.position_m[1] as f32], 0.0));
    }
}

/// How much the renderer is asked to do.
#[derive(Resource, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Quality {
    /// Fast on a software renderer (a town-hall laptop without a graphics card), high elsewhere.
    #[default]
    Auto,
    /// No multisampling and no shadows: several times faster on a software renderer.
    Fast,
    /// Multisampling and sun shadows.
    High,
}

impl Quality {
    /// Reads `auto`, `fast` or `high`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "auto" => Some(Quality::Auto),
            "fast" => Some(Quality::Fast),
            "high" => Some(Quality::High),
            _ => None,
        }
    }
}

/// Turns multisampling and shadows off when the quality asks for speed, or, left to itself,
/// when the only graphics device is a software renderer (Mesa's llvmpipe and the like).
pub fn fit_renderer(
    quality: Res<Quality>,
    adapter: Option<Res<bevy::render::renderer::RenderAdapterInfo>>,
    mut cameras: Query<&mut Msaa, With<Camera3d>>,
    mut lights: Query<&mut DirectionalLight>,
) {
    // wgpu's device type is not re-exported by bevy; its name is stable.
    let software = adapter.is_some_and(|a| format!("{:?}", a.0.device_type) == "Cpu");
    let fast = match *quality {
        Quality::Auto => software,
        Quality::Fast => true,
        Quality::High => false,
    };
    let msaa = if fast { Msaa::Off } else { Msaa::Sample4 };
    for mut m in &mut cameras {
        if *m != msaa {
            *m = msaa;
        }
    }
    for mut light in &mut lights {
        if light.shadow_maps_enabled == fast {
            light.shadow_maps_enabled = !fast;
        }
    }
}

/// Puts the town's cameras where the orbit says (compared runs are seen from the same place).
pub fn place_camera(orbit: Res<OrbitCamera>, mut cameras: Query<&mut Transform, With<Camera3d>>) {
    if !orbit.is_changed() {
        return;
    }
    for mut t in &mut cameras {
        *t = orbit.transform();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_view_looks_north_at_the_town_from_the_south() {
        let o = OrbitCamera::overlooking([0.0, 0.0], [1000.0, 2000.0]);
        let t = o.transform();
        assert!(t.translation.z > o.focus.z, "the camera stands south (+z) of the focus");
        assert!(t.forward().z < 0.0, "and looks north (−z)");
        assert!((t.translation - o.focus).length() - o.distance < 1e-2);
    }

    #[test]
    fn top_down_looks_straight_down_with_north_up() {
        let mut o = OrbitCamera::overlooking([0.0, 0.0], [100.0, 100.0]);
        o.toggle_top_down();
        let t = o.transform();
        assert!(t.forward().y < -0.999, "looks down: {:?}", t.forward());
        assert!(t.up().z < -0.9, "north (−z) is up on screen: {:?}", t.up());
        o.toggle_top_down();
        assert!(!o.is_top_down());
    }

    #[test]
    fn panning_right_moves_east_when_looking_north() {
        let mut o = OrbitCamera::overlooking([0.0, 0.0], [100.0, 100.0]);
        let before = o.focus;
        o.pan(10.0, 0.0);
        assert!((o.focus - before - Vec3::new(10.0, 0.0, 0.0)).length() < 1e-4);
        o.pan(0.0, 5.0);
        assert!((o.focus.z - before.z + 5.0).abs() < 1e-4, "forward is north, −z");
    }
}

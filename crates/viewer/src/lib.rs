//! The desktop viewer: a replay in 3D for stakeholder meetings — the town and its traffic, a
//! timeline both ways, incidents to jump to, KPIs that follow the time, in Japanese or English.
//!
//! It reads replays through the replay crate's cursor and draws from the scene crate, so it
//! shows the same town as the web player; it never writes simulation state.

pub mod agents;
pub mod camera;
pub mod geometry;
pub mod i18n;
pub mod kpi;
pub mod playback;
pub mod source;
pub mod stills;
pub mod town;
pub mod ui;

use std::path::PathBuf;

use bevy::prelude::*;
use bevy::window::WindowResolution;
use bevy_egui::{EguiGlobalSettings, EguiPlugin, EguiPrimaryContextPass};
use pilotzone_replay::Lang;
use pilotzone_scene::metres;

/// Writes `bytes` to `path` atomically: a temporary file beside it, flushed, renamed over.
pub fn write_atomic(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// What to open and how.
#[derive(Clone, Debug)]
pub struct Options {
    /// A run folder or a replay file.
    pub path: PathBuf,
    /// Language of the panels.
    pub lang: Lang,
    /// Time of day to start at, s after midnight.
    pub at_time_of_day_s: Option<u32>,
    /// Start playing at this speed.
    pub play_speed: Option<f64>,
    /// Take one still here once the view has settled, then exit.
    pub screenshot: Option<PathBuf>,
    /// Start in presentation mode.
    pub present: bool,
    /// Start in the top-down map view.
    pub top_down: bool,
    /// Window size in logical pixels.
    pub size: (u32, u32),
}

/// Opens the replay (refusing a bad one before any window opens) and runs the viewer until
/// its window closes. Returns the app's exit code (0, or 1 when a still could not be taken).
pub fn run(options: Options) -> anyhow::Result<u8> {
    let opened = source::open(&options.path)?;
    let end_ms = opened.cursor.replay().duration_ms();
    let record_ms = u64::from(opened.cursor.replay().header().record_ms);
    let mut playback = playback::Playback::new(end_ms, record_ms);
    if let Some(at) = options.at_time_of_day_s {
        let start = opened.scene.start_s;
        playback.seek(u64::from((at + 86_400 - start % 86_400) % 86_400) * 1000);
    }
    if let Some(speed) = options.play_speed {
        playback.speed = speed;
        playback.playing = true;
    }
    let bounds = opened.scene.bounds;
    let plan = |p: [i32; 2]| [metres(p[0]) as f32, metres(p[1]) as f32];
    let mut orbit = camera::OrbitCamera::overlooking(plan(bounds.min), plan(bounds.max));
    if options.top_down {
        orbit.toggle_top_down();
    }
    let stills_dir = opened.file.parent().map(|d| d.join("stills")).unwrap_or_else(|| PathBuf::from("stills"));
    let title = format!("pilotzone — {}", opened.scene.name);
    let mut app = App::new();
    app.add_plugins(DefaultPlugins.set(WindowPlugin {
        primary_window: Some(Window {
            title,
            resolution: WindowResolution::new(options.size.0, options.size.1),
            ..default()
        }),
        ..default()
    }))
    .add_plugins(EguiPlugin::default())
    // The panels get a camera of their own (see `camera::spawn_camera`).
    .insert_resource(EguiGlobalSettings { auto_create_primary_context: false, ..default() })
    .insert_resource(ClearColor(Color::srgb_u8(0xcf, 0xdc, 0xe6)))
    .insert_resource(town::Town { scene: opened.scene.clone() })
    .insert_resource(agents::Shown { opened, agents: Vec::new(), at_ms: None, error: None })
    .insert_resource(playback)
    .insert_resource(orbit)
    .insert_resource(ui::UiState::new(options.lang, options.present))
    .insert_resource(stills::StillRequests { dir: stills_dir, last: None })
    .init_resource::<agents::Selection>()
    .init_resource::<agents::Paint>()
    .init_resource::<camera::UiCaptures>()
    .add_systems(Startup, (town::spawn_town, agents::spawn_agents, camera::spawn_camera))
    .add_systems(
        Update,
        (
            ui::keyboard,
            ui::advance_clock,
            agents::seek_frame,
            camera::steer_camera,
            camera::place_camera,
            agents::place_agents,
            agents::draw_drone_stems,
            town::show_no_fly,
            stills::take_still_on_key,
            stills::take_still_then_exit,
        )
            .chain(),
    )
    .add_systems(EguiPrimaryContextPass, ui::draw_panels);
    if let Some(path) = options.screenshot {
        app.insert_resource(stills::StillThenExit::new(path));
    }
    let code = match app.run() {
        AppExit::Success => 0,
        AppExit::Error(code) => code.get(),
    };
    Ok(code)
}

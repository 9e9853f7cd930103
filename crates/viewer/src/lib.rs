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
pub mod live;
pub mod open;
pub mod playback;
pub mod source;
pub mod stills;
pub mod town;
pub mod ui;
pub mod whatif;

use std::path::PathBuf;

use bevy::prelude::*;
use bevy::window::WindowResolution;
use bevy_egui::{EguiGlobalSettings, EguiPlugin, EguiPrimaryContextPass};
use pilotzone_replay::Lang;
use pilotzone_scene::metres;

/// Writes `bytes` to `path` atomically: a temporary file beside it, synced, renamed over, the
/// folder synced; readable by all like any other output.
pub fn write_atomic(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    let mut tmp = tempfile::Builder::new().prefix(".pilotzone-").tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        tmp.as_file().set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    std::fs::File::open(dir)?.sync_all()
}

/// Where the camera starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CameraStart {
    /// Over the whole town, tilted.
    Overview,
    /// Straight down, as a map.
    Top,
    /// Over the n-th incident of the list (from 1), at its moment.
    Incident(usize),
    /// Following one entity.
    Follow(u32),
}

impl CameraStart {
    /// Reads `top`, `incident:3` or `follow:12`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let number = |v: &str| v.parse::<u32>().ok();
        match s.split_once(':') {
            None if s == "top" => Ok(CameraStart::Top),
            None if s == "overview" => Ok(CameraStart::Overview),
            Some(("incident", n)) if number(n).is_some_and(|n| n >= 1) => {
                Ok(CameraStart::Incident(number(n).unwrap_or(1) as usize))
            }
            Some(("follow", id)) if number(id).is_some() => Ok(CameraStart::Follow(number(id).unwrap_or(0))),
            _ => Err(format!(
                "--camera {s}: give overview, top, incident:N (N from 1, as the incident list counts) or follow:ID"
            )),
        }
    }
}

/// A clip to write: numbered stills of a stretch of the run.
#[derive(Clone, Debug, PartialEq)]
pub struct Frames {
    /// Folder of the pictures.
    pub dir: PathBuf,
    /// First moment, time of day in s.
    pub from_s: u32,
    /// Last moment, time of day in s.
    pub to_s: u32,
    /// Pictures per second of clip.
    pub fps: f64,
}

/// What to open and how.
#[derive(Clone, Debug)]
pub struct Options {
    /// A run folder, a replay file, or a scenario (`.ron`) to run live.
    pub path: PathBuf,
    /// A second run to compare with the first.
    pub compare: Option<PathBuf>,
    /// The study both runs belong to, for its paired intervals.
    pub study: Option<PathBuf>,
    /// Seed of a live run (the scenario's when not given).
    pub seed: Option<u64>,
    /// Language of the panels.
    pub lang: Lang,
    /// Time of day to start at, s after midnight.
    pub at_time_of_day_s: Option<u32>,
    /// Start playing at this speed.
    pub play_speed: Option<f64>,
    /// Take one still here once the view has settled, then exit.
    pub screenshot: Option<PathBuf>,
    /// Write what is where on the still to this JSON file.
    pub report: Option<PathBuf>,
    /// Write a clip's pictures, then exit.
    pub frames: Option<Frames>,
    /// Measure jumps and backward steps over this many frames each, then exit.
    pub measure: Option<u32>,
    /// Where the camera starts.
    pub camera: CameraStart,
    /// Start in presentation mode.
    pub present: bool,
    /// How much the renderer is asked to do.
    pub quality: camera::Quality,
    /// Window size in logical pixels.
    pub size: (u32, u32),
}

/// Whether `path` names a scenario to run live rather than a run to replay.
pub fn is_scenario(path: &std::path::Path) -> bool {
    path.extension().is_some_and(|e| e == "ron")
}

/// Milliseconds since the run's start of a time of day, for a run starting at `start_s`.
fn since_start_ms(time_of_day_s: u32, start_s: u32) -> u64 {
    u64::from((time_of_day_s + 86_400 - start_s % 86_400) % 86_400) * 1000
}

/// Opens the runs (refusing a bad one before any window opens) and runs the viewer until its
/// window closes. Returns the app's exit code (0, or 1 when a still could not be taken).
pub fn run(options: Options) -> anyhow::Result<u8> {
    let (main, live) = if is_scenario(&options.path) {
        let (run, live, status) = live::start(&options.path, options.seed, None)?;
        (run, Some((live, status)))
    } else {
        (agents::Run::new(source::open(&options.path)?), None)
    };
    let other = options.compare.as_deref().map(source::open).transpose()?.map(agents::Run::new);
    if let Some(other) = &other
        && other.opened.scene.name != main.opened.scene.name
    {
        anyhow::bail!(
            "--compare: {} is a run of {}, not of {}; compare two options of one scenario",
            other.opened.file.display(),
            other.opened.scene.name,
            main.opened.scene.name
        );
    }
    let study = other.as_ref().and_then(|o| {
        ui::compare::study_comparison(&main.opened.file, &o.opened.file, options.study.as_deref()).transpose()
    });
    if other.is_none()
        && let Some(dir) = &options.study
    {
        anyhow::bail!("--study {}: give --compare OTHER_RUN too; a study compares two runs", dir.display());
    }
    let scene = main.opened.scene.clone();
    let end_ms = match &live {
        Some((_, status)) => status.end_ms,
        None => main.opened.cursor.replay().duration_ms(),
    };
    let end_ms = other.as_ref().map_or(end_ms, |o| end_ms.max(o.opened.cursor.replay().duration_ms()));
    let record_ms = u64::from(main.opened.cursor.replay().header().record_ms);
    let mut playback = playback::Playback::new(end_ms, record_ms);
    if let Some(at) = options.at_time_of_day_s {
        playback.seek(since_start_ms(at, scene.start_s));
    }
    if let Some(speed) = options.play_speed {
        playback.speed = speed;
        playback.playing = options.frames.is_none();
    }
    if live.is_some() && options.play_speed.is_none() {
        playback.playing = true;
    }
    let bounds = scene.bounds;
    let plan = |p: [i32; 2]| [metres(p[0]) as f32, metres(p[1]) as f32];
    let mut orbit = camera::OrbitCamera::overlooking(plan(bounds.min), plan(bounds.max));
    let mut selection = agents::Selection::default();
    let mut ui_state = ui::UiState::new(options.lang, options.present);
    let shown = agents::Shown { main, other, layout: agents::Layout::SideBySide, study };
    match options.camera {
        CameraStart::Overview => {}
        CameraStart::Top => orbit.toggle_top_down(),
        CameraStart::Incident(n) => {
            let count = shown.main.opened.incidents.len();
            if n > count {
                anyhow::bail!("--camera incident:{n}: the run has {count} incidents");
            }
            ui_state.incident = Some(n - 1);
            ui::jump_to_incident(&shown, n - 1, &mut playback, &mut orbit);
        }
        CameraStart::Follow(id) => {
            let count = shown.main.opened.agents.entities().len();
            if id as usize >= count {
                anyhow::bail!("--camera follow:{id}: the run has entities 0 to {}", count.saturating_sub(1));
            }
            selection = agents::Selection { id: Some(id), follow: true };
            orbit.distance = 120.0;
        }
    }
    let clip = match &options.frames {
        Some(f) => {
            let (from, to) = (since_start_ms(f.from_s, scene.start_s), since_start_ms(f.to_s, scene.start_s));
            if from > to || to > end_ms {
                anyhow::bail!("--from/--to: give a stretch inside the run, which lasts {} s", end_ms / 1000);
            }
            Some(stills::Clip::new(f.dir.clone(), from, to, options.play_speed.unwrap_or(10.0), f.fps))
        }
        None => None,
    };
    let stills_dir =
        shown.main.opened.file.parent().map(|d| d.join("stills")).unwrap_or_else(|| PathBuf::from("stills"));
    let title = format!("pilotzone — {}", scene.name);
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
    .insert_resource(town::Town { scene })
    .insert_resource(shown)
    .insert_resource(playback)
    .insert_resource(orbit)
    .insert_resource(ui_state)
    .insert_resource(selection)
    .insert_resource(stills::StillRequests { dir: stills_dir, last: None })
    .insert_resource(options.quality)
    .init_resource::<agents::Paint>()
    .init_resource::<camera::UiCaptures>()
    .init_resource::<stills::DrawnLabels>()
    .init_resource::<stills::FrameTimes>()
    .init_resource::<ui::whatif::WhatIf>()
    .add_message::<stills::ClipSaved>()
    .add_systems(Startup, (town::spawn_town, agents::spawn_agents, camera::spawn_camera))
    .add_systems(
        Update,
        (
            open::open_dropped,
            ui::keyboard,
            ui::tour::run_tour,
            ui::advance_clock,
            stills::write_clip,
            stills::measure,
            stills::time_seek_start,
            agents::seek_frame,
            live::follow_live,
            ui::whatif::follow_rerun,
            stills::time_seek_end,
            camera::steer_camera,
            camera::place_camera,
            camera::fit_renderer,
            agents::place_agents,
            town::show_no_fly,
            stills::take_still_on_key,
            stills::take_still_then_exit,
        )
            .chain(),
    )
    .add_systems(EguiPrimaryContextPass, ui::draw_panels);
    match live {
        Some((live, status)) => app.insert_resource(live).insert_resource(status),
        None => app.init_resource::<live::LiveStatus>(),
    };
    if let Some(path) = options.screenshot {
        app.insert_resource(stills::StillThenExit::new(path, options.report));
    }
    if let Some(clip) = clip {
        app.insert_resource(clip);
    }
    if let Some(n) = options.measure {
        app.insert_resource(stills::Measure::new(n));
    }
    let code = match app.run() {
        AppExit::Success => 0,
        AppExit::Error(code) => code.get(),
    };
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camera_starts_read_as_people_write_them() {
        assert_eq!(CameraStart::parse("top"), Ok(CameraStart::Top));
        assert_eq!(CameraStart::parse("incident:3"), Ok(CameraStart::Incident(3)));
        assert_eq!(CameraStart::parse("follow:12"), Ok(CameraStart::Follow(12)));
        for bad in ["incident:0", "incident:x", "follow:", "side", "follow:-1"] {
            assert!(CameraStart::parse(bad).unwrap_err().contains("incident:N"), "{bad}");
        }
    }

    #[test]
    fn times_of_day_count_from_the_runs_start_across_midnight() {
        assert_eq!(since_start_ms(7 * 3600 + 30 * 60, 7 * 3600), 1_800_000);
        assert_eq!(since_start_ms(3600, 23 * 3600), 2 * 3_600_000);
    }
}

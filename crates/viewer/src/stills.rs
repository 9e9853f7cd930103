//! Stills and clips: a PNG of the window on request (F12), once at start for `--screenshot`
//! (then the viewer exits), or a numbered PNG per frame of a stretch of the run for `--frames`
//! (ffmpeg turns them into a clip). Each picture is written to a temporary file and renamed,
//! never half a picture. A still can come with a report of what is where on it, which the
//! screenshot tests read.

use std::path::{Path, PathBuf};
use std::time::Instant;

use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use bevy::window::PrimaryWindow;
use serde::Serialize;

use crate::agents::{Shown, body_position, symbol_scale};
use crate::camera::{OrbitCamera, RunView};
use crate::geometry::world;
use crate::playback::Playback;
use crate::town::Town;
use pilotzone_scene::metres;

/// A still to take once the view has settled, and to exit after.
#[derive(Resource, Debug)]
pub struct StillThenExit {
    /// Where the PNG goes.
    pub path: PathBuf,
    /// Where the report of what is where goes, if anywhere.
    pub report: Option<PathBuf>,
    /// Frames drawn so far; the still waits for a few, so panels have laid themselves out.
    frames: u32,
    asked: bool,
    started: Instant,
}

/// Frames drawn before the still is taken.
const SETTLE_FRAMES: u32 = 12;
/// Longest wait for a still before giving up, s (software rendering is slow, not this slow).
const STILL_TIMEOUT_S: u64 = 180;

#[expect(clippy::disallowed_methods, reason = "timeouts and frame times of the window, not simulated time")]
fn wall_now() -> Instant {
    Instant::now()
}

impl StillThenExit {
    /// A still to take at `path`, with a report at `report` if given.
    pub fn new(path: PathBuf, report: Option<PathBuf>) -> Self {
        Self { path, report, frames: 0, asked: false, started: wall_now() }
    }
}

/// A still the user asked for (F12); saved beside the replay.
#[derive(Resource, Debug, Default)]
pub struct StillRequests {
    /// Folder stills go into.
    pub dir: PathBuf,
    /// A status line for the panel: where the last still went, or why it failed.
    pub last: Option<String>,
}

/// Labels drawn over the town this frame: text and rectangle in physical pixels.
#[derive(Resource, Debug, Default, Clone)]
pub struct DrawnLabels(pub Vec<(String, [f32; 4])>);

/// Wall times of recent frames and of the replay's part of them (seeking and turning frames
/// into agents), ms.
#[derive(Resource, Debug, Default, Clone)]
pub struct FrameTimes {
    /// Whole frames, as bevy measured them.
    pub frame_ms: Vec<f64>,
    /// The replay's part.
    pub seek_ms: Vec<f64>,
    seek_started: Option<Instant>,
    last_frame: Option<Instant>,
}

/// Starts timing the replay's part of a frame.
pub fn time_seek_start(mut times: ResMut<FrameTimes>) {
    times.seek_started = Some(wall_now());
}

/// Ends timing the replay's part of a frame and keeps the frame's wall time (bevy's own clock
/// caps a frame at a quarter second, which a software renderer can exceed).
pub fn time_seek_end(mut times: ResMut<FrameTimes>) {
    if let Some(started) = times.seek_started.take() {
        times.seek_ms.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    let now = wall_now();
    if let Some(last) = times.last_frame.replace(now) {
        times.frame_ms.push((now - last).as_secs_f64() * 1000.0);
    }
}

/// Median, 95th percentile and largest of a series of times, ms.
pub fn spread(values: &[f64]) -> [f64; 3] {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return [0.0; 3];
    }
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    [at(0.5), at(0.95), v[v.len() - 1]]
}

/// What a still shows and where, for tests: agents of the main run and labels, in the still's
/// pixels.
#[derive(Serialize, Debug)]
pub struct StillReport {
    /// Picture size, pixels.
    pub size: [u32; 2],
    /// Time shown, ms since the start.
    pub t_ms: u64,
    /// Agents in view: id, kind, status key, colour and pixel.
    pub agents: Vec<AgentSpot>,
    /// Middles of roads in view (the middle point of each road's line), pixels.
    pub roads: Vec<[f32; 2]>,
    /// Labels over the town: text and pixel rectangle `[x0, y0, x1, y1]`.
    pub labels: Vec<(String, [f32; 4])>,
    /// Whole-frame times: median, 95th percentile, largest, ms.
    pub frame_ms: [f64; 3],
    /// The replay's part of a frame: median, 95th percentile, largest, ms.
    pub seek_ms: [f64; 3],
}

/// One agent on a still.
#[derive(Serialize, Debug)]
pub struct AgentSpot {
    /// Replay entity id.
    pub id: u32,
    /// Kind key.
    pub kind: String,
    /// Status key.
    pub status: Option<String>,
    /// Its status colour.
    pub colour: [u8; 3],
    /// Pixel of its body's centre.
    pub pixel: [f32; 2],
}

/// Writes a captured image as PNG at `path` atomically.
fn save_png(image: &Image, path: &Path) -> Result<(), String> {
    let rgb = image.clone().try_into_dynamic().map_err(|e| format!("the window image: {e}"))?.to_rgb8();
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let tmp = dir.join(format!(".{}.part", path.file_name().and_then(|n| n.to_str()).unwrap_or("still.png")));
    rgb.save_with_format(&tmp, image::ImageFormat::Png).map_err(|e| format!("{}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("{}: {e}", path.display()))
}

/// The report of the frame about to be captured.
fn report(
    window: &Window,
    town: &Town,
    shown: &Shown,
    orbit: &OrbitCamera,
    cameras: &Query<(&Camera, &GlobalTransform, &RunView)>,
    labels: &DrawnLabels,
    times: &FrameTimes,
    t_ms: u64,
) -> StillReport {
    let scale = window.scale_factor();
    let mut agents = Vec::new();
    let mut roads = Vec::new();
    if let Some((camera, transform, _)) = cameras.iter().find(|c| c.2.0 == 0) {
        for road in &town.scene.roads {
            let [x, y] = road.points[road.points.len() / 2];
            let p = Vec3::from(world([metres(x) as f32, metres(y) as f32], 0.06));
            if let Ok(p) = camera.world_to_viewport(transform, p) {
                roads.push([p.x * scale, p.y * scale]);
            }
        }
        let s = symbol_scale(orbit.distance);
        for a in shown.main.agents.iter().filter(|a| a.status != Some(pilotzone_replay::Status::OffStreet)) {
            if let Ok(p) = camera.world_to_viewport(transform, body_position(a, s)) {
                agents.push(AgentSpot {
                    id: a.id,
                    kind: a.kind.key().to_owned(),
                    status: a.status.map(|s| s.key().to_owned()),
                    colour: [a.colour.0, a.colour.1, a.colour.2],
                    pixel: [p.x * scale, p.y * scale],
                });
            }
        }
    }
    // The first frames include start-up; the report is about steady drawing.
    let skip = |v: &[f64]| -> Vec<f64> { v.iter().skip(SETTLE_FRAMES as usize / 2).copied().collect() };
    StillReport {
        size: [window.physical_width(), window.physical_height()],
        t_ms,
        agents,
        roads,
        labels: labels.0.clone(),
        frame_ms: spread(&skip(&times.frame_ms)),
        seek_ms: spread(&skip(&times.seek_ms)),
    }
}

/// Takes the start-up still once the view has settled; gives up with exit code 1 after a while.
pub fn take_still_then_exit(
    mut commands: Commands,
    still: Option<ResMut<StillThenExit>>,
    mut exit: MessageWriter<AppExit>,
    window: Single<&Window, With<PrimaryWindow>>,
    town: Res<Town>,
    shown: Res<Shown>,
    orbit: Res<OrbitCamera>,
    cameras: Query<(&Camera, &GlobalTransform, &RunView)>,
    labels: Res<DrawnLabels>,
    times: Res<FrameTimes>,
    playback: Res<Playback>,
) {
    let Some(mut still) = still else { return };
    still.frames += 1;
    if still.started.elapsed().as_secs() > STILL_TIMEOUT_S {
        error!("no still after {STILL_TIMEOUT_S} s: is there a graphics device (Xvfb with Mesa's Vulkan)?");
        exit.write(AppExit::from_code(1));
        return;
    }
    if still.asked || still.frames < SETTLE_FRAMES {
        return;
    }
    still.asked = true;
    if let Some(path) = &still.report {
        let r = report(&window, &town, &shown, &orbit, &cameras, &labels, &times, playback.t_ms());
        let json = serde_json::to_vec_pretty(&r).expect("a report serializes");
        if let Err(e) = crate::write_atomic(path, &json) {
            error!("the still's report could not be written to {}: {e}", path.display());
            exit.write(AppExit::from_code(1));
            return;
        }
    }
    let path = still.path.clone();
    commands.spawn(Screenshot::primary_window()).observe(
        move |captured: On<ScreenshotCaptured>, mut exit: MessageWriter<AppExit>| match save_png(&captured.image, &path)
        {
            Ok(()) => {
                info!("still saved to {}", path.display());
                exit.write(AppExit::Success);
            }
            Err(e) => {
                error!("the still could not be saved: {e}");
                exit.write(AppExit::from_code(1));
            }
        },
    );
}

/// F12: a still beside the replay, named by the time shown.
pub fn take_still_on_key(
    mut commands: Commands,
    keys: Res<ButtonInput<KeyCode>>,
    playback: Res<Playback>,
    mut requests: ResMut<StillRequests>,
) {
    if !keys.just_pressed(KeyCode::F12) {
        return;
    }
    let path = requests.dir.join(format!("still-{:08}ms.png", playback.t_ms()));
    requests.last = Some(format!("… {}", path.display()));
    commands.spawn(Screenshot::primary_window()).observe(
        move |captured: On<ScreenshotCaptured>, mut requests: ResMut<StillRequests>| {
            requests.last = Some(match save_png(&captured.image, &path) {
                Ok(()) => format!("✔ {}", path.display()),
                Err(e) => format!("✘ {e}"),
            });
        },
    );
}

/// A clip being written: one PNG per step of the run from `from_ms` to `to_ms`.
#[derive(Resource, Debug)]
pub struct Clip {
    /// Folder of the numbered pictures.
    pub dir: PathBuf,
    /// First and last moment, ms since the start.
    pub from_ms: u64,
    /// Last moment.
    pub to_ms: u64,
    /// Simulated ms between two pictures (speed ÷ frames per second).
    pub step_ms: f64,
    /// Pictures asked for so far.
    asked: u64,
    /// Pictures saved so far (the capture arrives frames later).
    saved: u64,
    /// Frames drawn since the time last moved.
    waited: u32,
    /// Why a picture failed, if one did.
    failed: Option<String>,
}

impl Clip {
    /// A clip of `from_ms..=to_ms` at `speed` simulated seconds per second and `fps` pictures
    /// per second, into `dir`.
    pub fn new(dir: PathBuf, from_ms: u64, to_ms: u64, speed: f64, fps: f64) -> Self {
        Clip { dir, from_ms, to_ms, step_ms: speed * 1000.0 / fps, asked: 0, saved: 0, waited: 0, failed: None }
    }

    /// Pictures the clip has in all.
    pub fn len(&self) -> u64 {
        ((self.to_ms - self.from_ms) as f64 / self.step_ms).floor() as u64 + 1
    }

    /// Whether the clip has no pictures.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Marks one picture of a clip saved (or failed), from the capture's observer.
#[derive(Message, Debug)]
pub struct ClipSaved(pub Result<(), String>);

/// Writes a clip picture by picture: moves the time, lets a few frames draw, captures, waits
/// for the capture, moves on; exits when the last is saved.
pub fn write_clip(
    mut commands: Commands,
    clip: Option<ResMut<Clip>>,
    mut saved: MessageReader<ClipSaved>,
    mut playback: ResMut<Playback>,
    mut exit: MessageWriter<AppExit>,
) {
    let Some(mut clip) = clip else { return };
    for s in saved.read() {
        clip.saved += 1;
        if let Err(e) = &s.0 {
            clip.failed.get_or_insert(e.clone());
        }
    }
    if let Some(e) = &clip.failed {
        error!("a picture of the clip could not be saved: {e}");
        exit.write(AppExit::from_code(1));
        return;
    }
    if clip.saved == clip.len() {
        info!("{} pictures in {}", clip.saved, clip.dir.display());
        exit.write(AppExit::Success);
        return;
    }
    if clip.asked > clip.saved {
        return;
    }
    let t = clip.from_ms + (clip.asked as f64 * clip.step_ms).round() as u64;
    playback.playing = false;
    if playback.t_ms() != t.min(playback.end_ms()) {
        playback.seek(t);
        clip.waited = 0;
        return;
    }
    // Three frames: agents placed, labels laid out, drawn.
    clip.waited += 1;
    if clip.waited < 3 {
        return;
    }
    let path = clip.dir.join(format!("frame-{:05}.png", clip.asked + 1));
    clip.asked += 1;
    commands.spawn(Screenshot::primary_window()).observe(
        move |captured: On<ScreenshotCaptured>, mut saved: MessageWriter<ClipSaved>| {
            saved.write(ClipSaved(save_png(&captured.image, &path)));
        },
    );
}

/// `--measure N`: N frames each jumping to a different time of the run, then N frames each
/// stepping one sample backwards; prints the frame and replay times and exits.
#[derive(Resource, Debug)]
pub struct Measure {
    /// Frames per part.
    pub frames: u32,
    done: u32,
    seed: u64,
}

impl Measure {
    /// A measurement of `frames` jumps and `frames` steps back.
    pub fn new(frames: u32) -> Self {
        Measure { frames, done: 0, seed: 0x9e37_79b9_7f4a_7c15 }
    }
}

/// Drives `--measure`.
pub fn measure(
    measure: Option<ResMut<Measure>>,
    mut playback: ResMut<Playback>,
    mut times: ResMut<FrameTimes>,
    mut exit: MessageWriter<AppExit>,
) {
    let Some(mut m) = measure else { return };
    // Start-up frames are not the viewer's steady state.
    if m.done == 0 && times.frame_ms.len() < SETTLE_FRAMES as usize {
        return;
    }
    if m.done == 0 {
        times.frame_ms.clear();
        times.seek_ms.clear();
    }
    playback.playing = false;
    if m.done < m.frames {
        m.seed = m.seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let end = playback.end_ms().max(1);
        playback.seek((m.seed >> 11) % end);
    } else if m.done < 2 * m.frames {
        if m.done == m.frames {
            say(&line("jump", &times));
            times.frame_ms.clear();
            times.seek_ms.clear();
            let end = playback.end_ms();
            playback.seek(end);
        }
        playback.step(false);
    } else {
        say(&line("step_back", &times));
        exit.write(AppExit::Success);
    }
    m.done += 1;
}

/// A measurement for the user, on standard output.
fn say(text: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stdout(), "{text}");
}

fn line(what: &str, times: &FrameTimes) -> String {
    // The time of frame k is known at frame k + 1; the first is the previous part's.
    let [f50, f95, fmax] = spread(times.frame_ms.get(1..).unwrap_or_default());
    let [s50, s95, smax] = spread(&times.seek_ms);
    format!(
        "measure {what}: frames={} frame_ms median={f50:.2} p95={f95:.2} max={fmax:.2} · replay_ms median={s50:.3} p95={s95:.3} max={smax:.3}",
        times.seek_ms.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clip_has_one_picture_per_step_including_both_ends() {
        let clip = Clip::new(PathBuf::from("x"), 0, 300_000, 10.0, 30.0);
        assert_eq!(clip.len(), 901, "5 minutes at ×10 and 30 fps: 30 s of clip");
        assert_eq!(Clip::new(PathBuf::from("x"), 1_000, 1_000, 10.0, 30.0).len(), 1);
    }

    #[test]
    fn spreads_are_median_p95_and_max() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(spread(&v), [51.0, 95.0, 100.0]);
        assert_eq!(spread(&[]), [0.0; 3]);
    }
}

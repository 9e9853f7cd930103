//! A scenario run live: the engine steps on a thread of its own, never ahead of the view by
//! more than a moment, so pausing the view pauses the simulation. The view plays what the run
//! has recorded so far through the same cursor as any replay; the last seconds, not yet in a
//! closed segment, come from the frames the engine captures at its recording interval. When the
//! run ends, its replay and KPIs are written like `pilotzone run` writes them, and the view
//! reopens the finished replay (comments and bookmarks need its hash).

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::{Context, Result};
use bevy::prelude::*;
use pilotzone_replay::{Frame, Lang, Replay};
use pilotzone_sim::Simulation;

use crate::agents::{Run, Shown};
use crate::i18n::t;
use crate::playback::Playback;
use crate::source;
use crate::ui::UiState;

/// Frames kept for the live edge, at the recording interval.
const RING_FRAMES: usize = 400;
/// Shortest wall time between two copies of the replay so far.
const PUBLISH_EVERY: Duration = Duration::from_millis(300);

/// What the engine's thread shares with the view.
#[derive(Default)]
struct Shared {
    /// Simulated ms the engine may run up to.
    target_ms: AtomicU64,
    /// Set when the window closes.
    stop: AtomicBool,
    latest: Mutex<Latest>,
}

/// What the engine published last.
#[derive(Default)]
struct Latest {
    /// The replay so far, when it has grown since the view took it.
    replay: Option<Vec<u8>>,
    /// Frames at the recording interval, oldest first.
    frames: VecDeque<Frame>,
    /// Simulated ms reached.
    now_ms: u64,
    /// Where the finished run was written, or why the run stopped.
    done: Option<Result<PathBuf, String>>,
}

/// The run under way.
#[derive(Resource)]
pub struct Live {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    /// Frames of the live edge, copied from the engine each view frame.
    frames: VecDeque<Frame>,
}

impl Live {
    /// Lets the engine run up to `t_ms` (the view does this every frame).
    pub fn allow(&self, t_ms: u64) {
        self.shared.target_ms.store(t_ms, Ordering::Relaxed);
    }

    /// Simulated ms reached, and, once, the outcome of the finished run.
    pub fn progress(&self) -> (u64, Option<Result<PathBuf, String>>) {
        let mut latest = self.shared.latest.lock().expect("the engine never panics holding it");
        (latest.now_ms, latest.done.take())
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// What the top bar says about the live run.
#[derive(Resource, Debug, Clone, Default)]
pub struct LiveStatus {
    /// Whether the engine is still running.
    pub running: bool,
    /// Simulated ms reached.
    pub now_ms: u64,
    /// Simulated ms the run lasts.
    pub end_ms: u64,
    /// Where the finished run went, or why it stopped.
    pub done: Option<Result<PathBuf, String>>,
}

impl LiveStatus {
    /// One line for the top bar.
    pub fn line(&self, lang: Lang) -> String {
        match &self.done {
            Some(Ok(dir)) => format!("✔ {} {}", t("live.done", lang), dir.display()),
            Some(Err(e)) => format!("✘ {}: {e}", t("live.failed", lang)),
            None => {
                let pct = self.now_ms as f64 / self.end_ms.max(1) as f64 * 100.0;
                format!(
                    "● {} · {:.0} / {:.0} s ({pct:.0} %)",
                    t("live", lang),
                    self.now_ms as f64 / 1000.0,
                    self.end_ms as f64 / 1000.0
                )
            }
        }
    }
}

/// Loads `scenario`, builds its world and steps it to the first closed segment, so the view
/// opens on something; then hands the engine to a thread. Returns the run as the view's main
/// run, the engine's handle, and its status. The finished run is written to `out`, by default
/// `runs/NAME-SEED-live` as `pilotzone run` names its folders.
pub fn start(scenario: &Path, seed: Option<u64>, out: Option<PathBuf>) -> Result<(Run, Live, LiveStatus)> {
    let loaded = pilotzone_scenario::load(scenario)?;
    let seed = seed.unwrap_or(loaded.scenario.run.seed);
    let out = out.unwrap_or_else(|| PathBuf::from("runs").join(format!("{}-{seed}-live", loaded.scenario.name)));
    let end_ms = u64::from(loaded.scenario.run.duration_s) * 1000;
    let shared = Arc::new(Shared::default());
    let thread_shared = Arc::clone(&shared);
    let thread_out = out.clone();
    let name = scenario.display().to_string();
    // The engine's world is not Send: it is built on its thread, which hands back the first
    // closed segment for the window to open on.
    let (first_tx, first_rx) = std::sync::mpsc::channel::<Result<Vec<u8>, String>>();
    let thread = std::thread::Builder::new()
        .name("pilotzone-live".into())
        .spawn(move || {
            let mut sim = match Simulation::new(loaded, seed) {
                Ok(sim) => sim,
                Err(e) => {
                    let _ = first_tx.send(Err(format!("{name} does not start: {e}")));
                    return;
                }
            };
            let mut seen = sim.replay_so_far().len();
            while !sim.is_done() {
                sim.step();
                let len = sim.replay_so_far().len();
                if len != seen {
                    seen = len;
                    if Replay::open(sim.replay_so_far().to_vec()).is_ok_and(|r| !r.segments().is_empty()) {
                        break;
                    }
                }
            }
            thread_shared.target_ms.store(sim.now_ms(), Ordering::Relaxed);
            if first_tx.send(Ok(sim.replay_so_far().to_vec())).is_ok() {
                engine(sim, &thread_shared, &thread_out);
            }
        })
        .context("cannot start the engine's thread")?;
    let bytes = first_rx.recv().context("the engine stopped before its first frame")?.map_err(anyhow::Error::msg)?;
    let replay = Replay::open(bytes.clone()).context("the live replay")?;
    let opened = source::from_replay(out.join("replay.pzr"), &bytes, replay)?;
    let status = LiveStatus { running: true, now_ms: 0, end_ms, done: None };
    Ok((Run::new(opened), Live { shared, thread: Some(thread), frames: VecDeque::new() }, status))
}

/// The engine's thread: steps up to the target, publishes frames and the replay so far, and
/// writes the run when it ends.
fn engine(mut sim: Simulation, shared: &Shared, out: &Path) {
    let mut last_frame_ms = None;
    let mut published_len = 0;
    #[expect(clippy::disallowed_methods, reason = "throttles copies for the view; the simulation never sees it")]
    let mut last_publish = std::time::Instant::now();
    while !shared.stop.load(Ordering::Relaxed) {
        if sim.is_done() {
            let done = finish(sim, out);
            shared.latest.lock().expect("the view never panics holding it").done = Some(done);
            return;
        }
        if sim.now_ms() >= shared.target_ms.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(2));
            continue;
        }
        sim.step();
        let frame = sim.frame().map(|f| &f.frame).filter(|f| Some(f.t_ms) != last_frame_ms).cloned();
        let grown = sim.replay_so_far().len() > published_len && last_publish.elapsed() >= PUBLISH_EVERY;
        let replay = grown.then(|| sim.replay_so_far().to_vec());
        let mut latest = shared.latest.lock().expect("the view never panics holding it");
        latest.now_ms = sim.now_ms();
        if let Some(frame) = frame {
            last_frame_ms = Some(frame.t_ms);
            if latest.frames.len() == RING_FRAMES {
                latest.frames.pop_front();
            }
            latest.frames.push_back(frame);
        }
        if let Some(bytes) = replay {
            published_len = bytes.len();
            latest.replay = Some(bytes);
            #[expect(clippy::disallowed_methods, reason = "throttles copies for the view")]
            let now = std::time::Instant::now();
            last_publish = now;
        }
    }
}

/// Writes the finished run as `pilotzone run` does: the replay and the KPIs.
fn finish(sim: Simulation, out: &Path) -> Result<PathBuf, String> {
    let result = sim.finish();
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let kpis = serde_json::to_string_pretty(&result.kpis).map_err(|e| e.to_string())? + "\n";
    crate::write_atomic(&out.join("replay.pzr"), &result.replay).map_err(|e| format!("{}: {e}", out.display()))?;
    crate::write_atomic(&out.join("kpis.json"), kpis.as_bytes()).map_err(|e| format!("{}: {e}", out.display()))?;
    Ok(out.to_owned())
}

/// Lets the engine run a moment ahead of the view, takes what it published, and shows the live
/// edge; when the run is over, opens its replay.
pub fn follow_live(
    mut commands: Commands,
    live: Option<ResMut<Live>>,
    mut status: ResMut<LiveStatus>,
    mut playback: ResMut<Playback>,
    mut shown: ResMut<Shown>,
    mut ui: ResMut<UiState>,
) {
    let Some(mut live) = live else { return };
    let record_ms = u64::from(shown.main.opened.cursor.replay().header().record_ms);
    // The view may not run ahead of the engine; the engine runs a quarter second of view ahead.
    let live = &mut *live;
    let (now_ms, replay, done) = {
        let mut latest = live.shared.latest.lock().expect("the engine never panics holding it");
        live.frames.extend(latest.frames.drain(..));
        (latest.now_ms, latest.replay.take(), latest.done.take())
    };
    while live.frames.len() > RING_FRAMES {
        live.frames.pop_front();
    }
    status.now_ms = now_ms;
    let edge = live.frames.back().map_or(0, |f| f.t_ms);
    if playback.t_ms() > edge {
        playback.seek(edge);
    }
    let ahead = (playback.speed * 250.0) as u64 + 2 * record_ms;
    live.shared.target_ms.store(playback.t_ms() + ahead, Ordering::Relaxed);
    if let Some(bytes) = replay
        && let Ok(r) = Replay::open(bytes.clone())
        && let Ok(opened) = source::from_replay(shown.main.opened.file.clone(), &bytes, r)
    {
        shown.main = Run::new(opened);
    }
    // Past the replay's closed segments, the engine's own frames, interpolated like a replay's.
    let t = playback.t_ms();
    if t > shown.main.opened.cursor.replay().duration_ms()
        && let Some(after) = live.frames.iter().position(|f| f.t_ms >= t)
    {
        let b = &live.frames[after];
        let frame = match after.checked_sub(1).map(|i| &live.frames[i]) {
            Some(a) if b.t_ms > a.t_ms => {
                let k = (t - a.t_ms) as f64 / (b.t_ms - a.t_ms) as f64;
                Frame { t_ms: t, states: a.states.iter().zip(&b.states).map(|(x, y)| x.lerp(y, k)).collect() }
            }
            _ => b.clone(),
        };
        let run = &mut shown.main;
        run.opened.agents.agents_into(&frame, &mut run.agents);
        run.at_ms = None;
    }
    if let Some(done) = done {
        status.running = false;
        match &done {
            Ok(dir) => match source::open(dir) {
                Ok(opened) => {
                    shown.main = Run::new(opened);
                    playback.set_end(shown.main.opened.cursor.replay().duration_ms());
                }
                Err(e) => ui.notice = Some(format!("✘ {e:#}")),
            },
            Err(e) => ui.notice = Some(format!("✘ {e}")),
        }
        status.done = Some(done);
        commands.remove_resource::<Live>();
    }
}

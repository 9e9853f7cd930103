//! What the viewer opens: a run folder or a replay file, read and checked before any window
//! opens, so a wrong path or a damaged file is a clear message and exit code 2, not a blank
//! window.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use pilotzone_comments::{Sidecar, sidecar_path};
use pilotzone_replay::{Cursor, Hex, Replay, replay_hash};
use pilotzone_scene::{AgentView, IncidentMarker, Scene};

use crate::kpi::Counts;

/// A replay opened for viewing, with everything derived from it once.
pub struct Opened {
    /// Where the replay file is.
    pub file: PathBuf,
    /// Its hash, as `pilotzone` prints it; comments are pinned to it.
    pub hash: String,
    /// The cursor that plays it.
    pub cursor: Cursor,
    /// The town, from the scenario inside the replay.
    pub scene: Scene,
    /// Agents of its frames.
    pub agents: AgentView,
    /// Its incidents, as markers.
    pub incidents: Vec<IncidentMarker>,
    /// Event counts for the KPI panel.
    pub counts: Counts,
    /// The comments beside it (none yet when there is no sidecar).
    pub comments: Sidecar,
    /// Why the replay ends early, if it does: shown, not hidden.
    pub damage: Option<String>,
}

/// The replay file of `path`: the path itself, or `replay.pzr` in a run folder.
pub fn replay_file(path: &Path) -> Result<PathBuf> {
    if path.is_dir() {
        let file = path.join("replay.pzr");
        if !file.is_file() {
            bail!(
                "{} is a folder without replay.pzr: open a run folder (runs/NAME-SEED) or a .pzr file",
                path.display()
            );
        }
        return Ok(file);
    }
    if !path.exists() {
        bail!("{} does not exist: open a run folder (runs/NAME-SEED) or a .pzr file", path.display());
    }
    Ok(path.to_owned())
}

/// Opens a run folder or a replay file.
pub fn open(path: &Path) -> Result<Opened> {
    let file = replay_file(path)?;
    let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
    let hash = Hex(replay_hash(&bytes)).to_string();
    let replay = Replay::open(bytes).with_context(|| format!("{} is not a readable replay", file.display()))?;
    if replay.segments().is_empty() {
        bail!("{} holds no samples to show: {}", file.display(), replay.damage().unwrap_or("the run recorded nothing"));
    }
    let header = replay.header();
    let scene = Scene::from_text(&header.scenario_text, &format!("the scenario inside {}", file.display()))
        .with_context(|| format!("{}: the scenario inside the replay does not load", file.display()))?;
    let agents = AgentView::new(header).with_context(|| format!("{}: unknown status", file.display()))?;
    let incidents = scene.incidents(header, replay.events());
    let counts = Counts::new(replay.events());
    let comments = Sidecar::read_or_new(&sidecar_path(&file), &hash).with_context(|| {
        format!("the comments beside {} do not load; move the file away to start afresh", file.display())
    })?;
    let damage = replay.damage().map(str::to_owned);
    Ok(Opened { file, hash, cursor: Cursor::new(replay), scene, agents, incidents, counts, comments, damage })
}

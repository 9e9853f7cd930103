//! What the viewer opens: a run folder or a replay file, read and checked before any window
//! opens, so a wrong path or a damaged replay is a clear message and exit code 2, not a blank
//! window. The comments and bookmarks beside it are other people's files: one that cannot be
//! read is reported in the window and kept as it is, never a reason to refuse the replay.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use pilotzone_comments::{Bookmarks, Sidecar, bookmarks_path, sidecar_path};
use pilotzone_replay::{Cursor, Hex, Replay, replay_hash};
use pilotzone_scene::{AgentView, IncidentMarker, Scene};

use crate::kpi::Counts;

/// A replay opened for viewing, with everything derived from it once.
pub struct Opened {
    /// Where the replay file is.
    pub file: PathBuf,
    /// Its hash, as `pilotzone` prints it; comments are pinned to it.
    pub hash: String,
    /// The rule option it ran under: the option folder of a study run, else `base`.
    pub option: String,
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
    /// Why the comments file beside it could not be read, if it could not: shown in the window;
    /// the file stays as it is until a new comment needs its place (then it is set aside).
    pub comments_problem: Option<String>,
    /// Named moments beside it.
    pub bookmarks: Bookmarks,
    /// Why the bookmarks file could not be read, if it could not.
    pub bookmarks_problem: Option<String>,
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

/// The study a run belongs to (`STUDY/runs/OPTION/SEED/replay.pzr`, with `STUDY/study.json`)
/// and its option's name.
pub fn study_of(replay: &Path) -> Option<(PathBuf, String)> {
    let option_dir = replay.parent()?.parent()?;
    let runs = option_dir.parent().filter(|r| r.file_name().is_some_and(|n| n == "runs"))?;
    let study = runs.parent()?;
    let study = if study.as_os_str().is_empty() { Path::new(".") } else { study };
    let option = option_dir.file_name()?.to_string_lossy().into_owned();
    study.join("study.json").is_file().then(|| (study.to_owned(), option))
}

/// Opens a run folder or a replay file.
pub fn open(path: &Path) -> Result<Opened> {
    let file = replay_file(path)?;
    let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
    let replay = Replay::open(bytes.clone()).with_context(|| format!("{} is not a readable replay", file.display()))?;
    let mut opened = from_replay(file.clone(), &bytes, replay)?;
    let hash = opened.hash.clone();
    match Sidecar::read_or_new(&sidecar_path(&file), &hash) {
        Ok(c) => opened.comments = c,
        Err(e) => opened.comments_problem = Some(e.to_string()),
    }
    match Bookmarks::read_or_new(&bookmarks_path(&file), &hash) {
        Ok(b) => opened.bookmarks = b,
        Err(e) => opened.bookmarks_problem = Some(e.to_string()),
    }
    Ok(opened)
}

/// Everything the view derives from a replay read from `file` (its bytes given to hash it),
/// with no comments or bookmarks yet.
pub fn from_replay(file: PathBuf, bytes: &[u8], replay: Replay) -> Result<Opened> {
    let hash = Hex(replay_hash(bytes)).to_string();
    if replay.segments().is_empty() {
        bail!("{} holds no samples to show: {}", file.display(), replay.damage().unwrap_or("the run recorded nothing"));
    }
    let header = replay.header();
    let scene = Scene::from_text(&header.scenario_text, &format!("the scenario inside {}", file.display()))
        .with_context(|| format!("{}: the scenario inside the replay does not load", file.display()))?;
    let agents = AgentView::new(header).with_context(|| format!("{}: unknown status", file.display()))?;
    let incidents = scene.incidents(header, replay.events());
    let counts = Counts::new(replay.events());
    let damage = replay.damage().map(str::to_owned);
    let option = study_of(&file).map_or_else(|| "base".to_owned(), |(_, option)| option);
    Ok(Opened {
        comments: Sidecar::new(&hash),
        bookmarks: Bookmarks::new(&hash),
        file,
        hash,
        option,
        cursor: Cursor::new(replay),
        scene,
        agents,
        incidents,
        counts,
        comments_problem: None,
        bookmarks_problem: None,
        damage,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_option_and_study_come_from_a_study_folder_and_base_elsewhere() {
        let dir = tempfile::tempdir().expect("temp dir");
        let run = dir.path().join("study/runs/zone-30/7");
        std::fs::create_dir_all(&run).expect("dirs");
        std::fs::write(dir.path().join("study/study.json"), "{}").expect("manifest");
        assert_eq!(study_of(&run.join("replay.pzr")), Some((dir.path().join("study"), "zone-30".to_owned())));
        assert_eq!(study_of(&dir.path().join("runs/demo-42/replay.pzr")), None);
        assert_eq!(study_of(Path::new("replay.pzr")), None);
    }
}

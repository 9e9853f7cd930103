//! One run as the page shows it: its replay bytes (which the page decodes itself), and what
//! only Rust knows about it: the town from the scenario inside the replay, the incidents with
//! their rules, the comments of its sidecar and the KPIs of its run folder.

use std::path::{Path, PathBuf};

use pilotzone_comments::{Sidecar, sidecar_path};
use pilotzone_replay::{Hex, Replay, replay_hash};
use pilotzone_scene::{IncidentMarker, Scene};
use serde::Serialize;

use crate::WebError;

/// A run loaded for the page.
#[derive(Debug)]
pub struct Run {
    /// The replay file.
    pub path: PathBuf,
    /// Its bytes, as the page embeds them.
    pub bytes: Vec<u8>,
    /// Its replay hash, 16 hex digits.
    pub hash: String,
    /// Scenario name from the replay's header.
    pub scenario: String,
    /// The town, from the scenario text the replay carries.
    pub scene: Scene,
    /// Its safety incidents.
    pub incidents: Vec<IncidentMarker>,
    /// Its comments, from the sidecar beside the replay (none when there is no sidecar).
    pub comments: Sidecar,
    /// `kpis.json` beside the replay, when it names this replay's hash.
    pub kpis: Option<serde_json::Value>,
}

impl Run {
    /// Loads a run folder (its `replay.pzr`) or a replay file. A damaged replay is refused: the
    /// page would show the part before the damage as if it were the whole run.
    pub fn load(path: &Path) -> Result<Run, WebError> {
        let path = if path.is_dir() { path.join("replay.pzr") } else { path.to_owned() };
        let bytes = std::fs::read(&path).map_err(|source| WebError::Read { path: path.clone(), source })?;
        let hash = Hex(replay_hash(&bytes)).to_string();
        let replay = Replay::read(&bytes).map_err(|source| WebError::Replay { path: path.clone(), source })?;
        if let Some(damage) = replay.damage() {
            return Err(WebError::Damaged { path, damage: damage.to_owned() });
        }
        let header = replay.header();
        let scene = Scene::from_text(&header.scenario_text, &header.scenario_name)
            .map_err(|source| WebError::Scene { path: path.clone(), source })?;
        let incidents = scene.incidents(header, replay.events());
        let comments = Sidecar::read_or_new(&sidecar_path(&path), &hash)?;
        let kpis = kpis_beside(&path, &hash);
        Ok(Run { scenario: header.scenario_name.clone(), path, bytes, hash, scene, incidents, comments, kpis })
    }

    /// A short name for the run: its folder's name (a study's `runs/<option>/<seed>` as
    /// `option/seed`), or the replay file's name; never the whole path.
    pub fn label(&self) -> String {
        label(&self.path)
    }

    /// What the page's data holds of this run, under `title`.
    pub(crate) fn data<'a>(&'a self, title: String) -> RunData<'a> {
        let comments = self
            .comments
            .threads()
            .into_iter()
            .map(|(c, depth)| CommentData {
                id: c.id,
                reply_to: c.reply_to,
                depth,
                t_ms: c.t_ms,
                at_m: [c.place.x_m, c.place.y_m],
                author: &c.author,
                role: c.role.key(),
                // A hidden comment keeps its place in the thread and why it was hidden, not its words.
                text: if c.hidden.is_some() { None } else { Some(&c.text) },
                hidden: c.hidden.as_ref().map(|h| h.reason.as_str()),
                created: c.created.to_string(),
            })
            .collect();
        RunData {
            title,
            replay_hash: &self.hash,
            scene: &self.scene,
            incidents: &self.incidents,
            comments,
            kpis: self.kpis.as_ref(),
        }
    }
}

/// A run folder's name for its `replay.pzr` (a study's `runs/<option>/<seed>` as
/// `option/seed`), else the file's name; never the whole path, which says nothing to a resident
/// and much about a machine.
fn label(replay: &Path) -> String {
    let name = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned());
    let Some(folder) = replay.parent().filter(|_| replay.ends_with("replay.pzr")) else {
        return name(replay).unwrap_or_default();
    };
    let option = folder.parent().filter(|o| o.parent().is_some_and(|r| r.ends_with("runs")));
    match (option.and_then(name), name(folder)) {
        (Some(option), Some(seed)) => format!("{option}/{seed}"),
        (_, Some(folder)) => folder,
        // `./replay.pzr` or a bare `replay.pzr`: the folder has no name of its own.
        (_, None) => name(replay).unwrap_or_default(),
    }
}

/// The KPIs of the run folder the replay lies in, when its `kpis.json` is this replay's: a
/// table left from another run must not be shown as this one's.
fn kpis_beside(replay: &Path, hash: &str) -> Option<serde_json::Value> {
    let text = std::fs::read_to_string(replay.with_file_name("kpis.json")).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    (value.get("replay_hash")?.as_str()? == hash).then_some(value)
}

/// One run in the page's data.
#[derive(Serialize)]
pub(crate) struct RunData<'a> {
    title: String,
    replay_hash: &'a str,
    scene: &'a Scene,
    incidents: &'a [IncidentMarker],
    comments: Vec<CommentData<'a>>,
    kpis: Option<&'a serde_json::Value>,
}

/// A comment in the page's data, in reading order with its depth in its thread.
#[derive(Serialize)]
struct CommentData<'a> {
    id: u64,
    reply_to: Option<u64>,
    depth: usize,
    t_ms: u64,
    at_m: [f64; 2],
    author: &'a str,
    role: &'a str,
    text: Option<&'a String>,
    hidden: Option<&'a str>,
    created: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_are_named_without_the_machine_s_paths() {
        assert_eq!(label(Path::new("/home/a/runs/demo-42/replay.pzr")), "demo-42");
        assert_eq!(label(Path::new("/home/a/studies/school/runs/school-10/42/replay.pzr")), "school-10/42");
        assert_eq!(label(Path::new("/tmp/evening.pzr")), "evening.pzr");
        assert_eq!(label(Path::new("replay.pzr")), "replay.pzr");
        assert_eq!(label(Path::new("./replay.pzr")), "replay.pzr");
    }
}

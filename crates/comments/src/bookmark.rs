//! Bookmarks: named moments of a replay (and where the camera stood), kept beside it in
//! `replay.bookmarks.json` so a meeting can be prepared ahead and toured in order. Bounded and
//! checked like comments; written atomically.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::model::is_replay_hash;
use crate::sidecar::write_json_atomic;
use crate::{CommentError, SidecarProblem, check_line};

/// Name of the bookmarks format, written into every file.
pub const BOOKMARKS_FORMAT: &str = "pilotzone-bookmarks";
/// Bookmarks format version this build writes and the newest it reads.
pub const BOOKMARKS_VERSION: u32 = 1;
/// Most characters in a bookmark's name.
pub const MAX_BOOKMARK_NAME_CHARS: usize = 120;
/// Most bookmarks one file holds.
pub const MAX_BOOKMARKS: usize = 1_000;
/// Largest bookmarks file read, in bytes.
const MAX_BOOKMARK_FILE_BYTES: u64 = 1 << 20;

/// Where a camera looked from: the point on the ground it looked at and its angles.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CameraPose {
    /// Point looked at, plan metres east and north.
    pub focus_m: [f64; 2],
    /// Turn round the focus, radians (0: looking north).
    pub yaw: f64,
    /// Angle above the ground, radians.
    pub pitch: f64,
    /// Distance from the focus, m.
    pub distance_m: f64,
}

/// A named moment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bookmark {
    /// What the moment shows, in the presenter's words.
    pub name: String,
    /// When, ms since the start of the replay.
    pub t_ms: u64,
    /// Where the camera stood, if it matters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub camera: Option<CameraPose>,
}

/// A replay's bookmarks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bookmarks {
    /// Always [`BOOKMARKS_FORMAT`].
    pub format: String,
    /// Format version.
    pub version: u32,
    /// Hash of the replay they mark.
    pub replay_hash: String,
    /// The bookmarks, in the order of the replay's time.
    pub bookmarks: Vec<Bookmark>,
}

/// The bookmarks beside a replay: `runs/x/replay.pzr` → `runs/x/replay.bookmarks.json`.
pub fn bookmarks_path(replay: &Path) -> PathBuf {
    replay.with_extension("bookmarks.json")
}

impl Bookmarks {
    /// No bookmarks yet on the replay with `replay_hash`.
    pub fn new(replay_hash: &str) -> Self {
        Bookmarks {
            format: BOOKMARKS_FORMAT.into(),
            version: BOOKMARKS_VERSION,
            replay_hash: replay_hash.into(),
            bookmarks: Vec::new(),
        }
    }

    /// Reads the bookmarks at `path`, or none when there is no file. A file for another replay
    /// is an error: its moments belong to another run.
    pub fn read_or_new(path: &Path, replay_hash: &str) -> Result<Self, CommentError> {
        if !path.exists() {
            return Ok(Bookmarks::new(replay_hash));
        }
        let io = |source| CommentError::Io { path: path.into(), source };
        let bytes = std::fs::metadata(path).map_err(io)?.len();
        if bytes > MAX_BOOKMARK_FILE_BYTES {
            return Err(CommentError::TooLarge { path: path.into(), bytes, max: MAX_BOOKMARK_FILE_BYTES });
        }
        let text = std::fs::read(path).map_err(io)?;
        let marks: Bookmarks = serde_json::from_slice(&text).map_err(|e| CommentError::Syntax {
            path: path.into(),
            line: e.line(),
            column: e.column(),
            message: e.to_string().split(" at line ").next().unwrap_or_default().to_owned(),
        })?;
        let mut problems = marks.problems();
        if marks.replay_hash != replay_hash && problems.is_empty() {
            problems.push(SidecarProblem {
                field: "replay_hash".into(),
                message: format!("the bookmarks are on replay {}, not on {replay_hash}", marks.replay_hash),
            });
        }
        if problems.is_empty() { Ok(marks) } else { Err(CommentError::Invalid { path: path.into(), problems }) }
    }

    /// Everything wrong with the file, with field paths.
    pub fn problems(&self) -> Vec<SidecarProblem> {
        let mut out = Vec::new();
        let mut problem = |field: String, message: String| out.push(SidecarProblem { field, message });
        if self.format != BOOKMARKS_FORMAT {
            problem("format".into(), format!("must be \"{BOOKMARKS_FORMAT}\""));
        }
        if self.version > BOOKMARKS_VERSION {
            problem("version".into(), format!("{} is newer than this build reads; upgrade pilotzone", self.version));
        }
        if !is_replay_hash(&self.replay_hash) {
            problem("replay_hash".into(), "must be 16 lowercase hex digits".into());
        }
        if self.bookmarks.len() > MAX_BOOKMARKS {
            problem(
                "bookmarks".into(),
                format!("{} bookmarks, more than the {MAX_BOOKMARKS} allowed", self.bookmarks.len()),
            );
            return out;
        }
        for (i, b) in self.bookmarks.iter().enumerate() {
            if let Err(e) = check_line(&b.name, MAX_BOOKMARK_NAME_CHARS) {
                problem(format!("bookmarks[{i}].name"), e.to_string());
            }
            if let Some(c) = b.camera {
                let finite = c.focus_m.iter().chain([&c.yaw, &c.pitch, &c.distance_m]).all(|v| v.is_finite());
                if !finite || c.distance_m <= 0.0 {
                    problem(
                        format!("bookmarks[{i}].camera"),
                        "must hold finite numbers and a positive distance".into(),
                    );
                }
            }
        }
        out
    }

    /// Adds a bookmark in time order, if its name passes the checks.
    pub fn add(&mut self, mark: Bookmark) -> Result<(), CommentError> {
        let mut next = self.clone();
        let at = next.bookmarks.partition_point(|b| b.t_ms <= mark.t_ms);
        next.bookmarks.insert(at, Bookmark { name: mark.name.trim().to_owned(), ..mark });
        let problems = next.problems();
        if !problems.is_empty() {
            return Err(CommentError::Invalid { path: "the new bookmark".into(), problems });
        }
        *self = next;
        Ok(())
    }

    /// Writes the file atomically.
    pub fn write(&self, path: &Path) -> Result<(), CommentError> {
        write_json_atomic(path, &serde_json::to_vec_pretty(self).expect("bookmarks always serialize"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "0123456789abcdef";

    #[test]
    fn bookmarks_keep_time_order_survive_a_reload_and_refuse_bad_names() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = bookmarks_path(&dir.path().join("replay.pzr"));
        assert_eq!(path.file_name().and_then(|n| n.to_str()), Some("replay.bookmarks.json"));
        let mut marks = Bookmarks::read_or_new(&path, HASH).expect("no file yet");
        let pose = CameraPose { focus_m: [10.0, -20.0], yaw: 0.5, pitch: 0.9, distance_m: 300.0 };
        marks.add(Bookmark { name: " school run ".into(), t_ms: 600_000, camera: Some(pose) }).expect("added");
        marks.add(Bookmark { name: "market opens".into(), t_ms: 60_000, camera: None }).expect("added");
        marks.write(&path).expect("written");
        let back = Bookmarks::read_or_new(&path, HASH).expect("read back");
        assert_eq!(back, marks);
        assert_eq!(back.bookmarks.iter().map(|b| b.name.as_str()).collect::<Vec<_>>(), ["market opens", "school run"]);
        assert_eq!(back.bookmarks[1].camera, Some(pose));
        let err = marks.clone().add(Bookmark { name: "a\u{1b}[31mred".into(), t_ms: 0, camera: None }).unwrap_err();
        assert!(err.to_string().contains("bookmarks[0].name"), "{err}");
        assert_eq!(marks.bookmarks.len(), 2, "a refused bookmark changes nothing");
        let other = Bookmarks::read_or_new(&path, "fedcba9876543210").unwrap_err();
        assert!(other.to_string().contains("not on fedcba9876543210"), "{other}");
        std::fs::write(&path, b"{\"format\": \"pilotzone-bookmarks\", \"version\": 1,").expect("truncated");
        let err = Bookmarks::read_or_new(&path, HASH).unwrap_err();
        assert!(matches!(err, CommentError::Syntax { line: 1, .. }), "{err}");
    }
}

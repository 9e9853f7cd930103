//! The sidecar file: a replay's comments in `replay.comments.json` beside it. Read with bounds
//! and checked as a whole (every problem at once, with its field path); written atomically, so
//! a crash mid-write leaves the previous file, never half of one.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::model::is_replay_hash;
use crate::{Comment, CommentId, FORMAT, FORMAT_VERSION, MAX_COMMENTS, MAX_FILE_BYTES, Place, Role, Timestamp};

/// A replay's comments.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sidecar {
    /// Always [`FORMAT`].
    pub format: String,
    /// Format version, [`FORMAT_VERSION`] when written by this build.
    pub version: u32,
    /// Hash of the replay the comments belong to.
    pub replay_hash: String,
    /// The comments, oldest first.
    pub comments: Vec<Comment>,
}

/// One thing wrong in a sidecar, at a field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SidecarProblem {
    /// Path of the field, such as `comments[3].text`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// Why comments could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum CommentError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The file is larger than any sidecar may be.
    #[error("{path}: {bytes} bytes, more than the {max} a comments file may hold")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        bytes: u64,
        /// The limit.
        max: u64,
    },
    /// Not JSON, or not shaped like a sidecar.
    #[error("{path}:{line}:{column}: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// Line of the problem, from 1.
        line: usize,
        /// Column of the problem, from 1.
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// JSON of some other kind.
    #[error("{path}: not a pilotzone comments file (format is \"{found}\", expected \"{FORMAT}\")")]
    NotComments {
        /// The file.
        path: PathBuf,
        /// The format it names.
        found: String,
    },
    /// Written by a newer pilotzone.
    #[error(
        "{path}: comments format version {found} is newer than this build reads ({FORMAT_VERSION}); upgrade pilotzone"
    )]
    NewerVersion {
        /// The file.
        path: PathBuf,
        /// Its version.
        found: u32,
    },
    /// Well-formed, but some fields are wrong; every problem is listed.
    #[error("{path}: {} problem(s):\n{}", problems.len(), problems.iter().map(|p| format!("  {}: {}", p.field, p.message)).collect::<Vec<_>>().join("\n"))]
    Invalid {
        /// The file (or `the new comment` for one being added).
        path: PathBuf,
        /// Everything wrong, in file order.
        problems: Vec<SidecarProblem>,
    },
}

/// The sidecar beside a replay: `runs/x/replay.pzr` → `runs/x/replay.comments.json`.
pub fn sidecar_path(replay: &Path) -> PathBuf {
    replay.with_extension("comments.json")
}

impl Sidecar {
    /// No comments yet on the replay with `replay_hash`.
    pub fn new(replay_hash: &str) -> Self {
        Sidecar {
            format: FORMAT.into(),
            version: FORMAT_VERSION,
            replay_hash: replay_hash.into(),
            comments: Vec::new(),
        }
    }

    /// Reads a sidecar, or starts an empty one for `replay_hash` when there is no file yet. A
    /// file for another replay is an error: its pins would point at the wrong moments.
    pub fn read_or_new(path: &Path, replay_hash: &str) -> Result<Self, CommentError> {
        if !path.exists() {
            return Ok(Sidecar::new(replay_hash));
        }
        let sidecar = Self::read(path)?;
        if sidecar.replay_hash != replay_hash {
            let problem = SidecarProblem {
                field: "replay_hash".into(),
                message: format!(
                    "the comments are on replay {}, not on {replay_hash}; move the file away or open its replay",
                    sidecar.replay_hash
                ),
            };
            return Err(CommentError::Invalid { path: path.into(), problems: vec![problem] });
        }
        Ok(sidecar)
    }

    /// Reads and checks a sidecar file.
    pub fn read(path: &Path) -> Result<Self, CommentError> {
        let io = |source| CommentError::Io { path: path.into(), source };
        let file = std::fs::File::open(path).map_err(io)?;
        let bytes = file.metadata().map_err(io)?.len();
        if bytes > MAX_FILE_BYTES {
            return Err(CommentError::TooLarge { path: path.into(), bytes, max: MAX_FILE_BYTES });
        }
        let mut text = Vec::with_capacity(bytes as usize);
        // The size can grow between the check and the read; never take more than the limit.
        std::io::Read::read_to_end(&mut std::io::Read::take(file, MAX_FILE_BYTES + 1), &mut text).map_err(io)?;
        if text.len() as u64 > MAX_FILE_BYTES {
            return Err(CommentError::TooLarge { path: path.into(), bytes: text.len() as u64, max: MAX_FILE_BYTES });
        }
        Self::parse(&text, path)
    }

    /// Parses and checks a sidecar's bytes; `path` names it in errors.
    pub fn parse(bytes: &[u8], path: &Path) -> Result<Self, CommentError> {
        // The format is looked at first, so a foreign file is named as such, not as a typo.
        #[derive(Deserialize)]
        struct Probe {
            format: Option<String>,
            version: Option<u32>,
        }
        let syntax = |e: serde_json::Error| CommentError::Syntax {
            path: path.into(),
            line: e.line(),
            column: e.column(),
            message: e.to_string().split(" at line ").next().unwrap_or_default().to_owned(),
        };
        let probe: Probe = serde_json::from_slice(bytes).map_err(syntax)?;
        match probe.format.as_deref() {
            Some(FORMAT) => {}
            other => {
                return Err(CommentError::NotComments {
                    path: path.into(),
                    found: other.unwrap_or("").chars().take(40).collect(),
                });
            }
        }
        if let Some(found) = probe.version.filter(|&v| v > FORMAT_VERSION) {
            return Err(CommentError::NewerVersion { path: path.into(), found });
        }
        let sidecar: Sidecar = serde_json::from_slice(bytes).map_err(syntax)?;
        let problems = sidecar.problems();
        if problems.is_empty() { Ok(sidecar) } else { Err(CommentError::Invalid { path: path.into(), problems }) }
    }

    /// Everything wrong with the sidecar as a whole: each comment's fields, duplicate ids,
    /// replies to comments that are not there (or not earlier), and comments on another replay.
    pub fn problems(&self) -> Vec<SidecarProblem> {
        let mut out = Vec::new();
        if !is_replay_hash(&self.replay_hash) {
            out.push(SidecarProblem { field: "replay_hash".into(), message: "must be 16 lowercase hex digits".into() });
        }
        if self.comments.len() > MAX_COMMENTS {
            out.push(SidecarProblem {
                field: "comments".into(),
                message: format!("{} comments, more than the {MAX_COMMENTS} one file may hold", self.comments.len()),
            });
            return out;
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, c) in self.comments.iter().enumerate() {
            let path = format!("comments[{i}]");
            out.extend(c.problems(&path));
            if c.replay_hash != self.replay_hash {
                out.push(SidecarProblem {
                    field: format!("{path}.replay_hash"),
                    message: format!("{} is not the file's replay {}", c.replay_hash, self.replay_hash),
                });
            }
            if let Some(to) = c.reply_to.filter(|to| !seen.contains(to)) {
                out.push(SidecarProblem {
                    field: format!("{path}.reply_to"),
                    message: format!("answers comment {to}, which is not an earlier comment in this file"),
                });
            }
            if !seen.insert(c.id) {
                out.push(SidecarProblem { field: format!("{path}.id"), message: format!("id {} is used twice", c.id) });
            }
        }
        out
    }

    /// Adds a comment written `now`, numbered after the last one, if it passes every check.
    pub fn add(&mut self, new: NewComment, now: Timestamp) -> Result<&Comment, CommentError> {
        let comment = Comment {
            id: self.comments.iter().map(|c| c.id).max().map_or(1, |m| m + 1),
            reply_to: new.reply_to,
            replay_hash: self.replay_hash.clone(),
            option: new.option,
            seed: new.seed,
            t_ms: new.t_ms,
            place: new.place,
            author: new.author.trim().to_owned(),
            role: new.role,
            text: new.text.trim().to_owned(),
            created: now,
            hidden: None,
        };
        let mut problems = comment.problems("comment");
        if let Some(to) = comment.reply_to.filter(|to| !self.comments.iter().any(|c| c.id == *to)) {
            problems.push(SidecarProblem {
                field: "comment.reply_to".into(),
                message: format!("there is no comment {to}"),
            });
        }
        if self.comments.len() >= MAX_COMMENTS {
            problems.push(SidecarProblem {
                field: "comments".into(),
                message: format!("the file holds {MAX_COMMENTS} comments already"),
            });
        }
        if !problems.is_empty() {
            return Err(CommentError::Invalid { path: "the new comment".into(), problems });
        }
        self.comments.push(comment);
        Ok(self.comments.last().expect("just pushed"))
    }

    /// Writes the sidecar atomically: a temporary file beside it, flushed to disk, renamed over.
    pub fn write(&self, path: &Path) -> Result<(), CommentError> {
        write_json_atomic(path, &serde_json::to_vec_pretty(self).expect("a sidecar always serializes"))
    }

    /// Moves a sidecar that cannot be read out of the way, to `NAME.damaged-N.json` beside it
    /// (the first free N), so new comments can be saved and nobody's words are lost. Returns
    /// where it went.
    pub fn set_aside(path: &Path) -> Result<PathBuf, CommentError> {
        let stem = path.file_name().and_then(|n| n.to_str()).unwrap_or("comments.json");
        let stem = stem.strip_suffix(".json").unwrap_or(stem);
        let free = (1..10_000).map(|n| path.with_file_name(format!("{stem}.damaged-{n}.json"))).find(|p| !p.exists());
        let io = |source| CommentError::Io { path: path.into(), source };
        let to = free.ok_or_else(|| io(std::io::Error::other("10,000 damaged copies already lie beside it")))?;
        std::fs::rename(path, &to).map_err(io)?;
        Ok(to)
    }

    /// The comments in reading order: each thread's first comment by its moment in the replay,
    /// its answers below it in the order they were written; with each comment, its depth.
    pub fn threads(&self) -> Vec<(&Comment, usize)> {
        let mut roots: Vec<&Comment> = self.comments.iter().filter(|c| c.reply_to.is_none()).collect();
        roots.sort_by_key(|c| (c.t_ms, c.id));
        let mut out = Vec::with_capacity(self.comments.len());
        let mut stack: Vec<(&Comment, usize)> = roots.into_iter().rev().map(|c| (c, 0)).collect();
        while let Some((c, depth)) = stack.pop() {
            out.push((c, depth));
            let answers = self.comments.iter().rev().filter(|a| a.reply_to == Some(c.id));
            // Depth is bounded by the comment count, since replies only point at earlier ids.
            stack.extend(answers.map(|a| (a, depth + 1)));
        }
        out
    }

    /// The comments as a CSV table for the official record, one row each, hidden ones marked.
    pub fn to_csv(&self) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let header = [
            "id",
            "reply_to",
            "replay_hash",
            "option",
            "seed",
            "t_ms",
            "x_m",
            "y_m",
            "author",
            "role",
            "text",
            "created",
            "hidden_by",
            "hidden_reason",
        ];
        w.write_record(header).expect("writing to memory");
        for c in &self.comments {
            let opt = |v: Option<String>| v.unwrap_or_default();
            w.write_record([
                c.id.to_string(),
                opt(c.reply_to.map(|r| r.to_string())),
                c.replay_hash.clone(),
                c.option.clone(),
                opt(c.seed.map(|s| s.to_string())),
                c.t_ms.to_string(),
                format!("{:.1}", c.place.x_m),
                format!("{:.1}", c.place.y_m),
                c.author.clone(),
                c.role.key().to_owned(),
                c.text.clone(),
                c.created.to_string(),
                opt(c.hidden.as_ref().map(|h| h.by.clone())),
                opt(c.hidden.as_ref().map(|h| h.reason.clone())),
            ])
            .expect("writing to memory");
        }
        w.into_inner().expect("writing to memory")
    }
}

/// What a person writes; the sidecar numbers and dates it.
#[derive(Clone, Debug, PartialEq)]
pub struct NewComment {
    /// The comment it answers, if any.
    pub reply_to: Option<CommentId>,
    /// Rule option it speaks of.
    pub option: String,
    /// Seed of the run, when known.
    pub seed: Option<u64>,
    /// Moment of the replay, ms.
    pub t_ms: u64,
    /// Where.
    pub place: Place,
    /// Name or pseudonym.
    pub author: String,
    /// Role.
    pub role: Role,
    /// The words.
    pub text: String,
}

/// Writes `json` and a final newline to `path` atomically: a temporary file beside it, flushed
/// to disk, renamed over, and the rename itself flushed before the write counts as done.
pub(crate) fn write_json_atomic(path: &Path, json: &[u8]) -> Result<(), CommentError> {
    let io = |source| CommentError::Io { path: path.into(), source };
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    tmp.write_all(json).and_then(|()| tmp.write_all(b"\n")).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    if let Ok(d) = std::fs::File::open(dir) {
        d.sync_all().map_err(io)?;
    }
    Ok(())
}

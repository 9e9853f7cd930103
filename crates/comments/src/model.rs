//! A comment and what it is pinned to: the replay (by its hash), the rule option, the moment
//! and the place; who wrote it, in what role; and, if an official hid it, why.

use pilotzone_replay::{Lang, Names};
use serde::{Deserialize, Serialize};

use crate::text::{MAX_AUTHOR_CHARS, MAX_REASON_CHARS, MAX_TEXT_CHARS, check_line, check_text};
use crate::{SidecarProblem, Timestamp};

/// A comment's number, unique within its sidecar (or study, in the service).
pub type CommentId = u64;

/// Farthest a place may lie from the scenario's origin, m: further is not the town.
const MAX_PLACE_M: f64 = 1.0e6;

/// Where a comment is pinned, in the scenario's metres (east, north).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Place {
    /// Easting, m.
    pub x_m: f64,
    /// Northing, m.
    pub y_m: f64,
}

/// In what capacity someone speaks. Always shown with their words, even under a pseudonym.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Someone who lives in the zone.
    Resident,
    /// A shop, an operator or another business in the zone.
    Business,
    /// A municipal, police or ministry official.
    Official,
    /// A researcher or consultant.
    Researcher,
}

impl Role {
    /// Every role, in the order forms list them.
    pub const ALL: [Role; 4] = [Role::Resident, Role::Business, Role::Official, Role::Researcher];

    /// Stable key, as files and forms carry it.
    pub fn key(self) -> &'static str {
        match self {
            Role::Resident => "resident",
            Role::Business => "business",
            Role::Official => "official",
            Role::Researcher => "researcher",
        }
    }

    /// The role with that key.
    pub fn from_key(key: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.key() == key)
    }

    /// Its names for people.
    pub fn names(self) -> Names {
        match self {
            Role::Resident => Names { ja: "住民", en: "resident" },
            Role::Business => Names { ja: "事業者", en: "business" },
            Role::Official => Names { ja: "行政", en: "official" },
            Role::Researcher => Names { ja: "研究者", en: "researcher" },
        }
    }

    /// Its name in `lang`.
    pub fn name(self, lang: Lang) -> &'static str {
        self.names().get(lang)
    }
}

/// Why and by whom a comment was hidden. Comments are never deleted; the reason stays.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hidden {
    /// Who hid it.
    pub by: String,
    /// Why, in words the author can read.
    pub reason: String,
    /// When.
    pub at: Timestamp,
}

/// One comment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Comment {
    /// Its number.
    pub id: CommentId,
    /// The comment it answers, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<CommentId>,
    /// Hash of the replay it speaks of (16 hex digits, as `pilotzone` prints it).
    pub replay_hash: String,
    /// Rule option it speaks of (`base` for the scenario as written).
    pub option: String,
    /// Seed of the run, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// The moment of the replay, simulated milliseconds since its start.
    pub t_ms: u64,
    /// The place it is pinned to.
    pub place: Place,
    /// Name or pseudonym of the author.
    pub author: String,
    /// The author's role.
    pub role: Role,
    /// What they said, as plain text.
    pub text: String,
    /// When it was written.
    pub created: Timestamp,
    /// Set when an official hid it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hidden: Option<Hidden>,
}

/// Whether `s` is a replay hash as pilotzone prints it.
pub(crate) fn is_replay_hash(s: &str) -> bool {
    s.len() == 16 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl Comment {
    /// Every problem with this comment's own fields, each named under `path`.
    pub fn problems(&self, path: &str) -> Vec<SidecarProblem> {
        let mut out = Vec::new();
        let mut say = |field: &str, message: String| {
            out.push(SidecarProblem { field: format!("{path}.{field}"), message });
        };
        if let Err(e) = check_text(&self.text, MAX_TEXT_CHARS) {
            say("text", e.to_string());
        }
        if let Err(e) = check_line(&self.author, MAX_AUTHOR_CHARS) {
            say("author", e.to_string());
        }
        if let Err(e) = check_line(&self.option, MAX_AUTHOR_CHARS) {
            say("option", e.to_string());
        }
        if !is_replay_hash(&self.replay_hash) {
            say("replay_hash", "must be 16 lowercase hex digits, as `pilotzone replay info` prints it".into());
        }
        let Place { x_m, y_m } = self.place;
        if !(x_m.is_finite() && y_m.is_finite() && x_m.abs() <= MAX_PLACE_M && y_m.abs() <= MAX_PLACE_M) {
            say("place", format!("({x_m}, {y_m}) is not a place in the town (finite metres within {MAX_PLACE_M} m)"));
        }
        if self.reply_to == Some(self.id) {
            say("reply_to", "a comment cannot answer itself".into());
        }
        if let Some(h) = &self.hidden {
            if let Err(e) = check_line(&h.by, MAX_AUTHOR_CHARS) {
                say("hidden.by", e.to_string());
            }
            if let Err(e) = check_text(&h.reason, MAX_REASON_CHARS) {
                say("hidden.reason", e.to_string());
            }
        }
        out
    }
}

//! The web player and `pilotzone export html`: one self-contained page that plays a run, or two
//! side by side, in any current browser, offline.
//!
//! The page is plain HTML, CSS and JavaScript kept in `assets/` and built into the binary. It
//! reads the replay itself: the `.pzr` bytes go into the page as base64 and its script decodes
//! and checks them (inflating segments with the browser's `DecompressionStream`), so a
//! two-hour run costs its replay's size, not a JSON of every sample. What only Rust knows comes
//! as data: the scene crate's town, incident markers with their rules, the comments of the
//! sidecar, the run's KPIs, paired study intervals, and every word people read in Japanese and
//! English ([`labels`] and the replay vocabulary), so the script holds no text of its own.
//!
//! Everything from a scenario, replay or comment is untrusted. It enters the page only inside
//! JSON with `<`, `>` and `&` escaped and the DOM only as text; a Content-Security-Policy admits
//! the page's own script and style by their hashes and loads nothing from anywhere.

mod compare;
pub mod labels;
mod page;
mod run;

use std::path::PathBuf;

pub use compare::{StudyComparison, StudyRow};
pub use page::{Live, csp_source, live_page, page};
pub use run::Run;

/// Why a page cannot be made. Every variant is input the user must fix.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// Not a readable replay.
    #[error("{path} is not a readable replay: {source}")]
    Replay {
        /// The file.
        path: PathBuf,
        /// What the reader said.
        source: pilotzone_replay::ReadError,
    },
    /// A replay damaged or cut short: the page would show part of a run as if it were whole.
    #[error("{path} is damaged ({damage}); export html takes whole replays (pilotzone replay info shows the damage)")]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What the reader said.
        damage: String,
    },
    /// The scenario inside the replay does not load.
    #[error("{path}: the scenario inside the replay does not load: {source}")]
    Scene {
        /// The replay.
        path: PathBuf,
        /// What the scene crate said.
        source: pilotzone_scene::SceneError,
    },
    /// The comments beside a replay are damaged or belong to another replay.
    #[error(transparent)]
    Comments(#[from] pilotzone_comments::CommentError),
    /// The study folder cannot be read or compared.
    #[error(transparent)]
    Study(#[from] pilotzone_study::StudyError),
    /// A replay that is none of the study's runs.
    #[error("{path} is none of the runs of study {study} (no run there has its replay hash {hash})")]
    NotInStudy {
        /// The replay.
        path: PathBuf,
        /// The study folder.
        study: PathBuf,
        /// The replay's hash.
        hash: String,
    },
    /// Two replays of the same option and seed have nothing to compare.
    #[error("both replays are runs of option {option}: compare two options of the study")]
    SameOption {
        /// The option.
        option: String,
    },
    /// Two replays of different scenarios cannot be played side by side.
    #[error("the replays are of different scenarios ({first} and {second}): compare two runs of one scenario")]
    DifferentScenarios {
        /// The first replay's scenario.
        first: String,
        /// The second replay's scenario.
        second: String,
    },
}

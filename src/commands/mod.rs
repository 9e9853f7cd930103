//! The commands' bodies, one module per command or family of commands. Each returns the exit
//! code, or an error that `main` reports with its context and maps to an exit code.

pub(crate) mod check;
pub(crate) mod export;
pub(crate) mod generate;
pub(crate) mod import;
pub(crate) mod incidents;
pub(crate) mod replay;
pub(crate) mod run;
pub(crate) mod serve;
pub(crate) mod study;
pub(crate) mod view;

use std::path::Path;

use anyhow::{Context, Result};
use pilotzone::output;

/// Exit code for input the user must fix (a broken scenario, a damaged replay).
pub(crate) const EXIT_INPUT: u8 = 2;

/// Exit code for a study whose runs break a KPI gate.
pub(crate) const EXIT_GATE: u8 = 3;

/// Input the user must fix that is not a scenario or replay (a flag out of range, a map
/// extract that cannot be read): exit code 2.
#[derive(Debug)]
pub(crate) struct InputError(pub(crate) String);

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InputError {}

/// Reads and opens a replay file.
pub(crate) fn open_replay(file: &Path) -> Result<pilotzone_replay::Replay> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    pilotzone_replay::Replay::open(bytes)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("{} is not a readable replay", file.display()))
}

/// Writes `text` to `path`, creating its folder.
pub(crate) fn write_file(path: &Path, text: &str) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    output::write_atomic(path, text.as_bytes())
}

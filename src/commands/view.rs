//! `pilotzone view`: starts the desktop viewer, a program of its own so that the headless
//! command line never links a renderer.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};

use super::InputError;

/// The viewer's program: beside this one (both built into the same target folder).
fn viewer_program() -> Option<PathBuf> {
    let me = std::env::current_exe().ok()?;
    let name = format!("pilotzone-viewer{}", std::env::consts::EXE_SUFFIX);
    let beside = me.parent()?.join(name);
    beside.is_file().then_some(beside)
}

/// Runs the viewer on `path` with `args`, returning its exit code.
pub(crate) fn view(path: &Path, args: &[String]) -> Result<ExitCode> {
    let program = viewer_program().ok_or_else(|| {
        InputError(
            "the desktop viewer is not built next to this program: build it with \
             `cargo build --release -p pilotzone-viewer` (it needs a graphics stack; the \
             headless commands do not), then run this again"
                .into(),
        )
    })?;
    let status = std::process::Command::new(&program)
        .arg(path)
        .args(args)
        .status()
        .with_context(|| format!("cannot start {}", program.display()))?;
    Ok(ExitCode::from(status.code().map_or(1, |c| u8::try_from(c).unwrap_or(1))))
}

//! Stills: a PNG of the window, on request (F12) or once at start for `--screenshot`, after
//! which the viewer exits. Written to a temporary file and renamed, never half a picture.

use std::path::{Path, PathBuf};
use std::time::Instant;

use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};

/// A still to take once the view has settled, and to exit after.
#[derive(Resource, Debug)]
pub struct StillThenExit {
    /// Where the PNG goes.
    pub path: PathBuf,
    /// Frames drawn so far; the still waits for a few, so panels have laid themselves out.
    frames: u32,
    asked: bool,
    started: Instant,
}

/// Frames drawn before the still is taken.
const SETTLE_FRAMES: u32 = 12;
/// Longest wait for a still before giving up, s (software rendering is slow, not this slow).
const STILL_TIMEOUT_S: u64 = 180;

impl StillThenExit {
    /// A still to take at `path`.
    pub fn new(path: PathBuf) -> Self {
        #[expect(clippy::disallowed_methods, reason = "a timeout on the window, not simulated time")]
        let started = Instant::now();
        Self { path, frames: 0, asked: false, started }
    }
}

/// A still the user asked for (F12); saved beside the replay.
#[derive(Resource, Debug, Default)]
pub struct StillRequests {
    /// Folder stills go into.
    pub dir: PathBuf,
    /// A status line for the panel: where the last still went, or why it failed.
    pub last: Option<String>,
}

/// Writes a captured image as PNG at `path` atomically.
fn save_png(image: &Image, path: &Path) -> Result<(), String> {
    let rgb = image.clone().try_into_dynamic().map_err(|e| format!("the window image: {e}"))?.to_rgb8();
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let tmp = dir.join(format!(".{}.part", path.file_name().and_then(|n| n.to_str()).unwrap_or("still.png")));
    rgb.save_with_format(&tmp, image::ImageFormat::Png).map_err(|e| format!("{}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Takes the start-up still once the view has settled; gives up with exit code 1 after a while.
pub fn take_still_then_exit(
    mut commands: Commands,
    still: Option<ResMut<StillThenExit>>,
    mut exit: MessageWriter<AppExit>,
) {
    let Some(mut still) = still else { return };
    still.frames += 1;
    if still.started.elapsed().as_secs() > STILL_TIMEOUT_S {
        error!("no still after {STILL_TIMEOUT_S} s: is there a graphics device (Xvfb with Mesa's Vulkan)?");
        exit.write(AppExit::from_code(1));
        return;
    }
    if still.asked || still.frames < SETTLE_FRAMES {
        return;
    }
    still.asked = true;
    let path = still.path.clone();
    commands.spawn(Screenshot::primary_window()).observe(
        move |captured: On<ScreenshotCaptured>, mut exit: MessageWriter<AppExit>| match save_png(&captured.image, &path)
        {
            Ok(()) => {
                info!("still saved to {}", path.display());
                exit.write(AppExit::Success);
            }
            Err(e) => {
                error!("the still could not be saved: {e}");
                exit.write(AppExit::from_code(1));
            }
        },
    );
}

/// F12: a still beside the replay, named by the time shown.
pub fn take_still_on_key(
    mut commands: Commands,
    keys: Res<ButtonInput<KeyCode>>,
    playback: Res<crate::playback::Playback>,
    mut requests: ResMut<StillRequests>,
) {
    if !keys.just_pressed(KeyCode::F12) {
        return;
    }
    let path = requests.dir.join(format!("still-{:08}ms.png", playback.t_ms()));
    requests.last = Some(format!("… {}", path.display()));
    commands.spawn(Screenshot::primary_window()).observe(
        move |captured: On<ScreenshotCaptured>, mut requests: ResMut<StillRequests>| {
            requests.last = Some(match save_png(&captured.image, &path) {
                Ok(()) => format!("✔ {}", path.display()),
                Err(e) => format!("✘ {e}"),
            });
        },
    );
}

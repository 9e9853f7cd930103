//! `pilotzone-viewer RUN_DIR_or_REPLAY`: the desktop viewer. `pilotzone view` starts it.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use pilotzone_replay::Lang;
use pilotzone_viewer::{Options, run};

/// Watch a pilotzone run in 3D: play and scrub it both ways, jump to incidents, follow KPIs.
#[derive(Parser, Debug)]
#[command(name = "pilotzone-viewer", version)]
struct Cli {
    /// A run folder (runs/NAME-SEED) or a replay file (.pzr).
    path: PathBuf,
    /// Language of the panels: ja or en.
    #[arg(long, default_value = "ja")]
    lang: String,
    /// Start at this time of day (HH:MM or HH:MM:SS).
    #[arg(long)]
    at: Option<String>,
    /// Start playing at this speed (simulated seconds per second).
    #[arg(long)]
    play: Option<f64>,
    /// Save one picture of the window to this PNG once it has settled, then exit.
    #[arg(long)]
    screenshot: Option<PathBuf>,
    /// Start in presentation mode (larger text for a projector).
    #[arg(long)]
    present: bool,
    /// Start looking straight down, as a map.
    #[arg(long)]
    top_down: bool,
    /// Window size, WIDTHxHEIGHT in pixels.
    #[arg(long, default_value = "1600x900")]
    size: String,
}

fn fail(message: String) -> ExitCode {
    let _ = std::io::Write::write_all(&mut std::io::stderr(), format!("error: {message}\n").as_bytes());
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let Some(lang) = Lang::from_tag(&cli.lang) else {
        return fail(format!("--lang {}: the viewer speaks ja or en", cli.lang));
    };
    let size = cli.size.split_once('x').and_then(|(w, h)| Some((w.parse::<u32>().ok()?, h.parse::<u32>().ok()?)));
    let Some(size) = size.filter(|&(w, h)| (320..=8192).contains(&w) && (240..=8192).contains(&h)) else {
        return fail(format!("--size {}: give WIDTHxHEIGHT in pixels, such as 1600x900", cli.size));
    };
    if let Some(speed) = cli.play.filter(|s| !(s.is_finite() && *s > 0.0 && *s <= 1200.0)) {
        return fail(format!("--play {speed}: give a speed from 1 to 1200"));
    }
    if let Some(p) = cli.screenshot.as_ref().filter(|p| p.extension().is_none_or(|e| e != "png")) {
        return fail(format!("--screenshot {}: the picture is a PNG; name it something.png", p.display()));
    }
    let at = match cli.at.as_deref().map(pilotzone_scenario::time::ClockTime::parse) {
        Some(Err(e)) => return fail(format!("--at: {e}")),
        Some(Ok(clock)) => Some(clock.seconds()),
        None => None,
    };
    let options = Options {
        path: cli.path,
        lang,
        at_time_of_day_s: at,
        play_speed: cli.play,
        screenshot: cli.screenshot,
        present: cli.present,
        top_down: cli.top_down,
        size,
    };
    match run(options) {
        Ok(code) => ExitCode::from(code),
        Err(e) => fail(format!("{e:#}")),
    }
}

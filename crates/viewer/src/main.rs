//! `pilotzone-viewer RUN_DIR_or_REPLAY_or_SCENARIO`: the desktop viewer. `pilotzone view`
//! starts it.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use pilotzone_replay::Lang;
use pilotzone_viewer::{CameraStart, Frames, Options, run};

/// Watch a pilotzone run in 3D: play and scrub it both ways, jump to incidents, follow KPIs,
/// compare two rule options, pin comments; or run a scenario live.
#[derive(Parser, Debug)]
#[command(name = "pilotzone-viewer", version)]
struct Cli {
    /// A run folder (runs/NAME-SEED), a replay file (.pzr), or a scenario (.ron) to run live.
    path: PathBuf,
    /// A second run of the same scenario under another rule option, shown beside the first.
    #[arg(long)]
    compare: Option<PathBuf>,
    /// The study both runs belong to (found on its own when both lie in one).
    #[arg(long)]
    study: Option<PathBuf>,
    /// Seed of a live run (the scenario's own when not given).
    #[arg(long)]
    seed: Option<u64>,
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
    /// Also write what is where on the still (agents, labels, frame times) to this JSON file.
    #[arg(long, requires = "screenshot")]
    report: Option<PathBuf>,
    /// Where the camera starts: overview, top, incident:N (from 1) or follow:ID.
    #[arg(long, default_value = "overview")]
    camera: String,
    /// Write numbered PNGs of a stretch of the run into this folder, then exit (ffmpeg makes
    /// a clip of them); with --from, --to, --fps, and --play for the speed (×10 by default).
    #[arg(long, requires_all = ["from", "to"])]
    frames: Option<PathBuf>,
    /// First moment of the clip (HH:MM or HH:MM:SS).
    #[arg(long)]
    from: Option<String>,
    /// Last moment of the clip.
    #[arg(long)]
    to: Option<String>,
    /// Pictures per second of clip.
    #[arg(long, default_value_t = 30.0)]
    fps: f64,
    /// Measure: this many frames each jumping to a random time, then as many stepping back;
    /// prints frame and replay times, then exits.
    #[arg(long)]
    measure: Option<u32>,
    /// How much to draw: auto (fast on a software renderer), fast (no multisampling, no
    /// shadows) or high.
    #[arg(long, default_value = "auto")]
    quality: String,
    /// Start in presentation mode (larger text for a projector).
    #[arg(long)]
    present: bool,
    /// Start looking straight down, as a map (the same as --camera top).
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
    let clock = |flag: &str, v: Option<&str>| match v.map(pilotzone_scenario::time::ClockTime::parse) {
        Some(Err(e)) => Err(format!("{flag}: {e}")),
        Some(Ok(c)) => Ok(Some(c.seconds())),
        None => Ok(None),
    };
    let (at, from, to) = match (
        clock("--at", cli.at.as_deref()),
        clock("--from", cli.from.as_deref()),
        clock("--to", cli.to.as_deref()),
    ) {
        (Ok(a), Ok(f), Ok(t)) => (a, f, t),
        (Err(e), ..) | (_, Err(e), _) | (.., Err(e)) => return fail(e),
    };
    let camera = match CameraStart::parse(&cli.camera) {
        Ok(CameraStart::Overview) if cli.top_down => CameraStart::Top,
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    if !(cli.fps.is_finite() && (1.0..=120.0).contains(&cli.fps)) {
        return fail(format!("--fps {}: give 1 to 120 pictures per second", cli.fps));
    }
    if cli.measure.is_some_and(|n| !(1..=100_000).contains(&n)) {
        return fail("--measure: give 1 to 100000 frames".into());
    }
    if cli.compare.is_some() && pilotzone_viewer::is_scenario(&cli.path) {
        return fail("--compare: a live run is compared once it has finished; open its run folder".into());
    }
    let Some(quality) = pilotzone_viewer::camera::Quality::parse(&cli.quality) else {
        return fail(format!("--quality {}: give auto, fast or high", cli.quality));
    };
    let frames = cli.frames.map(|dir| Frames { dir, from_s: from.unwrap_or(0), to_s: to.unwrap_or(0), fps: cli.fps });
    let options = Options {
        path: cli.path,
        compare: cli.compare,
        study: cli.study,
        seed: cli.seed,
        lang,
        at_time_of_day_s: at,
        play_speed: cli.play,
        screenshot: cli.screenshot,
        report: cli.report,
        frames,
        measure: cli.measure,
        camera,
        present: cli.present,
        quality,
        size,
    };
    match run(options) {
        Ok(code) => ExitCode::from(code),
        Err(e) => fail(format!("{e:#}")),
    }
}

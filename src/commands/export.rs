//! Exports: `pilotzone export html` (a page that plays a run), and for other tools
//! `export fcd` (a replay) and `export sumo` (a scenario).

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use pilotzone::output;

use super::{InputError, open_replay};
use crate::cli::HtmlArgs;

/// `pilotzone export html`: one self-contained page that plays a run, or two side by side,
/// written atomically. Anything wrong with the runs, the comments or the study is input to fix.
pub(crate) fn html(args: &HtmlArgs) -> Result<ExitCode> {
    #[expect(clippy::disallowed_methods, reason = "wall time of the export, for the report")]
    let started = std::time::Instant::now();
    let input = |e: pilotzone_web::WebError| InputError(e.to_string());
    let lang = pilotzone_replay::Lang::from_tag(&args.lang).expect("clap admits ja and en only");
    let mut runs = vec![pilotzone_web::Run::load(&args.run).map_err(input)?];
    if let Some(other) = &args.compare {
        runs.push(pilotzone_web::Run::load(other).map_err(input)?);
    }
    let study = match (&args.study, &runs[..]) {
        (Some(dir), [first, second]) => Some(pilotzone_web::StudyComparison::new(dir, first, second).map_err(input)?),
        _ => None,
    };
    let html = pilotzone_web::page(&runs, study.as_ref(), lang).map_err(input)?;
    output::write_atomic(&args.out, html.as_bytes())?;
    writeln!(
        std::io::stdout(),
        "wrote {} ({} bytes) in {:.2} s",
        args.out.display(),
        html.len(),
        started.elapsed().as_secs_f64()
    )?;
    Ok(ExitCode::SUCCESS)
}

/// `pilotzone export fcd`: a replay as SUMO floating car data, gzipped for `.gz`.
pub(crate) fn fcd(file: &Path, out: &Path) -> Result<ExitCode> {
    let replay = open_replay(file)?;
    let mut xml = Vec::new();
    pilotzone_replay::fcd::write_fcd(&replay, &mut xml)?;
    let bytes = if out.extension().is_some_and(|e| e == "gz") {
        let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&xml)?;
        z.finish()?
    } else {
        xml
    };
    output::write_atomic(out, &bytes)?;
    if let Some(damage) = replay.damage() {
        writeln!(std::io::stderr(), "warning: {}: {damage}", file.display())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `pilotzone export sumo`: a scenario's taxi study as SUMO input files.
pub(crate) fn sumo(path: &Path, seed: Option<u64>, out: &Path) -> Result<ExitCode> {
    let loaded = pilotzone_scenario::load(path)?;
    let seed = seed.unwrap_or(loaded.scenario.run.seed);
    let netconvert = pilotzone::sumo::find_netconvert(|k| std::env::var(k).ok());
    let done = pilotzone::sumo::export(&loaded, seed, out, netconvert.as_deref())?;
    let mut stdout = std::io::stdout().lock();
    writeln!(
        stdout,
        "wrote {} taxis and {} ride requests (seed {seed}) to {}",
        done.taxis,
        done.persons,
        out.display()
    )?;
    if done.net_built {
        writeln!(stdout, "built net.net.xml; run: sumo -c {}", out.join("run.sumocfg").display())?;
    } else {
        writeln!(stdout, "netconvert not found (set SUMO_HOME): run build-net.sh in {} first", out.display())?;
    }
    Ok(ExitCode::SUCCESS)
}

//! Exports for other tools: `pilotzone export fcd` (a replay) and `export sumo` (a scenario).

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use pilotzone::output;

use super::open_replay;

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

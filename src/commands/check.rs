//! `pilotzone check`: scenarios and map files validated, every problem reported at once.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use super::EXIT_INPUT;

/// `pilotzone check`: validates scenario and map files, reporting every problem; exit code 2
/// when any is broken.
pub(crate) fn check(files: &[PathBuf]) -> Result<ExitCode> {
    let mut failed = false;
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr().lock();
    for file in files {
        let is_map = std::fs::read_to_string(file).is_ok_and(|t| pilotzone_scenario::mapfile::is_map_text(&t));
        if is_map {
            match pilotzone_scenario::mapfile::load_map(file) {
                Ok((m, _)) => writeln!(
                    stdout,
                    "{}: ok — map: {} nodes, {} roads, {} places (each reachable by road from every other), \
                     {} zones, {} crossings, {} buildings",
                    file.display(),
                    m.nodes.len(),
                    m.edges.len(),
                    m.places.len(),
                    m.zones.len(),
                    m.crossings.len(),
                    m.buildings.len()
                )?,
                Err(e) => {
                    failed = true;
                    writeln!(stderr, "{e}")?;
                }
            }
            continue;
        }
        match pilotzone_scenario::load(file) {
            Ok(l) => {
                let s = &l.scenario;
                let taxis: u32 = s.fleets.taxis.iter().map(|f| f.count).sum();
                let drones: u32 = s.fleets.drones.iter().map(|f| f.count).sum();
                writeln!(
                    stdout,
                    "{}: ok — \"{}\": {} nodes, {} roads, {} places, {} taxis, {} drones, {} rules, {} s from {}",
                    file.display(),
                    s.name,
                    s.map.nodes.len(),
                    s.map.edges.len(),
                    s.map.places.len(),
                    taxis,
                    drones,
                    s.rules.len(),
                    s.run.duration_s,
                    s.run.start
                )?;
            }
            Err(e) => {
                failed = true;
                writeln!(stderr, "{e}")?;
            }
        }
    }
    Ok(if failed { ExitCode::from(EXIT_INPUT) } else { ExitCode::SUCCESS })
}

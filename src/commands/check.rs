//! `pilotzone check`: scenarios and map files validated, every problem reported at once.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use pilotzone_scenario::text::terminal_safe;

use super::EXIT_INPUT;

/// `pilotzone check`: validates scenario, map and rule-option files, reporting every problem;
/// exit code 2 when any is broken.
pub(crate) fn check(files: &[PathBuf]) -> Result<ExitCode> {
    let mut failed = false;
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr().lock();
    for file in files {
        // The start of the file tells a map from a scenario; the loaders read it whole, within bounds.
        let head = head(file).unwrap_or_default();
        if pilotzone_scenario::overlay::is_overlay_text(&head) {
            match pilotzone_scenario::overlay::load_overlay(file) {
                Ok(o) => writeln!(
                    stdout,
                    "{}: ok — rule option \"{}\": sets {} rules, removes {} (checked against a scenario when applied with --rules)",
                    file.display(),
                    terminal_safe(&o.name, false),
                    o.rules.len(),
                    o.remove.len(),
                )?,
                Err(e) => {
                    failed = true;
                    writeln!(stderr, "{}", terminal_safe(&e.to_string(), true))?;
                }
            }
            continue;
        }
        if pilotzone_scenario::mapfile::is_map_text(&head) {
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
                    writeln!(stderr, "{}", terminal_safe(&e.to_string(), true))?;
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
                    terminal_safe(&s.name, false),
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
                writeln!(stderr, "{}", terminal_safe(&e.to_string(), true))?;
            }
        }
    }
    Ok(if failed { ExitCode::from(EXIT_INPUT) } else { ExitCode::SUCCESS })
}

/// The first 64 KiB of `file` as text, enough to see what kind of file it is.
fn head(file: &std::path::Path) -> Option<String> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(file).ok()?.take(64 << 10).read_to_end(&mut bytes).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

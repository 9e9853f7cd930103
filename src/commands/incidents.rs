//! `pilotzone incidents`: a run's safety incidents with time, place, rule and measured value.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, Result};
use pilotzone::output;

use super::EXIT_INPUT;
use crate::cli::IncidentsArgs;

/// Incident kinds `pilotzone incidents --kind` accepts: the replay vocabulary's.
fn incident_kinds() -> impl Iterator<Item = &'static str> {
    pilotzone_replay::EventKind::incidents().map(pilotzone_replay::EventKind::key)
}

/// `pilotzone incidents`: a run's incidents from its replay, filtered by kind and rule.
pub(crate) fn incidents(args: &IncidentsArgs) -> Result<ExitCode> {
    let IncidentsArgs { run, kind: kinds, rule: rules } = args;
    let file = if run.is_dir() { run.join("replay.pzr") } else { run.to_owned() };
    let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
    let replay = pilotzone_replay::Replay::open(bytes)
        .with_context(|| format!("{} is not a readable replay", file.display()))?;
    let header = replay.header();
    let scenario = pilotzone_scenario::parse(&header.scenario_text, "the replay's scenario")
        .context("the replay's embedded scenario does not load")?;
    let known_rules: Vec<&str> = scenario.scenario.rules.iter().map(|r| r.id.as_str()).collect();
    for k in kinds {
        if !incident_kinds().any(|known| known == k) {
            let hint = pilotzone_scenario::error::did_you_mean(k, incident_kinds())
                .unwrap_or_else(|| format!("kinds: {}", incident_kinds().collect::<Vec<_>>().join(", ")));
            writeln!(std::io::stderr(), "error: --kind {k}: no such incident kind — {hint}")?;
            return Ok(ExitCode::from(EXIT_INPUT));
        }
    }
    for r in rules {
        if !known_rules.contains(&r.as_str()) {
            let hint = pilotzone_scenario::error::did_you_mean(r, known_rules.iter().copied())
                .unwrap_or_else(|| format!("rules: {}", known_rules.join(", ")));
            writeln!(std::io::stderr(), "error: --rule {r}: the run's scenario has no such rule — {hint}")?;
            return Ok(ExitCode::from(EXIT_INPUT));
        }
    }
    let mut out = std::io::stdout().lock();
    let mut shown = 0;
    let total = replay.events().iter().filter(|e| e.incident.is_some()).count();
    for e in replay.events() {
        let Some(i) = &e.incident else { continue };
        if (!kinds.is_empty() && !kinds.iter().any(|k| k == e.kind.key()))
            || (!rules.is_empty() && !rules.contains(&i.rule))
        {
            continue;
        }
        shown += 1;
        let clock = output::clock(header.start_time_of_day_s, e.t_ms);
        let [x, y, z] = e.at_cm.map(|c| f64::from(c) / 100.0);
        let who = match i.other {
            Some(o) => format!("{} & {o}", e.entity),
            None => e.entity.to_string(),
        };
        let rule = match scenario.scenario.rules.iter().find(|r| r.id == i.rule) {
            Some(r) => format!("{} \"{}\"", r.id, r.title()),
            None => "—".to_owned(),
        };
        writeln!(
            out,
            "{clock}  {:<18} {who:<9} at ({x:.0}, {y:.0}, {z:.0})  severity {}  rule {rule}\n          {}",
            e.kind, i.severity, e.detail
        )?;
    }
    writeln!(out, "{shown} of {total} incidents")?;
    Ok(ExitCode::SUCCESS)
}

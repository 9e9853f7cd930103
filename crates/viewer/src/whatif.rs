//! What if: change a rule of the run shown (take it out of force, change a speed limit, move its
//! hours), run the scenario again with the same seed on a thread of its own, and open the result
//! beside the original. The change is written as a rule option (`option.ron`, the format
//! `pilotzone batch --rules` reads), so what the room tried can become part of a study.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use pilotzone_scenario::overlay::{RuleOverlay, apply_overlay};
use pilotzone_scenario::time::{ClockTime, Hours};
use pilotzone_scenario::{LoadedScenario, RuleKind, RuleName};
use pilotzone_sim::Simulation;

/// One rule as the room edits it.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleEdit {
    /// The rule's id.
    pub id: String,
    /// Its names.
    pub names: RuleName,
    /// Whether it stays in force.
    pub in_force: bool,
    /// A speed limit's value, km/h.
    pub kmh: Option<f64>,
    /// Its hours as typed (`HH:MM`), when it has hours.
    pub hours: Option<(String, String)>,
}

/// The rules of a scenario as the room edits them.
#[derive(Clone, Debug)]
pub struct Edits {
    /// The scenario as the replay embeds it (validated, self-contained).
    pub base: LoadedScenario,
    /// One edit per rule, in the scenario's order.
    pub rules: Vec<RuleEdit>,
}

impl Edits {
    /// The rules of `scenario_text` (a replay's embedded scenario), unchanged.
    pub fn new(scenario_text: &str) -> Result<Self, String> {
        let base =
            pilotzone_scenario::parse(scenario_text, "the scenario inside the replay").map_err(|e| e.to_string())?;
        let rules = base.scenario.rules.iter().map(edit_of).collect();
        Ok(Edits { base, rules })
    }

    /// The edits as a rule option named `name`; `Ok(None)` when nothing was changed.
    pub fn overlay(&self, name: &str) -> Result<Option<RuleOverlay>, String> {
        let mut remove = Vec::new();
        let mut rules = Vec::new();
        let mut said = Vec::new();
        for (edit, rule) in self.rules.iter().zip(&self.base.scenario.rules) {
            if edit == &edit_of(rule) {
                continue;
            }
            if !edit.in_force {
                remove.push(rule.id.clone());
                said.push(format!("{} not in force", rule.id));
                continue;
            }
            let mut changed = rule.clone();
            if let (RuleKind::SpeedLimit { kmh, .. }, Some(v)) = (&mut changed.kind, edit.kmh) {
                if !(v.is_finite() && (5.0..=130.0).contains(&v)) {
                    return Err(format!("{}: a speed limit from 5 to 130 km/h", rule.id));
                }
                *kmh = v;
                said.push(format!("{} at {v:.0} km/h", rule.id));
            }
            if let Some((from, to)) = &edit.hours {
                let parse = |t: &str| ClockTime::parse(t.trim()).map_err(|e| format!("{}: {e}", rule.id));
                let hours = Hours { from: parse(from)?, to: parse(to)? };
                said.push(format!("{} from {} to {}", rule.id, hours.from, hours.to));
                changed.hours = Some(hours);
            }
            rules.push(changed);
        }
        if remove.is_empty() && rules.is_empty() {
            return Ok(None);
        }
        let description = said.join("; ");
        Ok(Some(RuleOverlay { format_version: 2, name: name.to_owned(), description, remove, rules }))
    }

    /// The scenario under `overlay`, checked as a whole.
    pub fn scenario(&self, overlay: &RuleOverlay) -> Result<LoadedScenario, String> {
        apply_overlay(&self.base, overlay, &format!("what if {}", overlay.name)).map_err(|e| e.to_string())
    }
}

fn edit_of(rule: &pilotzone_scenario::Rule) -> RuleEdit {
    RuleEdit {
        id: rule.id.clone(),
        names: rule.name.clone(),
        in_force: true,
        kmh: match rule.kind {
            RuleKind::SpeedLimit { kmh, .. } => Some(kmh),
            _ => None,
        },
        hours: rule.hours.as_ref().map(|h| (h.from.to_string(), h.to.to_string())),
    }
}

/// The first free `what-if-N` folder beside `replay`, and its option name.
pub fn next_folder(replay: &Path) -> (PathBuf, String) {
    let dir = replay.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    (1..)
        .map(|n| (dir.join(format!("what-if-{n}")), format!("what-if-{n}")))
        .find(|(d, _)| !d.exists())
        .expect("some number is free")
}

/// A re-run under way on its own thread.
pub struct Rerun {
    /// The option's name.
    pub name: String,
    /// Simulated ms reached.
    pub now_ms: Arc<AtomicU64>,
    /// Simulated ms it lasts.
    pub end_ms: u64,
    stop: Arc<AtomicBool>,
    done: Arc<Mutex<Option<Result<PathBuf, String>>>>,
    thread: Option<JoinHandle<()>>,
}

impl Rerun {
    /// Runs `scenario` with `seed` for `duration_s`, writing the option, the replay and the
    /// KPIs into `out`.
    pub fn start(scenario: LoadedScenario, overlay: &RuleOverlay, seed: u64, out: PathBuf) -> Result<Self, String> {
        let end_ms = u64::from(scenario.scenario.run.duration_s) * 1000;
        std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
        let option = pilotzone_scenario::generate::overlay_to_ron(overlay, "A rule option tried in the viewer.");
        crate::write_atomic(&out.join("option.ron"), option.as_bytes())
            .map_err(|e| format!("{}: {e}", out.display()))?;
        let now_ms = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let done = Arc::new(Mutex::new(None));
        let (now, halt, result) = (Arc::clone(&now_ms), Arc::clone(&stop), Arc::clone(&done));
        let thread = std::thread::Builder::new()
            .name("pilotzone-what-if".into())
            .spawn(move || {
                let outcome = run(scenario, seed, &out, &now, &halt);
                *result.lock().expect("the view never panics holding it") = Some(outcome);
            })
            .map_err(|e| format!("cannot start a thread: {e}"))?;
        Ok(Rerun { name: overlay.name.clone(), now_ms, end_ms, stop, done, thread: Some(thread) })
    }

    /// The outcome, once the run is over: where it was written, or why it stopped.
    pub fn take_done(&self) -> Option<Result<PathBuf, String>> {
        self.done.lock().expect("the engine never panics holding it").take()
    }
}

impl Drop for Rerun {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn run(scenario: LoadedScenario, seed: u64, out: &Path, now: &AtomicU64, stop: &AtomicBool) -> Result<PathBuf, String> {
    let mut sim = Simulation::new(scenario, seed).map_err(|e| e.to_string())?;
    while !sim.is_done() {
        if stop.load(Ordering::Relaxed) {
            return Err("stopped".into());
        }
        sim.step();
        now.store(sim.now_ms(), Ordering::Relaxed);
    }
    let result = sim.finish();
    let kpis = serde_json::to_string_pretty(&result.kpis).map_err(|e| e.to_string())? + "\n";
    let io = |e: std::io::Error| format!("{}: {e}", out.display());
    crate::write_atomic(&out.join("replay.pzr"), &result.replay).map_err(io)?;
    crate::write_atomic(&out.join("kpis.json"), kpis.as_bytes()).map_err(io)?;
    Ok(out.to_owned())
}

/// Whether any rule was touched, for the button's state.
pub fn changed(edits: &Edits) -> bool {
    edits.rules.iter().zip(&edits.base.scenario.rules).any(|(e, r)| e != &edit_of(r))
}

//! Rule overlays (`--rules FILE`): a rule option applied on top of a scenario, so a study can
//! compare options without copying scenarios.
//!
//! An overlay removes rules by id, replaces rules that share an id with one of its own, and adds
//! the rest. The result is validated as a whole and re-written as scenario text, which is what
//! runs and replays embed: a replay of an option re-simulates without the overlay file.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Diagnostic, Diagnostics, LoadError, did_you_mean};
use crate::locate::{locate, parse_path};
use crate::schema::{Rule, Scenario};
use crate::{LoadedScenario, generate};

/// The newest overlay format version this build reads.
pub const OVERLAY_FORMAT_VERSION: u32 = 2;

/// A rule option.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleOverlay {
    /// Rule-file format version; this build reads version 2.
    pub format_version: u32,
    /// Short name of the option, used for run folders and in study tables (letters, digits,
    /// `-` and `_`).
    pub name: String,
    /// One line for the people choosing between options.
    #[serde(default)]
    pub description: String,
    /// Ids of scenario rules this option drops.
    #[serde(default)]
    pub remove: Vec<String>,
    /// Rules this option sets: a rule with an id the scenario has replaces it, others are added.
    #[serde(default)]
    pub rules: Vec<Rule>,
}

/// Whether `text` is a rule option rather than a scenario: its first value is `RuleOverlay(`.
pub fn is_overlay_text(text: &str) -> bool {
    crate::mapfile::first_value(text).starts_with("RuleOverlay")
}

/// Reads an overlay file.
pub fn load_overlay(path: &Path) -> Result<RuleOverlay, LoadError> {
    let text = crate::text::read(path, "rule option")?;
    let file = path.display().to_string();
    crate::text::check(&text, &file)?;
    let options = ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
    let overlay: RuleOverlay =
        options.from_str(&text).map_err(|e| LoadError::Syntax(crate::syntax_diagnostic(&file, &e)))?;
    let mut items = Vec::new();
    if overlay.format_version > OVERLAY_FORMAT_VERSION {
        let file = crate::located(&file, &text, "format_version");
        return Err(LoadError::NewerVersion { file, found: overlay.format_version, supported: OVERLAY_FORMAT_VERSION });
    }
    if overlay.name.is_empty() || !overlay.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        items.push(
            Diagnostic::at_path("name", format!("\"{}\" is not a usable option name", overlay.name))
                .with_hint(Some("use letters, digits, - and _".into())),
        );
    }
    let mut ids = std::collections::BTreeSet::new();
    for (i, r) in overlay.rules.iter().enumerate() {
        if !ids.insert(r.id()) {
            items.push(Diagnostic::at_path(format!("rules[{i}].id"), format!("rule id \"{}\" is used twice", r.id())));
        }
    }
    if items.is_empty() {
        Ok(overlay)
    } else {
        for d in &mut items {
            d.at = locate(&text, &parse_path(&d.path));
        }
        Err(LoadError::Invalid(Diagnostics { file, items }))
    }
}

/// The scenario with the overlay applied, validated, as new scenario text.
pub fn apply_overlay(
    base: &LoadedScenario,
    overlay: &RuleOverlay,
    overlay_file: &str,
) -> Result<LoadedScenario, LoadError> {
    let mut scenario = base.scenario.clone();
    let mut items = Vec::new();
    for (i, id) in overlay.remove.iter().enumerate() {
        match scenario.rules.iter().position(|r| r.id() == id) {
            Some(k) => {
                scenario.rules.remove(k);
            }
            None => items.push(
                Diagnostic::at_path(format!("remove[{i}]"), format!("the scenario has no rule \"{id}\""))
                    .with_hint(did_you_mean(id, base.scenario.rules.iter().map(Rule::id))),
            ),
        }
    }
    if !items.is_empty() {
        let text = option_text(overlay_file);
        for d in &mut items {
            d.at = text.as_deref().and_then(|t| locate(t, &parse_path(&d.path)));
        }
        return Err(LoadError::Invalid(Diagnostics { file: overlay_file.to_owned(), items }));
    }
    for rule in &overlay.rules {
        match scenario.rules.iter_mut().find(|r| r.id() == rule.id()) {
            Some(existing) => *existing = rule.clone(),
            None => scenario.rules.push(rule.clone()),
        }
    }
    // The file's name only: where the option lies on disk must not change the run's replay.
    let file_name = std::path::Path::new(overlay_file).file_name().map_or(overlay_file.into(), |n| n.to_string_lossy());
    let comment = format!("Scenario \"{}\" with rule option \"{}\" ({file_name}).", scenario.name, overlay.name);
    let text = generate::to_ron(&scenario, &comment);
    // Problems the overlay causes (a zone it names that the map lacks) are reported against it:
    // at its own rule, in its own file, when every problem lies in a rule it sets.
    match crate::parse(&text, &format!("{overlay_file} applied to {}", scenario.name)) {
        Err(LoadError::Invalid(merged)) => {
            Err(LoadError::Invalid(in_option(&merged, &scenario, overlay, overlay_file).unwrap_or(merged)))
        }
        other => other,
    }
}

/// The option's own text, when `overlay_file` is a file that can be read.
fn option_text(overlay_file: &str) -> Option<String> {
    crate::text::read(std::path::Path::new(overlay_file), "rule option").ok()
}

/// `merged`'s problems moved from the merged scenario's rules to the option's own: `rules[7].kind`
/// of the scenario becomes `rules[0].kind` of the option, located in its file. None if a problem
/// lies elsewhere.
fn in_option(
    merged: &Diagnostics,
    scenario: &Scenario,
    overlay: &RuleOverlay,
    overlay_file: &str,
) -> Option<Diagnostics> {
    let text = option_text(overlay_file)?;
    let mut items = Vec::new();
    for d in &merged.items {
        let rest = d.path.strip_prefix("rules[")?;
        let (k, tail) = rest.split_once(']')?;
        let id = scenario.rules.get(k.parse::<usize>().ok()?)?.id();
        let j = overlay.rules.iter().position(|r| r.id() == id)?;
        let path = format!("rules[{j}]{tail}");
        let at = locate(&text, &parse_path(&path));
        items.push(Diagnostic { at, path, message: d.message.clone(), hint: d.hint.clone() });
    }
    Some(Diagnostics { file: overlay_file.to_owned(), items })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{demo_town, to_ron};
    use crate::schema::RuleKind;
    use crate::time::{ClockTime, Hours};

    fn demo() -> LoadedScenario {
        crate::parse(&to_ron(&demo_town(), "demo"), "demo.ron").expect("demo is valid")
    }

    fn option(remove: &[&str], rules: Vec<Rule>) -> RuleOverlay {
        let remove = remove.iter().map(|&id| id.to_owned()).collect();
        RuleOverlay { format_version: 2, name: "option".into(), description: String::new(), remove, rules }
    }

    #[test]
    fn replaces_removes_and_adds_rules() {
        let base = demo();
        let all_day = Hours { from: ClockTime(0), to: ClockTime(86_400) };
        let overlay = option(
            &["morning-market"],
            vec![
                Rule::new("school-run-20", None, RuleKind::SpeedLimit { zone: Some("school-zone".into()), kmh: 10.0 }),
                Rule::new("taxi-hours", Some(all_day), RuleKind::OperatingHours { fleet: Some("minori-l4".into()) }),
            ],
        );
        let applied = apply_overlay(&base, &overlay, "o.ron").expect("applies");
        let rules = &applied.scenario.rules;
        assert!(rules.iter().all(|r| r.id() != "morning-market"));
        assert!(rules.iter().any(|r| r.id == "school-run-20"
            && r.hours.is_none()
            && matches!(r.kind, RuleKind::SpeedLimit { kmh: 10.0, .. })));
        assert_eq!(rules.last().map(Rule::id), Some("taxi-hours"));
        assert_ne!(applied.hash, base.hash);
    }

    /// Where the option file lies must not change what is simulated: a batch run from another
    /// folder, or a study on another machine, gives the same replays.
    #[test]
    fn the_text_run_is_the_same_wherever_the_option_file_lies() {
        let base = demo();
        let overlay = option(&["morning-market"], Vec::new());
        let here = apply_overlay(&base, &overlay, "zone-30.ron").expect("applies");
        let there = apply_overlay(&base, &overlay, "/srv/town/scenarios/rules/zone-30.ron").expect("applies");
        assert_eq!(here.text, there.text);
        assert_eq!(here.hash, there.hash);
        assert!(here.text.contains("(zone-30.ron)"), "the file is still named");
    }

    #[test]
    fn names_what_it_cannot_apply() {
        let base = demo();
        let err =
            apply_overlay(&base, &option(&["school-run20"], vec![]), "o.ron").expect_err("unknown id").to_string();
        assert!(
            err.contains("remove[0]: the scenario has no rule \"school-run20\" — did you mean \"school-run-20\"?"),
            "{err}"
        );
        let nowhere = Rule::new("s", None, RuleKind::SpeedLimit { zone: Some("nowhere".into()), kmh: 10.0 });
        let err = apply_overlay(&base, &option(&[], vec![nowhere]), "o.ron").expect_err("unknown zone").to_string();
        assert!(err.contains("unknown zone \"nowhere\""), "{err}");
    }
}

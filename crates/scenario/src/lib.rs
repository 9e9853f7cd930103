//! Scenario files for pilotzone: the RON schema (version 1), loading with located errors,
//! and validation that reports every problem at once.

pub mod error;
pub mod generate;
pub mod locate;
pub mod map;
pub mod overlay;
pub mod schema;
pub mod seeds;
pub mod time;
mod validate;

use std::path::Path;

use serde::Deserialize;

pub use error::{Diagnostic, Diagnostics, LoadError};
pub use map::MapIndex;
pub use schema::*;
pub use time::{ClockTime, Date, DateRange, Hours};

use locate::{LineCol, locate, parse_path};

/// A scenario with the text it was read from.
#[derive(Clone, Debug)]
pub struct LoadedScenario {
    /// The parsed, validated scenario.
    pub scenario: Scenario,
    /// The exact text, kept so replays can embed it.
    pub text: String,
    /// xxh3-64 of the text.
    pub hash: u64,
}

/// Reads, parses and validates a scenario file, with the rule files it includes.
///
/// Included rules are merged in (the scenario's own rules replace included ones with the same
/// id) and the result is re-written as self-contained scenario text: what runs and replays embed.
pub fn load(path: &Path) -> Result<LoadedScenario, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io { path: path.to_owned(), source })?;
    let file = path.display().to_string();
    let loaded = parse(&text, &file)?;
    if loaded.scenario.include.is_empty() {
        return Ok(loaded);
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut scenario = loaded.scenario;
    let refuse = |i: usize, message: String, hint: &str| {
        let path = format!("include[{i}]");
        let at = locate(&text, &parse_path(&path));
        LoadError::Invalid(Diagnostics {
            file: file.clone(),
            items: vec![Diagnostic { at, path, message, hint: Some(hint.to_owned()) }],
        })
    };
    // Later rules replace earlier ones with the same id: included files in order, then our own.
    let mut rules: Vec<Rule> = Vec::new();
    let mut merge = |rule: Rule| match rules.iter_mut().find(|r| r.id == rule.id) {
        Some(existing) => *existing = rule,
        None => rules.push(rule),
    };
    for (i, name) in scenario.include.iter().enumerate() {
        let rel = Path::new(name);
        let escapes = rel.is_absolute()
            || rel.components().any(|c| !matches!(c, std::path::Component::Normal(_) | std::path::Component::CurDir));
        if escapes {
            let hint = "give a path relative to the scenario, without `..`";
            return Err(refuse(i, format!("\"{name}\" is outside the scenario's folder"), hint));
        }
        let included = overlay::load_overlay(&dir.join(rel))?;
        if !included.remove.is_empty() {
            let hint = "an included file only adds rules; leave `remove` to options (`--rules`)";
            return Err(refuse(i, format!("included rule file \"{name}\" removes rules"), hint));
        }
        included.rules.into_iter().for_each(&mut merge);
    }
    std::mem::take(&mut scenario.rules).into_iter().for_each(&mut merge);
    let comment =
        format!("Scenario \"{}\" with the rules of {} merged in.", scenario.name, scenario.include.join(", "));
    scenario.include.clear();
    scenario.rules = rules;
    // Included rules that do not fit this map are reported against the merged scenario.
    parse(&generate::to_ron(&scenario, &comment), &format!("{file} with its included rules"))
}

/// The scenario changed by `edit` (a command-line override such as `--dispatch`), written out and
/// validated again, so that the text a replay embeds is the scenario that ran.
pub fn edited(
    loaded: &LoadedScenario,
    note: &str,
    edit: impl FnOnce(&mut Scenario),
) -> Result<LoadedScenario, LoadError> {
    let mut scenario = loaded.scenario.clone();
    edit(&mut scenario);
    let comment = format!("Scenario \"{}\", {note}.", scenario.name);
    parse(&generate::to_ron(&scenario, &comment), &format!("{} ({note})", scenario.name))
}

/// Parses and validates self-contained scenario text; `file` names it in messages.
pub fn parse(text: &str, file: &str) -> Result<LoadedScenario, LoadError> {
    let options = ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
    // Read the version first, so a newer file gets "upgrade" rather than a field error.
    #[derive(Deserialize)]
    #[serde(rename = "Scenario")]
    struct Probe {
        format_version: Option<u32>,
    }
    if let Ok(Probe { format_version: Some(found) }) = options.from_str::<Probe>(text)
        && found > FORMAT_VERSION
    {
        return Err(LoadError::NewerVersion { file: file.to_owned(), found, supported: FORMAT_VERSION });
    }
    let scenario: Scenario = options.from_str(text).map_err(|e| LoadError::Syntax(syntax_diagnostic(file, &e)))?;
    let mut items = validate::validate(&scenario);
    if !items.is_empty() {
        for d in &mut items {
            d.at = locate(text, &parse_path(&d.path));
        }
        return Err(LoadError::Invalid(Diagnostics { file: file.to_owned(), items }));
    }
    let hash = xxhash_rust::xxh3::xxh3_64(text.as_bytes());
    Ok(LoadedScenario { scenario, text: text.to_owned(), hash })
}

pub(crate) fn syntax_diagnostic(file: &str, e: &ron::error::SpannedError) -> Diagnostics {
    use ron::error::Error as E;
    let hint = match &e.code {
        E::NoSuchStructField { expected, found, .. } | E::NoSuchEnumVariant { expected, found, .. } => {
            error::did_you_mean(found, expected.iter().copied())
        }
        E::MissingStructField { field, .. } => {
            Some(format!("add `{field}: ...`; the scenario reference lists its meaning and unit"))
        }
        _ => None,
    };
    let at = LineCol { line: e.span.start.line, col: e.span.start.col };
    Diagnostics {
        file: file.to_owned(),
        items: vec![Diagnostic { at: Some(at), path: String::new(), message: e.code.to_string(), hint }],
    }
}

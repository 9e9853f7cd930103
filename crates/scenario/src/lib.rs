//! Scenario files for pilotzone: the RON schema (version 1), loading with located errors,
//! and validation that reports every problem at once.

pub mod error;
pub mod generate;
pub mod limits;
pub mod locate;
pub mod map;
pub mod mapfile;
pub mod overlay;
pub mod pilots;
pub mod schema;
pub mod seeds;
pub mod text;
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
    let text = text::read(path, "scenario")?;
    let file = path.display().to_string();
    if mapfile::is_map_text(&text) {
        let hint =
            "a map file is not a scenario: name it in a scenario's `map: (file: ...)`; `pilotzone check` checks it";
        let items = vec![Diagnostic {
            at: None,
            path: String::new(),
            message: "this is a map file".into(),
            hint: Some(hint.into()),
        }];
        return Err(LoadError::Invalid(Diagnostics { file, items }));
    }
    let mut scenario = deserialize(&text, &file)?;
    if scenario.map.file.is_none() {
        // A scenario with its own map is checked on its own first, so that its problems are
        // located in its own text; then the rules it includes are merged in.
        let loaded = parse(&text, &file)?;
        if scenario.include.is_empty() {
            return Ok(loaded);
        }
        scenario = loaded.scenario;
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let refuse = |path: String, message: String, hint: &str| {
        let at = locate(&text, &parse_path(&path));
        LoadError::Invalid(Diagnostics {
            file: file.clone(),
            items: vec![Diagnostic { at, path, message, hint: Some(hint.to_owned()) }],
        })
    };
    let inside = |name: &str| {
        let rel = Path::new(name);
        !(rel.is_absolute()
            || rel.components().any(|c| !matches!(c, std::path::Component::Normal(_) | std::path::Component::CurDir)))
    };
    let mut notes = Vec::new();
    let mut map_base = None;
    if let Some(name) = scenario.map.file.clone() {
        if !inside(&name) {
            let hint = "give a path relative to the scenario, without `..`";
            return Err(refuse("map.file".into(), format!("\"{name}\" is outside the scenario's folder"), hint));
        }
        let map_path = dir.join(&name);
        let (base, map_text) = match mapfile::load_map(&map_path) {
            Err(LoadError::Io { source, .. }) => {
                let hint = "import one with `pilotzone import osm FILE.osm.pbf --out` that path";
                return Err(refuse("map.file".into(), format!("cannot read map file \"{name}\": {source}"), hint));
            }
            other => other?,
        };
        let set = mapfile::presence(&text);
        let (merged, lens) = mapfile::merge(base, std::mem::take(&mut scenario.map), set);
        scenario.map = merged;
        map_base = Some((lens, map_path.display().to_string(), map_text));
        notes.push(format!("the map of {name}"));
    }
    if !scenario.include.is_empty() {
        // Later rules replace earlier ones with the same id: included files in order, then our own.
        let mut rules: Vec<Rule> = Vec::new();
        let mut merge = |rule: Rule| match rules.iter_mut().find(|r| r.id == rule.id) {
            Some(existing) => *existing = rule,
            None => rules.push(rule),
        };
        for (i, name) in scenario.include.iter().enumerate() {
            if !inside(name) {
                let hint = "give a path relative to the scenario, without `..`";
                return Err(refuse(
                    format!("include[{i}]"),
                    format!("\"{name}\" is outside the scenario's folder"),
                    hint,
                ));
            }
            let included_path = dir.join(name);
            if included_path.canonicalize().ok() == path.canonicalize().ok() {
                let hint = "include rule files (`RuleOverlay(...)`), not the scenario";
                return Err(refuse(format!("include[{i}]"), format!("\"{name}\" is this scenario itself"), hint));
            }
            let included = match overlay::load_overlay(&included_path) {
                Err(LoadError::Io { source, .. }) => {
                    let hint = "name a rule file next to the scenario, or in a folder below it";
                    return Err(refuse(
                        format!("include[{i}]"),
                        format!("cannot read rule file \"{name}\": {source}"),
                        hint,
                    ));
                }
                other => other?,
            };
            if !included.remove.is_empty() {
                let hint = "an included file only adds rules; leave `remove` to options (`--rules`)";
                return Err(refuse(
                    format!("include[{i}]"),
                    format!("included rule file \"{name}\" removes rules"),
                    hint,
                ));
            }
            included.rules.into_iter().for_each(&mut merge);
        }
        std::mem::take(&mut scenario.rules).into_iter().for_each(&mut merge);
        notes.push(format!("the rules of {}", scenario.include.join(", ")));
        scenario.include.clear();
        scenario.rules = rules;
    }
    let comment = format!("Scenario \"{}\" with {} merged in.", scenario.name, notes.join(" and "));
    let merged_text = generate::to_ron(&scenario, &comment);
    // The merged scenario is validated as it stands rather than parsed back from its text:
    // the text is its exact image (RON writes every float to round-trip), and a large map
    // would be parsed twice.
    let mut items = validate::validate(&scenario);
    if items.is_empty() {
        let hash = xxhash_rust::xxh3::xxh3_64(merged_text.as_bytes());
        return Ok(LoadedScenario { scenario, text: merged_text, hash });
    }
    let mut located_in_scenario = true;
    for item in &mut items {
        let relocated = map_base
            .as_ref()
            .is_some_and(|(lens, map_file, map_text)| mapfile::relocate(item, lens, &text, map_file, map_text));
        if !relocated {
            item.at = locate(&merged_text, &parse_path(&item.path));
            located_in_scenario = false;
        }
    }
    // Problems of the map are located in the file the user wrote them in; others in the merged
    // text, which names what was merged.
    let file = if located_in_scenario { file } else { format!("{file} with {}", notes.join(" and ")) };
    Err(LoadError::Invalid(Diagnostics { file, items }))
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
    let scenario = deserialize(text, file)?;
    let mut items = validate::validate(&scenario);
    if scenario.map.file.is_some() {
        let hint = "load the scenario from its file (`pilotzone_scenario::load`), which merges the map in";
        items.push(
            Diagnostic::at_path("map.file", "a map file is only read when loading from a file")
                .with_hint(Some(hint.into())),
        );
    }
    if !items.is_empty() {
        for d in &mut items {
            d.at = locate(text, &parse_path(&d.path));
        }
        return Err(LoadError::Invalid(Diagnostics { file: file.to_owned(), items }));
    }
    let hash = xxhash_rust::xxh3::xxh3_64(text.as_bytes());
    Ok(LoadedScenario { scenario, text: text.to_owned(), hash })
}

/// Parses scenario text without validating it.
fn deserialize(text: &str, file: &str) -> Result<Scenario, LoadError> {
    text::check(text, file)?;
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
        let file = located(file, text, "format_version");
        return Err(LoadError::NewerVersion { file, found, supported: FORMAT_VERSION });
    }
    options.from_str(text).map_err(|e| LoadError::Syntax(syntax_diagnostic(file, &e)))
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
        E::IntegerOutOfBounds => Some("a whole number is expected here, from 0 up and within its range".into()),
        E::Eof => Some("the file ends early: is a bracket, parenthesis or quote left open?".into()),
        _ => None,
    };
    let at = LineCol { line: e.span.start.line, col: e.span.start.col };
    // The parser quotes what it found: from a garbled file that can be a page of noise.
    let mut message = e.code.to_string();
    if message.chars().count() > 400 {
        message = message.chars().take(400).collect::<String>() + "…";
    }
    Diagnostics { file: file.to_owned(), items: vec![Diagnostic { at: Some(at), path: String::new(), message, hint }] }
}

/// `file` with the line and column of the field `path` in `text`, when it is there.
pub(crate) fn located(file: &str, text: &str, path: &str) -> String {
    match locate(text, &parse_path(path)) {
        Some(at) => format!("{file}:{}:{}", at.line, at.col),
        None => file.to_owned(),
    }
}

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
pub use time::{ClockTime, Hours};

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

/// Reads, parses and validates a scenario file.
pub fn load(path: &Path) -> Result<LoadedScenario, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io { path: path.to_owned(), source })?;
    parse(&text, &path.display().to_string())
}

/// Parses and validates scenario text; `file` names it in messages.
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

//! Errors a scenario can have, each located by file, line, column and field path.

use std::fmt;
use std::path::PathBuf;

use crate::locate::LineCol;

/// One problem in a scenario file.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// Where in the file, when known.
    pub at: Option<LineCol>,
    /// Field path of the offending value (`fleets.taxis[0].depot`); empty for syntax errors.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when there is a likely fix (`did you mean "station"?`).
    pub hint: Option<String>,
}

impl Diagnostic {
    /// A semantic error at a field path, located later.
    pub fn at_path(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self { at: None, path: path.into(), message: message.into(), hint: None }
    }

    /// Adds a hint.
    pub fn with_hint(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }
}

/// Every problem found in one file, printed one per line as `file:line:col: path: message`.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostics {
    /// The file as the user named it.
    pub file: String,
    /// The problems, in file order.
    pub items: Vec<Diagnostic>,
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.items.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}", self.file)?;
            if let Some(at) = d.at {
                write!(f, ":{}:{}", at.line, at.col)?;
            }
            write!(f, ": ")?;
            if !d.path.is_empty() {
                write!(f, "{}: ", d.path)?;
            }
            write!(f, "{}", d.message)?;
            if let Some(hint) = &d.hint {
                write!(f, " — {hint}")?;
            }
        }
        Ok(())
    }
}

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("{path}: cannot read it: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The text is not valid RON for the scenario schema (only the first such error is known).
    #[error("{0}")]
    Syntax(Diagnostics),
    /// The scenario parsed but is inconsistent; every problem is listed.
    #[error("{0}")]
    Invalid(Diagnostics),
    /// The file was written for a newer pilotzone.
    #[error(
        "{file}: format_version {found} is newer than this build supports ({supported}) — upgrade pilotzone to run it"
    )]
    NewerVersion {
        /// The file.
        file: String,
        /// Version in the file.
        found: u32,
        /// Newest version this build reads.
        supported: u32,
    },
}

impl LoadError {
    /// The located problems, for syntax and validation errors.
    pub fn diagnostics(&self) -> Option<&Diagnostics> {
        match self {
            LoadError::Syntax(d) | LoadError::Invalid(d) => Some(d),
            _ => None,
        }
    }
}

/// The closest candidate to `found`, if it is close enough to be a typo.
pub fn did_you_mean<'a>(found: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let mut best: Option<(f64, &str)> = None;
    for candidate in candidates {
        let score = strsim::jaro_winkler(&found.to_lowercase(), &candidate.to_lowercase());
        if score > 0.8 && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, c)| format!("did you mean \"{c}\"?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let names = ["station", "clinic", "school"];
        assert_eq!(did_you_mean("stattion", names).as_deref(), Some("did you mean \"station\"?"));
        assert_eq!(did_you_mean("airport", names), None);
    }
}

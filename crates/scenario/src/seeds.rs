//! Seed sets (`seeds/*.ron`): named lists of root seeds that runs and studies draw from.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Diagnostic, Diagnostics, LoadError};
use crate::locate::LineCol;

/// A named list of seeds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedSet {
    /// Name quoted in results.
    pub name: String,
    /// Root seeds, each giving one run; no repeats.
    pub seeds: Vec<u64>,
}

/// Reads and checks a seed set.
pub fn load(path: &Path) -> Result<SeedSet, LoadError> {
    let text = crate::text::read(path, "seed set")?;
    let file = path.display().to_string();
    crate::text::check(&text, &file)?;
    let set: SeedSet = ron::from_str(&text).map_err(|e| {
        let at = Some(LineCol { line: e.span.start.line, col: e.span.start.col });
        LoadError::Syntax(Diagnostics {
            file: file.clone(),
            items: vec![Diagnostic { at, path: String::new(), message: e.code.to_string(), hint: None }],
        })
    })?;
    let mut sorted = set.seeds.clone();
    sorted.sort_unstable();
    let repeated = sorted.windows(2).find(|w| w[0] == w[1]).map(|w| w[0]);
    let problem = if set.seeds.is_empty() {
        Some("the list of seeds is empty".to_owned())
    } else {
        repeated.map(|s| format!("seed {s} is listed twice"))
    };
    match problem {
        Some(message) => {
            Err(LoadError::Invalid(Diagnostics { file, items: vec![Diagnostic::at_path("seeds", message)] }))
        }
        None => Ok(set),
    }
}

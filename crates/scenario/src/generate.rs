//! Scenario generators, made reproducibly from code rather than kept as hand-edited coordinates:
//! the demo town (`pilotzone gen demo` rewrites `scenarios/demo.ron`) and grid towns for studies
//! (`pilotzone gen grid`); the pilot-zone scenarios build on the same parts. Also the RON writer
//! every generated file goes through.

mod demo;
mod grid;
pub(crate) mod parts;

pub use demo::demo_town;
pub use grid::{GridTown, grid_town};

use crate::schema::Scenario;

/// A scenario as RON text, with a comment header.
pub fn to_ron(scenario: &Scenario, comment: &str) -> String {
    let config = ron::ser::PrettyConfig::new().depth_limit(3).indentor("  ").struct_names(true);
    commented(comment, &ron::ser::to_string_pretty(scenario, config).expect("scenarios always serialize"))
}

/// `body` after `comment` as `//` lines.
pub(crate) fn commented(comment: &str, body: &str) -> String {
    let mut out = String::new();
    for line in comment.lines() {
        out.push_str("// ");
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(body);
    out.push('\n');
    out
}

/// A rule option as RON text, with a comment header.
pub fn overlay_to_ron(overlay: &crate::overlay::RuleOverlay, comment: &str) -> String {
    let config = ron::ser::PrettyConfig::new().depth_limit(4).indentor("  ").struct_names(true);
    commented(comment, &ron::ser::to_string_pretty(overlay, config).expect("overlays always serialize"))
}

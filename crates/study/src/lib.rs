//! Studies of pilotzone runs: the manifest that names a study's options and seeds, the per-run
//! KPI table, the per-option summary with confidence intervals, paired comparisons and KPI gates.
//!
//! Everything here reads study folders and writes tables without the engine: a tool that shows
//! or merges studies builds without bevy, rapier or the simulation. Every table is a pure
//! function of the runs' `kpis.json` files and the manifest, so merging shards gives the same
//! bytes as running everything on one machine.

mod error;
mod gate;
mod manifest;
mod stats;
mod table;

pub use error::StudyError;
pub use gate::{Gate, check_gates};
pub use manifest::{Manifest, RunKey, Variant};
pub use stats::{Comparison, ComparisonLine, Summary, comparison_lines, fmt_num, t_975};
pub use table::{Row, Table, read_run};

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
pub use stats::{Comparison, Summary, fmt_num, t_975};
pub use table::{Row, Table, read_run};

#[cfg(test)]
mod tests {
    /// Tools that read studies (merge, a web service) must build without the engine.
    #[test]
    fn studies_build_without_the_engine() {
        let out = std::process::Command::new(env!("CARGO"))
            .args(["tree", "-p", "pilotzone-study", "-e", "normal", "--offline", "--prefix", "none"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("cargo tree runs");
        let tree = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(tree.contains("pilotzone-replay"), "the tree is the study crate's: {tree}");
        for banned in ["bevy_ecs", "rapier3d", "pilotzone-sim"] {
            assert!(!tree.lines().any(|l| l.starts_with(&format!("{banned} "))), "pilotzone-study depends on {banned}");
        }
    }
}

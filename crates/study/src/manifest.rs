//! `study.json`: what a study runs, and where each run's files live.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::StudyError;

/// What a study runs: the scenario under each variant, with each seed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Scenario name.
    pub scenario: String,
    /// Hash of the scenario text, hex.
    pub scenario_hash: String,
    /// Variants in study order; `base` is the scenario as written.
    pub variants: Vec<Variant>,
    /// Seed set name.
    pub seed_set: String,
    /// Seeds in study order.
    pub seeds: Vec<u64>,
    /// Simulated seconds, when the study overrides the scenario's duration.
    pub duration_s: Option<u32>,
}

/// One rule option of a study.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variant {
    /// Option name (`base` for the scenario as written).
    pub name: String,
    /// Hash of the effective scenario text, hex.
    pub scenario_hash: String,
}

/// One run of a study.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunKey<'a> {
    /// Variant name.
    pub variant: &'a str,
    /// Seed.
    pub seed: u64,
}

impl Manifest {
    /// The manifest's file name inside a study folder.
    pub const FILE: &'static str = "study.json";

    /// Every run in study order: variants, then seeds.
    pub fn runs(&self) -> Vec<RunKey<'_>> {
        self.variants
            .iter()
            .flat_map(|v| self.seeds.iter().map(move |&seed| RunKey { variant: &v.name, seed }))
            .collect()
    }

    /// Where a run's files live under the study folder.
    pub fn run_dir(dir: &Path, run: RunKey<'_>) -> PathBuf {
        dir.join("runs").join(run.variant).join(run.seed.to_string())
    }

    /// Reads `study.json` from a study folder.
    pub fn read(dir: &Path) -> Result<Self, StudyError> {
        let path = dir.join(Self::FILE);
        let text =
            std::fs::read_to_string(&path).map_err(|source| StudyError::NotAStudy { dir: dir.to_owned(), source })?;
        serde_json::from_str(&text).map_err(|source| StudyError::DamagedManifest { path, source })
    }

    /// The manifest as `study.json` holds it: pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a manifest is strings and numbers, always JSON") + "\n"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_without_or_with_a_damaged_manifest_says_so() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let err = Manifest::read(tmp.path()).expect_err("no study.json");
        assert!(matches!(err, StudyError::NotAStudy { .. }));
        assert!(err.to_string().ends_with("is not a study folder (no study.json)"), "{err}");
        std::fs::write(tmp.path().join(Manifest::FILE), "{").expect("write");
        let err = Manifest::read(tmp.path()).expect_err("damaged");
        assert!(matches!(err, StudyError::DamagedManifest { .. }));
        assert!(err.to_string().ends_with("study.json is damaged"), "{err}");
    }

    #[test]
    fn runs_go_variant_by_variant_then_seed_by_seed() {
        let variant = |name: &str| Variant { name: name.into(), scenario_hash: "0".into() };
        let m = Manifest {
            scenario: "demo".into(),
            scenario_hash: "0".into(),
            variants: vec![variant("base"), variant("b")],
            seed_set: "ci".into(),
            seeds: vec![3, 1],
            duration_s: None,
        };
        let runs: Vec<(&str, u64)> = m.runs().iter().map(|r| (r.variant, r.seed)).collect();
        assert_eq!(runs, [("base", 3), ("base", 1), ("b", 3), ("b", 1)]);
        assert_eq!(serde_json::from_str::<Manifest>(&m.to_json()).expect("round trip"), m);
        assert_eq!(Manifest::run_dir(Path::new("s"), m.runs()[3]), Path::new("s/runs/b/1"));
    }
}

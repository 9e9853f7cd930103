//! Studies the service hosts. `pilotzone serve study add` copies a finished study folder (what
//! `pilotzone batch` wrote) into `DATA/studies/ID/`, keeping only what the service reads (the
//! manifest, each run's KPIs and replay), and registers it in the database. The service loads
//! a study once: its table of runs, the summary with intervals and where each replay lies.
//!
//! A request names a study, an option and a seed; the file it gets is found by looking those
//! up among the study's own runs, never by joining request text onto a path.

use std::path::{Path, PathBuf};

use pilotzone_scene::metres;
use pilotzone_study::{Manifest, RunKey, Summary, Table};
use serde::Serialize;

use crate::ServeError;

/// Longest study id, in characters.
pub const MAX_ID_CHARS: usize = 40;

/// Whether `s` may name a study or an option: it becomes a folder name and part of a link.
pub fn is_safe_name(s: &str, max: usize) -> bool {
    !s.is_empty()
        && s.len() <= max
        && !s.starts_with('.')
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

/// A hosted study, loaded.
#[derive(Debug)]
pub struct Study {
    /// Its id, as links name it.
    pub id: String,
    /// Its folder under `DATA/studies/`.
    pub dir: PathBuf,
    /// What it runs.
    pub manifest: Manifest,
    /// Every run's KPIs.
    pub table: Table,
    /// A line saying what the study is about: the scenario's description, or its name.
    pub title: String,
    /// Time of day the runs start, s after midnight.
    pub start_s: u32,
    /// How long each run lasts, ms of simulated time.
    pub duration_ms: u64,
    /// The town's extent, m: west, south, east, north.
    pub bounds_m: [f64; 4],
}

/// One run as the player lists it.
#[derive(Debug, Serialize)]
pub struct RunInfo {
    /// Rule option.
    pub option: String,
    /// Seed.
    pub seed: u64,
    /// Replay hash, hex.
    pub replay_hash: String,
    /// Size of the replay, bytes.
    pub replay_bytes: u64,
}

/// One KPI of one option over the seeds: the mean and its 95 % interval.
#[derive(Debug, Serialize)]
pub struct KpiSummary {
    /// Dotted KPI name (`taxi.wait_s.p90`).
    pub kpi: String,
    /// Rule option.
    pub option: String,
    /// Seeds with a value.
    pub n: usize,
    /// Mean.
    pub mean: Option<f64>,
    /// Lower end of the 95 % interval.
    pub low: Option<f64>,
    /// Upper end of the 95 % interval.
    pub high: Option<f64>,
}

impl Study {
    /// Loads the study kept in `dir` under `id`.
    pub fn load(id: &str, dir: &Path) -> Result<Study, ServeError> {
        let manifest = Manifest::read(dir)?;
        let table = Table::load(manifest.clone(), &[dir.to_owned()])?;
        let first = table
            .rows
            .first()
            .ok_or_else(|| ServeError::Invalid(format!("{}: the study has no runs", dir.display())))?;
        let run_dir = Manifest::run_dir(dir, RunKey { variant: &first.variant, seed: first.seed });
        let run = pilotzone_web::Run::load(&run_dir).map_err(|e| ServeError::Invalid(e.to_string()))?;
        let scene = &run.scene;
        let duration_s = run.kpis.as_ref().and_then(|k| k["sim_seconds"].as_f64()).unwrap_or(0.0);
        let b = scene.bounds;
        Ok(Study {
            id: id.to_owned(),
            dir: dir.to_owned(),
            title: if scene.description.is_empty() { scene.name.clone() } else { scene.description.clone() },
            start_s: scene.start_s,
            duration_ms: (duration_s * 1000.0).round() as u64,
            bounds_m: [metres(b.min[0]), metres(b.min[1]), metres(b.max[0]), metres(b.max[1])],
            manifest,
            table,
        })
    }

    /// The option names, in study order.
    pub fn options(&self) -> Vec<&str> {
        self.manifest.variants.iter().map(|v| v.name.as_str()).collect()
    }

    /// The run of `option` with `seed`, if the study has it.
    pub fn run(&self, option: &str, seed: u64) -> Option<&pilotzone_study::Row> {
        self.table.rows.iter().find(|r| r.variant == option && r.seed == seed)
    }

    /// Where the replay of a run of this study lies; `None` for a run the study does not have.
    pub fn replay_path(&self, option: &str, seed: u64) -> Option<PathBuf> {
        let row = self.run(option, seed)?;
        Some(Manifest::run_dir(&self.dir, RunKey { variant: &row.variant, seed: row.seed }).join("replay.pzr"))
    }

    /// Every run, in study order.
    pub fn runs(&self) -> Vec<RunInfo> {
        self.table
            .rows
            .iter()
            .map(|r| RunInfo {
                option: r.variant.clone(),
                seed: r.seed,
                replay_hash: r.replay_hash.clone(),
                replay_bytes: self
                    .replay_path(&r.variant, r.seed)
                    .and_then(|p| std::fs::metadata(p).ok())
                    .map_or(0, |m| m.len()),
            })
            .collect()
    }

    /// Every option's KPIs with their intervals, option by option.
    pub fn summary(&self) -> Vec<KpiSummary> {
        let mut out = Vec::new();
        for option in self.options() {
            for (k, kpi) in self.table.kpis.iter().enumerate() {
                let values: Vec<f64> =
                    self.table.rows.iter().filter(|r| r.variant == option).filter_map(|r| r.values[k]).collect();
                let s = Summary::of(&values);
                out.push(KpiSummary {
                    kpi: kpi.clone(),
                    option: option.to_owned(),
                    n: s.n,
                    mean: s.mean,
                    low: s.low,
                    high: s.high,
                });
            }
        }
        out
    }
}

/// The folder that holds the study `id` in the data folder.
pub fn study_dir(data: &Path, id: &str) -> PathBuf {
    data.join("studies").join(id)
}

/// Copies the finished study in `source` into `DATA/studies/ID/` and returns it loaded. The copy
/// is made beside its place and renamed into it, so a study is either wholly there or absent.
pub fn copy_study(data: &Path, source: &Path, id: &str) -> Result<Study, ServeError> {
    if !is_safe_name(id, MAX_ID_CHARS) {
        return Err(ServeError::Invalid(format!(
            "study id \"{}\" must be 1 to {MAX_ID_CHARS} letters, digits, '-', '_' or '.' (not first); give --id",
            id.chars().take(60).collect::<String>()
        )));
    }
    let manifest = Manifest::read(source)?;
    for v in &manifest.variants {
        if !is_safe_name(&v.name, 80) {
            return Err(ServeError::Invalid(format!(
                "{}: option \"{}\" cannot name a folder or a link; rename it in the study",
                source.display(),
                v.name.chars().take(60).collect::<String>()
            )));
        }
    }
    // Every run must be finished and whole before anything is copied.
    Table::load(manifest.clone(), &[source.to_owned()])?;
    let target = study_dir(data, id);
    if target.exists() {
        return Err(ServeError::Invalid(format!(
            "a study with id \"{id}\" is already hosted ({}); choose another --id",
            target.display()
        )));
    }
    let parent = data.join("studies");
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| ServeError::Io { path, source }
    };
    std::fs::create_dir_all(&parent).map_err(io(&parent))?;
    let staging = tempfile::Builder::new().prefix(".adding-").tempdir_in(&parent).map_err(io(&parent))?;
    let manifest_path = staging.path().join(Manifest::FILE);
    std::fs::write(&manifest_path, manifest.to_json()).map_err(io(&manifest_path))?;
    for run in manifest.runs() {
        let from = Manifest::run_dir(source, run);
        let to = Manifest::run_dir(staging.path(), run);
        std::fs::create_dir_all(&to).map_err(io(&to))?;
        for file in ["kpis.json", "replay.pzr"] {
            std::fs::copy(from.join(file), to.join(file)).map_err(io(&from.join(file)))?;
            std::fs::File::open(to.join(file)).and_then(|f| f.sync_all()).map_err(io(&to.join(file)))?;
        }
    }
    let staged = staging.keep();
    std::fs::rename(&staged, &target).map_err(io(&target))?;
    std::fs::File::open(&parent).and_then(|d| d.sync_all()).map_err(io(&parent))?;
    Study::load(id, &target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_could_leave_their_folder_are_not_names() {
        for good in ["base", "zone-30", "night_rules", "v1.2"] {
            assert!(is_safe_name(good, 40), "{good}");
        }
        for bad in ["", "..", ".hidden", "a/b", "a\\b", "x y", "%2e%2e", "名前", &"a".repeat(41)] {
            assert!(!is_safe_name(bad, 40), "{bad}");
        }
    }
}

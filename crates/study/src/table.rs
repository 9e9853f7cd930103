//! A study's runs as tables: `study.csv` (a row per run, every KPI) and `summary.csv` (per option
//! and KPI, the mean with its 95 % confidence interval), and paired comparisons of two options.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::{Comparison, Manifest, StudyError, Summary, fmt_num};

/// A study's runs, loaded from their `kpis.json` files.
#[derive(Debug)]
pub struct Table {
    /// The manifest the runs belong to.
    pub manifest: Manifest,
    /// Numeric KPI names, sorted (dotted paths such as `taxi.wait_s.p90`).
    pub kpis: Vec<String>,
    /// Per run in study order: variant, seed, replay hash, and one value per KPI.
    pub rows: Vec<Row>,
}

/// One run's results.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// Variant name.
    pub variant: String,
    /// Seed.
    pub seed: u64,
    /// Replay hash, hex.
    pub replay_hash: String,
    /// KPI values in [`Table::kpis`] order; `None` where the KPI had no samples.
    pub values: Vec<Option<f64>>,
}

/// KPIs that differ between identical runs and so stay out of study tables.
const UNSTABLE: [&str; 2] = ["wall_seconds", "seed"];

fn flatten(prefix: &str, value: &serde_json::Value, out: &mut BTreeMap<String, Option<f64>>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(&key, v, out);
            }
        }
        serde_json::Value::Number(n) => {
            out.insert(prefix.to_owned(), n.as_f64());
        }
        serde_json::Value::Null => {
            out.insert(prefix.to_owned(), None);
        }
        _ => {}
    }
}

/// Reads a finished run's KPIs; `None` if the run has not finished: no readable `kpis.json`,
/// or a `replay.pzr` whose hash is not the one `kpis.json` names.
pub fn read_run(run_dir: &Path) -> Option<serde_json::Value> {
    let text = std::fs::read_to_string(run_dir.join("kpis.json")).ok()?;
    let value = serde_json::from_str::<serde_json::Value>(&text).ok()?;
    let replay = std::fs::read(run_dir.join("replay.pzr")).ok()?;
    let hash = pilotzone_replay::Hex(pilotzone_replay::replay_hash(&replay)).to_string();
    (value.get("replay_hash")?.as_str()? == hash).then_some(value)
}

impl Table {
    /// Loads every run of the manifest from the given study folders (shards may be spread over
    /// several); a run missing from all of them is an error naming it.
    pub fn load(manifest: Manifest, dirs: &[PathBuf]) -> Result<Self, StudyError> {
        let all: Vec<usize> = (0..manifest.runs().len()).collect();
        Self::load_some(manifest, dirs, &all)
    }

    /// Loads the runs with the given indices in study order.
    pub fn load_some(manifest: Manifest, dirs: &[PathBuf], keep: &[usize]) -> Result<Self, StudyError> {
        let mut rows = Vec::new();
        let mut kpis: Option<Vec<String>> = None;
        let mut missing = Vec::new();
        let runs = manifest.runs();
        for run in keep.iter().filter_map(|&i| runs.get(i).copied()) {
            let Some(value) = dirs.iter().find_map(|d| read_run(&Manifest::run_dir(d, run))) else {
                missing.push(format!("{}/{}", run.variant, run.seed));
                continue;
            };
            let mut flat = BTreeMap::new();
            flatten("", &value, &mut flat);
            UNSTABLE.iter().for_each(|k| {
                flat.remove(*k);
            });
            let names: Vec<String> = flat.keys().cloned().collect();
            if kpis.get_or_insert_with(|| names.clone()) != &names {
                return Err(StudyError::MixedKpis { variant: run.variant.to_owned(), seed: run.seed });
            }
            let replay_hash = value["replay_hash"].as_str().unwrap_or_default().to_owned();
            rows.push(Row {
                variant: run.variant.to_owned(),
                seed: run.seed,
                replay_hash,
                values: flat.into_values().collect(),
            });
        }
        if !missing.is_empty() {
            return Err(StudyError::MissingRuns { missing, total: keep.len() });
        }
        let kpis = kpis.unwrap_or_default();
        Ok(Table { manifest, kpis, rows })
    }

    /// `study.csv`: one row per run.
    pub fn study_csv(&self) -> String {
        let mut out = CsvText::default();
        out.row(["variant", "seed", "replay_hash"].into_iter().chain(self.kpis.iter().map(String::as_str)));
        for r in &self.rows {
            let ids = [r.variant.clone(), r.seed.to_string(), r.replay_hash.clone()];
            out.row(ids.into_iter().chain(r.values.iter().map(|&v| opt(v))));
        }
        out.finish()
    }

    /// Values of one KPI for one variant, by seed.
    fn values(&self, variant: &str, kpi: usize) -> BTreeMap<u64, f64> {
        self.rows.iter().filter(|r| r.variant == variant).filter_map(|r| r.values[kpi].map(|v| (r.seed, v))).collect()
    }

    /// `summary.csv`: per variant and KPI, the mean, standard deviation and 95 % confidence
    /// interval of the mean over seeds (Student's t).
    pub fn summary_csv(&self) -> String {
        let mut out = CsvText::default();
        out.row(["variant", "kpi", "n", "mean", "sd", "ci95_low", "ci95_high"]);
        for v in &self.manifest.variants {
            for (k, name) in self.kpis.iter().enumerate() {
                let s = Summary::of(&self.values(&v.name, k).into_values().collect::<Vec<_>>());
                let n = s.n.to_string();
                out.row([v.name.as_str(), name, &n, &opt(s.mean), &opt(s.sd), &opt(s.low), &opt(s.high)]);
            }
        }
        out.finish()
    }

    /// Paired comparison of `variant` against `baseline` over the seeds both have.
    pub fn compare(&self, baseline: &str, variant: &str) -> Result<Vec<Comparison>, StudyError> {
        for name in [baseline, variant] {
            if !self.manifest.variants.iter().any(|v| v.name == name) {
                let known: Vec<String> = self.manifest.variants.iter().map(|v| v.name.clone()).collect();
                let hint = pilotzone_scenario::error::did_you_mean(name, known.iter().map(String::as_str));
                return Err(StudyError::UnknownVariant { name: name.to_owned(), known, hint });
            }
        }
        Ok(self
            .kpis
            .iter()
            .enumerate()
            .map(|(k, name)| {
                let (a, b) = (self.values(baseline, k), self.values(variant, k));
                let diffs: Vec<f64> = a.iter().filter_map(|(seed, x)| b.get(seed).map(|y| y - x)).collect();
                let mean = |m: &BTreeMap<u64, f64>| Summary::of(&m.values().copied().collect::<Vec<_>>()).mean;
                Comparison { kpi: name.clone(), baseline: mean(&a), variant: mean(&b), difference: Summary::of(&diffs) }
            })
            .collect())
    }
}

fn opt(v: Option<f64>) -> String {
    v.map(fmt_num).unwrap_or_default()
}

/// A table written in memory with the csv crate: a field is quoted only when it holds a comma,
/// a double quote or a line break, so tables of ordinary names read exactly as written by hand,
/// and an option named `a, "b"` stays one field.
struct CsvText(csv::Writer<Vec<u8>>);

impl Default for CsvText {
    fn default() -> Self {
        Self(csv::Writer::from_writer(Vec::new()))
    }
}

impl CsvText {
    fn row(&mut self, fields: impl IntoIterator<Item = impl AsRef<[u8]>>) {
        // Writing to memory cannot fail; the csv crate refuses only a row of another width than
        // the first, and every table here builds each row from the same columns as its header.
        self.0.write_record(fields).expect("every row is as wide as the header");
    }

    fn finish(self) -> String {
        let bytes = self.0.into_inner().expect("flushing into memory cannot fail");
        String::from_utf8(bytes).expect("every field is UTF-8 text")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Variant;

    fn manifest(variants: &[&str], seeds: &[u64]) -> Manifest {
        Manifest {
            scenario: "demo".into(),
            scenario_hash: "0".into(),
            variants: variants.iter().map(|&name| Variant { name: name.into(), scenario_hash: "0".into() }).collect(),
            seed_set: "test".into(),
            seeds: seeds.to_vec(),
            duration_s: None,
        }
    }

    /// Writes a finished run: a replay (any bytes) and KPIs naming its hash.
    fn finish_run(dir: &Path, served: f64) {
        std::fs::create_dir_all(dir).expect("run dir");
        let replay = format!("replay of {}", dir.display());
        std::fs::write(dir.join("replay.pzr"), &replay).expect("replay");
        let hash = pilotzone_replay::Hex(pilotzone_replay::replay_hash(replay.as_bytes())).to_string();
        let kpis = serde_json::json!({
            "replay_hash": hash, "seed": 1, "wall_seconds": 0.5,
            "taxi": { "served": served, "wait_s": { "p90": null } },
        });
        std::fs::write(dir.join("kpis.json"), kpis.to_string()).expect("kpis");
    }

    #[test]
    fn tables_load_from_shards_and_name_missing_runs() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let m = manifest(&["base", "slow"], &[1, 2]);
        let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
        for (i, run) in m.runs().into_iter().enumerate() {
            finish_run(&Manifest::run_dir(if i % 2 == 0 { &a } else { &b }, run), i as f64);
        }
        let table = Table::load(m.clone(), &[a.clone(), b]).expect("every run is in one of the shards");
        assert_eq!(
            table.kpis,
            ["taxi.served", "taxi.wait_s.p90"],
            "numbers only, dotted, sorted; no seed nor wall time"
        );
        assert_eq!(table.rows.iter().map(|r| r.values[0]).collect::<Vec<_>>(), [0.0, 1.0, 2.0, 3.0].map(Some));
        assert_eq!(table.rows[0].values[1], None, "null KPIs have no value");

        let err = Table::load(m, &[a]).expect_err("half the runs are elsewhere");
        assert!(matches!(&err, StudyError::MissingRuns { missing, total: 4 } if missing == &["base/2", "slow/2"]));
        assert!(err.to_string().starts_with("2 of 4 runs have no results yet: base/2, slow/2 — "), "{err}");
    }

    #[test]
    fn awkward_option_names_stay_one_field() {
        let name = "a, \"b\"\nc";
        let table = Table {
            manifest: manifest(&["base", name], &[1]),
            kpis: vec!["taxi.served".into(), "taxi, \"odd\"".into()],
            rows: [("base", 1.0), (name, 2.5)]
                .map(|(variant, v)| Row {
                    variant: variant.into(),
                    seed: 1,
                    replay_hash: "ab".into(),
                    values: vec![Some(v), None],
                })
                .to_vec(),
        };
        let read = |text: &str| -> Vec<Vec<String>> {
            csv::Reader::from_reader(text.as_bytes())
                .records()
                .map(|r| r.expect("a well-formed row").iter().map(str::to_owned).collect())
                .collect()
        };
        let study = table.study_csv();
        assert!(study.starts_with("variant,seed,replay_hash,taxi.served,\"taxi, \"\"odd\"\"\"\n"), "{study}");
        assert_eq!(read(&study), [["base", "1", "ab", "1", ""], [name, "1", "ab", "2.5", ""]]);
        let summary = read(&table.summary_csv());
        assert_eq!(summary.len(), 4, "two options × two KPIs");
        assert_eq!(summary[2], [name, "taxi.served", "1", "2.5", "", "", ""]);
        assert_eq!(summary[3][1], "taxi, \"odd\"");
    }

    #[test]
    fn comparisons_pair_by_seed_and_unknown_options_get_a_hint() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let m = manifest(&["base", "school-10"], &[1, 2, 3]);
        for (i, run) in m.runs().into_iter().enumerate() {
            finish_run(&Manifest::run_dir(tmp.path(), run), if i < 3 { 10.0 + i as f64 } else { 14.0 + i as f64 });
        }
        let table = Table::load(m, &[tmp.path().to_owned()]).expect("loads");
        let rows = table.compare("base", "school-10").expect("both exist");
        let served = rows.iter().find(|c| c.kpi == "taxi.served").expect("served compared");
        assert_eq!((served.baseline, served.variant, served.difference.mean), (Some(11.0), Some(18.0), Some(7.0)));
        assert_eq!(served.difference.sd, Some(0.0));
        let err = table.compare("base", "school10").expect_err("no such option");
        assert_eq!(
            err.to_string(),
            "the study has no variant \"school10\"; it has base, school-10 — did you mean \"school-10\"?"
        );
    }
}

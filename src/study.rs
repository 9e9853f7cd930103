//! Studies: the manifest that names a study's variants and seeds, the per-run KPI table, the
//! per-variant summary with confidence intervals, paired comparisons and KPI gates.
//!
//! Everything written here is a pure function of the runs' `kpis.json` files and the manifest,
//! so merging shards gives the same bytes as running everything on one machine.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

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
    pub fn read(dir: &Path) -> Result<Self> {
        let path = dir.join("study.json");
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("{} is not a study folder (no study.json)", dir.display()))?;
        serde_json::from_str(&text).with_context(|| format!("{} is damaged", path.display()))
    }
}

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
    pub fn load(manifest: Manifest, dirs: &[PathBuf]) -> Result<Self> {
        let all: Vec<usize> = (0..manifest.runs().len()).collect();
        Self::load_some(manifest, dirs, &all)
    }

    /// Loads the runs with the given indices in study order.
    pub fn load_some(manifest: Manifest, dirs: &[PathBuf], keep: &[usize]) -> Result<Self> {
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
                bail!(
                    "run {}/{} reports other KPIs than the runs before it (written by another pilotzone version?)",
                    run.variant,
                    run.seed
                );
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
            bail!("{} of {} runs have no results yet: {}", missing.len(), keep.len(), missing.join(", "));
        }
        let kpis = kpis.unwrap_or_default();
        Ok(Table { manifest, kpis, rows })
    }

    /// `study.csv`: one row per run.
    pub fn study_csv(&self) -> String {
        let mut out = String::from("variant,seed,replay_hash");
        for k in &self.kpis {
            let _ = write!(out, ",{k}");
        }
        out.push('\n');
        for r in &self.rows {
            let _ = write!(out, "{},{},{}", r.variant, r.seed, r.replay_hash);
            for v in &r.values {
                out.push(',');
                if let Some(v) = v {
                    let _ = write!(out, "{}", fmt_num(*v));
                }
            }
            out.push('\n');
        }
        out
    }

    /// Values of one KPI for one variant, by seed.
    fn values(&self, variant: &str, kpi: usize) -> BTreeMap<u64, f64> {
        self.rows.iter().filter(|r| r.variant == variant).filter_map(|r| r.values[kpi].map(|v| (r.seed, v))).collect()
    }

    /// `summary.csv`: per variant and KPI, the mean, standard deviation and 95 % confidence
    /// interval of the mean over seeds (Student's t).
    pub fn summary_csv(&self) -> String {
        let mut out = String::from("variant,kpi,n,mean,sd,ci95_low,ci95_high\n");
        for v in &self.manifest.variants {
            for (k, name) in self.kpis.iter().enumerate() {
                let s = Summary::of(&self.values(&v.name, k).into_values().collect::<Vec<_>>());
                let _ = writeln!(
                    out,
                    "{},{name},{},{},{},{},{}",
                    v.name,
                    s.n,
                    opt(s.mean),
                    opt(s.sd),
                    opt(s.low),
                    opt(s.high)
                );
            }
        }
        out
    }

    /// Paired comparison of `variant` against `baseline` over the seeds both have.
    pub fn compare(&self, baseline: &str, variant: &str) -> Result<Vec<Comparison>> {
        for name in [baseline, variant] {
            if !self.manifest.variants.iter().any(|v| v.name == name) {
                let known: Vec<&str> = self.manifest.variants.iter().map(|v| v.name.as_str()).collect();
                bail!("the study has no variant \"{name}\"; it has {}", known.join(", "));
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

/// Mean, spread and confidence interval of a sample.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    /// Sample size.
    pub n: usize,
    /// Mean.
    pub mean: Option<f64>,
    /// Sample standard deviation.
    pub sd: Option<f64>,
    /// Lower end of the 95 % confidence interval of the mean.
    pub low: Option<f64>,
    /// Upper end of the 95 % confidence interval of the mean.
    pub high: Option<f64>,
}

impl Summary {
    /// Summarises a sample.
    pub fn of(values: &[f64]) -> Self {
        let n = values.len();
        if n == 0 {
            return Self { n, mean: None, sd: None, low: None, high: None };
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        if n == 1 {
            return Self { n, mean: Some(mean), sd: None, low: None, high: None };
        }
        let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
        let half = t_975(n - 1) * sd / (n as f64).sqrt();
        Self { n, mean: Some(mean), sd: Some(sd), low: Some(mean - half), high: Some(mean + half) }
    }
}

/// One KPI compared between two variants.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    /// KPI name.
    pub kpi: String,
    /// Mean under the baseline.
    pub baseline: Option<f64>,
    /// Mean under the variant.
    pub variant: Option<f64>,
    /// Variant minus baseline, paired by seed.
    pub difference: Summary,
}

/// The 97.5th percentile of Student's t with `df` degrees of freedom.
pub fn t_975(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => f64::NAN,
        1..=30 => TABLE[df - 1],
        _ => {
            // Cornish–Fisher expansion around the normal quantile; within 1e-3 past 30.
            let (z, d) = (1.959_964_f64, df as f64);
            z + (z.powi(3) + z) / (4.0 * d) + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * d * d)
        }
    }
}

/// Numbers as study tables print them: at most six decimals, no trailing zeros.
pub fn fmt_num(v: f64) -> String {
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

fn opt(v: Option<f64>) -> String {
    v.map(fmt_num).unwrap_or_default()
}

/// A KPI gate such as `taxi.wait_s.p90 < 600`.
#[derive(Clone, Debug, PartialEq)]
pub struct Gate {
    /// As written.
    pub text: String,
    /// KPI name.
    pub kpi: String,
    /// Comparison.
    pub op: String,
    /// Threshold.
    pub value: f64,
}

impl std::str::FromStr for Gate {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let parts: Vec<&str> = text.split_whitespace().collect();
        let [kpi, op, value] = parts.as_slice() else {
            return Err(format!("gate \"{text}\" must read KPI OP NUMBER, for example 'safety.collisions == 0'"));
        };
        if !["<", "<=", ">", ">=", "==", "!="].contains(op) {
            return Err(format!("gate \"{text}\": unknown comparison \"{op}\" (use <, <=, >, >=, == or !=)"));
        }
        let value = value.parse().map_err(|_| format!("gate \"{text}\": \"{value}\" is not a number"))?;
        Ok(Gate { text: text.to_owned(), kpi: (*kpi).to_owned(), op: (*op).to_owned(), value })
    }
}

impl Gate {
    fn holds(&self, v: f64) -> bool {
        match self.op.as_str() {
            "<" => v < self.value,
            "<=" => v <= self.value,
            ">" => v > self.value,
            ">=" => v >= self.value,
            "==" => v == self.value,
            _ => v != self.value,
        }
    }

    /// The runs that break the gate, as `variant/seed (value)`; an error if the KPI is unknown.
    pub fn breaches(&self, table: &Table) -> Result<Vec<String>, String> {
        let Some(k) = table.kpis.iter().position(|n| *n == self.kpi) else {
            let hint = pilotzone_scenario::error::did_you_mean(&self.kpi, table.kpis.iter().map(String::as_str))
                .map(|h| format!(" — {h}"))
                .unwrap_or_default();
            return Err(format!("gate \"{}\": no KPI named \"{}\"{hint}", self.text, self.kpi));
        };
        Ok(table
            .rows
            .iter()
            .filter(|r| !r.values[k].is_some_and(|v| self.holds(v)))
            .map(|r| format!("{}/{} ({})", r.variant, r.seed, r.values[k].map_or_else(|| "no value".into(), fmt_num)))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confidence_intervals_use_students_t() {
        let s = Summary::of(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(s.mean, Some(2.5));
        let sd = (5.0f64 / 3.0).sqrt();
        assert!((s.sd.expect("sd") - sd).abs() < 1e-12);
        let half = 3.182 * sd / 2.0;
        assert!((s.high.expect("ci") - (2.5 + half)).abs() < 1e-12);
        assert!((t_975(31) - 2.040).abs() < 2e-3 && (t_975(1000) - 1.962).abs() < 1e-3);
        assert_eq!(Summary::of(&[5.0]).low, None, "one seed gives no interval");
    }

    #[test]
    fn gates_parse_and_judge() {
        let g: Gate = "safety.collisions == 0".parse().expect("parses");
        assert!(g.holds(0.0) && !g.holds(1.0));
        assert!("taxi.wait < 3 4".parse::<Gate>().is_err());
        assert!("taxi.wait ~ 3".parse::<Gate>().unwrap_err().contains("unknown comparison"));
        assert!("taxi.wait < soon".parse::<Gate>().unwrap_err().contains("not a number"));
    }

    #[test]
    fn numbers_print_compactly() {
        assert_eq!(fmt_num(12.0), "12");
        assert_eq!(fmt_num(0.1 + 0.2), "0.3");
        assert_eq!(fmt_num(-0.0000001), "0");
        assert_eq!(fmt_num(2.5), "2.5");
    }
}

//! What can go wrong reading a study folder, building its tables or judging its gates.

use std::path::PathBuf;

/// A study that cannot be read, compared or judged, with what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum StudyError {
    /// The folder has no readable `study.json`.
    #[error("{} is not a study folder (no study.json)", dir.display())]
    NotAStudy {
        /// The folder given.
        dir: PathBuf,
        /// Why `study.json` could not be read.
        #[source]
        source: std::io::Error,
    },
    /// `study.json` is there but is not a study manifest.
    #[error("{} is damaged", path.display())]
    DamagedManifest {
        /// The manifest file.
        path: PathBuf,
        /// Where parsing stopped.
        #[source]
        source: serde_json::Error,
    },
    /// A run's `kpis.json` names other KPIs than the runs before it.
    #[error("run {variant}/{seed} reports other KPIs than the runs before it (written by another pilotzone version?)")]
    MixedKpis {
        /// The run's option.
        variant: String,
        /// The run's seed.
        seed: u64,
    },
    /// Runs of the study have no finished results in any of the folders given.
    #[error(
        "{} of {total} runs have no results yet: {} — finish them with `pilotzone batch` (every shard) and give every shard's folder",
        missing.len(),
        missing.join(", ")
    )]
    MissingRuns {
        /// The unfinished runs, as `option/seed`.
        missing: Vec<String>,
        /// The runs asked for.
        total: usize,
    },
    /// The study has no option by that name.
    #[error("the study has no variant \"{name}\"; it has {}{}", known.join(", "), dash(hint))]
    UnknownVariant {
        /// The name asked for.
        name: String,
        /// The study's options, in study order.
        known: Vec<String>,
        /// A close name, as `did you mean "…"?`.
        hint: Option<String>,
    },
    /// A gate is not three words `KPI OP NUMBER`.
    #[error("gate \"{text}\" must read KPI OP NUMBER, for example 'safety.collisions == 0'")]
    GateSyntax {
        /// The gate as written.
        text: String,
    },
    /// A gate's comparison is none of `<`, `<=`, `>`, `>=`, `==`, `!=`.
    #[error("gate \"{text}\": unknown comparison \"{op}\" (use <, <=, >, >=, == or !=)")]
    GateComparison {
        /// The gate as written.
        text: String,
        /// The comparison found.
        op: String,
    },
    /// A gate's threshold is not a number.
    #[error("gate \"{text}\": \"{value}\" is not a number")]
    GateNumber {
        /// The gate as written.
        text: String,
        /// The threshold found.
        value: String,
    },
    /// A gate names a KPI the study's runs do not report.
    #[error("gate \"{text}\": no KPI named \"{kpi}\"{}", dash(hint))]
    UnknownKpi {
        /// The gate as written.
        text: String,
        /// The KPI it names.
        kpi: String,
        /// A close name, as `did you mean "…"?`.
        hint: Option<String>,
    },
}

/// A hint appended to a message, after a dash.
fn dash(hint: &Option<String>) -> String {
    hint.as_ref().map(|h| format!(" — {h}")).unwrap_or_default()
}

//! Paired study intervals for a comparison page: the two replays are found among a study's runs
//! by their hashes, and their options compared over every seed exactly as `pilotzone compare`
//! does (the study crate's paired differences and Student's t intervals).

use std::path::Path;

use pilotzone_study::{Comparison, Manifest, Table, fmt_num};
use serde::Serialize;

use crate::{Run, WebError};

/// Two options of a study compared, paired by seed.
#[derive(Debug, Serialize)]
pub struct StudyComparison {
    /// The first replay's option.
    pub baseline: String,
    /// The second replay's option.
    pub variant: String,
    /// Seeds paired.
    pub seeds: usize,
    /// Every KPI, in the study's order.
    pub rows: Vec<StudyRow>,
}

/// One KPI compared, with the numbers as study tables print them.
#[derive(Debug, Serialize)]
pub struct StudyRow {
    /// Dotted KPI name, as in `kpis.json` (`taxi.wait_s.p90`).
    pub kpi: String,
    /// Mean under the baseline.
    pub baseline: Option<String>,
    /// Mean under the variant.
    pub variant: Option<String>,
    /// Mean paired difference, variant − baseline.
    pub difference: Option<String>,
    /// Lower end of its 95 % interval.
    pub low: Option<String>,
    /// Upper end of its 95 % interval.
    pub high: Option<String>,
    /// Whether both options gave the same value in every pair (`pilotzone compare` leaves
    /// such KPIs out and counts them).
    pub same: bool,
}

impl StudyComparison {
    /// Compares the options of the study in `dir` whose runs made `first` and `second`.
    pub fn new(dir: &Path, first: &Run, second: &Run) -> Result<Self, WebError> {
        let table = Table::load(Manifest::read(dir)?, &[dir.to_owned()])?;
        let option_of = |run: &Run| {
            table.rows.iter().find(|r| r.replay_hash == run.hash).map(|r| r.variant.clone()).ok_or_else(|| {
                WebError::NotInStudy { path: run.path.clone(), study: dir.to_owned(), hash: run.hash.clone() }
            })
        };
        let (baseline, variant) = (option_of(first)?, option_of(second)?);
        if baseline == variant {
            return Err(WebError::SameOption { option: baseline });
        }
        let rows = table.compare(&baseline, &variant)?;
        Ok(StudyComparison {
            seeds: rows.first().map_or(0, |r| r.difference.n),
            rows: rows.iter().map(StudyRow::from).collect(),
            baseline,
            variant,
        })
    }
}

impl From<&Comparison> for StudyRow {
    fn from(c: &Comparison) -> Self {
        let f = |v: Option<f64>| v.map(fmt_num);
        StudyRow {
            kpi: c.kpi.clone(),
            baseline: f(c.baseline),
            variant: f(c.variant),
            difference: f(c.difference.mean),
            low: f(c.difference.low),
            high: f(c.difference.high),
            same: c.is_same(),
        }
    }
}

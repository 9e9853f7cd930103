//! Sample statistics for study tables: mean, spread, Student's t intervals, and the number
//! format every table shares.

use serde::Serialize;

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

/// One compared KPI as people read it: the numbers formatted as every study table prints them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComparisonLine {
    /// KPI name.
    pub kpi: String,
    /// Mean under the baseline, or `–`.
    pub baseline: String,
    /// Mean under the variant, or `–`.
    pub variant: String,
    /// Mean paired difference (variant − baseline), or `–`.
    pub difference: String,
    /// Its 95 % interval (`low … high`), or `–` with fewer than two pairs.
    pub interval: String,
}

impl Comparison {
    /// Whether the two variants gave the same value in every pair (nothing to show).
    pub fn is_same(&self) -> bool {
        self.difference.mean.is_none_or(|m| m == 0.0) && self.difference.sd.is_none_or(|s| s == 0.0)
    }
}

/// The lines of a comparison that differ, as `pilotzone compare` prints them and the viewers
/// show them, and how many KPIs were equal in every pair (left out).
pub fn comparison_lines(rows: &[Comparison]) -> (Vec<ComparisonLine>, usize) {
    let f = |v: Option<f64>| v.map_or_else(|| "–".to_owned(), fmt_num);
    let shown: Vec<ComparisonLine> = rows
        .iter()
        .filter(|r| !r.is_same())
        .map(|r| ComparisonLine {
            kpi: r.kpi.clone(),
            baseline: f(r.baseline),
            variant: f(r.variant),
            difference: f(r.difference.mean),
            interval: match (r.difference.low, r.difference.high) {
                (Some(l), Some(h)) => format!("{} … {}", fmt_num(l), fmt_num(h)),
                _ => "–".into(),
            },
        })
        .collect();
    let same = rows.len() - shown.len();
    (shown, same)
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
    fn numbers_print_compactly() {
        assert_eq!(fmt_num(12.0), "12");
        assert_eq!(fmt_num(0.1 + 0.2), "0.3");
        assert_eq!(fmt_num(-0.0000001), "0");
        assert_eq!(fmt_num(2.5), "2.5");
    }
}

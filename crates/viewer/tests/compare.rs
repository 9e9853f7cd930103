//! The compare panel's study table is the one `pilotzone compare` prints: both read
//! `tests/data/compare-study` (the demo under zone-30, three seeds), whose printed comparison
//! is kept beside it and checked against the command line in the root package's tests.

use std::path::Path;

use pilotzone_viewer::ui::compare::study_comparison;

/// The fixture study.
fn fixture() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/compare-study")
}

/// The rows of `pilotzone compare`'s table: KPI, baseline, variant, difference, interval.
fn printed_rows(text: &str) -> (Vec<[String; 5]>, usize) {
    let mut rows = Vec::new();
    let mut same = 0;
    for line in text.lines().skip(2) {
        if let Some(rest) = line.strip_prefix('(') {
            same = rest.split_whitespace().next().and_then(|n| n.parse().ok()).expect("a count of equal KPIs");
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        // kpi, baseline, variant, difference, then the interval `low … high` or `–`.
        let interval = fields[4..].join(" ");
        rows.push([fields[0], fields[1], fields[2], fields[3], &interval].map(str::to_owned));
    }
    (rows, same)
}

#[test]
fn the_study_comparison_is_the_one_pilotzone_compare_prints() {
    let study = fixture();
    let expected = std::fs::read_to_string(study.join("expected-compare.txt")).expect("the printed comparison");
    let (rows, same) = printed_rows(&expected);
    assert!(rows.len() > 10, "the fixture's table has rows: {rows:?}");
    let main = study.join("runs/base/2/replay.pzr");
    let other = study.join("runs/zone-30/2/replay.pzr");
    for given in [None, Some(study.as_path())] {
        let c = study_comparison(&main, &other, given).expect("the study reads").expect("two options of one study");
        assert_eq!((c.baseline.as_str(), c.variant.as_str()), ("base", "zone-30"));
        let shown: Vec<[String; 5]> = c
            .lines
            .iter()
            .map(|l| [l.kpi.clone(), l.baseline.clone(), l.variant.clone(), l.difference.clone(), l.interval.clone()])
            .collect();
        assert_eq!(shown, rows);
        assert_eq!(c.same, same);
    }
    let speed = rows.iter().find(|r| r[0] == "safety.speed_violations").expect("speed violations differ");
    assert_eq!(speed[3..], ["4.333333".to_owned(), "1.464667 … 7.202".to_owned()]);
}

#[test]
fn runs_outside_the_study_or_of_one_option_have_no_study_comparison() {
    let study = fixture();
    let base = study.join("runs/base/1/replay.pzr");
    assert_eq!(study_comparison(&base, &study.join("runs/base/3/replay.pzr"), None), Ok(None), "one option");
    let elsewhere = Path::new("/tmp/runs/demo-42/replay.pzr");
    assert_eq!(study_comparison(&base, elsewhere, None), Ok(None));
    let err = study_comparison(&base, elsewhere, Some(&study)).expect_err("--study with a run outside it");
    assert!(err.contains("open two runs of it"), "{err}");
}

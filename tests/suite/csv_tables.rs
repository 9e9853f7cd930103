//! Every table the project writes is CSV that the csv crate reads back: a rule id, an event
//! detail or an option name holding a comma, a double quote or a line break stays one field.

use std::path::Path;

use crate::{demo, pilotzone, read_csv};

/// A rule id with every character that breaks a hand-written table.
const AWKWARD_RULE: &str = "slow, \"very\"\nslow";

/// An option name with the same; option files refuse such names, so it is put into a loaded
/// study by hand to exercise the table writers.
const AWKWARD_OPTION: &str = "base, \"but\"\nslower";

/// A rule option adding a 5 km/h limit everywhere for the first three minutes, under
/// [`AWKWARD_RULE`]: rule changes name it in their detail and speeding cars cite it.
fn write_option(path: &Path) {
    let rule = AWKWARD_RULE.replace('"', "\\\"").replace('\n', "\\n");
    let ron = format!(
        "RuleOverlay(\n  format_version: 2,\n  name: \"awkward\",\n  description: \"an awkward rule id\",\n  \
         rules: [\n    Rule(\n      id: \"{rule}\",\n      name: (en: \"5 km/h\", ja: \"5 km/h\"),\n      \
         hours: (from: \"07:00\", to: \"07:03\"),\n      kind: SpeedLimit(zone: None, kmh: 5.0),\n    ),\n  ],\n)\n"
    );
    std::fs::write(path, ron).expect("option written");
}

#[test]
fn awkward_names_stay_one_field_in_every_table() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let (option, seeds, out) = (tmp.path().join("awkward.ron"), tmp.path().join("seeds.ron"), tmp.path().join("study"));
    write_option(&option);
    std::fs::write(&seeds, "SeedSet(name: \"two\", seeds: [1, 2])").expect("seeds written");
    let utf8 = |p: &Path| p.to_str().expect("utf-8 path").to_owned();
    let o = pilotzone(&[
        "batch",
        &utf8(&demo()),
        "--rules",
        &utf8(&option),
        "--seeds",
        &utf8(&seeds),
        "--duration-s",
        "300",
        "--quiet",
        "--out",
        &utf8(&out),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // events.csv: the rule id in the rule column and in rule changes' details, one field each.
    let (header, events) = read_csv(&out.join("runs/awkward/1/events.csv"));
    assert_eq!(header, pilotzone::output::EVENT_COLUMNS);
    let column = |name: &str| header.iter().position(|h| h == name).expect("a column");
    let (kind, rule, detail) = (column("kind"), column("rule"), column("detail"));
    let details: Vec<&str> = events.iter().filter(|e| e[kind] == "rule_change").map(|e| e[detail].as_str()).collect();
    assert!(details.contains(&format!("{AWKWARD_RULE} holds").as_str()), "{details:?}");
    assert!(details.contains(&format!("{AWKWARD_RULE} lifted").as_str()), "{details:?}");
    let citing = events.iter().filter(|e| e[rule] == AWKWARD_RULE).count();
    assert!(citing > 0, "speeding cars cite the rule");

    // study.csv and summary.csv as the batch wrote them.
    let (study_header, runs) = read_csv(&out.join("study.csv"));
    assert_eq!(study_header[..3], ["variant", "seed", "replay_hash"]);
    let variants: Vec<&str> = runs.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(variants, ["base", "base", "awkward", "awkward"]);
    let (summary_header, summary) = read_csv(&out.join("summary.csv"));
    assert_eq!(summary_header, ["variant", "kpi", "n", "mean", "sd", "ci95_low", "ci95_high"]);
    assert_eq!(summary.len(), 2 * (study_header.len() - 3), "per option and KPI");

    // The same study with the option renamed: the writers quote the name, the reader gets it back.
    let manifest = pilotzone_study::Manifest::read(&out).expect("the batch wrote study.json");
    let mut table = pilotzone_study::Table::load(manifest, std::slice::from_ref(&out)).expect("every run finished");
    table.manifest.variants[1].name = AWKWARD_OPTION.to_owned();
    table.rows.iter_mut().filter(|r| r.variant == "awkward").for_each(|r| r.variant = AWKWARD_OPTION.to_owned());
    let renamed = tmp.path().join("renamed");
    std::fs::create_dir(&renamed).expect("folder");
    std::fs::write(renamed.join("study.csv"), table.study_csv()).expect("written");
    std::fs::write(renamed.join("summary.csv"), table.summary_csv()).expect("written");
    let (header, rows) = read_csv(&renamed.join("study.csv"));
    assert_eq!(header, study_header);
    let variants: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(variants, ["base", "base", AWKWARD_OPTION, AWKWARD_OPTION]);
    assert_eq!(rows[2][1..], runs[2][1..], "the other fields as before");
    let (_, renamed_summary) = read_csv(&renamed.join("summary.csv"));
    assert_eq!(renamed_summary.len(), summary.len());
    for (row, before) in renamed_summary.iter().zip(&summary) {
        let expected = if before[0] == "awkward" { AWKWARD_OPTION } else { "base" };
        assert_eq!((row[0].as_str(), &row[1..]), (expected, &before[1..]));
    }
}

//! `pilotzone export html` as a user calls it: the page it writes (one file, the replay inside
//! byte for byte, a Content-Security-Policy that admits only the page's own script and style,
//! hostile names kept as data) and its refusals (exit code 2, a reason, no page written).
//! scripts/ci-web.sh plays the pages in Chromium.

use std::path::Path;

use base64::Engine as _;

use crate::{demo, pilotzone, root, run_demo};

fn utf8(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// The text between `open` (an exact opening tag) and the next `</script>` or `</style>`.
fn element<'a>(html: &'a str, open: &str, close: &str) -> &'a str {
    let start = html.find(open).unwrap_or_else(|| panic!("the page has {open}")) + open.len();
    &html[start..start + html[start..].find(close).expect("the element is closed")]
}

#[test]
fn the_page_holds_the_replay_and_admits_only_its_own_script_and_style() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let run = tmp.path().join("run");
    run_demo(&run, 600);
    let out = tmp.path().join("page.html");
    let o = pilotzone(&["export", "html", utf8(&run), "--lang", "en", "--out", utf8(&out)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with(&format!("wrote {}", out.display())));
    let html = std::fs::read_to_string(&out).expect("the page is written");
    assert!(html.starts_with("<!doctype html>\n<html lang=\"en\">"));

    let replay = std::fs::read(run.join("replay.pzr")).expect("the replay");
    let embedded = element(&html, "<script type=\"application/octet-stream\" id=\"pz-replay-0\">", "</script>");
    let decoded = base64::engine::general_purpose::STANDARD.decode(embedded).expect("base64");
    assert!(decoded == replay, "the page carries the replay byte for byte");

    let csp = element(&html, "<meta http-equiv=\"Content-Security-Policy\" content=\"", "\">");
    let script = element(&html, "<script>", "</script>");
    let style = element(&html, "<style>", "</style>");
    assert_eq!(
        csp,
        format!(
            "default-src 'none'; script-src '{}'; style-src '{}'; font-src data:; base-uri 'none'; form-action 'none'",
            pilotzone_web::csp_source(script),
            pilotzone_web::csp_source(style)
        )
    );
    assert_eq!(html.matches("<script").count(), 3, "data, replay and the player: nothing else runs");
    for outside in ["http://", "https://", "src=\"", "href=\"", "@import"] {
        assert!(!html.contains(outside), "the page loads nothing from outside: {outside}");
    }
    assert!(style.contains("url(data:font/woff2;base64,"), "the Japanese font is inside");

    let data: serde_json::Value =
        serde_json::from_str(element(&html, "<script type=\"application/json\" id=\"pz-data\">", "</script>"))
            .expect("the data is JSON");
    assert_eq!(data["lang"], "en");
    let run0 = &data["runs"][0];
    assert_eq!(run0["title"], "run", "a run is named by its folder, not a path on this machine");
    assert_eq!(run0["scene"]["name"], "demo");
    let kpis: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run.join("kpis.json")).expect("kpis")).expect("json");
    assert_eq!(run0["kpis"], kpis, "the run's KPIs come along");
    assert!(run0["incidents"].as_array().is_some_and(|i| !i.is_empty()), "ten minutes of the demo hold incidents");
    assert_eq!(data["labels"]["play"]["ja"], "再生");
}

#[test]
fn markup_in_a_scenario_stays_data() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let folder = tmp.path().join("hostile");
    std::fs::create_dir_all(folder.join("rules")).expect("folder");
    std::fs::copy(root().join("scenarios/rules/japan-baseline.ron"), folder.join("rules/japan-baseline.ron"))
        .expect("the included rules");
    let text = std::fs::read_to_string(demo()).expect("the demo").replacen(
        "name: \"demo\"",
        "name: \"<img src=x onerror=alert(1)> \\\"q\\\"\", description: \"</script><script>alert(2)</script>\"",
        1,
    );
    let text = text.replacen("  description: \"Minori", "  // description: \"Minori", 1);
    let scenario = folder.join("hostile.ron");
    std::fs::write(&scenario, text).expect("write the scenario");
    let run = folder.join("run");
    let o = pilotzone(&["run", utf8(&scenario), "--duration-s", "60", "--quiet", "--out", utf8(&run)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = folder.join("page.html");
    let o = pilotzone(&["export", "html", utf8(&run), "--out", utf8(&out)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(&out).expect("written");
    assert_eq!(html.matches("</script>").count(), 3, "no name closes a script element");
    assert!(!html.contains("<img") && !html.contains("alert(2)</"), "markup only as escaped data");
    let data = element(&html, "<script type=\"application/json\" id=\"pz-data\">", "</script>");
    assert!(data.contains(r#"\u003cimg src=x onerror=alert(1)\u003e \"q\""#), "the name is kept, escaped");
    let data: serde_json::Value = serde_json::from_str(data).expect("JSON");
    assert_eq!(data["runs"][0]["scene"]["description"], "</script><script>alert(2)</script>");
}

#[test]
fn bad_input_is_refused_with_exit_code_2_and_no_page() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let run = tmp.path().join("run");
    run_demo(&run, 120);
    let out = tmp.path().join("page.html");
    let refuse = |args: &[&str], says: &str| {
        let mut all = vec!["export", "html"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--out", utf8(&out)]);
        let o = pilotzone(&all);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?} says {says:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(!out.exists(), "{args:?} wrote no page");
    };
    refuse(&[utf8(&tmp.path().join("missing"))], "cannot read");
    let bytes = std::fs::read(run.join("replay.pzr")).expect("replay");
    let cut = tmp.path().join("cut.pzr");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).expect("write");
    refuse(&[utf8(&cut)], "is damaged");
    let garbage = tmp.path().join("garbage.pzr");
    std::fs::write(&garbage, "<html>not a replay</html>").expect("write");
    refuse(&[utf8(&garbage)], "not a pilotzone replay");
    refuse(&[utf8(&run), "--lang", "fr"], "possible values: ja, en");
    refuse(&[utf8(&run), "--study", utf8(tmp.path())], "--compare");
    refuse(&[utf8(&run), "--compare", utf8(&run), "--study", utf8(tmp.path())], "study.json");
    let sidecar = run.join("replay.comments.json");
    let other = r#"{"format": "pilotzone-comments", "version": 1, "replay_hash": "0123456789abcdef", "comments": []}"#;
    std::fs::write(&sidecar, other).expect("write");
    refuse(&[utf8(&run)], "0123456789abcdef");
}

#[test]
fn two_options_of_a_study_compare_with_paired_intervals() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let seeds = tmp.path().join("seeds.ron");
    std::fs::write(&seeds, "SeedSet(name: \"two\", seeds: [1, 2])").expect("write");
    let study = tmp.path().join("study");
    let option = root().join("scenarios/rules/school-10.ron");
    let o = pilotzone(&[
        "batch",
        utf8(&demo()),
        "--rules",
        utf8(&option),
        "--seeds",
        utf8(&seeds),
        "--duration-s",
        "120",
        "--quiet",
        "--out",
        utf8(&study),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (a, b) = (study.join("runs/base/2"), study.join("runs/school-10/2"));
    let out = tmp.path().join("compare.html");
    let o =
        pilotzone(&["export", "html", utf8(&a), "--compare", utf8(&b), "--study", utf8(&study), "--out", utf8(&out)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(&out).expect("written");
    let data: serde_json::Value =
        serde_json::from_str(element(&html, "<script type=\"application/json\" id=\"pz-data\">", "</script>"))
            .expect("JSON");
    assert_eq!(data["runs"].as_array().map(Vec::len), Some(2));
    assert!(html.contains("id=\"pz-replay-1\""), "both replays are inside");
    assert_eq!((&data["study"]["baseline"], &data["study"]["variant"]), (&"base".into(), &"school-10".into()));
    assert_eq!(data["study"]["seeds"], 2);
    let rows = data["study"]["rows"].as_array().expect("rows");
    let served = rows.iter().find(|r| r["kpi"] == "taxi.served").expect("every KPI is compared");
    let mean = |dir: &Path| {
        let kpis: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("kpis.json")).expect("kpis")).expect("json");
        kpis["taxi"]["served"].as_f64().expect("a number")
    };
    let expected = (mean(&study.join("runs/base/1")) + mean(&a)) / 2.0;
    assert_eq!(served["baseline"], pilotzone_study::fmt_num(expected), "the mean over both seeds");

    let o =
        pilotzone(&["export", "html", utf8(&a), "--compare", utf8(&a), "--study", utf8(&study), "--out", utf8(&out)]);
    assert_eq!(o.status.code(), Some(2), "one option against itself is refused");
    assert!(String::from_utf8_lossy(&o.stderr).contains("both replays are runs of option base"));
}

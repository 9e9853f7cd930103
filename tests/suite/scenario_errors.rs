//! Broken scenarios: every error located by file, line and column, exit code 2, never a panic.

use crate::{demo, pilotzone};

/// Writes a copy of the demo with `from` replaced by `to` (exactly once) and checks it.
fn check_broken(name: &str, from: &str, to: &str) -> (Option<i32>, String) {
    let text = std::fs::read_to_string(demo()).expect("demo");
    assert_eq!(text.matches(from).count(), 1, "the edit {from:?} must hit exactly once");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    std::fs::write(&path, text.replacen(from, to, 1)).expect("write broken copy");
    let o = pilotzone(&["check", path.to_str().expect("utf-8 path")]);
    let stderr = String::from_utf8_lossy(&o.stderr).replace(&*path.to_string_lossy(), name);
    (o.status.code(), stderr)
}

fn line_of(needle: &str) -> usize {
    let text = std::fs::read_to_string(demo()).expect("demo");
    text.lines().position(|l| l.contains(needle)).expect("needle in demo") + 1
}

#[test]
fn a_misspelt_field_is_located_with_a_suggestion() {
    let (code, err) = check_broken("misspelt.ron", "band_ceiling_m: 120.0", "band_celing_m: 120.0");
    assert_eq!(code, Some(2), "{err}");
    let line = line_of("band_ceiling_m: 120.0");
    assert!(err.starts_with(&format!("misspelt.ron:{line}:")), "{err}");
    assert!(err.contains("band_celing_m") && err.contains("did you mean \"band_ceiling_m\"?"), "{err}");
}

#[test]
fn a_dangling_node_id_is_located_by_field_path() {
    let (code, err) = check_broken("dangling.ron", "Edge(from: 0, to: 1,", "Edge(from: 0, to: 4711,");
    assert_eq!(code, Some(2), "{err}");
    let line = line_of("Edge(from: 0, to: 1,");
    assert!(err.contains(&format!("dangling.ron:{line}:")), "{err}");
    assert!(err.contains("map.edges[0].to: unknown node 4711"), "{err}");
}

#[test]
fn a_ron_syntax_error_is_located() {
    let (code, err) = check_broken("syntax.ron", "duration_s: 7200,", "duration_s: 7200,,");
    assert_eq!(code, Some(2), "{err}");
    let line = line_of("duration_s: 7200,");
    assert!(err.starts_with(&format!("syntax.ron:{line}:")), "{err}");
}

#[test]
fn an_unknown_depot_suggests_the_closest_place() {
    let (code, err) = check_broken("depot.ron", "depot: \"depot\"", "depot: \"dpot\"");
    assert_eq!(code, Some(2));
    assert!(err.contains("fleets.taxis[0].depot: unknown place \"dpot\" — did you mean \"depot\"?"), "{err}");
}

#[test]
fn check_names_every_file_and_fails_if_any_is_broken() {
    let dir = tempfile::tempdir().expect("temp dir");
    let empty = dir.path().join("empty.ron");
    std::fs::write(&empty, "").expect("write");
    let o = pilotzone(&["check", demo().to_str().expect("utf-8"), empty.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stdout).contains("demo.ron: ok"));
    assert!(String::from_utf8_lossy(&o.stderr).contains("empty.ron:1:1"));
}

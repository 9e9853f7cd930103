//! The viewer refuses what it cannot show before any window opens: a clear message, exit code
//! 2, no panic. (CI also opens it for real under Xvfb and checks a still of the town.)

use std::process::Command;

fn viewer(args: &[&str]) -> (Option<i32>, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_pilotzone-viewer")).args(args).output().expect("the viewer runs");
    (o.status.code(), String::from_utf8_lossy(&o.stderr).into_owned())
}

#[test]
fn wrong_input_is_refused_with_a_reason_and_exit_code_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let damaged = dir.path().join("damaged.pzr");
    std::fs::write(&damaged, b"PZREPLAY\x02\x00not a chunk").expect("written");
    let empty_run = dir.path().join("run");
    std::fs::create_dir(&empty_run).expect("made");
    let (damaged, empty_run) = (damaged.to_str().expect("utf-8"), empty_run.to_str().expect("utf-8"));
    let cases: &[(&[&str], &str)] = &[
        (&["/nonexistent/run"], "does not exist"),
        (&[empty_run], "without replay.pzr"),
        (&[damaged], "not a readable replay"),
        (&[empty_run, "--lang", "fr"], "ja or en"),
        (&[empty_run, "--size", "10x10"], "WIDTHxHEIGHT"),
        (&[empty_run, "--at", "25:00"], "--at"),
        (&[empty_run, "--play", "0"], "--play"),
        (&[empty_run, "--screenshot", "still.jpg"], "PNG"),
        (&[empty_run, "--camera", "incident:0"], "incident:N"),
        (&[empty_run, "--quality", "ultra"], "auto, fast or high"),
        (&[empty_run, "--fps", "0", "--frames", "f", "--from", "07:00", "--to", "07:01"], "--fps"),
        (&[empty_run, "--from", "7", "--to", "07:01", "--frames", "f"], "--from"),
        (&["scenarios/nowhere.ron"], "nowhere.ron"),
        (&["scenarios/demo.ron", "--compare", "/nonexistent/other"], "a live run is compared"),
    ];
    for (args, says) in cases {
        let (code, stderr) = viewer(args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?} says {says:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

//! The corpus of broken inputs (`tests/bad_inputs/`, written by its `make-cases.py`): every
//! scenario, map and rule option there is refused with exit code 2 and a message that names the
//! file with a line and column and holds the case's fragment; nothing panics, hangs or reaches
//! the terminal as a raw control character.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::root;

/// A case of `cases.tsv`: its file, how it is read and what its message must hold.
struct Case {
    file: String,
    how: String,
    fragment: String,
}

fn cases() -> Vec<Case> {
    let list = std::fs::read_to_string(root().join("tests/bad_inputs/cases.tsv")).expect("cases.tsv");
    list.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let mut f = l.splitn(3, '\t').map(str::to_owned);
            let mut next = || f.next().unwrap_or_else(|| panic!("cases.tsv: a line needs three fields: {l}"));
            Case { file: next(), how: next(), fragment: next() }
        })
        .collect()
}

/// Runs `pilotzone args` for at most `limit`; None if it had to be killed.
fn run_bounded(args: &[&str], limit: Duration) -> Option<(Option<i32>, String)> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pilotzone"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut stderr = child.stderr.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stderr.read_to_end(&mut bytes);
        bytes
    });
    // Polls counted rather than a clock read: the project keeps wall time out of its code.
    let poll = Duration::from_millis(20);
    let mut waited = Duration::ZERO;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        waited += poll;
        if waited > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(poll);
    };
    let bytes = reader.join().expect("reader");
    Some((status.code(), String::from_utf8_lossy(&bytes).into_owned()))
}

#[test]
fn every_broken_input_is_refused_with_a_located_message() {
    let cases = cases();
    assert!(cases.len() >= 40, "the corpus holds {} cases", cases.len());
    let dir = root().join("tests/bad_inputs");
    let base = dir.join("base/town.ron");
    let out = tempfile::tempdir().expect("temp dir");
    let mut failures = Vec::new();
    for case in &cases {
        let path = dir.join(&case.file);
        assert!(path.is_file(), "{} is listed but missing", case.file);
        let path_s = path.to_str().expect("utf-8 path");
        let args: Vec<&str> = match case.how.as_str() {
            "check" => vec!["check", path_s],
            "rules" => vec![
                "run",
                base.to_str().expect("utf-8 path"),
                "--rules",
                path_s,
                "--quiet",
                "--out",
                out.path().to_str().expect("utf-8 path"),
            ],
            other => panic!("{}: unknown way to read it: {other}", case.file),
        };
        let Some((code, stderr)) = run_bounded(&args, Duration::from_secs(60)) else {
            failures.push(format!("{}: still running after 60 s", case.file));
            continue;
        };
        let located = stderr.split(path_s).skip(1).any(|after| {
            let mut parts = after.splitn(3, ':');
            parts.next() == Some("")
                && parts.next().is_some_and(|l| l.parse::<u32>().is_ok_and(|l| l > 0))
                && parts.next().is_some_and(|rest| rest.split(':').next().is_some_and(|c| c.parse::<u32>().is_ok()))
        });
        let problems = [
            (code != Some(2)).then(|| format!("exit code {code:?}, not 2")),
            (!stderr.contains(&case.fragment)).then(|| format!("no \"{}\"", case.fragment)),
            (!located).then(|| "the file is not named with a line and column".to_owned()),
            stderr.contains("panicked").then(|| "it panicked".to_owned()),
            stderr.chars().any(|c| c.is_control() && c != '\n').then(|| "a raw control character".to_owned()),
        ];
        let problems: Vec<String> = problems.into_iter().flatten().collect();
        if !problems.is_empty() {
            failures.push(format!("{}: {}\n  {}", case.file, problems.join("; "), stderr.trim_end()));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
    assert!(!out.path().join("kpis.json").exists(), "no broken option was run");
}

/// A name holding escape sequences written raw into a file that is otherwise read (a rule
/// option's description is only ever printed) reaches the terminal escaped.
#[test]
fn text_quoted_in_messages_reaches_the_terminal_escaped() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("evil\u{1b}[2J.ron");
    std::fs::write(&path, "").expect("write");
    let (code, stderr) = run_bounded(&["check", path.to_str().expect("utf-8")], Duration::from_secs(60)).expect("ends");
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("evil\\u{1b}[2J.ron"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
}

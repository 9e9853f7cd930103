//! Kill-safety: a run, a batch, an import and an export killed (SIGKILL) at seeded random moments
//! leave every output either as it was before or complete, never a partial file under an
//! output's name; a killed batch started again finishes with the tables of one that never was.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::{demo, root};

/// A small seeded generator (xorshift64*): the kill moments are the same on every machine run.
struct Moments(u64);

impl Moments {
    /// A moment in `0..limit`.
    fn next(&mut self, limit: Duration) -> Duration {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let unit = (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64;
        limit.mul_f64(unit)
    }
}

const POLL: Duration = Duration::from_millis(5);

/// Runs `pilotzone args` to the end; how long it took, counted in polls (the project keeps
/// clock reads out of its code).
fn timed(args: &[String]) -> Duration {
    let mut child = spawn(args);
    let mut waited = Duration::ZERO;
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            assert!(status.success(), "pilotzone {args:?} failed");
            return waited;
        }
        std::thread::sleep(POLL);
        waited += POLL;
    }
}

/// Runs `pilotzone args` and kills it with SIGKILL after `after`; whether it was still running.
fn killed_after(args: &[String], after: Duration) -> bool {
    let mut child = spawn(args);
    let mut waited = Duration::ZERO;
    while waited < after {
        if let Some(status) = child.try_wait().expect("wait") {
            assert!(status.success(), "pilotzone {args:?} failed");
            return false;
        }
        std::thread::sleep(POLL);
        waited += POLL;
    }
    let running = child.try_wait().expect("wait").is_none();
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    running
}

fn spawn(args: &[String]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_pilotzone"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary runs")
}

/// Whether two versions of the output `name` are the same: byte for byte, except that a
/// `kpis.json` may differ in `wall_seconds`, the one figure not simulated.
fn same(name: &Path, a: &[u8], b: &[u8]) -> bool {
    if name.file_name().is_some_and(|n| n == "kpis.json") {
        let value = |bytes: &[u8]| {
            let mut v: serde_json::Value = serde_json::from_slice(bytes).ok()?;
            v.as_object_mut()?.remove("wall_seconds")?;
            Some(v)
        };
        return value(a).is_some() && value(a) == value(b);
    }
    a == b
}

fn s(path: &Path) -> String {
    path.to_str().expect("utf-8 path").to_owned()
}

/// Every file under `dir`, by path relative to it, with its bytes; our own temporary files
/// (`.pilotzone-*`) are left out but counted.
fn files(dir: &Path) -> (Vec<(PathBuf, Vec<u8>)>, usize) {
    let mut found = Vec::new();
    let mut temporary = 0;
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries {
            let path = e.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|n| n.to_string_lossy().starts_with(".pilotzone-")) {
                temporary += 1;
            } else {
                let rel = path.strip_prefix(dir).expect("under dir").to_owned();
                found.push((rel, std::fs::read(&path).expect("read")));
            }
        }
    }
    found.sort();
    (found, temporary)
}

#[test]
fn a_killed_run_leaves_the_previous_outputs_or_complete_new_ones() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let run = |seed: &str, out: &Path| -> Vec<String> {
        ["run", &s(&demo()), "--seed", seed, "--duration-s", "1800", "--quiet", "--out", &s(out)]
            .map(str::to_owned)
            .to_vec()
    };
    let before = tmp.path().join("before");
    let after = tmp.path().join("after");
    timed(&run("1", &before));
    let full = timed(&run("2", &after));
    let (old, _) = files(&before);
    let (new, _) = files(&after);
    assert_eq!(old.len(), 3);
    let mut moments = Moments(0x5eed_0001);
    let mut killed = 0;
    for round in 0..10 {
        // The run folder holds the previous run's outputs when the next one is killed.
        let dir = tmp.path().join(format!("killed-{round}"));
        std::fs::create_dir(&dir).expect("mkdir");
        for (name, bytes) in &old {
            std::fs::write(dir.join(name), bytes).expect("copy");
        }
        let at = moments.next(full.mul_f64(1.2));
        killed += usize::from(killed_after(&run("2", &dir), at));
        let (left, _) = files(&dir);
        for (name, bytes) in &left {
            let was = old.iter().any(|(n, b)| n == name && same(n, b, bytes));
            let is = new.iter().any(|(n, b)| n == name && same(n, b, bytes));
            assert!(
                was || is,
                "round {round}, killed at {at:?}: {} is neither the old file nor the new one",
                name.display()
            );
        }
        assert_eq!(left.len(), 3, "round {round}: an output went missing");
    }
    assert!(killed >= 5, "only {killed} of 10 runs were caught running: the moments miss the run");
}

#[test]
fn a_killed_batch_resumes_to_the_tables_of_one_never_killed() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let seeds = tmp.path().join("seeds.ron");
    std::fs::write(&seeds, "SeedSet(name: \"kill\", seeds: [3, 5, 8])").expect("seeds");
    let batch = |out: &Path| -> Vec<String> {
        let rules = root().join("scenarios/rules/school-10.ron");
        [
            "batch",
            &s(&demo()),
            "--rules",
            &s(&rules),
            "--seeds",
            &s(&seeds),
            "--duration-s",
            "900",
            "--jobs",
            "2",
            "--quiet",
            "--out",
            &s(out),
        ]
        .map(str::to_owned)
        .to_vec()
    };
    let whole = tmp.path().join("whole");
    let full = timed(&batch(&whole));
    let (reference, _) = files(&whole);
    let resumed = tmp.path().join("resumed");
    let mut moments = Moments(0x5eed_0002);
    let mut killed = 0;
    // Each kill leaves less to do, so a later batch may finish before its moment: such a round
    // is checked as a whole batch and the folder started afresh, until three kills have landed.
    for round in 0..12 {
        if killed == 3 {
            break;
        }
        let at = moments.next(full.mul_f64(0.6));
        let caught = killed_after(&batch(&resumed), at);
        let (left, _) = files(&resumed);
        if !caught {
            assert_eq!(left.len(), reference.len(), "round {round}: a batch that ran to its end left every file");
            std::fs::remove_dir_all(&resumed).expect("start afresh");
            continue;
        }
        killed += 1;
        // Whatever a killed batch leaves under an output's name is that file as a whole batch
        // writes it, except the tables, which it writes only at its end.
        for (name, bytes) in &left {
            let whole = reference.iter().any(|(n, b)| n == name && same(n, b, bytes));
            assert!(whole, "round {round}, killed at {at:?}: {} differs from the whole batch's", name.display());
        }
    }
    assert_eq!(killed, 3, "only {killed} of 12 batches were caught running");
    timed(&batch(&resumed));
    let (finished, temporary) = files(&resumed);
    for table in ["study.csv", "summary.csv"] {
        let get = |set: &[(PathBuf, Vec<u8>)]| set.iter().find(|(n, _)| n == Path::new(table)).map(|(_, b)| b.clone());
        assert_eq!(get(&finished), get(&reference), "{table} of the resumed batch");
        assert!(get(&finished).is_some_and(|b| b.len() > 100), "{table} is written");
    }
    assert_eq!(finished.len(), reference.len(), "the same files");
    // Each run folder's half-written files went when its run was done again; the study folder's
    // own (its tables, written at the end) may keep one per kill that hit that moment.
    let (_, in_runs) = files(&resumed.join("runs"));
    assert_eq!(in_runs, 0, "temporary files left in run folders");
    assert!(temporary <= killed, "{temporary} temporary files left by {killed} kills");
}

#[test]
fn a_killed_import_or_export_leaves_no_partial_file() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let pbf = root().join("tests/data/kotka.osm.pbf");
    let import = |out: &Path| ["import", "osm", &s(&pbf), "--out", &s(out)].map(str::to_owned).to_vec();
    let reference = tmp.path().join("reference.ron");
    let full = timed(&import(&reference));
    let want = std::fs::read(&reference).expect("imported");
    let run = tmp.path().join("run");
    timed(&["run", &s(&demo()), "--duration-s", "600", "--quiet", "--out", &s(&run)].map(str::to_owned));
    let export = |out: &Path| ["export", "html", &s(&run), "--out", &s(out)].map(str::to_owned).to_vec();
    let page = tmp.path().join("page.html");
    let full_export = timed(&export(&page));
    let want_page = std::fs::read(&page).expect("exported");
    let mut moments = Moments(0x5eed_0003);
    let mut killed = 0;
    // The moments are drawn over a little more than the time each took once; on a busy machine
    // that once can be slow, so a window that a run beat shrinks, until eight kills have landed.
    let (mut import_window, mut export_window) = (full.mul_f64(1.2), full_export.mul_f64(1.2));
    let mut rounds = 0;
    while killed < 8 && rounds < 32 {
        let out = tmp.path().join(format!("map-{rounds}.ron"));
        if killed_after(&import(&out), moments.next(import_window)) {
            killed += 1;
        } else {
            import_window = import_window.mul_f64(0.75);
        }
        if let Ok(got) = std::fs::read(&out) {
            assert!(got == want, "round {rounds}: a partial map under the output's name");
        }
        let out = tmp.path().join(format!("page-{rounds}.html"));
        if killed_after(&export(&out), moments.next(export_window)) {
            killed += 1;
        } else {
            export_window = export_window.mul_f64(0.75);
        }
        if let Ok(got) = std::fs::read(&out) {
            assert!(got == want_page, "round {rounds}: a partial page under the output's name");
        }
        rounds += 1;
    }
    assert!(killed >= 8, "only {killed} of {} imports and exports were caught running", 2 * rounds);
}

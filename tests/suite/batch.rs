//! Studies: sharding, resuming after a kill, gates, and worker counts.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::{demo, pilotzone, root};

fn batch(out: &Path, extra: &[&str]) -> std::process::Output {
    let seeds = root().join("seeds/ci.ron");
    let option = root().join("scenarios/rules/no-market-closure.ron");
    let scenario = demo();
    let mut args = vec![
        "batch",
        scenario.to_str().expect("utf-8"),
        "--rules",
        option.to_str().expect("utf-8"),
        "--seeds",
        seeds.to_str().expect("utf-8"),
        "--duration-s",
        "400",
        "--quiet",
        "--out",
        out.to_str().expect("utf-8"),
    ];
    args.extend_from_slice(extra);
    pilotzone(&args)
}

fn read(path: impl AsRef<Path>) -> String {
    std::fs::read_to_string(path.as_ref()).unwrap_or_else(|e| panic!("{}: {e}", path.as_ref().display()))
}

#[test]
fn merged_shards_equal_the_whole_study_byte_for_byte() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let whole = tmp.path().join("whole");
    let o = batch(&whole, &["--jobs", "2"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let shard_dirs: Vec<_> = (0..3).map(|k| tmp.path().join(format!("shard{k}"))).collect();
    for (k, dir) in shard_dirs.iter().enumerate() {
        let o = batch(dir, &["--jobs", "1", "--shard", &format!("{k}/3")]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(String::from_utf8_lossy(&o.stdout).contains(&format!("(shard {k}/3)")));
        assert!(!dir.join("study.csv").exists(), "a shard alone writes no study table");
    }
    let merged = tmp.path().join("merged");
    let mut args = vec!["merge"];
    args.extend(shard_dirs.iter().map(|d| d.to_str().expect("utf-8")));
    args.extend(["--out", merged.to_str().expect("utf-8")]);
    let o = pilotzone(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for table in ["study.csv", "summary.csv"] {
        assert_eq!(read(merged.join(table)), read(whole.join(table)), "{table}");
    }
    let (_, runs) = crate::read_csv(&whole.join("study.csv"));
    assert_eq!(runs.len(), 2 * 8, "base and one option × 8 seeds");
    // An incomplete set of shards is refused, naming what is missing.
    let o = pilotzone(&[
        "merge",
        shard_dirs[0].to_str().expect("utf-8"),
        "--out",
        tmp.path().join("part").to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("have no results yet"));
}

#[test]
#[expect(clippy::disallowed_methods, reason = "the test waits in wall time for the process it will kill")]
fn a_killed_batch_resumes_without_redoing_or_corrupting_runs() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("study");
    let (scenario, seeds) = (demo(), root().join("seeds/ci.ron"));
    let args = |jobs: &'static str| {
        let paths = [scenario.to_str().expect("utf-8"), seeds.to_str().expect("utf-8"), out.to_str().expect("utf-8")];
        ["batch", paths[0], "--seeds", paths[1], "--duration-s", "3000", "--jobs", jobs, "--quiet", "--out", paths[2]]
    };
    let mut child =
        std::process::Command::new(env!("CARGO_BIN_EXE_pilotzone")).args(args("1")).spawn().expect("batch starts");
    let finished = |out: &Path| (1..=50u64).filter(|s| out.join(format!("runs/base/{s}/kpis.json")).exists()).count();
    let deadline = Instant::now() + Duration::from_secs(120);
    while finished(&out) < 2 {
        assert!(Instant::now() < deadline, "the batch never finished two runs");
        assert!(child.try_wait().expect("poll").is_none(), "the batch ended before it could be killed");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    let done_before = finished(&out);
    assert!(done_before < 8, "killed mid-way, with {done_before} of 8 runs done");

    let o = pilotzone(&args("2"));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{stdout}{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        stdout.contains(&format!("{} runs simulated, {done_before} already finished", 8 - done_before)),
        "{stdout}"
    );
    let (_, runs) = crate::read_csv(&out.join("study.csv"));
    let seeds_listed: Vec<&str> = runs.iter().map(|r| r[1].as_str()).collect();
    assert_eq!(seeds_listed, ["1", "2", "3", "5", "8", "13", "21", "42"], "every run once, in study order");
    for seed in [1, 2, 3, 5, 8, 13, 21, 42] {
        let dir = out.join(format!("runs/base/{seed}"));
        let names: Vec<String> = std::fs::read_dir(&dir)
            .expect("run dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            names.iter().all(|n| !n.starts_with(".tmp")),
            "no temporary files left in {}: {names:?}",
            dir.display()
        );
        let replay = pilotzone_replay::Replay::read(&std::fs::read(dir.join("replay.pzr")).expect("replay"))
            .expect("replay opens");
        assert_eq!(replay.damage(), None, "seed {seed}: replay whole");
        let kpis: serde_json::Value = serde_json::from_str(&read(dir.join("kpis.json"))).expect("kpis parse");
        assert!(kpis["wall_seconds"].as_f64().is_some_and(|w| w > 0.0), "seed {seed}: wall time measured");
        assert_eq!(
            kpis["replay_hash"].as_str(),
            Some(
                format!(
                    "{:016x}",
                    pilotzone_replay::replay_hash(&std::fs::read(dir.join("replay.pzr")).expect("replay"))
                )
                .as_str()
            )
        );
    }
}

#[test]
fn gates_name_the_broken_condition_and_the_runs() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("study");
    let o = batch(&out, &["--gate", "safety.collisions == 0", "--gate", "taxi.requests >= 0"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("all 2 gates hold in every run"));
    // Same study (resumed, nothing to simulate), a gate that cannot hold.
    let o = batch(&out, &["--gate", "taxi.requests > 100000"]);
    assert_eq!(o.status.code(), Some(3));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("gate 'taxi.requests > 100000' failed in 16 of 16 runs: base/1 ("), "{err}");
    let o = batch(&out, &["--gate", "taxi.wait_p90 < 600"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no KPI named \"taxi.wait_p90\" — did you mean \"taxi.wait_s.p90\"?"), "{err}");
    let o = batch(&out, &["--gate", "taxi.wait_s.p90 <"]);
    assert_eq!(o.status.code(), Some(2), "a malformed gate is a usage error");
}

#[test]
fn one_worker_and_two_give_the_same_study() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let (one, two) = (tmp.path().join("one"), tmp.path().join("two"));
    assert!(batch(&one, &["--jobs", "1"]).status.success());
    assert!(batch(&two, &["--jobs", "2"]).status.success());
    assert_eq!(read(one.join("study.csv")), read(two.join("study.csv")));
    assert_eq!(read(one.join("summary.csv")), read(two.join("summary.csv")));
    let o =
        pilotzone(&["compare", one.to_str().expect("utf-8"), "--baseline", "base", "--variant", "no-market-closure"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value =
        serde_json::from_str(&read(one.join("compare-base-vs-no-market-closure.json"))).expect("compare JSON");
    assert!(json.as_array().is_some_and(|a| a.iter().any(|c| c["kpi"] == "taxi.served" && c["difference"]["n"] == 8)));
}

#[test]
fn a_study_folder_refuses_another_study() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("study");
    assert!(batch(&out, &[]).status.success());
    // The same folder, one more rule option: another study.
    let other = root().join("scenarios/rules/school-10.ron");
    let o = batch(&out, &["--rules", other.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("holds another study"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Copies a folder tree (the fixtures are small).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("target folder");
    for entry in std::fs::read_dir(from).expect("fixture folder") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// The comparison table people read, fixed on a small study (demo, zone-30, three seeds): the
/// desktop viewer's compare panel is checked against the same file.
#[test]
fn compare_prints_the_paired_differences_and_intervals_of_the_fixture_study() {
    let dir = tempfile::tempdir().expect("temp dir");
    let study = dir.path().join("study");
    copy_tree(&root().join("tests/data/compare-study"), &study);
    let o = pilotzone(&["compare", study.to_str().expect("utf-8"), "--baseline", "base", "--variant", "zone-30"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8(o.stdout).expect("utf-8");
    let table = stdout.split("\n\n").next().expect("a table");
    let expected = read(study.join("expected-compare.txt"));
    assert_eq!(format!("{table}\n"), expected);
    assert!(
        expected.contains("safety.speed_violations              5.666667           10     4.333333   1.464667 … 7.202")
    );
}

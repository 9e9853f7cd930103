//! `pilotzone run`, `check`, `gen` and `replay info` as a user calls them.

use crate::{demo, pilotzone, root, run_demo};

#[test]
fn run_writes_kpis_events_and_a_replay() {
    let out = tempfile::tempdir().expect("temp dir");
    let dir = out.path().join("run");
    let o = pilotzone(&[
        "run",
        demo().to_str().expect("utf-8 path"),
        "--duration-s",
        "2400",
        "--out",
        dir.to_str().expect("utf-8 path"),
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "run failed: {}\n{}", stdout, String::from_utf8_lossy(&o.stderr));
    assert!(
        stdout.contains("taxis") && stdout.contains("served") && stdout.contains("safety"),
        "prints a KPI table: {stdout}"
    );

    let kpis: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("kpis.json")).expect("kpis.json written")).expect("valid JSON");
    assert_eq!(kpis["scenario"], "demo");
    assert_eq!(kpis["seed"], 42);
    assert_eq!(kpis["sim_seconds"], 2400.0);
    assert!(kpis["taxi"]["served"].as_u64().expect("taxi.served") > 0, "{kpis:#}");
    assert!(kpis["drone"]["delivered"].as_u64().expect("drone.delivered") > 0, "{kpis:#}");
    for key in ["requests", "served", "rejected", "km", "empty_km"] {
        assert!(kpis["taxi"][key].is_number(), "taxi.{key}");
    }
    for key in ["mean", "p50", "p90"] {
        assert!(kpis["taxi"]["wait_s"][key].is_number(), "taxi.wait_s.{key}");
    }
    for key in ["collisions", "near_misses", "separation_losses", "nofly_incursions", "speed_violations"] {
        assert!(kpis["safety"][key].is_u64(), "safety.{key}");
    }

    let replay = std::fs::read(dir.join("replay.pzr")).expect("replay written");
    let hash = format!("{:016x}", pilotzone_replay::replay_hash(&replay));
    assert_eq!(kpis["replay_hash"], hash.as_str(), "replay_hash is the hash of the replay file");
    let r = pilotzone_replay::Replay::read(&replay).expect("replay reads");
    assert_eq!(r.damage(), None);
    assert_eq!((r.header().seed, r.header().scenario_name.as_str()), (42, "demo"));
    assert_eq!(r.samples().expect("samples decode").len(), 2400 * 2 + 1, "2 Hz from 0 s to 2400 s inclusive");
    let kinds = |k| r.entities().iter().filter(|e| e.kind == k).count();
    use pilotzone_replay::EntityKind::{Car, Drone, Person, Taxi};
    assert_eq!((kinds(Taxi), kinds(Drone), kinds(Car)), (10, 6, 40), "10 taxis, 6 drones, 40 residents' cars");
    assert!(kinds(Person) > 0, "and a pool of people");

    let events = std::fs::read_to_string(dir.join("events.csv")).expect("events.csv written");
    let mut lines = events.lines();
    assert_eq!(lines.next(), Some("time_s,clock,kind,entity,x,y,z,rule,other,value,limit,severity,detail"));
    let (_, rows) = crate::read_csv(&dir.join("events.csv"));
    let pickups = rows.iter().filter(|e| e[2] == "pickup").count();
    assert_eq!(
        pickups as u64,
        r.events().iter().filter(|e| e.kind.key() == "pickup").count() as u64,
        "CSV and replay hold the same events"
    );
    assert!(pickups > 0);

    let info = pilotzone(&["replay", "info", dir.join("replay.pzr").to_str().expect("utf-8 path")]);
    let text = String::from_utf8_lossy(&info.stdout);
    assert!(info.status.success(), "{text}");
    assert!(text.contains("10 taxis, 6 drones") && text.contains("duration     2400.0 s"), "{text}");
}

#[test]
fn a_truncated_replay_is_reported_with_exit_code_2() {
    let out = tempfile::tempdir().expect("temp dir");
    let dir = out.path();
    run_demo(dir, 300);
    let bytes = std::fs::read(dir.join("replay.pzr")).expect("replay written");
    let cut = dir.join("cut.pzr");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).expect("write cut replay");
    let info = pilotzone(&["replay", "info", cut.to_str().expect("utf-8 path")]);
    let text = String::from_utf8_lossy(&info.stdout);
    assert_eq!(info.status.code(), Some(2), "{text}");
    assert!(text.contains("damage") && text.contains("showing the first"), "{text}");
    let garbage = dir.join("garbage.pzr");
    std::fs::write(&garbage, b"not a replay at all").expect("write");
    let info = pilotzone(&["replay", "info", garbage.to_str().expect("utf-8 path")]);
    assert_eq!(info.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&info.stderr).contains("not a pilotzone replay"));
}

#[test]
fn wrong_flags_and_missing_files_fail_cleanly() {
    let o = pilotzone(&["run", demo().to_str().expect("utf-8 path"), "--sed", "3"]);
    assert_eq!(o.status.code(), Some(2), "usage errors exit 2");
    assert!(String::from_utf8_lossy(&o.stderr).contains("--seed"), "clap suggests the right flag");
    let o = pilotzone(&["run", "no/such/scenario.ron"]);
    assert_eq!(o.status.code(), Some(2), "a missing scenario is input to fix");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no/such/scenario.ron") && err.contains("cannot read"), "{err}");
    let o = pilotzone(&["run", demo().to_str().expect("utf-8 path"), "--duration-s", "0"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn the_shipped_demo_is_what_the_generator_makes() {
    let out = tempfile::tempdir().expect("temp dir");
    let path = out.path().join("demo.ron");
    // The demo includes the national baseline beside it.
    std::fs::create_dir(out.path().join("rules")).expect("rules folder");
    std::fs::copy(root().join("scenarios/rules/japan-baseline.ron"), out.path().join("rules/japan-baseline.ron"))
        .expect("baseline copied");
    assert!(pilotzone(&["gen", "demo", "--out", path.to_str().expect("utf-8 path")]).status.success());
    let made = std::fs::read_to_string(&path).expect("generated");
    let shipped = std::fs::read_to_string(demo()).expect("shipped demo");
    assert_eq!(made, shipped, "scenarios/demo.ron is stale: run scripts/make-scenarios.sh");
    let o = pilotzone(&["check", path.to_str().expect("utf-8 path")]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("ok — \"demo\": 143 nodes"));
}

#[test]
fn verify_confirms_a_fresh_replay_and_names_the_first_divergent_tick() {
    let out = tempfile::tempdir().expect("temp dir");
    let dir = out.path();
    run_demo(dir, 600);
    let path = dir.join("replay.pzr");
    let o = pilotzone(&["verify", path.to_str().expect("utf-8 path")]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{text}{}", String::from_utf8_lossy(&o.stderr));
    assert!(text.contains("identical — 6001 ticks re-simulated"), "{text}");

    // The same replay claiming another seed: re-simulation draws other demand, so the states
    // part no later than the tick in which the recorded run's first request arrived.
    let replay = pilotzone_replay::Replay::read(&std::fs::read(&path).expect("read")).expect("opens");
    let mut header = replay.header().clone();
    header.seed += 1;
    let altered = dir.join("altered.pzr");
    std::fs::write(&altered, replay.with_header(header).expect("re-encodes")).expect("write");
    let o = pilotzone(&["verify", altered.to_str().expect("utf-8 path")]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{text}");
    let tick: u64 = text
        .split("diverged at tick ")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("names a tick: {text}"));
    let first_request_ms = replay
        .events()
        .iter()
        .filter(|e| e.kind.key() == "request" || e.kind.key() == "order")
        .map(|e| e.t_ms)
        .min()
        .expect("demand in ten minutes");
    // A request arriving at t is drawn by the tick starting at the next multiple of 100 ms,
    // whose hash is recorded at that tick's end.
    let last_possible = first_request_ms.div_ceil(100) + 1;
    assert!(
        (1..=last_possible).contains(&tick),
        "diverged at tick {tick}, first request at {first_request_ms} ms: {text}"
    );
}

#[test]
fn export_fcd_writes_sumo_floating_car_data() {
    let out = tempfile::tempdir().expect("temp dir");
    let dir = out.path();
    run_demo(dir, 60);
    let xml = dir.join("fcd.xml");
    let o = pilotzone(&[
        "export",
        "fcd",
        dir.join("replay.pzr").to_str().expect("utf-8"),
        "--out",
        xml.to_str().expect("utf-8"),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&xml).expect("written");
    assert!(text.starts_with("<?xml") && text.trim_end().ends_with("</fcd-export>"));
    assert_eq!(text.matches("<timestep ").count(), 121, "2 Hz over 60 s, both ends");
    // Everything in the street at each sample: parked cars and people indoors are left out.
    let replay =
        pilotzone_replay::Replay::read(&std::fs::read(dir.join("replay.pzr")).expect("replay")).expect("reads");
    let off_street = replay.header().status_names.iter().position(|n| n == "off_street").expect("status") as u8;
    let in_street: usize = replay
        .samples()
        .expect("decodes")
        .iter()
        .map(|s| s.states.iter().filter(|e| e.status != off_street).count())
        .sum();
    assert!(in_street >= 121 * 16, "taxis and drones are always listed");
    assert_eq!(text.matches("<vehicle ").count(), in_street);
    assert!(
        text.contains(r#"<vehicle id="taxi0" "#) && text.contains(r#"<vehicle id="drone10" "#),
        "ids name kind and number"
    );
    let gz = dir.join("fcd.xml.gz");
    let o = pilotzone(&[
        "export",
        "fcd",
        dir.join("replay.pzr").to_str().expect("utf-8"),
        "--out",
        gz.to_str().expect("utf-8"),
    ]);
    assert!(o.status.success());
    let packed = std::fs::read(&gz).expect("written");
    assert_eq!(&packed[..2], &[0x1f, 0x8b], "gzip magic");
    assert!(packed.len() < text.len() / 5, "gzip packs the XML");
}

/// `pilotzone replay state` prints what a player shows at a time of day: the cursor's
/// interpolated states, with statuses named by the vocabulary.
#[test]
fn replay_state_prints_every_entity_at_a_time_of_day() {
    let out = tempfile::tempdir().expect("temp dir");
    run_demo(out.path(), 600);
    let dir = out.path().to_str().expect("utf-8 path");
    let o = pilotzone(&["replay", "state", dir, "--at", "07:05:30", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(doc["clock"], "07:05:30.0");
    assert_eq!(doc["t_ms"], 330_000);
    let replay =
        pilotzone_replay::Replay::read(&std::fs::read(out.path().join("replay.pzr")).expect("replay")).expect("reads");
    let expected = replay.state_at(330_000).expect("state_at");
    let entities = doc["entities"].as_array().expect("entities");
    assert_eq!(entities.len(), replay.entities().len());
    for (e, s) in entities.iter().zip(&expected) {
        let [x, _, _] = s.position_m();
        assert!((e["x_m"].as_f64().expect("x") - x).abs() < 1e-9, "{e}");
        let status = replay.status(s.status).expect("a known status");
        assert_eq!(e["status"], status.key());
    }
    assert!(entities.iter().any(|e| e["kind"] == "drone") && entities.iter().any(|e| e["kind"] == "taxi"));

    let table = pilotzone(&["replay", "state", dir, "--at", "07:05:30"]);
    assert!(String::from_utf8_lossy(&table.stdout).contains("07:05:30.0 (t = 330.0 s)"));
    for (at, says) in [("06:00", "the run covers 07:00:00.0 to 07:10:00.0"), ("7h30", "HH:MM")] {
        let o = pilotzone(&["replay", "state", dir, "--at", at]);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{at}: {stderr}");
        assert!(stderr.contains(says), "{at}: {stderr}");
    }
}

/// `pilotzone view` on a path that is not there says so and exits 2, whether or not the
/// viewer is built beside the command line; it never opens an empty window.
#[test]
fn view_refuses_a_missing_run_with_a_reason() {
    let o = pilotzone(&["view", "/nonexistent/run"]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("pilotzone-viewer") || stderr.contains("/nonexistent/run"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn replay_commands_take_a_run_folder_as_well_as_its_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    run_demo(dir.path(), 60);
    let folder = dir.path().to_str().expect("utf-8");
    let info = pilotzone(&["replay", "info", folder]);
    assert!(info.status.success(), "{}", String::from_utf8_lossy(&info.stderr));
    assert!(String::from_utf8_lossy(&info.stdout).contains("scenario     demo"));
    let verify = pilotzone(&["verify", folder]);
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stderr));
    assert!(String::from_utf8_lossy(&verify.stdout).contains("identical"));
}

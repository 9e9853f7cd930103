//! Dispatch policies on one town: pooling against one-rider-at-a-time dispatch, matching
//! against greedy, and the command-line override.

use pilotzone_scenario::{DispatchPolicy, LoadedScenario};
use pilotzone_sim::{Kpis, Simulation};

use crate::{demo_for, root};

/// The demo's morning with a quarter of the fleet and three times the riders: more demand than
/// vehicles, where sharing a ride is what lets more people travel.
fn rush_hour(policy: DispatchPolicy) -> LoadedScenario {
    let base = demo_for(2700);
    pilotzone_scenario::edited(&base, "rush hour", |s| {
        s.fleets.taxis[0].count = 3;
        for flow in &mut s.demand.rides {
            flow.max_wait_s = 600;
            flow.profile.iter_mut().for_each(|step| step.per_hour *= 3.0);
        }
        s.dispatch.policy = policy;
    })
    .expect("the edited demo is valid")
}

fn run(loaded: LoadedScenario, seed: u64) -> Kpis {
    let mut sim = Simulation::new(loaded, seed).expect("the scenario builds");
    sim.run_to_end();
    sim.finish().kpis
}

fn ci_seeds() -> Vec<u64> {
    pilotzone_scenario::seeds::load(&root().join("seeds/ci.ron")).expect("seeds/ci.ron is valid").seeds
}

#[test]
fn pooling_serves_more_riders_per_vehicle_hour_than_nearest_in_a_rush() {
    let (mut nearest, mut pooled) = (0.0, 0.0);
    let mut shared = 0;
    let mut figures = Vec::new();
    for seed in ci_seeds().into_iter().take(3) {
        let a = run(rush_hour(DispatchPolicy::Nearest), seed);
        let b = run(rush_hour(DispatchPolicy::Pooling), seed);
        figures.push(format!(
            "seed {seed}: nearest {} served ({}/veh-h), pooling {} ({}/veh-h, {} shared)",
            a.taxi.served, a.taxi.served_per_vehicle_hour, b.taxi.served, b.taxi.served_per_vehicle_hour, b.taxi.shared
        ));
        assert_eq!(a.taxi.requests, b.taxi.requests, "seed {seed}: both policies face the same riders");
        assert_eq!(a.taxi.shared, 0, "one rider at a time never shares");
        assert!(a.taxi.rejected > 0, "seed {seed}: the rush is more than three vehicles can carry one by one");
        assert!(b.taxi.served > a.taxi.served, "seed {seed}: pooling carries more riders");
        nearest += a.taxi.served_per_vehicle_hour;
        pooled += b.taxi.served_per_vehicle_hour;
        shared += b.taxi.shared;
    }
    assert!(shared > 0, "pooling shares rides");
    assert!(
        pooled > nearest * 1.1,
        "pooling {pooled:.2} against nearest {nearest:.2} riders per vehicle-hour: {figures:#?}"
    );
}

fn kpis_of(dir: &std::path::Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("kpis.json")).expect("kpis.json written"))
        .expect("kpis.json is JSON")
}

#[test]
fn the_command_line_chooses_the_policy_and_the_replay_remembers_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("pooled");
    let demo = crate::demo();
    let o = crate::pilotzone(&[
        "run",
        demo.to_str().expect("utf-8"),
        "--dispatch",
        "pooling",
        "--duration-s",
        "900",
        "--quiet",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(kpis_of(&out)["dispatch"], "pooling");
    // The replay embeds the scenario as it ran, so re-simulating it gives the same ticks.
    let v = crate::pilotzone(&["verify", out.join("replay.pzr").to_str().expect("utf-8")]);
    assert!(v.status.success(), "{}{}", String::from_utf8_lossy(&v.stdout), String::from_utf8_lossy(&v.stderr));

    let bad = crate::pilotzone(&["run", demo.to_str().expect("utf-8"), "--dispatch", "poolng"]);
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("did you mean \"pooling\""), "{err}");
    assert!(err.contains("nearest, batch_matching, pooling"), "{err}");
}

#[test]
fn worker_threads_do_not_change_the_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let town = dir.path().join("grid.ron");
    let town_s = town.to_str().expect("utf-8");
    let made = crate::pilotzone(&[
        "gen",
        "grid",
        "--size",
        "12",
        "--taxis",
        "40",
        "--requests",
        "600",
        "--duration-s",
        "1200",
        "--dispatch",
        "batch_matching",
        "--out",
        town_s,
    ]);
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let mut hashes = Vec::new();
    for threads in ["1", "2"] {
        let out = dir.path().join(format!("t{threads}"));
        let o =
            crate::pilotzone(&["run", town_s, "--threads", threads, "--quiet", "--out", out.to_str().expect("utf-8")]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let k = kpis_of(&out);
        assert!(k["taxi"]["served"].as_u64().expect("a count") > 50, "the grid kept its fleet busy: {k}");
        hashes.push(k["replay_hash"].as_str().expect("a hash").to_owned());
    }
    assert_eq!(hashes[0], hashes[1], "one and two worker threads give the same replay");
}

//! Same scenario and seed, same replay, byte for byte; another seed, another run.

use pilotzone_sim::Simulation;

use crate::demo_for;

fn run(seed: u64) -> pilotzone_sim::RunOutput {
    let mut sim = Simulation::new(demo_for(1800), seed).expect("the demo builds");
    sim.run_to_end();
    sim.finish()
}

#[test]
fn same_seed_same_replay_other_seed_other_replay() {
    let set = pilotzone_scenario::seeds::load(&crate::root().join("seeds/ci.ron")).expect("seeds/ci.ron is valid");
    let (s1, s2) = (set.seeds[0], set.seeds[1]);
    let (a, b, c) = (run(s1), run(s1), run(s2));
    assert_eq!(a.replay_hash, b.replay_hash);
    assert_eq!(a.replay, b.replay, "identical bytes, not only an identical hash");
    assert_eq!(a.kpis, b.kpis);
    assert_ne!(a.replay_hash, c.replay_hash, "another seed draws other requests");
    assert_ne!(a.kpis.taxi.requests + a.kpis.drone.orders, 0, "the runs did something");
}

#[test]
fn the_replay_holds_exactly_what_the_simulation_recorded() {
    use pilotzone_sim::drone::{DroneRoster, DroneState};
    use pilotzone_sim::taxi::{TaxiRoster, TaxiState};

    let mut sim = Simulation::new(demo_for(900), 5).expect("the demo builds");
    let mut expected: Vec<(u64, Vec<[i32; 3]>)> = Vec::new();
    let mut snapshot = |sim: &Simulation| {
        let world = sim.app().world();
        let town = world.resource::<pilotzone_sim::town::TownMap>();
        let mut at = Vec::new();
        for &e in &world.resource::<TaxiRoster>().0 {
            let (p, _) = world.get::<TaxiState>(e).expect("taxi").pose(town);
            at.push([(p.x * 100.0).round() as i32, (p.y * 100.0).round() as i32, 0]);
        }
        for &e in &world.resource::<DroneRoster>().0 {
            let p = world.get::<DroneState>(e).expect("drone").pos;
            at.push(p.map(|c| (c * 100.0).round() as i32));
        }
        for &e in &world.resource::<pilotzone_sim::residents::CarRoster>().0 {
            let (p, _) = world.get::<TaxiState>(e).expect("car").pose(town);
            at.push([(p.x * 100.0).round() as i32, (p.y * 100.0).round() as i32, 0]);
        }
        for &e in &world.resource::<pilotzone_sim::residents::PedestrianRoster>().0 {
            let p = world.get::<pilotzone_sim::residents::PedestrianState>(e).expect("person").at;
            at.push([(p.x * 100.0).round() as i32, (p.y * 100.0).round() as i32, 0]);
        }
        expected.push((sim.now_ms(), at));
    };
    snapshot(&sim);
    while !sim.is_done() {
        sim.step();
        if sim.now_ms().is_multiple_of(500) {
            snapshot(&sim);
        }
    }
    let out = sim.finish();
    let replay = pilotzone_replay::Replay::read(&out.replay).expect("reads");
    let samples = replay.samples().expect("decodes");
    assert_eq!(samples.len(), expected.len());
    for (sample, (t_ms, at)) in samples.iter().zip(&expected) {
        assert_eq!(sample.t_ms, *t_ms);
        let got: Vec<[i32; 3]> = sample.states.iter().map(|s| [s.x_cm, s.y_cm, s.z_cm]).collect();
        assert_eq!(&got, at, "positions at {t_ms} ms");
        assert_eq!(
            replay.state_at(*t_ms).expect("seek").iter().map(|s| [s.x_cm, s.y_cm, s.z_cm]).collect::<Vec<_>>(),
            got
        );
    }
}

#[test]
fn a_shared_town_gives_the_same_run_and_must_match_the_scenario() {
    let loaded = demo_for(300);
    let town = pilotzone_sim::town::TownMap::new(std::sync::Arc::new(loaded.scenario.clone()));
    let mut shared = Simulation::with_town(loaded.clone(), 4, town.clone()).expect("the town fits");
    shared.run_to_end();
    let mut own = Simulation::new(loaded.clone(), 4).expect("builds");
    own.run_to_end();
    assert_eq!(shared.finish().replay, own.finish().replay);
    let other = demo_for(600);
    assert!(matches!(Simulation::with_town(other, 4, town), Err(pilotzone_sim::SimError::TownMismatch)));
}

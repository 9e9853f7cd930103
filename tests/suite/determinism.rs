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

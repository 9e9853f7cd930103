//! Road incidents provoked on purpose: a person stepping out in front of a robotaxi, and two
//! taxis forced into one junction, each with a control where nothing happens; and the school-zone
//! option changing speed violations and taxi service in the direction one expects.

use pilotzone_sim::events::EventKind;
use pilotzone_sim::record::Recorder;
use pilotzone_sim::residents::{PedestrianRoster, PedestrianState, Walk};
use pilotzone_sim::safety::SafetyMonitor;
use pilotzone_sim::taxi::{Junctions, Phase, TaxiRoster, TaxiState};
use pilotzone_sim::town::TownMap;
use pilotzone_sim::traffic::Lanes;
use pilotzone_sim::{RunOutput, Simulation};

use crate::{demo_for, root};

/// Runs the demo until a robotaxi drives toward a crossing nobody is using, `ahead` metres
/// (a range) before its middle at over 7 m/s; then puts a person at the kerb on the taxi's side,
/// careless or not, and runs 20 s more. The person's id and the run.
fn step_out(careless: bool, ahead: std::ops::Range<f64>) -> (u32, u32, RunOutput) {
    let mut loaded = demo_for(3600);
    // Only the one person we place: the flows stay empty.
    loaded.scenario.residents.pedestrians.iter_mut().for_each(|f| f.profile.iter_mut().for_each(|s| s.per_hour = 0.0));
    let mut sim = Simulation::new(loaded, 21).expect("builds");
    loop {
        assert!(!sim.is_done(), "no taxi came near a crossing");
        sim.step();
        let world = sim.app().world();
        let town = world.resource::<TownMap>();
        let found = world.resource::<TaxiRoster>().0.iter().find_map(|&e| {
            let s = world.get::<TaxiState>(e).expect("taxi");
            let (Phase::Driving, Some(arc)) = (s.phase, s.arc) else { return None };
            let &(c, _) =
                town.arc_crossings[arc as usize].iter().find(|&&(_, at)| ahead.contains(&(at - s.offset_m)))?;
            (s.speed_mps > 7.0).then_some((e, c, s.at))
        });
        let Some((taxi, c, taxi_at)) = found else { continue };
        let crossing = town.crossings[c].clone();
        let d = taxi_at - crossing.centre;
        let side = if d.x * crossing.across.x + d.y * crossing.across.y > 0.0 { 1.0 } else { -1.0 };
        let taxi_id = world.get::<pilotzone_sim::taxi::Taxi>(taxi).expect("taxi").id;
        let person = world.resource::<PedestrianRoster>().0[0];
        let now = sim.now_ms();
        let world = sim.app_mut().world_mut();
        let person_id = world.get::<pilotzone_sim::residents::Pedestrian>(person).expect("person").id;
        let mut p = world.get_mut::<PedestrianState>(person).expect("person");
        p.walk = Walk::Waiting { crossing: c, side, since_ms: now };
        p.careless = careless;
        p.at = crossing.centre + crossing.across.scale(side * (crossing.half_width_m + 1.0));
        let stop = sim.now_ms() + 20_000;
        while sim.now_ms() < stop {
            sim.step();
        }
        return (taxi_id, person_id, sim.finish());
    }
}

#[test]
fn a_person_stepping_out_in_front_of_a_robotaxi_is_a_loss_of_separation_and_a_careful_one_waits() {
    let (taxi, person, out) = step_out(true, 5.0..8.0);
    let rules = &pilotzone_scenario::load(&crate::demo()).expect("demo").scenario.rules;
    let with_person: Vec<_> = out
        .events
        .iter()
        .filter(|e| e.entity == taxi && e.incident.as_ref().is_some_and(|i| i.other == Some(person)))
        .collect();
    let loss = with_person
        .iter()
        .find(|e| e.kind.key() == "separation_loss")
        .unwrap_or_else(|| panic!("taxi {taxi} passes person {person} too close: {with_person:?}"));
    let i = loss.incident.as_ref().expect("measured");
    assert_eq!(rules[i.rule.expect("cites a rule")].id, "taxi-pedestrian-gap");
    assert!(i.value < 1.5 && i.limit == 1.5, "{i:?}");

    let (_, person, calm) = step_out(false, 5.0..8.0);
    let involved = calm.events.iter().any(|e| e.incident.as_ref().is_some_and(|i| i.other == Some(person)));
    assert!(!involved, "a careful person lets the taxi pass first");
    assert!(calm.kpis.residents.pedestrians_crossed >= 1, "and then crosses");
}

#[test]
fn a_person_far_enough_ahead_is_given_way_to() {
    // 40 m ahead the taxi can stop comfortably: nobody is put at risk, careless or not.
    let (_, person, out) = step_out(true, 38.0..45.0);
    assert!(
        !out.events.iter().any(|e| e.incident.as_ref().is_some_and(|i| i.other == Some(person))),
        "the taxi stops for a person already on the crossing"
    );
    assert!(out.kpis.residents.pedestrians_crossed >= 1);
}

/// Two idle robotaxis put 20 m before junction (3, 3) of the demo grid, one from the west and
/// one from the south, at 8 m/s, driving straight through; `forced` grants both their way through
/// the junction.
fn two_into_one(forced: bool) -> (u32, u32, RunOutput) {
    let (ids, _, out) = two_through([((2, 3), (4, 3)), ((3, 2), (3, 4))], forced, false);
    (ids[0], ids[1], out)
}

/// Two idle robotaxis put 20 m before junction (3, 3) of the demo grid on the given legs (from a
/// neighbouring junction, to another), at 8 m/s; `forced` grants both their way through;
/// `away` hands the air's lane, every look ahead and every state hash to a worker thread. Their
/// ids, the slowest each went in the next 15 s, and the run.
fn two_through(legs: [((u32, u32), (u32, u32)); 2], forced: bool, away: bool) -> ([u32; 2], [f64; 2], RunOutput) {
    let mut sim = Simulation::new(demo_for(600), 2).expect("builds");
    if away {
        hand_over_from(&mut sim, 1);
    }
    sim.step();
    let world = sim.app_mut().world_mut();
    let town = world.resource::<TownMap>().clone();
    let g = town.graph();
    let id = |(c, r): (u32, u32)| town.index.node(r * 13 + c).expect("grid node");
    let centre = id((3, 3));
    let roster: Vec<_> = world.resource::<TaxiRoster>().0.clone();
    let mut ids = [0; 2];
    let mut entities = Vec::new();
    for (k, &(from, to)) in legs.iter().enumerate() {
        // The depot's last vehicles: not dispatched in the first seconds.
        let e = roster[roster.len() - 1 - k];
        let into = g.find_arc(id(from), centre).expect("arc in");
        let out = g.find_arc(centre, id(to)).expect("arc out");
        let mut s = world.get_mut::<TaxiState>(e).expect("taxi");
        s.phase = Phase::Driving;
        s.route = vec![into, out];
        s.route_i = 0;
        s.arc = Some(into);
        s.offset_m = g.length_m(into) - 20.0;
        s.speed_mps = 8.0;
        s.node = centre;
        ids[k] = world.get::<pilotzone_sim::taxi::Taxi>(e).expect("taxi").id;
        if forced {
            let mut s = world.get::<TaxiState>(e).expect("taxi").clone();
            world.resource_mut::<Junctions>().grant(centre, ids[k], into, out, &town, &mut s);
            *world.get_mut::<TaxiState>(e).expect("taxi") = s;
        }
        entities.push(e);
    }
    let mut slowest = [f64::MAX; 2];
    for _ in 0..150 {
        sim.step();
        for (k, &e) in entities.iter().enumerate() {
            let s = sim.app().world().get::<TaxiState>(e).expect("taxi");
            if s.phase == Phase::Driving {
                slowest[k] = slowest[k].min(s.speed_mps);
            }
        }
    }
    sim.run_to_end();
    (ids, slowest, sim.finish())
}

#[test]
fn opposing_straight_runs_cross_a_junction_together_and_crossing_ones_take_turns() {
    let touched = |out: &RunOutput, ids: [u32; 2]| {
        out.events.iter().any(|e| {
            e.kind.key() == "collision"
                && ids.contains(&e.entity)
                && e.incident.as_ref().and_then(|i| i.other).is_some_and(|o| ids.contains(&o))
        })
    };
    // West to east and east to west: their lanes never meet, so neither waits.
    let (ids, slowest, out) = two_through([((2, 3), (4, 3)), ((4, 3), (2, 3))], false, false);
    assert!(slowest.iter().all(|&v| v > 4.0), "both kept going: {slowest:?}");
    assert!(!touched(&out, ids));
    // West to east and south to north: one stops for the other.
    let (ids, slowest, out) = two_through([((2, 3), (4, 3)), ((3, 2), (3, 4))], false, false);
    assert!(slowest.iter().any(|&v| v < 0.5), "one waited: {slowest:?}");
    assert!(!touched(&out, ids));
}

#[test]
fn two_taxis_forced_into_one_junction_collide_and_the_reservation_keeps_them_apart() {
    let (a, b, out) = two_into_one(true);
    let pair = |e: &&pilotzone_sim::events::SimEvent| {
        let other = e.incident.as_ref().and_then(|i| i.other);
        (e.entity == a && other == Some(b)) || (e.entity == b && other == Some(a))
    };
    let collision = out.events.iter().filter(|e| e.kind.key() == "collision").find(pair);
    assert!(
        collision.is_some(),
        "both drive into the junction: {:?}",
        out.events.iter().filter(pair).collect::<Vec<_>>()
    );
    let near = out.events.iter().filter(|e| e.kind.key() == "near_miss").find(pair).expect("a near miss first");
    let i = near.incident.as_ref().expect("measured");
    assert!(i.value < 1.0 && i.limit == 1.0 && i.severity >= 2, "{i:?}");
    assert!(near.t_ms <= collision.expect("collision").t_ms, "the near miss comes before the contact");

    let (a, b, calm) = two_into_one(false);
    let touched = calm.events.iter().any(|e| {
        e.kind.key() == "collision" && [Some(a), Some(b)].contains(&e.incident.as_ref().and_then(|i| i.other))
    });
    assert!(!touched, "with the reservation one waits for the other");
}

#[test]
fn ten_km_h_past_the_school_means_more_violations_slower_taxis_and_fewer_school_passes() {
    let base = demo_for(5400);
    let file = root().join("scenarios/rules/school-10.ron");
    let overlay = pilotzone_scenario::overlay::load_overlay(&file).expect("option loads");
    let option = pilotzone_scenario::overlay::apply_overlay(&base, &overlay, "school-10.ron").expect("applies");
    let school_rule = base.scenario.rules.iter().position(|r| r.id == "school-run-20").expect("rule");
    for seed in [1, 3] {
        let run = |loaded: &pilotzone_scenario::LoadedScenario| {
            let mut sim = Simulation::new(loaded.clone(), seed).expect("builds");
            sim.run_to_end();
            sim.finish()
        };
        let (a, b) = (run(&base), run(&option));
        let in_school = |out: &RunOutput| {
            out.events
                .iter()
                .filter(|e| e.kind.key() == "speed_violation")
                .filter(|e| e.incident.as_ref().is_some_and(|i| i.rule == Some(school_rule)))
                .count()
        };
        assert!(in_school(&b) > in_school(&a), "seed {seed}: {} vs {}", in_school(&b), in_school(&a));
        let (ra, rb) = (a.kpis.taxi.ride_s.mean.expect("rides"), b.kpis.taxi.ride_s.mean.expect("rides"));
        assert!(rb > ra, "seed {seed}: taxis are slower, {rb} s vs {ra} s");
        assert!(b.kpis.residents.school_passes < a.kpis.residents.school_passes, "taxis route around the school");
        // Nobody is stuck at a kerb: every person who came could cross, in either option.
        for out in [&a, &b] {
            assert_eq!(out.kpis.residents.pedestrians_dropped, 0, "seed {seed}: {:?}", out.kpis.residents);
        }
        // Robotaxis keep either limit: the violations are the residents' cars.
        let taxi_count: u32 = base.scenario.fleets.taxis.iter().map(|f| f.count).sum();
        let by_taxis = |out: &RunOutput| {
            out.events.iter().filter(|e| e.kind.key() == "speed_violation" && e.entity < taxi_count).count()
        };
        assert_eq!(by_taxis(&b), 0);
    }
}

/// People are where the replay says, and vehicles on their way: a quick look at the shape of a
/// run with residents.
#[test]
fn residents_drive_and_cross_in_the_demo() {
    let mut sim = Simulation::new(demo_for(1800), 7).expect("builds");
    sim.run_to_end();
    let out = sim.finish();
    let r = &out.kpis.residents;
    assert!(r.car_trips > 10 && r.car_km > 1.0, "{r:?}");
    assert!(r.pedestrians_crossed > 20, "{r:?}");
    assert_eq!(r.pedestrians_dropped, 0, "pools are large enough");
    let replay = pilotzone_replay::Replay::read(&out.replay).expect("reads");
    let kinds = |k| replay.entities().iter().filter(|e| e.kind == k).count();
    assert_eq!(kinds(pilotzone_replay::EntityKind::Car), 40);
    assert!(kinds(pilotzone_replay::EntityKind::Person) > 0);
}

/// Sets from how much work each piece of a tick goes to the worker thread: the air's lane (drones
/// in the air), the road's look ahead (vehicles on the road) and the state hash (bytes hashed).
fn hand_over_from(sim: &mut Simulation, from: usize) {
    let world = sim.app_mut().world_mut();
    world.resource_mut::<Lanes>().hand_over_from = from;
    world.resource_mut::<SafetyMonitor>().look_ahead.hand_over_from = from;
    world.resource_mut::<Recorder>().hand_over_from = from;
}

/// The demo's first half hour, seed 5, with the worker thread's thresholds set to `from` (the
/// defaults if none); in how many of its ticks the air's lane, the road's look ahead and the
/// state hash went to the worker; and how many times the hash's input was laid out afresh.
fn demo_half_hour_with(from: Option<usize>) -> (RunOutput, [u64; 3], u64) {
    let mut sim = Simulation::new(demo_for(1800), 5).expect("builds");
    if let Some(from) = from {
        hand_over_from(&mut sim, from);
    }
    sim.run_to_end();
    let layouts = sim.app_mut().world_mut().resource_mut::<Recorder>().hash_layouts();
    let world = sim.app().world();
    let handed = [
        world.resource::<Lanes>().handed_over(),
        world.resource::<SafetyMonitor>().look_ahead.handed_over(),
        world.resource::<Recorder>().hashes_handed_over(),
    ];
    (sim.finish(), handed, layouts)
}

/// Where the drones fly and step, where the road is looked ahead for near misses and where the
/// state is hashed change nothing: the demo's half hour gives the same replay, byte for byte,
/// with the air's lane beside the road's on a worker thread whenever a drone is in the air, and
/// every look ahead and every state hash there too, as with all done on the simulation's own
/// (the demo is small enough to stay there by default).
#[test]
fn work_handed_to_a_worker_changes_no_replay_byte() {
    let ((away, [lanes, looks, hashes], laid_out), (here, kept, kept_laid_out)) =
        (demo_half_hour_with(Some(1)), demo_half_hour_with(Some(usize::MAX)));
    // The demo is small enough to stay on the simulation's thread by default.
    let (_, default, _) = demo_half_hour_with(None);
    assert_eq!(default, [0; 3]);
    assert_eq!(kept, [0; 3]);
    // Wherever it is hashed, the input is kept from tick to tick: laid out when recording starts
    // and at the first tick (the rosters are new to the tick's recorder), never again, as the
    // rosters never change; after that only what changed is written again.
    assert_eq!((laid_out, kept_laid_out), (2, 2));
    assert!(lanes > 1_000, "the half hour's air lanes (when a drone flew) went to a worker: {lanes}");
    // 18,000 ticks: every one whose state changed was hashed there.
    assert!(hashes > 17_000, "the half hour's state hashes went to a worker: {hashes}");
    assert!(looks > 10_000, "the half hour's looks ahead (when anything drove) went to a worker: {looks}");
    assert_eq!(away.replay_hash, here.replay_hash);
    assert_eq!(away.replay, here.replay);
    assert_eq!(away.events, here.events);
    assert!(away.events.iter().any(|e| e.incident.is_some()), "the demo has incidents to compare");
    // Two taxis forced into one junction: a near miss found by the look ahead on a worker.
    let legs = [((2, 3), (4, 3)), ((3, 2), (3, 4))];
    let ((_, _, away), (_, _, here)) = (two_through(legs, true, true), two_through(legs, true, false));
    assert_eq!(away.replay, here.replay);
    assert!(away.events.iter().any(|e| e.kind == EventKind::NearMiss), "a near miss to compare");
}

//! Rules take effect: vehicles keep to the limits in force and avoid closed roads in their hours.

use pilotzone_sim::Simulation;
use pilotzone_sim::rules::ActiveRules;
use pilotzone_sim::taxi::{Phase, TaxiRoster, TaxiState};

use crate::demo_for;

#[test]
fn taxis_keep_the_school_limit_and_avoid_the_market_closure() {
    // 07:00-08:50 covers the school run (07:30-08:30) and most of the market closure (08:00-08:45).
    let mut sim = Simulation::new(demo_for(6600), 3).expect("the demo builds");
    let mut checked_in_school_hours = 0u32;
    let mut last_arc: Vec<Option<u32>> = Vec::new();
    while !sim.is_done() {
        sim.step();
        let world = sim.app().world();
        let rules = world.resource::<ActiveRules>();
        let roster = world.resource::<TaxiRoster>();
        last_arc.resize(roster.0.len(), None);
        for (i, &e) in roster.0.iter().enumerate() {
            let s = world.get::<TaxiState>(e).expect("taxi state");
            let (Phase::Driving, Some(arc)) = (s.phase, s.arc) else { continue };
            let limit = rules.arc_limit_kmh[arc as usize];
            if limit == 0.0 {
                assert_eq!(last_arc[i], Some(arc), "taxi {i} entered closed arc {arc} at {} ms", sim.now_ms());
            } else {
                assert!(
                    s.speed_mps * 3.6 <= limit + 1e-6,
                    "taxi {i} at {:.1} km/h where {limit} holds",
                    s.speed_mps * 3.6
                );
                if limit == 20.0 && s.speed_mps > 0.0 {
                    checked_in_school_hours += 1;
                }
            }
            last_arc[i] = Some(arc);
        }
    }
    assert!(checked_in_school_hours > 0, "some taxi drove through the school zone while 20 km/h held");
    let out = sim.finish();
    assert_eq!(out.kpis.safety.speed_violations, 0);
    let changes: Vec<&str> =
        out.events.iter().filter(|e| e.kind.as_str() == "rule_change").map(|e| e.detail.as_str()).collect();
    assert!(changes.contains(&"school-run-20 holds") && changes.contains(&"school-run-20 lifted"), "{changes:?}");
    assert!(changes.contains(&"morning-market holds"), "{changes:?}");
}

#[test]
fn drones_never_enter_a_no_fly_volume_in_force() {
    let mut sim = Simulation::new(demo_for(7200), 11).expect("the demo builds");
    sim.run_to_end();
    let out = sim.finish();
    assert!(out.kpis.drone.delivered > 0);
    assert_eq!(
        out.kpis.safety.nofly_incursions,
        0,
        "{:?}",
        out.events.iter().filter(|e| e.kind.as_str() == "nofly_incursion").collect::<Vec<_>>()
    );
}

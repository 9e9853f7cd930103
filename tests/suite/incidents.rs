//! The safety monitor finds what a rule forbids, cites the rule and measures the value, and
//! finds nothing where nothing happened; rules with hours, wind limits and remote operators
//! act on the fleets; `pilotzone incidents` lists and filters what was found.

use pilotzone_scenario::{Building, ClockTime, Hours, NoFlyVolume, Rule, RuleKind, WindStep};
use pilotzone_sim::events::SimEvent;
use pilotzone_sim::{RunOutput, Simulation};

use crate::{demo, demo_for, pilotzone};

fn run(loaded: pilotzone_scenario::LoadedScenario, seed: u64) -> RunOutput {
    let mut sim = Simulation::new(loaded, seed).expect("the scenario builds");
    sim.run_to_end();
    sim.finish()
}

fn of_kind<'a>(out: &'a RunOutput, kind: &str) -> Vec<&'a SimEvent> {
    out.events.iter().filter(|e| e.kind.key() == kind).collect()
}

/// Id of the rule an incident cites; empty when it cites none.
fn rule_id<'a>(loaded: &'a pilotzone_scenario::LoadedScenario, e: &SimEvent) -> &'a str {
    e.incident.as_ref().and_then(|i| i.rule).map_or("", |r| loaded.scenario.rules[r].id.as_str())
}

fn from(t: ClockTime) -> Option<Hours> {
    Some(Hours { from: t, to: ClockTime::parse("23:00").expect("time") })
}

/// Half a minute after the first launch of the demo run with `seed`: a drone is cruising then.
fn while_flying(seed: u64) -> (ClockTime, u64) {
    let out = run(demo_for(1800), seed);
    let launch = of_kind(&out, "launch").first().map(|e| e.t_ms).expect("a drone launches");
    let at_ms = launch - launch % 1000 + 30_000;
    (ClockTime(7 * 3600 + (at_ms / 1000) as u32), at_ms)
}

#[test]
fn a_no_fly_volume_closing_over_flying_drones_is_an_incursion_with_its_rule_and_depth() {
    // The whole town closes to drones while one is in the air: the planner cannot keep it out
    // of a volume that appears around it, so the monitor must see it inside.
    let control = demo_for(1800);
    let (closing, closing_ms) = while_flying(5);
    let mut loaded = control.clone();
    let volume = NoFlyVolume {
        name: "emergency closure".into(),
        polygon: vec![(-500.0, -500.0), (2500.0, -500.0), (2500.0, 2000.0), (-500.0, 2000.0)],
        floor_m: 0.0,
        ceiling_m: 300.0,
    };
    // Unannounced: nobody could plan around it.
    let emergency =
        Rule { published: false, ..Rule::new("emergency-no-fly", from(closing), RuleKind::NoFly { volume }) };
    loaded.scenario.rules.push(emergency);
    let out = run(loaded.clone(), 5);
    let found = of_kind(&out, "nofly_incursion");
    assert!(!found.is_empty(), "drones airborne at 07:20 are inside the new volume");
    for e in &found {
        assert_eq!(rule_id(&loaded, e), "emergency-no-fly");
        assert!(e.t_ms >= closing_ms, "nothing before the rule holds: {} ms", e.t_ms);
        let i = e.incident.as_ref().expect("measured");
        assert!(i.value > 0.0 && i.limit == 0.0, "depth past the edge is measured: {i:?}");
    }
    assert_eq!(out.kpis.safety.nofly_incursions as usize, found.len());
    let quiet = run(control, 5);
    assert_eq!(quiet.kpis.safety.nofly_incursions, 0, "the control run has no incursion");
    assert!(quiet.kpis.drone.km > 0.0);
}

#[test]
fn a_lowered_ceiling_is_an_altitude_violation_until_drones_descend_into_it() {
    let mut loaded = demo_for(1800);
    let (lowered, lowered_ms) = while_flying(5);
    let band = RuleKind::AltitudeBand { floor_m: 20.0, ceiling_m: 40.0 };
    loaded.scenario.rules.push(Rule::new("low-ceiling", from(lowered), band));
    let mut sim = Simulation::new(loaded.clone(), 5).expect("builds");
    let mut highest_late = 0.0f64;
    while !sim.is_done() {
        sim.step();
        // A minute after the change every drone has had time to descend to 40 m.
        if sim.now_ms() > lowered_ms + 60_000 {
            let world = sim.app().world();
            for &e in &world.resource::<pilotzone_sim::drone::DroneRoster>().0 {
                let s = world.get::<pilotzone_sim::drone::DroneState>(e).expect("drone");
                highest_late = highest_late.max(s.pos[2]);
            }
        }
    }
    let out = sim.finish();
    let found = of_kind(&out, "altitude_violation");
    assert!(!found.is_empty(), "a drone cruising at 60 m breaks the new 40 m ceiling");
    for e in &found {
        assert_eq!(rule_id(&loaded, e), "low-ceiling");
        let i = e.incident.as_ref().expect("measured");
        assert_eq!(i.limit, 40.0);
        assert!(i.value > 40.5 && i.value <= 75.0 + 1e-9, "{i:?}");
    }
    assert!(highest_late <= 40.5, "drones fly under the ceiling once they have re-planned: {highest_late} m");
    assert!(out.kpis.drone.delivered > 0);
}

#[test]
fn a_tower_under_the_route_is_too_close_to_drones_and_a_low_house_is_not() {
    // A 45 m tower beside the vertiport, under every departure: drones at 60 m pass 15 m over it.
    let base = demo_for(1200);
    let vertiport = base.scenario.map.places.iter().find(|p| p.name == "vertiport").expect("vertiport");
    let (x, y) = vertiport.at.expect("placed");
    let tower = |h: f64| Building {
        polygon: vec![(x - 220.0, y - 200.0), (x - 80.0, y - 200.0), (x - 80.0, y + 60.0), (x - 220.0, y + 60.0)],
        height_m: h,
    };
    let mut loaded = base.clone();
    loaded.scenario.map.buildings.push(tower(45.0));
    let out = run(loaded.clone(), 9);
    let found = of_kind(&out, "building_proximity");
    assert!(!found.is_empty(), "drones pass within 30 m of the tower");
    for e in &found {
        assert_eq!(rule_id(&loaded, e), "jp-property-30");
        let i = e.incident.as_ref().expect("measured");
        assert!(i.value < 30.0 && i.limit == 30.0, "{i:?}");
    }
    let mut low = base;
    low.scenario.map.buildings.push(tower(8.0));
    let clear = run(low, 9);
    assert!(of_kind(&clear, "building_proximity").is_empty(), "52 m over an 8 m roof is clear");
}

#[test]
fn wind_over_the_limit_grounds_every_drone_and_under_it_they_fly() {
    let calm = demo_for(1800);
    let mut gale = calm.clone();
    gale.scenario.weather.wind = vec![WindStep {
        from: ClockTime::parse("06:00").expect("time"),
        mean_mps: 8.0,
        from_deg: 270.0,
        gust_mps: 0.0,
    }];
    let grounded = run(gale, 4);
    assert!(grounded.kpis.drone.orders > 0);
    assert!(of_kind(&grounded, "launch").is_empty(), "no drone takes off in 8 m/s over the 5 m/s limit");
    assert_eq!(grounded.kpis.drone.km, 0.0);
    assert!(grounded.kpis.drone.wind_hold_s > 600.0, "held time is counted: {}", grounded.kpis.drone.wind_hold_s);
    let hold = of_kind(&grounded, "wind_hold");
    assert!(hold.first().is_some_and(|e| e.detail.contains("jp-wind-5")), "{hold:?}");
    let flown = run(calm, 4);
    assert!(!of_kind(&flown, "launch").is_empty());
    assert_eq!(flown.kpis.drone.wind_hold_s, 0.0);
}

#[test]
fn fewer_remote_operators_make_vehicles_wait_to_depart() {
    let with_ratio = |per_operator: u32| {
        let mut loaded = demo_for(3600);
        let rule = loaded.scenario.rules.iter_mut().find(|r| r.id == "jp-l4-remote").expect("baseline rule");
        rule.kind = RuleKind::RemoteOperators { fleet: None, vehicles_per_operator: per_operator };
        run(loaded, 6).kpis.taxi
    };
    let (one_each, one_for_all) = (with_ratio(1), with_ratio(10));
    assert_eq!(one_each.operator_wait_s, 0.0, "with an operator per vehicle nobody waits");
    assert!(one_for_all.operator_wait_s > 0.0, "one operator for ten vehicles makes some wait");
    assert!(one_for_all.wait_s.mean >= one_each.wait_s.mean, "{one_for_all:?} vs {one_each:?}");
}

#[test]
fn the_incidents_command_lists_filters_and_names_bad_filters() {
    let dir = tempfile::tempdir().expect("temp dir");
    // The option closes the town to drones while one flies, so there are incidents.
    let (closing, _) = while_flying(5);
    let option = dir.path().join("closure.ron");
    let text = r#"RuleOverlay(format_version: 2, name: "closure", rules: [
  Rule(id: "emergency-no-fly", name: (en: "Emergency closure", ja: "緊急飛行禁止"), hours: (from: "FROM", to: "23:00"),
       published: false, kind: NoFly(volume: (name: "town", polygon: [(-500.0, -500.0), (2500.0, -500.0), (2500.0, 2000.0), (-500.0, 2000.0)], ceiling_m: 300.0))),
])"#;
    std::fs::write(&option, text.replace("FROM", &closing.to_string())).expect("option written");
    let run_dir = dir.path().join("run");
    let o = pilotzone(&[
        "run",
        demo().to_str().expect("utf-8"),
        "--rules",
        option.to_str().expect("utf-8"),
        "--duration-s",
        "1800",
        "--seed",
        "5",
        "--quiet",
        "--out",
        run_dir.to_str().expect("utf-8"),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let list = pilotzone(&["incidents", run_dir.to_str().expect("utf-8"), "--kind", "nofly_incursion"]);
    assert!(list.status.success());
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(text.contains("nofly_incursion") && text.contains("rule emergency-no-fly \"Emergency closure\""), "{text}");
    let last = text.lines().last().expect("a count line");
    let shown: usize = last.split(' ').next().and_then(|n| n.parse().ok()).expect("count");
    assert!(shown > 0, "{text}");
    let none = pilotzone(&["incidents", run_dir.to_str().expect("utf-8"), "--rule", "jp-people-30"]);
    assert!(String::from_utf8_lossy(&none.stdout).starts_with("0 of "), "no incident against jp-people-30");
    let bad = pilotzone(&["incidents", run_dir.to_str().expect("utf-8"), "--kind", "near_mis"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("did you mean \"near_miss\"?"));
}

#[test]
fn drones_closer_than_a_wide_separation_minimum_are_losses_citing_it() {
    // 400 m and 50 m: the outbound (60 m) and return (75 m) layers are not apart enough, so any
    // two drones cruising within 400 m lose separation, with nothing but their layers keeping
    // them apart (deconfliction would plan and steer by the wider minimum). The demo's own
    // 30 m / 10 m gives none.
    let control = demo_for(3600);
    let mut loaded = control.clone();
    loaded.scenario.map.airspace.strategic_deconfliction = false;
    loaded.scenario.map.airspace.tactical_separation = false;
    let rule = loaded.scenario.rules.iter_mut().find(|r| r.id == "drone-separation").expect("rule");
    rule.kind = RuleKind::Separation {
        between: (pilotzone_scenario::Class::Drone, pilotzone_scenario::Class::Drone),
        horizontal_m: 400.0,
        vertical_m: 50.0,
    };
    let out = run(loaded.clone(), 8);
    let losses: Vec<_> =
        of_kind(&out, "separation_loss").into_iter().filter(|e| rule_id(&loaded, e) == "drone-separation").collect();
    assert!(!losses.is_empty(), "drones cruise within 400 m of each other");
    for e in &losses {
        let i = e.incident.as_ref().expect("measured");
        assert!(i.value < 400.0 && i.limit == 400.0 && i.other.is_some(), "{i:?}");
    }
    let calm = run(control, 8);
    assert!(of_kind(&calm, "separation_loss").is_empty(), "30 m / 10 m holds in the demo");
}

#[test]
fn drones_passing_near_people_in_the_street_are_losses_citing_the_people_rule() {
    // People wait and cross at the crossings all morning; a 90 m minimum (instead of 30 m) puts
    // drones at 60 m within it wherever they pass near one. Drones keep clear of the school
    // while its no-fly volume is announced and in force (07:15-08:30), so the whole morning runs.
    let control = demo_for(7200);
    let mut loaded = control.clone();
    let rule = loaded.scenario.rules.iter_mut().find(|r| r.id == "jp-people-30").expect("baseline rule");
    rule.kind = RuleKind::Separation {
        between: (pilotzone_scenario::Class::Drone, pilotzone_scenario::Class::Person),
        horizontal_m: 90.0,
        vertical_m: 90.0,
    };
    let out = run(loaded.clone(), 8);
    let losses: Vec<_> =
        of_kind(&out, "separation_loss").into_iter().filter(|e| rule_id(&loaded, e) == "jp-people-30").collect();
    assert!(!losses.is_empty(), "some drone passes within 90 m of a person in the street");
    for e in &losses {
        let i = e.incident.as_ref().expect("measured");
        assert!(i.value < 90.0 && i.value >= e.at[2] - 1e-9, "the distance in space, at least the height: {i:?}");
    }
    let calm = run(control, 8);
    assert!(
        !of_kind(&calm, "separation_loss").iter().any(|e| e.incident.as_ref().is_some_and(|i| i.rule.is_some())),
        "at 30 m nobody is too close"
    );
}

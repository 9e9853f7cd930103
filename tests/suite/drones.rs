//! Drones in the wind, in shared airspace and on their batteries.

use pilotzone_scenario::{Class, ClockTime, DroneFleet, LoadedScenario, Place, PlaceKind, PlaceSet, WindStep};
use pilotzone_sim::Simulation;
use pilotzone_sim::demand::{OrderStatus, ParcelOrder, Requests};
use pilotzone_sim::town::TownMap;

use crate::{demo_for, root};

/// The demo with parcels only to one garden 970 m due west of the vertiport, in a steady wind.
fn westward(wind: Option<(f64, f64)>) -> LoadedScenario {
    pilotzone_scenario::edited(&demo_for(3600), "one destination in a steady wind", |s| {
        s.demand.parcels[0].to = PlaceSet::Named(vec!["home-14".into()]);
        s.weather.wind = wind
            .map(|(mean_mps, from_deg)| WindStep {
                from: ClockTime::parse("06:00").expect("time"),
                mean_mps,
                from_deg,
                gust_mps: 0.0,
            })
            .into_iter()
            .collect();
    })
    .expect("the edited demo is valid")
}

fn outbound_mean_s(loaded: LoadedScenario) -> f64 {
    let mut sim = Simulation::new(loaded, 11).expect("builds");
    sim.run_to_end();
    let k = sim.finish().kpis;
    assert!(k.drone.delivered >= 3, "enough flights to compare: {}", k.drone.delivered);
    k.drone.outbound_s.mean.expect("flights were made")
}

#[test]
fn a_headwind_lengthens_the_flight_and_a_tailwind_shortens_it() {
    let calm = outbound_mean_s(westward(None));
    // Wind from the west (270°) blows into the face of a drone flying west.
    let head = outbound_mean_s(westward(Some((4.0, 270.0))));
    let tail = outbound_mean_s(westward(Some((4.0, 90.0))));
    // About 970 m at 12 m/s air speed: 8 m/s over the ground into the wind, 16 m/s with it.
    assert!(head > calm + 30.0, "headwind {head:.1} s against calm {calm:.1} s");
    assert!(tail < calm - 15.0, "tailwind {tail:.1} s against calm {calm:.1} s");
}

/// Two vertiports whose flights cross half-way, each with one drone, and one order for each
/// placed at 07:00 so that both take off at once; strategic deconfliction and tactical
/// separation on or off.
fn crossing(strategic: bool, tactical: bool) -> pilotzone_sim::RunOutput {
    let loaded = pilotzone_scenario::edited(&demo_for(600), "two crossing flights", |s| {
        // Flight A: vertiport (1344, 382) west to home-14 (371, 406). Flight B: from 487 m
        // north of the mid-point to 487 m south of it, so both reach it together.
        let node = s.map.places.iter().find(|p| p.name == "vertiport").expect("demo vertiport").node;
        s.map.places.push(Place {
            name: "vertiport-north".into(),
            kind: PlaceKind::Vertiport,
            node,
            at: Some((857.0, 882.0)),
        });
        s.map.places.push(Place { name: "garden-south".into(), kind: PlaceKind::Home, node, at: Some((857.0, -93.0)) });
        s.fleets.drones[0].count = 1;
        let mut b: DroneFleet = s.fleets.drones[0].clone();
        b.name = "north".into();
        b.base = "vertiport-north".into();
        s.fleets.drones.push(b);
        s.demand.parcels[0].profile.iter_mut().for_each(|step| step.per_hour = 0.0);
        s.map.airspace.strategic_deconfliction = strategic;
        s.map.airspace.tactical_separation = tactical;
        // Calm air, so both fly at the same speed.
        s.weather.wind.clear();
    })
    .expect("the edited demo is valid");
    let mut sim = Simulation::new(loaded, 3).expect("builds");
    let world = sim.app_mut().world_mut();
    let town = world.resource::<TownMap>();
    let order = |id: u32, from: &str, to: &str| ParcelOrder {
        id,
        flow: 0,
        t_ms: 0,
        from: town.place(from).expect("place"),
        to: town.place(to).expect("place"),
        weight_kg: 1.0,
        latest_launch_ms: 600_000,
        status: OrderStatus::Open,
        launched_ms: None,
        delivered_ms: None,
    };
    let orders = [order(0, "vertiport", "home-14"), order(1, "vertiport-north", "garden-south")];
    world.resource_mut::<Requests>().parcels.extend(orders);
    sim.run_to_end();
    sim.finish()
}

#[test]
fn two_drones_on_crossing_paths_at_the_same_time_are_deconflicted() {
    let losses = |out: &pilotzone_sim::RunOutput| {
        out.events.iter().filter(|e| e.kind.key() == "separation_loss" && e.detail.contains("drone")).count()
    };
    let neither = crossing(false, false);
    assert_eq!(neither.kpis.drone.delivered, 2);
    assert!(losses(&neither) > 0, "kept apart by nothing, the two meet at the crossing");
    assert_eq!((neither.kpis.drone.deconflicted, neither.kpis.drone.tactical_resolutions), (0, 0));

    let strategic = crossing(true, false);
    assert_eq!(strategic.kpis.drone.delivered, 2, "both parcels still arrive");
    assert_eq!(strategic.kpis.drone.deconflicted, 1, "one flight waits for the other");
    assert!(strategic.kpis.drone.deconfliction_wait_s >= 5.0);
    assert_eq!(losses(&strategic), 0, "and they never come within the minimum");
    assert_eq!(strategic.kpis.drone.tactical_resolutions, 0);

    // Launched together, with nothing reserved: each sees the other coming and turns aside.
    let tactical = crossing(false, true);
    assert_eq!(tactical.kpis.drone.delivered, 2);
    assert_eq!(tactical.kpis.drone.deconflicted, 0, "neither waits");
    assert_eq!(tactical.kpis.drone.tactical_resolutions, 2, "they cross going out and coming home, each once");
    assert_eq!(losses(&tactical), 0, "they pass outside the minimum");
    assert_eq!(tactical.kpis.safety.collisions, 0);
    // The plan's reference flies on while the drone is beside it, so the parcel is no later;
    // the way round is a little longer.
    let (round, straight) = (tactical.kpis.drone.km, neither.kpis.drone.km);
    assert!(round > straight && round < straight + 0.2, "{round:.3} km against {straight:.3} km");
    assert_eq!(tactical.kpis.drone.outbound_s.mean, neither.kpis.drone.outbound_s.mean);
}

/// Every shipped scenario (`scenarios/*.ron`), with every seed of `seeds/ci.ron`.
#[test]
fn over_the_seed_set_no_drone_enters_a_no_fly_volume_and_no_battery_runs_flat() {
    let seeds = pilotzone_scenario::seeds::load(&root().join("seeds/ci.ron")).expect("seeds/ci.ron is valid").seeds;
    let mut shipped: Vec<_> = std::fs::read_dir(root().join("scenarios"))
        .expect("scenarios/ is there")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    shipped.sort();
    assert!(!shipped.is_empty());
    for path in &shipped {
        let loaded = pilotzone_scenario::load(path).expect("shipped scenarios are valid");
        for &seed in &seeds {
            let mut sim = Simulation::new(loaded.clone(), seed).expect("builds");
            sim.run_to_end();
            let out = sim.finish();
            let k = &out.kpis;
            let at = format!("{} seed {seed}", path.display());
            let fleets = &loaded.scenario.fleets;
            let incursions: Vec<_> = out.events.iter().filter(|e| e.kind.key() == "nofly_incursion").collect();
            assert!(incursions.is_empty(), "{at}: {incursions:?}");
            if !fleets.taxis.is_empty() {
                assert!(
                    k.taxi.lowest_charge > 0.0 && k.taxi.lowest_charge < 1.0,
                    "{at}: taxi charge {}",
                    k.taxi.lowest_charge
                );
            }
            if !fleets.drones.is_empty() {
                assert!(k.drone.delivered > 0, "{at}: drones flew");
                assert!(
                    k.drone.lowest_charge > 0.0 && k.drone.lowest_charge < 1.0,
                    "{at}: drone charge {}",
                    k.drone.lowest_charge
                );
            }
        }
    }
}

/// The largest and the mean distance between a flying drone and the point its controller steers
/// to (its flight plan's reference, moved aside by tactical separation) over a run, and the
/// parcels delivered.
fn tracking(loaded: LoadedScenario, seed: u64) -> (f64, f64, u32) {
    use pilotzone_sim::drone::{DroneRoster, DroneState};
    let mut sim = Simulation::new(loaded, seed).expect("builds");
    let (mut worst, mut sum, mut n) = (0.0f64, 0.0, 0u32);
    while !sim.is_done() {
        sim.step();
        let world = sim.app().world();
        for &e in &world.resource::<DroneRoster>().0 {
            let s = world.get::<DroneState>(e).expect("drone");
            if s.airborne() {
                let target = [s.reference[0] + s.avoid[0], s.reference[1] + s.avoid[1], s.reference[2]];
                let d = [0, 1, 2].map(|i| s.pos[i] - target[i]);
                let off = (d[0].hypot(d[1])).hypot(d[2]);
                (worst, sum, n) = (worst.max(off), sum + off, n + 1);
            }
        }
    }
    (worst, sum / f64::from(n.max(1)), sim.finish().kpis.drone.delivered)
}

#[test]
fn the_flight_controller_keeps_drones_on_their_plan_in_calm_and_in_gusts() {
    let (calm, calm_mean, delivered) = tracking(westward(None), 4);
    assert!(delivered >= 3);
    let gusty = pilotzone_scenario::edited(&westward(None), "gusty", |s| {
        s.weather.wind = vec![WindStep {
            from: ClockTime::parse("06:00").expect("time"),
            mean_mps: 4.0,
            from_deg: 200.0,
            gust_mps: 2.0,
        }];
    })
    .expect("valid");
    let (gusts, gusts_mean) = {
        let (worst, mean, _) = tracking(gusty, 4);
        (worst, mean)
    };
    assert!(calm > 0.0, "a body under forces is never exactly on the plan");
    assert!(calm < 2.5, "calm air: within {calm:.2} m of the plan");
    // The worst moment of a run is a turn as often as a gust; on the whole, gusts push.
    assert!(gusts_mean > calm_mean, "gusts push drones off the plan: {gusts_mean:.3} m against {calm_mean:.3} m");
    assert!(gusts < 6.0, "and the controller brings them back: {gusts:.2} m");
}

#[test]
fn a_drone_whose_battery_runs_out_falls_and_lies_on_the_ground_never_below_it_or_empty() {
    use pilotzone_sim::drone::DroneState;
    let mut sim = Simulation::new(westward(None), 4).expect("builds");
    let drone = fly_until_cruising(&mut sim);
    // Its battery is all but empty: a few ticks of cruise drain it.
    sim.app_mut().world_mut().get_mut::<DroneState>(drone).expect("drone").energy_wh = 0.01;
    // Sixty seconds: long enough to fall from cruise and lie still.
    for _ in 0..600 {
        sim.step();
        let s = sim.app().world().get::<DroneState>(drone).expect("drone");
        assert!(s.pos[2] >= 0.0, "below the ground: {:.2} m", s.pos[2]);
        assert!(s.energy_wh >= 0.0, "below empty: {} Wh", s.energy_wh);
    }
    let s = sim.app().world().get::<DroneState>(drone).expect("drone");
    assert!(s.stranded, "an empty battery strands the drone");
    // Its body (a ball round the rotors) rests on the ground.
    let resting = f64::from(pilotzone_sim::physics::DRONE_RADIUS_M);
    assert!((s.pos[2] - resting).abs() < 0.01, "it lies on the ground: {:.3} m", s.pos[2]);
    assert_eq!(s.energy_wh, 0.0, "with nothing left");
    assert!(s.vel.iter().all(|v| v.abs() < 0.01), "and does not move: {:?}", s.vel);
}

/// Steps until a drone cruises level above 50 m, and returns it.
fn fly_until_cruising(sim: &mut Simulation) -> bevy::prelude::Entity {
    use pilotzone_sim::drone::{DroneRoster, DroneState};
    loop {
        sim.step();
        let world = sim.app().world();
        let cruising = world.resource::<DroneRoster>().0.iter().copied().find(|&e| {
            let s = world.get::<DroneState>(e).expect("drone");
            s.airborne() && s.pos[2] > 50.0 && s.vel[2].abs() < 0.1
        });
        if let Some(e) = cruising {
            return e;
        }
        assert!(!sim.is_done(), "a drone cruised");
    }
}

/// Two cruising drones sent head-on along one line at one height: whatever deconfliction would
/// have done, here they meet. Each crash is one incident naming the other and the separation rule; both fall,
/// lie on the ground and take no further part.
#[test]
fn drones_that_touch_both_crash_once_fall_and_lie_on_the_ground_taking_no_further_part() {
    use pilotzone_sim::drone::{Drone, DroneRoster, DroneState};
    let mut loaded = westward(None);
    loaded.scenario.run.duration_s = 1800;
    let mut sim = Simulation::new(loaded, 4).expect("builds");
    let first = fly_until_cruising(&mut sim);
    let second = loop {
        sim.step();
        let world = sim.app().world();
        let other = world.resource::<DroneRoster>().0.iter().copied().find(|&e| {
            let s = world.get::<DroneState>(e).expect("drone");
            e != first && s.airborne() && s.pos[2] > 50.0 && s.vel[2].abs() < 0.1
        });
        if let Some(e) = other {
            break e;
        }
        assert!(!sim.is_done(), "a second drone cruised");
    };
    let world = sim.app_mut().world_mut();
    let id = |world: &bevy::prelude::World, e| world.get::<Drone>(e).expect("drone").id;
    let (a, b) = (id(world, first), id(world, second));
    let (pa, pb) =
        (world.get::<DroneState>(first).expect("drone").pos, world.get::<DroneState>(second).expect("drone").pos);
    // Each flies to the other's place along the line between them, at one height.
    let point =
        |p: [f64; 3]| pilotzone_routing::airspace::Waypoint { at: pilotzone_routing::Vec2::new(p[0], p[1]), z_m: 60.0 };
    for (e, from, to) in [(first, pa, pb), (second, pb, pa)] {
        let mut s = world.get_mut::<DroneState>(e).expect("drone");
        let here = pilotzone_routing::airspace::Waypoint {
            at: pilotzone_routing::Vec2::new(s.pos[0], s.pos[1]),
            z_m: s.pos[2],
        };
        s.path = vec![here, point(from), point(to)];
        s.next = 1;
    }
    let mut crashed_at = None;
    for _ in 0..3000 {
        sim.step();
        let world = sim.app().world();
        let (sa, sb) =
            (world.get::<DroneState>(first).expect("drone"), world.get::<DroneState>(second).expect("drone"));
        for s in [sa, sb] {
            assert!(s.pos[2] >= 0.0, "below the ground: {:.2} m", s.pos[2]);
        }
        if sa.crashed && sb.crashed && crashed_at.is_none() {
            crashed_at = Some((sim.now_ms(), sa.energy_wh, sb.energy_wh));
        }
    }
    let (t_crash, energy_a, energy_b) = crashed_at.expect("the two drones met and crashed");
    let world = sim.app().world();
    for (e, energy) in [(first, energy_a), (second, energy_b)] {
        let s = world.get::<DroneState>(e).expect("drone");
        let resting = f64::from(pilotzone_sim::physics::DRONE_RADIUS_M);
        assert!((s.pos[2] - resting).abs() < 0.05, "lies on the ground: {:.2} m", s.pos[2]);
        assert!(s.vel.iter().all(|v| v.abs() < 0.05), "still: {:?}", s.vel);
        assert_eq!(s.energy_wh, energy, "its rotors turn no more");
    }
    let out = sim.finish();
    // The replay shows both as down, whatever they were flying for.
    let replay = pilotzone_replay::Replay::read(&out.replay).expect("a replay");
    let states = replay.state_at(replay.duration_ms()).expect("the last state");
    for id in [a, b] {
        let k = replay.header().entities.iter().position(|e| e.id == id).expect("an entity");
        assert_eq!(replay.status(states[k].status), Some(pilotzone_replay::Status::Down), "drone {id}");
    }
    let crashes: Vec<_> = out.events.iter().filter(|e| e.kind.key() == "crash").collect();
    assert_eq!(crashes.len(), 2, "once each: {crashes:?}");
    assert_eq!(out.kpis.drone.crashed, 2);
    for (me, other) in [(a, b), (b, a)] {
        let c = crashes.iter().find(|e| e.entity == me).expect("a crash each");
        let i = c.incident.as_ref().expect("measured");
        assert_eq!(i.other, Some(other));
        assert!(i.rule.is_some() && i.limit > 0.0, "names the separation minimum: {i:?}");
        assert!(c.at[2] > 50.0 && c.t_ms <= t_crash, "where it struck, in the air: {:?}", c.at);
        assert!(c.detail.starts_with(&format!("struck drone {other} at ")), "{}", c.detail);
        // Nothing more of it: no landing, no delivery, no new incident.
        let later: Vec<_> = out.events.iter().filter(|e| e.entity == me && e.t_ms > c.t_ms).collect();
        assert!(later.is_empty(), "{later:?}");
    }
}

/// A drone sent low through a building strikes it: a crash citing the building clearance rule;
/// it falls onto the roof or the ground, never through either.
#[test]
fn a_drone_flown_into_a_building_crashes_against_it() {
    use pilotzone_sim::drone::DroneState;
    let mut loaded = westward(None);
    loaded.scenario.run.duration_s = 1800;
    let rules = loaded.scenario.rules.clone();
    let mut sim = Simulation::new(loaded, 4).expect("builds");
    let drone = fly_until_cruising(&mut sim);
    let world = sim.app_mut().world_mut();
    let town = world.resource::<TownMap>().clone();
    let (outline, height) = town.buildings[0].clone();
    let n = outline.len() as f64;
    let centre = outline.iter().fold(pilotzone_routing::Vec2::new(0.0, 0.0), |c, &p| c + p.scale(1.0 / n));
    let low = height / 2.0;
    let mut s = world.get_mut::<DroneState>(drone).expect("drone");
    let here =
        pilotzone_routing::airspace::Waypoint { at: pilotzone_routing::Vec2::new(s.pos[0], s.pos[1]), z_m: s.pos[2] };
    // Down beside the building first, then straight through its middle at half its height.
    let beside = centre + pilotzone_routing::Vec2::new(-60.0, 0.0);
    let through = centre + pilotzone_routing::Vec2::new(60.0, 0.0);
    s.path = vec![
        here,
        pilotzone_routing::airspace::Waypoint { at: beside, z_m: s.pos[2] },
        pilotzone_routing::airspace::Waypoint { at: beside, z_m: low },
        pilotzone_routing::airspace::Waypoint { at: through, z_m: low },
    ];
    s.next = 1;
    let mut crashed = false;
    for _ in 0..4000 {
        sim.step();
        let s = sim.app().world().get::<DroneState>(drone).expect("drone");
        assert!(s.pos[2] >= 0.0, "below the ground: {:.2} m", s.pos[2]);
        let inside =
            pilotzone_routing::geom::point_in_polygon(pilotzone_routing::Vec2::new(s.pos[0], s.pos[1]), &outline);
        assert!(!(inside && s.pos[2] < height - 0.5), "inside the building at {:?}", s.pos);
        crashed |= s.crashed;
    }
    assert!(crashed, "the drone struck the building");
    let out = sim.finish();
    let crash = out.events.iter().find(|e| e.kind.key() == "crash").expect("a crash");
    assert!(crash.detail.starts_with("struck building 0 at "), "{}", crash.detail);
    let rule = crash.incident.as_ref().and_then(|i| i.rule).expect("cites the clearance rule");
    assert!(
        matches!(
            rules[rule].kind,
            pilotzone_scenario::RuleKind::Separation { between: (Class::Drone, Class::Building), .. }
        ),
        "{}",
        rules[rule].id
    );
}

/// A generated 2 km × 2 km town of 300 drones at six vertiports, more drones than homes, with
/// parcels enough to keep them flying for `duration_s`.
fn city_drones(duration_s: u32) -> pilotzone_scenario::generate::GridTown {
    pilotzone_scenario::generate::GridTown {
        cols: 10,
        rows: 10,
        block_m: 200.0,
        taxis: 0,
        drones: 300,
        vertiports: 6,
        rides_per_hour: 0.0,
        parcels_per_hour: 6000.0,
        duration_s,
        demand_s: None,
        max_wait_s: 1800,
        seed: 3,
    }
}

/// A generated town with more drones than homes: gardens for the drones and course layers. Every
/// drone in level flight cruises on a layer of the band, crossing courses on different layers,
/// and none touches another or comes within the separation minimum.
#[test]
fn a_city_scale_drone_town_cruises_on_course_layers_and_no_drone_touches_another() {
    use pilotzone_routing::Vec2;
    use pilotzone_routing::geom::point_in_polygon;
    use pilotzone_scenario::generate::{grid_town, to_ron};
    use pilotzone_sim::drone::deconflict::Reservations;
    use pilotzone_sim::drone::launch::{HOME_WAIT_STEP_MS, HOME_WAITS};
    use pilotzone_sim::drone::{Drone, DroneRoster, DroneState};
    use pilotzone_sim::rules::ActiveRules;
    let town = city_drones(900);
    let scenario = grid_town(&town);
    assert!(scenario.map.airspace.course_layers, "more drones than homes: course layers");
    let loaded = pilotzone_scenario::parse(&to_ron(&scenario, "city drones"), "city drones").expect("valid");
    let mut sim = Simulation::new(loaded, 3).expect("builds");
    // The band 30–120 m in layers 15 m apart (one and a half times the 10 m vertical minimum).
    let layers = [30.0, 45.0, 60.0, 75.0, 90.0, 105.0, 120.0];
    let mut used = std::collections::BTreeSet::new();
    let (mut level, mut through_terminals) = (0, 0);
    let mut aloft_max = 0;
    let areas = sim.app().world().resource::<ActiveRules>().terminal_areas().to_vec();
    assert_eq!(areas.len(), town.vertiports as usize, "one terminal area a vertiport");
    while !sim.is_done() {
        sim.step();
        if !sim.now_ms().is_multiple_of(1000) {
            continue;
        }
        let world = sim.app().world();
        let (town, requests) = (world.resource::<TownMap>(), world.resource::<Requests>());
        let mut aloft = 0;
        for &e in &world.resource::<DroneRoster>().0 {
            let (drone, s) = (world.get::<Drone>(e).expect("drone"), world.get::<DroneState>(e).expect("drone"));
            aloft += u32::from(s.airborne() && !s.crashed);
            let speed = s.vel[0].hypot(s.vel[1]);
            if s.airborne() && !s.crashed && s.vel[2].abs() < 0.05 && speed > 5.0 && s.pos[2] > 20.0 {
                let layer = layers.iter().position(|l| (s.pos[2] - l).abs() < 1.5);
                let layer = layer.unwrap_or_else(|| panic!("cruising at {:.1} m, off every layer", s.pos[2]));
                used.insert(layer);
                level += 1;
                // Cruising through another vertiport's terminal area, not to a garden in it.
                let (at, own) = (Vec2::new(s.pos[0], s.pos[1]), drone.base_at);
                let garden = s.order.map(|o| town.place_pos[requests.parcels[o as usize].to]);
                through_terminals += usize::from(areas.iter().any(|a| {
                    point_in_polygon(at, &a.polygon)
                        && !point_in_polygon(own, &a.polygon)
                        && garden.is_none_or(|g| !point_in_polygon(g, &a.polygon))
                }));
            }
        }
        aloft_max = aloft_max.max(aloft);
    }
    assert!(
        through_terminals * 1000 < level,
        "{through_terminals} of {level} cruising samples in another's terminal area"
    );
    let asked_ms = sim.app().world().resource::<Reservations>().asked_home_wait_ms;
    let out = sim.finish();
    assert!(level > 1000, "drones cruised: {level} samples");
    assert_eq!(used.len(), layers.len(), "every layer carries traffic: {used:?}");
    assert_eq!(out.kpis.safety.collisions, 0);
    assert_eq!(out.kpis.drone.crashed, 0);
    // Deconfliction predicts each flight as it will be flown, corners and level-offs included,
    // so what it approves stays apart.
    assert_eq!(out.kpis.safety.separation_losses, 0, "{:?}", out.kpis.safety);
    assert!(out.kpis.drone.delivered > 100, "{:?}", out.kpis.drone);
    // Each flight keeps to its plan to the tick, so it leaves the garden on the way home it held
    // from take-off: drones hover there only as planned before they took off, a minute at most,
    // and never for a way home they have to ask for.
    let most_s = (u64::from(HOME_WAITS) * HOME_WAIT_STEP_MS) as f64 / 1000.0;
    assert!(out.kpis.drone.home_wait_s > 0.0, "some ways home were waited for: {:?}", out.kpis.drone);
    assert!(out.kpis.drone.longest_home_wait_s <= most_s + 0.1, "{:?}", out.kpis.drone);
    assert_eq!(asked_ms, 0, "no drone asked for its way home over a garden");
    // 50 drones a vertiport, a take-off pad per 16; the KPI's peak counts every tick, so it is at
    // least the most seen at whole seconds.
    assert!(scenario.fleets.drones.iter().all(|f| f.pads == 4), "pads per vertiport");
    assert!(aloft_max > 50, "most aloft at a whole second: {aloft_max}");
    assert!(out.kpis.drone.peak_airborne >= aloft_max, "{} < {aloft_max}", out.kpis.drone.peak_airborne);
}

/// The same city-scale town with strategic deconfliction off, so every flight launches at once:
/// kept apart by nothing, drones lose separation thousands of times and collide; with tactical
/// separation each turns aside for what it sees coming, and far fewer do.
#[test]
fn without_strategic_deconfliction_tactical_separation_keeps_most_drones_apart() {
    use pilotzone_scenario::generate::{grid_town, to_ron};
    let town = city_drones(600);
    let run = |tactical: bool| {
        let mut scenario = grid_town(&town);
        scenario.map.airspace.strategic_deconfliction = false;
        scenario.map.airspace.tactical_separation = tactical;
        let loaded = pilotzone_scenario::parse(&to_ron(&scenario, "city drones"), "city drones").expect("valid");
        let mut sim = Simulation::new(loaded, 3).expect("builds");
        sim.run_to_end();
        sim.finish().kpis
    };
    let (none, tactical) = (run(false), run(true));
    assert_eq!(none.drone.tactical_resolutions, 0);
    assert!(none.safety.separation_losses > 150 && none.safety.collisions >= 5, "{:?}", none.safety);
    assert!(tactical.drone.tactical_resolutions > 200, "{:?}", tactical.drone);
    let (lost, kept) = (none.safety.separation_losses, tactical.safety.separation_losses);
    assert!(kept * 3 < lost, "tactical separation: {kept} losses of separation against {lost}");
    assert!(
        tactical.safety.collisions * 3 <= none.safety.collisions,
        "collisions: {} against {}",
        tactical.safety.collisions,
        none.safety.collisions
    );
    assert!(tactical.drone.delivered * 10 >= none.drone.delivered * 9, "{:?} against {:?}", tactical.drone, none.drone);
}

/// Physics that gives a body a value that is not a number (here a push by NaN) is caught where
/// physics feeds the simulation: the drone is put down where it last was sound, its flight ends
/// as one crash incident that says why, nothing that is not a number reaches the KPIs or the
/// replay, and the run stays the same run for the same seed.
#[test]
fn a_drone_that_physics_makes_not_a_number_is_put_down_and_reported_once() {
    use pilotzone_sim::drone::{Drone, DroneState};
    let run = || {
        let mut loaded = westward(None);
        loaded.scenario.run.duration_s = 1800;
        let mut sim = Simulation::new(loaded, 4).expect("builds");
        let drone = fly_until_cruising(&mut sim);
        let world = sim.app_mut().world_mut();
        let id = world.get::<Drone>(drone).expect("drone").id;
        let sound = world.get::<DroneState>(drone).expect("drone").pos;
        world.resource_mut::<pilotzone_sim::physics::Physics>().push_drone(id, [f64::NAN, 0.0, f64::INFINITY]);
        for _ in 0..200 {
            sim.step();
            let s = sim.app().world().get::<DroneState>(drone).expect("drone");
            assert!(s.pos.iter().chain(&s.vel).all(|v| v.is_finite()), "{:?} {:?}", s.pos, s.vel);
            assert!(s.pos[2] >= 0.0 && s.crashed, "down, not below the ground: {:?}", s.pos);
            assert!((s.pos[0] - sound[0]).hypot(s.pos[1] - sound[1]) < 2.0, "where it last was sound");
        }
        sim.run_to_end();
        (id, sim.finish())
    };
    let (id, out) = run();
    let crashes: Vec<_> = out.events.iter().filter(|e| e.kind.key() == "crash").collect();
    assert_eq!(crashes.len(), 1, "{crashes:?}");
    assert_eq!(crashes[0].entity, id);
    assert!(crashes[0].detail.contains("not a number"), "{}", crashes[0].detail);
    assert_eq!(out.kpis.drone.crashed, 1);
    let json = serde_json::to_value(&out.kpis).expect("KPIs serialize");
    let mut numbers = vec![json];
    while let Some(v) = numbers.pop() {
        match v {
            serde_json::Value::Number(n) => assert!(n.as_f64().is_some_and(f64::is_finite)),
            serde_json::Value::Object(m) => numbers.extend(m.into_iter().map(|(_, v)| v)),
            serde_json::Value::Array(a) => numbers.extend(a),
            _ => {}
        }
    }
    assert!(out.kpis.drone.km.is_finite() && out.kpis.drone.km > 0.0);
    let replay = pilotzone_replay::Replay::read(&out.replay).expect("a replay");
    let k = replay.header().entities.iter().position(|e| e.id == id).expect("an entity");
    let last = replay.state_at(replay.duration_ms()).expect("the last state")[k];
    assert_eq!(replay.status(last.status), Some(pilotzone_replay::Status::Down));
    assert!(last.z_cm >= 0 && last.z_cm < 100, "lies on the ground: {} cm", last.z_cm);
    let (_, again) = run();
    assert_eq!(out.replay, again.replay, "the same seed gives the same replay");
}

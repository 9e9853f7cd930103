//! Fleet operations: charging at the depot, running flat, and rebalancing idle vehicles.

use std::collections::BTreeMap;

use pilotzone_scenario::LoadedScenario;
use pilotzone_sim::clock::SimClock;
use pilotzone_sim::vehicle::{CarTrip, Phase, Taxi, TaxiState};
use pilotzone_sim::{RunOutput, Simulation};

use crate::demo_for;

fn run(loaded: LoadedScenario, seed: u64) -> RunOutput {
    let mut sim = Simulation::new(loaded, seed).expect("the scenario builds");
    sim.run_to_end();
    sim.finish()
}

/// The demo's morning with 2 kWh batteries (about 13 km of driving), charging below `below`.
fn small_batteries(below: f64) -> LoadedScenario {
    pilotzone_scenario::edited(&demo_for(7200), "small batteries", |s| {
        s.fleets.taxis[0].battery_kwh = 2.0;
        s.fleets.taxis[0].recharge_below = below;
    })
    .expect("the edited demo is valid")
}

#[test]
fn vehicles_low_on_charge_go_to_the_depot_and_none_runs_flat() {
    let out = run(small_batteries(0.3), 1);
    let k = &out.kpis.taxi;
    assert!(k.charges >= 3, "vehicles charged: {}", k.charges);
    assert_eq!(k.stranded, 0);
    assert!(k.lowest_charge > 0.0, "lowest charge {}", k.lowest_charge);
    assert!(k.served > 60, "charging leaves the fleet serving: {}", k.served);
    // A vehicle sets off to charge, then charges, each time.
    let charge_events = out.events.iter().filter(|e| e.kind.key() == "charge").count();
    assert_eq!(charge_events as u32, 2 * k.charges, "one event setting off, one on arrival");
    assert!(k.energy_kwh > 2.0 * 10.0, "more energy used than the batteries held: {}", k.energy_kwh);

    // Never charging, the same fleet runs flat on the road, and each time is an incident.
    let flat = run(small_batteries(0.0), 1);
    assert_eq!(flat.kpis.taxi.charges, 0);
    assert!(flat.kpis.taxi.stranded > 0, "vehicles run flat");
    let stranded: Vec<_> = flat.events.iter().filter(|e| e.kind.key() == "stranded").collect();
    assert_eq!(stranded.len() as u32, flat.kpis.taxi.stranded);
    assert!(stranded.iter().all(|e| e.incident.as_ref().is_some_and(|i| i.severity >= 2)));
    assert!(flat.kpis.taxi.served < k.served, "stranded vehicles serve nobody");
}

/// A taxi's busy time is every tick it was not idle, its spells ended and the one under way;
/// the utilization KPI is their sum over the fleet's time. Counted here after each tick: nothing
/// after the tallies turns a taxi busy or idle.
#[test]
fn busy_time_is_every_tick_a_taxi_was_not_idle() {
    let mut sim = Simulation::new(demo_for(5400), 3).expect("the demo builds");
    let mut counted: BTreeMap<u32, u64> = BTreeMap::new();
    let mut turned = 0;
    let mut was_busy: BTreeMap<u32, bool> = BTreeMap::new();
    while !sim.is_done() {
        sim.step();
        let world = sim.app_mut().world_mut();
        let tick_ms = u64::from(world.resource::<SimClock>().tick_ms);
        let mut taxis = world.query_filtered::<(&Taxi, &TaxiState), bevy::prelude::Without<CarTrip>>();
        for (taxi, state) in taxis.iter(world) {
            let busy = state.phase != Phase::Idle;
            *counted.entry(taxi.id).or_default() += if busy { tick_ms } else { 0 };
            turned += u32::from(was_busy.insert(taxi.id, busy).is_some_and(|was| was && !busy));
        }
    }
    let world = sim.app_mut().world_mut();
    let now = world.resource::<SimClock>().now_ms;
    let mut taxis = world.query_filtered::<(&Taxi, &TaxiState), bevy::prelude::Without<CarTrip>>();
    let kept: BTreeMap<u32, u64> = taxis.iter(world).map(|(t, s)| (t.id, s.busy_ms_until(now))).collect();
    assert_eq!(kept, counted, "each taxi's busy time, to the millisecond");
    assert!(turned > 20, "spells ended, and were counted on: {turned}");
    assert!(taxis.iter(world).any(|(_, s)| s.busy_from_ms.is_some()), "a spell is under way at the end");
    let total: u64 = counted.values().sum();
    let out = sim.finish();
    let expected = (total as f64 / (now as f64 * counted.len() as f64) * 1000.0).round() / 1000.0;
    assert_eq!(out.kpis.taxi.utilization, expected);
    assert!(expected > 0.1, "the demo's fleet works: {expected}");
}

#[test]
fn rebalancing_moves_idle_vehicles_toward_expected_riders() {
    let with = |on: bool| {
        pilotzone_scenario::edited(&demo_for(7200), "rebalancing", |s| s.dispatch.rebalancing = on)
            .expect("the edited demo is valid")
    };
    let (mut moved, mut wait_on, mut wait_off) = (0, 0.0, 0.0);
    for seed in [1, 2, 3] {
        let on = run(with(true), seed).kpis.taxi;
        let off = run(with(false), seed).kpis.taxi;
        assert_eq!(off.repositions, 0, "off means off");
        assert_eq!(on.requests, off.requests);
        moved += on.repositions;
        wait_on += on.wait_s.mean.expect("riders waited");
        wait_off += off.wait_s.mean.expect("riders waited");
    }
    assert!(moved > 10, "idle vehicles were moved: {moved}");
    assert!(wait_on < wait_off, "riders wait less for vehicles already near: {wait_on:.1} against {wait_off:.1}");
}

#[test]
fn queues_at_junctions_never_lock_up_on_a_busy_grid() {
    use pilotzone_scenario::generate::{GridTown, grid_town, to_ron};
    use pilotzone_sim::taxi::{Phase, TaxiRoster, TaxiState};
    let town = GridTown {
        cols: 12,
        rows: 12,
        block_m: 200.0,
        taxis: 80,
        drones: 0,
        vertiports: 1,
        rides_per_hour: 2000.0,
        parcels_per_hour: 0.0,
        duration_s: 3600,
        demand_s: None,
        max_wait_s: 100_000,
        seed: 3,
    };
    let loaded = pilotzone_scenario::parse(&to_ron(&grid_town(&town), "busy grid"), "busy grid").expect("valid");
    let mut sim = Simulation::new(loaded, 3).expect("builds");
    // How long each vehicle has stood still while on its way somewhere.
    let mut still_ms: Vec<u64> = Vec::new();
    let mut longest = 0u64;
    while !sim.is_done() {
        sim.step();
        let world = sim.app().world();
        let roster = &world.resource::<TaxiRoster>().0;
        still_ms.resize(roster.len(), 0);
        for (k, &e) in roster.iter().enumerate() {
            let s = world.get::<TaxiState>(e).expect("taxi");
            let waiting = matches!(s.phase, Phase::Driving | Phase::PullingOut) && s.speed_mps < 0.01;
            still_ms[k] = if waiting { still_ms[k] + 100 } else { 0 };
            longest = longest.max(still_ms[k]);
        }
    }
    let out = sim.finish();
    assert!(out.kpis.taxi.served > 300, "the grid was busy: {}", out.kpis.taxi.served);
    assert!(longest < 120_000, "a vehicle stood {} s on its way: a queue locked up", longest / 1000);
}

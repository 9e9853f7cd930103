//! Gridlock: a ring of queues provoked on purpose is reported, once, with its place and its
//! vehicles, while the same ring below capacity keeps moving; and a grid at the density of a
//! city-wide service serves riders until demand ends, with no standing gridlock.

use pilotzone_scenario::generate::{GridTown, grid_town, to_ron};
use pilotzone_sim::events::SimEvent;
use pilotzone_sim::taxi::{Phase, Taxi, TaxiRoster, TaxiState};
use pilotzone_sim::town::TownMap;
use pilotzone_sim::{RunOutput, Simulation};

/// A small grid town with idle taxis and no riders, built with `cols` × `rows` junctions.
fn quiet_grid(cols: u32, rows: u32, block_m: f64, taxis: u32, duration_s: u32) -> pilotzone_scenario::LoadedScenario {
    let town = GridTown {
        cols,
        rows,
        block_m,
        taxis,
        drones: 0,
        vertiports: 1,
        rides_per_hour: 0.0,
        parcels_per_hour: 0.0,
        duration_s,
        demand_s: None,
        max_wait_s: 600,
        seed: 5,
    };
    pilotzone_scenario::parse(&to_ron(&grid_town(&town), "ring"), "ring").expect("valid")
}

/// Puts taxis on the ring of one-way driving around the block between junctions (1, 1) and
/// (2, 2), one every `spacing_m`, each routed three times round, and runs five minutes. The ring's
/// taxi ids and the run.
fn ring(spacing_m: f64) -> (Vec<u32>, RunOutput) {
    let mut sim = Simulation::new(quiet_grid(4, 4, 80.0, 60, 300), 5).expect("builds");
    sim.step();
    let world = sim.app_mut().world_mut();
    let town = world.resource::<TownMap>().clone();
    let g = town.graph();
    let id = |c: u32, r: u32| town.index.node(r * 4 + c).expect("grid node");
    let corners = [id(1, 1), id(2, 1), id(2, 2), id(1, 2)];
    let arcs: Vec<u32> = (0..4).map(|k| g.find_arc(corners[k], corners[(k + 1) % 4]).expect("ring arc")).collect();
    let round: Vec<u32> = arcs.iter().cycle().take(12).copied().collect();
    let mut places = Vec::new();
    for (k, &arc) in arcs.iter().enumerate() {
        let mut offset = 0.0;
        while offset < g.length_m(arc) {
            places.push((k, offset));
            offset += spacing_m;
        }
    }
    let roster: Vec<_> = world.resource::<TaxiRoster>().0.clone();
    assert!(places.len() <= roster.len(), "{} places for {} taxis", places.len(), roster.len());
    let mut ids = Vec::new();
    for (&(k, offset), &e) in places.iter().zip(&roster) {
        let mut s = world.get_mut::<TaxiState>(e).expect("taxi");
        s.phase = Phase::Driving;
        s.route = round[k..k + 9].to_vec();
        s.route_i = 0;
        s.arc = Some(arcs[k]);
        s.offset_m = offset;
        s.speed_mps = 0.0;
        s.node = g.head(arcs[k]);
        ids.push(world.get::<Taxi>(e).expect("taxi").id);
    }
    sim.run_to_end();
    (ids, sim.finish())
}

fn gridlocks(out: &RunOutput) -> Vec<&SimEvent> {
    out.events.iter().filter(|e| e.kind.key() == "gridlock").collect()
}

#[test]
fn a_ring_filled_beyond_capacity_locks_and_is_reported_once_with_its_place_and_vehicles() {
    // A car every 6.5 m: less than the 7 m each needs standing.
    let (ids, out) = ring(6.5);
    let found = gridlocks(&out);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(out.kpis.safety.gridlocks, 1);
    let lock = found[0];
    let i = lock.incident.as_ref().expect("measured");
    assert!((60.0..70.0).contains(&i.value) && i.limit == 60.0, "{i:?}");
    // Reported after a minute of standing, not before.
    assert!((60_000..75_000).contains(&lock.t_ms), "{}", lock.t_ms);
    assert!(ids.contains(&lock.entity), "{} is on the ring", lock.entity);
    assert!(ids.contains(&i.other.expect("another vehicle")));
    // Every car of the ring waits on the next: all of them are in the knot.
    let named = format!("{} vehicles have waited on one another", ids.len());
    assert!(lock.detail.starts_with(&named), "{}", lock.detail);
    // Its place is the middle of the block the ring runs around.
    let [x, y, _] = lock.at;
    assert!((x - 120.0).abs() < 10.0 && (y - 120.0).abs() < 10.0, "{x}, {y}");
}

#[test]
fn the_same_ring_below_capacity_keeps_moving() {
    let (ids, out) = ring(20.0);
    assert!(gridlocks(&out).is_empty(), "{:?}", gridlocks(&out));
    assert_eq!(out.kpis.safety.gridlocks, 0);
    assert_eq!(out.kpis.safety.collisions, 0);
    // Each went round: nine arcs of 80 m is 720 m, over 0.6 km for every car.
    assert!(out.kpis.taxi.km > 0.6 * ids.len() as f64, "{} km for {} cars", out.kpis.taxi.km, ids.len());
}

/// The density of the city-wide reproduction (600 taxis on a 15 × 15 grid of 200 m blocks, 20
/// requests per taxi over two hours, three hours run) on an 8 × 8 grid: 160 taxis.
#[test]
fn a_grid_at_city_density_serves_riders_until_demand_ends_without_gridlock() {
    let town = GridTown {
        cols: 8,
        rows: 8,
        block_m: 200.0,
        taxis: 160,
        drones: 0,
        vertiports: 1,
        rides_per_hour: 1600.0,
        parcels_per_hour: 0.0,
        duration_s: 10_800,
        demand_s: Some(7200),
        max_wait_s: 100_000,
        seed: 7,
    };
    let mut scenario = grid_town(&town);
    scenario.dispatch.period_s = 60;
    let loaded = pilotzone_scenario::parse(&to_ron(&scenario, "city density"), "city density").expect("valid");
    let mut sim = Simulation::new(loaded, 7).expect("builds");
    sim.run_to_end();
    let out = sim.finish();
    let k = &out.kpis.taxi;
    assert!(k.requests > 3000, "{}", k.requests);
    assert_eq!(k.served, k.requests, "{k:?}");
    assert_eq!(out.kpis.safety.gridlocks, 0);
    assert_eq!(out.kpis.safety.collisions, 0);
    // Pickups per 20 minutes while demand lasts: never under a tenth of the busiest window.
    let mut windows = [0u32; 6];
    for e in out.events.iter().filter(|e| e.kind.key() == "pickup") {
        if let Some(w) = windows.get_mut((e.t_ms / 1_200_000) as usize) {
            *w += 1;
        }
    }
    let busiest = *windows.iter().max().expect("windows");
    assert!(windows.iter().all(|&w| w * 10 >= busiest), "pickups per 20 minutes: {windows:?}");
}

//! Grid towns for studies and benchmarks (`pilotzone gen grid`): any size, any fleet, demand at
//! a steady rate.

use super::parts::{at, drone_separation, kinds, l4_taxis, parcel_drones};
use crate::schema::*;
use crate::time::ClockTime;

/// Parameters of a generated grid town.
#[derive(Clone, Debug, PartialEq)]
pub struct GridTown {
    /// Junctions east to west.
    pub cols: u32,
    /// Junctions north to south.
    pub rows: u32,
    /// Block edge, m.
    pub block_m: f64,
    /// Taxis, split over four depots.
    pub taxis: u32,
    /// Drones, split over the vertiports.
    pub drones: u32,
    /// Vertiports, spread over the town.
    pub vertiports: u32,
    /// Ride requests per hour.
    pub rides_per_hour: f64,
    /// Parcel orders per hour, over all vertiports.
    pub parcels_per_hour: f64,
    /// Simulated seconds from 07:00.
    pub duration_s: u32,
    /// Seconds from 07:00 during which requests and orders are made; the whole run when none
    /// (a study that lets the last riders be served stops demand before the end).
    pub demand_s: Option<u32>,
    /// Longest a rider waits before giving up, s.
    pub max_wait_s: u32,
    /// Root seed.
    pub seed: u64,
}

/// Drones a generated vertiport bases per take-off pad.
pub const DRONES_PER_PAD: u32 = 16;

/// A regular grid town for studies and benchmarks: every third junction has a home (and, when
/// drones outnumber homes, every junction gardens and the airspace course layers), four depots
/// near the corners, vertiports along the diagonal or, when many, over the whole town
/// (each in a block of its own, its drones' stands off the streets), 40 km/h streets.
pub fn grid_town(p: &GridTown) -> Scenario {
    let id = |c: u32, r: u32| r * p.cols + c;
    let mut nodes = Vec::new();
    for r in 0..p.rows {
        for c in 0..p.cols {
            nodes.push(Node { id: id(c, r), x: f64::from(c) * p.block_m, y: f64::from(r) * p.block_m });
        }
    }
    let mut edges = Vec::new();
    for r in 0..p.rows {
        for c in 0..p.cols {
            let road =
                |to| Edge { from: id(c, r), to, length_m: None, speed_kmh: 40.0, lanes: 1, one_way: false, name: None };
            if c + 1 < p.cols {
                edges.push(road(id(c + 1, r)));
            }
            if r + 1 < p.rows {
                edges.push(road(id(c, r + 1)));
            }
        }
    }
    let spot = |c: u32, r: u32, dx: f64, dy: f64| Some((f64::from(c) * p.block_m + dx, f64::from(r) * p.block_m + dy));
    let mut places = Vec::new();
    let corners = [(1, 1), (p.cols - 2, 1), (1, p.rows - 2), (p.cols - 2, p.rows - 2)];
    for (k, &(c, r)) in corners.iter().enumerate() {
        places.push(Place {
            name: format!("depot-{k}"),
            kind: PlaceKind::Depot,
            node: id(c, r),
            at: spot(c, r, -20.0, 20.0),
        });
    }
    let v = p.vertiports.max(1);
    for (k, (c, r)) in vertiport_cells(p.cols, p.rows, v, &corners).into_iter().enumerate() {
        places.push(Place {
            name: format!("vertiport-{k}"),
            kind: PlaceKind::Vertiport,
            node: id(c, r),
            // In the middle of the block north-east of its junction, its ring of stands clear
            // of the streets round it while the block has room for them.
            at: spot(c, r, p.block_m / 2.0, p.block_m / 2.0),
        });
    }
    places.push(Place { name: "station".into(), kind: PlaceKind::Station, node: id(p.cols / 2, p.rows / 2), at: None });
    let mut homes = 0;
    for r in 0..p.rows {
        for c in 0..p.cols {
            if (c + 2 * r) % 3 == 0 {
                homes += 1;
                places.push(Place {
                    name: format!("home-{homes}"),
                    kind: PlaceKind::Home,
                    node: id(c, r),
                    at: spot(c, r, 25.0, 35.0),
                });
            }
        }
    }
    // A town with more drones than homes gets gardens round every junction clear of depots and
    // vertiports, enough for a garden per drone and well apart: one drone at a time lowers a
    // parcel into a garden, so a few hundred homes would hold a few hundred drones however large
    // the fleet.
    let city_drones = p.drones > homes;
    if city_drones {
        let taken: Vec<(u32, u32)> =
            corners.iter().copied().chain(vertiport_cells(p.cols, p.rows, v, &corners)).collect();
        let free = (p.cols * p.rows).saturating_sub(taken.len() as u32).max(1);
        let per_junction = (p.drones - homes).div_ceil(free).clamp(1, 8);
        let radius = 0.42 * p.block_m;
        for r in 0..p.rows {
            for c in 0..p.cols {
                if taken.contains(&(c, r)) {
                    continue;
                }
                for k in 0..per_junction {
                    let a = std::f64::consts::TAU * (f64::from(k) + 0.5) / f64::from(per_junction);
                    let at = spot(c, r, radius * a.cos(), radius * a.sin()).expect("a spot");
                    // Clear of the pads round a depot or vertiport and of its terminal area.
                    let crowded = places
                        .iter()
                        .filter(|q| matches!(q.kind, PlaceKind::Depot | PlaceKind::Vertiport))
                        .any(|q| q.at.is_some_and(|(x, y)| (x - at.0).hypot(y - at.1) < 80.0));
                    if crowded {
                        continue;
                    }
                    homes += 1;
                    places.push(Place {
                        name: format!("home-{homes}"),
                        kind: PlaceKind::Home,
                        node: id(c, r),
                        at: Some(at),
                    });
                }
            }
        }
    }
    let split = |total: u32, parts: u32, k: u32| total / parts + u32::from(k < total % parts);
    let taxis = (0..4)
        .map(|k| l4_taxis(&format!("taxi-{k}"), split(p.taxis, 4, k), &format!("depot-{k}"), 4, 40.0))
        .filter(|f| f.count > 0)
        .collect();
    // The common parcel drone with a larger battery, for a town bigger than the pilot zones; a
    // vertiport has a take-off pad per 16 drones it bases.
    let drones: Vec<DroneFleet> = (0..v)
        .map(|k| {
            let count = split(p.drones, v, k);
            DroneFleet {
                battery_wh: 800.0,
                wh_per_km: 20.0,
                pads: count.div_ceil(DRONES_PER_PAD).max(1),
                ..parcel_drones(&format!("drone-{k}"), count, &format!("vertiport-{k}"))
            }
        })
        .filter(|f| f.count > 0)
        .collect();
    let home = || kinds(&[PlaceKind::Home]);
    let step = |per_hour: f64| {
        let mut profile = vec![RateStep { from: at("07:00"), per_hour }];
        if let Some(d) = p.demand_s.filter(|&d| d < p.duration_s) {
            profile.push(RateStep { from: ClockTime(7 * 3600 + d), per_hour: 0.0 });
        }
        profile
    };
    let parcels = drones
        .iter()
        .map(|f| ParcelDemand {
            name: format!("parcels-{}", f.base),
            from: f.base.clone(),
            to: home(),
            profile: step(p.parcels_per_hour / f64::from(v)),
            weight_kg: 1.0,
            max_wait_s: 1800,
        })
        .collect();
    Scenario {
        format_version: FORMAT_VERSION,
        name: format!("grid-{}x{}", p.cols, p.rows),
        description: format!(
            "{} × {} grid of {} m blocks, {} taxis, {} drones",
            p.cols, p.rows, p.block_m, p.taxis, p.drones
        ),
        run: RunSettings {
            start: at("07:00"),
            duration_s: p.duration_s,
            tick_ms: 100,
            record_ms: 500,
            seed: p.seed,
            date: None,
        },
        map: ZoneMap {
            nodes,
            edges,
            places,
            // So many drones cruise on the layers of their courses, stacked apart where they cross.
            airspace: Airspace { course_layers: city_drones, ..Airspace::default() },
            ..ZoneMap::default()
        },
        fleets: Fleets { taxis, drones },
        demand: Demand {
            rides: if p.rides_per_hour > 0.0 {
                vec![RideDemand {
                    name: "rides".into(),
                    from: home(),
                    to: home(),
                    profile: step(p.rides_per_hour),
                    max_wait_s: p.max_wait_s,
                }]
            } else {
                Vec::new()
            },
            parcels,
        },
        include: Vec::new(),
        rules: vec![Rule { id: "separation".into(), ..drone_separation() }],
        weather: Weather::default(),
        residents: Residents::default(),
        dispatch: Dispatch::default(),
    }
}

/// Grid cells for `v` vertiports: spread along the diagonal while it has room for each on a
/// cell of its own away from the depots' corners, else over the whole town in reading order at
/// even steps, so no two ever share a spot (their pad rings would overlap).
fn vertiport_cells(cols: u32, rows: u32, v: u32, depots: &[(u32, u32)]) -> Vec<(u32, u32)> {
    let diagonal: Vec<(u32, u32)> = (0..v)
        .map(|k| {
            let c = (u64::from(k + 1) * u64::from(cols - 1) / u64::from(v + 1)) as u32;
            let r = (u64::from(k + 1) * u64::from(rows - 1) / u64::from(v + 1)) as u32;
            (c, r)
        })
        .collect();
    let distinct = diagonal.iter().collect::<std::collections::BTreeSet<_>>().len() == diagonal.len();
    if distinct && !diagonal.iter().any(|cell| depots.contains(cell)) {
        return diagonal;
    }
    let free: Vec<(u32, u32)> =
        (1..rows - 1).flat_map(|r| (1..cols - 1).map(move |c| (c, r))).filter(|cell| !depots.contains(cell)).collect();
    let n = free.len() as u64;
    if n == 0 {
        // A town too small for any: the check says so.
        return diagonal;
    }
    (0..u64::from(v)).map(|k| free[((2 * k + 1) * n / (2 * u64::from(v))).min(n - 1) as usize]).collect()
}

#[cfg(test)]
mod tests {
    use super::{GridTown, grid_town};
    use crate::generate::to_ron;

    #[test]
    fn grid_towns_are_valid() {
        let p = GridTown {
            cols: 12,
            rows: 9,
            block_m: 150.0,
            taxis: 10,
            drones: 7,
            vertiports: 3,
            rides_per_hour: 50.0,
            parcels_per_hour: 20.0,
            duration_s: 600,
            demand_s: Some(300),
            max_wait_s: 900,
            seed: 1,
        };
        let town = grid_town(&p);
        let profile = &town.demand.rides[0].profile;
        assert_eq!(profile.len(), 2, "demand stops after 300 s");
        assert_eq!((profile[1].from.0, profile[1].per_hour), (7 * 3600 + 300, 0.0));
        assert_eq!(town.map.nodes.len(), 108);
        assert_eq!(town.fleets.taxis.iter().map(|f| f.count).sum::<u32>(), 10);
        assert_eq!(town.fleets.drones.iter().map(|f| f.count).sum::<u32>(), 7);
        crate::parse(&to_ron(&town, "grid"), "grid.ron").unwrap_or_else(|e| panic!("{e}"));
    }

    #[test]
    fn a_stand_keeps_clear_of_the_carriageway_and_of_vehicles_stopped_at_its_kerb() {
        let p = GridTown {
            cols: 6,
            rows: 6,
            block_m: 200.0,
            taxis: 4,
            drones: 1,
            vertiports: 1,
            rides_per_hour: 10.0,
            parcels_per_hour: 10.0,
            duration_s: 600,
            demand_s: None,
            max_wait_s: 900,
            seed: 1,
        };
        // The fleet's one stand is 6.8 m due east of its vertiport; put it `gap` m west of the
        // road north from node 8 (400, 200), 60 m up it.
        let with_stand = |gap: f64, one_way: bool| {
            let mut town = grid_town(&p);
            let v = town.map.places.iter_mut().find(|q| q.kind == crate::PlaceKind::Vertiport).expect("a vertiport");
            v.at = Some((400.0 - gap - crate::pad_ring_radius_m(1), 260.0));
            let road = town.map.edges.iter_mut().find(|e| (e.from, e.to) == (8, 14)).expect("the road");
            road.one_way = one_way;
            let problems = crate::validate::validate(&town);
            problems.iter().any(|d| d.message.contains("stands its drone round vertiport"))
        };
        // Two-way, one lane each way: the carriageway's edge is 3.5 m out, and 3 m more.
        assert!(with_stand(6.4, false) && !with_stand(6.6, false));
        // One-way: its edge is 1.75 m out, but a taxi stopped at the kerb stands 4.25 m out.
        assert!(with_stand(6.0, true) && !with_stand(6.3, true));
    }

    #[test]
    fn many_vertiports_each_get_a_spot_of_their_own() {
        // The city-scale drone town of the issue: 40 vertiports on a 20 × 20 grid.
        let p = GridTown {
            cols: 20,
            rows: 20,
            block_m: 200.0,
            taxis: 0,
            drones: 2000,
            vertiports: 40,
            rides_per_hour: 0.0,
            parcels_per_hour: 1000.0,
            duration_s: 1800,
            demand_s: None,
            max_wait_s: 900,
            seed: 1,
        };
        let town = grid_town(&p);
        let spots: std::collections::BTreeSet<(i64, i64)> = town
            .map
            .places
            .iter()
            .filter(|p| p.kind == crate::PlaceKind::Vertiport)
            .map(|p| p.at.map(|(x, y)| (x as i64, y as i64)).expect("positions"))
            .collect();
        assert_eq!(spots.len(), 40, "no two vertiports share a spot");
        // More drones than homes: a garden for every drone, none inside a vertiport's terminal
        // area (60 m).
        let homes = |town: &crate::Scenario| -> Vec<(f64, f64)> {
            town.map.places.iter().filter(|p| p.kind == crate::PlaceKind::Home).filter_map(|p| p.at).collect()
        };
        let all = homes(&town);
        assert!(all.len() >= 2000, "{} homes", all.len());
        // The gardens: the homes a town without drones does not have.
        let plain = homes(&grid_town(&GridTown { drones: 0, ..p }));
        let gardens: Vec<&(f64, f64)> = all.iter().filter(|h| !plain.contains(h)).collect();
        assert!(gardens.len() >= 2000 - plain.len(), "{} gardens", gardens.len());
        for &(vx, vy) in &spots {
            let near = gardens.iter().filter(|&&&(x, y)| (x - vx as f64).hypot(y - vy as f64) < 60.0).count();
            assert_eq!(near, 0, "a garden within 60 m of the vertiport at ({vx}, {vy})");
        }
        crate::parse(&to_ron(&town, "grid"), "grid.ron").unwrap_or_else(|e| panic!("{e}"));
    }
}

//! Sakaki valley, the rural shuttle: a designated route, a low speed limit and remote operators.

use super::draw::{Draw, HOUSE};
use super::option;
use crate::generate::parts::{kinds, named, rect, ride, rule, run, step, walkers};
use crate::overlay::RuleOverlay;
use crate::schema::*;

/// Sakaki valley: a Level-4 shuttle on a designated route along a former railway line.
///
/// Three six-seat shuttles drive the 2.4 km route between the station and the temple gate at
/// 12 km/h, the only roads their permit allows, each departure confirmed by a remote operator
/// who watches all three. Villagers' cars and visitors on foot cross the route at its level
/// crossings. Option B (`rules/rural-shuttle-shuttle-20.ron`) lets the shuttles run at 20 km/h.
pub fn rural_shuttle() -> Scenario {
    let mut d = Draw::default();
    let route_y = |x: f64| 60.0 * (x / 500.0).sin();
    let route_pts: Vec<(f64, f64)> = (0..=16).map(|k| f64::from(k) * 150.0).map(|x| (x, route_y(x))).collect();
    let route = d.street(None, &route_pts, 30.0, Some("Eizan shuttle road"));
    let route_roads: Vec<RoadRef> = route.windows(2).map(|w| (w[0], w[1])).collect();
    // The prefectural road along the valley floor, 250 m south.
    let valley: Vec<(f64, f64)> = (0..=13).map(|k| (-200.0 + f64::from(k) * 200.0, -250.0)).collect();
    let road = d.street(None, &valley, 50.0, Some("Prefectural road 6"));
    // Lanes from the valley road, across the route, up to the hamlets.
    let mut hamlets = Vec::new();
    for (k, &r) in [1usize, 5, 9, 13].iter().enumerate() {
        let (x, y) = d.xy(route[r]);
        let v = road[((x + 200.0) / 200.0).round() as usize];
        d.road(v, route[r], 30.0, None);
        let lane = d.street(Some(route[r]), &[(x, y), (x + 20.0, y + 120.0), (x - 10.0, y + 240.0)], 20.0, None);
        hamlets.push((k, lane));
    }
    let stops = [
        ("Sakaki station", PlaceKind::Station, 0, (-20.0, -15.0), Some((30.0, 14.0, 9.0))),
        ("Naka hamlet stop", PlaceKind::Station, 5, (10.0, -12.0), None),
        ("Valley clinic", PlaceKind::Clinic, 8, (15.0, -15.0), Some((20.0, 16.0, 8.0))),
        ("Roadside market", PlaceKind::Shop, 12, (15.0, -15.0), Some((28.0, 14.0, 6.0))),
        ("Temple gate", PlaceKind::Shrine, 16, (20.0, 15.0), Some((16.0, 12.0, 11.0))),
    ];
    for (name, kind, node, offset, building) in stops {
        d.place(name, kind, route[node], offset, building);
    }
    d.place("Shuttle garage", PlaceKind::Depot, route[2], (0.0, -20.0), None);
    let mut homes = 0;
    for (_, lane) in &hamlets {
        for (&n, side) in lane[1..].iter().zip([1.0, -1.0]) {
            for dx in [-25.0, 25.0] {
                homes += 1;
                d.place(&format!("home-{homes:02}"), PlaceKind::Home, n, (dx, side * 18.0), HOUSE);
            }
        }
    }
    // Level crossings where the hamlet lanes meet the route, and the temple approach.
    for (k, &r) in [5usize, 9, 13].iter().enumerate() {
        d.crossing(&format!("crossing-{}", k + 1), (route[r - 1], route[r]), 140.0);
    }
    d.crossing("temple-approach", (route[15], route[16]), 120.0);
    d.map.zones.push(Zone {
        name: "temple-precinct".into(),
        kind: ZoneKind::Park,
        polygon: rect(2150.0, -100.0, 2550.0, 250.0),
        hours: None,
    });
    let stop_names = ["Sakaki station", "Naka hamlet stop", "Valley clinic", "Roadside market", "Temple gate"];
    Scenario {
        format_version: FORMAT_VERSION,
        name: "rural-shuttle".into(),
        description: "Sakaki valley: three Level-4 shuttles on a designated 2.4 km route at 12 km/h, \
                      one remote operator watching all three, villagers and visitors crossing the route"
            .into(),
        run: run("09:00", 7200, 7),
        map: ZoneMap { airspace: Airspace::default(), ..d.map },
        fleets: Fleets {
            taxis: vec![TaxiFleet {
                name: "zen-shuttle".into(),
                count: 3,
                depot: "Shuttle garage".into(),
                seats: 6,
                max_speed_kmh: 20.0,
                battery_kwh: 12.0,
                kwh_per_km: 0.1,
                charge_kw: 6.0,
                recharge_below: 0.25,
            }],
            drones: Vec::new(),
        },
        demand: Demand {
            rides: vec![
                ride(
                    "visitors",
                    named(&["Sakaki station"]),
                    named(&["Temple gate", "Roadside market"]),
                    vec![step("09:00", 14.0), step("10:00", 8.0)],
                    1800,
                ),
                ride(
                    "returning-visitors",
                    named(&["Temple gate", "Roadside market"]),
                    named(&["Sakaki station"]),
                    vec![step("09:00", 2.0), step("10:00", 10.0)],
                    1800,
                ),
                ride("villagers", named(&stop_names), named(&stop_names), vec![step("09:00", 6.0)], 1800),
            ],
            parcels: Vec::new(),
        },
        include: vec!["rules/japan-baseline.ron".into()],
        rules: vec![
            rule(
                "zen-route",
                "Level-4 shuttles keep to the designated route",
                "レベル4車両は指定ルートのみ走行",
                None,
                RuleKind::DesignatedRoute { roads: route_roads },
            ),
            Rule {
                applies_to: vec![Class::Taxi],
                ..rule(
                    "shuttle-12",
                    "Level-4 shuttles at 12 km/h at most",
                    "レベル4車両は時速12 km以下",
                    None,
                    RuleKind::SpeedLimit { zone: None, kmh: 12.0 },
                )
            },
            rule(
                "shuttle-pedestrian-gap",
                "1.5 m between moving shuttles and people",
                "走行中の車両と歩行者の間隔 1.5 m",
                None,
                RuleKind::Separation { between: (Class::Taxi, Class::Person), horizontal_m: 1.5, vertical_m: 3.0 },
            ),
        ],
        weather: Weather::default(),
        residents: Residents {
            pedestrians: vec![walkers(
                "visitors-on-foot",
                &[],
                vec![step("09:00", 40.0), step("10:00", 70.0)],
                1.2,
                0.05,
            )],
            cars: vec![CarFlow {
                name: "villagers".into(),
                count: 12,
                from: kinds(&[PlaceKind::Home]),
                to: kinds(&[PlaceKind::Station, PlaceKind::Clinic, PlaceKind::Shop]),
                profile: vec![step("09:00", 10.0)],
            }],
        },
        dispatch: Dispatch { policy: DispatchPolicy::Pooling, ..Dispatch::default() },
    }
}

/// Option B for the rural shuttle: 20 km/h.
pub fn rural_shuttle_option() -> RuleOverlay {
    option(
        "shuttle-20",
        "Level-4 shuttles at 20 km/h instead of 12: shorter waits, less time to stop for people",
        &[],
        vec![Rule {
            applies_to: vec![Class::Taxi],
            ..rule(
                "shuttle-12",
                "Level-4 shuttles at 20 km/h at most",
                "レベル4車両は時速20 km以下",
                None,
                RuleKind::SpeedLimit { zone: None, kmh: 20.0 },
            )
        }],
    )
}

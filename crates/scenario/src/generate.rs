//! Scenario generators: the shipped demo town, made reproducibly from code rather than kept
//! as hand-edited coordinates (`pilotzone gen demo` rewrites `scenarios/demo.ron`).

use crate::schema::*;
use crate::time::{ClockTime, Date, Hours};

/// Deterministic jitter (SplitMix64), so the generated file never changes between builds.
pub(crate) struct Jitter(pub(crate) u64);

impl Jitter {
    pub(crate) fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
}

pub(crate) fn at(text: &str) -> ClockTime {
    ClockTime::parse(text).expect("generator times are well formed")
}

pub(crate) fn hours(from: &str, to: &str) -> Option<Hours> {
    Some(Hours { from: at(from), to: at(to) })
}

pub(crate) fn rule(id: &str, en: &str, ja: &str, hours: Option<Hours>, kind: RuleKind) -> Rule {
    Rule {
        id: id.into(),
        name: RuleName { en: en.into(), ja: ja.into() },
        hours,
        dates: Vec::new(),
        applies_to: Vec::new(),
        published: true,
        kind,
    }
}

pub(crate) fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Vec<(f64, f64)> {
    vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
}

/// A Level-4 robotaxi fleet of the common kind: 40 kWh batteries at 0.15 kWh/km, 50 kW
/// chargers, recharging under 30 %.
pub(crate) fn l4_taxis(name: &str, count: u32, depot: &str, seats: u8, max_speed_kmh: f64) -> TaxiFleet {
    TaxiFleet {
        name: name.into(),
        count,
        depot: depot.into(),
        seats,
        max_speed_kmh,
        battery_kwh: 40.0,
        kwh_per_km: 0.15,
        charge_kw: 50.0,
        recharge_below: 0.3,
    }
}

/// A parcel-drone fleet of the common kind: 12 m/s at 60 m, 2.5 kg, 500 Wh at 25 Wh/km.
pub(crate) fn parcel_drones(name: &str, count: u32, base: &str) -> DroneFleet {
    DroneFleet {
        name: name.into(),
        count,
        base: base.into(),
        cruise_speed_mps: 12.0,
        cruise_alt_m: 60.0,
        climb_mps: 3.0,
        payload_kg: 2.5,
        battery_wh: 500.0,
        wh_per_km: 25.0,
    }
}

/// 1.5 m between moving vehicles of `class` (robotaxis or cars) and people.
pub(crate) fn people_gap(class: Class) -> Rule {
    let (id, en, ja) = match class {
        Class::Car => {
            ("car-pedestrian-gap", "1.5 m between moving cars and people", "走行中の自動車と歩行者の間隔 1.5 m")
        }
        _ => (
            "taxi-pedestrian-gap",
            "1.5 m between moving robotaxis and people",
            "走行中のロボタクシーと歩行者の間隔 1.5 m",
        ),
    };
    rule(id, en, ja, None, RuleKind::Separation { between: (class, Class::Person), horizontal_m: 1.5, vertical_m: 3.0 })
}

/// People crossing at `crossings` (every crossing when empty) by `profile`.
pub(crate) fn walkers(
    name: &str,
    crossings: &[&str],
    profile: Vec<RateStep>,
    walk_mps: f64,
    careless: f64,
) -> PedestrianFlow {
    let crossings = crossings.iter().map(|&c| c.to_owned()).collect();
    PedestrianFlow { name: name.into(), crossings, profile, walk_mps, careless }
}

/// 30 m (10 m vertically) between drones in cruise.
pub(crate) fn drone_separation() -> Rule {
    rule(
        "drone-separation",
        "30 m between drones in cruise",
        "ドローン同士の間隔 30 m",
        None,
        RuleKind::Separation { between: (Class::Drone, Class::Drone), horizontal_m: 30.0, vertical_m: 10.0 },
    )
}

/// Minori, a small pilot-zone town: a 13 × 11 street grid of 120 m blocks with a main street,
/// a station, a clinic, a school with a school-run speed zone, a shrine under a no-fly volume,
/// a taxi depot, a vertiport, sixteen homes, ten robotaxis and six delivery drones.
pub fn demo_town() -> Scenario {
    const COLS: u32 = 13;
    const ROWS: u32 = 11;
    const BLOCK: f64 = 120.0;
    let id = |c: u32, r: u32| r * COLS + c;
    let mut jitter = Jitter(20_260_401);
    let mut nodes = Vec::new();
    for r in 0..ROWS {
        for c in 0..COLS {
            // Straight main street (row 5) and avenue (column 6); the rest bends a little.
            let main = r == 5 || c == 6;
            let (dx, dy) = if main { (0.0, 0.0) } else { ((jitter.next() - 0.5) * 24.0, (jitter.next() - 0.5) * 24.0) };
            nodes.push(Node { id: id(c, r), x: f64::from(c) * BLOCK + dx, y: f64::from(r) * BLOCK + dy });
        }
    }
    // The park (columns 9-10, rows 7-8) has paths, not roads.
    let in_park = |c: u32, r: u32| (9..=10).contains(&c) && (7..=8).contains(&r);
    let mut edges = Vec::new();
    for r in 0..ROWS {
        for c in 0..COLS {
            if c + 1 < COLS && !(in_park(c, r) && in_park(c + 1, r)) {
                let (speed, lanes, name) = match r {
                    5 => (50.0, 2, Some("Ekimae-dori".to_owned())),
                    _ => (30.0, 1, None),
                };
                // Rows 2 and 8 are one-way, in opposite directions.
                let (from, to, one_way) = match r {
                    2 => (id(c, r), id(c + 1, r), true),
                    8 => (id(c + 1, r), id(c, r), true),
                    _ => (id(c, r), id(c + 1, r), false),
                };
                edges.push(Edge { from, to, length_m: None, speed_kmh: speed, lanes, one_way, name });
            }
            if r + 1 < ROWS && !(in_park(c, r) && in_park(c, r + 1)) {
                let (speed, name) = if c == 6 { (40.0, Some("Jinja-dori".to_owned())) } else { (30.0, None) };
                edges.push(Edge {
                    from: id(c, r),
                    to: id(c, r + 1),
                    length_m: None,
                    speed_kmh: speed,
                    lanes: 1,
                    one_way: false,
                    name,
                });
            }
        }
    }
    let place = |name: &str, kind: PlaceKind, c: u32, r: u32, offset: (f64, f64)| {
        let n = &nodes[id(c, r) as usize];
        Place { name: name.to_owned(), kind, node: n.id, at: Some((n.x + offset.0, n.y + offset.1)) }
    };
    let mut places = vec![
        place("depot", PlaceKind::Depot, 1, 4, (-25.0, 20.0)),
        place("vertiport", PlaceKind::Vertiport, 11, 3, (30.0, 30.0)),
        place("station", PlaceKind::Station, 6, 6, (25.0, 25.0)),
        place("clinic", PlaceKind::Clinic, 3, 7, (30.0, -30.0)),
        place("school", PlaceKind::School, 8, 2, (40.0, 50.0)),
        place("shrine", PlaceKind::Shrine, 6, 9, (50.0, 45.0)),
        place("market", PlaceKind::Shop, 5, 5, (40.0, -25.0)),
        place("town-hall", PlaceKind::Office, 7, 5, (50.0, -30.0)),
    ];
    let homes = [
        (0, 0),
        (2, 1),
        (4, 0),
        (1, 8),
        (2, 10),
        (4, 9),
        (9, 0),
        (11, 1),
        (12, 4),
        (10, 10),
        (12, 9),
        (8, 8),
        (0, 6),
        (3, 3),
        (11, 6),
        (9, 4),
    ];
    for (i, &(c, r)) in homes.iter().enumerate() {
        let offset = ((jitter.next() - 0.5) * 60.0, 20.0 + jitter.next() * 30.0);
        places.push(place(&format!("home-{:02}", i + 1), PlaceKind::Home, c, r, offset));
    }
    let school_zone = rect(6.5 * BLOCK, 1.5 * BLOCK, 9.5 * BLOCK, 3.5 * BLOCK);
    let zones = vec![
        Zone {
            name: "school-zone".into(),
            kind: ZoneKind::School,
            polygon: school_zone.clone(),
            hours: hours("07:30", "16:00"),
        },
        Zone {
            name: "ekimae".into(),
            kind: ZoneKind::Commercial,
            polygon: rect(4.5 * BLOCK, 4.5 * BLOCK, 7.5 * BLOCK, 6.5 * BLOCK),
            hours: None,
        },
        Zone {
            name: "kita".into(),
            kind: ZoneKind::Residential,
            polygon: rect(-0.5 * BLOCK, 6.5 * BLOCK, 5.5 * BLOCK, 10.5 * BLOCK),
            hours: None,
        },
        Zone {
            name: "minami".into(),
            kind: ZoneKind::Residential,
            polygon: rect(-0.5 * BLOCK, -0.5 * BLOCK, 5.5 * BLOCK, 4.5 * BLOCK),
            hours: None,
        },
        Zone {
            name: "park".into(),
            kind: ZoneKind::Park,
            polygon: rect(8.8 * BLOCK, 6.8 * BLOCK, 10.2 * BLOCK, 8.2 * BLOCK),
            hours: None,
        },
    ];
    let shrine = NoFlyVolume {
        name: "Hachiman shrine".into(),
        polygon: rect(5.6 * BLOCK, 8.6 * BLOCK, 7.4 * BLOCK, 9.9 * BLOCK),
        floor_m: 0.0,
        ceiling_m: 150.0,
    };
    let airspace =
        Airspace { band_floor_m: 30.0, band_ceiling_m: 120.0, no_fly: vec![shrine], strategic_deconfliction: true };
    let market_street: Vec<RoadRef> = vec![(id(4, 5), id(5, 5)), (id(5, 5), id(6, 5))];
    // Crossings by the school gate, the station, the market, the clinic and the shrine.
    let crossing = |name: &str, road: RoadRef, at_m: f64| Crossing { name: name.into(), road, at_m, width_m: 7.0 };
    let crossings = vec![
        crossing("school-gate", (id(8, 2), id(8, 3)), 20.0),
        crossing("school-west", (id(7, 2), id(8, 2)), 90.0),
        crossing("school-east", (id(8, 2), id(9, 2)), 20.0),
        crossing("station-front", (id(6, 6), id(6, 7)), 20.0),
        crossing("market", (id(5, 5), id(6, 5)), 60.0),
        crossing("clinic", (id(3, 7), id(4, 7)), 20.0),
        crossing("shrine-approach", (id(6, 8), id(6, 9)), 90.0),
    ];
    // A house at every home; the public buildings at their places; one block of flats.
    let footprint = |(x, y): (f64, f64), w: f64, d: f64| rect(x - w / 2.0, y - d / 2.0, x + w / 2.0, y + d / 2.0);
    let mut buildings = Vec::new();
    for p in &places {
        let at = p.at.expect("generated places have positions");
        let (w, d, h) = match p.kind {
            PlaceKind::Home => (10.0, 9.0, 7.0),
            PlaceKind::School => (40.0, 22.0, 14.0),
            PlaceKind::Station => (30.0, 18.0, 12.0),
            PlaceKind::Clinic => (20.0, 18.0, 10.0),
            PlaceKind::Office => (26.0, 20.0, 15.0),
            PlaceKind::Shop => (30.0, 14.0, 6.0),
            PlaceKind::Shrine => (14.0, 12.0, 9.0),
            // Depots, vertiports and parks are open ground.
            _ => continue,
        };
        // Drones deliver to the garden, 12 m in front of the house.
        let at = if p.kind == PlaceKind::Home { (at.0, at.1 + 12.0) } else { at };
        buildings.push(Building { polygon: footprint(at, w, d), height_m: h });
    }
    buildings.push(Building { polygon: footprint((2.5 * BLOCK, 5.6 * BLOCK), 32.0, 14.0), height_m: 31.0 });
    let home = || PlaceSet::Kinds(vec![PlaceKind::Home]);
    let named = |names: &[&str]| PlaceSet::Named(names.iter().map(|&n| n.to_owned()).collect());
    let step = |from: &str, per_hour: f64| RateStep { from: at(from), per_hour };
    Scenario {
        format_version: FORMAT_VERSION,
        name: "demo".into(),
        description: "Minori: robotaxis and delivery drones on a school-day morning, 07:00-09:00".into(),
        run: RunSettings {
            start: at("07:00"),
            duration_s: 7200,
            tick_ms: 100,
            record_ms: 500,
            seed: 42,
            date: Some(Date::parse("2026-11-24").expect("generator dates are well formed")),
        },
        map: ZoneMap { nodes, edges, places, zones, crossings, buildings, airspace, ..ZoneMap::default() },
        fleets: Fleets {
            taxis: vec![l4_taxis("minori-l4", 10, "depot", 4, 40.0)],
            drones: vec![parcel_drones("sora-post", 6, "vertiport")],
        },
        demand: Demand {
            rides: vec![
                RideDemand {
                    name: "commute".into(),
                    from: home(),
                    to: named(&["station"]),
                    profile: vec![step("07:00", 36.0), step("08:15", 18.0)],
                    max_wait_s: 900,
                },
                RideDemand {
                    name: "clinic".into(),
                    from: home(),
                    to: named(&["clinic", "town-hall", "market"]),
                    profile: vec![step("07:00", 6.0), step("08:00", 18.0)],
                    max_wait_s: 1200,
                },
                RideDemand {
                    name: "school-run".into(),
                    from: home(),
                    to: named(&["school"]),
                    profile: vec![step("07:00", 0.0), step("07:30", 14.0), step("08:15", 0.0)],
                    max_wait_s: 900,
                },
                RideDemand {
                    name: "arrivals".into(),
                    from: named(&["station"]),
                    to: home(),
                    profile: vec![step("07:00", 8.0), step("08:00", 14.0)],
                    max_wait_s: 900,
                },
            ],
            parcels: vec![ParcelDemand {
                name: "parcels".into(),
                from: "vertiport".into(),
                to: home(),
                profile: vec![step("07:00", 10.0), step("08:00", 20.0)],
                weight_kg: 1.5,
                max_wait_s: 1800,
            }],
        },
        include: vec!["rules/japan-baseline.ron".into()],
        rules: vec![
            rule(
                "school-run-20",
                "20 km/h in the school zone during the school run",
                "登校時間帯は通学路 20 km/h",
                hours("07:30", "08:30"),
                RuleKind::SpeedLimit { zone: Some("school-zone".into()), kmh: 20.0 },
            ),
            rule(
                "morning-market",
                "Ekimae-dori closed for the morning market",
                "朝市のため駅前通り通行止め",
                hours("08:00", "08:45"),
                RuleKind::RoadClosure { roads: market_street },
            ),
            rule(
                "school-run-no-fly",
                "No drones over the school during the school run",
                "登校時間帯は学校上空飛行禁止",
                hours("07:30", "08:30"),
                RuleKind::NoFly {
                    volume: NoFlyVolume {
                        name: "school at the school run".into(),
                        polygon: school_zone,
                        floor_m: 0.0,
                        ceiling_m: 150.0,
                    },
                },
            ),
            drone_separation(),
            rule(
                "drone-service-hours",
                "Parcel drones fly 06:30-19:00",
                "ドローン配送は 6:30〜19:00",
                hours("06:30", "19:00"),
                RuleKind::OperatingHours { fleet: Some("sora-post".into()) },
            ),
            people_gap(Class::Taxi),
            people_gap(Class::Car),
        ],
        weather: Weather {
            wind: vec![
                WindStep { from: at("07:00"), mean_mps: 2.5, from_deg: 315.0, gust_mps: 0.8 },
                WindStep { from: at("08:00"), mean_mps: 3.5, from_deg: 300.0, gust_mps: 1.2 },
            ],
        },
        residents: Residents {
            pedestrians: vec![
                walkers(
                    "school-run",
                    &["school-gate", "school-west", "school-east"],
                    vec![step("07:00", 30.0), step("07:30", 180.0), step("08:30", 20.0)],
                    1.1,
                    0.05,
                ),
                walkers("townsfolk", &[], vec![step("07:00", 60.0), step("08:00", 90.0)], 1.3, 0.03),
            ],
            cars: vec![CarFlow {
                name: "residents".into(),
                count: 40,
                from: home(),
                to: PlaceSet::Kinds(vec![
                    PlaceKind::Station,
                    PlaceKind::School,
                    PlaceKind::Shop,
                    PlaceKind::Clinic,
                    PlaceKind::Office,
                ]),
                profile: vec![step("07:00", 60.0), step("08:30", 30.0)],
            }],
        },
        dispatch: Dispatch::default(),
    }
}

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

/// A regular grid town for studies and benchmarks: every third junction has a home, four
/// depots near the corners, vertiports spread along the diagonal, 40 km/h streets.
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
    for k in 0..v {
        let c = (u64::from(k + 1) * u64::from(p.cols - 1) / u64::from(v + 1)) as u32;
        let r = (u64::from(k + 1) * u64::from(p.rows - 1) / u64::from(v + 1)) as u32;
        places.push(Place {
            name: format!("vertiport-{k}"),
            kind: PlaceKind::Vertiport,
            node: id(c, r),
            at: spot(c, r, 30.0, 30.0),
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
    let split = |total: u32, parts: u32, k: u32| total / parts + u32::from(k < total % parts);
    let taxis = (0..4)
        .map(|k| TaxiFleet {
            name: format!("taxi-{k}"),
            count: split(p.taxis, 4, k),
            depot: format!("depot-{k}"),
            seats: 4,
            max_speed_kmh: 40.0,
            battery_kwh: 40.0,
            kwh_per_km: 0.15,
            charge_kw: 50.0,
            recharge_below: 0.3,
        })
        .filter(|f| f.count > 0)
        .collect();
    let drones: Vec<DroneFleet> = (0..v)
        .map(|k| DroneFleet {
            name: format!("drone-{k}"),
            count: split(p.drones, v, k),
            base: format!("vertiport-{k}"),
            cruise_speed_mps: 12.0,
            cruise_alt_m: 60.0,
            climb_mps: 3.0,
            payload_kg: 2.5,
            battery_wh: 800.0,
            wh_per_km: 20.0,
        })
        .filter(|f| f.count > 0)
        .collect();
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
            to: PlaceSet::Kinds(vec![PlaceKind::Home]),
            profile: step(p.parcels_per_hour / f64::from(v)),
            weight_kg: 1.0,
            max_wait_s: 1800,
        })
        .collect();
    let home = || PlaceSet::Kinds(vec![PlaceKind::Home]);
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
        map: ZoneMap { nodes, edges, places, ..ZoneMap::default() },
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
        rules: vec![rule(
            "separation",
            "30 m between drones in cruise",
            "ドローン同士の間隔 30 m",
            None,
            RuleKind::Separation { between: (Class::Drone, Class::Drone), horizontal_m: 30.0, vertical_m: 10.0 },
        )],
        weather: Weather::default(),
        residents: Residents::default(),
        dispatch: Dispatch::default(),
    }
}

/// A scenario as RON text, with a comment header.
pub fn to_ron(scenario: &Scenario, comment: &str) -> String {
    let config = ron::ser::PrettyConfig::new().depth_limit(3).indentor("  ").struct_names(true);
    commented(comment, &ron::ser::to_string_pretty(scenario, config).expect("scenarios always serialize"))
}

/// `body` after `comment` as `//` lines.
pub(crate) fn commented(comment: &str, body: &str) -> String {
    let mut out = String::new();
    for line in comment.lines() {
        out.push_str("// ");
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(body);
    out.push('\n');
    out
}

/// A rule option as RON text, with a comment header.
pub fn overlay_to_ron(overlay: &crate::overlay::RuleOverlay, comment: &str) -> String {
    let config = ron::ser::PrettyConfig::new().depth_limit(4).indentor("  ").struct_names(true);
    commented(comment, &ron::ser::to_string_pretty(overlay, config).expect("overlays always serialize"))
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn demo_town_is_valid_and_round_trips_through_ron() {
        let town = demo_town();
        assert!((100..=300).contains(&town.map.nodes.len()));
        let text = to_ron(&town, "generated");
        let loaded = crate::parse(&text, "demo.ron").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(loaded.scenario, town);
    }
}

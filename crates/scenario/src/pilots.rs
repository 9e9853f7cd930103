//! The shipped pilot-zone scenarios, modelled on the kinds of Level-4 and drone trials Japan
//! has run: a designated-route shuttle in a rural valley, on-demand taxis in an ageing town, drone
//! deliveries to isolated homes on an island, and a mixed district on any imported map.
//!
//! The places and their names are invented; the trial settings (12 km/h on a designated route,
//! one remote operator per three vehicles, no-fly volumes over a shrine and a school, the wind
//! limit of a flight manual) follow what such permits have set. `pilotzone gen` writes them;
//! `scripts/make-scenarios.sh` regenerates them all.

use crate::generate::parts::{
    Jitter, at, drone_separation, hours, kinds, l4_taxis, named, parcel_drones, people_gap, rect, ride, rule, run,
    square, step, walkers,
};
use crate::schema::*;

/// Centimetre precision, so that generated files read cleanly.
fn cm(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// A map drawn from code: nodes, roads, places and houses.
#[derive(Default)]
struct Draw {
    map: ZoneMap,
}

impl Draw {
    fn node(&mut self, x: f64, y: f64) -> u32 {
        let id = self.map.nodes.len() as u32;
        self.map.nodes.push(Node { id, x: cm(x), y: cm(y) });
        id
    }

    fn xy(&self, id: u32) -> (f64, f64) {
        let n = &self.map.nodes[id as usize];
        (n.x, n.y)
    }

    fn road(&mut self, from: u32, to: u32, kmh: f64, name: Option<&str>) {
        self.map.edges.push(Edge {
            from,
            to,
            length_m: None,
            speed_kmh: kmh,
            lanes: 1,
            one_way: false,
            name: name.map(str::to_owned),
        });
    }

    /// A road through `points`, a node at each; returns the nodes. `start` joins an existing
    /// node instead of making the first.
    fn street(&mut self, start: Option<u32>, points: &[(f64, f64)], kmh: f64, name: Option<&str>) -> Vec<u32> {
        let mut ids = Vec::with_capacity(points.len());
        for (k, &(x, y)) in points.iter().enumerate() {
            let id = match (k, start) {
                (0, Some(s)) => s,
                _ => self.node(x, y),
            };
            if let Some(&prev) = ids.last() {
                self.road(prev, id, kmh, name);
            }
            ids.push(id);
        }
        ids
    }

    /// A place at `node`, its door `offset` from it, with a building of `(w, d, h)` metres
    /// behind the door (none for open ground).
    fn place(&mut self, name: &str, kind: PlaceKind, node: u32, offset: (f64, f64), building: Option<(f64, f64, f64)>) {
        let (x, y) = self.xy(node);
        let door = (cm(x + offset.0), cm(y + offset.1));
        self.map.places.push(Place { name: name.into(), kind, node, at: Some(door) });
        if let Some((w, d, h)) = building {
            // The building stands beyond the door, away from the road; a home's garden, where
            // drones land, lies between.
            let away = if offset.1 >= 0.0 { 1.0 } else { -1.0 };
            let cy = door.1 + away * (d / 2.0 + if kind == PlaceKind::Home { 12.0 } else { 2.0 });
            self.map.buildings.push(Building {
                polygon: rect(cm(door.0 - w / 2.0), cm(cy - d / 2.0), cm(door.0 + w / 2.0), cm(cy + d / 2.0)),
                height_m: h,
            });
        }
    }

    fn crossing(&mut self, name: &str, road: RoadRef, at_m: f64) {
        self.map.crossings.push(Crossing { name: name.into(), road, at_m, width_m: 7.0 });
    }
}

const HOUSE: Option<(f64, f64, f64)> = Some((10.0, 9.0, 7.0));

/// Sakaki valley: a Level-4 shuttle on a designated route along a former railway line.
///
/// Three six-seat shuttles drive the 2.4 km route between the station and the temple gate at
/// 12 km/h, the only roads their permit allows, each departure confirmed by a remote operator
/// who watches all three. Villagers' cars and visitors on foot cross the route at its level
/// crossings. Option B (`rules/rural-shuttle-20.ron`) lets the shuttles run at 20 km/h.
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
pub fn rural_shuttle_option() -> crate::overlay::RuleOverlay {
    crate::overlay::RuleOverlay {
        format_version: crate::overlay::OVERLAY_FORMAT_VERSION,
        name: "shuttle-20".into(),
        description: "Level-4 shuttles at 20 km/h instead of 12: shorter waits, less time to stop for people".into(),
        remove: Vec::new(),
        rules: vec![Rule {
            applies_to: vec![Class::Taxi],
            ..rule(
                "shuttle-12",
                "Level-4 shuttles at 20 km/h at most",
                "レベル4車両は時速20 km以下",
                None,
                RuleKind::SpeedLimit { zone: None, kmh: 20.0 },
            )
        }],
    }
}

/// Hinode: on-demand taxis for an ageing hill town whose bus route closed.
///
/// Five pooled robotaxis take older residents to the clinic, the supermarket, the post office
/// and the station, and children to school. From 07:30 to 08:30 the streets of the school zone
/// are limited to 20 km/h. Option B (`rules/ageing-town-school-closed.ron`) closes the school
/// street to all motor traffic in those hours instead, as many Japanese school zones do.
pub fn ageing_town() -> Scenario {
    const COLS: u32 = 9;
    const ROWS: u32 = 7;
    const BLOCK: f64 = 140.0;
    let mut d = Draw::default();
    let mut jitter = Jitter(20_261_124);
    let mut grid = Vec::new();
    for r in 0..ROWS {
        for c in 0..COLS {
            let main = r == 3;
            let (dx, dy) = if main { (0.0, 0.0) } else { ((jitter.next() - 0.5) * 40.0, (jitter.next() - 0.5) * 40.0) };
            grid.push(d.node(f64::from(c) * BLOCK + dx, f64::from(r) * BLOCK + dy));
        }
    }
    let id = |c: u32, r: u32| grid[(r * COLS + c) as usize];
    for r in 0..ROWS {
        for c in 0..COLS {
            if c + 1 < COLS {
                let (kmh, name) = if r == 3 { (40.0, Some("Hinode-dori")) } else { (30.0, None) };
                d.road(id(c, r), id(c + 1, r), kmh, name);
            }
            // The hill: the upper rows are joined only every other column.
            if r + 1 < ROWS && (r < 4 || c % 2 == 0) {
                d.road(id(c, r), id(c, r + 1), 30.0, (c == 4).then_some("Saka-dori"));
            }
        }
    }
    let public = [
        ("Hinode station", PlaceKind::Station, (0, 3), (-20.0, 15.0), (30.0, 16.0, 10.0)),
        ("Hinode clinic", PlaceKind::Clinic, (3, 2), (25.0, -18.0), (24.0, 18.0, 10.0)),
        ("Supermarket", PlaceKind::Shop, (5, 3), (30.0, -18.0), (40.0, 24.0, 7.0)),
        ("Post office", PlaceKind::Office, (4, 3), (20.0, 18.0), (18.0, 14.0, 8.0)),
        ("Town hall", PlaceKind::Office, (6, 2), (25.0, 18.0), (30.0, 20.0, 14.0)),
        ("Hinode school", PlaceKind::School, (7, 4), (30.0, 25.0), (50.0, 24.0, 13.0)),
    ];
    for (name, kind, (c, r), offset, building) in public {
        d.place(name, kind, id(c, r), offset, Some(building));
    }
    d.place("Taxi depot", PlaceKind::Depot, id(1, 2), (-20.0, -20.0), None);
    let mut homes = 0;
    for r in 0..ROWS {
        for c in 0..COLS {
            if (c + 2 * r) % 3 == 1 {
                homes += 1;
                let offset = ((jitter.next() - 0.5) * 50.0, 18.0 + jitter.next() * 20.0);
                d.place(&format!("home-{homes:02}"), PlaceKind::Home, id(c, r), offset, HOUSE);
            }
        }
    }
    let (sx, sy) = d.xy(id(7, 4));
    let school_zone = rect(sx - 1.5 * BLOCK, sy - 0.5 * BLOCK, sx + 1.2 * BLOCK, sy + 1.5 * BLOCK);
    d.map.zones.push(Zone {
        name: "school-zone".into(),
        kind: ZoneKind::School,
        polygon: school_zone,
        hours: hours("07:30", "16:00"),
    });
    d.map.zones.push(Zone {
        name: "hinode-centre".into(),
        kind: ZoneKind::Commercial,
        polygon: rect(2.5 * BLOCK, 2.5 * BLOCK, 6.5 * BLOCK, 3.5 * BLOCK),
        hours: None,
    });
    d.crossing("school-gate", (id(7, 4), id(8, 4)), 30.0);
    d.crossing("school-west", (id(6, 4), id(7, 4)), 100.0);
    d.crossing("school-south", (id(7, 3), id(7, 4)), 100.0);
    d.crossing("station-front", (id(0, 3), id(1, 3)), 30.0);
    d.crossing("clinic-front", (id(3, 2), id(4, 2)), 30.0);
    Scenario {
        format_version: FORMAT_VERSION,
        name: "ageing-town".into(),
        description: "Hinode: five pooled robotaxis replace the closed bus route of an ageing hill town; \
                      20 km/h in the school zone on the school run"
            .into(),
        run: run("07:00", 7200, 11),
        map: ZoneMap { airspace: Airspace::default(), ..d.map },
        fleets: Fleets { taxis: vec![l4_taxis("hinode-l4", 5, "Taxi depot", 4, 40.0)], drones: Vec::new() },
        demand: Demand {
            rides: vec![
                ride(
                    "errands",
                    kinds(&[PlaceKind::Home]),
                    named(&["Hinode clinic", "Supermarket", "Post office", "Town hall"]),
                    vec![step("07:00", 6.0), step("08:00", 16.0)],
                    1800,
                ),
                ride(
                    "home-again",
                    named(&["Hinode clinic", "Supermarket", "Post office", "Town hall"]),
                    kinds(&[PlaceKind::Home]),
                    vec![step("07:00", 2.0), step("08:15", 10.0)],
                    1800,
                ),
                ride(
                    "to-the-train",
                    kinds(&[PlaceKind::Home]),
                    named(&["Hinode station"]),
                    vec![step("07:00", 10.0), step("08:30", 4.0)],
                    1200,
                ),
                ride(
                    "school-run",
                    kinds(&[PlaceKind::Home]),
                    named(&["Hinode school"]),
                    vec![step("07:00", 0.0), step("07:30", 8.0), step("08:15", 0.0)],
                    900,
                ),
            ],
            parcels: Vec::new(),
        },
        include: vec!["rules/japan-baseline.ron".into()],
        rules: vec![
            rule(
                "school-zone-20",
                "20 km/h in the school zone on the school run",
                "登校時間帯はスクールゾーン 20 km/h",
                hours("07:30", "08:30"),
                RuleKind::SpeedLimit { zone: Some("school-zone".into()), kmh: 20.0 },
            ),
            people_gap(Class::Taxi),
            people_gap(Class::Car),
        ],
        weather: Weather::default(),
        residents: Residents {
            pedestrians: vec![
                walkers(
                    "school-run",
                    &["school-gate", "school-west", "school-south"],
                    vec![step("07:00", 20.0), step("07:30", 150.0), step("08:20", 10.0)],
                    1.1,
                    0.05,
                ),
                walkers(
                    "elderly-on-foot",
                    &["station-front", "clinic-front"],
                    vec![step("07:00", 20.0), step("08:00", 40.0)],
                    0.9,
                    0.02,
                ),
            ],
            cars: vec![CarFlow {
                name: "residents".into(),
                count: 25,
                from: kinds(&[PlaceKind::Home]),
                to: kinds(&[PlaceKind::Station, PlaceKind::Shop, PlaceKind::Clinic, PlaceKind::Office]),
                profile: vec![step("07:00", 30.0), step("08:30", 15.0)],
            }],
        },
        dispatch: Dispatch { policy: DispatchPolicy::Pooling, ..Dispatch::default() },
    }
}

/// Option B for the ageing town: the school street closed on the school run.
pub fn ageing_town_option() -> crate::overlay::RuleOverlay {
    let town = ageing_town();
    let id = |c: u32, r: u32| r * 9 + c;
    // The street past the school gate, leaving the school reachable from the north and west.
    let roads = vec![(id(7, 4), id(8, 4)), (id(7, 3), id(7, 4))];
    debug_assert!(roads.iter().all(|&(a, b)| town.map.edges.iter().any(|e| (e.from, e.to) == (a, b))));
    crate::overlay::RuleOverlay {
        format_version: crate::overlay::OVERLAY_FORMAT_VERSION,
        name: "school-street-closed".into(),
        description: "The school street closed to all motor traffic 07:30-08:30 instead of a 20 km/h limit".into(),
        remove: vec!["school-zone-20".into()],
        rules: vec![rule(
            "school-street-closed",
            "School street closed to motor traffic on the school run",
            "登校時間帯は通学路を車両通行止め",
            hours("07:30", "08:30"),
            RuleKind::RoadClosure { roads },
        )],
    }
}

/// Oki-shima: drones deliver parcels from the port to isolated homes around an island.
///
/// A ring road runs round a wooded hill; the village and its school sit by the port, the shrine
/// on the hilltop, homes in the coves. Drones fly from the port's vertiport around a permanent
/// no-fly volume over the shrine and, in school hours, over the school; the sea wind grounds them
/// when it passes 5 m/s. Option B (`rules/island-drones-sacred-hill.ron`) closes the whole wooded
/// hill to drones, as the shrine's parishioners asked: longer flights, no overflight of the hill.
pub fn island_drones() -> Scenario {
    let mut d = Draw::default();
    const R: f64 = 2200.0;
    let ring_pts: Vec<(f64, f64)> = (0..40)
        .map(|k| f64::from(k) * std::f64::consts::TAU / 40.0)
        .map(|a| (R * a.sin() * (1.0 + 0.08 * (3.0 * a).cos()), -R * a.cos() * (1.0 + 0.08 * (3.0 * a).cos())))
        .collect();
    let ring = d.street(None, &ring_pts, 40.0, Some("Island ring road"));
    d.road(ring[ring.len() - 1], ring[0], 40.0, Some("Island ring road"));
    // The village by the port: a small grid north of the ring's southern point.
    let port = ring[0];
    let (px, py) = d.xy(port);
    let mut village = Vec::new();
    for r in 0..3 {
        for c in 0..4 {
            village.push(d.node(px - 150.0 + f64::from(c) * 100.0, py + 100.0 + f64::from(r) * 100.0));
        }
    }
    let v = |c: usize, r: usize| village[r * 4 + c];
    for r in 0..3 {
        for c in 0..4 {
            if c + 1 < 4 {
                d.road(v(c, r), v(c + 1, r), 30.0, None);
            }
            if r + 1 < 3 {
                d.road(v(c, r), v(c, r + 1), 30.0, None);
            }
        }
    }
    d.road(port, v(1, 0), 30.0, Some("Minato-dori"));
    d.road(port, v(2, 0), 30.0, None);
    // The shrine road winds up the hill from the village.
    let (tx, ty) = d.xy(v(1, 2));
    let climb: Vec<(f64, f64)> =
        (0..=8).map(|k| f64::from(k) / 8.0).map(|t| (tx + 250.0 * (t * 9.0).sin(), ty + t * (-120.0 - ty))).collect();
    let shrine_road = d.street(Some(v(1, 2)), &climb, 20.0, Some("Sando"));
    let top = shrine_road[shrine_road.len() - 1];
    d.place("Okitsu shrine", PlaceKind::Shrine, top, (30.0, 20.0), Some((18.0, 14.0, 10.0)));
    d.place("Port vertiport", PlaceKind::Vertiport, port, (60.0, -40.0), None);
    d.place("Island school", PlaceKind::School, v(3, 1), (30.0, 20.0), Some((40.0, 20.0, 12.0)));
    d.place("Port office", PlaceKind::Office, v(0, 0), (-20.0, 15.0), Some((20.0, 14.0, 8.0)));
    d.place("Village shop", PlaceKind::Shop, v(2, 0), (15.0, 15.0), Some((18.0, 12.0, 6.0)));
    let mut homes = 0;
    for &(c, r) in &[(0usize, 1usize), (1, 1), (2, 2), (0, 2), (3, 2)] {
        homes += 1;
        d.place(&format!("village-home-{homes}"), PlaceKind::Home, v(c, r), (25.0, 18.0), HOUSE);
    }
    // Cove homes on short lanes off the ring, seaward.
    for (k, &i) in [4usize, 8, 11, 14, 17, 20, 23, 26, 29, 32, 35].iter().enumerate() {
        let (x, y) = d.xy(ring[i]);
        let out = (x.hypot(y) + 120.0) / x.hypot(y);
        let lane = d.street(Some(ring[i]), &[(x, y), (x * out, y * out)], 20.0, None);
        d.place(&format!("cove-home-{}", k + 1), PlaceKind::Home, lane[1], (20.0, 15.0), HOUSE);
    }
    let (sx, sy) = d.xy(top);
    d.map.airspace.no_fly.push(NoFlyVolume {
        name: "Okitsu shrine precinct".into(),
        polygon: square((sx + 30.0, sy + 20.0), 200.0),
        floor_m: 0.0,
        ceiling_m: 150.0,
    });
    let (cx, cy) = d.xy(v(3, 1));
    let school_volume = NoFlyVolume {
        name: "Island school grounds".into(),
        polygon: square((cx + 30.0, cy + 20.0), 120.0),
        floor_m: 0.0,
        ceiling_m: 150.0,
    };
    d.map.zones.push(Zone {
        name: "village".into(),
        kind: ZoneKind::Residential,
        polygon: rect(px - 250.0, py + 50.0, px + 300.0, py + 350.0),
        hours: None,
    });
    d.map.zones.push(Zone {
        name: "school-grounds".into(),
        kind: ZoneKind::School,
        polygon: school_volume.polygon.clone(),
        hours: hours("08:00", "16:00"),
    });
    d.crossing("school-crossing", (v(2, 1), v(3, 1)), 60.0);
    Scenario {
        format_version: FORMAT_VERSION,
        name: "island-drones".into(),
        description: "Oki-shima: parcel drones from the port to isolated homes, around the shrine's no-fly \
                      volume and the school in school hours, grounded when the sea wind passes 5 m/s"
            .into(),
        run: run("09:00", 7200, 5),
        map: ZoneMap {
            airspace: Airspace {
                band_floor_m: 30.0,
                band_ceiling_m: 120.0,
                no_fly: std::mem::take(&mut d.map.airspace.no_fly),
                strategic_deconfliction: true,
            },
            ..d.map
        },
        fleets: Fleets {
            taxis: Vec::new(),
            drones: vec![DroneFleet {
                name: "shima-air".into(),
                count: 4,
                base: "Port vertiport".into(),
                cruise_speed_mps: 15.0,
                cruise_alt_m: 60.0,
                climb_mps: 3.0,
                payload_kg: 3.0,
                battery_wh: 800.0,
                wh_per_km: 22.0,
            }],
        },
        demand: Demand {
            rides: Vec::new(),
            parcels: vec![ParcelDemand {
                name: "island-parcels".into(),
                from: "Port vertiport".into(),
                to: kinds(&[PlaceKind::Home]),
                profile: vec![step("09:00", 14.0), step("10:30", 10.0)],
                weight_kg: 2.0,
                max_wait_s: 3600,
            }],
        },
        include: vec!["rules/japan-baseline.ron".into()],
        rules: vec![
            rule(
                "school-no-fly",
                "No drones over the school in school hours",
                "授業時間中は学校上空飛行禁止",
                hours("08:00", "16:00"),
                RuleKind::NoFly { volume: school_volume },
            ),
            drone_separation(),
        ],
        weather: Weather {
            wind: vec![
                WindStep { from: at("09:00"), mean_mps: 3.5, from_deg: 200.0, gust_mps: 1.0 },
                WindStep { from: at("09:50"), mean_mps: 5.8, from_deg: 210.0, gust_mps: 1.8 },
                WindStep { from: at("10:20"), mean_mps: 4.0, from_deg: 220.0, gust_mps: 1.2 },
            ],
        },
        residents: Residents {
            pedestrians: vec![walkers("villagers", &[], vec![step("09:00", 20.0)], 1.2, 0.03)],
            cars: Vec::new(),
        },
        dispatch: Dispatch::default(),
    }
}

/// Option B for the island: the whole wooded hill closed to drones.
pub fn island_drones_option() -> crate::overlay::RuleOverlay {
    let town = island_drones();
    let shrine = town.map.places.iter().find(|p| p.name == "Okitsu shrine").and_then(|p| p.at).unwrap_or((0.0, 0.0));
    crate::overlay::RuleOverlay {
        format_version: crate::overlay::OVERLAY_FORMAT_VERSION,
        name: "sacred-hill".into(),
        description: "No drones over the whole wooded hill, as the shrine's parishioners asked".into(),
        remove: Vec::new(),
        rules: vec![rule(
            "sacred-hill",
            "No drones over the wooded hill",
            "鎮守の森の上空は飛行禁止",
            None,
            RuleKind::NoFly {
                volume: NoFlyVolume {
                    name: "Okitsu hill forest".into(),
                    polygon: square(shrine, 1300.0),
                    floor_m: 0.0,
                    ceiling_m: 150.0,
                },
            },
        )],
    }
}

/// A mixed robotaxi and drone district on an imported map (`map_file`, relative to the scenario,
/// holding `map`): a depot near the centre of the roads, a vertiport beside it, homes spread over
/// the town at road nodes, and the map's schools, shops, clinics and stations as destinations.
/// A school zone from the map (or around its first school) gets the school-run rules.
pub fn district(name: &str, map_file: &str, map: &ZoneMap) -> Scenario {
    let n = map.nodes.len().max(1) as f64;
    let centre = map.nodes.iter().fold((0.0, 0.0), |acc, p| (acc.0 + p.x / n, acc.1 + p.y / n));
    let (lo, hi) = map.nodes.iter().fold(((f64::MAX, f64::MAX), (f64::MIN, f64::MIN)), |(lo, hi), p| {
        ((lo.0.min(p.x), lo.1.min(p.y)), (hi.0.max(p.x), hi.1.max(p.y)))
    });
    let nearest = |p: (f64, f64), taken: &[u32]| {
        map.nodes
            .iter()
            .filter(|n| !taken.contains(&n.id))
            .min_by(|a, b| {
                let da = (a.x - p.0).hypot(a.y - p.1);
                let db = (b.x - p.0).hypot(b.y - p.1);
                da.total_cmp(&db).then(a.id.cmp(&b.id))
            })
            .map(|n| (n.id, (n.x, n.y)))
    };
    let mut places = Vec::new();
    let mut taken = Vec::new();
    let used_names: std::collections::BTreeSet<&str> = map.places.iter().map(|p| p.name.as_str()).collect();
    if let Some((node, (x, y))) = nearest(centre, &taken) {
        places.push(Place {
            name: "District depot".into(),
            kind: PlaceKind::Depot,
            node,
            at: Some((x - 20.0, y - 20.0)),
        });
        taken.push(node);
    }
    // The vertiport stands 150 m from the depot, on open ground beside its road node.
    if let Some((node, (x, y))) = nearest((centre.0 + 150.0, centre.1), &taken) {
        places.push(Place {
            name: "District vertiport".into(),
            kind: PlaceKind::Vertiport,
            node,
            at: Some((x + 25.0, y + 25.0)),
        });
        taken.push(node);
    }
    // Homes on a 6 × 5 lattice over the roads' extent.
    let mut homes = 0;
    for r in 0..5 {
        for c in 0..6 {
            let p =
                (lo.0 + (f64::from(c) + 0.5) / 6.0 * (hi.0 - lo.0), lo.1 + (f64::from(r) + 0.5) / 5.0 * (hi.1 - lo.1));
            let Some((node, (x, y))) = nearest(p, &taken) else { continue };
            if (x - p.0).hypot(y - p.1) > 0.6 * (hi.0 - lo.0) / 6.0 {
                continue;
            }
            homes += 1;
            let name = format!("district-home-{homes:02}");
            if used_names.contains(name.as_str()) {
                continue;
            }
            places.push(Place { name, kind: PlaceKind::Home, node, at: Some((x + 15.0, y + 15.0)) });
            taken.push(node);
        }
    }
    let destinations = [PlaceKind::School, PlaceKind::Shop, PlaceKind::Clinic, PlaceKind::Station, PlaceKind::Office];
    let has_destinations = map.places.iter().any(|p| destinations.contains(&p.kind));
    let mut zones = Vec::new();
    let (school_zone, school_polygon) = match map.zones.iter().find(|z| z.kind == ZoneKind::School) {
        Some(z) => (Some(z.name.clone()), Some(z.polygon.clone())),
        // Without school grounds on the map, the zone is the streets within 150 m of the school.
        None => match map.places.iter().find(|p| p.kind == PlaceKind::School) {
            Some(school) => {
                let node = map.nodes.iter().find(|n| n.id == school.node).map(|n| (n.x, n.y));
                let polygon = square(school.at.or(node).unwrap_or(centre), 150.0);
                zones.push(Zone {
                    name: "school-zone".into(),
                    kind: ZoneKind::School,
                    polygon: polygon.clone(),
                    hours: hours("07:30", "16:00"),
                });
                (Some("school-zone".to_owned()), Some(polygon))
            }
            None => (None, None),
        },
    };
    let mut rules = vec![drone_separation(), people_gap(Class::Taxi)];
    if let (Some(zone), Some(polygon)) = (school_zone, school_polygon) {
        rules.push(rule(
            "school-run-20",
            "20 km/h in the school zone on the school run",
            "登校時間帯はスクールゾーン 20 km/h",
            hours("07:30", "08:30"),
            RuleKind::SpeedLimit { zone: Some(zone), kmh: 20.0 },
        ));
        rules.push(rule(
            "school-run-no-fly",
            "No drones over the school on the school run",
            "登校時間帯は学校上空飛行禁止",
            hours("07:30", "08:30"),
            RuleKind::NoFly {
                volume: NoFlyVolume { name: "school grounds".into(), polygon, floor_m: 0.0, ceiling_m: 150.0 },
            },
        ));
    }
    let to = if has_destinations { kinds(&destinations) } else { kinds(&[PlaceKind::Home]) };
    Scenario {
        format_version: FORMAT_VERSION,
        name: name.into(),
        description: format!(
            "A mixed robotaxi and drone district on the imported map {map_file}: eight robotaxis and four \
             parcel drones on a school-day morning"
        ),
        run: run("07:00", 5400, 3),
        map: ZoneMap { file: Some(map_file.into()), places, zones, ..ZoneMap::default() },
        fleets: Fleets {
            taxis: vec![l4_taxis("district-l4", 8, "District depot", 4, 40.0)],
            drones: vec![parcel_drones("district-air", 4, "District vertiport")],
        },
        demand: Demand {
            rides: vec![
                ride(
                    "morning",
                    kinds(&[PlaceKind::Home]),
                    to.clone(),
                    vec![step("07:00", 24.0), step("08:00", 16.0)],
                    1200,
                ),
                ride("back-home", to, kinds(&[PlaceKind::Home]), vec![step("07:00", 6.0), step("08:00", 12.0)], 1200),
            ],
            parcels: vec![ParcelDemand {
                name: "parcels".into(),
                from: "District vertiport".into(),
                to: kinds(&[PlaceKind::Home]),
                profile: vec![step("07:00", 10.0), step("08:00", 16.0)],
                weight_kg: 1.5,
                max_wait_s: 2400,
            }],
        },
        include: Vec::new(),
        rules,
        weather: Weather { wind: vec![WindStep { from: at("07:00"), mean_mps: 3.0, from_deg: 240.0, gust_mps: 1.0 }] },
        residents: Residents {
            pedestrians: if map.crossings.is_empty() {
                Vec::new()
            } else {
                vec![walkers("townsfolk", &[], vec![step("07:00", 60.0), step("08:00", 90.0)], 1.3, 0.03)]
            },
            cars: vec![CarFlow {
                name: "residents".into(),
                count: 20,
                from: kinds(&[PlaceKind::Home]),
                to: kinds(&[PlaceKind::Home]),
                profile: vec![step("07:00", 30.0)],
            }],
        },
        dispatch: Dispatch::default(),
    }
}

/// Option B for a district: a 30 km/h limit on every street, for cars and robotaxis alike.
pub fn district_option() -> crate::overlay::RuleOverlay {
    crate::overlay::RuleOverlay {
        format_version: crate::overlay::OVERLAY_FORMAT_VERSION,
        name: "zone-30".into(),
        description: "30 km/h on every street of the district, for cars and robotaxis alike".into(),
        remove: Vec::new(),
        rules: vec![rule(
            "zone-30",
            "30 km/h on every street",
            "全域 30 km/h",
            None,
            RuleKind::SpeedLimit { zone: None, kmh: 30.0 },
        )],
    }
}

//! Minori, the demo town (`pilotzone gen demo` writes `scenarios/demo.ron`): a street grid with
//! every kind of place, fleet, rule and resident, small enough to read in one sitting.

use super::parts::{
    Jitter, at, drone_separation, hours, kinds, l4_taxis, named, parcel_drones, people_gap, rect, ride, rule, run,
    step, walkers,
};
use crate::schema::*;

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
    let airspace = Airspace {
        band_floor_m: 30.0,
        band_ceiling_m: 120.0,
        no_fly: vec![shrine],
        strategic_deconfliction: true,
        tactical_separation: true,
        course_layers: false,
    };
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
    let home = || kinds(&[PlaceKind::Home]);
    Scenario {
        format_version: FORMAT_VERSION,
        name: "demo".into(),
        description: "Minori: robotaxis and delivery drones on a school-day morning, 07:00-09:00".into(),
        run: run("07:00", 7200, 42),
        map: ZoneMap { nodes, edges, places, zones, crossings, buildings, airspace, ..ZoneMap::default() },
        fleets: Fleets {
            taxis: vec![l4_taxis("minori-l4", 10, "depot", 4, 40.0)],
            drones: vec![parcel_drones("sora-post", 6, "vertiport")],
        },
        demand: Demand {
            rides: vec![
                ride("commute", home(), named(&["station"]), vec![step("07:00", 36.0), step("08:15", 18.0)], 900),
                ride(
                    "clinic",
                    home(),
                    named(&["clinic", "town-hall", "market"]),
                    vec![step("07:00", 6.0), step("08:00", 18.0)],
                    1200,
                ),
                ride(
                    "school-run",
                    home(),
                    named(&["school"]),
                    vec![step("07:00", 0.0), step("07:30", 14.0), step("08:15", 0.0)],
                    900,
                ),
                ride("arrivals", named(&["station"]), home(), vec![step("07:00", 8.0), step("08:00", 14.0)], 900),
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

#[cfg(test)]
mod tests {
    use super::demo_town;
    use crate::generate::to_ron;

    #[test]
    fn demo_town_is_valid_and_round_trips_through_ron() {
        let town = demo_town();
        assert!((100..=300).contains(&town.map.nodes.len()));
        let text = to_ron(&town, "generated");
        let loaded = crate::parse(&text, "demo.ron").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(loaded.scenario, town);
    }
}

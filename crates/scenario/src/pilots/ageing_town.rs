//! Hinode, the ageing town: pooled robotaxis and a school zone on the school run.

use super::draw::{Draw, HOUSE};
use super::option;
use crate::generate::parts::{Jitter, hours, kinds, l4_taxis, named, people_gap, rect, ride, rule, run, step, walkers};
use crate::overlay::RuleOverlay;
use crate::schema::*;

/// Hinode: on-demand taxis for an ageing hill town whose bus route closed.
///
/// Five pooled robotaxis take older residents to the clinic, the supermarket, the post office
/// and the station, and children to school. From 07:30 to 08:30 the streets of the school zone
/// are limited to 20 km/h. Option B (`rules/ageing-town-school-street-closed.ron`) closes the school
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
pub fn ageing_town_option() -> RuleOverlay {
    let town = ageing_town();
    let id = |c: u32, r: u32| r * 9 + c;
    // The street past the school gate, leaving the school reachable from the north and west.
    let roads = vec![(id(7, 4), id(8, 4)), (id(7, 3), id(7, 4))];
    debug_assert!(roads.iter().all(|&(a, b)| town.map.edges.iter().any(|e| (e.from, e.to) == (a, b))));
    option(
        "school-street-closed",
        "The school street closed to all motor traffic 07:30-08:30 instead of a 20 km/h limit",
        &["school-zone-20"],
        vec![rule(
            "school-street-closed",
            "School street closed to motor traffic on the school run",
            "登校時間帯は通学路を車両通行止め",
            hours("07:30", "08:30"),
            RuleKind::RoadClosure { roads },
        )],
    )
}

//! Oki-shima, the island: parcel drones around no-fly volumes and the sea wind.

use super::draw::{Draw, HOUSE};
use super::option;
use crate::generate::parts::{at, drone_separation, hours, kinds, rect, rule, run, square, step, walkers};
use crate::overlay::RuleOverlay;
use crate::schema::*;

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
                tactical_separation: true,
                course_layers: false,
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
                pads: 1,
                launch_interval_s: crate::schema::DEFAULT_LAUNCH_INTERVAL_S,
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
pub fn island_drones_option() -> RuleOverlay {
    let town = island_drones();
    let shrine = town.map.places.iter().find(|p| p.name == "Okitsu shrine").and_then(|p| p.at).unwrap_or((0.0, 0.0));
    option(
        "sacred-hill",
        "No drones over the whole wooded hill, as the shrine's parishioners asked",
        &[],
        vec![rule(
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
    )
}

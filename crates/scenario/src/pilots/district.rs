//! A mixed robotaxi and drone district on any imported map, placed from the map's own extent
//! and places.

use super::option;
use crate::generate::parts::{
    at, drone_separation, hours, kinds, l4_taxis, parcel_drones, people_gap, ride, rule, run, square, step, walkers,
};
use crate::overlay::RuleOverlay;
use crate::schema::*;

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
pub fn district_option() -> RuleOverlay {
    option(
        "zone-30",
        "30 km/h on every street of the district, for cars and robotaxis alike",
        &[],
        vec![rule(
            "zone-30",
            "30 km/h on every street",
            "全域 30 km/h",
            None,
            RuleKind::SpeedLimit { zone: None, kmh: 30.0 },
        )],
    )
}

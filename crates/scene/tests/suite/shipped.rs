//! Scenes of the shipped scenarios hold everything their scenarios hold, placed and sized as
//! the scenario says, and survive the JSON the web player embeds.

use pilotzone_scenario::{ClockTime, RuleKind};
use pilotzone_scene::{LANE_WIDTH_M, Scene, dm, point};

use crate::{SHIPPED, shipped};

#[test]
fn every_part_of_the_map_is_in_the_scene() {
    for name in SHIPPED {
        let loaded = shipped(name);
        let (scenario, map) = (&loaded.scenario, &loaded.scenario.map);
        let scene = Scene::new(scenario);
        assert_eq!(scene.roads.len(), map.edges.len(), "{name}: roads");
        assert_eq!(scene.crossings.len(), map.crossings.len(), "{name}: crossings");
        assert_eq!(scene.buildings.len(), map.buildings.len(), "{name}: buildings");
        assert_eq!(scene.zones.len(), map.zones.len(), "{name}: zones");
        assert_eq!(scene.places.len(), map.places.len(), "{name}: places");
        assert_eq!(scene.rules.len(), scenario.rules.len(), "{name}: rules");
        let ruled = scenario.rules.iter().filter(|r| matches!(r.kind, RuleKind::NoFly { .. })).count();
        assert_eq!(scene.no_fly.len(), map.airspace.no_fly.len() + ruled, "{name}: no-fly volumes");
        assert!(!scene.roads.is_empty() && !scene.places.is_empty(), "{name} has a town to draw");
        for (road, edge) in scene.roads.iter().zip(&map.edges) {
            let directions = if edge.one_way { 1.0 } else { 2.0 };
            assert_eq!(road.width_dm, dm(f64::from(edge.lanes) * directions * LANE_WIDTH_M), "{name}: {edge:?}");
            assert_eq!(road.nodes, [edge.from, edge.to]);
            assert_eq!(road.speed_kmh, edge.speed_kmh);
        }
        for (b, source) in scene.buildings.iter().zip(&map.buildings) {
            assert!(b.height_dm > 0, "{name}: a building of height {} m", source.height_m);
            assert_eq!(b.height_dm, dm(source.height_m).max(1));
        }
        for n in &map.nodes {
            assert!(scene.bounds.contains(point((n.x, n.y))), "{name}: node {} outside the bounds", n.id);
        }
        for (p, source) in scene.places.iter().zip(&map.places) {
            assert!(scene.bounds.contains(p.at), "{name}: {} outside the bounds", p.name);
            assert!(p.label.en.contains(&source.name) && p.label.ja.contains(&source.name));
        }
        for c in &scene.crossings {
            assert!(c.road < scene.roads.len() as u32);
            assert!(c.width_dm > 0);
        }
    }
}

#[test]
fn depots_and_vertiports_name_the_fleets_they_base() {
    let scene = Scene::new(&shipped("demo").scenario);
    let depot = scene.places.iter().find(|p| p.is_depot()).expect("the demo has a depot");
    assert_eq!(depot.label.en, "depot", "a name that says its kind is not repeated");
    assert_eq!(depot.label.ja, "depot（車両基地）");
    let school = scene.places.iter().find(|p| p.name == "school").expect("the demo has a school");
    assert_eq!((school.label.en.as_str(), school.label.ja.as_str()), ("school", "school（学校）"));
    assert!(!depot.fleets.is_empty(), "the demo's taxis are based at its depot");
    let island = Scene::new(&shipped("island-drones").scenario);
    let port = island.places.iter().find(|p| p.is_vertiport()).expect("the island has a vertiport");
    assert_eq!(port.fleets, ["shima-air"]);
}

#[test]
fn only_the_imported_map_carries_the_openstreetmap_notice() {
    let kotka = Scene::new(&shipped("kotka-district").scenario);
    let notice = kotka.attribution.as_deref().expect("Kotka's map is OpenStreetMap data");
    assert!(notice.contains("OpenStreetMap contributors") && notice.contains("ODbL"), "{notice}");
    assert_eq!(kotka.traffic_side, pilotzone_scenario::TrafficSide::Right, "Finland keeps right");
    assert_eq!(Scene::new(&shipped("demo").scenario).attribution, None);
}

#[test]
fn the_island_school_closes_to_drones_in_school_hours_only() {
    let loaded = shipped("island-drones");
    let scene = Scene::new(&loaded.scenario);
    let date = loaded.scenario.run.date;
    let at = |t: &str| ClockTime::parse(t).expect("a valid time").seconds();
    let active = |t: &str| scene.active_nofly(at(t), date).map(|(_, v)| v.name.clone()).collect::<Vec<_>>();
    assert_eq!(active("10:00"), ["Okitsu shrine precinct", "Island school grounds"]);
    assert_eq!(active("20:00"), ["Okitsu shrine precinct"], "the shrine is closed always, the school not at night");
    let school = scene.no_fly.iter().find(|v| v.name == "Island school grounds").expect("the rule's volume");
    assert_eq!(school.rule.as_deref(), Some("school-no-fly"));
    assert_eq!((school.floor_dm, school.ceiling_dm), (0, 1500));
    let rule = scene.rule("school-no-fly").expect("listed");
    assert_eq!(rule.title.ja, "授業時間中は学校上空飛行禁止");
    assert_eq!(rule.title.en, "No drones over the school in school hours");
    assert_eq!(rule.no_fly.map(|i| &scene.no_fly[i as usize].name), Some(&school.name));
    assert_eq!(rule.binds, [pilotzone_scenario::Class::Drone]);
    assert!(scene.active_rules(at("20:00"), date).all(|r| r.id != "school-no-fly"));
}

#[test]
fn rules_point_at_the_roads_and_zones_they_act_on() {
    let loaded = shipped("demo");
    let scene = Scene::new(&loaded.scenario);
    let market = scene.rule("morning-market").expect("the demo closes a street for its market");
    let RuleKind::RoadClosure { roads } =
        &loaded.scenario.rules.iter().find(|r| r.id == "morning-market").expect("the rule").kind
    else {
        panic!("the market closes roads")
    };
    assert_eq!(market.roads.len(), roads.len());
    for (&i, &(a, b)) in market.roads.iter().zip(roads) {
        let nodes = scene.roads[i as usize].nodes;
        assert!(nodes == [a, b] || nodes == [b, a], "{nodes:?} is the road ({a}, {b})");
    }
    let school_run = scene.rule("school-run-20").expect("the demo's school-run limit");
    assert_eq!(school_run.speed_kmh, Some(20.0));
    let zone = school_run.zone.expect("a zone") as usize;
    assert_eq!(scene.zones[zone].kind, pilotzone_scenario::ZoneKind::School);
}

#[test]
fn a_scene_survives_its_json() {
    for name in SHIPPED {
        let scene = Scene::new(&shipped(name).scenario);
        let json = serde_json::to_string(&scene).expect("a scene serializes");
        let back: Scene = serde_json::from_str(&json).expect("and reads back");
        assert_eq!(back, scene, "{name}");
        assert!(json.contains("\"width_dm\""), "{name}: lengths are in decimetres");
    }
}

/// A replay carries the merged scenario text: its scene is the loaded scenario's.
#[test]
fn a_replays_scenario_text_gives_the_same_scene() {
    let loaded = shipped("kotka-district");
    let from_text = Scene::from_text(&loaded.text, "kotka-district (replay)").expect("merged text parses");
    assert_eq!(from_text, Scene::new(&loaded.scenario));
    assert!(Scene::from_text("Scenario(", "broken").is_err());
}

//! Agents and incident markers from a real replay, written with the replay crate's writer over
//! the demo scenario and read back through its reader and playback cursor.

use pilotzone_replay::{
    Cursor, EntityInfo, EntityKind, EntityState, Event, EventKind, Header, IncidentInfo, Replay, Severity, Status,
    StatusTable, Writer,
};
use pilotzone_scene::style::status_colour;
use pilotzone_scene::{AgentView, Scene};

use crate::shipped;

const TAXI: u32 = 10;
const DRONE: u32 = 11;
const CAR: u32 = 12;
const PERSON: u32 = 13;

fn header(scenario_text: &str) -> Header {
    let entity = |id, kind, fleet: &str| EntityInfo { id, kind, fleet: fleet.into() };
    Header {
        engine_version: "test".into(),
        scenario_name: "demo".into(),
        scenario_text: scenario_text.into(),
        scenario_hash: 0,
        seed: 42,
        tick_ms: 100,
        record_ms: 500,
        segment_ms: 10_000,
        start_time_of_day_s: 7 * 3600,
        status_names: StatusTable::current().names(),
        entities: vec![
            entity(TAXI, EntityKind::Taxi, "demo-l4"),
            entity(DRONE, EntityKind::Drone, "demo-air"),
            entity(CAR, EntityKind::Car, "residents"),
            entity(PERSON, EntityKind::Person, "residents"),
        ],
    }
}

fn states(k: i32) -> Vec<EntityState> {
    let at = |x_cm: i32, y_cm: i32, z_cm: i32, speed_cms: u16, status: Status| EntityState {
        x_cm,
        y_cm,
        z_cm,
        heading: 8_192 * k as u16,
        speed_cms,
        status: status.code(),
    };
    vec![
        at(12_000 + 500 * k, 4_000, 0, 500, if k == 0 { Status::Idle } else { Status::ToPickup }),
        at(-3_000, 25_000 + 1_000 * k, 6_000, 1_500, Status::Outbound),
        at(40_000 - 700 * k, 12_345, 0, 700, Status::Driving),
        at(5_000, 5_000 + 60 * k, 0, 120, Status::Walking),
    ]
}

fn incident(t_ms: u64, kind: EventKind, entity: u32, at_cm: [i32; 3], info: IncidentInfo) -> Event {
    Event { t_ms, kind, entity, at_cm, detail: format!("{kind} by {entity}"), incident: Some(info) }
}

/// The demo scene and a replay of it: three samples, a pickup and four incidents.
fn demo_replay() -> (Scene, Replay) {
    let loaded = shipped("demo");
    let scene = Scene::new(&loaded.scenario);
    let school = scene.places.iter().find(|p| p.name == "school").expect("the demo has a school").at;
    let school_cm = [school[0] * 10, school[1] * 10, 0];
    let mut writer = Writer::new(&header(&loaded.text));
    for k in 0..3 {
        writer.sample(k as u64 * 500, &states(k));
    }
    let measured =
        |rule: &str, other, value, limit, severity| IncidentInfo { rule: rule.into(), other, value, limit, severity };
    writer.event(Event {
        t_ms: 200,
        kind: EventKind::Pickup,
        entity: TAXI,
        at_cm: [0; 3],
        detail: String::new(),
        incident: None,
    });
    let speeding = measured("school-run-20", None, 27.5, 20.0, 2);
    writer.event(incident(400, EventKind::SpeedViolation, TAXI, school_cm, speeding));
    let touched = measured("", Some(PERSON), 0.0, 0.0, 3);
    writer.event(incident(600, EventKind::Collision, CAR, [40_000, 12_345, 0], touched));
    let incursion = measured("school-run-no-fly", None, 12.0, 0.0, 1);
    writer.event(incident(800, EventKind::NoFlyIncursion, DRONE, [-3_000, 26_000, 6_000], incursion));
    let other_option = measured("zone-30", None, 41.0, 30.0, 1);
    writer.event(incident(1_000, EventKind::SpeedViolation, TAXI, [13_000, 4_000, 0], other_option));
    let bytes = writer.finish(1_000);
    (scene, Replay::open(bytes).expect("the written replay reads"))
}

#[test]
fn agents_sit_where_the_frame_says_in_their_status_colour() {
    let (_, replay) = demo_replay();
    let view = AgentView::new(replay.header()).expect("the vocabulary's own statuses");
    let mut cursor = Cursor::new(replay);
    for t_ms in [0, 500, 750, 1_000] {
        let frame = cursor.seek(t_ms).expect("inside the replay").clone();
        let agents = view.agents(&frame);
        assert_eq!(agents.len(), 4);
        for ((agent, state), info) in agents.iter().zip(&frame.states).zip(view.entities()) {
            assert_eq!((agent.id, agent.kind), (info.id, info.kind));
            let expected = [state.x_cm, state.y_cm, state.z_cm].map(|c| f64::from(c) / 100.0);
            assert_eq!(agent.position_m, expected, "{t_ms} ms: {} sits where the frame says", info.id);
            let status = cursor.replay().status(state.status).expect("a named status");
            assert_eq!(agent.status, Some(status));
            assert_eq!(agent.colour, status_colour(status), "{t_ms} ms: {} in its status colour", info.id);
            assert_eq!(agent.speed_mps, state.speed_mps());
        }
        assert_eq!(agents[1].height_m, Some(60.0), "the drone flies at 60 m");
        assert!(agents.iter().filter(|a| a.kind != EntityKind::Drone).all(|a| a.height_m.is_none()));
    }
    let frame = cursor.seek(500).expect("inside").clone();
    let agents = view.agents(&frame);
    assert_eq!(agents[0].position_m, [125.0, 40.0, 0.0]);
    assert_eq!(agents[0].status, Some(Status::ToPickup));
    assert_ne!(agents[0].colour, status_colour(Status::Idle), "a taxi on its way looks unlike an idle one");
    assert_eq!(agents[3].colour, pilotzone_scene::style::okabe_ito::VERMILLION, "a person on the crossing");
}

#[test]
fn incident_markers_carry_the_rule_and_what_was_measured() {
    let (scene, replay) = demo_replay();
    let scene_of_replay = Scene::from_text(&replay.header().scenario_text, "demo (replay)").expect("parses");
    assert_eq!(scene_of_replay, scene, "the replay's own text gives the same scene");
    let markers = scene.incidents(replay.header(), replay.events());
    let kinds: Vec<EventKind> = markers.iter().map(|m| m.kind).collect();
    assert_eq!(
        kinds,
        [EventKind::SpeedViolation, EventKind::Collision, EventKind::NoFlyIncursion, EventKind::SpeedViolation],
        "the pickup is no incident"
    );

    let speeding = &markers[0];
    let rule = speeding.rule.as_ref().expect("speeding breaks a rule");
    assert_eq!(rule.id, "school-run-20");
    assert_eq!(rule.title.en, "20 km/h in the school zone during the school run");
    assert_eq!(rule.title.ja, "登校時間帯は通学路 20 km/h");
    assert_eq!((speeding.value, speeding.limit), (Some(27.5), Some(20.0)));
    assert_eq!(speeding.severity, Some(Severity::Serious));
    assert_eq!((speeding.severity_names.ja.as_str(), speeding.kind_names.ja.as_str()), ("重大", "速度超過"));
    assert_eq!(speeding.near.as_deref(), Some("school"));
    assert_eq!(speeding.time_of_day_s, 7 * 3600);
    assert_eq!(speeding.entity.kind, Some(EntityKind::Taxi));
    assert_eq!(speeding.entity.fleet, "demo-l4");

    let collision = &markers[1];
    assert_eq!((collision.rule.as_ref(), collision.value, collision.limit), (None, None, None));
    let other = collision.other.as_ref().expect("two bodies touched");
    assert_eq!((other.id, other.kind), (PERSON, Some(EntityKind::Person)));
    assert_eq!(collision.at_m, [400.0, 123.45, 0.0]);
    assert_eq!(collision.kind_names.en, "collision");

    let incursion = markers[2].rule.as_ref().expect("a no-fly rule");
    assert_eq!(incursion.title.en, "No drones over the school during the school run");

    let foreign = markers[3].rule.as_ref().expect("a rule of another option");
    assert_eq!((foreign.id.as_str(), foreign.title.en.as_str()), ("zone-30", "zone-30"), "unknown ids name themselves");

    let json = serde_json::to_value(&markers[0]).expect("markers serialize");
    assert_eq!(json["kind"], "speed_violation");
    assert_eq!(json["severity"], "serious");
    assert_eq!(json["rule"]["title"]["ja"], "登校時間帯は通学路 20 km/h");
}

//! The recorder: samples every entity at the scenario's recording rate and writes every event
//! into the replay.

use bevy::prelude::*;
use pilotzone_replay::{EntityInfo, EntityKind, EntityState, Event, Header, Writer};

use xxhash_rust::xxh3::xxh3_64;

use crate::clock::SimClock;
use crate::demand::Requests;
use crate::drone::{DronePhase, DroneState};
use crate::events::EventLog;
use crate::residents::{Pedestrian, PedestrianState, Walk};
use crate::roster::{CarRoster, DroneRoster, PedestrianRoster, Rosters, TaxiRoster};
use crate::schedule::{SetupSystems, SimSetup, SimStep, SimSystems};
use crate::town::TownMap;
use crate::vehicle::{Phase, StopKind, TaxiState};
use crate::{ENGINE_VERSION, SimConfig};

/// Status names, indexed by the codes samples carry.
pub const STATUS_NAMES: [&str; 17] = [
    "idle",
    "to_pickup",
    "occupied",
    "dwelling",
    "blocked",
    "ready",
    "outbound",
    "dropping",
    "returning",
    "pulling_out",
    "off_street",
    "waiting",
    "walking",
    "driving",
    "charging",
    "to_charger",
    "repositioning",
];

/// Keyframe interval of the replay: seeking costs at most this much decoding, ms.
pub const KEYFRAME_MS: u32 = 10_000;

/// The replay being written.
#[derive(Resource, Default)]
pub struct Recorder {
    writer: Option<Writer>,
    events_written: usize,
    record_ms: u64,
    states: Vec<EntityState>,
    hash_buf: Vec<u8>,
    /// State hash of the last tick recorded.
    pub last_hash: u32,
}

impl Recorder {
    /// Writes what is pending and returns the replay's bytes.
    pub fn finish(&mut self, end_ms: u64) -> Vec<u8> {
        self.writer.take().map(|w| w.finish(end_ms)).unwrap_or_default()
    }
}

/// Adds the recorder.
pub struct RecorderPlugin;

impl Plugin for RecorderPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<Recorder>()
            .add_systems(SimSetup, (start_recording, record_sample).chain().in_set(SetupSystems::Recording))
            .add_systems(SimStep, record_sample.in_set(SimSystems::Record));
    }
}

/// Writes the header.
pub fn start_recording(
    config: Res<SimConfig>,
    taxis: Res<TaxiRoster>,
    drones: Res<DroneRoster>,
    cars: Res<CarRoster>,
    people: Res<PedestrianRoster>,
    walkers: Query<&Pedestrian>,
    mut recorder: ResMut<Recorder>,
) {
    let s = &config.loaded.scenario;
    let mut entities = Vec::new();
    for f in &s.fleets.taxis {
        entities.extend((0..f.count).map(|_| (EntityKind::Taxi, f.name.clone())));
    }
    for f in &s.fleets.drones {
        entities.extend((0..f.count).map(|_| (EntityKind::Drone, f.name.clone())));
    }
    for f in &s.residents.cars {
        entities.extend((0..f.count).map(|_| (EntityKind::Car, f.name.clone())));
    }
    for &e in &people.0 {
        let p = walkers.get(e).expect("roster entities are pedestrians");
        entities.push((EntityKind::Person, s.residents.pedestrians[p.flow].name.clone()));
    }
    debug_assert_eq!(entities.len(), taxis.0.len() + drones.0.len() + cars.0.len() + people.0.len());
    let header = Header {
        engine_version: ENGINE_VERSION.to_owned(),
        scenario_name: s.name.clone(),
        scenario_text: config.loaded.text.clone(),
        scenario_hash: config.loaded.hash,
        seed: config.seed,
        tick_ms: s.run.tick_ms,
        record_ms: s.run.record_ms,
        segment_ms: KEYFRAME_MS.max(s.run.record_ms),
        start_time_of_day_s: s.run.start.seconds(),
        status_names: STATUS_NAMES.iter().map(|&n| n.to_owned()).collect(),
        entities: entities
            .into_iter()
            .enumerate()
            .map(|(id, (kind, fleet))| EntityInfo { id: id as u32, kind, fleet })
            .collect(),
    };
    recorder.record_ms = u64::from(s.run.record_ms);
    recorder.writer = Some(Writer::new(&header));
}

fn quantize(x: f64) -> i32 {
    (x * 100.0).round().clamp(f64::from(i32::MIN), f64::from(i32::MAX)) as i32
}

fn heading_code(radians: f64) -> u16 {
    (radians.rem_euclid(std::f64::consts::TAU) / std::f64::consts::TAU * 65536.0).round() as u32 as u16
}

/// Hash of the simulation state after a tick: every vehicle's and drone's exact state and the
/// demand drawn so far, laid out in `buf` and hashed in one pass. `pilotzone verify` compares
/// these tick by tick.
fn state_hash(
    buf: &mut Vec<u8>,
    roster: &Rosters,
    taxi_states: &Query<&TaxiState>,
    drone_states: &Query<&DroneState>,
    walkers: &Query<&PedestrianState>,
    requests: &Requests,
) -> u32 {
    buf.clear();
    let mut put = |v: u64| buf.extend_from_slice(&v.to_le_bytes());
    for &e in roster.taxis.0.iter().chain(&roster.cars.0) {
        let s = taxi_states.get(e).expect("roster entities are taxis");
        let phase = match s.phase {
            Phase::Idle => 0u64,
            Phase::PullingOut => 1,
            Phase::Driving => 2,
            Phase::Dwelling { until_ms } => 3 ^ (until_ms << 4),
            Phase::Blocked => 4,
            Phase::Charging => 5,
        };
        put(phase);
        put(u64::from(s.arc.unwrap_or(u32::MAX)));
        put(s.offset_m.to_bits());
        put(s.speed_mps.to_bits());
        put(s.energy_kwh.to_bits());
        put(s.stops.len() as u64 | (s.onboard.len() as u64) << 32);
    }
    for &e in &roster.drones.0 {
        let s = drone_states.get(e).expect("roster entities are drones");
        s.pos.iter().chain(&[s.energy_wh]).for_each(|v| put(v.to_bits()));
        put(s.next as u64 | u64::from(s.order.is_some()) << 32);
    }
    for &e in &roster.people.0 {
        let s = walkers.get(e).expect("roster entities are pedestrians");
        put(s.at.x.to_bits());
        put(s.at.y.to_bits());
        put(u64::from(s.in_street()) | u64::from(s.on_road()) << 1);
    }
    put(requests.rides.len() as u64);
    put(requests.parcels.len() as u64);
    xxh3_64(buf) as u32
}

/// Records events as they come, every tick's state hash, and a sample of every entity at the
/// recording rate.
pub fn record_sample(
    clock: Res<SimClock>,
    town: Res<TownMap>,
    roster: Rosters,
    taxi_states: Query<&TaxiState>,
    drone_states: Query<&DroneState>,
    walkers: Query<&PedestrianState>,
    requests: Res<Requests>,
    log: Res<EventLog>,
    mut recorder: ResMut<Recorder>,
) {
    let recorder = &mut *recorder;
    let Some(writer) = recorder.writer.as_mut() else { return };
    for e in &log.events[recorder.events_written..] {
        writer.event(Event {
            t_ms: e.t_ms,
            kind: e.kind.as_str().to_owned(),
            entity: e.entity,
            at_cm: e.at.map(quantize),
            detail: e.detail.clone(),
            incident: e.incident.as_ref().map(|i| pilotzone_replay::IncidentInfo {
                rule: i.rule.map_or_else(String::new, |r| town.scenario.rules[r].id.clone()),
                other: i.other,
                value: i.value,
                limit: i.limit,
                severity: i.severity,
            }),
        });
    }
    recorder.events_written = log.events.len();
    recorder.last_hash = state_hash(&mut recorder.hash_buf, &roster, &taxi_states, &drone_states, &walkers, &requests);
    writer.tick(clock.now_ms, recorder.last_hash);
    if !clock.every(recorder.record_ms) {
        return;
    }
    recorder.states.clear();
    for &e in &roster.taxis.0 {
        let s = taxi_states.get(e).expect("roster entities are taxis");
        let (at, heading) = (s.at, s.heading);
        let to_charger = s.stops.front().is_some_and(|stop| stop.kind == StopKind::Charge);
        let status = match s.phase {
            Phase::Idle => 0,
            Phase::Driving | Phase::PullingOut if to_charger => 15,
            Phase::Driving | Phase::PullingOut if s.stops.len() == 1 && s.stops[0].kind == StopKind::Reposition => 16,
            Phase::Charging => 14,
            Phase::Driving if s.onboard.is_empty() => 1,
            Phase::Driving => 2,
            Phase::Dwelling { .. } => 3,
            Phase::Blocked => 4,
            Phase::PullingOut => 9,
        };
        let speed_cms = (s.speed_mps * 100.0).round().clamp(0.0, f64::from(u16::MAX)) as u16;
        recorder.states.push(EntityState {
            x_cm: quantize(at.x),
            y_cm: quantize(at.y),
            z_cm: 0,
            heading: heading_code(heading),
            speed_cms,
            status,
        });
    }
    for &e in &roster.drones.0 {
        let s = drone_states.get(e).expect("roster entities are drones");
        let status = match s.phase {
            DronePhase::Ready => 5,
            DronePhase::Outbound => 6,
            DronePhase::Dropping { .. } => 7,
            DronePhase::Returning => 8,
        };
        let speed = (s.vel[0].hypot(s.vel[1])).hypot(s.vel[2]);
        let speed_cms = (speed * 100.0).round().clamp(0.0, f64::from(u16::MAX)) as u16;
        let [x, y, z] = s.pos;
        recorder.states.push(EntityState {
            x_cm: quantize(x),
            y_cm: quantize(y),
            z_cm: quantize(z),
            heading: heading_code(s.heading()),
            speed_cms,
            status,
        });
    }
    for &e in &roster.cars.0 {
        let s = taxi_states.get(e).expect("roster entities are cars");
        let status = match s.phase {
            Phase::Idle => 10,
            Phase::PullingOut => 9,
            _ => 13,
        };
        let speed_cms = (s.speed_mps * 100.0).round().clamp(0.0, f64::from(u16::MAX)) as u16;
        recorder.states.push(EntityState {
            x_cm: quantize(s.at.x),
            y_cm: quantize(s.at.y),
            z_cm: 0,
            heading: heading_code(s.heading),
            speed_cms,
            status,
        });
    }
    for &e in &roster.people.0 {
        let s = walkers.get(e).expect("roster entities are pedestrians");
        let status = match s.walk {
            Walk::OffStreet => 10,
            Walk::Waiting { .. } => 11,
            Walk::Crossing { .. } => 12,
        };
        recorder.states.push(EntityState {
            x_cm: quantize(s.at.x),
            y_cm: quantize(s.at.y),
            z_cm: 0,
            heading: heading_code(s.heading),
            speed_cms: (s.speed_mps * 100.0).round() as u16,
            status,
        });
    }
    writer.sample(clock.now_ms, &recorder.states);
}

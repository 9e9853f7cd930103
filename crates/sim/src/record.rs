//! The recorder: samples every entity at the scenario's recording rate and writes every event
//! into the replay.

use bevy::prelude::*;
use pilotzone_replay::{Header, StatusTable, Writer};

use xxhash_rust::xxh3::xxh3_64;

use crate::clock::SimClock;
use crate::demand::Requests;
use crate::drone::DroneState;
use crate::events::EventLog;
use crate::frame::SimFrame;
use crate::residents::PedestrianState;
use crate::roster::Rosters;
use crate::schedule::{SetupSystems, SimSetup, SimStep, SimSystems};
use crate::town::TownMap;
use crate::vehicle::{Phase, TaxiState};
use crate::{ENGINE_VERSION, SimConfig};

/// Keyframe interval of the replay: seeking costs at most this much decoding, ms.
pub const KEYFRAME_MS: u32 = 10_000;

/// The replay being written.
#[derive(Resource, Default)]
pub struct Recorder {
    writer: Option<Writer>,
    events_written: usize,
    record_ms: u64,
    hash_buf: Vec<u8>,
    /// State hash of the last tick recorded.
    pub last_hash: u32,
}

impl Recorder {
    /// Writes what is pending and returns the replay's bytes.
    pub fn finish(&mut self, end_ms: u64) -> Vec<u8> {
        self.writer.take().map(|w| w.finish(end_ms)).unwrap_or_default()
    }

    /// The replay so far (header and closed segments), readable as a replay cut short.
    pub fn written(&self) -> &[u8] {
        self.writer.as_ref().map_or(&[], Writer::written)
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
pub fn start_recording(config: Res<SimConfig>, frame: Res<SimFrame>, mut recorder: ResMut<Recorder>) {
    let s = &config.loaded.scenario;
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
        status_names: StatusTable::current().names(),
        entities: frame.entities.clone(),
    };
    recorder.record_ms = u64::from(s.run.record_ms);
    recorder.writer = Some(Writer::new(&header));
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

/// Records events as they come, every tick's state hash, and the frame at the recording rate.
pub fn record_sample(
    clock: Res<SimClock>,
    town: Res<TownMap>,
    roster: Rosters,
    taxi_states: Query<&TaxiState>,
    drone_states: Query<&DroneState>,
    walkers: Query<&PedestrianState>,
    requests: Res<Requests>,
    log: Res<EventLog>,
    frame: Res<SimFrame>,
    mut recorder: ResMut<Recorder>,
) {
    let recorder = &mut *recorder;
    let Some(writer) = recorder.writer.as_mut() else { return };
    for e in &log.events[recorder.events_written..] {
        writer.event(e.to_replay(&town.scenario.rules));
    }
    recorder.events_written = log.events.len();
    recorder.last_hash = state_hash(&mut recorder.hash_buf, &roster, &taxi_states, &drone_states, &walkers, &requests);
    writer.tick(clock.now_ms, recorder.last_hash);
    if clock.every(recorder.record_ms) {
        // The frame is captured on the same clock, at least as often as samples are recorded.
        debug_assert_eq!(frame.frame.t_ms, clock.now_ms, "the frame is this tick's");
        writer.sample(clock.now_ms, &frame.frame.states);
    }
}

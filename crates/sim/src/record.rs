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
    hash_input: HashInput,
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

/// The state hash's input: every vehicle's and drone's exact state and the demand drawn so
/// far, laid out in roster order (taxis, residents' cars, drones, people) at fixed sizes. It
/// is kept between ticks and only the parts of entities changed since the last tick are
/// written again: at city scale most vehicles stand parked for hours.
#[derive(Debug, Default)]
struct HashInput {
    buf: Vec<u8>,
    /// Byte offset of each entity's part, by entity index; `u32::MAX` for none.
    at: Vec<u32>,
}

const VEHICLE_BYTES: usize = 48;
const DRONE_BYTES: usize = 40;
const PERSON_BYTES: usize = 24;
const DEMAND_BYTES: usize = 16;

fn put(out: &mut [u8], values: impl IntoIterator<Item = u64>) {
    for (chunk, v) in out.chunks_exact_mut(8).zip(values) {
        chunk.copy_from_slice(&v.to_le_bytes());
    }
}

fn put_vehicle(out: &mut [u8], s: &TaxiState) {
    let phase = match s.phase {
        Phase::Idle => 0u64,
        Phase::PullingOut => 1,
        Phase::Driving => 2,
        Phase::Dwelling { until_ms } => 3 ^ (until_ms << 4),
        Phase::Blocked => 4,
        Phase::Charging => 5,
    };
    let arc = u64::from(s.arc.unwrap_or(u32::MAX));
    let queued = s.stops.len() as u64 | (s.onboard.len() as u64) << 32;
    put(out, [phase, arc, s.offset_m.to_bits(), s.speed_mps.to_bits(), s.energy_kwh.to_bits(), queued]);
}

fn put_drone(out: &mut [u8], s: &DroneState) {
    let [x, y, z] = s.pos.map(f64::to_bits);
    put(out, [x, y, z, s.energy_wh.to_bits(), s.next as u64 | u64::from(s.order.is_some()) << 32]);
}

fn put_person(out: &mut [u8], s: &PedestrianState) {
    put(out, [s.at.x.to_bits(), s.at.y.to_bits(), u64::from(s.in_street()) | u64::from(s.on_road()) << 1]);
}

/// An entity's part of the hash input, if it has one: entities outside the rosters have none.
fn part<'b>(at: &[u32], buf: &'b mut [u8], e: Entity, bytes: usize) -> Option<&'b mut [u8]> {
    let i = *at.get(e.index_u32() as usize)?;
    (i != u32::MAX).then(|| &mut buf[i as usize..i as usize + bytes])
}

/// What the state hash covers.
#[derive(bevy::ecs::system::SystemParam)]
pub struct Hashed<'w, 's> {
    /// Every roster, in the hash's order.
    roster: Rosters<'w>,
    /// Taxis and residents' cars.
    vehicles: Query<'w, 's, (Entity, Ref<'static, TaxiState>)>,
    /// Drones.
    drones: Query<'w, 's, (Entity, Ref<'static, DroneState>)>,
    /// People.
    people: Query<'w, 's, (Entity, Ref<'static, PedestrianState>)>,
    /// The demand drawn so far.
    requests: Res<'w, Requests>,
}

impl HashInput {
    /// Lays every entity's part out afresh.
    fn lay_out(&mut self, h: &Hashed) {
        let r = &h.roster;
        let parts = r.taxis.0.iter().chain(&r.cars.0).map(|&e| (e, VEHICLE_BYTES));
        let parts = parts.chain(r.drones.0.iter().map(|&e| (e, DRONE_BYTES)));
        let parts = parts.chain(r.people.0.iter().map(|&e| (e, PERSON_BYTES)));
        self.at.clear();
        let mut len = 0;
        for (e, bytes) in parts {
            let i = e.index_u32() as usize;
            if self.at.len() <= i {
                self.at.resize(i + 1, u32::MAX);
            }
            self.at[i] = u32::try_from(len).expect("the state hash's input stays under 4 GB");
            len += bytes;
        }
        self.buf.clear();
        self.buf.resize(len + DEMAND_BYTES, 0);
        self.rewrite(h, true);
    }

    /// Writes the parts of the entities changed since the system last ran (of all if `every`),
    /// and the demand drawn so far.
    fn rewrite(&mut self, h: &Hashed, every: bool) {
        let (at, buf) = (&self.at, &mut self.buf);
        for (e, s) in h.vehicles.iter().filter(|(_, s)| every || s.is_changed()) {
            if let Some(out) = part(at, buf, e, VEHICLE_BYTES) {
                put_vehicle(out, &s);
            }
        }
        for (e, s) in h.drones.iter().filter(|(_, s)| every || s.is_changed()) {
            if let Some(out) = part(at, buf, e, DRONE_BYTES) {
                put_drone(out, &s);
            }
        }
        for (e, s) in h.people.iter().filter(|(_, s)| every || s.is_changed()) {
            if let Some(out) = part(at, buf, e, PERSON_BYTES) {
                put_person(out, &s);
            }
        }
        let tail = buf.len() - DEMAND_BYTES;
        put(&mut buf[tail..], [h.requests.rides.len() as u64, h.requests.parcels.len() as u64]);
    }

    /// Hash of the simulation state after a tick. `pilotzone verify` compares these tick by
    /// tick.
    fn hash(&mut self, h: &Hashed) -> u32 {
        let r = &h.roster;
        if self.buf.is_empty()
            || r.taxis.is_changed()
            || r.cars.is_changed()
            || r.drones.is_changed()
            || r.people.is_changed()
        {
            self.lay_out(h);
        } else {
            self.rewrite(h, false);
        }
        #[cfg(debug_assertions)]
        {
            let mut fresh = Self::default();
            fresh.lay_out(h);
            debug_assert!(fresh.buf == self.buf, "an entity's state changed where it was not marked changed");
        }
        xxh3_64(&self.buf) as u32
    }
}

/// Records events as they come, every tick's state hash, and the frame at the recording rate.
pub fn record_sample(
    clock: Res<SimClock>,
    town: Res<TownMap>,
    hashed: Hashed,
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
    recorder.last_hash = recorder.hash_input.hash(&hashed);
    writer.tick(clock.now_ms, recorder.last_hash);
    if clock.every(recorder.record_ms) {
        // The frame is captured on the same clock, at least as often as samples are recorded.
        debug_assert_eq!(frame.frame.t_ms, clock.now_ms, "the frame is this tick's");
        writer.sample(clock.now_ms, &frame.frame.states);
    }
}

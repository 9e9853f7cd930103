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
use crate::worker::{Handed, Worker};
use crate::{ENGINE_VERSION, SimConfig};

/// Keyframe interval of the replay: seeking costs at most this much decoding, ms.
pub const KEYFRAME_MS: u32 = 10_000;

/// Bytes of state hash input from which hashing it goes to the worker thread: a city's
/// (about a megabyte) takes tens of microseconds, hidden behind the next tick; a town's few
/// kilobytes take less than handing them over.
pub const HAND_OVER_FROM_BYTES: usize = 256 * 1024;

/// The replay being written.
#[derive(Resource)]
pub struct Recorder {
    writer: Option<Writer>,
    events_written: usize,
    record_ms: u64,
    /// The state hash's input, here unless it is being hashed on the worker thread.
    hash_input: Option<HashInput>,
    /// The tick (its end) whose input the worker thread is hashing, and its hash to take back.
    hashing: Option<(u64, Handed<(HashInput, u32)>)>,
    /// State hash of the last tick recorded.
    last_hash: u32,
    /// Bytes of hash input from which hashing goes to the worker thread
    /// ([`HAND_OVER_FROM_BYTES`] unless a test, showing that where it hashes changes nothing,
    /// sets another).
    pub hand_over_from: usize,
    /// Ticks whose hash was computed on the worker so far.
    handed_over: u64,
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder {
            writer: None,
            events_written: 0,
            record_ms: 0,
            hash_input: Some(HashInput::default()),
            hashing: None,
            last_hash: 0,
            hand_over_from: HAND_OVER_FROM_BYTES,
            handed_over: 0,
        }
    }
}

impl Recorder {
    /// Takes back the last tick's hash if it is being computed on the worker, and records it.
    /// Its place in the replay is the same whenever it is recorded: a segment keeps its ticks'
    /// hashes apart from its events and samples.
    fn settle(&mut self) -> &mut HashInput {
        if let Some((t_ms, handed)) = self.hashing.take() {
            let (input, hash) = handed.take();
            if let Some(writer) = self.writer.as_mut() {
                writer.tick(t_ms, hash);
            }
            self.last_hash = hash;
            self.hash_input = Some(input);
        }
        self.hash_input.as_mut().expect("the hash input is here once the worker's hash is taken back")
    }

    /// State hash of the last tick recorded.
    pub fn last_hash(&mut self) -> u32 {
        self.settle();
        self.last_hash
    }

    /// Ticks whose state hash was computed on the worker thread so far.
    pub fn hashes_handed_over(&self) -> u64 {
        self.handed_over
    }

    /// How many times the state hash's input was laid out afresh, every entity written: once,
    /// and again whenever a roster changes; every other tick writes only what changed.
    pub fn hash_layouts(&mut self) -> u64 {
        self.settle().layouts
    }

    /// Writes what is pending and returns the replay's bytes.
    pub fn finish(&mut self, end_ms: u64) -> Vec<u8> {
        self.settle();
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
    /// The hash of `buf` as it was last hashed: a tick at which nothing changed (a city's night)
    /// has the same input, and so the same hash.
    last: Option<u32>,
    /// How many times every entity's part was written afresh ([`HashInput::lay_out`]).
    layouts: u64,
    /// How many times `buf` was hashed.
    #[cfg(test)]
    hashed: u64,
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
        self.layouts += 1;
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
    /// and the demand drawn so far; returns whether it wrote anything (it may have written what
    /// was there before).
    fn rewrite(&mut self, h: &Hashed, every: bool) -> bool {
        let (at, buf) = (&self.at, &mut self.buf);
        let mut wrote = false;
        // Driven from inside (`for_each`): each query runs its own loop over its tables.
        h.vehicles.iter().filter(|(_, s)| every || s.is_changed()).for_each(|(e, s)| {
            if let Some(out) = part(at, buf, e, VEHICLE_BYTES) {
                put_vehicle(out, &s);
                wrote = true;
            }
        });
        h.drones.iter().filter(|(_, s)| every || s.is_changed()).for_each(|(e, s)| {
            if let Some(out) = part(at, buf, e, DRONE_BYTES) {
                put_drone(out, &s);
                wrote = true;
            }
        });
        h.people.iter().filter(|(_, s)| every || s.is_changed()).for_each(|(e, s)| {
            if let Some(out) = part(at, buf, e, PERSON_BYTES) {
                put_person(out, &s);
                wrote = true;
            }
        });
        let tail = buf.len() - DEMAND_BYTES;
        let mut demand = [0; DEMAND_BYTES];
        put(&mut demand, [h.requests.rides.len() as u64, h.requests.parcels.len() as u64]);
        if buf[tail..] != demand {
            buf[tail..].copy_from_slice(&demand);
            wrote = true;
        }
        wrote
    }

    /// Hash of the simulation state after a tick. `pilotzone verify` compares these tick by
    /// tick.
    #[cfg(test)]
    fn hash(&mut self, h: &Hashed) -> u32 {
        self.update(h).unwrap_or_else(|| self.hash_now())
    }

    /// Writes the parts changed since the last tick; the hash of the tick before if nothing was
    /// written, which is then this tick's too, or none if the input must be hashed afresh
    /// ([`HashInput::hash_now`]).
    fn update(&mut self, h: &Hashed) -> Option<u32> {
        let r = &h.roster;
        let same = if self.buf.is_empty()
            || r.taxis.is_changed()
            || r.cars.is_changed()
            || r.drones.is_changed()
            || r.people.is_changed()
        {
            self.lay_out(h);
            false
        } else {
            !self.rewrite(h, false)
        };
        #[cfg(debug_assertions)]
        {
            let mut fresh = Self::default();
            fresh.lay_out(h);
            debug_assert!(fresh.buf == self.buf, "an entity's state changed where it was not marked changed");
            debug_assert!(
                !same || self.last == Some(xxh3_64(&self.buf) as u32),
                "an input nothing was written to hashes as before"
            );
        }
        self.last.filter(|_| same)
    }

    /// Hashes the input as it is.
    fn hash_now(&mut self) -> u32 {
        #[cfg(test)]
        {
            self.hashed += 1;
        }
        *self.last.insert(xxh3_64(&self.buf) as u32)
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
    mut worker: ResMut<Worker>,
) {
    let recorder = &mut *recorder;
    if recorder.writer.is_none() {
        return;
    }
    let input = recorder.settle();
    let unchanged = input.update(&hashed);
    let handed = unchanged.is_none() && input.buf.len() >= recorder.hand_over_from;
    let writer = recorder.writer.as_mut().expect("recording");
    for e in &log.events[recorder.events_written..] {
        writer.event(e.to_replay(&town.scenario.rules));
    }
    recorder.events_written = log.events.len();
    let mut input = recorder.hash_input.take().expect("settled above");
    if handed {
        // Hashed while the next tick goes on, and recorded when it is taken back.
        let job = worker.hand_over(move || {
            let hash = input.hash_now();
            (input, hash)
        });
        recorder.hashing = Some((clock.now_ms, job));
        recorder.handed_over += 1;
    } else {
        recorder.last_hash = unchanged.unwrap_or_else(|| input.hash_now());
        recorder.hash_input = Some(input);
        writer.tick(clock.now_ms, recorder.last_hash);
    }
    if clock.every(recorder.record_ms) {
        // The frame is captured on the same clock, at least as often as samples are recorded.
        debug_assert_eq!(frame.frame.t_ms, clock.now_ms, "the frame is this tick's");
        writer.sample(clock.now_ms, &frame.frame.states);
    }
}

#[cfg(test)]
mod tests {
    use pilotzone_routing::Vec2;

    use super::*;
    use crate::roster::{CarRoster, DroneRoster, PedestrianRoster, TaxiRoster};

    /// A tick at which nothing changed (a city's night) keeps the hash of the tick before without
    /// going over the input again; a vehicle that moved changes it, and so does a parcel ordered;
    /// a vehicle borrowed for writing but left as it was is hashed again, to the same value.
    #[test]
    fn a_tick_where_nothing_changed_keeps_the_hash_and_a_change_makes_a_new_one() {
        let mut world = World::new();
        let taxis: Vec<Entity> =
            (0..3).map(|k| world.spawn(TaxiState::parked(k, Vec2::new(f64::from(k), 0.0))).id()).collect();
        world.insert_resource(TaxiRoster(taxis.clone()));
        world.insert_resource(CarRoster::default());
        world.insert_resource(DroneRoster::default());
        world.insert_resource(PedestrianRoster::default());
        world.insert_resource(Requests::default());
        // The hash, the hash of the input as it now is, and how many times it was hashed.
        let mut system = IntoSystem::into_system(|h: Hashed, mut input: Local<HashInput>| {
            let hash = input.hash(&h);
            (hash, xxh3_64(&input.buf) as u32, input.hashed)
        });
        system.initialize(&mut world);
        let mut tick = |world: &mut World| system.run((), world).expect("the system runs");
        let (first, fresh, hashed) = tick(&mut world);
        assert_eq!((first, fresh, hashed), (fresh, first, 1));
        assert_eq!(tick(&mut world), (first, first, 1), "nothing changed: kept, not hashed again");
        world.get_mut::<TaxiState>(taxis[1]).expect("a taxi").offset_m = 12.5;
        let (moved, fresh, hashed) = tick(&mut world);
        assert!(moved != first && moved == fresh && hashed == 2, "a vehicle that moved changes the hash");
        world.get_mut::<TaxiState>(taxis[2]).expect("a taxi").set_changed();
        assert_eq!(tick(&mut world), (moved, moved, 3), "written again as it was: hashed again");
        assert_eq!(tick(&mut world), (moved, moved, 3));
        // A parcel ordered is part of the state, though no entity changed.
        world.resource_mut::<Requests>().parcels.push(crate::demand::ParcelOrder {
            id: 0,
            flow: 0,
            t_ms: 0,
            from: 0,
            to: 1,
            weight_kg: 1.0,
            latest_launch_ms: 60_000,
            status: crate::demand::OrderStatus::Open,
            launched_ms: None,
            delivered_ms: None,
        });
        let (ordered, fresh, hashed) = tick(&mut world);
        assert!(ordered != moved && ordered == fresh && hashed == 4, "an order changes the hash");
    }
}

//! The pilotzone replay file (`.pzr`): what happened in a run, sample by sample and event by
//! event, with enough of the inputs (scenario text, seed) to re-simulate and verify it.
//!
//! Layout: the magic `PZREPLAY`, a `u16` format version, then chunks. A chunk is
//! `kind: u8, len: u32, payload: [u8; len], crc32(kind, len, payload): u32`, little-endian.
//! The first chunk is the header; then sample and event chunks in time order; the last is an
//! end chunk. A damaged or truncated file reads up to its last good chunk and says where it
//! stopped.

mod codec;

use std::fmt;

pub use codec::{Dec, Enc};

/// First bytes of every replay.
pub const MAGIC: &[u8; 8] = b"PZREPLAY";
/// Format version this build writes and the newest it reads.
pub const FORMAT_VERSION: u16 = 1;
/// Largest chunk payload accepted when reading, in bytes.
pub const MAX_CHUNK_BYTES: u32 = 256 << 20;

const CHUNK_HEADER: u8 = 1;
const CHUNK_SAMPLES: u8 = 2;
const CHUNK_EVENTS: u8 = 3;
const CHUNK_END: u8 = 4;

/// What kind of agent an entity is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EntityKind {
    /// A road vehicle.
    Taxi,
    /// A drone.
    Drone,
}

impl EntityKind {
    fn code(self) -> u8 {
        match self {
            EntityKind::Taxi => 0,
            EntityKind::Drone => 1,
        }
    }

    fn from_code(code: u8) -> Result<Self, ReadError> {
        match code {
            0 => Ok(EntityKind::Taxi),
            1 => Ok(EntityKind::Drone),
            _ => Err(ReadError::Corrupt(format!("unknown entity kind {code}"))),
        }
    }
}

/// An entity that appears in the samples.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntityInfo {
    /// Stable id, unique in the run.
    pub id: u32,
    /// Taxi or drone.
    pub kind: EntityKind,
    /// Fleet name.
    pub fleet: String,
}

/// Everything needed to interpret, and to re-run, a replay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// Version of the engine that wrote it.
    pub engine_version: String,
    /// Scenario name.
    pub scenario_name: String,
    /// The scenario text as simulated.
    pub scenario_text: String,
    /// xxh3-64 of `scenario_text`.
    pub scenario_hash: u64,
    /// Root seed.
    pub seed: u64,
    /// Simulation tick in milliseconds.
    pub tick_ms: u32,
    /// Interval between samples in milliseconds.
    pub record_ms: u32,
    /// Time of day at the start of the run, in seconds after midnight.
    pub start_time_of_day_s: u32,
    /// Names of the status codes used in samples, indexed by code.
    pub status_names: Vec<String>,
    /// The entities, in the order every sample lists them.
    pub entities: Vec<EntityInfo>,
}

/// State of one entity at one sample time, quantized.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EntityState {
    /// Easting in centimetres.
    pub x_cm: i32,
    /// Northing in centimetres.
    pub y_cm: i32,
    /// Height in centimetres.
    pub z_cm: i32,
    /// Heading, counter-clockwise from east, in 1/65536 turns.
    pub heading: u16,
    /// Speed in cm/s.
    pub speed_cms: u16,
    /// Status code, named by [`Header::status_names`].
    pub status: u8,
}

const STATE_BYTES: usize = 17;

impl EntityState {
    fn encode(&self, e: &mut Enc) {
        e.i32(self.x_cm);
        e.i32(self.y_cm);
        e.i32(self.z_cm);
        e.u16(self.heading);
        e.u16(self.speed_cms);
        e.u8(self.status);
    }

    fn decode(d: &mut Dec<'_>) -> Result<Self, ReadError> {
        Ok(Self {
            x_cm: d.i32()?,
            y_cm: d.i32()?,
            z_cm: d.i32()?,
            heading: d.u16()?,
            speed_cms: d.u16()?,
            status: d.u8()?,
        })
    }
}

/// All entities at one time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sample {
    /// Simulated milliseconds since the start of the run.
    pub t_ms: u64,
    /// One state per entity, in header order.
    pub states: Vec<EntityState>,
}

/// Something that happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Simulated milliseconds since the start of the run.
    pub t_ms: u64,
    /// What happened (`request`, `pickup`, `collision`, ...).
    pub kind: String,
    /// The entity or request it concerns.
    pub entity: u32,
    /// Where, in centimetres.
    pub at_cm: [i32; 3],
    /// Free text for people.
    pub detail: String,
}

/// A damaged, foreign or newer file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// Not a replay at all.
    #[error("not a pilotzone replay (the file does not start with PZREPLAY)")]
    NotAReplay,
    /// Written by a newer pilotzone.
    #[error("replay format version {found} is newer than this build reads ({supported}); upgrade pilotzone")]
    NewerVersion {
        /// Version in the file.
        found: u16,
        /// Newest version this build reads.
        supported: u16,
    },
    /// The header chunk is missing or damaged, so nothing can be shown.
    #[error("the replay header is unreadable: {0}")]
    BadHeader(String),
    /// Bytes inside a chunk do not decode.
    #[error("{0}")]
    Corrupt(String),
}

/// Builds a replay in memory.
#[derive(Debug)]
pub struct Writer {
    out: Vec<u8>,
    entity_count: usize,
    pending_samples: Enc,
    pending_sample_count: u32,
    samples_per_chunk: u32,
    pending_events: Vec<Event>,
    last_t_ms: u64,
}

impl Writer {
    /// Starts a replay with its header; samples are grouped `samples_per_chunk` to a chunk.
    pub fn new(header: &Header, samples_per_chunk: u32) -> Self {
        let mut out = Vec::with_capacity(1 << 16);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        let mut e = Enc::default();
        for s in [&header.engine_version, &header.scenario_name, &header.scenario_text] {
            e.str(s);
        }
        e.u64(header.scenario_hash);
        e.u64(header.seed);
        e.u32(header.tick_ms);
        e.u32(header.record_ms);
        e.u32(header.start_time_of_day_s);
        e.u32(header.status_names.len() as u32);
        header.status_names.iter().for_each(|s| e.str(s));
        e.u32(header.entities.len() as u32);
        for ent in &header.entities {
            e.u32(ent.id);
            e.u8(ent.kind.code());
            e.str(&ent.fleet);
        }
        push_chunk(&mut out, CHUNK_HEADER, &e.buf);
        Self {
            out,
            entity_count: header.entities.len(),
            pending_samples: Enc::default(),
            pending_sample_count: 0,
            samples_per_chunk: samples_per_chunk.max(1),
            pending_events: Vec::new(),
            last_t_ms: 0,
        }
    }

    /// Records every entity's state at `t_ms`; `states` follows the header's entity order.
    pub fn sample(&mut self, t_ms: u64, states: &[EntityState]) {
        assert_eq!(states.len(), self.entity_count, "a sample lists every entity of the header");
        self.last_t_ms = self.last_t_ms.max(t_ms);
        self.pending_samples.u64(t_ms);
        states.iter().for_each(|s| s.encode(&mut self.pending_samples));
        self.pending_sample_count += 1;
        if self.pending_sample_count == self.samples_per_chunk {
            self.flush();
        }
    }

    /// Records an event; events are written with the samples of the same period.
    pub fn event(&mut self, event: Event) {
        self.last_t_ms = self.last_t_ms.max(event.t_ms);
        self.pending_events.push(event);
    }

    fn flush(&mut self) {
        if !self.pending_events.is_empty() {
            let mut e = Enc::default();
            e.u32(self.pending_events.len() as u32);
            for ev in self.pending_events.drain(..) {
                e.u64(ev.t_ms);
                e.str(&ev.kind);
                e.u32(ev.entity);
                ev.at_cm.iter().for_each(|&c| e.i32(c));
                e.str(&ev.detail);
            }
            push_chunk(&mut self.out, CHUNK_EVENTS, &e.buf);
        }
        if self.pending_sample_count > 0 {
            let mut e = Enc::default();
            e.u32(self.pending_sample_count);
            e.buf.extend_from_slice(&self.pending_samples.buf);
            push_chunk(&mut self.out, CHUNK_SAMPLES, &e.buf);
            self.pending_samples.buf.clear();
            self.pending_sample_count = 0;
        }
    }

    /// Closes the replay at `end_t_ms` and returns its bytes.
    pub fn finish(mut self, end_t_ms: u64) -> Vec<u8> {
        self.flush();
        let mut e = Enc::default();
        e.u64(end_t_ms.max(self.last_t_ms));
        push_chunk(&mut self.out, CHUNK_END, &e.buf);
        self.out
    }
}

fn push_chunk(out: &mut Vec<u8>, kind: u8, payload: &[u8]) {
    let start = out.len();
    out.push(kind);
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(payload);
    let crc = crc32fast::hash(&out[start..]);
    out.extend_from_slice(&crc.to_le_bytes());
}

/// A replay read into memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replay {
    /// The header.
    pub header: Header,
    /// Samples in time order.
    pub samples: Vec<Sample>,
    /// Events in time order.
    pub events: Vec<Event>,
    /// End of the run in simulated milliseconds; absent when the end chunk is missing.
    pub end_t_ms: Option<u64>,
    /// Why reading stopped early, if it did (the data before that point is intact).
    pub damage: Option<String>,
}

impl Replay {
    /// Reads a replay. Damage after the header is reported in [`Replay::damage`], not as an error.
    pub fn read(bytes: &[u8]) -> Result<Self, ReadError> {
        if bytes.len() < 10 || &bytes[..8] != MAGIC {
            return Err(ReadError::NotAReplay);
        }
        let version = u16::from_le_bytes([bytes[8], bytes[9]]);
        if version > FORMAT_VERSION {
            return Err(ReadError::NewerVersion { found: version, supported: FORMAT_VERSION });
        }
        let mut at = 10;
        let (kind, payload) = next_chunk(bytes, &mut at).map_err(|e| ReadError::BadHeader(e.to_string()))?;
        if kind != CHUNK_HEADER {
            return Err(ReadError::BadHeader(format!("first chunk has kind {kind}, expected the header")));
        }
        let header = decode_header(payload).map_err(|e| ReadError::BadHeader(e.to_string()))?;
        let mut replay = Replay { header, samples: Vec::new(), events: Vec::new(), end_t_ms: None, damage: None };
        while at < bytes.len() {
            let chunk_start = at;
            let result = next_chunk(bytes, &mut at).and_then(|(kind, payload)| replay.decode_chunk(kind, payload));
            if let Err(e) = result {
                let last = replay.samples.last().map_or(0, |s| s.t_ms);
                replay.damage = Some(format!(
                    "damaged at byte {chunk_start} of {}: {e}; showing the first {:.1} s",
                    bytes.len(),
                    last as f64 / 1000.0
                ));
                return Ok(replay);
            }
            if replay.end_t_ms.is_some() {
                break;
            }
        }
        if replay.end_t_ms.is_none() {
            let last = replay.samples.last().map_or(0, |s| s.t_ms);
            replay.damage = Some(format!(
                "the file ends without its end chunk (truncated?); showing the first {:.1} s",
                last as f64 / 1000.0
            ));
        }
        Ok(replay)
    }

    fn decode_chunk(&mut self, kind: u8, payload: &[u8]) -> Result<(), ReadError> {
        let mut d = Dec::new(payload);
        match kind {
            CHUNK_SAMPLES => {
                let per_sample = 8 + STATE_BYTES * self.header.entities.len();
                let n = d.count(per_sample)?;
                let mut decoded = Vec::with_capacity(n);
                for _ in 0..n {
                    let t_ms = d.u64()?;
                    let states = (0..self.header.entities.len())
                        .map(|_| EntityState::decode(&mut d))
                        .collect::<Result<_, _>>()?;
                    decoded.push(Sample { t_ms, states });
                }
                self.samples.extend(decoded);
            }
            CHUNK_EVENTS => {
                let n = d.count(8 + 4 + 4 + 12 + 4)?;
                let mut decoded = Vec::with_capacity(n);
                for _ in 0..n {
                    let t_ms = d.u64()?;
                    let kind = d.str()?;
                    let entity = d.u32()?;
                    let at_cm = [d.i32()?, d.i32()?, d.i32()?];
                    let detail = d.str()?;
                    decoded.push(Event { t_ms, kind, entity, at_cm, detail });
                }
                self.events.extend(decoded);
            }
            CHUNK_END => self.end_t_ms = Some(d.u64()?),
            other => return Err(ReadError::Corrupt(format!("unknown chunk kind {other}"))),
        }
        Ok(())
    }

    /// Duration covered, in simulated milliseconds.
    pub fn duration_ms(&self) -> u64 {
        self.end_t_ms.unwrap_or_else(|| self.samples.last().map_or(0, |s| s.t_ms))
    }

    /// The last sample at or before `t_ms`.
    pub fn sample_at(&self, t_ms: u64) -> Option<&Sample> {
        let i = self.samples.partition_point(|s| s.t_ms <= t_ms);
        i.checked_sub(1).map(|i| &self.samples[i])
    }

    /// Events with `t0_ms <= t < t1_ms`.
    pub fn events_between(&self, t0_ms: u64, t1_ms: u64) -> &[Event] {
        let a = self.events.partition_point(|e| e.t_ms < t0_ms);
        let b = self.events.partition_point(|e| e.t_ms < t1_ms);
        &self.events[a..b.max(a)]
    }
}

fn next_chunk<'a>(bytes: &'a [u8], at: &mut usize) -> Result<(u8, &'a [u8]), ReadError> {
    let rest = &bytes[*at..];
    if rest.len() < 5 {
        return Err(ReadError::Corrupt("chunk header cut short".into()));
    }
    let kind = rest[0];
    let len = u32::from_le_bytes([rest[1], rest[2], rest[3], rest[4]]);
    if len > MAX_CHUNK_BYTES {
        return Err(ReadError::Corrupt(format!("chunk claims {len} bytes, more than the {MAX_CHUNK_BYTES} allowed")));
    }
    let total = 5 + len as usize + 4;
    if rest.len() < total {
        return Err(ReadError::Corrupt(format!(
            "chunk of {len} bytes cut short after {} bytes",
            rest.len().saturating_sub(5)
        )));
    }
    let stored = u32::from_le_bytes([rest[total - 4], rest[total - 3], rest[total - 2], rest[total - 1]]);
    if crc32fast::hash(&rest[..total - 4]) != stored {
        return Err(ReadError::Corrupt("chunk checksum does not match".into()));
    }
    *at += total;
    Ok((kind, &rest[5..total - 4]))
}

fn decode_header(payload: &[u8]) -> Result<Header, ReadError> {
    let mut d = Dec::new(payload);
    let engine_version = d.str()?;
    let scenario_name = d.str()?;
    let scenario_text = d.str()?;
    let scenario_hash = d.u64()?;
    let seed = d.u64()?;
    let tick_ms = d.u32()?;
    let record_ms = d.u32()?;
    let start_time_of_day_s = d.u32()?;
    let n = d.count(4)?;
    let status_names = (0..n).map(|_| d.str()).collect::<Result<_, _>>()?;
    let n = d.count(9)?;
    let entities = (0..n)
        .map(|_| Ok(EntityInfo { id: d.u32()?, kind: EntityKind::from_code(d.u8()?)?, fleet: d.str()? }))
        .collect::<Result<_, ReadError>>()?;
    Ok(Header {
        engine_version,
        scenario_name,
        scenario_text,
        scenario_hash,
        seed,
        tick_ms,
        record_ms,
        start_time_of_day_s,
        status_names,
        entities,
    })
}

/// The replay hash: xxh3-64 over the file's bytes, shown as 16 hex digits.
pub fn replay_hash(bytes: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(bytes)
}

/// Hex form of a hash.
pub struct Hex(pub u64);

impl fmt::Display for Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

#[cfg(test)]
mod tests;

//! The pilotzone replay file (`.pzr`): what happened in a run, sample by sample and event by
//! event, with enough of the inputs (scenario text, seed) to re-simulate and verify it.
//!
//! Layout: the magic `PZREPLAY`, a `u16` format version, then chunks. A chunk is
//! `kind: u8, len: u32, payload: [u8; len], crc32(kind, len, payload): u32`, little-endian.
//! The first chunk is the header. Then, for every keyframe interval, an events chunk (if any
//! events) and a segment chunk: a keyframe, predictive residuals for the samples after it, and
//! a 32-bit state hash for every simulation tick. Then an end chunk, an index chunk listing
//! where each segment starts, and a 16-byte trailer (`PZRINDEX` and the index's offset) so a
//! reader can seek without scanning. A damaged or truncated file reads up to its last good
//! chunk and says where it stopped.

mod codec;
mod cursor;
pub mod fcd;
mod reader;
mod segment;
pub mod vocab;
mod writer;

use std::fmt;

pub use codec::{Dec, Enc};
pub use cursor::{Cursor, CursorStats, Frame};
pub use reader::{Replay, SegmentInfo};
pub use vocab::{EntityKind, EventKind, IncidentClass, Lang, Names, Severity, Status, StatusTable, UnknownWord};
pub use writer::Writer;

/// First bytes of every replay.
pub const MAGIC: &[u8; 8] = b"PZREPLAY";
/// Format version this build writes and the newest it reads.
pub const FORMAT_VERSION: u16 = 2;
/// Oldest format version this build reads (version 1 events carry no incident fields).
pub const OLDEST_VERSION: u16 = 1;
/// Largest chunk payload accepted when reading, in bytes.
pub const MAX_CHUNK_BYTES: u32 = 256 << 20;

/// Magic of the trailer that points at the index.
pub const TRAILER_MAGIC: &[u8; 8] = b"PZRINDEX";

const CHUNK_HEADER: u8 = 1;
const CHUNK_SEGMENT: u8 = 2;
const CHUNK_EVENTS: u8 = 3;
const CHUNK_END: u8 = 4;
const CHUNK_INDEX: u8 = 5;

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
    /// Keyframe interval: each segment covers this many milliseconds.
    pub segment_ms: u32,
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

impl EntityState {
    /// Position in metres.
    pub fn position_m(&self) -> [f64; 3] {
        [self.x_cm, self.y_cm, self.z_cm].map(|c| f64::from(c) / 100.0)
    }

    /// Heading in radians, counter-clockwise from east.
    pub fn heading_rad(&self) -> f64 {
        f64::from(self.heading) / 65536.0 * std::f64::consts::TAU
    }

    /// Speed in m/s.
    pub fn speed_mps(&self) -> f64 {
        f64::from(self.speed_cms) / 100.0
    }

    /// The state a fraction `k` (0 to 1) of the way from `self` to `next`: positions, heading
    /// (the shorter way round) and speed interpolated, status kept from `self`.
    pub fn lerp(&self, next: &EntityState, k: f64) -> EntityState {
        let mix = |a: i32, b: i32| (f64::from(a) + (f64::from(b) - f64::from(a)) * k).round() as i32;
        let turn = f64::from(next.heading.wrapping_sub(self.heading) as i16);
        EntityState {
            x_cm: mix(self.x_cm, next.x_cm),
            y_cm: mix(self.y_cm, next.y_cm),
            z_cm: mix(self.z_cm, next.z_cm),
            heading: (f64::from(self.heading) + turn * k).round().rem_euclid(65536.0) as u16,
            speed_cms: mix(i32::from(self.speed_cms), i32::from(next.speed_cms)).clamp(0, i32::from(u16::MAX)) as u16,
            status: self.status,
        }
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
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// Simulated milliseconds since the start of the run.
    pub t_ms: u64,
    /// What happened; the replay carries its key (`request`, `pickup`, `collision`, ...).
    pub kind: EventKind,
    /// The entity or request it concerns.
    pub entity: u32,
    /// Where, in centimetres.
    pub at_cm: [i32; 3],
    /// Free text for people.
    pub detail: String,
    /// For incidents: what was measured against which rule.
    pub incident: Option<IncidentInfo>,
}

/// The measured side of an incident.
#[derive(Clone, Debug, PartialEq)]
pub struct IncidentInfo {
    /// Id of the rule it breaks, empty for a collision (no rule needed).
    pub rule: String,
    /// The other entity involved, if any.
    pub other: Option<u32>,
    /// Measured value (speed, distance, time to collision, ...).
    pub value: f64,
    /// The rule's limit for that value.
    pub limit: f64,
    /// 1 (minor) to 3 (severe).
    pub severity: u8,
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

pub(crate) fn push_chunk(out: &mut Vec<u8>, kind: u8, payload: &[u8]) {
    let start = out.len();
    out.push(kind);
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(payload);
    let crc = crc32fast::hash(&out[start..]);
    out.extend_from_slice(&crc.to_le_bytes());
}

/// Reads the chunk at `*at`, checking its bounds and checksum, and moves `*at` past it.
pub(crate) fn next_chunk<'a>(bytes: &'a [u8], at: &mut usize) -> Result<(u8, &'a [u8]), ReadError> {
    let rest = bytes.get(*at..).unwrap_or_default();
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
    // Fuzzing skips the checksum, so mutated chunks reach the decoders behind it.
    if !cfg!(fuzzing) && crc32fast::hash(&rest[..total - 4]) != stored {
        return Err(ReadError::Corrupt("chunk checksum does not match".into()));
    }
    *at += total;
    Ok((kind, &rest[5..total - 4]))
}

pub(crate) fn encode_header(header: &Header) -> Vec<u8> {
    let mut e = Enc::default();
    e.str(&header.engine_version);
    e.str(&header.scenario_name);
    // Scenario text is mostly coordinates and names: it deflates several times over.
    let packed = segment::pack(header.scenario_text.as_bytes(), 6);
    e.u32(packed.len() as u32);
    e.buf.extend_from_slice(&packed);
    e.u64(header.scenario_hash);
    e.u64(header.seed);
    e.u32(header.tick_ms);
    e.u32(header.record_ms);
    e.u32(header.segment_ms);
    e.u32(header.start_time_of_day_s);
    e.u32(header.status_names.len() as u32);
    header.status_names.iter().for_each(|s| e.str(s));
    e.u32(header.entities.len() as u32);
    for ent in &header.entities {
        e.u32(ent.id);
        e.u8(ent.kind.code());
        e.str(&ent.fleet);
    }
    e.buf
}

pub(crate) fn decode_header(payload: &[u8]) -> Result<Header, ReadError> {
    let mut d = Dec::new(payload);
    let engine_version = d.str()?;
    let scenario_name = d.str()?;
    let packed_len = d.u32()? as usize;
    let scenario_text = String::from_utf8(segment::unpack(d.take(packed_len)?)?)
        .map_err(|_| ReadError::Corrupt("the scenario text is not UTF-8".into()))?;
    let scenario_hash = d.u64()?;
    let seed = d.u64()?;
    let tick_ms = d.u32()?;
    let record_ms = d.u32()?;
    let segment_ms = d.u32()?;
    let start_time_of_day_s = d.u32()?;
    if tick_ms == 0 || record_ms == 0 || segment_ms == 0 {
        return Err(ReadError::Corrupt("tick, record and segment intervals must be above zero".into()));
    }
    let n = d.count(4)?;
    let status_names = (0..n).map(|_| d.str()).collect::<Result<_, _>>()?;
    let n = d.count(9)?;
    let entities = (0..n)
        .map(|_| {
            let id = d.u32()?;
            let code = d.u8()?;
            let kind = EntityKind::from_code(code)
                .ok_or_else(|| ReadError::Corrupt(format!("entity {id} has an unknown kind {code}")))?;
            Ok(EntityInfo { id, kind, fleet: d.str()? })
        })
        .collect::<Result<_, ReadError>>()?;
    Ok(Header {
        engine_version,
        scenario_name,
        scenario_text,
        scenario_hash,
        seed,
        tick_ms,
        record_ms,
        segment_ms,
        start_time_of_day_s,
        status_names,
        entities,
    })
}

pub(crate) fn encode_events(events: &[Event]) -> Vec<u8> {
    segment::pack(&encode_events_raw(events), 6)
}

fn encode_events_raw(events: &[Event]) -> Vec<u8> {
    let mut e = Enc::default();
    e.u32(events.len() as u32);
    for ev in events {
        e.u64(ev.t_ms);
        e.str(ev.kind.key());
        e.u32(ev.entity);
        ev.at_cm.iter().for_each(|&c| e.i32(c));
        e.str(&ev.detail);
        match &ev.incident {
            None => e.u8(0),
            Some(i) => {
                e.u8(1);
                e.str(&i.rule);
                e.u32(i.other.unwrap_or(u32::MAX));
                e.f64(i.value);
                e.f64(i.limit);
                e.u8(i.severity);
            }
        }
    }
    e.buf
}

pub(crate) fn decode_events(payload: &[u8], version: u16) -> Result<Vec<Event>, ReadError> {
    let raw = segment::unpack(payload)?;
    let mut d = Dec::new(&raw);
    let n = d.count(8 + 4 + 4 + 12 + 4)?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let t_ms = d.u64()?;
        let key = d.str()?;
        let kind = EventKind::from_key(&key).ok_or_else(|| {
            ReadError::Corrupt(UnknownWord { what: "event kind", key: key.chars().take(40).collect() }.to_string())
        })?;
        let entity = d.u32()?;
        let at_cm = [d.i32()?, d.i32()?, d.i32()?];
        let detail = d.str()?;
        let incident = if version >= 2 && d.u8()? == 1 {
            let rule = d.str()?;
            let other = Some(d.u32()?).filter(|&o| o != u32::MAX);
            Some(IncidentInfo { rule, other, value: d.f64()?, limit: d.f64()?, severity: d.u8()? })
        } else {
            None
        };
        out.push(Event { t_ms, kind, entity, at_cm, detail, incident });
    }
    Ok(out)
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

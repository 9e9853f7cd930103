//! Reading a replay: open checks every chunk, then samples are decoded one segment at a time,
//! so seeking anywhere costs one keyframe and the residuals up to the requested time.

use crate::codec::Dec;
use crate::{
    CHUNK_END, CHUNK_EVENTS, CHUNK_HEADER, CHUNK_INDEX, CHUNK_SEGMENT, EntityInfo, EntityState, Event, FORMAT_VERSION,
    Header, MAGIC, ReadError, Sample, Status, StatusTable, TRAILER_MAGIC, decode_events, decode_header, next_chunk,
    segment,
};

/// Where one segment is in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SegmentInfo {
    /// Start of the keyframe interval it covers, ms.
    pub t0_ms: u64,
    /// Byte offset of its chunk.
    offset: usize,
}

/// An opened replay.
#[derive(Clone, Debug)]
pub struct Replay {
    bytes: Vec<u8>,
    header: Header,
    segments: Vec<SegmentInfo>,
    events: Vec<Event>,
    end_t_ms: Option<u64>,
    damage: Option<String>,
    indexed: bool,
    version: u16,
    statuses: StatusTable,
}

impl Replay {
    /// Opens a replay. Every chunk's checksum is verified; damage after the header is reported
    /// by [`Replay::damage`] and the replay holds what came before it.
    pub fn open(bytes: Vec<u8>) -> Result<Self, ReadError> {
        if bytes.len() < 10 || &bytes[..8] != MAGIC {
            return Err(ReadError::NotAReplay);
        }
        let version = u16::from_le_bytes([bytes[8], bytes[9]]);
        if version > FORMAT_VERSION {
            return Err(ReadError::NewerVersion { found: version, supported: FORMAT_VERSION });
        }
        if version < crate::OLDEST_VERSION {
            return Err(ReadError::BadHeader(format!("format version {version} is not a released format")));
        }
        let mut at = 10;
        let (kind, payload) = next_chunk(&bytes, &mut at).map_err(|e| ReadError::BadHeader(e.to_string()))?;
        if kind != CHUNK_HEADER {
            return Err(ReadError::BadHeader(format!("first chunk has kind {kind}, expected the header")));
        }
        let header = decode_header(payload).map_err(|e| ReadError::BadHeader(e.to_string()))?;
        // Every replay names its statuses; mapping them here is the upgrade from any older table.
        let statuses =
            StatusTable::from_names(&header.status_names).map_err(|e| ReadError::BadHeader(e.to_string()))?;
        let mut replay = Replay {
            bytes: Vec::new(),
            header,
            segments: Vec::new(),
            events: Vec::new(),
            end_t_ms: None,
            damage: None,
            indexed: false,
            version,
            statuses,
        };
        if !replay.read_indexed(&bytes, at) {
            replay.segments.clear();
            replay.events.clear();
            replay.end_t_ms = None;
            replay.scan(&bytes, at);
        }
        // Events from one tick may be written just before a segment boundary; keep time order.
        replay.events.sort_by_key(|e| e.t_ms);
        replay.bytes = bytes;
        Ok(replay)
    }

    /// Reads the segment table from the trailing index, checking every chunk it names and
    /// every chunk between them. False if there is no usable index.
    fn read_indexed(&mut self, bytes: &[u8], body_start: usize) -> bool {
        let Some(trailer) = bytes.len().checked_sub(16).map(|i| &bytes[i..]) else { return false };
        if &trailer[..8] != TRAILER_MAGIC {
            return false;
        }
        let mut at = u64::from_le_bytes(trailer[8..].try_into().expect("8 bytes")) as usize;
        let index_at = at;
        let Ok((CHUNK_INDEX, payload)) = next_chunk(bytes, &mut at) else { return false };
        if at != bytes.len() - 16 {
            return false;
        }
        let mut d = Dec::new(payload);
        let Ok(n) = d.count(24) else { return false };
        let mut expected = Vec::with_capacity(n);
        for _ in 0..n {
            let (Ok(t0), Ok(seg), Ok(_)) = (d.u64(), d.u64(), d.u64()) else { return false };
            expected.push((t0, seg as usize));
        }
        // Walk the chunks once: checksums, and the index must match what is there.
        let mut at = body_start;
        let mut found = Vec::with_capacity(n);
        while at < index_at {
            let chunk_at = at;
            match next_chunk(bytes, &mut at) {
                Ok((CHUNK_SEGMENT, payload)) => match Dec::new(payload).u64() {
                    Ok(t0) => found.push((t0, chunk_at)),
                    Err(_) => return false,
                },
                Ok((CHUNK_EVENTS, payload)) => match decode_events(payload, self.version) {
                    Ok(events) => self.events.extend(events),
                    Err(_) => return false,
                },
                Ok((CHUNK_END, payload)) => self.end_t_ms = Dec::new(payload).u64().ok(),
                _ => return false,
            }
        }
        if found != expected || self.end_t_ms.is_none() {
            return false;
        }
        self.segments = found.into_iter().map(|(t0_ms, offset)| SegmentInfo { t0_ms, offset }).collect();
        self.indexed = true;
        true
    }

    /// Reads chunk by chunk up to the end or the first damaged chunk.
    fn scan(&mut self, bytes: &[u8], mut at: usize) {
        while at < bytes.len() {
            let chunk_at = at;
            let result = next_chunk(bytes, &mut at).and_then(|(kind, payload)| match kind {
                CHUNK_SEGMENT => {
                    let t0_ms = Dec::new(payload).u64()?;
                    // Check the segment decodes now, so that damage shows at open, not later.
                    decode_segment(payload, self.header.entities.len())?;
                    self.segments.push(SegmentInfo { t0_ms, offset: chunk_at });
                    Ok(false)
                }
                CHUNK_EVENTS => {
                    self.events.extend(decode_events(payload, self.version)?);
                    Ok(false)
                }
                CHUNK_END => {
                    self.end_t_ms = Some(Dec::new(payload).u64()?);
                    Ok(false)
                }
                CHUNK_INDEX => Ok(true),
                other => Err(ReadError::Corrupt(format!("unknown chunk kind {other}"))),
            });
            match result {
                Ok(true) => break,
                Ok(false) => {}
                Err(e) => {
                    self.damage = Some(format!(
                        "damaged at byte {chunk_at} of {}: {e}; showing the first {:.1} s",
                        bytes.len(),
                        self.readable_until_ms() as f64 / 1000.0
                    ));
                    return;
                }
            }
        }
        if self.end_t_ms.is_none() {
            self.damage = Some(format!(
                "the file ends without its end chunk (truncated?); showing the first {:.1} s",
                self.readable_until_ms() as f64 / 1000.0
            ));
        }
    }

    fn readable_until_ms(&self) -> u64 {
        self.segments.last().map_or(0, |s| s.t0_ms + u64::from(self.header.segment_ms))
    }

    /// Reads a replay from bytes (copies them).
    pub fn read(bytes: &[u8]) -> Result<Self, ReadError> {
        Self::open(bytes.to_vec())
    }

    /// The header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The entities, in sample order.
    pub fn entities(&self) -> &[EntityInfo] {
        &self.header.entities
    }

    /// Every event, in time order.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// What a sample's status code means, through the vocabulary.
    pub fn status(&self, code: u8) -> Option<Status> {
        self.statuses.get(code)
    }

    /// Why the replay ends early, if it does.
    pub fn damage(&self) -> Option<&str> {
        self.damage.as_deref()
    }

    /// Whether the trailing seek index was used (false for truncated files).
    pub fn indexed(&self) -> bool {
        self.indexed
    }

    /// The segments, in time order.
    pub fn segments(&self) -> &[SegmentInfo] {
        &self.segments
    }

    /// End of the run in simulated milliseconds, or of the readable part of a damaged file.
    pub fn duration_ms(&self) -> u64 {
        self.end_t_ms.unwrap_or_else(|| {
            self.samples_of(self.segments.len().saturating_sub(1))
                .ok()
                .and_then(|s| s.last().map(|s| s.t_ms))
                .unwrap_or(0)
        })
    }

    fn payload(&self, i: usize) -> Result<&[u8], ReadError> {
        let info = self.segments.get(i).ok_or_else(|| ReadError::Corrupt(format!("no segment {i}")))?;
        let mut at = info.offset;
        next_chunk(&self.bytes, &mut at).map(|(_, p)| p)
    }

    /// The samples of segment `i`.
    pub fn samples_of(&self, i: usize) -> Result<Vec<Sample>, ReadError> {
        decode_segment(self.payload(i)?, self.header.entities.len()).map(|(_, _, s)| s)
    }

    /// The tick hashes of segment `i`: the time of its first tick and one hash per tick.
    pub fn hashes_of(&self, i: usize) -> Result<(u64, Vec<u32>), ReadError> {
        decode_segment(self.payload(i)?, self.header.entities.len()).map(|(t, h, _)| (t, h))
    }

    /// Every sample, in time order.
    pub fn samples(&self) -> Result<Vec<Sample>, ReadError> {
        let mut out = Vec::new();
        for i in 0..self.segments.len() {
            out.extend(self.samples_of(i)?);
        }
        Ok(out)
    }

    /// Every tick's state hash as (tick end time in ms, hash), in time order.
    pub fn tick_hashes(&self) -> Result<Vec<(u64, u32)>, ReadError> {
        let tick = u64::from(self.header.tick_ms);
        let mut out = Vec::new();
        for i in 0..self.segments.len() {
            let (first, hashes) = self.hashes_of(i)?;
            out.extend(hashes.into_iter().enumerate().map(|(k, h)| (first + k as u64 * tick, h)));
        }
        Ok(out)
    }

    /// Every entity's state at `t_ms`, interpolated between the samples around it (clamped to
    /// the first and last sample).
    pub fn state_at(&self, t_ms: u64) -> Result<Vec<EntityState>, ReadError> {
        let seg = self.segments.partition_point(|s| s.t0_ms <= t_ms).saturating_sub(1);
        let samples = self.samples_of(seg)?;
        let i = samples.partition_point(|s| s.t_ms <= t_ms);
        let before = match i.checked_sub(1) {
            Some(b) => &samples[b],
            None => {
                return samples
                    .first()
                    .map(|s| s.states.clone())
                    .ok_or_else(|| ReadError::Corrupt("an empty segment".into()));
            }
        };
        let after_owned;
        let after = match samples.get(i) {
            Some(a) => a,
            None => match self.samples_of(seg + 1).ok().and_then(|s| s.into_iter().next()) {
                Some(a) => {
                    after_owned = a;
                    &after_owned
                }
                None => return Ok(before.states.clone()),
            },
        };
        let k = (t_ms - before.t_ms) as f64 / (after.t_ms - before.t_ms).max(1) as f64;
        Ok(before.states.iter().zip(&after.states).map(|(a, b)| a.lerp(b, k)).collect())
    }

    /// Events with `t0_ms <= t < t1_ms`.
    pub fn events_between(&self, t0_ms: u64, t1_ms: u64) -> &[Event] {
        let a = self.events.partition_point(|e| e.t_ms < t0_ms);
        let b = self.events.partition_point(|e| e.t_ms < t1_ms);
        &self.events[a..b.max(a)]
    }

    /// The same replay under another header (for example with metadata corrected), re-encoded.
    pub fn with_header(&self, header: Header) -> Result<Vec<u8>, ReadError> {
        if header.entities.len() != self.header.entities.len() {
            return Err(ReadError::Corrupt("the new header must list the same entities".into()));
        }
        let mut w = crate::Writer::new(&header);
        let mut events = self.events.iter().peekable();
        for i in 0..self.segments.len() {
            let (first, hashes) = self.hashes_of(i)?;
            let samples = self.samples_of(i)?;
            let seg_end = self.segments.get(i + 1).map_or(u64::MAX, |s| s.t0_ms);
            while let Some(e) = events.next_if(|e| e.t_ms < seg_end) {
                w.event(e.clone());
            }
            for (k, h) in hashes.into_iter().enumerate() {
                w.tick(first + k as u64 * u64::from(header.tick_ms), h);
            }
            for s in samples {
                w.sample(s.t_ms, &s.states);
            }
        }
        events.for_each(|e| w.event(e.clone()));
        Ok(w.finish(self.duration_ms()))
    }
}

/// Splits a segment payload into its first tick time, tick hashes and samples.
fn decode_segment(payload: &[u8], entities: usize) -> Result<(u64, Vec<u32>, Vec<Sample>), ReadError> {
    let mut d = Dec::new(payload);
    let _t0 = d.u64()?;
    let first_tick = d.u64()?;
    let n = d.count(4)?;
    let hashes = (0..n).map(|_| d.u32()).collect::<Result<Vec<_>, _>>()?;
    let body = d.take(d.remaining())?;
    Ok((first_tick, hashes, segment::decode(body, entities)?))
}

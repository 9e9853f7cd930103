//! Writing a replay: samples, events and tick hashes in, one segment per keyframe interval out.

use crate::codec::Enc;
use crate::{
    CHUNK_END, CHUNK_EVENTS, CHUNK_HEADER, CHUNK_INDEX, CHUNK_SEGMENT, EntityState, Event, FORMAT_VERSION, Header,
    MAGIC, Sample, TRAILER_MAGIC, encode_events, encode_header, push_chunk, segment,
};

/// Deflate level for segments: the fastest, since residuals are mostly zeros anyway.
const LEVEL: u32 = 1;

/// Builds a replay in memory.
#[derive(Debug)]
pub struct Writer {
    out: Vec<u8>,
    entity_count: usize,
    segment_ms: u64,
    segment_t0: u64,
    samples: Vec<Sample>,
    events: Vec<Event>,
    first_tick_ms: Option<u64>,
    hashes: Vec<u32>,
    /// (segment start, segment chunk offset, events chunk offset or `u64::MAX`).
    index: Vec<(u64, u64, u64)>,
    last_t_ms: u64,
    /// The last closed segment, until its samples are encoded.
    pending: Option<Pending>,
}

/// A closed segment not yet written: its start, where its events went, the hashes' part and
/// the samples' part.
#[derive(Debug)]
struct Pending {
    t0: u64,
    events_at: u64,
    head: Vec<u8>,
    body: Body,
}

#[derive(Debug)]
enum Body {
    Encoding(std::thread::JoinHandle<Vec<u8>>),
    Encoded(Vec<u8>),
}

impl Writer {
    /// Starts a replay with its header.
    pub fn new(header: &Header) -> Self {
        let mut out = Vec::with_capacity(1 << 16);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        push_chunk(&mut out, CHUNK_HEADER, &encode_header(header));
        Self {
            out,
            entity_count: header.entities.len(),
            segment_ms: u64::from(header.segment_ms.max(1)),
            segment_t0: 0,
            samples: Vec::new(),
            events: Vec::new(),
            first_tick_ms: None,
            hashes: Vec::new(),
            index: Vec::new(),
            last_t_ms: 0,
            pending: None,
        }
    }

    /// Closes the segment if `t_ms` lies past it.
    fn advance_to(&mut self, t_ms: u64) {
        self.last_t_ms = self.last_t_ms.max(t_ms);
        if t_ms >= self.segment_t0 + self.segment_ms {
            self.flush();
            self.segment_t0 = t_ms / self.segment_ms * self.segment_ms;
        }
    }

    /// Records the state hash of the simulation tick ending at `t_ms`.
    pub fn tick(&mut self, t_ms: u64, hash: u32) {
        self.advance_to(t_ms);
        self.first_tick_ms.get_or_insert(t_ms);
        self.hashes.push(hash);
    }

    /// Records every entity's state at `t_ms`; `states` follows the header's entity order.
    pub fn sample(&mut self, t_ms: u64, states: &[EntityState]) {
        assert_eq!(states.len(), self.entity_count, "a sample lists every entity of the header");
        self.advance_to(t_ms);
        self.samples.push(Sample { t_ms, states: states.to_vec() });
    }

    /// Records an event.
    pub fn event(&mut self, event: Event) {
        self.advance_to(event.t_ms);
        self.events.push(event);
    }

    fn flush(&mut self) {
        // The segment before is written first: chunks keep their order.
        self.complete();
        let events_at = if self.events.is_empty() {
            u64::MAX
        } else {
            let at = self.out.len() as u64;
            push_chunk(&mut self.out, CHUNK_EVENTS, &encode_events(&self.events));
            self.events.clear();
            at
        };
        if self.samples.is_empty() && self.hashes.is_empty() && events_at == u64::MAX {
            return;
        }
        let mut head = Enc::default();
        head.u64(self.segment_t0);
        head.u64(self.first_tick_ms.take().unwrap_or(self.segment_t0));
        head.u32(self.hashes.len() as u32);
        self.hashes.drain(..).for_each(|h| head.u32(h));
        let samples = std::sync::Arc::new(std::mem::take(&mut self.samples));
        let theirs = std::sync::Arc::clone(&samples);
        // Encoded on a thread of its own while the run goes on (the bytes are the same); on
        // this one if no thread can be had.
        let body = match std::thread::Builder::new()
            .name("replay segment".into())
            .spawn(move || segment::encode(&theirs, LEVEL))
        {
            Ok(job) => Body::Encoding(job),
            Err(_) => Body::Encoded(segment::encode(&samples, LEVEL)),
        };
        self.pending = Some(Pending { t0: self.segment_t0, events_at, head: head.buf, body });
    }

    /// Writes the segment being encoded, once it is.
    fn complete(&mut self) {
        let Some(Pending { t0, events_at, mut head, body }) = self.pending.take() else { return };
        let body = match body {
            Body::Encoded(bytes) => bytes,
            Body::Encoding(job) => job.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
        };
        head.extend_from_slice(&body);
        self.index.push((t0, self.out.len() as u64, events_at));
        push_chunk(&mut self.out, CHUNK_SEGMENT, &head);
    }

    /// The replay so far: header and every closed segment but the last, whose samples may still
    /// be being encoded; a reader opens it as a replay cut short.
    pub fn written(&self) -> &[u8] {
        &self.out
    }

    /// Closes the replay at `end_t_ms` and returns its bytes.
    pub fn finish(mut self, end_t_ms: u64) -> Vec<u8> {
        self.flush();
        self.complete();
        let mut e = Enc::default();
        e.u64(end_t_ms.max(self.last_t_ms));
        push_chunk(&mut self.out, CHUNK_END, &e.buf);
        let index_at = self.out.len() as u64;
        let mut e = Enc::default();
        e.u32(self.index.len() as u32);
        for &(t0, seg, ev) in &self.index {
            e.u64(t0);
            e.u64(seg);
            e.u64(ev);
        }
        push_chunk(&mut self.out, CHUNK_INDEX, &e.buf);
        self.out.extend_from_slice(TRAILER_MAGIC);
        self.out.extend_from_slice(&index_at.to_le_bytes());
        self.out
    }
}

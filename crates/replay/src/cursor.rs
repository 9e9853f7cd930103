//! The playback cursor: every entity's state at any time, moving forwards, backwards or by a
//! jump. It keeps the decoded segments around the current time, so a player drawing 60 frames a
//! second decodes each segment once as it passes, in either direction, not once a frame.

use std::sync::Arc;

use crate::{EntityState, Event, ReadError, Replay, Sample};

/// Every entity's state at one time, in header order: what a player draws.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frame {
    /// Simulated milliseconds since the start of the run.
    pub t_ms: u64,
    /// One state per entity, in the order of [`crate::Header::entities`].
    pub states: Vec<EntityState>,
}

/// What the cursor has done so far, for benchmarks and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CursorStats {
    /// Frames computed.
    pub frames: u64,
    /// Segments decoded (inflated and un-predicted).
    pub decodes: u64,
}

/// Decoded segments kept: the current one, both neighbours and one more, so that turning back
/// at a boundary does not decode again.
const KEPT_SEGMENTS: usize = 4;

/// A replay being played. Owns the replay; the frame it hands out is reused from call to call.
#[derive(Debug)]
pub struct Cursor {
    replay: Replay,
    /// (segment index, its samples, last use) for the segments kept.
    kept: Vec<(usize, Arc<[Sample]>, u64)>,
    uses: u64,
    frame: Frame,
    stats: CursorStats,
}

impl Cursor {
    /// A cursor at the start of `replay`; no segment is decoded until the first frame.
    pub fn new(replay: Replay) -> Self {
        let states = Vec::with_capacity(replay.entities().len());
        Self {
            replay,
            kept: Vec::with_capacity(KEPT_SEGMENTS),
            uses: 0,
            frame: Frame { t_ms: 0, states },
            stats: CursorStats::default(),
        }
    }

    /// The replay played.
    pub fn replay(&self) -> &Replay {
        &self.replay
    }

    /// Gives the replay back.
    pub fn into_replay(self) -> Replay {
        self.replay
    }

    /// The last frame computed (empty before the first [`Cursor::seek`]).
    pub fn frame(&self) -> &Frame {
        &self.frame
    }

    /// Work done so far.
    pub fn stats(&self) -> CursorStats {
        self.stats
    }

    /// The samples of segment `i`, decoded once and kept while they are among the
    /// [`KEPT_SEGMENTS`] used last.
    fn segment(&mut self, i: usize) -> Result<Arc<[Sample]>, ReadError> {
        self.uses += 1;
        if let Some(kept) = self.kept.iter_mut().find(|k| k.0 == i) {
            kept.2 = self.uses;
            return Ok(Arc::clone(&kept.1));
        }
        let samples: Arc<[Sample]> = self.replay.samples_of(i)?.into();
        if samples.is_empty() {
            return Err(ReadError::Corrupt(format!("segment {i} holds no sample")));
        }
        self.stats.decodes += 1;
        if self.kept.len() == KEPT_SEGMENTS {
            let oldest = (0..self.kept.len()).min_by_key(|&k| self.kept[k].2).expect("the cache is full");
            self.kept.swap_remove(oldest);
        }
        self.kept.push((i, Arc::clone(&samples), self.uses));
        Ok(samples)
    }

    /// The segment holding time `t_ms` (the first one for times before it).
    fn segment_index(&self, t_ms: u64) -> Result<usize, ReadError> {
        let segments = self.replay.segments();
        if segments.is_empty() {
            return Err(ReadError::Corrupt("the replay holds no samples".into()));
        }
        Ok(segments.partition_point(|s| s.t0_ms <= t_ms).saturating_sub(1))
    }

    /// Moves to `t_ms` and returns every entity's state there, interpolated between the
    /// samples around it as [`Replay::state_at`] does (clamped to the first and last sample).
    pub fn seek(&mut self, t_ms: u64) -> Result<&Frame, ReadError> {
        let seg = self.segment_index(t_ms)?;
        let samples = self.segment(seg)?;
        let i = samples.partition_point(|s| s.t_ms <= t_ms);
        let next_segment;
        let (before, after) = match i.checked_sub(1) {
            None => (&samples[0], None),
            Some(b) => match samples.get(i) {
                Some(a) => (&samples[b], Some(a)),
                None if seg + 1 < self.replay.segments().len() => {
                    next_segment = self.segment(seg + 1)?;
                    (&samples[b], next_segment.first())
                }
                None => (&samples[b], None),
            },
        };
        self.frame.t_ms = t_ms;
        self.frame.states.clear();
        match after {
            Some(after) => {
                let k = (t_ms - before.t_ms) as f64 / (after.t_ms - before.t_ms).max(1) as f64;
                self.frame.states.extend(before.states.iter().zip(&after.states).map(|(a, b)| a.lerp(b, k)));
            }
            None => self.frame.states.extend_from_slice(&before.states),
        }
        self.stats.frames += 1;
        Ok(&self.frame)
    }

    /// The time of the first sample after `t_ms`, if any: one step forward.
    pub fn sample_after(&mut self, t_ms: u64) -> Result<Option<u64>, ReadError> {
        let mut seg = self.segment_index(t_ms)?;
        while seg < self.replay.segments().len() {
            let samples = self.segment(seg)?;
            if let Some(s) = samples.iter().find(|s| s.t_ms > t_ms) {
                return Ok(Some(s.t_ms));
            }
            seg += 1;
        }
        Ok(None)
    }

    /// The time of the last sample before `t_ms`, if any: one step back.
    pub fn sample_before(&mut self, t_ms: u64) -> Result<Option<u64>, ReadError> {
        let mut seg = self.segment_index(t_ms)?;
        loop {
            let samples = self.segment(seg)?;
            if let Some(s) = samples.iter().rev().find(|s| s.t_ms < t_ms) {
                return Ok(Some(s.t_ms));
            }
            let Some(earlier) = seg.checked_sub(1) else { return Ok(None) };
            seg = earlier;
        }
    }

    /// The events a move from `from_ms` to `to_ms` passes, in time order, whichever way it
    /// goes: those with `min <= t < max`.
    pub fn events_passed(&self, from_ms: u64, to_ms: u64) -> &[Event] {
        self.replay.events_between(from_ms.min(to_ms), from_ms.max(to_ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::{splitmix, write};

    #[test]
    fn frames_equal_the_replays_own_seek_at_any_time_in_any_order() {
        let w = write();
        let replay = Replay::read(&w.bytes).expect("reads");
        let mut cursor = Cursor::new(replay.clone());
        let mut times: Vec<u64> = (0..=5200).step_by(50).collect();
        times.extend((0..=5200).rev().step_by(70));
        let mut rng = 11;
        times.extend((0..100).map(|_| splitmix(&mut rng) % 6000));
        for t in times {
            let expected = replay.state_at(t).expect("state_at");
            let frame = cursor.seek(t).expect("seek");
            assert_eq!((frame.t_ms, &frame.states), (t, &expected), "at {t} ms");
        }
    }

    #[test]
    fn playing_backwards_decodes_each_segment_once() {
        let w = write();
        let mut cursor = Cursor::new(Replay::read(&w.bytes).expect("reads"));
        let segments = cursor.replay().segments().len() as u64;
        // 60 frames a second at ten times real time, from the end back to the start.
        let mut t = 5000i64;
        while t >= 0 {
            cursor.seek(t as u64).expect("seek");
            t -= 167;
        }
        let stats = cursor.stats();
        assert_eq!(stats.decodes, segments, "{stats:?}");
        assert!(stats.frames > 25, "{stats:?}");
    }

    #[test]
    fn stepping_visits_every_sample_both_ways() {
        let w = write();
        let mut cursor = Cursor::new(Replay::read(&w.bytes).expect("reads"));
        let all: Vec<u64> = w.samples.iter().map(|s| s.t_ms).collect();
        let mut forward = vec![all[0]];
        while let Some(t) = cursor.sample_after(*forward.last().expect("one")).expect("steps") {
            forward.push(t);
        }
        assert_eq!(forward, all);
        let mut back = vec![*all.last().expect("samples")];
        while let Some(t) = cursor.sample_before(*back.last().expect("one")).expect("steps") {
            back.push(t);
        }
        back.reverse();
        assert_eq!(back, all);
        assert_eq!(cursor.sample_after(1_000_000).expect("past the end"), None);
    }

    #[test]
    fn events_passed_are_the_same_whichever_way_one_moves() {
        let w = write();
        let cursor = Cursor::new(Replay::read(&w.bytes).expect("reads"));
        let forward: Vec<u64> = cursor.events_passed(600, 1500).iter().map(|e| e.t_ms).collect();
        assert_eq!(forward, [600, 900, 1200]);
        assert_eq!(cursor.events_passed(1500, 600), cursor.events_passed(600, 1500));
        assert!(cursor.events_passed(700, 700).is_empty());
    }

    #[test]
    fn a_truncated_replay_plays_what_it_kept() {
        let w = write();
        let cut = Replay::read(&w.bytes[..w.bytes.len() * 2 / 3]).expect("opens damaged");
        assert!(cut.damage().is_some());
        let kept = cut.samples().expect("kept samples").last().expect("some kept").clone();
        let mut cursor = Cursor::new(cut);
        assert_eq!(cursor.seek(60_000).expect("clamps").states, kept.states);
    }
}

//! The playback clock: where in the run the view stands, how fast and which way it moves.
//! Moving it never re-simulates; the replay's cursor seeks.

use bevy::prelude::Resource;

/// Speeds offered, simulated seconds per wall second.
pub const SPEEDS: [f64; 10] = [1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0];

/// Fastest speed a meeting may pick (×600); ×1200 is for skimming a whole day alone.
pub const MEETING_SPEED_MAX: f64 = 600.0;

/// Where the view stands in the run.
#[derive(Resource, Clone, Debug, PartialEq)]
pub struct Playback {
    /// Position, simulated milliseconds since the start (fractional while playing slowly).
    pos_ms: f64,
    /// End of the run, ms.
    end_ms: u64,
    /// Simulated seconds per wall second.
    pub speed: f64,
    /// Whether time runs backwards.
    pub backwards: bool,
    /// Whether time runs at all.
    pub playing: bool,
    /// Sampling interval of the replay, ms: one step.
    step_ms: u64,
}

impl Playback {
    /// Paused at the start of a run of `end_ms`, sampled every `step_ms`, at ×10.
    pub fn new(end_ms: u64, step_ms: u64) -> Self {
        Self { pos_ms: 0.0, end_ms, speed: 10.0, backwards: false, playing: false, step_ms: step_ms.max(1) }
    }

    /// The time shown, ms.
    pub fn t_ms(&self) -> u64 {
        self.pos_ms.round() as u64
    }

    /// End of the run, ms.
    pub fn end_ms(&self) -> u64 {
        self.end_ms
    }

    /// A live run grows: its end moves on.
    pub fn set_end(&mut self, end_ms: u64) {
        self.end_ms = end_ms;
    }

    /// Jumps to `t_ms` (clamped to the run).
    pub fn seek(&mut self, t_ms: u64) {
        self.pos_ms = t_ms.min(self.end_ms) as f64;
    }

    /// Moves on by `wall_s` seconds of wall time; stops at either end. True if time moved.
    pub fn advance(&mut self, wall_s: f64) -> bool {
        if !self.playing || wall_s <= 0.0 {
            return false;
        }
        let before = self.pos_ms;
        let delta = self.speed * wall_s * 1000.0;
        self.pos_ms = if self.backwards { self.pos_ms - delta } else { self.pos_ms + delta };
        self.pos_ms = self.pos_ms.clamp(0.0, self.end_ms as f64);
        if self.pos_ms <= 0.0 && self.backwards || self.pos_ms >= self.end_ms as f64 && !self.backwards {
            self.playing = false;
        }
        self.pos_ms != before
    }

    /// Plays, or pauses; playing at an end starts from the other direction's start.
    pub fn toggle(&mut self) {
        self.playing = !self.playing;
        if self.playing && !self.backwards && self.t_ms() >= self.end_ms {
            self.pos_ms = 0.0;
        }
        if self.playing && self.backwards && self.t_ms() == 0 {
            self.pos_ms = self.end_ms as f64;
        }
    }

    /// One sample forward (`forward`) or back, paused.
    pub fn step(&mut self, forward: bool) {
        self.playing = false;
        let t = self.t_ms();
        let next = if forward {
            (t / self.step_ms + 1) * self.step_ms
        } else {
            t.saturating_sub(1) / self.step_ms * self.step_ms
        };
        self.seek(next);
    }

    /// The next speed up (or down), within `max`.
    pub fn change_speed(&mut self, faster: bool, max: f64) {
        let i = SPEEDS.iter().position(|&s| s >= self.speed).unwrap_or(SPEEDS.len() - 1);
        let j = if faster { (i + 1).min(SPEEDS.len() - 1) } else { i.saturating_sub(1) };
        self.speed = SPEEDS[j].min(max);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plays_forwards_and_backwards_and_stops_at_the_ends() {
        let mut p = Playback::new(60_000, 500);
        p.toggle();
        assert!(p.advance(1.0));
        assert_eq!(p.t_ms(), 10_000, "×10 for one second");
        p.backwards = true;
        assert!(p.advance(0.5));
        assert_eq!(p.t_ms(), 5_000);
        p.advance(10.0);
        assert_eq!((p.t_ms(), p.playing), (0, false), "stops at the start");
        p.toggle();
        assert_eq!(p.t_ms(), 60_000, "playing backwards from the start begins at the end");
    }

    #[test]
    fn steps_land_on_samples_either_way() {
        let mut p = Playback::new(10_000, 500);
        p.seek(1_250);
        p.step(true);
        assert_eq!(p.t_ms(), 1_500);
        p.step(false);
        assert_eq!(p.t_ms(), 1_000);
        p.step(false);
        assert_eq!(p.t_ms(), 500);
        p.seek(0);
        p.step(false);
        assert_eq!(p.t_ms(), 0);
    }

    #[test]
    fn speeds_step_through_the_list_within_a_limit() {
        let mut p = Playback::new(1, 1);
        p.speed = 300.0;
        p.change_speed(true, MEETING_SPEED_MAX);
        assert_eq!(p.speed, 600.0);
        p.change_speed(true, MEETING_SPEED_MAX);
        assert_eq!(p.speed, 600.0, "a meeting stops at ×600");
        p.speed = 1.0;
        p.change_speed(false, MEETING_SPEED_MAX);
        assert_eq!(p.speed, 1.0);
    }
}

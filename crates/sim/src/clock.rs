//! Simulated time: integer milliseconds advanced by a fixed tick. The wall clock never enters.

use bevy::prelude::*;

use crate::SimConfig;
use crate::schedule::{SimStep, SimSystems};

/// The simulated clock.
#[derive(Resource, Clone, Debug)]
pub struct SimClock {
    /// Milliseconds since the start of the run.
    pub now_ms: u64,
    /// Tick length in milliseconds.
    pub tick_ms: u32,
    /// Time of day at the start of the run, seconds after midnight.
    pub start_tod_s: u32,
    /// End of the run, milliseconds since its start.
    pub end_ms: u64,
}

impl SimClock {
    /// Tick length in seconds.
    pub fn dt_s(&self) -> f64 {
        f64::from(self.tick_ms) / 1000.0
    }

    /// Time of day now, in seconds after midnight (past 24 h on a run that crosses midnight).
    pub fn time_of_day_s(&self) -> u32 {
        self.start_tod_s + (self.now_ms / 1000) as u32
    }

    /// Whether `now_ms` is a multiple of `period_ms`.
    pub fn every(&self, period_ms: u64) -> bool {
        self.now_ms.is_multiple_of(period_ms)
    }
}

impl FromWorld for SimClock {
    fn from_world(world: &mut World) -> Self {
        let run = &world.resource::<SimConfig>().loaded.scenario.run;
        Self {
            now_ms: 0,
            tick_ms: run.tick_ms,
            start_tod_s: run.start.seconds(),
            end_ms: u64::from(run.duration_s) * 1000,
        }
    }
}

/// Adds the clock.
pub struct ClockPlugin;

impl Plugin for ClockPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<SimClock>().add_systems(SimStep, advance_clock.in_set(SimSystems::Clock));
    }
}

/// Moves the clock on by one tick.
pub fn advance_clock(mut clock: ResMut<SimClock>) {
    clock.now_ms += u64::from(clock.tick_ms);
}

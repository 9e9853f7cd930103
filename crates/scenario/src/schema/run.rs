//! The simulated period (start, duration, tick, seed, calendar date) and the weather over it.

use serde::{Deserialize, Serialize};

use crate::time::{ClockTime, Date};

/// How long and how finely to simulate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSettings {
    /// Time of day at which the simulation starts.
    pub start: ClockTime,
    /// Simulated duration in seconds.
    pub duration_s: u32,
    /// Fixed simulation tick in milliseconds of simulated time (default 100).
    #[serde(default = "default_tick_ms")]
    pub tick_ms: u32,
    /// Interval between recorded replay samples in milliseconds; a multiple of `tick_ms`
    /// (default 500, i.e. 2 Hz).
    #[serde(default = "default_record_ms")]
    pub record_ms: u32,
    /// Root random seed; `pilotzone run --seed` overrides it.
    pub seed: u64,
    /// Calendar date of the start, for rules that hold on some dates only.
    #[serde(default)]
    pub date: Option<Date>,
}

fn default_tick_ms() -> u32 {
    100
}

fn default_record_ms() -> u32 {
    500
}

/// Mean wind from a time of day until the next step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindStep {
    /// Time of day the wind starts.
    pub from: ClockTime,
    /// Mean wind speed at 10 m above ground, m/s.
    pub mean_mps: f64,
    /// Direction the wind blows from, degrees clockwise from north.
    #[serde(default)]
    pub from_deg: f64,
    /// Gustiness: standard deviation of the wind around its mean, m/s (default 0, steady).
    /// Gusts vary over about ten seconds and are drawn from the run's seed.
    #[serde(default)]
    pub gust_mps: f64,
}

impl WindStep {
    /// The mean wind as the velocity of the air, (east, north) in m/s.
    pub fn air_velocity(&self) -> (f64, f64) {
        // Air blowing from the north moves south.
        let (sin, cos) = self.from_deg.to_radians().sin_cos();
        (-sin * self.mean_mps, -cos * self.mean_mps)
    }
}

/// Weather over the run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weather {
    /// Wind by time of day, steps in increasing time; calm when empty.
    #[serde(default)]
    pub wind: Vec<WindStep>,
}

impl Weather {
    /// Mean wind speed at `time_of_day_s`, m/s (calm before the first step).
    pub fn wind_at(&self, time_of_day_s: u32) -> f64 {
        self.step_at(time_of_day_s).map_or(0.0, |w| w.mean_mps)
    }

    /// The wind step in force at `time_of_day_s`; none before the first (calm).
    pub fn step_at(&self, time_of_day_s: u32) -> Option<&WindStep> {
        let t = time_of_day_s % crate::time::DAY_S;
        self.wind.iter().rev().find(|w| w.from.0 <= t)
    }
}

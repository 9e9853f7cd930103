//! What a scenario may ask for. Each bound is far beyond any town studied, and low enough that a
//! slip of the keyboard (an extra three zeros) gets a clear error instead of an hour of swapping or
//! a run that never ends. The text bounds are in [`crate::text`].

/// The longest run: a week of simulated time.
pub const MAX_DURATION_S: u32 = 7 * 86_400;

/// Taxis and drones together: a city-wide service is tens of thousands.
pub const MAX_VEHICLES: u64 = 200_000;

/// The highest rate of one demand or resident flow step, per hour.
pub const MAX_RATE_PER_HOUR: f64 = 1_000_000.0;

/// How far from the map's origin a point may lie, metres: maps are projected around their town.
pub const MAX_COORDINATE_M: f64 = 1_000_000.0;

//! Strategic deconfliction, as a U-space service offers it: before take-off, a flight's planned
//! trajectory is turned into the airspace cells it will occupy over time, and it may launch
//! only if no other flight holds a neighbouring cell at the same time.
//!
//! Cells are [`CELL_M`] square, [`LAYER_M`] high and [`SLOT_MS`] long. A flight conflicts with
//! another holding a cell next to one of its own (within one cell horizontally, two
//! vertically) in the same or an adjacent slot, which keeps flights at least one cell apart at
//! all times even where a gust or the controller puts it a little early or late, and one
//! climbing through a layer apart from one cruising on it; layers 15 m apart do not conflict.
//! The trajectory is the flight plan flown ahead as the flight will fly it ([`trajectory`]).
//! Every cell of a flight is reserved, its climb and descent included; but within
//! [`TERMINAL_RADIUS_M`] of its own vertiport it is not held apart from that vertiport's other
//! flights, which the vertiport sequences itself (its take-off pads and their interval). A
//! flight from elsewhere crossing a vertiport is kept apart from the drones rising and setting
//! down there, and they from it. What a plan could not foresee, tactical separation
//! ([`super::tactical`]) turns drones aside for, and the safety monitor counts.

use std::collections::BTreeMap;

use bevy::prelude::*;
use pilotzone_routing::Vec2;
use pilotzone_routing::airspace::Waypoint;

use super::airframe::Drone;
use super::flight::Cursor;

/// Horizontal cell edge, m.
pub const CELL_M: f64 = 40.0;
/// Cell height, m.
pub const LAYER_M: f64 = 5.0;
/// Cells above and below a flight's own that it is kept from: within 10 to 15 m, the usual
/// vertical minimum.
const LAYERS_APART: i32 = 2;
/// Time slot, ms.
pub const SLOT_MS: u64 = 5_000;
/// A vertiport's terminal area: within this radius of it, its own flights rise from and set
/// down on their pads (a ring well inside it for fleets of up to 65 drones) and are sequenced by
/// the vertiport, not held apart by reservations; the safety monitor does not count losses of
/// separation there either, m.
pub const TERMINAL_RADIUS_M: f64 = 60.0;

/// A flight's vertiport.
#[derive(Clone, Copy, Debug)]
pub struct Terminal {
    /// The vertiport, as a place index.
    pub base: usize,
    /// Where it is.
    pub at: Vec2,
}
/// Step at which a planned trajectory is sampled, s: under a cell's crossing time at cruise.
const SAMPLE_S: f64 = 1.0;

type Cell = (i32, i32, i32, u64);

/// Airspace cells reserved by planned flights, by drone id.
#[derive(Resource, Debug, Default)]
pub struct Reservations {
    cells: BTreeMap<Cell, Vec<u32>>,
    held: BTreeMap<u32, Vec<Cell>>,
    /// The vertiport of each flight holding cells.
    bases: BTreeMap<u32, usize>,
    /// Time orders waited because their flight could not be deconflicted, ms.
    pub delay_ms: u64,
    /// Orders whose flight had to wait at least once.
    pub delayed: std::collections::BTreeSet<u32>,
}

/// Step at which a planned flight is flown ahead, s: five of the usual ticks, fine enough for
/// its corners and level-offs, and a fifth of the cost of flying it tick by tick.
const PREDICT_STEP_S: f64 = 0.5;
/// Longest a predicted leg is flown ahead, s: far beyond any battery.
const PREDICT_LIMIT_S: f64 = 4.0 * 3600.0;

/// A trajectory as flown in a steady wind: (time, position) samples from `start_ms`, every
/// second. The flight plan's reference is flown ahead from rest as the flight will fly
/// it, easing into corners and level-offs and speeding up out of them, so a flight is where its
/// reservation says even after many corners.
pub fn trajectory(drone: &Drone, legs: &[(&[Waypoint], u64)], start_ms: u64, wind: [f64; 2]) -> Vec<(u64, [f64; 3])> {
    let mut out = Vec::new();
    let mut t = start_ms as f64 / 1000.0;
    let per_sample = (SAMPLE_S / PREDICT_STEP_S).round() as u32;
    for &(path, hold_ms) in legs {
        let Some(first) = path.first() else { continue };
        let mut cursor = Cursor { at: [first.at.x, first.at.y, first.z_m], speed: 0.0, next: 1 };
        let mut steps = 0u32;
        while cursor.next < path.len() && f64::from(steps) * PREDICT_STEP_S < PREDICT_LIMIT_S {
            if steps.is_multiple_of(per_sample) {
                out.push(((t * 1000.0) as u64, cursor.at));
            }
            cursor.advance(drone, path, wind, PREDICT_STEP_S);
            t += PREDICT_STEP_S;
            steps += 1;
        }
        // Hovering at the end of the leg (the drop).
        let end = cursor.at;
        let mut h = 0.0;
        while h <= hold_ms as f64 / 1000.0 {
            out.push((((t + h) * 1000.0) as u64, end));
            h += SAMPLE_S;
        }
        t += hold_ms as f64 / 1000.0;
    }
    out
}

fn cell(t_ms: u64, p: [f64; 3]) -> Cell {
    ((p[0] / CELL_M).floor() as i32, (p[1] / CELL_M).floor() as i32, (p[2] / LAYER_M).floor() as i32, t_ms / SLOT_MS)
}

impl Reservations {
    /// The cells a trajectory occupies, each with whether it lies near the flight's vertiport.
    fn cells_of(samples: &[(u64, [f64; 3])], terminal: Terminal) -> Vec<(Cell, bool)> {
        let base = terminal.at;
        let mut cells: Vec<(Cell, bool)> = samples
            .iter()
            .map(|&(t, p)| (cell(t, p), (p[0] - base.x).hypot(p[1] - base.y) < TERMINAL_RADIUS_M))
            .collect();
        cells.sort_unstable();
        // A cell both near and not (its samples either side of the radius) counts as not near.
        cells.dedup_by_key(|c| c.0);
        cells
    }

    /// The first other flight holding a cell next to the trajectory's, if any; near its own
    /// vertiport, flights of that vertiport do not count.
    pub fn conflict(&self, drone: u32, samples: &[(u64, [f64; 3])], terminal: Terminal) -> Option<u32> {
        for ((x, y, z, slot), near) in Self::cells_of(samples, terminal) {
            for dx in -1..=1 {
                for (dy, dz) in (-1..=1).flat_map(|dy| (-LAYERS_APART..=LAYERS_APART).map(move |dz| (dy, dz))) {
                    for ds in [-1i64, 0, 1] {
                        let Some(s) = slot.checked_add_signed(ds) else { continue };
                        let Some(holders) = self.cells.get(&(x + dx, y + dy, z + dz, s)) else { continue };
                        let same_base = |h: u32| self.bases.get(&h) == Some(&terminal.base);
                        if let Some(&other) = holders.iter().find(|&&h| h != drone && !(near && same_base(h))) {
                            return Some(other);
                        }
                    }
                }
            }
        }
        None
    }

    /// Reserves a trajectory for `drone`, replacing what it held.
    pub fn reserve(&mut self, drone: u32, samples: &[(u64, [f64; 3])], terminal: Terminal) {
        self.release(drone);
        let cells: Vec<Cell> = Self::cells_of(samples, terminal).into_iter().map(|c| c.0).collect();
        for &c in &cells {
            self.cells.entry(c).or_default().push(drone);
        }
        self.held.insert(drone, cells);
        self.bases.insert(drone, terminal.base);
    }

    /// Frees everything `drone` holds.
    pub fn release(&mut self, drone: u32) {
        self.bases.remove(&drone);
        for c in self.held.remove(&drone).unwrap_or_default() {
            if let Some(holders) = self.cells.get_mut(&c) {
                holders.retain(|&h| h != drone);
                if holders.is_empty() {
                    self.cells.remove(&c);
                }
            }
        }
    }

    /// Cells held, over all flights.
    pub fn len(&self) -> usize {
        self.held.values().map(Vec::len).sum()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drone(id: u32) -> Drone {
        Drone::sample(id)
    }

    /// A flight based at vertiport `base`, which is at (x, y).
    fn at(base: usize, x: f64, y: f64) -> Terminal {
        Terminal { base, at: Vec2::new(x, y) }
    }

    fn line(from: (f64, f64), to: (f64, f64)) -> Vec<Waypoint> {
        let wp = |(x, y): (f64, f64)| Waypoint { at: Vec2::new(x, y), z_m: 60.0 };
        vec![wp(from), wp(to)]
    }

    #[test]
    fn crossing_flights_at_the_same_time_conflict_and_later_they_do_not() {
        let mut r = Reservations::default();
        let (a, b) = (drone(1), drone(2));
        // A flies west to east, B south to north; both reach (600, 0) after 50 s.
        let path_a = line((0.0, 0.0), (1200.0, 0.0));
        let path_b = line((600.0, -600.0), (600.0, 600.0));
        let base_a = at(0, 0.0, 0.0);
        let base_b = at(1, 600.0, -600.0);
        let ta = trajectory(&a, &[(&path_a, 0)], 0, [0.0, 0.0]);
        r.reserve(1, &ta, base_a);
        let now = trajectory(&b, &[(&path_b, 0)], 0, [0.0, 0.0]);
        assert_eq!(r.conflict(2, &now, base_b), Some(1), "both at the crossing 50 s after take-off");
        let later = trajectory(&b, &[(&path_b, 0)], 20_000, [0.0, 0.0]);
        assert_eq!(r.conflict(2, &later, base_b), None, "20 s later A is 240 m past the crossing");
        // A flight never conflicts with itself, and releasing frees the cells.
        assert_eq!(r.conflict(1, &ta, base_a), None);
        r.release(1);
        assert!(r.is_empty());
        assert_eq!(r.conflict(2, &now, base_b), None);
    }

    #[test]
    fn parallel_layers_do_not_conflict() {
        let mut r = Reservations::default();
        let out = line((0.0, 0.0), (1200.0, 0.0));
        let mut back = line((1200.0, 0.0), (0.0, 0.0));
        back.iter_mut().for_each(|w| w.z_m = 75.0);
        r.reserve(1, &trajectory(&drone(1), &[(&out, 0)], 0, [0.0; 2]), at(0, -500.0, 0.0));
        let b = trajectory(&drone(2), &[(&back, 0)], 0, [0.0; 2]);
        assert_eq!(r.conflict(2, &b, at(1, 1700.0, 0.0)), None, "the return layer is 15 m above");
    }

    #[test]
    fn a_vertiport_sequences_its_own_flights_and_others_are_kept_from_them() {
        let wp = |x: f64, y: f64, z_m: f64| Waypoint { at: Vec2::new(x, y), z_m };
        // C, from vertiport 1, crosses over vertiport 0 at 40 m.
        let across = [wp(-600.0, 0.0, 40.0), wp(600.0, 0.0, 40.0)];
        let c = trajectory(&drone(3), &[(&across, 0)], 0, [0.0; 2]);
        let over = c.iter().find(|(_, p)| p[0] >= 0.0).map(|(t, _)| *t).expect("passes over");
        // A climbs from its pad at vertiport 0 (3 m/s, through 40 m about 13 s after take-off)
        // and heads north, taking off so as to climb through 40 m as C passes.
        let start = over - 13_000;
        let climb_north = [wp(0.0, 0.0, 0.0), wp(0.0, 0.0, 60.0), wp(0.0, 1200.0, 60.0)];
        let mut r = Reservations::default();
        r.reserve(1, &trajectory(&drone(1), &[(&climb_north, 0)], start, [0.0; 2]), at(0, 0.0, 0.0));
        assert_eq!(r.conflict(3, &c, at(1, -600.0, 0.0)), Some(1), "A's climb is held against other flights");
        // B, from a pad of the same vertiport 6 m away, climbs at the same time and heads south:
        // near their vertiport the two are its to sequence.
        let climb_south = [wp(6.0, 0.0, 0.0), wp(6.0, 0.0, 60.0), wp(6.0, -1200.0, 60.0)];
        let b = trajectory(&drone(2), &[(&climb_south, 0)], start, [0.0; 2]);
        assert_eq!(r.conflict(2, &b, at(0, 6.0, 0.0)), None);
    }
}

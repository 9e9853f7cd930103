//! Strategic deconfliction, as a U-space service offers it: before take-off, a flight's planned
//! trajectory is flown ahead second by second, and it may launch only if at no moment it would
//! come within the planning buffer of a flight already approved.
//!
//! The buffer ([`Buffer`]) is the drone–drone separation minimum of the rules in force with a
//! margin: half as wide again, a quarter higher, and [`TOLERANCE_MS`] either way in time. The
//! margin covers what a plan flown ahead cannot know exactly: the controller's tracking error,
//! gusts, a climb held for a moment by tactical separation, and the one-second sampling. The
//! distance itself is checked, not whether cells next to each other are held, which would turn
//! away flights more than twice the minimum apart.
//!
//! Approved trajectories are kept sample by sample in columns [`CELL_M`] square and [`SLOT_MS`]
//! long, so a request reads only the columns next to its own: the work grows with the flights
//! near it, not with all flights. The trajectory is the flight plan flown ahead as the flight
//! will fly it ([`Flown`]), tick by tick, so that a flight keeps to its plan to the tick. Every
//! sample of a flight is held, its climb and descent included; but rising from or setting down
//! on its stand, within [`TERMINAL_RADIUS_M`] of its vertiport, it is not held apart from that
//! vertiport's other flights doing the same, which the vertiport sequences itself (its take-off
//! pads and their interval). A flight from elsewhere crossing the vertiport is kept apart from
//! the drones rising and setting down as anywhere; one of its own passing level, by the
//! vertiport's terminal minimum ([`TERMINAL_MINIMUM_M`]) with the buffer's margin, as tactical
//! separation keeps them. Cruise routes go
//! round other vertiports' terminal areas where a way round exists
//! ([`ActiveRules::terminal_areas`]), so that
//! flights passing by seldom hold a vertiport's drones on their stands. What a plan could not
//! foresee, tactical separation ([`super::tactical`]) turns drones aside for, and the safety
//! monitor counts.

use std::collections::BTreeMap;

use bevy::prelude::*;
use pilotzone_routing::Vec2;
use pilotzone_routing::airspace::Waypoint;

use super::airframe::Drone;
use super::flight::{Cursor, rising_or_setting_down};
use crate::rules::{ActiveRules, PLAN_HORIZONTAL_MARGIN};

/// Edge of the square columns approved samples are filed in, m: as wide as the buffer at the
/// usual 30 m minimum, so a request reads its own column and the eight around it.
pub const CELL_M: f64 = 50.0;
/// Time slot approved samples are filed in, ms.
pub const SLOT_MS: u64 = 5_000;
/// How far apart in time two samples may be and still be compared, ms: a flight may run that
/// much early or late against its plan and stay clear.
pub const TOLERANCE_MS: u64 = 2_000;
/// A vertiport's terminal area: within this radius of it, its own flights rise from and set
/// down on their pads (a ring well inside it for fleets of up to 65 drones) and are sequenced by
/// the vertiport, not held apart by reservations; the safety monitor does not count losses of
/// separation there either, m.
pub const TERMINAL_RADIUS_M: f64 = 60.0;
/// Within its terminal area, the least horizontal distance a vertiport keeps between one of its
/// flights rising from or setting down on a stand and another of its own passing level, m: its
/// procedures' spacing, not the en-route minimum, which would hold every climb while a
/// neighbour leaves over the stands next to it (a stand's neighbours are a few metres away).
/// Many times a drone's size; the planning buffer and detect-and-avoid widen it by their margins.
pub const TERMINAL_MINIMUM_M: f64 = 10.0;

/// A flight's vertiport.
#[derive(Clone, Copy, Debug)]
pub struct Terminal {
    /// The vertiport, as a place index.
    pub base: usize,
    /// Where it is.
    pub at: Vec2,
}

impl Terminal {
    /// Whether a flight of this vertiport rises from or sets down on its stand at `s`.
    fn at_stand(&self, s: &Sample) -> bool {
        s.vertical && (s.at[0] - self.at.x).hypot(s.at[1] - self.at.y) < TERMINAL_RADIUS_M
    }
}

/// How far apart approved flights are planned to stay at every moment.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Buffer {
    /// Horizontal distance, m.
    pub horizontal_m: f64,
    /// Vertical distance, m: two samples closer than [`Self::horizontal_m`] conflict only if
    /// also closer than this.
    pub vertical_m: f64,
    /// Horizontal distance between two flights of one vertiport where one of them rises from or
    /// sets down on its stand, m ([`TERMINAL_MINIMUM_M`] with the margin).
    pub terminal_m: f64,
}

impl Buffer {
    /// The buffer for the drone–drone minimum in force (30 m and 10 m when no rule sets one).
    pub fn of(rules: &ActiveRules) -> Buffer {
        let (horizontal_m, vertical_m) = rules.drone_planning_buffer_m();
        let terminal_m = (TERMINAL_MINIMUM_M * PLAN_HORIZONTAL_MARGIN).min(horizontal_m);
        Buffer { horizontal_m, vertical_m, terminal_m }
    }
}

/// Step at which a planned trajectory is sampled, s: a quarter of a column's crossing time at
/// cruise.
const SAMPLE_S: f64 = 1.0;
/// Longest a predicted leg is flown ahead, s: far beyond any battery.
const PREDICT_LIMIT_S: f64 = 4.0 * 3600.0;

/// One second of a planned flight.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    /// When, ms.
    pub t_ms: u64,
    /// Where, m.
    pub at: [f64; 3],
    /// Whether it rises from the leg's start or sets down at its end, not cruising.
    pub vertical: bool,
}

/// A trajectory as flown in a steady wind, leg after leg: (time, position) samples every second.
/// Each leg's reference is flown ahead from rest as the flight will fly it, easing into corners
/// and level-offs and speeding up out of them, so a flight is where its reservation says even
/// after many corners.
#[derive(Clone, Debug)]
pub struct Flown {
    /// The samples so far.
    pub samples: Vec<Sample>,
    /// When the next leg starts, s.
    t_s: f64,
    /// The step at which legs are flown ahead, s: the simulation's tick, so that a flight is
    /// where its reservation says to the tick (a coarser step put every flight seconds behind
    /// its plan after its first corners and level-offs).
    tick_s: f64,
}

impl Flown {
    /// Nothing flown yet; the first leg starts at `start_ms`, and legs are flown ahead at the
    /// simulation's tick `tick_s`.
    pub fn starting(start_ms: u64, tick_s: f64) -> Flown {
        Flown { samples: Vec::new(), t_s: start_ms as f64 / 1000.0, tick_s }
    }

    /// When the next leg starts, ms: the end of what is flown so far.
    pub fn end_ms(&self) -> u64 {
        (self.t_s * 1000.0) as u64
    }

    /// Flies `path` in `wind`, then hovers `hold_ms` at its end (the drop).
    pub fn leg(&mut self, drone: &Drone, path: &[Waypoint], hold_ms: u64, wind: [f64; 2]) {
        if let Some(shape) = LegShape::of(drone, path, wind, self.tick_s) {
            self.fly(&shape, hold_ms);
        }
    }

    /// Flies a leg worked out beforehand from the end of what is flown so far, then hovers
    /// `hold_ms` at its end: the same samples as [`Self::leg`] with its path.
    pub fn fly(&mut self, shape: &LegShape, hold_ms: u64) {
        let start_s = self.t_s;
        for &(steps, at, vertical) in &shape.samples {
            let t_ms = ((start_s + f64::from(steps) * self.tick_s) * 1000.0) as u64;
            self.samples.push(Sample { t_ms, at, vertical });
        }
        self.t_s = start_s + f64::from(shape.steps) * self.tick_s;
        self.samples.push(Sample { t_ms: self.end_ms(), at: shape.end, vertical: true });
        self.hover(hold_ms);
    }

    /// The step at which legs are flown ahead, s.
    pub fn tick_s(&self) -> f64 {
        self.tick_s
    }

    /// Where the trajectory ends now, to [`Self::rewind`] to after trying a leg.
    pub fn mark(&self) -> (usize, f64) {
        (self.samples.len(), self.t_s)
    }

    /// Takes back what was flown since `mark`.
    pub fn rewind(&mut self, (len, t_s): (usize, f64)) {
        self.samples.truncate(len);
        self.t_s = t_s;
    }

    /// Hovers `ms` longer where the last leg ended: the drop, or a wait over the garden before
    /// the way home.
    pub fn hover(&mut self, ms: u64) {
        let Some(end) = self.samples.last().map(|s| s.at) else { return };
        let mut h = SAMPLE_S;
        while h <= ms as f64 / 1000.0 {
            self.samples.push(Sample { t_ms: ((self.t_s + h) * 1000.0) as u64, at: end, vertical: true });
            h += SAMPLE_S;
        }
        self.t_s += ms as f64 / 1000.0;
    }
}

/// A leg flown ahead from rest, whenever it starts: where the flight is at each sample, by ticks
/// from the leg's start. A way home tried after each wait over the garden is the same leg later,
/// worked out once.
#[derive(Clone, Debug)]
pub struct LegShape {
    /// (ticks from the start, position, rising or setting down) at each sample.
    samples: Vec<(u32, [f64; 3], bool)>,
    /// Ticks to the end of the leg.
    steps: u32,
    /// Where the leg ends.
    end: [f64; 3],
}

impl LegShape {
    /// `path` flown ahead in `wind` at the simulation's tick `tick_s`; none for a path without
    /// waypoints.
    pub fn of(drone: &Drone, path: &[Waypoint], wind: [f64; 2], tick_s: f64) -> Option<LegShape> {
        let first = path.first()?;
        let per_sample = ((SAMPLE_S / tick_s).round() as u32).max(1);
        let mut cursor = Cursor::new([first.at.x, first.at.y, first.z_m], 0.0, 1);
        let (mut samples, mut steps) = (Vec::new(), 0u32);
        while cursor.next < path.len() && f64::from(steps) * tick_s < PREDICT_LIMIT_S {
            if steps.is_multiple_of(per_sample) {
                samples.push((steps, cursor.at, rising_or_setting_down(path, cursor.next)));
            }
            // Tick by tick where it speeds up, slows or turns; up to the next sample at once where
            // it cruises.
            let to_sample = per_sample - steps % per_sample;
            steps += match cursor.cruise(drone, path, wind, tick_s, to_sample) {
                0 => {
                    cursor.advance(drone, path, wind, tick_s);
                    1
                }
                n => n,
            };
        }
        Some(LegShape { samples, steps, end: cursor.at })
    }
}

/// A trajectory of several legs, each with its hover at the end, from `start_ms`, flown ahead
/// at the simulation's tick `tick_s`.
pub fn trajectory(
    drone: &Drone,
    legs: &[(&[Waypoint], u64)],
    start_ms: u64,
    wind: [f64; 2],
    tick_s: f64,
) -> Vec<Sample> {
    let mut flown = Flown::starting(start_ms, tick_s);
    for &(path, hold_ms) in legs {
        flown.leg(drone, path, hold_ms, wind);
    }
    flown.samples
}

/// A column of airspace over one time slot: (slot, east, north).
type Column = (u64, i32, i32);

fn column(t_ms: u64, p: [f64; 3]) -> Column {
    (t_ms / SLOT_MS, (p[0] / CELL_M).floor() as i32, (p[1] / CELL_M).floor() as i32)
}

/// One second of an approved flight.
#[derive(Clone, Copy, Debug)]
struct Held {
    drone: u32,
    t_ms: u64,
    at: [f64; 3],
    /// Rising from or setting down on its stand.
    at_stand: bool,
}

/// Airspace held by approved flights: their trajectories, filed by column.
#[derive(Resource, Debug, Default)]
pub struct Reservations {
    columns: BTreeMap<Column, Vec<Held>>,
    /// The columns each flight has samples in.
    held: BTreeMap<u32, Vec<Column>>,
    /// The vertiport of each flight holding airspace.
    bases: BTreeMap<u32, usize>,
    /// Time orders waited because their flight could not be deconflicted, ms.
    pub delay_ms: u64,
    /// Orders whose flight had to wait at least once.
    pub delayed: std::collections::BTreeSet<u32>,
    /// Time drones hovered over gardens for a clear way home, ms.
    pub home_wait_ms: u64,
    /// Of that, the time no plan foresaw: hovering without a way home held, asking for one, ms.
    pub asked_home_wait_ms: u64,
    /// Longest one drone hovered over a garden for its way home, ms.
    pub longest_home_wait_ms: u64,
}

impl Reservations {
    /// The first other flight the trajectory would come within `buffer` of, if any. Between two
    /// flights of one vertiport, where one rises from or sets down on its stand, the buffer is
    /// the terminal one ([`Buffer::terminal_m`]); where both do, the vertiport sequences them.
    pub fn conflict(&self, drone: u32, samples: &[Sample], terminal: Terminal, buffer: Buffer) -> Option<u32> {
        let reach = (buffer.horizontal_m / CELL_M).ceil() as i32;
        let (h2, t2) = (buffer.horizontal_m * buffer.horizontal_m, buffer.terminal_m * buffer.terminal_m);
        let same_base = |h: u32| self.bases.get(&h) == Some(&terminal.base);
        // A run of samples in one column reads the columns around it once.
        let mut rest = samples;
        while let Some(first) = rest.first() {
            let (slot, x, y) = column(first.t_ms, first.at);
            let n = rest.iter().position(|s| column(s.t_ms, s.at) != (slot, x, y)).unwrap_or(rest.len());
            let (run, next) = rest.split_at(n);
            rest = next;
            let from = run[0].t_ms.saturating_sub(TOLERANCE_MS) / SLOT_MS;
            let to = (run[n - 1].t_ms + TOLERANCE_MS) / SLOT_MS;
            for s in from..=to {
                for dx in -reach..=reach {
                    // The columns of one slot and one east step, north to south, are neighbours
                    // in the map: one search finds them all.
                    for held in self.columns.range((s, x + dx, y - reach)..=(s, x + dx, y + reach)).map(|(_, h)| h) {
                        for h in held.iter().filter(|h| h.drone != drone) {
                            for mine in run {
                                let (p, q) = (mine.at, h.at);
                                let (ex, ey) = (p[0] - q[0], p[1] - q[1]);
                                let d2 = ex * ex + ey * ey;
                                let close = mine.t_ms.abs_diff(h.t_ms) <= TOLERANCE_MS
                                    && d2 < h2
                                    && (p[2] - q[2]).abs() < buffer.vertical_m;
                                if !close {
                                    continue;
                                }
                                let stands = (h.at_stand, terminal.at_stand(mine));
                                let own = (stands.0 || stands.1) && same_base(h.drone);
                                if !own || (d2 < t2 && !(stands.0 && stands.1)) {
                                    return Some(h.drone);
                                }
                            }
                        }
                    }
                }
            }
        }
        None
    }

    /// Reserves a trajectory for `drone`, replacing what it held.
    pub fn reserve(&mut self, drone: u32, samples: &[Sample], terminal: Terminal) {
        self.release(drone);
        let mut columns = Vec::new();
        for s in samples {
            let c = column(s.t_ms, s.at);
            self.columns.entry(c).or_default().push(Held {
                drone,
                t_ms: s.t_ms,
                at: s.at,
                at_stand: terminal.at_stand(s),
            });
            if columns.last() != Some(&c) {
                columns.push(c);
            }
        }
        columns.sort_unstable();
        columns.dedup();
        self.held.insert(drone, columns);
        self.bases.insert(drone, terminal.base);
    }

    /// Frees everything `drone` holds.
    pub fn release(&mut self, drone: u32) {
        self.bases.remove(&drone);
        for c in self.held.remove(&drone).unwrap_or_default() {
            if let Some(held) = self.columns.get_mut(&c) {
                held.retain(|h| h.drone != drone);
                if held.is_empty() {
                    self.columns.remove(&c);
                }
            }
        }
    }

    /// Flights holding airspace.
    pub fn len(&self) -> usize {
        self.held.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drone::DROP_MS;
    use crate::geom::norm3;

    /// The usual tick, s.
    const TICK_S: f64 = 0.1;

    /// The buffer at the usual 30 m and 10 m minimum.
    const BUFFER: Buffer = Buffer { horizontal_m: 45.0, vertical_m: 12.5, terminal_m: 15.0 };

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

    /// A delivery's way there: up from the pad, along, round a corner while climbing to another
    /// layer, along, and down to the drop height.
    fn delivery() -> Vec<Waypoint> {
        let wp = |x: f64, y: f64, z_m: f64| Waypoint { at: Vec2::new(x, y), z_m };
        vec![
            wp(0.0, 0.0, 0.0),
            wp(0.0, 0.0, 60.0),
            wp(400.0, 0.0, 60.0),
            wp(400.0, 300.0, 80.0),
            wp(900.0, 300.0, 80.0),
            wp(900.0, 300.0, 10.0),
        ]
    }

    /// The flight moves its reference tick by tick; the prediction that reserves its airspace
    /// flies the same ticks (at once where it cruises), so it is where the flight will be, every
    /// second to the micrometre, and ends on the same tick. Flown ahead at half-second steps, the
    /// same flight arrived seconds before the drone did, which then missed the way home reserved
    /// for it and hovered over the garden for another.
    #[test]
    fn a_predicted_flight_is_where_the_flight_is_to_the_tick() {
        let d = drone(1);
        let path = delivery();
        let wind = [3.0, -2.0];
        let mut cursor = Cursor::new([0.0; 3], 0.0, 1);
        let (mut flown, mut ticks) = (Vec::new(), 0u64);
        while cursor.next < path.len() {
            if ticks.is_multiple_of(10) {
                flown.push(cursor.at);
            }
            cursor.advance(&d, &path, wind, TICK_S);
            ticks += 1;
        }
        let predicted = trajectory(&d, &[(&path, 0)], 5_000, wind, TICK_S);
        // One sample a second on the way, and one at the end.
        assert_eq!(predicted.len(), flown.len() + 1);
        for (k, (p, at)) in predicted.iter().zip(&flown).enumerate() {
            assert_eq!(p.t_ms, 5_000 + 1_000 * k as u64);
            let off = norm3([0, 1, 2].map(|i| p.at[i] - at[i]));
            assert!(off < 1e-6, "{off} m off the flight at {k} s");
        }
        let mut planned = Flown::starting(5_000, TICK_S);
        planned.leg(&d, &path, DROP_MS, wind);
        assert_eq!(planned.end_ms(), 5_000 + ticks * 100 + DROP_MS, "the drop ends on the flight's tick");
        let mut coarse = Flown::starting(5_000, 0.5);
        coarse.leg(&d, &path, DROP_MS, wind);
        let early_ms = planned.end_ms() as i64 - coarse.end_ms() as i64;
        assert!(early_ms > 1_000, "half-second steps arrive {early_ms} ms early");
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
        let ta = trajectory(&a, &[(&path_a, 0)], 0, [0.0, 0.0], TICK_S);
        r.reserve(1, &ta, base_a);
        let now = trajectory(&b, &[(&path_b, 0)], 0, [0.0, 0.0], TICK_S);
        assert_eq!(r.conflict(2, &now, base_b, BUFFER), Some(1), "both at the crossing 50 s after take-off");
        let later = trajectory(&b, &[(&path_b, 0)], 20_000, [0.0, 0.0], TICK_S);
        assert_eq!(r.conflict(2, &later, base_b, BUFFER), None, "20 s later A is 240 m past the crossing");
        // A flight never conflicts with itself, and releasing frees the cells.
        assert_eq!(r.conflict(1, &ta, base_a, BUFFER), None);
        r.release(1);
        assert!(r.is_empty());
        assert_eq!(r.columns.len(), 0, "no sample is left behind");
        assert_eq!(r.conflict(2, &now, base_b, BUFFER), None);
    }

    /// Course layers are more than the vertical buffer apart: flights crossing at the same
    /// moment on neighbouring layers do not hold each other's airspace, on one layer they do.
    #[test]
    fn flights_crossing_on_neighbouring_course_layers_are_clear_of_each_other() {
        let spacing = crate::drone::airframe::LAYER_SPACING * 10.0;
        use crate::rules::{PLAN_HORIZONTAL_MARGIN, PLAN_VERTICAL_MARGIN};
        assert_eq!(
            BUFFER,
            Buffer {
                horizontal_m: 30.0 * PLAN_HORIZONTAL_MARGIN,
                vertical_m: 10.0 * PLAN_VERTICAL_MARGIN,
                terminal_m: TERMINAL_MINIMUM_M * PLAN_HORIZONTAL_MARGIN,
            }
        );
        let crossing = |z_m: f64| {
            let mut north = line((600.0, -600.0), (600.0, 600.0));
            north.iter_mut().for_each(|w| w.z_m = z_m);
            trajectory(&drone(2), &[(&north, 0)], 0, [0.0; 2], TICK_S)
        };
        let mut r = Reservations::default();
        r.reserve(
            1,
            &trajectory(&drone(1), &[(&line((0.0, 0.0), (1200.0, 0.0)), 0)], 0, [0.0; 2], TICK_S),
            at(0, -500.0, 0.0),
        );
        assert_eq!(r.conflict(2, &crossing(60.0), at(1, 600.0, -900.0), BUFFER), Some(1), "one layer");
        assert_eq!(r.conflict(2, &crossing(60.0 + spacing), at(1, 600.0, -900.0), BUFFER), None, "the layer above");
        assert_eq!(r.conflict(2, &crossing(60.0 - spacing), at(1, 600.0, -900.0), BUFFER), None, "the layer below");
    }

    #[test]
    fn parallel_layers_do_not_conflict() {
        let mut r = Reservations::default();
        let out = line((0.0, 0.0), (1200.0, 0.0));
        let mut back = line((1200.0, 0.0), (0.0, 0.0));
        back.iter_mut().for_each(|w| w.z_m = 75.0);
        r.reserve(1, &trajectory(&drone(1), &[(&out, 0)], 0, [0.0; 2], TICK_S), at(0, -500.0, 0.0));
        let b = trajectory(&drone(2), &[(&back, 0)], 0, [0.0; 2], TICK_S);
        assert_eq!(r.conflict(2, &b, at(1, 1700.0, 0.0), BUFFER), None, "the return layer is 15 m above");
    }

    #[test]
    fn a_vertiport_sequences_its_own_flights_and_others_are_kept_from_them() {
        let wp = |x: f64, y: f64, z_m: f64| Waypoint { at: Vec2::new(x, y), z_m };
        // C, from vertiport 1, crosses over vertiport 0 at 40 m.
        let across = [wp(-600.0, 0.0, 40.0), wp(600.0, 0.0, 40.0)];
        let c = trajectory(&drone(3), &[(&across, 0)], 0, [0.0; 2], TICK_S);
        let over = c.iter().find(|s| s.at[0] >= 0.0).map(|s| s.t_ms).expect("passes over");
        // A climbs from its pad at vertiport 0 (3 m/s, through 40 m about 13 s after take-off)
        // and heads north, taking off so as to climb through 40 m as C passes.
        let start = over - 13_000;
        let climb_north = [wp(0.0, 0.0, 0.0), wp(0.0, 0.0, 60.0), wp(0.0, 1200.0, 60.0)];
        let mut r = Reservations::default();
        r.reserve(1, &trajectory(&drone(1), &[(&climb_north, 0)], start, [0.0; 2], TICK_S), at(0, 0.0, 0.0));
        assert_eq!(r.conflict(3, &c, at(1, -600.0, 0.0), BUFFER), Some(1), "A's climb is held against other flights");
        // B, of the same vertiport, sets down on a pad 6 m away as A rises, passing A's height
        // there: the two are the vertiport's to sequence.
        let home = [wp(6.0, -120.0, 75.0), wp(6.0, 0.0, 75.0), wp(6.0, 0.0, 0.0)];
        let flown = trajectory(&drone(2), &[(&home, 0)], 0, [0.0; 2], TICK_S);
        let over_pad = flown.iter().find(|s| s.vertical).map(|s| s.t_ms).expect("sets down");
        let b = trajectory(&drone(2), &[(&home, 0)], start + 5_000 - over_pad, [0.0; 2], TICK_S);
        assert_eq!(r.conflict(2, &b, at(0, 0.0, 0.0), BUFFER), None);
        // As one of another vertiport's, B would be held apart from A.
        assert_eq!(r.conflict(2, &b, at(2, 6.0, 0.0), BUFFER), Some(1));
        // D, of the same vertiport, passes over it level at 40 m as C would: kept from A's climb
        // as any flight is.
        let d = trajectory(&drone(4), &[(&across, 0)], 0, [0.0; 2], TICK_S);
        assert_eq!(r.conflict(4, &d, at(0, 0.0, 0.0), BUFFER), Some(1));
        // Level 20 m to the side of A's climb, D is outside the terminal buffer (15 m) and clear,
        // as a flight leaving over the stands next to A's is; C, of another vertiport, is
        // still inside the en-route buffer (45 m) there and held. At 12 m D is held again.
        let beside = |y: f64| [wp(-600.0, y, 40.0), wp(600.0, y, 40.0)];
        let d = trajectory(&drone(4), &[(&beside(20.0), 0)], 0, [0.0; 2], TICK_S);
        assert_eq!(r.conflict(4, &d, at(0, 0.0, 0.0), BUFFER), None);
        assert_eq!(r.conflict(3, &d, at(1, -600.0, 0.0), BUFFER), Some(1));
        let d = trajectory(&drone(4), &[(&beside(12.0), 0)], 0, [0.0; 2], TICK_S);
        assert_eq!(r.conflict(4, &d, at(0, 0.0, 0.0), BUFFER), Some(1));
    }

    #[test]
    fn flights_are_held_apart_by_the_buffer_not_by_their_cells() {
        let mut r = Reservations::default();
        let east = line((0.0, 0.0), (1200.0, 0.0));
        r.reserve(1, &trajectory(&drone(1), &[(&east, 0)], 0, [0.0; 2], TICK_S), at(0, -500.0, 0.0));
        // Abreast on the same layer, side by side all the way.
        let abreast = |y: f64| trajectory(&drone(2), &[(&line((0.0, y), (1200.0, y)), 0)], 0, [0.0; 2], TICK_S);
        assert_eq!(r.conflict(2, &abreast(40.0), at(1, -500.0, 900.0), BUFFER), Some(1), "40 m is inside 45 m");
        assert_eq!(r.conflict(2, &abreast(50.0), at(1, -500.0, 900.0), BUFFER), None, "50 m is outside 45 m");
        // Right above, but a whole layer up.
        let mut above = line((0.0, 0.0), (1200.0, 0.0));
        above.iter_mut().for_each(|w| w.z_m = 72.0);
        let over = trajectory(&drone(2), &[(&above, 0)], 0, [0.0; 2], TICK_S);
        assert_eq!(r.conflict(2, &over, at(1, -500.0, 900.0), BUFFER), Some(1), "12 m is inside 12.5 m");
        above.iter_mut().for_each(|w| w.z_m = 73.0);
        let over = trajectory(&drone(2), &[(&above, 0)], 0, [0.0; 2], TICK_S);
        assert_eq!(r.conflict(2, &over, at(1, -500.0, 900.0), BUFFER), None, "13 m is outside 12.5 m");
    }

    #[test]
    fn a_flight_a_little_late_or_early_is_still_held_apart() {
        let mut r = Reservations::default();
        // A flies east, B north; both at 12 m/s, B through the crossing some seconds after A.
        let a = trajectory(&drone(1), &[(&line((0.0, 0.0), (1200.0, 0.0)), 0)], 0, [0.0; 2], TICK_S);
        r.reserve(1, &a, at(0, -500.0, 0.0));
        let b = |after_ms: u64| {
            trajectory(&drone(2), &[(&line((600.0, -600.0), (600.0, 600.0)), 0)], after_ms, [0.0; 2], TICK_S)
        };
        // Closest as planned: 12 m/s × 6 s / √2 = 51 m, outside the buffer, but 2 s closer in
        // time, as either may fly, 34 m: held apart.
        assert_eq!(r.conflict(2, &b(6_000), at(1, 600.0, -900.0), BUFFER), Some(1));
        // 8 s after: 68 m as planned, 51 m at worst.
        assert_eq!(r.conflict(2, &b(8_000), at(1, 600.0, -900.0), BUFFER), None);
    }
}

//! The airframe: a delivery drone's fixed properties, its speed over the ground in wind, and
//! its time and energy aloft.

use bevy::prelude::*;
use pilotzone_routing::Vec2;
use pilotzone_routing::airspace::Waypoint;

use crate::rules::ActiveRules;

/// Mass of a delivery drone with its parcel, kg.
pub const DRONE_MASS_KG: f64 = 6.0;
/// Linear drag of the air on a drone, per second (N per kg per m/s of airspeed): about 3 m/s²
/// at 12 m/s, a 17° tilt in cruise.
pub const DRAG_PER_S: f64 = 0.25;
/// Most thrust the rotors give, in multiples of the drone's weight.
pub const MAX_THRUST_G: f64 = 2.0;
/// Natural frequency of the position loop, rad/s.
pub const CONTROL_RAD_S: f64 = 1.2;
/// Gravity, m/s².
pub const GRAVITY: f64 = 9.81;
/// Slowest ground speed a drone keeps along its track, m/s: into a wind it cannot beat, it
/// still creeps on rather than stand in the air.
pub const MIN_GROUND_MPS: f64 = 1.0;
/// How many drone–drone vertical minima apart course layers are: more than strategic
/// deconfliction's vertical buffer (a quarter over the minimum), so flights on neighbouring
/// layers never hold each other's airspace, and half a minimum over the minimum itself, room
/// for the controller's tracking.
pub const LAYER_SPACING: f64 = 1.5;

/// A drone's fixed properties.
#[derive(Component, Clone, Debug)]
pub struct Drone {
    /// Stable id (also its replay entity id).
    pub id: u32,
    /// Index of its fleet in `fleets.drones`.
    pub fleet: usize,
    /// Place index of its vertiport.
    pub base: usize,
    /// Where its vertiport is.
    pub base_at: Vec2,
    /// Its landing pad.
    pub pad: Vec2,
    /// Horizontal cruise speed, m/s.
    pub cruise_mps: f64,
    /// Outbound cruise altitude, m.
    pub cruise_alt_m: f64,
    /// Return cruise altitude, m.
    pub return_alt_m: f64,
    /// Vertical speed, m/s.
    pub climb_mps: f64,
    /// Largest parcel, kg.
    pub payload_kg: f64,
    /// Battery capacity, Wh.
    pub battery_wh: f64,
    /// Energy per km flown, Wh.
    pub wh_per_km: f64,
}

/// Ground speed along a horizontal track (`dir`, a unit vector) of a drone holding `airspeed`
/// through air moving at `wind`: it heads into the crosswind to stay on the track, and what is
/// left of its airspeed, plus the wind along the track, carries it on.
pub fn ground_speed(airspeed: f64, dir: [f64; 2], wind: [f64; 2]) -> f64 {
    let along = wind[0] * dir[0] + wind[1] * dir[1];
    let across = wind[1] * dir[0] - wind[0] * dir[1];
    let ahead = (airspeed * airspeed - across * across).max(0.0).sqrt();
    (along + ahead).max(MIN_GROUND_MPS)
}

impl Drone {
    /// Electrical power drawn in the air, W·h per second: a multirotor draws about the same in
    /// cruise, climb and hover, so energy follows time aloft, and a headwind costs energy.
    pub fn power_wh_per_s(&self) -> f64 {
        self.wh_per_km * self.cruise_mps / 1000.0
    }

    /// Speed along a leg of the path from `from` to `to` in `wind`, m/s.
    pub(super) fn leg_speed(&self, from: [f64; 3], to: [f64; 3], wind: [f64; 2]) -> f64 {
        let d = [to[0] - from[0], to[1] - from[1], to[2] - from[2]];
        let horizontal = (d[0] * d[0] + d[1] * d[1]).sqrt();
        if horizontal > 0.5 {
            // The airspeed is held along the leg; the wind scales how fast the ground passes.
            ground_speed(self.cruise_mps, [d[0] / horizontal, d[1] / horizontal], wind)
        } else {
            self.climb_mps
        }
    }

    /// Time to fly a path in a steady wind, s.
    pub fn flight_time_s(&self, path: &[Waypoint], wind: [f64; 2]) -> f64 {
        let at = |w: &Waypoint| [w.at.x, w.at.y, w.z_m];
        path.windows(2)
            .map(|p| {
                let (a, b) = (at(&p[0]), at(&p[1]));
                let dist = ((b[0] - a[0]).hypot(b[1] - a[1])).hypot(b[2] - a[2]);
                dist / self.leg_speed(a, b, wind)
            })
            .sum()
    }

    /// Outbound and return cruise altitudes inside the band in force, m.
    pub fn altitudes(&self, rules: &ActiveRules) -> (f64, f64) {
        let (floor, ceiling) = rules.band_m;
        (self.cruise_alt_m.clamp(floor, ceiling), self.return_alt_m.clamp(floor, ceiling))
    }

    /// The heights a leg from `from` to `to` may cruise at, best first: the fleet's height out
    /// (`outbound`) or one layer higher home; or, with course layers, the layer of the leg's
    /// course, then the other layers nearest it. The band in force is cut into layers
    /// [`LAYER_SPACING`] drone–drone vertical minima apart (10 m when no rule sets one), and the
    /// compass into as many sectors: a leg cruises on its sector's layer, so legs that cross are
    /// stacked apart. Strategic deconfliction offers the others when the sector's layer is taken.
    pub fn leg_heights(&self, rules: &ActiveRules, from: Vec2, to: Vec2, outbound: bool) -> Vec<f64> {
        let (out, back) = self.altitudes(rules);
        if !rules.course_layers {
            return vec![if outbound { out } else { back }];
        }
        let (floor, ceiling) = rules.band_m;
        let spacing = LAYER_SPACING * rules.drone_minimum_m().1.max(1.0);
        let layers = ((ceiling - floor) / spacing).floor() as usize + 1;
        let d = to - from;
        let course = d.y.atan2(d.x).rem_euclid(std::f64::consts::TAU);
        let sector = ((course / std::f64::consts::TAU * layers as f64) as usize).min(layers - 1);
        let mut order: Vec<usize> = (0..layers).collect();
        order.sort_by_key(|&k| (k.abs_diff(sector), k));
        order.into_iter().map(|k| floor + k as f64 * spacing).collect()
    }

    /// The height of a leg, the `choice`-th of [`Self::leg_heights`] (or the first, if the band
    /// in force has fewer layers now).
    pub fn leg_height(&self, rules: &ActiveRules, from: Vec2, to: Vec2, outbound: bool, choice: usize) -> f64 {
        let heights = self.leg_heights(rules, from, to, outbound);
        heights.get(choice).copied().unwrap_or(heights[0])
    }

    /// The drone's vertiport, for strategic deconfliction.
    pub fn terminal(&self) -> super::deconflict::Terminal {
        super::deconflict::Terminal { base: self.base, at: self.base_at }
    }

    /// Whether `pos` lies within its vertiport's terminal area, where the vertiport sequences its
    /// flights: the monitor counts no loss of separation there between them, and detect-and-avoid
    /// leaves them to it.
    pub fn in_terminal(&self, pos: [f64; 3]) -> bool {
        let (dx, dy) = (pos[0] - self.base_at.x, pos[1] - self.base_at.y);
        dx * dx + dy * dy < super::deconflict::TERMINAL_RADIUS_M * super::deconflict::TERMINAL_RADIUS_M
    }
}

#[cfg(test)]
impl Drone {
    /// A drone of the usual kind, for tests: 12 m/s, 60 m cruise, 500 Wh.
    pub(crate) fn sample(id: u32) -> Drone {
        Drone {
            id,
            fleet: 0,
            base: 0,
            base_at: Vec2::new(0.0, 0.0),
            pad: Vec2::new(0.0, 0.0),
            cruise_mps: 12.0,
            cruise_alt_m: 60.0,
            return_alt_m: 75.0,
            climb_mps: 3.0,
            payload_kg: 2.0,
            battery_wh: 500.0,
            wh_per_km: 25.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headwind_slows_tailwind_speeds_crosswind_costs_a_little() {
        let east = [1.0, 0.0];
        assert_eq!(ground_speed(12.0, east, [0.0, 0.0]), 12.0);
        assert_eq!(ground_speed(12.0, east, [-4.0, 0.0]), 8.0, "4 m/s on the nose");
        assert_eq!(ground_speed(12.0, east, [4.0, 0.0]), 16.0, "4 m/s from behind");
        let crab = ground_speed(12.0, east, [0.0, 4.0]);
        assert!((crab - 128f64.sqrt()).abs() < 1e-12, "heading into a 4 m/s crosswind: {crab}");
        assert_eq!(ground_speed(12.0, east, [-15.0, 0.0]), MIN_GROUND_MPS, "a wind it cannot beat");
    }

    #[test]
    fn a_round_trip_in_steady_wind_takes_longer_than_in_calm_air() {
        let drone = Drone::sample(0);
        let wp = |x: f64, z: f64| Waypoint { at: Vec2::new(x, 0.0), z_m: z };
        let out = [wp(0.0, 0.0), wp(0.0, 60.0), wp(1200.0, 60.0), wp(1200.0, 3.0)];
        let back = [wp(1200.0, 3.0), wp(1200.0, 75.0), wp(0.0, 75.0), wp(0.0, 0.0)];
        let calm = drone.flight_time_s(&out, [0.0, 0.0]);
        assert!((calm - (20.0 + 100.0 + 19.0)).abs() < 1e-9, "climb 20 s, cruise 100 s, descend 19 s: {calm}");
        let west_wind = [-4.0, 0.0];
        let head = drone.flight_time_s(&out, west_wind);
        let tail = drone.flight_time_s(&back, west_wind);
        assert!((head - (20.0 + 150.0 + 19.0)).abs() < 1e-9, "{head}");
        assert!((tail - (24.0 + 75.0 + 25.0)).abs() < 1e-9, "{tail}");
        let calm_trip = calm + drone.flight_time_s(&back, [0.0, 0.0]);
        assert!(head + tail > calm_trip, "what the tailwind gives back is less than the headwind took");
    }
}

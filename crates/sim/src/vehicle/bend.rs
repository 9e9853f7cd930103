//! Bends: the speed at which a vehicle takes the turn from one road arc into the next.

use crate::town::TownMap;

/// Lateral acceleration drivers accept in a turn, m/s² (SUMO's default turn-speed limit).
const TURN_LATERAL_MPS2: f64 = 5.5;
/// Where a turn's arc meets each road, measured from the junction's centre, m: a tight corner
/// toward the kerb side (a 4 m kerb radius plus half a lane), a wider one across the oncoming
/// lane.
const TURN_TANGENT_NEAR_M: f64 = 5.75;
const TURN_TANGENT_FAR_M: f64 = 9.25;
/// A road bending less than this at a node is driven without slowing, radians.
const STRAIGHT_RAD: f64 = 0.17;

/// The fastest a vehicle takes the bend from `from` into `to`, m/s: a circular arc tangent to
/// both roads at the turn's tangent distance has radius `tangent / tan(θ/2)` for a deflection
/// θ, and `v = √(a·r)`. A U-turn is taken at walking pace.
pub fn turn_speed_mps(town: &TownMap, from: u32, to: u32) -> f64 {
    let (a, b) = (town.arc_dir[from as usize], town.arc_dir[to as usize]);
    let cos = (a.x * b.x + a.y * b.y).clamp(-1.0, 1.0);
    let theta = cos.acos();
    if theta < STRAIGHT_RAD {
        return f64::INFINITY;
    }
    // Turning left is toward the kerb where traffic keeps left, and the other way round.
    let left_turn = a.cross(b) > 0.0;
    let toward_kerb = left_turn == (town.side_sign > 0.0);
    let tangent = if toward_kerb { TURN_TANGENT_NEAR_M } else { TURN_TANGENT_FAR_M };
    let radius = (tangent / (theta / 2.0).tan()).max(1.0);
    (TURN_LATERAL_MPS2 * radius).sqrt()
}

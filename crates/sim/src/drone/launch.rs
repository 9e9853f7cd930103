//! Launches: every dispatch period, ready drones take the oldest open orders they can fly in
//! the wind and the airspace in force; orders that cannot be flown fail.

use bevy::prelude::*;
use pilotzone_routing::geom::point_in_polygon;

use pilotzone_routing::Vec2;
use pilotzone_routing::airspace::Waypoint;

use super::deconflict::{Buffer, Flown, LegShape, Reservations, Sample};
use super::{Air, DROP_HEIGHT_M, DROP_MS, Departures, Drone, DronePhase, DroneState};
use crate::clock::SimClock;
use crate::demand::{OrderStatus, Requests};
use crate::events::{EventKind, EventLog};
use crate::roster::DroneRoster;
use crate::rules::ActiveRules;
use crate::town::TownMap;

/// How often open orders are matched to ready drones, ms.
pub const ASSIGN_PERIOD_MS: u64 = 5_000;
/// Flights a vertiport asks the deconfliction service to authorise per assignment period, at
/// most: the oldest orders first, while a take-off pad is free; the rest wait their turn. A
/// refusal is most often a course that is busy now, and the next orders, bound elsewhere, find
/// what the airspace can take: at 12 a period the 2,000-drone town kept about 1,600 drones aloft,
/// at 50 about 1,950. The bound keeps a busy airspace from costing a request per waiting order.
pub const AUTHORISATIONS_PER_PERIOD: u32 = 50;
/// Cruise layers strategic deconfliction tries for each leg of a flight, its own first: the
/// next two carry traffic on courses near its own.
pub const LAYER_CHOICES: usize = 3;
/// Step of the waits over the garden strategic deconfliction tries for a way home that is taken
/// when the parcel is down, ms.
pub const HOME_WAIT_STEP_MS: u64 = 5_000;
/// Most steps of [`HOME_WAIT_STEP_MS`] a drone is planned to wait over a garden for its way home.
pub const HOME_WAITS: u32 = 12;
/// Share of the battery a flight plan must leave unused; it also covers gusts, which a plan
/// cannot know.
pub const ENERGY_RESERVE: f64 = 0.25;

/// Every dispatch period, launches ready drones with the oldest open orders they can fly, and
/// fails orders that cannot be flown.
pub fn assign_orders(
    clock: Res<SimClock>,
    town: Res<TownMap>,
    rules: Res<ActiveRules>,
    roster: Res<DroneRoster>,
    air: Res<Air>,
    mut reservations: ResMut<Reservations>,
    mut departures: ResMut<Departures>,
    mut requests: ResMut<Requests>,
    mut drones: Query<(&Drone, &mut DroneState)>,
    mut log: ResMut<EventLog>,
) {
    if !clock.every(ASSIGN_PERIOD_MS) {
        return;
    }
    let now = clock.now_ms;
    let open = requests.open_parcels();
    let waiting = requests.parcels[open.clone()].iter().any(|o| o.status == OrderStatus::Open);
    let wind = town.scenario.weather.wind_at(clock.time_of_day_s());
    let held = rules.wind_limit.filter(|&(max, _)| wind > max);
    if held.is_some() != departures.wind_held {
        departures.wind_held = held.is_some();
        let detail = match held {
            Some((max, rule)) => {
                format!("launches held: wind {wind:.1} m/s over {max:.1} m/s ({})", town.scenario.rules[rule].id)
            }
            None => format!("launches resume: wind {wind:.1} m/s"),
        };
        log.push(now, EventKind::WindHold, 0, [0.0; 3], detail);
    }
    // Orders wait while launches are held; those whose time runs out fail below, as any would.
    if held.is_some() && waiting {
        departures.wind_hold_ms += ASSIGN_PERIOD_MS;
    }
    // One drone at a time over a drop zone: places a drone is flying to, lowering a parcel at,
    // or still climbing away from, take no second drone.
    let mut busy_drop_zones: Vec<usize> = Vec::new();
    for &e in &roster.0 {
        let (_, state) = drones.get(e).expect("roster entities are drones");
        let climbing_away = state.phase == DronePhase::Returning && state.next <= 1;
        if matches!(state.phase, DronePhase::Outbound | DronePhase::Dropping { .. }) || climbing_away {
            busy_drop_zones.extend(state.order.map(|id| requests.parcels[id as usize].to));
        }
    }
    let deconflict = town.scenario.map.airspace.strategic_deconfliction;
    let mut requests_made: std::collections::BTreeMap<usize, u32> = std::collections::BTreeMap::new();
    for order in requests.parcels[open].iter_mut().filter(|o| o.status == OrderStatus::Open) {
        let dest = town.place_pos[order.to];
        let at = [dest.x, dest.y, 0.0];
        if now > order.latest_launch_ms {
            order.status = OrderStatus::Failed { reason: "no drone could take it in time".into() };
            log.push(
                now,
                EventKind::OrderFail,
                order.id,
                at,
                format!("order {}: no drone could take it in time", order.id),
            );
            continue;
        }
        // A destination under a permanent volume can never be served.
        if let Some(v) =
            town.permanent_no_fly.iter().find(|v| v.floor_m <= DROP_HEIGHT_M && point_in_polygon(dest, &v.polygon))
        {
            let reason = format!("destination lies under no-fly volume \"{}\"", v.name);
            log.push(now, EventKind::OrderFail, order.id, at, format!("order {}: {reason}", order.id));
            order.status = OrderStatus::Failed { reason };
            continue;
        }
        let pad = departures.pads.get(&order.from).and_then(|p| p.free(now));
        let Some(pad) = pad.filter(|_| held.is_none() && !busy_drop_zones.contains(&order.to)) else { continue };
        let asked = requests_made.entry(order.from).or_insert(0);
        if *asked >= AUTHORISATIONS_PER_PERIOD {
            continue;
        }
        *asked += 1;
        // Ready drones of the vertiport, the one whose pad faces the garden first: it leaves
        // outward, not across the pads where others rise, and comes home from that side too.
        let mut ready: Vec<(f64, u32, Entity)> = roster
            .0
            .iter()
            .filter_map(|&e| {
                let (drone, state) = drones.get(e).expect("roster entities are drones");
                let fleet = &town.scenario.fleets.drones[drone.fleet];
                let fits = state.phase == DronePhase::Ready
                    && drone.base == order.from
                    && drone.payload_kg >= order.weight_kg
                    && rules.fleet_open(&town, &fleet.name);
                fits.then(|| (drone.pad.distance(dest), drone.id, e))
            })
            .collect();
        ready.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for (_, _, e) in ready {
            let (drone, mut state) = drones.get_mut(e).expect("roster entities are drones");
            let Some(granted) =
                plan_flight(drone, &rules, &reservations, deconflict, dest, (now, clock.dt_s()), air.mean)
            else {
                break;
            };
            let Granted { out, back, layers, samples, home_ms, wait_ms } = granted;
            // The round trip in the mean wind, with the drop and any wait, must leave the reserve.
            let aloft_s = drone.flight_time_s(&out, air.mean)
                + (DROP_MS + wait_ms) as f64 / 1000.0
                + drone.flight_time_s(&back, air.mean);
            if aloft_s * drone.power_wh_per_s() > state.energy_wh - ENERGY_RESERVE * drone.battery_wh {
                continue;
            }
            if deconflict {
                let Some(samples) = samples else {
                    // The airspace is taken: the order waits for a later slot.
                    reservations.delay_ms += ASSIGN_PERIOD_MS;
                    reservations.delayed.insert(order.id);
                    break;
                };
                reservations.reserve(drone.id, &samples, drone.terminal());
            }
            state.layers = layers;
            state.late_ms = 0;
            state.home = home_ms.map(|leave_ms| (back, leave_ms));
            state.phase = DronePhase::Outbound;
            state.path = out;
            state.next = 1;
            state.order = Some(order.id);
            state.path_version = rules.version;
            order.status = OrderStatus::InFlight { drone: drone.id };
            order.launched_ms = Some(now);
            if let Some(pads) = departures.pads.get_mut(&order.from) {
                pads.depart(pad, now);
            }
            busy_drop_zones.push(order.to);
            log.push(
                now,
                EventKind::Launch,
                drone.id,
                state.pos,
                format!("order {} to {}", order.id, town.scenario.map.places[order.to].name),
            );
            break;
        }
    }
}

/// A round trip as planned: its legs, the layers they were granted and, with strategic
/// deconfliction on, the trajectory to reserve (none if the airspace is taken on every layer
/// tried) and, when the way home is in it, when that leaves the garden.
struct Granted {
    out: Vec<Waypoint>,
    back: Vec<Waypoint>,
    layers: [usize; 2],
    samples: Option<Vec<Sample>>,
    home_ms: Option<u64>,
    /// How long the drone is to hover over the garden after the drop for its way home, ms.
    wait_ms: u64,
}

/// Plans a drone's round trip to `dest` on its legs' own layers or, with strategic
/// deconfliction on and those taken, the first others ([`LAYER_CHOICES`]) the airspace can take
/// leg by leg, the way home with the way there: a flight that left without it would hover over
/// the garden until the sky let it home. The way home leaves when the parcel is down or, if that
/// is taken, after the shortest wait over the garden that clears it ([`home_slot`]): a minute
/// at most, known before take-off and paid for from the battery. None if the planner finds no
/// way there or back.
fn plan_flight(
    drone: &Drone,
    rules: &ActiveRules,
    reservations: &Reservations,
    deconflict: bool,
    dest: Vec2,
    (now, tick_s): (u64, f64),
    wind: [f64; 2],
) -> Option<Granted> {
    let outs = drone.leg_heights(rules, drone.pad, dest, true);
    let backs = drone.leg_heights(rules, dest, drone.pad, false);
    let plan_out = |h: f64| rules.flight_planner.plan(drone.pad, 0.0, dest, h, DROP_HEIGHT_M).ok();
    let plan_back = |h: f64| rules.flight_planner.plan(dest, DROP_HEIGHT_M, drone.pad, h, 0.0).ok();
    let own = (plan_out(outs[0])?, plan_back(backs[0])?);
    if !deconflict {
        return Some(Granted { out: own.0, back: own.1, layers: [0; 2], samples: None, home_ms: None, wait_ms: 0 });
    }
    let (buffer, terminal) = (Buffer::of(rules), drone.terminal());
    let clear = |samples: &[Sample]| reservations.conflict(drone.id, samples, terminal, buffer).is_none();
    let mut home_ways: Option<Vec<(usize, Vec<Waypoint>)>> = None;
    for (i, &out_h) in outs.iter().enumerate().take(LAYER_CHOICES) {
        let Some(out) = (if i == 0 { Some(own.0.clone()) } else { plan_out(out_h) }) else { continue };
        let mut flown = Flown::starting(now, tick_s);
        flown.leg(drone, &out, DROP_MS, wind);
        if !clear(&flown.samples) {
            continue;
        }
        let home_ways = home_ways.get_or_insert_with(|| {
            (0..backs.len().min(LAYER_CHOICES))
                .filter_map(|j| if j == 0 { Some((0, own.1.clone())) } else { plan_back(backs[j]).map(|b| (j, b)) })
                .collect()
        });
        if let Some(slot) = home_slot(drone, flown, home_ways, wind, clear) {
            let (j, back) = home_ways[slot.way].clone();
            let samples = Some(slot.flown.samples);
            let (home_ms, wait_ms) = (Some(slot.leave_ms), slot.wait_ms);
            return Some(Granted { out, back, layers: [i, j], samples, home_ms, wait_ms });
        }
    }
    // Taken on every layer tried: the legs' own, which wait.
    Some(Granted { out: own.0, back: own.1, layers: [0; 2], samples: None, home_ms: None, wait_ms: 0 })
}

/// A way home found for a flight: which of the ways offered, the whole trajectory with it, and
/// when it leaves the garden after how long a wait there.
struct HomeSlot {
    way: usize,
    flown: Flown,
    leave_ms: u64,
    wait_ms: u64,
}

/// The first of `ways` home (in order) that is `clear` once the parcel is down at the end of
/// `flown`, or after the shortest wait over the garden, in steps of [`HOME_WAIT_STEP_MS`] up to
/// [`HOME_WAITS`], that makes one clear. The wait is held too: it hovers at the drop height,
/// below every layer, and ends the search if it is itself taken.
fn home_slot(
    drone: &Drone,
    mut flown: Flown,
    ways: &[(usize, Vec<Waypoint>)],
    wind: [f64; 2],
    clear: impl Fn(&[Sample]) -> bool,
) -> Option<HomeSlot> {
    // Each way home is the same leg whenever it leaves: flown ahead once, when first tried, and
    // tried again after each wait.
    let (mut shapes, tick_s): (Vec<Option<Option<LegShape>>>, f64) = (vec![None; ways.len()], flown.tick_s());
    for wait in 0..=HOME_WAITS {
        if wait > 0 {
            let hover_from = flown.samples.len();
            flown.hover(HOME_WAIT_STEP_MS);
            if !clear(&flown.samples[hover_from..]) {
                return None;
            }
        }
        let (mark, leave_ms) = (flown.mark(), flown.end_ms());
        for (way, (_, path)) in ways.iter().enumerate() {
            if let Some(shape) = shapes[way].get_or_insert_with(|| LegShape::of(drone, path, wind, tick_s)) {
                flown.fly(shape, 0);
            }
            if clear(&flown.samples[mark.0..]) {
                return Some(HomeSlot { way, flown, leave_ms, wait_ms: u64::from(wait) * HOME_WAIT_STEP_MS });
            }
            flown.rewind(mark);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drone::deconflict::trajectory;

    const TICK_S: f64 = 0.1;
    const CALM: [f64; 2] = [0.0; 2];
    /// The planning buffer at the usual 30 m and 10 m minimum.
    const BUFFER: Buffer = Buffer { horizontal_m: 45.0, vertical_m: 12.5, terminal_m: 15.0 };

    fn wp(x: f64, z_m: f64) -> Waypoint {
        Waypoint { at: Vec2::new(x, 0.0), z_m }
    }

    /// A drone of vertiport 0 at the origin, flown out 600 m east at 60 m to lower a parcel.
    fn delivered() -> (Drone, Flown) {
        let drone = Drone::sample(1);
        let mut flown = Flown::starting(0, TICK_S);
        flown.leg(&drone, &[wp(0.0, 0.0), wp(0.0, 60.0), wp(600.0, 60.0), wp(600.0, DROP_HEIGHT_M)], DROP_MS, CALM);
        (drone, flown)
    }

    /// The way home at `z_m`: up over the garden, west, down on the stand.
    fn home_at(z_m: f64) -> Vec<Waypoint> {
        vec![wp(600.0, DROP_HEIGHT_M), wp(600.0, z_m), wp(0.0, z_m), wp(0.0, 0.0)]
    }

    /// Airspace held by a flight of vertiport 1 cruising east along the way home at 75 m, over
    /// the garden 40 s after the parcel is down: a drone leaving at once would meet it head-on,
    /// one climbing past 75 m to a higher layer would be through before it comes.
    fn eastbound(leave_ms: u64) -> Reservations {
        let other = Drone { id: 2, base: 1, base_at: Vec2::new(-600.0, 0.0), ..Drone::sample(2) };
        let path = [wp(-600.0, 75.0), wp(1200.0, 75.0)];
        let over = trajectory(&other, &[(&path, 0)], 0, CALM, TICK_S);
        let over_ms = over.iter().find(|s| s.at[0] >= 600.0).map(|s| s.t_ms).expect("passes the garden");
        let mut r = Reservations::default();
        r.reserve(2, &trajectory(&other, &[(&path, 0)], leave_ms + 40_000 - over_ms, CALM, TICK_S), other.terminal());
        r
    }

    #[test]
    fn the_way_home_leaves_when_the_parcel_is_down_if_it_is_clear() {
        let (drone, flown) = delivered();
        let down_ms = flown.end_ms();
        let clear = |_: &[Sample]| true;
        let slot = home_slot(&drone, flown, &[(0, home_at(75.0))], CALM, clear).expect("clear");
        assert_eq!((slot.way, slot.wait_ms, slot.leave_ms), (0, 0, down_ms));
    }

    /// A way home that is taken when the parcel is down is granted after the shortest wait over
    /// the garden that clears it, and the wait is part of what the flight holds.
    #[test]
    fn a_taken_way_home_is_granted_after_the_shortest_wait_over_the_garden() {
        let (drone, flown) = delivered();
        let down_ms = flown.end_ms();
        let r = eastbound(down_ms);
        let clear = |s: &[Sample]| r.conflict(drone.id, s, drone.terminal(), BUFFER).is_none();
        assert!(clear(&flown.samples), "the way there is clear");
        let slot = home_slot(&drone, flown.clone(), &[(0, home_at(75.0))], CALM, clear).expect("a wait clears it");
        assert!(slot.wait_ms > 0 && slot.wait_ms <= u64::from(HOME_WAITS) * HOME_WAIT_STEP_MS, "{}", slot.wait_ms);
        assert_eq!(slot.leave_ms, down_ms + slot.wait_ms);
        assert!(clear(&slot.flown.samples), "the whole flight, wait included, is clear");
        // It hovers at the drop height over the garden, a sample a second, and rises from there.
        let hover: Vec<&Sample> =
            slot.flown.samples.iter().filter(|s| s.t_ms > down_ms && s.t_ms <= slot.leave_ms).collect();
        assert_eq!(hover.len() as u64, slot.wait_ms / 1000 + 1);
        assert!(hover.iter().all(|s| s.vertical && s.at == [600.0, 0.0, DROP_HEIGHT_M]), "{hover:?}");
        // One step less and the two meet.
        let mut shorter = flown;
        shorter.hover(slot.wait_ms - HOME_WAIT_STEP_MS);
        let from = shorter.samples.len();
        shorter.leg(&drone, &home_at(75.0), 0, CALM);
        assert!(!clear(&shorter.samples[from..]), "a step sooner is taken");
    }

    /// Another layer clear at once is taken before any wait, and a wait whose hover is itself
    /// taken is no way home at all.
    #[test]
    fn another_layer_goes_before_a_wait_and_a_taken_hover_is_no_wait() {
        let (drone, flown) = delivered();
        let down_ms = flown.end_ms();
        let mut r = eastbound(down_ms);
        let clear = |r: &Reservations, s: &[Sample]| r.conflict(drone.id, s, drone.terminal(), BUFFER).is_none();
        let ways = [(0, home_at(75.0)), (2, home_at(105.0))];
        let slot = home_slot(&drone, flown.clone(), &ways, CALM, |s| clear(&r, s)).expect("the upper layer");
        assert_eq!((slot.way, slot.wait_ms), (1, 0));
        // On its own layer it would wait past the first step.
        let own = home_slot(&drone, flown.clone(), &ways[..1], CALM, |s| clear(&r, s)).expect("after a wait");
        assert!(own.wait_ms > HOME_WAIT_STEP_MS, "{}", own.wait_ms);
        // A drone of vertiport 1 lowering a parcel 20 m away during that first step only: the
        // later waits are as clear as they were, but the drone could not hover there to reach them.
        let next_door = Drone { id: 3, base: 1, base_at: Vec2::new(-600.0, 0.0), ..Drone::sample(3) };
        let drop = [Waypoint { at: Vec2::new(600.0, 20.0), z_m: DROP_HEIGHT_M }];
        r.reserve(3, &trajectory(&next_door, &[(&drop, 3_000)], down_ms + 1_000, CALM, TICK_S), next_door.terminal());
        assert!(home_slot(&drone, flown, &ways[..1], CALM, |s| clear(&r, s)).is_none());
    }
}

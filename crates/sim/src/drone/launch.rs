//! Launches: every dispatch period, ready drones take the oldest open orders they can fly in
//! the wind and the airspace in force; orders that cannot be flown fail.

use bevy::prelude::*;
use pilotzone_routing::geom::point_in_polygon;

use pilotzone_routing::Vec2;
use pilotzone_routing::airspace::Waypoint;

use super::deconflict::{Buffer, Flown, Reservations, Sample};
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
/// most: the oldest orders first; the rest wait their turn (so a busy airspace costs a few
/// requests per vertiport, not one per waiting order).
pub const AUTHORISATIONS_PER_PERIOD: u32 = 12;
/// Cruise layers strategic deconfliction tries for each leg of a flight, its own first: the
/// next two carry traffic on courses near its own.
pub const LAYER_CHOICES: usize = 3;
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
            let Granted { out, back, layers, samples, home_ms } = granted;
            // The round trip in the mean wind, with the drop, must leave the reserve.
            let aloft_s =
                drone.flight_time_s(&out, air.mean) + DROP_MS as f64 / 1000.0 + drone.flight_time_s(&back, air.mean);
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
}

/// Plans a drone's round trip to `dest` on its legs' own layers or, with strategic
/// deconfliction on and those taken, the first others ([`LAYER_CHOICES`]) the airspace can take
/// leg by leg, the way home with the way there: a flight that left without it would hover over
/// the garden until the sky let it home. None if the planner finds no way there or back.
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
        return Some(Granted { out: own.0, back: own.1, layers: [0; 2], samples: None, home_ms: None });
    }
    let (buffer, terminal) = (Buffer::of(rules), drone.terminal());
    let clear = |samples: &[Sample]| reservations.conflict(drone.id, samples, terminal, buffer).is_none();
    for (i, &out_h) in outs.iter().enumerate().take(LAYER_CHOICES) {
        let Some(out) = (if i == 0 { Some(own.0.clone()) } else { plan_out(out_h) }) else { continue };
        let mut flown = Flown::starting(now, tick_s);
        flown.leg(drone, &out, DROP_MS, wind);
        if !clear(&flown.samples) {
            continue;
        }
        let (home_from, home_ms) = (flown.samples.len(), flown.end_ms());
        for (j, &back_h) in backs.iter().enumerate().take(LAYER_CHOICES) {
            let Some(back) = (if j == 0 { Some(own.1.clone()) } else { plan_back(back_h) }) else { continue };
            let mut whole = flown.clone();
            whole.leg(drone, &back, 0, wind);
            if clear(&whole.samples[home_from..]) {
                let samples = Some(whole.samples);
                return Some(Granted { out, back, layers: [i, j], samples, home_ms: Some(home_ms) });
            }
        }
    }
    // Taken on every layer tried: the legs' own, which wait.
    Some(Granted { out: own.0, back: own.1, layers: [0; 2], samples: None, home_ms: None })
}

//! Key performance indicators of a run: service, fleet use and safety, as `kpis.json` holds them.

use bevy::prelude::*;
use serde::Serialize;

use crate::SimConfig;
use crate::clock::SimClock;
use crate::demand::{OrderStatus, RequestStatus, Requests};
use crate::drone::{Departures, Drone, DroneState, Reservations, Tactical};
use crate::residents::ResidentStats;
use crate::roster::{CarRoster, TaxiRoster};
use crate::safety::SafetyMonitor;
use crate::schedule::{PhysicsSystems, SimStep, SimSystems};
use crate::vehicle::{CarTrip, Gridlocks, Phase, RemoteDesk, Taxi, TaxiState};

/// Mean and percentiles of a sample, in seconds; `None` when the sample is empty.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Stats {
    /// Arithmetic mean.
    pub mean: Option<f64>,
    /// Median (nearest rank).
    pub p50: Option<f64>,
    /// 90th percentile (nearest rank).
    pub p90: Option<f64>,
}

impl Stats {
    /// Summarises values.
    pub fn of(mut values: Vec<f64>) -> Self {
        if values.is_empty() {
            return Self::default();
        }
        values.sort_by(f64::total_cmp);
        let rank = |p: f64| values[((p * values.len() as f64).ceil() as usize).clamp(1, values.len()) - 1];
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        Self { mean: Some(round3(mean)), p50: Some(rank(0.5)), p90: Some(rank(0.9)) }
    }
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// Taxi service and fleet KPIs.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TaxiKpis {
    /// Ride requests made.
    pub requests: u32,
    /// Riders delivered to their destination.
    pub served: u32,
    /// Requests nobody could serve in time.
    pub rejected: u32,
    /// Requests still waiting or riding when the run ended.
    pub unfinished: u32,
    /// Riders delivered per vehicle-hour of fleet time.
    pub served_per_vehicle_hour: f64,
    /// Riders who shared part of their ride with another rider.
    pub shared: u32,
    /// Wait from request to pickup, s (riders picked up).
    pub wait_s: Stats,
    /// Time on board, s (riders delivered).
    pub ride_s: Stats,
    /// Distance driven by the fleet, km.
    pub km: f64,
    /// Distance driven with nobody aboard, km.
    pub empty_km: f64,
    /// Share of vehicle time spent not idle.
    pub utilization: f64,
    /// Energy used, kWh.
    pub energy_kwh: f64,
    /// Time vehicles waited for a free remote operator, s.
    pub operator_wait_s: f64,
    /// Lowest state of charge any vehicle reached, as a share of its battery.
    pub lowest_charge: f64,
    /// Charging sessions at depots.
    pub charges: u32,
    /// Vehicles that ran out of energy on the road.
    pub stranded: u32,
    /// Empty moves of idle vehicles toward expected riders.
    pub repositions: u32,
}

/// Drone delivery KPIs.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DroneKpis {
    /// Parcel orders placed.
    pub orders: u32,
    /// Parcels delivered.
    pub delivered: u32,
    /// Orders that could not be flown.
    pub failed: u32,
    /// Orders still open or in the air when the run ended.
    pub unfinished: u32,
    /// Time from order to delivery, s.
    pub delivery_s: Stats,
    /// Flight time from take-off to delivery, s.
    pub outbound_s: Stats,
    /// Distance flown, km.
    pub km: f64,
    /// Energy used, Wh.
    pub energy_wh: f64,
    /// Time launches were held by the wind limit while orders waited, s.
    pub wind_hold_s: f64,
    /// Time orders waited for strategic deconfliction to find free airspace, s.
    pub deconfliction_wait_s: f64,
    /// Orders whose flight waited for free airspace at least once.
    pub deconflicted: u32,
    /// Time drones hovered over gardens, their parcel down, until their way home was clear, s
    /// (the hover a resident hears).
    pub home_wait_s: f64,
    /// Longest one drone hovered over a garden for its way home, s.
    pub longest_home_wait_s: f64,
    /// Conflicts between drones in the air that tactical separation turned them aside for.
    pub tactical_resolutions: u32,
    /// Lowest state of charge any drone reached, as a share of its battery.
    pub lowest_charge: f64,
    /// Most drones flying at once (off their pads, not crashed).
    pub peak_airborne: u32,
    /// Drones whose battery ran empty in the air.
    pub stranded: u32,
    /// Drones that struck another body or a building and fell.
    pub crashed: u32,
}

/// Incident counts.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SafetyKpis {
    /// Bodies that touched.
    pub collisions: u32,
    /// Vehicle pairs under the time-to-collision threshold.
    pub near_misses: u32,
    /// Drone pairs closer than the separation minimum.
    pub separation_losses: u32,
    /// Drones inside a no-fly volume in force.
    pub nofly_incursions: u32,
    /// Vehicles above the limit in force.
    pub speed_violations: u32,
    /// Drones closer to a building than the separation minimum.
    pub building_proximity: u32,
    /// Drones above the ceiling in force.
    pub altitude_violations: u32,
    /// Knots of vehicles that stood for over a minute, each waiting on another of them.
    pub gridlocks: u32,
    /// Incidents per 1,000 km driven by taxis and cars (collisions, near misses, speed
    /// violations).
    pub road_per_1000_km: Option<f64>,
    /// Incidents per 1,000 km flown by drones (separation, buildings, no-fly, altitude).
    pub air_per_1000_km: Option<f64>,
}

/// What residents live with.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ResidentKpis {
    /// Drone-seconds over residential zones below 100 m.
    pub drone_overflight_s: f64,
    /// Drone noise index over residential zones: seconds weighted by (30 m / height)².
    pub drone_noise_index: f64,
    /// Taxi entries into school-zone roads during school hours.
    pub school_passes: u32,
    /// People who crossed a road at a crossing.
    pub pedestrians_crossed: u32,
    /// Mean wait at the kerb before stepping out, s.
    pub kerb_wait_s: Option<f64>,
    /// Residents' car trips made.
    pub car_trips: u32,
    /// Car trips that found no parked car or no open road.
    pub car_trips_dropped: u32,
    /// People who could not appear because their flow's pool was full (should be 0).
    pub pedestrians_dropped: u32,
    /// Distance driven by residents' cars, km.
    pub car_km: f64,
}

/// Everything `kpis.json` reports.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Kpis {
    /// Scenario name.
    pub scenario: String,
    /// Taxi dispatch policy.
    pub dispatch: String,
    /// Root seed.
    pub seed: u64,
    /// Simulated seconds.
    pub sim_seconds: f64,
    /// Wall-clock seconds the run took (filled in by the caller; not part of any hash).
    pub wall_seconds: f64,
    /// Hash of the replay file, 16 hex digits.
    pub replay_hash: String,
    /// Taxis.
    pub taxi: TaxiKpis,
    /// Drones.
    pub drone: DroneKpis,
    /// Safety.
    pub safety: SafetyKpis,
    /// What residents live with.
    pub residents: ResidentKpis,
}

/// Adds fleet-use bookkeeping; service and safety counts live with the systems that own them.
pub struct MetricsPlugin;

impl Plugin for MetricsPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<FleetExtremes>()
            .add_systems(SimStep, track_taxi_use.in_set(PhysicsSystems::Tallies))
            .add_systems(SimStep, track_drone_use.in_set(SimSystems::Metrics));
    }
}

/// The lowest state of charge any vehicle or drone reached, as a share of its battery, and the
/// most drones in the air at once.
#[derive(Resource, Debug)]
pub struct FleetExtremes {
    /// Lowest charge of any taxi.
    pub taxi: f64,
    /// Lowest charge of any drone.
    pub drone: f64,
    /// Most drones off their pads and flying at one tick (crashed ones do not count).
    pub peak_airborne: u32,
}

impl Default for FleetExtremes {
    fn default() -> Self {
        FleetExtremes { taxi: 1.0, drone: 1.0, peak_airborne: 0 }
    }
}

/// Keeps each vehicle's busy time and the lowest charge. Physics moves no vehicle, so this runs
/// while it steps.
///
/// Only vehicles changed since the last tick are looked at: a vehicle's charge, and whether it
/// is idle, change only through a borrow that bevy stamps. One found busy begins a busy spell at
/// this tick; one found idle after a spell ends it at the tick before, the last it spent busy.
/// A spell under way is counted when the KPIs are taken. (Adding each tick to every busy
/// vehicle's count touched thousands of vehicles a tick at city scale, and marked them changed
/// for every system after.)
pub fn track_taxi_use(
    clock: Res<SimClock>,
    mut taxis: Query<(&Taxi, &mut TaxiState), Without<CarTrip>>,
    config: Res<SimConfig>,
    mut extremes: ResMut<FleetExtremes>,
) {
    let (now, tick) = (clock.now_ms, u64::from(clock.tick_ms));
    let fleets = &config.loaded.scenario.fleets.taxis;
    let mut lowest = extremes.taxi;
    for (taxi, mut state) in taxis.iter_mut().filter(|(_, state)| state.is_changed()) {
        lowest = lowest.min(state.energy_kwh / fleets[taxi.fleet].battery_kwh);
        match (state.phase != Phase::Idle, state.busy_from_ms) {
            (true, None) => state.busy_from_ms = Some(now),
            (false, Some(from)) => {
                // Busy at every tick from `from` to the last.
                state.busy_ms += now - from;
                state.idle_since_ms = now - tick;
                state.busy_from_ms = None;
            }
            _ => {}
        }
    }
    debug_assert_eq!(
        lowest,
        taxis
            .iter()
            .map(|(taxi, state)| state.energy_kwh / fleets[taxi.fleet].battery_kwh)
            .fold(extremes.taxi, f64::min),
        "a vehicle's charge changes only where it is marked changed"
    );
    debug_assert!(
        taxis.iter().all(|(_, state)| state.busy_from_ms.is_some() == (state.phase != Phase::Idle)),
        "a vehicle turns busy or idle only where it is marked changed"
    );
    extremes.taxi = lowest;
}

/// Keeps the lowest drone charge and the most drones aloft, once physics has moved them.
///
/// Only drones changed since the last tick are looked at: every drone in the air, or fallen,
/// is moved each tick, and one standing by changes its charge only through a stamped borrow.
pub fn track_drone_use(drones: Query<(&Drone, Ref<DroneState>)>, mut extremes: ResMut<FleetExtremes>) {
    let mut airborne = 0;
    for (drone, state) in drones.iter().filter(|(_, state)| state.is_changed()) {
        extremes.drone = extremes.drone.min(state.energy_wh / drone.battery_wh);
        airborne += u32::from(state.airborne() && !state.crashed);
    }
    debug_assert_eq!(
        airborne,
        drones.iter().filter(|(_, s)| s.airborne() && !s.crashed).count() as u32,
        "every drone in the air is moved each tick"
    );
    debug_assert!(
        drones.iter().all(|(d, s)| extremes.drone <= s.energy_wh / d.battery_wh),
        "a drone's charge changes only where it is marked changed"
    );
    extremes.peak_airborne = extremes.peak_airborne.max(airborne);
}

/// What the operations systems counted along the way.
#[derive(bevy::ecs::system::SystemParam)]
pub struct Books<'w> {
    /// Remote operators.
    desk: Res<'w, RemoteDesk>,
    /// Drone launches held by wind.
    departures: Res<'w, Departures>,
    /// Strategic deconfliction.
    reservations: Res<'w, Reservations>,
    /// Tactical separation.
    tactical: Res<'w, Tactical>,
    /// Lowest charges and the most drones aloft.
    extremes: Res<'w, FleetExtremes>,
    /// Gridlocks on the road.
    gridlocks: Res<'w, Gridlocks>,
}

/// Computes the KPIs from the state at the end of the run.
pub fn compute_kpis(
    config: Res<SimConfig>,
    clock: Res<SimClock>,
    requests: Res<Requests>,
    roster: Res<TaxiRoster>,
    taxis: Query<&TaxiState>,
    residents: Res<ResidentStats>,
    drones: Query<&DroneState>,
    monitor: Res<SafetyMonitor>,
    cars: Res<CarRoster>,
    books: Books,
) -> Kpis {
    let Books { desk, departures, reservations, tactical, extremes, gridlocks } = books;
    let s = &config.loaded.scenario;
    let rides = &requests.rides;
    let count = |f: &dyn Fn(&RequestStatus) -> bool| rides.iter().filter(|r| f(&r.status)).count() as u32;
    let waits = rides.iter().filter_map(|r| r.pickup_ms.map(|p| (p - r.t_ms) as f64 / 1000.0)).collect();
    let rides_s = rides.iter().filter_map(|r| Some((r.dropoff_ms? - r.pickup_ms?) as f64 / 1000.0)).collect();
    let vehicles: Vec<&TaxiState> =
        roster.0.iter().map(|&e| taxis.get(e).expect("roster entities are taxis")).collect();
    let vehicle_ms = clock.now_ms.max(1) as f64 * vehicles.len().max(1) as f64;
    let battery_kwh: f64 = s.fleets.taxis.iter().map(|f| f.battery_kwh * f64::from(f.count)).sum();
    let taxi = TaxiKpis {
        requests: rides.len() as u32,
        served: count(&|s| *s == RequestStatus::Done),
        rejected: count(&|s| *s == RequestStatus::Rejected),
        unfinished: count(&|s| {
            matches!(s, RequestStatus::Open | RequestStatus::Assigned { .. } | RequestStatus::OnBoard)
        }),
        served_per_vehicle_hour: round3(f64::from(count(&|s| *s == RequestStatus::Done)) / (vehicle_ms / 3_600_000.0)),
        shared: rides.iter().filter(|r| r.shared).count() as u32,
        wait_s: Stats::of(waits),
        ride_s: Stats::of(rides_s),
        km: round3(vehicles.iter().map(|v| v.km).sum()),
        empty_km: round3(vehicles.iter().map(|v| v.empty_km).sum()),
        utilization: round3(vehicles.iter().map(|v| v.busy_ms_until(clock.now_ms) as f64).sum::<f64>() / vehicle_ms),
        // Energy used is what left the batteries, chargers' energy included.
        energy_kwh: round3(battery_kwh - vehicles.iter().map(|v| v.energy_kwh - v.charged_kwh).sum::<f64>()),
        operator_wait_s: desk.wait_ms as f64 / 1000.0,
        lowest_charge: round3(extremes.taxi),
        charges: vehicles.iter().map(|v| v.charges).sum(),
        stranded: vehicles.iter().filter(|v| v.stranded).count() as u32,
        repositions: vehicles.iter().map(|v| v.repositions).sum(),
    };
    let parcels = &requests.parcels;
    let battery_wh: f64 = s.fleets.drones.iter().map(|f| f.battery_wh * f64::from(f.count)).sum();
    let drone_states: Vec<&DroneState> = drones.iter().collect();
    let drone = DroneKpis {
        orders: parcels.len() as u32,
        delivered: parcels.iter().filter(|o| o.status == OrderStatus::Delivered).count() as u32,
        failed: parcels.iter().filter(|o| matches!(o.status, OrderStatus::Failed { .. })).count() as u32,
        unfinished: parcels
            .iter()
            .filter(|o| matches!(o.status, OrderStatus::Open | OrderStatus::InFlight { .. }))
            .count() as u32,
        delivery_s: Stats::of(
            parcels.iter().filter_map(|o| o.delivered_ms.map(|d| (d - o.t_ms) as f64 / 1000.0)).collect(),
        ),
        outbound_s: Stats::of(
            parcels.iter().filter_map(|o| Some((o.delivered_ms? - o.launched_ms?) as f64 / 1000.0)).collect(),
        ),
        km: round3(drone_states.iter().map(|d| d.km).sum()),
        // Energy used is net of what the pads charged back in.
        energy_wh: round3(battery_wh - drone_states.iter().map(|d| d.energy_wh).sum::<f64>()),
        wind_hold_s: departures.wind_hold_ms as f64 / 1000.0,
        deconfliction_wait_s: reservations.delay_ms as f64 / 1000.0,
        deconflicted: reservations.delayed.len() as u32,
        home_wait_s: reservations.home_wait_ms as f64 / 1000.0,
        longest_home_wait_s: reservations.longest_home_wait_ms as f64 / 1000.0,
        tactical_resolutions: tactical.resolutions,
        lowest_charge: round3(extremes.drone),
        peak_airborne: extremes.peak_airborne,
        stranded: drone_states.iter().filter(|d| d.stranded).count() as u32,
        crashed: drone_states.iter().filter(|d| d.crashed).count() as u32,
    };
    let m = &*monitor;
    let car_km: f64 = cars.0.iter().map(|&e| taxis.get(e).expect("roster entities are cars").km).sum();
    let rate = |count: u32, km: f64| (km > 0.0).then(|| round3(f64::from(count) * 1000.0 / km));
    let safety = SafetyKpis {
        collisions: monitor.collisions,
        near_misses: monitor.near_misses,
        separation_losses: monitor.separation_losses,
        nofly_incursions: monitor.nofly_incursions,
        speed_violations: monitor.speed_violations,
        building_proximity: monitor.building_proximity,
        altitude_violations: monitor.altitude_violations,
        gridlocks: gridlocks.count,
        road_per_1000_km: rate(m.collisions + m.near_misses + m.speed_violations, taxi.km + car_km),
        air_per_1000_km: rate(
            m.separation_losses + m.building_proximity + m.nofly_incursions + m.altitude_violations,
            drone.km,
        ),
    };
    let residents = ResidentKpis {
        drone_overflight_s: round3(m.overflight_s),
        drone_noise_index: round3(m.noise_index),
        school_passes: m.school_passes,
        pedestrians_crossed: residents.crossed,
        kerb_wait_s: (residents.crossed > 0)
            .then(|| round3(residents.kerb_wait_ms as f64 / 1000.0 / f64::from(residents.crossed))),
        car_trips: residents.car_trips,
        car_trips_dropped: residents.car_trips_dropped,
        pedestrians_dropped: residents.pedestrians_dropped,
        car_km: round3(car_km),
    };
    Kpis {
        scenario: s.name.clone(),
        dispatch: s.dispatch.policy.as_str().to_owned(),
        seed: config.seed,
        sim_seconds: clock.now_ms as f64 / 1000.0,
        wall_seconds: 0.0,
        replay_hash: String::new(),
        taxi,
        drone,
        safety,
        residents,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let s = Stats::of((1..=10).map(f64::from).collect());
        assert_eq!((s.mean, s.p50, s.p90), (Some(5.5), Some(5.0), Some(9.0)));
        assert_eq!(Stats::of(vec![]), Stats::default());
        assert_eq!(Stats::of(vec![7.0]).p90, Some(7.0));
    }
}

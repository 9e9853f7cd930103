//! Road vehicles: the driving shared by Level-4 taxis and residents' cars. A vehicle moves
//! along road arcs with a gap-keeping speed rule ([`drive`]), slows for bends ([`bend`]), takes
//! junctions in turn ([`junction`]), stops at the kerb ([`kerb`]) and is watched for gridlock
//! ([`gridlock`]); [`route`] plans its way. Taxis get their stops from [`crate::dispatch`];
//! residents' cars get their trips from [`crate::residents`].
//!
//! Vehicles advance in plain arithmetic along their arcs (position on the arc, speed); the
//! physics plugin mirrors moving vehicles into rapier only to detect contacts.

pub mod bend;
pub mod drive;
pub mod gridlock;
pub mod junction;
pub mod kerb;
pub mod occupancy;
pub mod on_road;
pub mod route;

use std::collections::VecDeque;

use bevy::prelude::*;
use pilotzone_routing::Vec2;

use crate::schedule::{ControlSystems, SimStep};
use crate::town::{KERB_OFFSET_M, LANE_OFFSET_M, TownMap};

pub use bend::turn_speed_mps;
pub use drive::Driving;
pub use gridlock::{GRIDLOCK_AFTER_MS, Gridlocks, detect_gridlock};
pub use junction::Junctions;
pub use kerb::{DEPARTURE_CHECK_MS, DROPOFF_DWELL_MS, PICKUP_DWELL_MS, RemoteDesk, finish_dwells, park};
pub use on_road::{FOLLOW_AHEAD_S, OnRoad, RoadVehicle, Traffic};
pub use route::{RouterScratch, redirect, start_next_leg};

/// Centre-to-centre distance kept at standstill (one car length plus a gap), m.
const STANDSTILL_M: f64 = 7.0;
/// A vehicle without the junction waits this far before the junction's centre, m: clear of a
/// crossing vehicle (half a car length, a lane offset, half a car width, a margin).
const STOP_LINE_M: f64 = 7.0;
/// Distance into the next arc after which a vehicle has cleared the junction, m.
const CLEAR_M: f64 = 8.0;
/// Planned braking, m/s².
const BRAKE_MPS2: f64 = 2.5;
/// Vehicles stop this far before the middle of a crossing, m: the front bumper short of the
/// zebra.
pub const CROSSING_STOP_M: f64 = 6.0;

/// Who drives a vehicle.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Driver {
    /// The Level-4 system: keeps every limit in force for taxis, under remote monitoring.
    Level4,
    /// A resident: chooses a speed from the limit, the road and their own habit.
    Human {
        /// The driver's speed relative to the typical driver's (mean 1).
        speed_factor: f64,
    },
}

/// How far drivers' speed choice follows a limit set below the road's posted speed: at this
/// share of the gap they drive as the road invites, not as the sign says. Lowered limits that
/// the road's design does not support are only partly obeyed; 0.25 is the usual order of the
/// effect measured for signed-only reductions.
pub const LIMIT_CREDIBILITY_GAP: f64 = 0.25;

/// Deceleration no vehicle exceeds, m/s² (an emergency stop on dry asphalt).
pub const EMERGENCY_BRAKE_MPS2: f64 = 7.0;

/// A vehicle's fixed properties: a Level-4 taxi, or a resident's car driven by the same model.
#[derive(Component, Clone, Debug)]
pub struct Taxi {
    /// Stable id (also its replay entity id).
    pub id: u32,
    /// Index of its fleet in `fleets.taxis`.
    pub fleet: usize,
    /// Passenger seats.
    pub seats: u8,
    /// Top speed, m/s.
    pub max_speed_mps: f64,
    /// Energy use per km, kWh.
    pub kwh_per_km: f64,
    /// Who drives it.
    pub driver: Driver,
}

/// Whether a stop picks a rider up, drops one off, or charges at the depot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopKind {
    /// Board the rider.
    Pickup,
    /// Let the rider alight.
    Dropoff,
    /// Charge at the fleet's depot (no rider; `request` is [`NO_REQUEST`]).
    Charge,
    /// Move, empty, to where riders are expected, and wait there (no rider).
    Reposition,
}

/// The request field of a stop that serves no rider.
pub const NO_REQUEST: u32 = u32::MAX;

/// A kerbside stop on a vehicle's plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stop {
    /// Request served.
    pub request: u32,
    /// Pickup or drop-off.
    pub kind: StopKind,
    /// Dense road node the stop is served from.
    pub node: u32,
    /// Planned travel time into the stop from the one before (or from where the vehicle was
    /// when the stop was planned), ms.
    pub leg_ms: u32,
}

/// What a vehicle is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Parked, free for work.
    Idle,
    /// At the kerb with a route planned, waiting for room to pull out into the first arc.
    PullingOut,
    /// On the road toward its next stop.
    Driving,
    /// At the kerb for boarding or alighting until the given time.
    Dwelling {
        /// End of the dwell.
        until_ms: u64,
    },
    /// Parked because no open road leads to its next stop; tries again when the rules change.
    Blocked,
    /// At the depot's charger until charged to `CHARGE_TO` ([`crate::charging`]).
    Charging,
}

/// A vehicle's changing state.
///
/// Laid out as written: first what control reads and writes for every driving vehicle each
/// tick (position, route, whom it waits for, what it holds), then what charging, dispatch and
/// the tallies read now and then. Control visits thousands of vehicles a tick and waits on
/// memory more than it computes, so the fields it reads lie together.
#[derive(Component, Clone, Debug)]
#[repr(C)]
pub struct TaxiState {
    /// Metres along `arc`.
    pub offset_m: f64,
    /// Current speed, m/s.
    pub speed_mps: f64,
    /// Arcs to drive; `route[route_i]` is `arc` while driving.
    pub route: Vec<u32>,
    /// Index of the current arc in `route`.
    pub route_i: usize,
    /// Where it stands after the last move ([`TaxiState::pose`], kept for the systems after
    /// control: physics, safety and the recorder).
    pub at: Vec2,
    /// Heading after the last move, radians counter-clockwise from east.
    pub heading: f64,
    /// Arc it is on (or parked at the end of); none while still at the depot.
    pub arc: Option<u32>,
    /// The vehicle it waits for, when another vehicle is what keeps it standing.
    pub waits_for: Option<u32>,
    /// The junction it asks to cross and since when, ms: the longer wait goes first between
    /// equal roads.
    pub asking: Option<(u32, u64)>,
    /// Since when it has stood still on the road, ms.
    pub stopped_since_ms: Option<u64>,
    /// What it is doing.
    pub phase: Phase,
    /// Intersections it holds: the next one, the one beyond a short link after it, and the one
    /// it is leaving until it has cleared it.
    pub held: Vec<u32>,
    /// Requests on board.
    pub onboard: Vec<u32>,
    /// Distance driven, km.
    pub km: f64,
    /// Energy left, kWh.
    pub energy_kwh: f64,
    /// Distance driven with nobody on board, km.
    pub empty_km: f64,
    /// When a remote operator's departure check ends, once one has started it.
    pub departure_check_ms: Option<u64>,
    /// Rules version the route was planned under.
    pub route_version: u32,
    /// Node it stands at, or the head of the arc it drives on.
    pub node: u32,
    /// Out of energy on the road: it stands where it stopped (an incident).
    pub stranded: bool,
    /// Part of a gridlock already reported; cleared when it moves again.
    pub in_gridlock: bool,
    // Read seldom: charging, dispatch and the tallies.
    /// Stops still to make, in order.
    pub stops: VecDeque<Stop>,
    /// Where it parks at the depot before its first trip.
    pub depot_slot: Vec2,
    /// Time not idle over the busy spells that ended, ms ([`TaxiState::busy_ms_until`] adds the
    /// one under way).
    pub busy_ms: u64,
    /// When the busy spell under way began (the first tick the tallies found it busy), ms.
    pub busy_from_ms: Option<u64>,
    /// Energy taken in at chargers, kWh.
    pub charged_kwh: f64,
    /// Charging sessions started.
    pub charges: u32,
    /// When it last became idle (the last tick it was busy), ms.
    pub idle_since_ms: u64,
    /// Empty moves toward expected riders.
    pub repositions: u32,
}

/// Arcs of route room each vehicle is given when it is spawned. Every tick the driving loops
/// read each vehicle's place on its route, in roster order: given at once, in that order, the
/// routes lie together in memory and are read as one stretch, where routes grown one by one
/// over the day lay scattered among everything else, a wait on memory for each. A route
/// planned anew reuses its room, and a longer one moves elsewhere.
const ROUTE_ARCS: usize = 64;

impl TaxiState {
    /// A vehicle parked off the road at `slot`, served from road node `node`.
    pub fn parked(node: u32, slot: Vec2) -> Self {
        TaxiState {
            phase: Phase::Idle,
            node,
            arc: None,
            offset_m: 0.0,
            speed_mps: 0.0,
            route: Vec::with_capacity(ROUTE_ARCS),
            route_i: 0,
            route_version: 0,
            stops: VecDeque::new(),
            onboard: Vec::new(),
            held: Vec::new(),
            depot_slot: slot,
            energy_kwh: 0.0,
            km: 0.0,
            empty_km: 0.0,
            busy_ms: 0,
            busy_from_ms: None,
            at: slot,
            heading: 0.0,
            departure_check_ms: None,
            charged_kwh: 0.0,
            charges: 0,
            stranded: false,
            idle_since_ms: 0,
            repositions: 0,
            asking: None,
            waits_for: None,
            stopped_since_ms: None,
            in_gridlock: false,
        }
    }

    /// Time not idle, ms, by `now_ms`: the clock after the last tick the tallies saw.
    pub fn busy_ms_until(&self, now_ms: u64) -> u64 {
        self.busy_ms + self.busy_from_ms.map_or(0, |from| now_ms - from)
    }

    /// Position and heading for drawing and physics.
    pub fn pose(&self, town: &TownMap) -> (Vec2, f64) {
        match (self.phase, self.arc) {
            (Phase::Driving, Some(_)) if !self.route.is_empty() => {
                town.pose_along(&self.route, self.route_i, self.offset_m, LANE_OFFSET_M)
            }
            (_, Some(arc)) => town.pose_on_arc(arc, self.offset_m, KERB_OFFSET_M),
            (_, None) => (self.depot_slot, 0.0),
        }
    }
}

/// Where a resident's car is between trips.
#[derive(Component, Clone, Debug)]
pub struct CarTrip {
    /// Index of its flow in `residents.cars`.
    pub flow: usize,
    /// Place it stands at, or drives to.
    pub place: usize,
    /// Whether it is on a trip.
    pub driving: bool,
}

/// Which crossings vehicles must give way at: someone is on them or waiting at their kerb
/// ([`crate::residents`] marks them).
#[derive(Resource, Debug)]
pub struct CrossingState {
    /// By crossing index.
    pub active: Vec<bool>,
}

impl FromWorld for CrossingState {
    fn from_world(world: &mut World) -> Self {
        CrossingState { active: vec![false; world.resource::<TownMap>().crossings.len()] }
    }
}

/// Adds the road: junctions, remote operators, routing scratch, crossings, and the systems
/// around driving every vehicle ([`Driving`], the road's lane in [`crate::traffic`]).
pub struct VehiclePlugin;

impl Plugin for VehiclePlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<Junctions>()
            .init_resource::<RemoteDesk>()
            .init_resource::<RouterScratch>()
            .init_resource::<CrossingState>()
            .init_resource::<Gridlocks>()
            .init_resource::<OnRoad>()
            .add_systems(SimStep, finish_dwells.in_set(ControlSystems::Dwells))
            .add_systems(SimStep, detect_gridlock.in_set(ControlSystems::Gridlock));
    }
}

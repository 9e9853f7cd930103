//! The scenario file format, version 2: this rustdoc is the reference for scenario authors.
//!
//! Units: distances and coordinates in metres (x east, y north, z up), speeds in km/h on roads
//! and m/s in the air, times of day as `"HH:MM"`, durations in seconds unless a name says
//! otherwise. Optional fields may be written bare (`hours: (from: "07:30", to: "08:30")`),
//! without `Some(...)`.

use serde::{Deserialize, Serialize};

mod airspace;
mod demand;
mod fleets;
mod map;
mod residents;
mod rules;
mod run;

pub use airspace::{Airspace, NoFlyVolume};
pub use demand::{Demand, ParcelDemand, PlaceSet, RateStep, RideDemand};
pub use fleets::{
    DEFAULT_LAUNCH_INTERVAL_S, Dispatch, DispatchPolicy, DroneFleet, Fleets, TaxiFleet, pad_ring_radius_m,
    stand_position_m,
};
pub use map::{
    Building, Crossing, Edge, KERB_OFFSET_M, LANE_WIDTH_M, Node, Place, PlaceKind, RoadRef, TrafficSide, Zone,
    ZoneKind, ZoneMap,
};
pub use residents::{CarFlow, PedestrianFlow, Residents};
pub use rules::{Class, Rule, RuleKind, RuleName};
pub use run::{RunSettings, Weather, WindStep};

/// The newest scenario format version this build reads.
pub const FORMAT_VERSION: u32 = 2;

/// A complete pilot-zone scenario: the map, who operates in it, what they are asked to do,
/// the rules they must follow, and how long to simulate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Scenario format version; this build reads version 2.
    pub format_version: u32,
    /// Short name, used for run folders (`runs/<name>-<seed>/`).
    pub name: String,
    /// One line describing the scenario for people choosing between scenarios.
    #[serde(default)]
    pub description: String,
    /// Simulated period, tick and seed.
    pub run: RunSettings,
    /// Roads, places, zones and airspace.
    pub map: ZoneMap,
    /// Vehicles and drones in service.
    pub fleets: Fleets,
    /// Ride requests and parcel orders.
    pub demand: Demand,
    /// Rule files whose rules hold here too (a national baseline), relative to this file and
    /// inside its folder; a rule here with the same id replaces the included one.
    #[serde(default)]
    pub include: Vec<String>,
    /// Rules in force, each with its hours.
    #[serde(default)]
    pub rules: Vec<Rule>,
    /// Wind over the run.
    #[serde(default)]
    pub weather: Weather,
    /// Pedestrians and human-driven cars.
    #[serde(default)]
    pub residents: Residents,
    /// How ride requests are given to taxis.
    #[serde(default)]
    pub dispatch: Dispatch,
}

/// Serde's default for flags that are on unless a scenario turns them off.
fn default_true() -> bool {
    true
}

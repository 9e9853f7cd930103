//! The people who live in the zone: pedestrians at crossings and their own, human-driven cars.

use serde::{Deserialize, Serialize};

use super::{PlaceSet, RateStep};

/// People crossing roads at marked crossings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PedestrianFlow {
    /// Name of the flow in reports.
    pub name: String,
    /// Crossings used, by name; every crossing when empty. One is drawn per person.
    #[serde(default)]
    pub crossings: Vec<String>,
    /// People per hour over all the flow's crossings, by time of day.
    pub profile: Vec<RateStep>,
    /// Walking speed, m/s (default 1.3).
    #[serde(default = "default_walk")]
    pub walk_mps: f64,
    /// Share of people who step out without checking that approaching vehicles can stop
    /// (default 0.05); the others wait until every vehicle near can.
    #[serde(default = "default_careless")]
    pub careless: f64,
}

fn default_walk() -> f64 {
    1.3
}

fn default_careless() -> f64 {
    0.05
}

/// Residents' own cars, driven by people: trips between places by time of day.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CarFlow {
    /// Name of the flow in reports.
    pub name: String,
    /// Cars in the flow; each starts parked at a place drawn from `from`.
    pub count: u32,
    /// Where the cars start.
    pub from: PlaceSet,
    /// Where trips go; drawn per trip, never the place the car stands at.
    pub to: PlaceSet,
    /// Trips per hour over the whole flow, by time of day; a trip with no parked car is dropped.
    pub profile: Vec<RateStep>,
}

/// The people who live in the zone: what makes road safety measurable.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Residents {
    /// People crossing roads.
    #[serde(default)]
    pub pedestrians: Vec<PedestrianFlow>,
    /// Human-driven cars.
    #[serde(default)]
    pub cars: Vec<CarFlow>,
}

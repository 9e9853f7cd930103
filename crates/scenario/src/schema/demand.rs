//! What the fleets are asked to do: ride requests and parcel orders, by time of day.

use serde::{Deserialize, Serialize};

use super::PlaceKind;
use crate::time::ClockTime;

/// A set of places that demand starts or ends at.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum PlaceSet {
    /// Every place of these kinds.
    Kinds(Vec<PlaceKind>),
    /// These places, by name.
    Named(Vec<String>),
}

/// Demand rate from a time of day until the next step (or the end of the run).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateStep {
    /// Time of day the rate starts.
    pub from: ClockTime,
    /// Mean arrivals per hour (a Poisson process).
    pub per_hour: f64,
}

/// Requests for rides between two sets of places.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RideDemand {
    /// Name of the flow in reports.
    pub name: String,
    /// Where riders are picked up; one place is drawn per request.
    pub from: PlaceSet,
    /// Where riders go; drawn per request, never equal to the pickup place.
    pub to: PlaceSet,
    /// Time-of-day profile, steps in increasing time.
    pub profile: Vec<RateStep>,
    /// Longest a rider waits for pickup before giving up, in seconds (default 900).
    #[serde(default = "default_max_wait")]
    pub max_wait_s: u32,
}

fn default_max_wait() -> u32 {
    900
}

/// Parcel orders flown from a vertiport.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParcelDemand {
    /// Name of the flow in reports.
    pub name: String,
    /// Vertiport the parcels leave from.
    pub from: String,
    /// Destinations; one place is drawn per order.
    pub to: PlaceSet,
    /// Time-of-day profile, steps in increasing time.
    pub profile: Vec<RateStep>,
    /// Parcel weight in kg.
    pub weight_kg: f64,
    /// Longest an order waits for a drone before it is failed, in seconds (default 1800).
    #[serde(default = "default_parcel_wait")]
    pub max_wait_s: u32,
}

fn default_parcel_wait() -> u32 {
    1800
}

/// Ride and parcel demand.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Demand {
    /// Ride request flows.
    #[serde(default)]
    pub rides: Vec<RideDemand>,
    /// Parcel order flows.
    #[serde(default)]
    pub parcels: Vec<ParcelDemand>,
}

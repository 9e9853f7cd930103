//! Who serves: taxi and drone fleets, and how ride requests are dispatched to the taxis.

use serde::{Deserialize, Serialize};

/// Vehicles and drones in service.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fleets {
    /// On-demand taxi fleets.
    #[serde(default)]
    pub taxis: Vec<TaxiFleet>,
    /// Delivery drone fleets.
    #[serde(default)]
    pub drones: Vec<DroneFleet>,
}

/// A fleet of Level-4 on-demand taxis.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaxiFleet {
    /// Unique fleet name that rules (operating hours) refer to.
    pub name: String,
    /// Number of vehicles.
    pub count: u32,
    /// Place (kind `Depot`) where the vehicles start and charge.
    pub depot: String,
    /// Passenger seats per vehicle.
    pub seats: u8,
    /// Top speed of the vehicle in km/h (Level-4 permits often cap this).
    pub max_speed_kmh: f64,
    /// Usable battery capacity in kWh.
    pub battery_kwh: f64,
    /// Energy use in kWh per km driven (default 0.15).
    #[serde(default = "default_taxi_consumption")]
    pub kwh_per_km: f64,
    /// Charging power at the depot in kW (default 50, a DC fast charger).
    #[serde(default = "default_charge_kw")]
    pub charge_kw: f64,
    /// A vehicle whose charge falls below this share of its battery takes no new riders and
    /// drives to the depot to charge once its riders are delivered (default 0.3).
    #[serde(default = "default_recharge_below")]
    pub recharge_below: f64,
}

fn default_taxi_consumption() -> f64 {
    0.15
}

fn default_charge_kw() -> f64 {
    50.0
}

fn default_recharge_below() -> f64 {
    0.3
}

/// A fleet of delivery drones.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DroneFleet {
    /// Unique fleet name that rules (operating hours) refer to.
    pub name: String,
    /// Number of drones.
    pub count: u32,
    /// Place (kind `Vertiport`) where the drones are based and charge.
    pub base: String,
    /// Horizontal cruise speed in m/s.
    pub cruise_speed_mps: f64,
    /// Cruise altitude above ground in metres; inside the airspace band.
    pub cruise_alt_m: f64,
    /// Vertical speed for climbs and descents in m/s (default 3).
    #[serde(default = "default_climb")]
    pub climb_mps: f64,
    /// Maximum payload in kg.
    pub payload_kg: f64,
    /// Usable battery capacity in Wh.
    pub battery_wh: f64,
    /// Energy use in Wh per km flown (default 20).
    #[serde(default = "default_drone_consumption")]
    pub wh_per_km: f64,
    /// Take-off pads of the vertiport (default 1): each sends off one flight at a time, so the
    /// vertiport launches up to `pads` flights per `launch_interval_s`. The drones charge on
    /// stands in a ring round it and rise from their stands when a pad's slot is theirs.
    #[serde(default = "one_pad", skip_serializing_if = "is_one_pad")]
    pub pads: u32,
    /// Least time between two departures from one pad, s (default 12): the time a climbing
    /// drone needs to clear the pad's departure path.
    #[serde(default = "default_launch_interval", skip_serializing_if = "is_default_launch_interval")]
    pub launch_interval_s: f64,
}

fn one_pad() -> u32 {
    1
}

fn is_one_pad(pads: &u32) -> bool {
    *pads == 1
}

/// Least time between two departures from one pad unless a fleet says otherwise, s.
pub const DEFAULT_LAUNCH_INTERVAL_S: f64 = 12.0;

fn default_launch_interval() -> f64 {
    DEFAULT_LAUNCH_INTERVAL_S
}

fn is_default_launch_interval(s: &f64) -> bool {
    *s == DEFAULT_LAUNCH_INTERVAL_S
}

fn default_climb() -> f64 {
    3.0
}

fn default_drone_consumption() -> f64 {
    20.0
}

/// How ride requests are given to taxis.
///
/// ```ron
/// dispatch: (policy: Pooling, period_s: 5, max_detour: 1.5)
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dispatch {
    /// Matching policy (default `Nearest`); `pilotzone run --dispatch` overrides it.
    #[serde(default)]
    pub policy: DispatchPolicy,
    /// Seconds between dispatch rounds (default 5); requests made between rounds wait for the
    /// next one.
    #[serde(default = "default_dispatch_period")]
    pub period_s: u32,
    /// Pooling only: longest ride allowed, as a multiple of the rider's direct ride from
    /// boarding to alighting (default 1.5). A pooled stop never stretches a rider beyond it.
    #[serde(default = "default_max_detour")]
    pub max_detour: f64,
    /// Send idle vehicles toward where riders are expected (default false); see the sim's
    /// `rebalance` module for the policy.
    #[serde(default)]
    pub rebalancing: bool,
}

impl Default for Dispatch {
    fn default() -> Self {
        Dispatch {
            policy: DispatchPolicy::default(),
            period_s: default_dispatch_period(),
            max_detour: default_max_detour(),
            rebalancing: false,
        }
    }
}

fn default_dispatch_period() -> u32 {
    5
}

fn default_max_detour() -> f64 {
    1.5
}

/// How each dispatch round matches open requests with vehicles.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum DispatchPolicy {
    /// Oldest request first, each to the idle vehicle that reaches it soonest (SUMO's `greedy`).
    #[default]
    Nearest,
    /// All open requests and idle vehicles at once, assigned to minimise the sum of pickup
    /// times (an optimal bipartite assignment).
    BatchMatching,
    /// Oldest request first, inserted into the stop sequence of the vehicle, idle or busy, where
    /// it adds the least time, within every rider's wait and detour limits and the seats.
    Pooling,
}

impl DispatchPolicy {
    /// Every policy, in the order the documentation lists them.
    pub const ALL: [DispatchPolicy; 3] =
        [DispatchPolicy::Nearest, DispatchPolicy::BatchMatching, DispatchPolicy::Pooling];

    /// The name the command line and the KPI files use.
    pub fn as_str(self) -> &'static str {
        match self {
            DispatchPolicy::Nearest => "nearest",
            DispatchPolicy::BatchMatching => "batch_matching",
            DispatchPolicy::Pooling => "pooling",
        }
    }
}

impl std::str::FromStr for DispatchPolicy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DispatchPolicy::ALL.into_iter().find(|p| p.as_str() == s).ok_or_else(|| {
            let names = DispatchPolicy::ALL.map(DispatchPolicy::as_str);
            let hint = crate::error::did_you_mean(s, names).map(|h| format!("; {h}")).unwrap_or_default();
            format!("unknown dispatch policy \"{s}\": choose one of {}{hint}", names.join(", "))
        })
    }
}

/// Radius of the ring of pads a drone fleet of `drones` lays round its vertiport, m: the
/// simulation spawns drones on it and the check keeps other hubs clear of it.
pub fn pad_ring_radius_m(drones: u32) -> f64 {
    6.0 + f64::from(drones) * 0.8
}

/// Where the stand of drone `k` of a fleet of `drones` is, m: evenly round the ring about its
/// vertiport at `base`, the first due east.
pub fn stand_position_m(base: (f64, f64), k: u32, drones: u32) -> (f64, f64) {
    let angle = std::f64::consts::TAU * f64::from(k) / f64::from(drones);
    let radius = pad_ring_radius_m(drones);
    (base.0 + angle.cos() * radius, base.1 + angle.sin() * radius)
}

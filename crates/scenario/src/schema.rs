//! The scenario file format, version 2: this rustdoc is the reference for scenario authors.
//!
//! Units: distances and coordinates in metres (x east, y north, z up), speeds in km/h on roads
//! and m/s in the air, times of day as `"HH:MM"`, durations in seconds unless a name says
//! otherwise. Optional fields may be written bare (`hours: (from: "07:30", to: "08:30")`),
//! without `Some(...)`.

use serde::{Deserialize, Serialize};

use crate::time::{ClockTime, Date, DateRange, Hours};

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

/// How long and how finely to simulate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSettings {
    /// Time of day at which the simulation starts.
    pub start: ClockTime,
    /// Simulated duration in seconds.
    pub duration_s: u32,
    /// Fixed simulation tick in milliseconds of simulated time (default 100).
    #[serde(default = "default_tick_ms")]
    pub tick_ms: u32,
    /// Interval between recorded replay samples in milliseconds; a multiple of `tick_ms`
    /// (default 500, i.e. 2 Hz).
    #[serde(default = "default_record_ms")]
    pub record_ms: u32,
    /// Root random seed; `pilotzone run --seed` overrides it.
    pub seed: u64,
    /// Calendar date of the start, for rules that hold on some dates only.
    #[serde(default)]
    pub date: Option<Date>,
}

fn default_tick_ms() -> u32 {
    100
}

fn default_record_ms() -> u32 {
    500
}

/// Which side of the road vehicles keep to. Japan keeps left.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TrafficSide {
    /// Keep left (Japan, United Kingdom, Isle of Man).
    #[default]
    Left,
    /// Keep right.
    Right,
}

impl TrafficSide {
    fn is_left(&self) -> bool {
        *self == TrafficSide::Left
    }
}

/// The special-zone map.
///
/// A scenario either draws its map here or builds on a map file (`file`, written by
/// `pilotzone import osm`): then everything listed here is added to the file's map (nodes,
/// roads, places, zones, crossings, buildings, no-fly volumes), and `traffic_side` or
/// `airspace` given here replace the file's.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneMap {
    /// A map file (a `ZoneMap` in RON) this map builds on, relative to the scenario's folder and
    /// inside it. Loading merges it in: a loaded scenario never has a `file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Where the map data comes from, shown wherever the map is shown; OpenStreetMap data
    /// requires "© OpenStreetMap contributors" (its ODbL licence).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution: Option<String>,
    /// Side of the road vehicles keep to (default `Left`, or the map file's).
    #[serde(default, skip_serializing_if = "TrafficSide::is_left")]
    pub traffic_side: TrafficSide,
    /// Road junctions and shape points.
    #[serde(default)]
    pub nodes: Vec<Node>,
    /// Road segments between nodes.
    #[serde(default)]
    pub edges: Vec<Edge>,
    /// Named places: depots, vertiports, homes, shops, schools, clinics, ...
    #[serde(default)]
    pub places: Vec<Place>,
    /// Land-use zones that rules can refer to.
    #[serde(default)]
    pub zones: Vec<Zone>,
    /// Marked pedestrian crossings.
    #[serde(default)]
    pub crossings: Vec<Crossing>,
    /// Buildings, for drone clearance and separation from property.
    #[serde(default)]
    pub buildings: Vec<Building>,
    /// Airspace for drones (default: a 30–120 m band, no no-fly volumes, or the map file's).
    /// Left out when written if it is the default, so that a scenario written from code does
    /// not override its map file's.
    #[serde(default, skip_serializing_if = "Airspace::is_default")]
    pub airspace: Airspace,
}

/// A road node.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Node {
    /// Identifier that edges and places refer to; unique in the map.
    pub id: u32,
    /// Easting in metres.
    pub x: f64,
    /// Northing in metres.
    pub y: f64,
}

/// A road between two nodes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Edge {
    /// Node id where the road starts.
    pub from: u32,
    /// Node id where the road ends.
    pub to: u32,
    /// Length in metres along the road; defaults to the straight distance between the nodes.
    #[serde(default)]
    pub length_m: Option<f64>,
    /// Posted speed limit in km/h.
    pub speed_kmh: f64,
    /// Lanes in each direction of travel (default 1).
    #[serde(default = "one")]
    pub lanes: u8,
    /// Whether traffic may only go from `from` to `to` (default false).
    #[serde(default)]
    pub one_way: bool,
    /// Optional street name, shown in the viewer and in messages.
    #[serde(default)]
    pub name: Option<String>,
}

fn one() -> u8 {
    1
}

/// What a named place is; decides which fleets and demand may use it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum PlaceKind {
    /// Taxi depot with chargers.
    Depot,
    /// Drone base with landing pads and chargers.
    Vertiport,
    /// Railway or bus station.
    Station,
    /// Dwelling; drones deliver to its garden.
    Home,
    /// Shop or market.
    Shop,
    /// School.
    School,
    /// Clinic or hospital.
    Clinic,
    /// Shrine or temple.
    Shrine,
    /// Town hall, post office or other public office.
    Office,
    /// Park or open space.
    Park,
}

/// A named place, served from a road node.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Place {
    /// Unique name that fleets, demand and rules refer to.
    pub name: String,
    /// What the place is.
    pub kind: PlaceKind,
    /// Road node where vehicles stop for this place.
    pub node: u32,
    /// Position of the place itself (door, garden or pad) in metres; defaults to the node's.
    #[serde(default)]
    pub at: Option<(f64, f64)>,
}

/// Land use of a zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ZoneKind {
    /// Houses and flats.
    Residential,
    /// School grounds and the streets around them.
    School,
    /// Shops and offices.
    Commercial,
    /// Parks and open space.
    Park,
    /// Industry and logistics.
    Industrial,
}

/// A polygonal zone on the ground.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Zone {
    /// Unique name that rules refer to.
    pub name: String,
    /// Land use.
    pub kind: ZoneKind,
    /// Outline as (x, y) points in metres, at least three, not closed (the last point joins the first).
    pub polygon: Vec<(f64, f64)>,
    /// Hours the zone is in use (school hours); resident measures count passes in them.
    #[serde(default)]
    pub hours: Option<Hours>,
}

/// A marked pedestrian crossing over a road, where vehicles give way to people on it or
/// waiting at its kerb (Japan: Road Traffic Act, art. 38).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Crossing {
    /// Unique name that pedestrian flows refer to.
    pub name: String,
    /// The road crossed, by end nodes.
    pub road: RoadRef,
    /// Distance along the road from its first node, metres.
    pub at_m: f64,
    /// Width of the carriageway to walk across, metres (default 7).
    #[serde(default = "default_crossing_width")]
    pub width_m: f64,
}

fn default_crossing_width() -> f64 {
    7.0
}

/// A building's footprint and height.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Building {
    /// Outline as (x, y) points in metres, at least three.
    pub polygon: Vec<(f64, f64)>,
    /// Height of the roof above ground, metres.
    pub height_m: f64,
}

/// Airspace available to drones.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Airspace {
    /// Lowest cruise altitude drones may use, metres above ground (default 30).
    #[serde(default = "default_band_floor")]
    pub band_floor_m: f64,
    /// Highest altitude drones may use, metres above ground (default 120, below Japan's
    /// 150 m limit).
    #[serde(default = "default_band_ceiling")]
    pub band_ceiling_m: f64,
    /// Volumes drones may never enter (rules add volumes that hold only at some hours).
    #[serde(default)]
    pub no_fly: Vec<NoFlyVolume>,
    /// Strategic deconfliction (a U-space service): each flight reserves the airspace cells it
    /// will pass through, over time, before take-off; a flight whose cells are taken waits
    /// (default true). Turn it off to study tactical separation alone.
    #[serde(default = "default_true")]
    pub strategic_deconfliction: bool,
}

fn default_true() -> bool {
    true
}

fn default_band_floor() -> f64 {
    30.0
}

fn default_band_ceiling() -> f64 {
    120.0
}

impl Airspace {
    fn is_default(&self) -> bool {
        *self == Airspace::default()
    }
}

impl Default for Airspace {
    fn default() -> Self {
        Self {
            band_floor_m: default_band_floor(),
            band_ceiling_m: default_band_ceiling(),
            no_fly: Vec::new(),
            strategic_deconfliction: true,
        }
    }
}

/// A prism of airspace closed to drones.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoFlyVolume {
    /// Name shown in messages and the viewer.
    pub name: String,
    /// Footprint as (x, y) points in metres, at least three.
    pub polygon: Vec<(f64, f64)>,
    /// Bottom of the volume, metres above ground (default 0).
    #[serde(default)]
    pub floor_m: f64,
    /// Top of the volume, metres above ground.
    pub ceiling_m: f64,
}

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
}

fn default_climb() -> f64 {
    3.0
}

fn default_drone_consumption() -> f64 {
    20.0
}

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

/// A road by its two end nodes, as `(from, to)`; a two-way road may be named either way.
pub type RoadRef = (u32, u32);

/// A rule name for people, in both languages the viewer presents in.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleName {
    /// English.
    #[serde(default)]
    pub en: String,
    /// Japanese.
    #[serde(default)]
    pub ja: String,
}

/// Who or what a rule applies to or protects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Class {
    /// Level-4 on-demand taxis.
    Taxi,
    /// Human-driven background cars.
    Car,
    /// Delivery drones.
    Drone,
    /// People on foot.
    Person,
    /// Buildings (property, for separation minima).
    Building,
}

impl Class {
    /// Lower-case name used in messages and tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Taxi => "taxi",
            Class::Car => "car",
            Class::Drone => "drone",
            Class::Person => "person",
            Class::Building => "building",
        }
    }
}

/// A rule: what it requires, where, when and of whom.
///
/// ```ron
/// Rule(
///   id: "school-run-20",
///   name: (en: "20 km/h past the school during the school run", ja: "登校時間帯は学校周辺 20 km/h"),
///   hours: (from: "07:30", to: "08:30"),
///   kind: SpeedLimit(zone: "school-zone", kmh: 20.0),
/// )
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Unique rule id, cited by every incident the rule finds.
    pub id: String,
    /// Name shown to people.
    #[serde(default)]
    pub name: RuleName,
    /// Daily window; always when absent.
    #[serde(default)]
    pub hours: Option<Hours>,
    /// Days the rule holds (a festival, a school term); every day when empty. Needs `run.date`.
    #[serde(default)]
    pub dates: Vec<DateRange>,
    /// Classes the rule binds; empty means every class its kind can bind (see [`RuleKind`]).
    #[serde(default)]
    pub applies_to: Vec<Class>,
    /// Whether the rule is published before it holds (default true): drones plan around a
    /// published no-fly volume from a quarter of an hour before it closes. An emergency closure
    /// is not: it takes effect unannounced, around whoever is flying.
    #[serde(default = "default_true", skip_serializing_if = "is_true")]
    pub published: bool,
    /// What the rule requires.
    pub kind: RuleKind,
}

fn is_true(b: &bool) -> bool {
    *b
}

/// What a rule requires.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum RuleKind {
    /// Speed limit on every road whose midpoint lies in `zone`, or on every road when `zone` is
    /// absent; roads with a lower posted limit keep theirs. Binds `Taxi` and `Car`.
    SpeedLimit {
        /// Zone name; the whole map when absent.
        #[serde(default)]
        zone: Option<String>,
        /// Limit in km/h.
        kmh: f64,
    },
    /// Roads closed to traffic in both directions. Binds `Taxi` and `Car`.
    RoadClosure {
        /// Roads closed, by end nodes.
        roads: Vec<RoadRef>,
    },
    /// A two-way road made one-way: traffic may only go from the first node to the second.
    /// Binds `Taxi` and `Car`.
    OneWay {
        /// The road, in the direction that stays open.
        road: RoadRef,
    },
    /// Airspace closed to drones (permanent volumes may also sit in `map.airspace`).
    NoFly {
        /// The closed volume.
        volume: NoFlyVolume,
    },
    /// Altitudes drones may cruise at, metres above ground (Japan: at most 150 m).
    AltitudeBand {
        /// Lowest cruise altitude.
        floor_m: f64,
        /// Highest altitude.
        ceiling_m: f64,
    },
    /// Minimum distance between two classes: a loss when both the horizontal and the vertical
    /// distance are below their minima. Pairs checked: drone–drone, drone–person,
    /// drone–building, taxi–person, car–person.
    Separation {
        /// The two classes.
        between: (Class, Class),
        /// Horizontal minimum in metres.
        horizontal_m: f64,
        /// Vertical minimum in metres.
        vertical_m: f64,
    },
    /// Hours a fleet may take new work (the rule's `hours`, required); outside them vehicles
    /// finish what they carry and stand.
    OperatingHours {
        /// Fleet name (taxi or drone fleet); every fleet of the bound classes when absent.
        #[serde(default)]
        fleet: Option<String>,
    },
    /// Drones do not take off while the mean wind exceeds this speed. Binds `Drone`.
    WindLimit {
        /// Highest mean wind for take-off, m/s.
        max_mps: f64,
    },
    /// Remote monitoring: one operator per this many vehicles of the fleet. A Level-4 vehicle
    /// needs an operator to confirm every departure from a stop and while it stands blocked;
    /// with every operator busy it waits.
    RemoteOperators {
        /// Taxi fleet name; every taxi fleet when absent.
        #[serde(default)]
        fleet: Option<String>,
        /// Vehicles one operator watches.
        vehicles_per_operator: u32,
    },
    /// The only roads Level-4 taxis may drive (a permit's designated route). Binds `Taxi`.
    DesignatedRoute {
        /// Roads of the route, by end nodes; both directions.
        roads: Vec<RoadRef>,
    },
}

impl RuleKind {
    /// Classes a rule of this kind binds when `applies_to` is empty.
    pub fn default_classes(&self) -> &'static [Class] {
        match self {
            RuleKind::SpeedLimit { .. } | RuleKind::RoadClosure { .. } | RuleKind::OneWay { .. } => {
                &[Class::Taxi, Class::Car]
            }
            RuleKind::DesignatedRoute { .. } | RuleKind::RemoteOperators { .. } => &[Class::Taxi],
            RuleKind::NoFly { .. } | RuleKind::AltitudeBand { .. } | RuleKind::WindLimit { .. } => &[Class::Drone],
            // The pair named in the rule is bound, whatever else the rule lists.
            RuleKind::Separation { .. } => &[],
            RuleKind::OperatingHours { .. } => &[Class::Taxi, Class::Drone],
        }
    }

    /// Short name of the kind, as incidents and tables print it.
    pub fn as_str(&self) -> &'static str {
        match self {
            RuleKind::SpeedLimit { .. } => "speed_limit",
            RuleKind::RoadClosure { .. } => "road_closure",
            RuleKind::OneWay { .. } => "one_way",
            RuleKind::NoFly { .. } => "no_fly",
            RuleKind::AltitudeBand { .. } => "altitude_band",
            RuleKind::Separation { .. } => "separation",
            RuleKind::OperatingHours { .. } => "operating_hours",
            RuleKind::WindLimit { .. } => "wind_limit",
            RuleKind::RemoteOperators { .. } => "remote_operators",
            RuleKind::DesignatedRoute { .. } => "designated_route",
        }
    }
}

impl Rule {
    /// A rule with no name, dates or class list.
    pub fn new(id: impl Into<String>, hours: Option<Hours>, kind: RuleKind) -> Self {
        Rule {
            id: id.into(),
            name: RuleName::default(),
            hours,
            dates: Vec::new(),
            applies_to: Vec::new(),
            published: true,
            kind,
        }
    }

    /// The rule's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The rule's daily window, if it has one.
    pub fn hours(&self) -> Option<&Hours> {
        self.hours.as_ref()
    }

    /// Whether the rule binds `class`.
    pub fn binds(&self, class: Class) -> bool {
        if let RuleKind::Separation { between, .. } = &self.kind {
            return between.0 == class || between.1 == class;
        }
        if self.applies_to.is_empty() {
            self.kind.default_classes().contains(&class)
        } else {
            self.applies_to.contains(&class)
        }
    }

    /// Whether the rule holds at `time_of_day_s` on `day` (dated rules never hold without a day).
    pub fn holds(&self, day: Option<Date>, time_of_day_s: u32) -> bool {
        let on_day = self.dates.is_empty() || day.is_some_and(|d| self.dates.iter().any(|r| r.contains(d)));
        on_day && crate::time::active(&self.hours, time_of_day_s)
    }

    /// The English name, or the id when the rule has none.
    pub fn title(&self) -> &str {
        if self.name.en.is_empty() { &self.id } else { &self.name.en }
    }
}

/// Mean wind from a time of day until the next step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindStep {
    /// Time of day the wind starts.
    pub from: ClockTime,
    /// Mean wind speed at 10 m above ground, m/s.
    pub mean_mps: f64,
    /// Direction the wind blows from, degrees clockwise from north.
    #[serde(default)]
    pub from_deg: f64,
    /// Gustiness: standard deviation of the wind around its mean, m/s (default 0, steady).
    /// Gusts vary over about ten seconds and are drawn from the run's seed.
    #[serde(default)]
    pub gust_mps: f64,
}

impl WindStep {
    /// The mean wind as the velocity of the air, (east, north) in m/s.
    pub fn air_velocity(&self) -> (f64, f64) {
        // Air blowing from the north moves south.
        let (sin, cos) = self.from_deg.to_radians().sin_cos();
        (-sin * self.mean_mps, -cos * self.mean_mps)
    }
}

/// Weather over the run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weather {
    /// Wind by time of day, steps in increasing time; calm when empty.
    #[serde(default)]
    pub wind: Vec<WindStep>,
}

impl Weather {
    /// Mean wind speed at `time_of_day_s`, m/s (calm before the first step).
    pub fn wind_at(&self, time_of_day_s: u32) -> f64 {
        self.step_at(time_of_day_s).map_or(0.0, |w| w.mean_mps)
    }

    /// The wind step in force at `time_of_day_s`; none before the first (calm).
    pub fn step_at(&self, time_of_day_s: u32) -> Option<&WindStep> {
        let t = time_of_day_s % crate::time::DAY_S;
        self.wind.iter().rev().find(|w| w.from.0 <= t)
    }
}

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

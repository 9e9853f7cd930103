//! The ground of a scenario: roads, named places, land-use zones, crossings and buildings.

use serde::{Deserialize, Serialize};

use super::Airspace;
use crate::time::Hours;

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

/// Width of one lane, m, as on Japanese roads: the simulation drives vehicles half a lane from
/// the centre line.
pub const LANE_WIDTH_M: f64 = 3.5;
/// Where a vehicle stopped at the kerb stands, its centre measured from the road's centre line,
/// m, whatever the road's width.
pub const KERB_OFFSET_M: f64 = 4.25;

impl Edge {
    /// Width of the carriageway, m: its lanes in both directions (one for a one-way road).
    pub fn carriageway_m(&self) -> f64 {
        let directions = if self.one_way { 1.0 } else { 2.0 };
        f64::from(self.lanes) * directions * LANE_WIDTH_M
    }
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

/// A road by its two end nodes, as `(from, to)`; a two-way road may be named either way.
pub type RoadRef = (u32, u32);

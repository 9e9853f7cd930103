//! What to draw of a pilot zone, shared by the desktop viewer and the web player so both show
//! the same town: the static [`Scene`] from a scenario (roads, crossings, buildings, zones,
//! no-fly volumes, places, rules), the agents of a replay frame ([`AgentView`]) and the
//! incident markers of its events ([`Scene::incidents`]).
//!
//! Units: every coordinate and length of the static scene is an integer number of
//! **decimetres** (0.1 m; fields end in `_dm`, points are `[x, y]` with x east and y north), so
//! the JSON the web player embeds stays small; agents and incident markers, which move, are in
//! metres as floats. Times of day are seconds after midnight.
//!
//! This crate reads scenarios and replays only: it never depends on the engine or a renderer,
//! so the web player's export does not compile either.

mod agents;
mod incidents;
pub mod labels;
mod map;
mod rules;
pub mod style;

use std::collections::BTreeMap;

use pilotzone_scenario::{Date, LoadError, Scenario, TrafficSide};
use serde::{Deserialize, Serialize};

pub use agents::{Agent, AgentView};
pub use incidents::{IncidentMarker, MarkerEntity, RuleRef};
pub use labels::Text;
pub use map::{Building, Crossing, Place, Road, Zone};
/// Width of one lane, m (the scenario's).
pub use pilotzone_scenario::LANE_WIDTH_M;
pub use rules::{NoFly, RuleView, Window};
pub use style::{Body, Legend, Rgb, Shape};

/// Version of the scene's serialized form; a player refuses a newer one.
pub const FORMAT_VERSION: u32 = 1;

/// A point `[x, y]` in decimetres, x east and y north.
pub type Point = [i32; 2];

/// Metres to whole decimetres, rounded.
pub fn dm(metres: f64) -> i32 {
    (metres * 10.0).round() as i32
}

/// Decimetres to metres.
pub fn metres(dm: i32) -> f64 {
    f64::from(dm) / 10.0
}

/// A point in metres to one in decimetres.
pub fn point((x, y): (f64, f64)) -> Point {
    [dm(x), dm(y)]
}

/// The rectangle everything drawn lies in, dm.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bounds {
    /// South-west corner.
    pub min: Point,
    /// North-east corner.
    pub max: Point,
}

impl Bounds {
    /// The smallest rectangle holding every point; all zeros when there is none.
    pub fn around<'a>(points: impl IntoIterator<Item = &'a Point>) -> Self {
        points
            .into_iter()
            .fold(None, |b: Option<Bounds>, p| {
                Some(b.map_or(Bounds { min: *p, max: *p }, |b| Bounds {
                    min: [b.min[0].min(p[0]), b.min[1].min(p[1])],
                    max: [b.max[0].max(p[0]), b.max[1].max(p[1])],
                }))
            })
            .unwrap_or_default()
    }

    /// Whether `p` lies inside or on the edge.
    pub fn contains(&self, p: Point) -> bool {
        (self.min[0]..=self.max[0]).contains(&p[0]) && (self.min[1]..=self.max[1]).contains(&p[1])
    }
}

/// The altitudes drones may cruise at when no rule says otherwise, dm above ground.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Band {
    /// Lowest cruise altitude.
    pub floor_dm: i32,
    /// Highest altitude.
    pub ceiling_dm: i32,
}

/// The static part of what to draw: the town of one scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scene {
    /// [`FORMAT_VERSION`] of the writer.
    pub format_version: u32,
    /// Scenario name.
    pub name: String,
    /// One line about the scenario.
    #[serde(default)]
    pub description: String,
    /// Where the map data comes from, to be shown wherever the map is (OpenStreetMap's ODbL
    /// notice for imported maps); `None` for maps drawn by hand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution: Option<String>,
    /// Side of the road traffic keeps to, on every road.
    #[serde(with = "labels::traffic_side")]
    pub traffic_side: TrafficSide,
    /// Width of a lane, dm.
    pub lane_width_dm: i32,
    /// Time of day the run starts, s after midnight.
    pub start_s: u32,
    /// Calendar date of the run, for dated rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<Date>,
    /// The rectangle everything lies in.
    pub bounds: Bounds,
    /// Roads, in the scenario's order (rules and crossings refer to them by index).
    pub roads: Vec<Road>,
    /// Marked crossings.
    pub crossings: Vec<Crossing>,
    /// Buildings.
    pub buildings: Vec<Building>,
    /// Land-use zones.
    pub zones: Vec<Zone>,
    /// Named places, depots and vertiports among them.
    pub places: Vec<Place>,
    /// The drones' altitude band from the map.
    pub band: Band,
    /// No-fly volumes: the map's permanent ones, then those of no-fly rules in rule order.
    pub no_fly: Vec<NoFly>,
    /// The rules, in the scenario's order.
    pub rules: Vec<RuleView>,
    /// Colours, sizes and labels.
    pub legend: Legend,
}

/// A scene that cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum SceneError {
    /// The scenario text does not parse or validate.
    #[error(transparent)]
    Scenario(#[from] Box<LoadError>),
}

impl Scene {
    /// The scene of a scenario (a loaded one: its map file merged in).
    pub fn new(scenario: &Scenario) -> Self {
        let map = &scenario.map;
        let nodes: BTreeMap<u32, (f64, f64)> = map.nodes.iter().map(|n| (n.id, (n.x, n.y))).collect();
        let road_index = map::road_index(map);
        let roads = map::roads(map, &nodes);
        let places = map::places(map, &nodes, &scenario.fleets);
        let zones = map::zones(map);
        let buildings = map::buildings(map);
        let no_fly = rules::no_fly(scenario);
        let bounds = Bounds::around(
            roads
                .iter()
                .flat_map(|r| &r.points)
                .chain(places.iter().map(|p| &p.at))
                .chain(zones.iter().flat_map(|z| &z.polygon))
                .chain(buildings.iter().flat_map(|b| &b.footprint))
                .chain(no_fly.iter().flat_map(|v| &v.polygon)),
        );
        Scene {
            format_version: FORMAT_VERSION,
            name: scenario.name.clone(),
            description: scenario.description.clone(),
            attribution: map.attribution.clone(),
            traffic_side: map.traffic_side,
            lane_width_dm: dm(LANE_WIDTH_M),
            start_s: scenario.run.start.seconds(),
            date: scenario.run.date,
            bounds,
            crossings: map::crossings(map, &nodes, &road_index),
            rules: rules::rules(scenario, &road_index),
            roads,
            buildings,
            zones,
            places,
            band: Band { floor_dm: dm(map.airspace.band_floor_m), ceiling_dm: dm(map.airspace.band_ceiling_m) },
            no_fly,
            legend: Legend::current(),
        }
    }

    /// The scene of self-contained scenario text, such as a replay's header carries.
    pub fn from_text(text: &str, file: &str) -> Result<Self, SceneError> {
        let loaded = pilotzone_scenario::parse(text, file).map_err(Box::new)?;
        Ok(Scene::new(&loaded.scenario))
    }

    /// The no-fly volumes closed at `time_of_day_s` (seconds after midnight) on `date`, with
    /// their indices in [`Scene::no_fly`]. A volume of a dated rule holds only on a given date.
    pub fn active_nofly(&self, time_of_day_s: u32, date: Option<Date>) -> impl Iterator<Item = (usize, &NoFly)> {
        self.no_fly.iter().enumerate().filter(move |(_, v)| v.holds(time_of_day_s, date))
    }

    /// The rules in force at `time_of_day_s` on `date`.
    pub fn active_rules(&self, time_of_day_s: u32, date: Option<Date>) -> impl Iterator<Item = &RuleView> {
        self.rules.iter().filter(move |r| r.holds(time_of_day_s, date))
    }

    /// The rule with `id`.
    pub fn rule(&self, id: &str) -> Option<&RuleView> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// The place nearest to `at` (m) within `within_m`.
    pub fn nearest_place(&self, at: [f64; 2], within_m: f64) -> Option<&Place> {
        let distance = |p: &Place| (metres(p.at[0]) - at[0]).hypot(metres(p.at[1]) - at[1]);
        self.places.iter().filter(|p| distance(p) <= within_m).min_by(|a, b| distance(a).total_cmp(&distance(b)))
    }
}

//! Imports an OpenStreetMap PBF extract as a pilotzone [`ZoneMap`]: roads, crossings,
//! buildings, land-use zones and named places, in local metres.
//!
//! The road pipeline:
//!
//! 1. Car ways ([`crate::tags`]) are cut at **junctions**: nodes shared by ways, way ends, and
//!    nodes next to ones missing from the extract (or outside `--bbox`), whose segments are
//!    clipped. A way that closes on itself is cut at its middle too, so no road is a loop.
//! 2. Only the **largest strongly connected part** of the junction graph is kept, so every road
//!    node, and so every place, can be reached from every other; the rest is reported.
//! 3. **Junction clustering**: junctions joined by a road shorter than `junction_radius_m` are
//!    merged, shortest roads first, while the merged cluster stays within a circle of that
//!    radius: the two carriageways of a divided road then meet at one junction instead of a
//!    knot of 10 m roads. Merging never breaks strong connectivity.
//! 4. Each road between junctions is **simplified** (Douglas–Peucker, `simplify_m`): the shape
//!    points it keeps become road nodes, so a straight drawing of the map stays within that
//!    tolerance of the real road, while each edge keeps the road's true length.
//!
//! Places attach to the nearest road node of the kept part; a place with no road within
//! `max_place_distance_m` is dropped and reported. Everything is deterministic: the same file
//! and options give the same map, byte for byte.

mod areas;
mod read;
mod roads;
mod shape;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use pilotzone_scenario::{Airspace, Node, PlaceKind, TrafficSide, ZoneMap};

use crate::OsmError;
use crate::features::place_word;
use crate::network::haversine_m;
use read::Read;

/// The attribution OpenStreetMap's licence (ODbL 1.0) asks of every map made from its data.
pub const OSM_ATTRIBUTION: &str = "© OpenStreetMap contributors, ODbL 1.0 (openstreetmap.org/copyright)";

/// An area to keep, in degrees: `left,bottom,right,top` (min lon, min lat, max lon, max lat),
/// the order osmium and most tools use.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BBox {
    /// Western edge, degrees east.
    pub min_lon: f64,
    /// Southern edge, degrees north.
    pub min_lat: f64,
    /// Eastern edge.
    pub max_lon: f64,
    /// Northern edge.
    pub max_lat: f64,
}

impl BBox {
    fn contains(&self, (lat, lon): (f64, f64)) -> bool {
        (self.min_lat..=self.max_lat).contains(&lat) && (self.min_lon..=self.max_lon).contains(&lon)
    }
}

impl std::str::FromStr for BBox {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let parts: Vec<&str> = s.split(',').map(str::trim).collect();
        let [l, b, r, t] = parts[..] else {
            return Err(format!(
                "\"{s}\" is not a box: give left,bottom,right,top in degrees, e.g. 26.90,60.45,26.98,60.49"
            ));
        };
        let num = |v: &str, what: &str| v.parse::<f64>().map_err(|_| format!("{what} \"{v}\" is not a number"));
        let bbox = BBox {
            min_lon: num(l, "left")?,
            min_lat: num(b, "bottom")?,
            max_lon: num(r, "right")?,
            max_lat: num(t, "top")?,
        };
        let valid_lat = |v: f64| (-90.0..=90.0).contains(&v);
        let valid_lon = |v: f64| (-180.0..=180.0).contains(&v);
        if !(valid_lat(bbox.min_lat) && valid_lat(bbox.max_lat) && valid_lon(bbox.min_lon) && valid_lon(bbox.max_lon)) {
            return Err(format!("\"{s}\" is outside the globe: longitudes lie in -180..180, latitudes in -90..90"));
        }
        if !(bbox.min_lon < bbox.max_lon && bbox.min_lat < bbox.max_lat) {
            return Err(format!("\"{s}\" is empty: left must be below right and bottom below top"));
        }
        Ok(bbox)
    }
}

/// How to import.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportOptions {
    /// Keep only what lies inside this box.
    pub bbox: Option<BBox>,
    /// The side of the road traffic keeps to (OSM does not say; Japan keeps left).
    pub traffic_side: TrafficSide,
    /// Junctions joined by shorter roads are merged (metres; 0 turns clustering off).
    pub junction_radius_m: f64,
    /// Douglas–Peucker tolerance for road shapes, metres.
    pub simplify_m: f64,
    /// A place farther than this from every kept road node is dropped, metres.
    pub max_place_distance_m: f64,
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self {
            bbox: None,
            traffic_side: TrafficSide::Left,
            junction_radius_m: 10.0,
            simplify_m: 2.0,
            max_place_distance_m: 300.0,
        }
    }
}

/// What an import kept and dropped, and why.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ImportReport {
    /// Car ways read.
    pub car_ways: usize,
    /// Road segments (between consecutive way nodes) clipped because a node is missing from
    /// the extract or lies outside the box.
    pub clipped_segments: usize,
    /// Junctions in the largest strongly connected part, before clustering.
    pub junctions: usize,
    /// Parts of the road network dropped because they cannot be reached both ways from the
    /// largest: their count, junctions and kilometres of road.
    pub dropped_parts: usize,
    /// Junctions in the dropped parts.
    pub dropped_junctions: usize,
    /// Road length of the dropped parts, km (a two-way road counted once).
    pub dropped_km: f64,
    /// Junctions merged away by clustering (members minus clusters).
    pub joined_junctions: usize,
    /// Roads inside a junction cluster, dropped with it.
    pub cluster_roads: usize,
    /// Road nodes of the map: junctions and kept shape points.
    pub nodes: usize,
    /// Of which kept shape points.
    pub shape_nodes: usize,
    /// Road edges of the map.
    pub edges: usize,
    /// Road length of the map, km (a two-way road counted once).
    pub road_km: f64,
    /// Places kept, by kind.
    pub places: BTreeMap<PlaceKind, usize>,
    /// Places dropped: name and reason.
    pub dropped_places: Vec<(String, String)>,
    /// Crossings kept.
    pub crossings: usize,
    /// Crossings dropped because they sit at a junction, on a dropped road or on a doubled road.
    pub dropped_crossings: usize,
    /// Buildings kept.
    pub buildings: usize,
    /// Of which with a default height (no `height` or `building:levels`).
    pub default_heights: usize,
    /// Land-use zones kept.
    pub zones: usize,
    /// Buildings and zones dropped because part of their outline is outside the extract or box.
    pub clipped_areas: usize,
    /// Multipolygon relations (large land-use areas, buildings with courtyards): not imported.
    pub skipped_relations: usize,
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "roads: {} nodes ({} junctions, {} shape points), {} edges, {:.1} km from {} car ways",
            self.nodes,
            self.nodes - self.shape_nodes,
            self.shape_nodes,
            self.edges,
            self.road_km,
            self.car_ways
        )?;
        writeln!(
            f,
            "  joined {} junctions into their neighbours (dropping {} roads inside the clusters)",
            self.joined_junctions, self.cluster_roads
        )?;
        writeln!(
            f,
            "  dropped {} parts not reachable both ways from the main network: {} junctions, {:.1} km",
            self.dropped_parts, self.dropped_junctions, self.dropped_km
        )?;
        writeln!(f, "  clipped {} segments at the edge of the extract", self.clipped_segments)?;
        let kinds: Vec<String> = self.places.iter().map(|(k, n)| format!("{n} {}", place_word(*k))).collect();
        writeln!(
            f,
            "places: {} ({}); dropped {}",
            self.places.values().sum::<usize>(),
            kinds.join(", "),
            self.dropped_places.len()
        )?;
        for (name, why) in self.dropped_places.iter().take(10) {
            writeln!(f, "  dropped \"{name}\": {why}")?;
        }
        if self.dropped_places.len() > 10 {
            writeln!(f, "  … and {} more", self.dropped_places.len() - 10)?;
        }
        writeln!(
            f,
            "crossings: {} (dropped {} at junctions or on dropped roads)",
            self.crossings, self.dropped_crossings
        )?;
        writeln!(f, "buildings: {} ({} with a default height)", self.buildings, self.default_heights)?;
        writeln!(f, "zones: {}", self.zones)?;
        write!(
            f,
            "not imported: {} areas cut by the edge of the extract, {} multipolygon relations",
            self.clipped_areas, self.skipped_relations
        )
    }
}

/// The imported map, its report and where its origin lies.
#[derive(Clone, Debug)]
pub struct Imported {
    /// The map: roads, places, zones, crossings, buildings; an airspace band of 30–120 m with
    /// no no-fly volumes (those are a scenario's decision).
    pub map: ZoneMap,
    /// What was kept and dropped.
    pub report: ImportReport,
    /// `(lat, lon)` in degrees of the map's (0, 0).
    pub origin_lat_lon: (f64, f64),
}

/// Imports a PBF extract (see the [module docs](self)).
pub fn import_pbf(path: &Path, options: &ImportOptions) -> Result<Imported, OsmError> {
    let read = read::read_file(path)?;
    build(read, options).ok_or_else(|| OsmError::NoRoads { path: path.to_path_buf() })
}

/// The file's nodes as every step looks them up: by index, or by OSM id within the box.
struct Source<'a> {
    /// (id, lat, lon), sorted by id.
    nodes: &'a [(i64, f64, f64)],
    bbox: Option<BBox>,
}

impl Source<'_> {
    fn lat_lon(&self, i: u32) -> (f64, f64) {
        (self.nodes[i as usize].1, self.nodes[i as usize].2)
    }

    fn osm_id(&self, i: u32) -> i64 {
        self.nodes[i as usize].0
    }

    /// The index of an OSM node the extract has, inside the box.
    fn resolve(&self, id: i64) -> Option<u32> {
        let i = self.nodes.binary_search_by_key(&id, |n| n.0).ok()? as u32;
        self.bbox.is_none_or(|b| b.contains(self.lat_lon(i))).then_some(i)
    }

    /// Great-circle length along `points`, m.
    fn length(&self, points: &[u32]) -> f64 {
        points.windows(2).map(|p| haversine_m(self.lat_lon(p[0]), self.lat_lon(p[1]))).sum()
    }
}

fn build(read: Read, o: &ImportOptions) -> Option<Imported> {
    let Read { nodes, crossings, roads, features, relations } = read;
    let mut report = ImportReport { car_ways: roads.len(), skipped_relations: relations, ..Default::default() };
    let src = Source { nodes: &nodes, bbox: o.bbox };
    let segments = roads::cut(&src, &roads, &mut report);
    let part = roads::largest_part(&src, &segments, &roads, &crossings, &mut report)?;
    let origin = roads::origin(&src, &segments, &part);
    let mut joined = roads::join(&src, origin, &segments, &part, o.junction_radius_m, &mut report);
    let (edges, crossing_at) =
        roads::lay(&src, origin, &segments, &roads, &part, &mut joined, &crossings, o, &mut report);
    let out_nodes = joined.nodes;
    report.nodes = out_nodes.len();
    report.edges = edges.len();
    report.road_km = edges.iter().filter_map(|e| e.length_m).sum::<f64>() / 1000.0;
    let crossings = roads::place_crossings(&edges, &crossing_at, &mut report);
    let (buildings, zones, places) = areas::place(&src, origin, &features, &out_nodes, o, &mut report);
    let map = ZoneMap {
        file: None,
        attribution: Some(OSM_ATTRIBUTION.to_owned()),
        traffic_side: o.traffic_side,
        nodes: out_nodes.iter().enumerate().map(|(id, p)| Node { id: id as u32, x: p.x, y: p.y }).collect(),
        edges,
        places,
        zones,
        crossings,
        buildings,
        airspace: Airspace::default(),
    };
    Some(Imported { map, report, origin_lat_lon: origin })
}

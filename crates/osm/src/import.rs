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

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use osmpbf::{Element, ElementReader, ErrorKind};
use pilotzone_routing::Vec2;
use pilotzone_routing::geom::distance_to_segment;
use pilotzone_scenario::{
    Airspace, Building, Crossing, Edge, Node, Place, PlaceKind, TrafficSide, Zone, ZoneKind, ZoneMap,
};

use crate::features::{building_height, home_address, is_crossing, place_kind, place_word, zone_kind, zone_word};
use crate::network::{haversine_m, project};
use crate::scc::components;
use crate::tags::{Oneway, WayRules, car_rules};
use crate::{OsmError, RawArc};

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

/// A car way as read.
struct RoadWay {
    id: i64,
    rules: WayRules,
    lanes: u8,
    name: Option<String>,
    refs: Vec<i64>,
}

/// A way or node that may be a building, zone or place.
struct Feature {
    /// `'n'` node or `'w'` way, for naming unnamed features.
    kind: char,
    id: i64,
    refs: Vec<i64>,
    name: Option<String>,
    building: Option<(f64, bool)>,
    home: Option<String>,
    zone: Option<ZoneKind>,
    place: Option<(PlaceKind, bool)>,
}

/// Everything the pass over the file collects.
#[derive(Default)]
struct Read {
    /// (id, lat, lon), sorted by id.
    nodes: Vec<(i64, f64, f64)>,
    crossings: BTreeSet<i64>,
    roads: Vec<RoadWay>,
    features: Vec<Feature>,
    relations: usize,
}

/// Imports a PBF extract (see the [module docs](self)).
pub fn import_pbf(path: &Path, options: &ImportOptions) -> Result<Imported, OsmError> {
    let read = read_file(path)?;
    build(read, options).ok_or_else(|| OsmError::NoRoads { path: path.to_path_buf() })
}

fn read_file(path: &Path) -> Result<Read, OsmError> {
    let decode = |e: osmpbf::Error| {
        let what = format!("PBF: {e}");
        match e.into_kind() {
            ErrorKind::Io(source) => OsmError::Io { path: path.to_path_buf(), source },
            _ => OsmError::Decode { path: path.to_path_buf(), what },
        }
    };
    let mut r = Read::default();
    let feature = |kind: char, id: i64, refs: Vec<i64>, tags: &[(&str, &str)], r: &mut Read| {
        let tag = |k: &str| tag_of(tags, k);
        if kind == 'n' && is_crossing(tag) {
            r.crossings.insert(id);
        }
        let building = if kind == 'w' { building_height(tag) } else { None };
        let zone = if kind == 'w' { zone_kind(tag) } else { None };
        let place = place_kind(tag);
        let home = if kind == 'w' { home_address(tag) } else { None };
        if building.is_some() || zone.is_some() || place.is_some() || home.is_some() {
            let name = tag("name").map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned);
            r.features.push(Feature { kind, id, refs, name, building, home, zone, place });
        }
    };
    ElementReader::from_path(path)
        .map_err(decode)?
        .for_each(|element| match element {
            Element::Node(n) => {
                r.nodes.push((n.id(), n.lat(), n.lon()));
                let tags: Vec<(&str, &str)> = n.tags().collect();
                if !tags.is_empty() {
                    feature('n', n.id(), Vec::new(), &tags, &mut r);
                }
            }
            Element::DenseNode(n) => {
                r.nodes.push((n.id(), n.lat(), n.lon()));
                let tags: Vec<(&str, &str)> = n.tags().collect();
                if !tags.is_empty() {
                    feature('n', n.id(), Vec::new(), &tags, &mut r);
                }
            }
            Element::Way(w) => {
                let tags: Vec<(&str, &str)> = w.tags().collect();
                let tag = |k: &str| tag_of(&tags, k);
                if let Some(rules) = car_rules(tag) {
                    let name = tag("name").map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned);
                    r.roads.push(RoadWay {
                        id: w.id(),
                        rules,
                        lanes: lanes(&tags, rules.oneway),
                        name,
                        refs: w.refs().collect(),
                    });
                } else {
                    feature('w', w.id(), w.refs().collect(), &tags, &mut r);
                }
            }
            Element::Relation(rel) => {
                if rel.tags().any(|(k, v)| k == "type" && v == "multipolygon") {
                    r.relations += 1;
                }
            }
        })
        .map_err(decode)?;
    // Stable sorts: should an id repeat, the first occurrence in the file wins.
    r.nodes.sort_by_key(|n| n.0);
    r.nodes.dedup_by_key(|n| n.0);
    r.roads.sort_by_key(|w| w.id);
    Ok(r)
}

/// The value of tag `key`.
fn tag_of<'a>(tags: &[(&'a str, &'a str)], key: &str) -> Option<&'a str> {
    tags.iter().find(|(k, _)| *k == key).map(|&(_, v)| v)
}

/// Lanes in each direction: `lanes:forward` when tagged, else `lanes` (halved on a two-way
/// road), at least 1 and at most 8.
fn lanes(tags: &[(&str, &str)], oneway: Oneway) -> u8 {
    let count = |k: &str| tag_of(tags, k).and_then(|v| v.split(';').next()?.trim().parse::<u32>().ok());
    let per_direction = match (count("lanes:forward"), count("lanes")) {
        (Some(f), _) if oneway == Oneway::Both => f,
        (_, Some(total)) if oneway == Oneway::Both => total / 2,
        (_, Some(total)) => total,
        _ => 1,
    };
    per_direction.clamp(1, 8) as u8
}

/// A road whose end moved farther than this into its junction cluster keeps its old end as a
/// shape point, m.
const STUB_M: f64 = 1.0;

/// Node roles while cutting ways into roads.
const USED: u8 = 1;
const SHARED: u8 = 2;
const JUNCTION: u8 = 4;
const NONE: u32 = u32::MAX;

/// A road between two junctions: indices into `Read::nodes`, junctions at both ends.
struct Segment {
    way: u32,
    points: Vec<u32>,
    length_m: f64,
}

fn build(read: Read, o: &ImportOptions) -> Option<Imported> {
    let Read { nodes, crossings, roads, features, relations } = read;
    let mut report = ImportReport { car_ways: roads.len(), skipped_relations: relations, ..Default::default() };
    let lat_lon = |i: u32| (nodes[i as usize].1, nodes[i as usize].2);
    let resolve = |id: i64| -> Option<u32> {
        let i = nodes.binary_search_by_key(&id, |n| n.0).ok()? as u32;
        o.bbox.is_none_or(|b| b.contains(lat_lon(i))).then_some(i)
    };

    // 1. Runs of consecutive resolvable nodes, and node roles.
    let mut role = vec![0u8; nodes.len()];
    let mut runs: Vec<(u32, Vec<u32>)> = Vec::new();
    for (w, way) in roads.iter().enumerate() {
        let mut run: Vec<u32> = Vec::new();
        let flush = |run: &mut Vec<u32>, runs: &mut Vec<(u32, Vec<u32>)>| {
            if run.len() >= 2 {
                runs.push((w as u32, std::mem::take(run)));
            }
            run.clear();
        };
        let mut previous_resolved = true;
        for (k, &id) in way.refs.iter().enumerate() {
            let resolved = resolve(id);
            if k > 0 && !(previous_resolved && resolved.is_some()) {
                report.clipped_segments += 1;
            }
            previous_resolved = resolved.is_some();
            match resolved {
                Some(i) if run.last() == Some(&i) => {}
                Some(i) => run.push(i),
                None => flush(&mut run, &mut runs),
            }
        }
        flush(&mut run, &mut runs);
    }
    for (_, run) in &runs {
        for (k, &i) in run.iter().enumerate() {
            let r = &mut role[i as usize];
            *r |= if *r & USED != 0 { SHARED } else { USED };
            if k == 0 || k + 1 == run.len() {
                *r |= JUNCTION;
            }
        }
    }
    for r in &mut role {
        if *r & SHARED != 0 {
            *r |= JUNCTION;
        }
    }
    let length = |points: &[u32]| points.windows(2).map(|p| haversine_m(lat_lon(p[0]), lat_lon(p[1]))).sum::<f64>();
    let mut segments: Vec<Segment> = Vec::new();
    for (way, run) in &runs {
        let mut start = 0;
        for k in 1..run.len() {
            if role[run[k] as usize] & JUNCTION == 0 {
                continue;
            }
            let mut points = run[start..=k].to_vec();
            start = k;
            if points[0] == points[points.len() - 1] {
                // A road closing on itself is cut at its middle node (there is one: repeated
                // nodes are already removed, so a loop has at least three).
                let mid = points.len() / 2;
                role[points[mid] as usize] |= JUNCTION;
                let tail = points.split_off(mid);
                points.push(tail[0]);
                for p in [points, tail] {
                    let length_m = length(&p);
                    segments.push(Segment { way: *way, points: p, length_m });
                }
                continue;
            }
            let length_m = length(&points);
            if length_m > 0.0 {
                segments.push(Segment { way: *way, points, length_m });
            }
        }
    }

    // 2. The largest strongly connected part of the junction graph.
    let mut junction_of = vec![NONE; nodes.len()];
    let mut junctions: Vec<u32> = Vec::new();
    let mut jid = |i: u32, junctions: &mut Vec<u32>| {
        if junction_of[i as usize] == NONE {
            junction_of[i as usize] = junctions.len() as u32;
            junctions.push(i);
        }
        junction_of[i as usize]
    };
    let mut ends: Vec<(u32, u32)> = Vec::with_capacity(segments.len());
    let mut arcs: Vec<RawArc> = Vec::new();
    for s in &segments {
        let (a, b) = (jid(s.points[0], &mut junctions), jid(s.points[s.points.len() - 1], &mut junctions));
        ends.push((a, b));
        let w = &roads[s.way as usize].rules;
        let arc = |from, to| RawArc { from, to, length_m: s.length_m, speed_kmh: w.speed_kmh };
        if w.oneway.forward() {
            arcs.push(arc(a, b));
        }
        if w.oneway.backward() {
            arcs.push(arc(b, a));
        }
    }
    if junctions.is_empty() {
        return None;
    }
    let component = components(junctions.len(), &arcs);
    let mut size: BTreeMap<u32, usize> = BTreeMap::new();
    for &c in &component {
        *size.entry(c).or_default() += 1;
    }
    let best_size = size.values().copied().max().unwrap_or(0);
    let best = component.iter().copied().find(|&c| size[&c] == best_size)?;
    let in_best = |j: u32| component[j as usize] == best;
    report.junctions = best_size;
    report.dropped_parts = size.len() - 1;
    report.dropped_junctions = junctions.len() - best_size;
    let is_kept: Vec<bool> = ends.iter().map(|&(a, b)| in_best(a) && in_best(b)).collect();
    let kept: Vec<usize> = (0..segments.len()).filter(|&s| is_kept[s]).collect();
    let is_crossing_node = |p: &u32| crossings.contains(&nodes[*p as usize].0);
    for (seg, _) in segments.iter().zip(&is_kept).filter(|(_, kept)| !**kept) {
        report.dropped_km += seg.length_m / 1000.0;
        report.dropped_crossings += seg.points[1..seg.points.len() - 1].iter().filter(|p| is_crossing_node(p)).count();
    }

    // Projection about the centre of the kept roads.
    let (mut lo, mut hi) = ((f64::MAX, f64::MAX), (f64::MIN, f64::MIN));
    for &s in &kept {
        for &p in &segments[s].points {
            let (lat, lon) = lat_lon(p);
            lo = (lo.0.min(lat), lo.1.min(lon));
            hi = (hi.0.max(lat), hi.1.max(lon));
        }
    }
    let origin = ((lo.0 + hi.0) / 2.0, (lo.1 + hi.1) / 2.0);
    let xy = |i: u32| project(origin, lat_lon(i));

    // 3. Junction clustering: shortest roads first, clusters within one radius.
    let mut parent: Vec<u32> = (0..junctions.len() as u32).collect();
    let mut extent: Vec<(Vec2, Vec2)> = junctions.iter().map(|&i| (xy(i), xy(i))).collect();
    fn root(parent: &mut [u32], mut j: u32) -> u32 {
        while parent[j as usize] != j {
            parent[j as usize] = parent[parent[j as usize] as usize];
            j = parent[j as usize];
        }
        j
    }
    let mut short: Vec<usize> = kept.iter().copied().filter(|&s| segments[s].length_m < o.junction_radius_m).collect();
    short.sort_by(|&a, &b| segments[a].length_m.total_cmp(&segments[b].length_m).then(a.cmp(&b)));
    for s in short {
        let (ra, rb) = (root(&mut parent, ends[s].0), root(&mut parent, ends[s].1));
        if ra == rb {
            continue;
        }
        let (ea, eb) = (extent[ra as usize], extent[rb as usize]);
        let merged =
            (Vec2::new(ea.0.x.min(eb.0.x), ea.0.y.min(eb.0.y)), Vec2::new(ea.1.x.max(eb.1.x), ea.1.y.max(eb.1.y)));
        if merged.0.distance(merged.1) <= 2.0 * o.junction_radius_m {
            let (keep, gone) = if ra < rb { (ra, rb) } else { (rb, ra) };
            parent[gone as usize] = keep;
            extent[keep as usize] = merged;
        }
    }
    // Cluster nodes, numbered by their smallest OSM node id; placed at the members' mean.
    let mut members: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for j in 0..junctions.len() as u32 {
        if in_best(j) {
            members.entry(root(&mut parent, j)).or_default().push(j);
        }
    }
    report.joined_junctions = best_size - members.len();
    let mut clusters: Vec<(i64, u32, Vec2)> = members
        .iter()
        .map(|(&r, m)| {
            let min_id = m.iter().map(|&j| nodes[junctions[j as usize] as usize].0).min().unwrap_or(i64::MAX);
            let sum = m.iter().fold(Vec2::new(0.0, 0.0), |acc, &j| acc + xy(junctions[j as usize]));
            (min_id, r, sum.scale(1.0 / m.len() as f64))
        })
        .collect();
    clusters.sort_by_key(|c| c.0);
    let mut node_of_root = vec![NONE; junctions.len()];
    let mut out_nodes: Vec<Vec2> = Vec::new();
    for &(_, r, p) in &clusters {
        node_of_root[r as usize] = out_nodes.len() as u32;
        out_nodes.push(round_xy(p));
    }

    // 4. Roads, simplified, with their crossings.
    let mut edges: Vec<Edge> = Vec::new();
    let mut crossing_at: Vec<(i64, usize, f64)> = Vec::new(); // (osm id, edge, at_m)
    for &s in &kept {
        let seg = &segments[s];
        let way = &roads[seg.way as usize];
        let a = node_of_root[root(&mut parent, ends[s].0) as usize];
        let b = node_of_root[root(&mut parent, ends[s].1) as usize];
        let n = seg.points.len();
        if a == b && (n < 3 || seg.length_m < 2.0 * o.junction_radius_m) {
            report.cluster_roads += 1;
            report.dropped_crossings += seg.points[1..n - 1].iter().filter(|p| is_crossing_node(p)).count();
            continue;
        }
        // The road's own ends stay as shape points where clustering moved its junction: the
        // two carriageways of a divided road keep apart up to where they really met, instead
        // of being drawn as one line into the cluster's centre.
        let (ca, cb) = (out_nodes[a as usize], out_nodes[b as usize]);
        let (first, last) = (xy(seg.points[0]), xy(seg.points[n - 1]));
        let stub_a = first.distance(ca) > STUB_M;
        let stub_b = last.distance(cb) > STUB_M;
        let shift = usize::from(stub_a);
        let mut pts: Vec<Vec2> = Vec::with_capacity(n + 2);
        let mut cum: Vec<f64> = Vec::with_capacity(n + 2);
        if stub_a {
            pts.push(ca);
            cum.push(0.0);
        }
        for (k, &p) in seg.points.iter().enumerate() {
            let here = if k == 0 && !stub_a {
                ca
            } else if k == n - 1 && !stub_b {
                cb
            } else {
                xy(p)
            };
            let along = match (k, cum.last()) {
                (0, None) => 0.0,
                (0, Some(&c)) => c + ca.distance(first),
                (_, Some(&c)) => c + haversine_m(lat_lon(seg.points[k - 1]), lat_lon(p)),
                (_, None) => unreachable!("the first point is pushed first"),
            };
            pts.push(here);
            cum.push(along);
        }
        if stub_b {
            let c = cum[cum.len() - 1];
            pts.push(cb);
            cum.push(c + last.distance(cb));
        }
        let m = pts.len();
        let mut keep = vec![false; m];
        keep[0] = true;
        keep[m - 1] = true;
        keep[shift] = true;
        keep[shift + n - 1] = true;
        if a == b {
            keep[shift + n / 2] = true;
        }
        douglas_peucker(&pts, 0, m - 1, o.simplify_m, &mut keep);
        let kept_at: Vec<usize> = (0..m).filter(|&k| keep[k]).collect();
        let mut ids: Vec<u32> = Vec::with_capacity(kept_at.len());
        for &k in &kept_at {
            ids.push(if k == 0 {
                a
            } else if k == m - 1 {
                b
            } else {
                out_nodes.push(round_xy(pts[k]));
                report.shape_nodes += 1;
                out_nodes.len() as u32 - 1
            });
        }
        let backward_only = way.rules.oneway == Oneway::Backward;
        let first_edge = edges.len();
        for p in 0..kept_at.len() - 1 {
            let (from, to) = if backward_only { (ids[p + 1], ids[p]) } else { (ids[p], ids[p + 1]) };
            edges.push(Edge {
                from,
                to,
                length_m: Some(round_m(cum[kept_at[p + 1]] - cum[kept_at[p]])),
                speed_kmh: way.rules.speed_kmh,
                lanes: way.lanes,
                one_way: way.rules.oneway != Oneway::Both,
                name: way.name.clone(),
            });
        }
        for k in 1..n - 1 {
            let id = nodes[seg.points[k] as usize].0;
            if !crossings.contains(&id) {
                continue;
            }
            let k = k + shift;
            let p = kept_at.partition_point(|&q| q <= k) - 1;
            let p = if kept_at[p] == k && p > 0 { p - 1 } else { p };
            let (start, end) = (cum[kept_at[p]], cum[kept_at[p + 1]]);
            let along = if backward_only { end - cum[k] } else { cum[k] - start };
            crossing_at.push((id, first_edge + p, along));
        }
    }
    report.nodes = out_nodes.len();
    report.edges = edges.len();
    report.road_km = edges.iter().filter_map(|e| e.length_m).sum::<f64>() / 1000.0;

    // Crossings on roads whose end pair is unique (rules and crossings name roads by it).
    let mut pair_count: BTreeMap<(u32, u32), usize> = BTreeMap::new();
    for e in &edges {
        *pair_count.entry((e.from.min(e.to), e.from.max(e.to))).or_default() += 1;
    }
    let mut crossing_names = Names::default();
    let mut map_crossings = Vec::new();
    for &(id, e, along) in &crossing_at {
        let edge = &edges[e];
        let len = edge.length_m.unwrap_or(0.0);
        if pair_count[&(edge.from.min(edge.to), edge.from.max(edge.to))] > 1 || len < 2.0 {
            report.dropped_crossings += 1;
            continue;
        }
        map_crossings.push(Crossing {
            name: crossing_names.unique(format!("crossing n{id}")),
            road: (edge.from, edge.to),
            at_m: round_m(along.clamp(0.5, len - 0.5)),
            width_m: 3.5 * f64::from(edge.lanes) * if edge.one_way { 1.0 } else { 2.0 },
        });
    }
    report.crossings = map_crossings.len();

    // Buildings, zones and places.
    let grid = NodeGrid::new(&out_nodes, o.max_place_distance_m.max(50.0));
    let mut buildings = Vec::new();
    let mut zones = Vec::new();
    let mut places = Vec::new();
    let (mut zone_names, mut place_names) = (Names::default(), Names::default());
    for f in &features {
        let (at, outline) = if f.kind == 'n' {
            match resolve(f.id) {
                Some(i) => (xy(i), None),
                None => continue,
            }
        } else {
            let pts: Option<Vec<Vec2>> = f.refs.iter().map(|&id| resolve(id).map(xy)).collect();
            let Some(mut pts) = pts else {
                report.clipped_areas += usize::from(f.building.is_some() || f.zone.is_some());
                continue;
            };
            let closed = pts.len() >= 4 && pts.first() == pts.last();
            if closed {
                pts.pop();
            }
            (centroid(&pts), closed.then_some(pts))
        };
        if let Some(outline) = &outline {
            let polygon: Vec<(f64, f64)> = outline.iter().map(|&p| round_xy(p)).map(|p| (p.x, p.y)).collect();
            if let Some((height_m, default)) = f.building {
                buildings.push(Building { polygon: polygon.clone(), height_m });
                report.default_heights += usize::from(default);
            }
            if let Some(kind) = f.zone {
                let name = f.name.clone().unwrap_or_else(|| format!("{} w{}", zone_word(kind), f.id));
                zones.push(Zone { name: zone_names.unique(name), kind, polygon, hours: None });
            }
        }
        let (kind, name) = match (&f.place, &f.home) {
            (Some((kind, needs_name)), _) => match (&f.name, needs_name) {
                (Some(n), _) => (*kind, n.clone()),
                (None, false) => (*kind, format!("{} {}{}", place_word(*kind), f.kind, f.id)),
                (None, true) => continue,
            },
            (None, Some(address)) => (PlaceKind::Home, address.clone()),
            (None, None) => continue,
        };
        match grid.nearest(&out_nodes, at) {
            Some((node, d)) if d <= o.max_place_distance_m => {
                *report.places.entry(kind).or_default() += 1;
                let at = round_xy(at);
                places.push(Place { name: place_names.unique(name), kind, node, at: Some((at.x, at.y)) });
            }
            nearest => {
                let why = match nearest {
                    Some((_, d)) => format!("no road within {:.0} m (nearest {d:.0} m)", o.max_place_distance_m),
                    None => format!("no road within {:.0} m", o.max_place_distance_m),
                };
                report.dropped_places.push((name, why));
            }
        }
    }
    report.buildings = buildings.len();
    report.zones = zones.len();

    let map = ZoneMap {
        file: None,
        attribution: Some(OSM_ATTRIBUTION.to_owned()),
        traffic_side: o.traffic_side,
        nodes: out_nodes.iter().enumerate().map(|(id, p)| Node { id: id as u32, x: p.x, y: p.y }).collect(),
        edges,
        places,
        zones,
        crossings: map_crossings,
        buildings,
        airspace: Airspace::default(),
    };
    Some(Imported { map, report, origin_lat_lon: origin })
}

/// Marks the points Douglas–Peucker keeps between `first` and `last` (both kept already).
fn douglas_peucker(pts: &[Vec2], first: usize, last: usize, tolerance: f64, keep: &mut [bool]) {
    // An explicit stack: a long winding road would recurse deeply.
    let mut stack = vec![(first, last)];
    while let Some((i, j)) = stack.pop() {
        if j <= i + 1 {
            continue;
        }
        let (mut worst, mut at) = (0.0, i);
        for k in i + 1..j {
            let d = distance_to_segment(pts[k], pts[i], pts[j]);
            if d > worst {
                (worst, at) = (d, k);
            }
        }
        // A forced point (a loop's middle) splits the span too.
        let forced = (i + 1..j).find(|&k| keep[k]);
        let split = if worst > tolerance { Some(at) } else { forced };
        if let Some(k) = split {
            keep[k] = true;
            stack.push((i, k));
            stack.push((k, j));
        }
    }
}

/// Area centroid of a polygon (the vertex mean when it has no area).
fn centroid(pts: &[Vec2]) -> Vec2 {
    let n = pts.len();
    if n == 0 {
        return Vec2::new(0.0, 0.0);
    }
    let o = pts[0];
    let (mut area, mut cx, mut cy) = (0.0, 0.0, 0.0);
    for k in 0..n {
        let (p, q) = (pts[k] - o, pts[(k + 1) % n] - o);
        let cross = p.x * q.y - q.x * p.y;
        area += cross;
        cx += (p.x + q.x) * cross;
        cy += (p.y + q.y) * cross;
    }
    if area.abs() < 1e-9 {
        let sum = pts.iter().fold(Vec2::new(0.0, 0.0), |acc, &p| acc + p);
        return sum.scale(1.0 / n as f64);
    }
    Vec2::new(o.x + cx / (3.0 * area), o.y + cy / (3.0 * area))
}

/// Centimetre precision: well below what any rule or vehicle can tell, and half the file.
fn round_m(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

fn round_xy(p: Vec2) -> Vec2 {
    Vec2::new(round_m(p.x), round_m(p.y))
}

/// Names made unique by appending ` (2)`, ` (3)`, … to repeats.
#[derive(Default)]
struct Names(BTreeSet<String>);

impl Names {
    fn unique(&mut self, name: String) -> String {
        if !self.0.contains(&name) {
            self.0.insert(name.clone());
            return name;
        }
        let fresh = (2..).map(|k| format!("{name} ({k})")).find(|c| !self.0.contains(c)).expect("names are finite");
        self.0.insert(fresh.clone());
        fresh
    }
}

/// A uniform grid over road nodes for nearest-node queries.
struct NodeGrid {
    cell: f64,
    origin: Vec2,
    cols: usize,
    rows: usize,
    /// CSR: `first[c]..first[c + 1]` index `items` for cell `c`.
    first: Vec<u32>,
    items: Vec<u32>,
}

impl NodeGrid {
    fn new(points: &[Vec2], cell: f64) -> Self {
        let (mut lo, mut hi) = (Vec2::new(f64::MAX, f64::MAX), Vec2::new(f64::MIN, f64::MIN));
        for p in points {
            lo = Vec2::new(lo.x.min(p.x), lo.y.min(p.y));
            hi = Vec2::new(hi.x.max(p.x), hi.y.max(p.y));
        }
        if points.is_empty() {
            (lo, hi) = (Vec2::new(0.0, 0.0), Vec2::new(0.0, 0.0));
        }
        let cols = ((hi.x - lo.x) / cell) as usize + 1;
        let rows = ((hi.y - lo.y) / cell) as usize + 1;
        let cell_of = |p: &Vec2| ((p.y - lo.y) / cell) as usize * cols + ((p.x - lo.x) / cell) as usize;
        let (first, items) =
            crate::network::csr(cols * rows, points.iter().enumerate().map(|(i, p)| (cell_of(p) as u32, i as u32)));
        Self { cell, origin: lo, cols, rows, first, items }
    }

    /// The nearest point and its distance, searching the cells around `at` out to two cells:
    /// anything farther than one cell is beyond the caller's limit anyway.
    fn nearest(&self, points: &[Vec2], at: Vec2) -> Option<(u32, f64)> {
        let cx = ((at.x - self.origin.x) / self.cell).floor() as i64;
        let cy = ((at.y - self.origin.y) / self.cell).floor() as i64;
        let mut best: Option<(u32, f64)> = None;
        for y in cy - 2..=cy + 2 {
            for x in cx - 2..=cx + 2 {
                if x < 0 || y < 0 || x >= self.cols as i64 || y >= self.rows as i64 {
                    continue;
                }
                let c = y as usize * self.cols + x as usize;
                for &i in &self.items[self.first[c] as usize..self.first[c + 1] as usize] {
                    let d = points[i as usize].distance(at);
                    if best.is_none_or(|(b, bd)| d < bd || (d == bd && i < b)) {
                        best = Some((i, d));
                    }
                }
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tags::{Oneway, RoadClass};
    use pilotzone_scenario::mapfile;

    /// Degrees for a point `(x, y)` metres from (35° N, 135° E).
    fn at(x: f64, y: f64) -> (f64, f64) {
        let m_per_deg = crate::EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
        (35.0 + y / m_per_deg, 135.0 + x / (m_per_deg * 35f64.to_radians().cos()))
    }

    fn road(id: i64, oneway: Oneway, refs: &[i64]) -> RoadWay {
        let rules = WayRules { class: RoadClass::Residential, speed_kmh: 30.0, oneway };
        RoadWay { id, rules, lanes: 1, name: Some(format!("road {id}")), refs: refs.to_vec() }
    }

    fn feature(kind: char, id: i64, refs: &[i64]) -> Feature {
        Feature { kind, id, refs: refs.to_vec(), name: None, building: None, home: None, zone: None, place: None }
    }

    /// A street crossing a divided road (carriageways 8 m apart), a one-way loop, a one-way
    /// stub that cannot be left, a crossing, a school, a far-away clinic and a building.
    fn town() -> Read {
        let points: &[(i64, f64, f64)] = &[
            (1, 0.0, 0.0),
            (2, 100.0, 0.0),
            (11, 196.0, 0.0),
            (12, 204.0, 0.0),
            (4, 300.0, 0.0),
            (10, 196.0, -100.0),
            (13, 196.0, 100.0),
            (14, 204.0, 100.0),
            (15, 204.0, -100.0),
            (20, 320.0, 10.0),
            (21, 330.0, 0.0),
            (22, 320.0, -10.0),
            (30, 100.0, 50.0),
            (31, 100.0, 100.0),
            (40, 50.0, 0.0),
            (50, 40.0, 30.0),
            (51, 5000.0, 5000.0),
            (60, 140.0, 10.0),
            (61, 160.0, 10.0),
            (62, 160.0, 30.0),
            (63, 140.0, 30.0),
        ];
        let mut nodes: Vec<(i64, f64, f64)> = points
            .iter()
            .map(|&(id, x, y)| {
                let (lat, lon) = at(x, y);
                (id, lat, lon)
            })
            .collect();
        nodes.sort_by_key(|n| n.0);
        let mut school = feature('n', 50, &[]);
        school.name = Some("Minami School".into());
        school.place = Some((PlaceKind::School, false));
        let mut clinic = feature('n', 51, &[]);
        clinic.place = Some((PlaceKind::Clinic, false));
        let mut building = feature('w', 100, &[60, 61, 62, 63, 60]);
        building.building = Some((6.0, false));
        Read {
            nodes,
            crossings: [40].into_iter().collect(),
            roads: vec![
                road(1, Oneway::Both, &[1, 40, 2, 11, 12, 4]),
                road(2, Oneway::Forward, &[10, 11, 13]),
                road(3, Oneway::Forward, &[14, 12, 15]),
                road(4, Oneway::Both, &[13, 14]),
                road(5, Oneway::Both, &[15, 10]),
                road(6, Oneway::Forward, &[4, 20, 21, 22, 4]),
                road(7, Oneway::Forward, &[2, 30, 31]),
            ],
            features: vec![school, clinic, building],
            relations: 0,
        }
    }

    fn node_near(map: &ZoneMap, x: f64, y: f64, within: f64) -> Vec<u32> {
        map.nodes.iter().filter(|n| (n.x - x).hypot(n.y - y) <= within).map(|n| n.id).collect()
    }

    #[test]
    fn joins_divided_roads_splits_loops_and_keeps_the_connected_network() {
        let imported = build(town(), &ImportOptions::default()).unwrap();
        let (map, report) = (&imported.map, &imported.report);
        // The origin is the centre of the kept roads, so shift expectations by it.
        let o = project(imported.origin_lat_lon, at(0.0, 0.0));
        let near = |x: f64, y: f64, within: f64| node_near(map, x + o.x, y + o.y, within);
        // The two carriageways meet the street at one junction, halfway between them.
        let joined = near(200.0, 0.0, 1.0);
        assert_eq!(joined.len(), 1, "{:?}", map.nodes);
        // Each road keeps its own old end, 4 m out, as a shape point: the carriageways stay
        // apart up to where they met the street (the street, and each carriageway in and out).
        for (x, roads) in [(196.0, 3), (204.0, 3)] {
            let shapes = near(x, 0.0, 0.5);
            assert_eq!(shapes.len(), roads, "{x}: {shapes:?}");
            for s in shapes {
                assert_eq!(map.edges.iter().filter(|e| e.from == s || e.to == s).count(), 2);
            }
        }
        // The street both ways, and each carriageway in and out.
        assert_eq!(map.edges.iter().filter(|e| e.from == joined[0] || e.to == joined[0]).count(), 6);
        // The 8 m links at both ends were junctions joined too: their roads are gone.
        assert_eq!(report.joined_junctions, 3);
        assert_eq!(report.cluster_roads, 3);
        // The one-way stub cannot be left, so it is dropped with its two nodes.
        assert!(near(100.0, 100.0, 5.0).is_empty() && near(100.0, 50.0, 5.0).is_empty());
        assert_eq!((report.dropped_parts, report.dropped_junctions), (1, 1));
        assert!((report.dropped_km - 0.1).abs() < 1e-3, "{}", report.dropped_km);
        // The loop is cut in two one-way roads through a new node.
        let loop_start = near(300.0, 0.0, 1.0)[0];
        let out: Vec<&Edge> = map.edges.iter().filter(|e| e.from == loop_start && e.one_way).collect();
        assert_eq!(out.len(), 1);
        let back: Vec<&Edge> = map.edges.iter().filter(|e| e.to == loop_start && e.one_way).collect();
        assert_eq!(back.len(), 1);
        assert!(map.edges.iter().all(|e| e.from != e.to));
        // Every edge is at least as long as the straight line between its (moved) ends, less
        // what clustering moved them.
        let xy = |id: u32| map.nodes.iter().find(|n| n.id == id).map(|n| Vec2::new(n.x, n.y)).unwrap();
        for e in &map.edges {
            assert!(e.length_m.unwrap() + 8.0 >= xy(e.from).distance(xy(e.to)), "{e:?}");
        }
        // The crossing sits 50 m along the street from its west end; the straight street
        // keeps no shape point at it.
        assert_eq!(map.crossings.len(), 1);
        let c = &map.crossings[0];
        let west = near(0.0, 0.0, 1.0)[0];
        let mid = near(100.0, 0.0, 1.0)[0];
        assert_eq!(c.road, (west, mid));
        assert!((c.at_m - 50.0).abs() < 0.05, "{}", c.at_m);
        assert!(near(50.0, 0.0, 1.0).is_empty());
        // The school attaches to the nearest road node; the clinic 7 km away is dropped.
        assert_eq!(map.places.len(), 1);
        assert_eq!((map.places[0].name.as_str(), map.places[0].node), ("Minami School", west));
        assert_eq!(report.dropped_places.len(), 1);
        assert!(report.dropped_places[0].0 == "clinic n51" && report.dropped_places[0].1.contains("300 m"));
        assert_eq!(map.buildings.len(), 1);
        assert_eq!((map.buildings[0].polygon.len(), map.buildings[0].height_m), (4, 6.0));
        // The map passes the map check (references, reachability) and imports identically twice.
        let text = mapfile::to_ron(map, "test");
        mapfile::parse_map(&text, "town.ron").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(mapfile::to_ron(&build(town(), &ImportOptions::default()).unwrap().map, "test"), text);
    }

    #[test]
    fn without_clustering_every_junction_stays() {
        let options = ImportOptions { junction_radius_m: 0.0, ..Default::default() };
        let imported = build(town(), &options).unwrap();
        assert_eq!(imported.report.joined_junctions, 0);
        let o = project(imported.origin_lat_lon, at(0.0, 0.0));
        assert_eq!(node_near(&imported.map, 196.0 + o.x, o.y, 0.5).len(), 1);
        assert_eq!(node_near(&imported.map, 204.0 + o.x, o.y, 0.5).len(), 1);
    }

    #[test]
    fn a_box_clips_roads_and_keeps_the_rest_connected() {
        // West of x = 250: the loop and the street's east end are cut off.
        let (lat0, lon0) = at(-50.0, -150.0);
        let (lat1, lon1) = at(250.0, 150.0);
        let bbox = BBox { min_lon: lon0, min_lat: lat0, max_lon: lon1, max_lat: lat1 };
        let imported = build(town(), &ImportOptions { bbox: Some(bbox), ..Default::default() }).unwrap();
        let o = project(imported.origin_lat_lon, at(0.0, 0.0));
        assert!(node_near(&imported.map, 300.0 + o.x, o.y, 40.0).is_empty());
        // 12 → 4 and the loop's four segments lie (partly) outside.
        assert_eq!(imported.report.clipped_segments, 5);
        mapfile::parse_map(&mapfile::to_ron(&imported.map, "t"), "t.ron").unwrap_or_else(|e| panic!("{e}"));
    }

    #[test]
    fn bbox_parsing() {
        let b: BBox = "26.90, 60.45,26.98,60.49".parse().unwrap();
        assert_eq!((b.min_lon, b.min_lat, b.max_lon, b.max_lat), (26.90, 60.45, 26.98, 60.49));
        assert!("26.9,60.45,26.98".parse::<BBox>().unwrap_err().contains("left,bottom,right,top"));
        assert!("26.98,60.45,26.90,60.49".parse::<BBox>().unwrap_err().contains("empty"));
        assert!("26.9,95,27,96".parse::<BBox>().unwrap_err().contains("globe"));
        assert!("a,1,2,3".parse::<BBox>().unwrap_err().contains("left \"a\""));
    }

    #[test]
    fn kotka_imports_into_a_connected_checked_map() {
        let imported = import_pbf(&crate::kotka_path(), &ImportOptions::default()).unwrap();
        let (map, report) = (&imported.map, &imported.report);
        let text = mapfile::to_ron(map, "kotka");
        let checked = mapfile::parse_map(&text, "kotka.ron").unwrap_or_else(|e| panic!("{e}"));
        // Strongly connected: every node reaches node 0 and back.
        let index = pilotzone_scenario::MapIndex::new(&checked);
        assert!(index.graph.reachable(0, true).iter().all(|&r| r));
        assert!(index.graph.reachable(0, false).iter().all(|&r| r));
        assert_eq!(report.nodes, map.nodes.len());
        assert!(report.junctions > 250 && report.joined_junctions > 0 && report.dropped_parts > 0, "{report}");
        // The kept road length equals the raw network's strongly connected part, less the
        // roads inside junction clusters: simplification keeps every metre.
        let (scc, _) = crate::read_pbf(&crate::kotka_path()).unwrap().largest_scc();
        let mut raw_km = 0.0;
        let mut seen = BTreeSet::new();
        for a in &scc.arcs {
            if seen.insert((a.from.min(a.to), a.from.max(a.to))) {
                raw_km += a.length_m / 1000.0;
            }
        }
        assert!((report.road_km - raw_km).abs() < 0.02 * raw_km, "{} vs {raw_km}", report.road_km);
        assert!(map.buildings.len() > 2000 && map.zones.len() > 10 && !map.crossings.is_empty());
        assert!(map.places.iter().any(|p| p.kind == PlaceKind::School));
        assert_eq!(map.attribution.as_deref(), Some(OSM_ATTRIBUTION));
        // Deterministic to the byte.
        let again = import_pbf(&crate::kotka_path(), &ImportOptions::default()).unwrap();
        assert_eq!(mapfile::to_ron(&again.map, "kotka"), text);
    }
}

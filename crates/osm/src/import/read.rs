//! The one pass over the PBF file: every node's position, and the ways and nodes the import
//! keeps.

use std::collections::BTreeSet;
use std::path::Path;

use osmpbf::{Element, ElementReader, ErrorKind};
use pilotzone_scenario::{PlaceKind, ZoneKind};

use crate::OsmError;
use crate::features::{building_height, home_address, is_crossing, place_kind, zone_kind};
use crate::tags::{Oneway, WayRules, car_rules};

/// A car way as read.
pub(super) struct RoadWay {
    pub(super) id: i64,
    pub(super) rules: WayRules,
    pub(super) lanes: u8,
    pub(super) name: Option<String>,
    pub(super) refs: Vec<i64>,
}

/// A way or node that may be a building, zone or place.
pub(super) struct Feature {
    /// `'n'` node or `'w'` way, for naming unnamed features.
    pub(super) kind: char,
    pub(super) id: i64,
    pub(super) refs: Vec<i64>,
    pub(super) name: Option<String>,
    pub(super) building: Option<(f64, bool)>,
    pub(super) home: Option<String>,
    pub(super) zone: Option<ZoneKind>,
    pub(super) place: Option<(PlaceKind, bool)>,
}

/// Everything the pass over the file collects.
#[derive(Default)]
pub(super) struct Read {
    /// (id, lat, lon), sorted by id.
    pub(super) nodes: Vec<(i64, f64, f64)>,
    pub(super) crossings: BTreeSet<i64>,
    pub(super) roads: Vec<RoadWay>,
    pub(super) features: Vec<Feature>,
    pub(super) relations: usize,
}

pub(super) fn read_file(path: &Path) -> Result<Read, OsmError> {
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

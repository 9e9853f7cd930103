//! Reads car roads from an OpenStreetMap PBF extract.

use std::path::Path;

use osmpbf::{Element, ElementReader, ErrorKind};

use crate::network::Builder;
use crate::tags::{WayRules, car_rules};
use crate::{OsmError, RawNetwork};

/// A car way as collected during the pass: its id, rules and node ids.
struct Way {
    id: i64,
    rules: WayRules,
    refs: Vec<i64>,
}

/// Reads the car road network of a PBF file (see [`crate::tags`] for the rules).
///
/// One sequential pass collects every node's coordinates (from `Node` and `DenseNode`
/// elements) and every car way; ways are then taken in id order. A single pass rather than
/// two (ways first, then only their nodes) reads the file once and does not rely on the
/// customary node-before-way order; the price is memory for all node coordinates. Nodes a way
/// references but the extract lacks are clipped: the segments touching them are skipped.
///
/// Dense node ids are assigned in way order, then along the way; `osm_id` keeps the OSM ids.
pub fn read_pbf(path: &Path) -> Result<RawNetwork, OsmError> {
    let decode = |e: osmpbf::Error| {
        let what = format!("PBF: {e}");
        match e.into_kind() {
            ErrorKind::Io(source) => OsmError::Io { path: path.to_path_buf(), source },
            _ => OsmError::Decode { path: path.to_path_buf(), what },
        }
    };
    let reader = ElementReader::from_path(path).map_err(decode)?;
    // (id, lat, lon); sorted by id afterwards for binary search.
    let mut nodes: Vec<(i64, f64, f64)> = Vec::new();
    let mut ways: Vec<Way> = Vec::new();
    reader
        .for_each(|element| match element {
            Element::Node(n) => nodes.push((n.id(), n.lat(), n.lon())),
            Element::DenseNode(n) => nodes.push((n.id(), n.lat(), n.lon())),
            Element::Way(w) => {
                let tags: Vec<(&str, &str)> = w.tags().collect();
                if let Some(rules) = car_rules(|k| tags.iter().find(|(key, _)| *key == k).map(|&(_, v)| v)) {
                    ways.push(Way { id: w.id(), rules, refs: w.refs().collect() });
                }
            }
            Element::Relation(_) => {}
        })
        .map_err(decode)?;
    // Stable sorts: should an id repeat, the first occurrence in the file wins.
    nodes.sort_by_key(|n| n.0);
    nodes.dedup_by_key(|n| n.0);
    ways.sort_by_key(|w| w.id);
    let coords = |id: i64| nodes.binary_search_by_key(&id, |n| n.0).ok().map(|i| (id, (nodes[i].1, nodes[i].2)));
    let mut builder = Builder::new();
    for way in &ways {
        builder.add_way(&way.rules, way.refs.iter().map(|&id| coords(id)));
    }
    let net = builder.finish(|_, &id| id);
    if net.arcs.is_empty() {
        return Err(OsmError::NoRoads { path: path.to_path_buf() });
    }
    Ok(net)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kotka_path;

    #[test]
    fn reads_kotka() {
        let net = read_pbf(&kotka_path()).unwrap();
        assert_eq!((net.node_count(), net.arcs.len()), (880, 1651));
        assert_eq!(net.xy.len(), net.osm_id.len());
        // Kotka lies at about 60.47° N, 26.94° E.
        let (lat, lon) = net.origin_lat_lon;
        assert!((60.3..60.6).contains(&lat) && (26.8..27.1).contains(&lon), "{lat} {lon}");
        // OSM node ids are unique and positive.
        let mut ids = net.osm_id.clone();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), net.osm_id.len());
        assert!(ids[0] > 0);
        // Projected segment lengths agree with the great-circle lengths to well under 0.1 %.
        for a in &net.arcs {
            let planar = net.xy[a.from as usize].distance(net.xy[a.to as usize]);
            assert!((planar - a.length_m).abs() <= 1e-3 * a.length_m + 1e-6, "{planar} vs {}", a.length_m);
            assert!(a.length_m > 0.0 && a.speed_kmh > 0.0 && a.from != a.to);
        }
        // Reading twice gives identical results.
        assert_eq!(read_pbf(&kotka_path()).unwrap(), net);
    }

    #[test]
    fn garbage_is_a_decode_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("garbage.osm.pbf");
        std::fs::write(&path, b"\0\0\0\x0dnot a pbf blob header at all").unwrap();
        let err = read_pbf(&path).unwrap_err();
        assert!(matches!(err, OsmError::Decode { .. }), "{err}");
        assert!(err.to_string().starts_with(&format!("{}: cannot decode: PBF", path.display())), "{err}");
    }
}

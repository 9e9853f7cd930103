//! Reads car roads from a GeoJSON FeatureCollection of OSM ways (as exported by overpass-turbo).

use std::borrow::Cow;
use std::path::Path;

use serde_json::Value;

use crate::network::{Builder, WayNode};
use crate::tags::car_rules;
use crate::{OsmError, RawNetwork};

/// Node identity in GeoJSON: the exact bits of `(lon, lat)`.
type CoordKey = (u64, u64);

/// Reads the car road network of a GeoJSON FeatureCollection.
///
/// Each `LineString` or `MultiLineString` feature is a way whose `properties` carry its OSM
/// tags (`highway`, `oneway`, `maxspeed`, …; see [`crate::tags`]); each line of a
/// `MultiLineString` is a way of its own with the feature's tags. Other geometries (`Polygon`
/// areas, `Point`s) and features without geometry are skipped. Numeric and boolean property
/// values count as their text (`maxspeed: 50`, `oneway: true`).
///
/// The format has no node ids, so two ways share a node exactly where they have identical
/// coordinates, and `osm_id` is the dense index. Ways are taken in feature order, and dense
/// ids are assigned in that order, then along the way.
pub fn read_geojson(path: &Path) -> Result<RawNetwork, OsmError> {
    let bytes = std::fs::read(path).map_err(|source| OsmError::Io { path: path.to_path_buf(), source })?;
    let decode = |what: String| OsmError::Decode { path: path.to_path_buf(), what };
    // Parsing from a byte slice is several times faster than from a reader.
    let doc: Value = serde_json::from_slice(&bytes).map_err(|e| decode(format!("JSON: {e}")))?;
    if doc.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err(decode("GeoJSON: the top level is not a FeatureCollection".into()));
    }
    let features = doc
        .get("features")
        .and_then(Value::as_array)
        .ok_or_else(|| decode("GeoJSON: the FeatureCollection has no features array".into()))?;
    let mut builder = Builder::<CoordKey>::new();
    for (i, feature) in features.iter().enumerate() {
        let Some(geometry) = feature.get("geometry").filter(|g| !g.is_null()) else { continue };
        let multi = match geometry.get("type").and_then(Value::as_str) {
            Some("LineString") => false,
            Some("MultiLineString") => true,
            _ => continue,
        };
        let properties = feature.get("properties").and_then(Value::as_object);
        let Some(rules) = car_rules(|k| properties?.get(k).and_then(text)) else { continue };
        let bad = |what: &str| decode(format!("GeoJSON: feature {i}: {what}"));
        let coordinates = geometry.get("coordinates").and_then(Value::as_array).ok_or_else(|| bad("no coordinates"))?;
        let lines = if multi {
            coordinates.iter().map(|l| l.as_array().ok_or_else(|| bad("a line is not an array"))).collect()
        } else {
            Ok(vec![coordinates])
        }?;
        for line in lines {
            let nodes: Vec<WayNode<CoordKey>> = line
                .iter()
                .map(|p| position(p).map(Some))
                .collect::<Option<_>>()
                .ok_or_else(|| bad("a position is not [lon, lat] in range"))?;
            builder.add_way(&rules, nodes);
        }
    }
    let net = builder.finish(|i, _| i64::from(i));
    if net.arcs.is_empty() {
        return Err(OsmError::NoRoads { path: path.to_path_buf() });
    }
    Ok(net)
}

/// A property value as tag text.
fn text(value: &Value) -> Option<Cow<'_, str>> {
    match value {
        Value::String(s) => Some(Cow::Borrowed(s)),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        Value::Bool(b) => Some(Cow::Borrowed(if *b { "yes" } else { "no" })),
        _ => None,
    }
}

/// A `[lon, lat, …]` position as its identity key and `(lat, lon)`.
fn position(p: &Value) -> Option<(CoordKey, (f64, f64))> {
    let (lon, lat) = match p.as_array()?.as_slice() {
        [lon, lat, ..] => (lon.as_f64()?, lat.as_f64()?),
        _ => return None,
    };
    if !((-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat)) {
        return None;
    }
    // Adding 0.0 turns -0.0 into 0.0, so the two zeros are one node.
    Some((((lon + 0.0).to_bits(), (lat + 0.0).to_bits()), (lat, lon)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_str(json: &str) -> Result<RawNetwork, OsmError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("roads.geojson");
        std::fs::write(&path, json).unwrap();
        crate::read(&path)
    }

    const A: &str = "[24.940, 60.170]";
    const B: &str = "[24.941, 60.170]";
    const C: &str = "[24.942, 60.170]";
    const D: &str = "[24.942, 60.171]";
    const E: &str = "[24.941, 60.171]";

    fn line(props: &str, coords: &[&str]) -> String {
        format!(
            r#"{{"type": "Feature", "properties": {props}, "geometry": {{"type": "LineString", "coordinates": [{}]}}}}"#,
            coords.join(",")
        )
    }

    #[test]
    fn reads_a_small_collection() {
        let features = [
            line(r#"{"highway": "residential"}"#, &[A, B, C]),
            line(r#"{"highway": "primary", "oneway": "yes", "maxspeed": 50}"#, &[C, D]),
            line(r#"{"highway": "footway"}"#, &[B, D]),
            line(r#"{"highway": "unclassified", "area": "yes"}"#, &[A, E]),
            line(r#"{"highway": "service", "access": "private"}"#, &[A, D]),
            format!(
                r#"{{"type": "Feature", "properties": {{"highway": "service", "oneway": "-1"}},
                    "geometry": {{"type": "MultiLineString", "coordinates": [[{D}, {E}], [{E}, {A}]]}}}}"#
            ),
            format!(
                r#"{{"type": "Feature", "properties": {{"highway": "pedestrian"}},
                    "geometry": {{"type": "Polygon", "coordinates": [[{A}, {B}, {D}, {A}]]}}}}"#
            ),
            r#"{"type": "Feature", "properties": {"highway": "residential"}, "geometry": null}"#.to_string(),
        ];
        let json = format!(r#"{{"type": "FeatureCollection", "features": [{}]}}"#, features.join(","));
        let net = read_str(&json).unwrap();
        assert_eq!(net.osm_id, vec![0, 1, 2, 3, 4]);
        let arcs: Vec<(u32, u32, f64)> = net.arcs.iter().map(|a| (a.from, a.to, a.speed_kmh)).collect();
        // A=0, B=1, C=2 two-way; C→D one-way; D←E and E←A against the node order.
        assert_eq!(
            arcs,
            vec![(0, 1, 30.0), (1, 0, 30.0), (1, 2, 30.0), (2, 1, 30.0), (2, 3, 50.0), (4, 3, 20.0), (0, 4, 20.0)]
        );
        // 0.001° of longitude at 60.17° N is 55.312 m; 0.001° of latitude 111.195 m.
        assert!((net.arcs[0].length_m - 55.3116).abs() < 1e-4, "{}", net.arcs[0].length_m);
        assert!((net.arcs[4].length_m - 111.1951).abs() < 1e-4, "{}", net.arcs[4].length_m);
        let (lat, lon) = net.origin_lat_lon;
        assert!((lat - 60.1705).abs() < 1e-12 && (lon - 24.941).abs() < 1e-12, "{lat} {lon}");
        assert!((net.xy[0].x + net.xy[2].x).abs() < 1e-6 && (net.xy[0].y + net.xy[3].y).abs() < 1e-6);
    }

    #[test]
    fn malformed_input_is_reported() {
        let decode = |json: &str| match read_str(json) {
            Err(OsmError::Decode { what, .. }) => what,
            other => panic!("expected a decode error, got {other:?}"),
        };
        assert!(decode("{not json").starts_with("JSON: "));
        assert_eq!(decode(r#"{"type": "Feature"}"#), "GeoJSON: the top level is not a FeatureCollection");
        assert_eq!(decode(r#"{"type": "FeatureCollection"}"#), "GeoJSON: the FeatureCollection has no features array");
        let bad = format!(
            r#"{{"type": "FeatureCollection", "features": [{}]}}"#,
            line(r#"{"highway": "road"}"#, &[A, "[1]"])
        );
        assert_eq!(decode(&bad), "GeoJSON: feature 0: a position is not [lon, lat] in range");
        let empty = r#"{"type": "FeatureCollection", "features": []}"#;
        assert!(matches!(read_str(empty), Err(OsmError::NoRoads { .. })));
        let paths =
            format!(r#"{{"type": "FeatureCollection", "features": [{}]}}"#, line(r#"{"highway": "path"}"#, &[A, B]));
        assert!(matches!(read_str(&paths), Err(OsmError::NoRoads { .. })));
    }
}

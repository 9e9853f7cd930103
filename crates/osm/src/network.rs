//! Turns car ways (node lists with coordinates) into a [`RawNetwork`], shared by the PBF and
//! GeoJSON readers so that both apply the same segment rules and numbering.

use std::collections::BTreeMap;

use pilotzone_routing::Vec2;

use crate::tags::WayRules;
use crate::{RawArc, RawNetwork};

/// Mean earth radius in metres (IUGG), used for lengths and the projection.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Great-circle distance in metres between two `(lat, lon)` points in degrees.
pub fn haversine_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lat2) = (a.0.to_radians(), b.0.to_radians());
    let dlat = lat2 - lat1;
    let dlon = (b.1 - a.1).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// One way node as a reader hands it over: an identity key (`K`, e.g. the OSM node id) and its
/// `(lat, lon)` in degrees, or `None` when the node is missing from the extract.
pub(crate) type WayNode<K> = Option<(K, (f64, f64))>;

/// Collects car ways, in the order the reader adds them, into a [`RawNetwork`].
///
/// A node gets its dense index when the first segment using it is kept, so nodes are numbered
/// in way order, then along the way: neighbours along a road get near indices, which keeps
/// searches cache-friendly (the rejected alternative, numbering by OSM id, scatters them).
pub(crate) struct Builder<K> {
    /// Dense index of each node key seen in a kept segment.
    index: BTreeMap<K, u32>,
    /// Per dense node: its key.
    keys: Vec<K>,
    /// Per dense node: `(lat, lon)` in degrees.
    lat_lon: Vec<(f64, f64)>,
    /// Arcs in way order, then along the way; forward before backward for each segment.
    arcs: Vec<RawArc>,
}

impl<K: Ord + Copy> Builder<K> {
    /// An empty builder.
    pub fn new() -> Self {
        Self { index: BTreeMap::new(), keys: Vec::new(), lat_lon: Vec::new(), arcs: Vec::new() }
    }

    fn intern(&mut self, key: K, lat_lon: (f64, f64)) -> u32 {
        *self.index.entry(key).or_insert_with(|| {
            self.keys.push(key);
            self.lat_lon.push(lat_lon);
            self.keys.len() as u32 - 1
        })
    }

    /// Adds the segments between consecutive `nodes` of one way. Segments with an endpoint
    /// missing from the extract are clipped; repeated nodes and zero-length segments are skipped.
    pub fn add_way(&mut self, rules: &WayRules, nodes: impl IntoIterator<Item = WayNode<K>>) {
        let mut prev: WayNode<K> = None;
        for node in nodes {
            if let (Some((ka, pa)), Some((kb, pb))) = (prev, node)
                && ka != kb
            {
                let length_m = haversine_m(pa, pb);
                if length_m > 0.0 {
                    let (a, b) = (self.intern(ka, pa), self.intern(kb, pb));
                    let speed_kmh = rules.speed_kmh;
                    if rules.oneway.forward() {
                        self.arcs.push(RawArc { from: a, to: b, length_m, speed_kmh });
                    }
                    if rules.oneway.backward() {
                        self.arcs.push(RawArc { from: b, to: a, length_m, speed_kmh });
                    }
                }
            }
            // Only the direct predecessor counts: a missing node clips both segments touching
            // it, while a repeated node simply continues the way from itself.
            prev = node;
        }
    }

    /// The network, projected about the centre of the bounding box of its nodes; `osm_id`
    /// gives each dense node its id.
    pub fn finish(self, osm_id: impl Fn(u32, &K) -> i64) -> RawNetwork {
        let (mut lat_min, mut lat_max, mut lon_min, mut lon_max) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for &(lat, lon) in &self.lat_lon {
            (lat_min, lat_max) = (lat_min.min(lat), lat_max.max(lat));
            (lon_min, lon_max) = (lon_min.min(lon), lon_max.max(lon));
        }
        let origin =
            if self.lat_lon.is_empty() { (0.0, 0.0) } else { ((lat_min + lat_max) / 2.0, (lon_min + lon_max) / 2.0) };
        let xy = self.lat_lon.iter().map(|&p| project(origin, p)).collect();
        let osm_id = self.keys.iter().enumerate().map(|(i, k)| osm_id(i as u32, k)).collect();
        RawNetwork { osm_id, xy, origin_lat_lon: origin, arcs: self.arcs }
    }
}

/// Equirectangular projection of `(lat, lon)` about `origin`, in metres (x east, y north).
/// Within a city the scale error stays far below a lane width; the antimeridian is not handled.
pub fn project(origin: (f64, f64), (lat, lon): (f64, f64)) -> Vec2 {
    let k = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
    Vec2::new(k * origin.0.to_radians().cos() * (lon - origin.1), k * (lat - origin.0))
}

/// Compressed-sparse-row grouping: `items` are `(group, value)` pairs; returns `first` with
/// `first[g]..first[g + 1]` indexing the values of group `g` in `values`, in input order.
pub(crate) fn csr(groups: usize, items: impl Iterator<Item = (u32, u32)> + Clone) -> (Vec<u32>, Vec<u32>) {
    let mut first = vec![0u32; groups + 1];
    for (g, _) in items.clone() {
        first[g as usize + 1] += 1;
    }
    for g in 0..groups {
        first[g + 1] += first[g];
    }
    let mut fill = first.clone();
    let mut values = vec![0u32; first[groups] as usize];
    for (g, v) in items {
        values[fill[g as usize] as usize] = v;
        fill[g as usize] += 1;
    }
    (first, values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tags::{Oneway, RoadClass};

    #[test]
    fn haversine_matches_known_distances() {
        // One degree of latitude is R·π/180.
        assert!((haversine_m((60.0, 25.0), (61.0, 25.0)) - 111_195.08).abs() < 0.01);
        // Helsinki cathedral to Kotka church.
        let d = haversine_m((60.170_35, 24.952_2), (60.466_8, 26.946_1));
        assert!((d - 114_623.388).abs() < 0.001, "{d}");
        assert_eq!(haversine_m((60.0, 25.0), (60.0, 25.0)), 0.0);
    }

    #[test]
    fn segments_are_clipped_and_deduplicated() {
        let rules = WayRules { class: RoadClass::Residential, speed_kmh: 30.0, oneway: Oneway::Both };
        let oneway = WayRules { oneway: Oneway::Backward, ..rules };
        let mut b = Builder::new();
        // 10 → 10 repeated, 11 missing, then 12 → 13 and 13 → 14 at the same spot (zero length).
        let p = |k: i64, lat: f64| Some((k, (lat, 25.0)));
        b.add_way(&rules, [p(10, 60.0), p(10, 60.0), p(20, 60.001), None, p(12, 60.002), p(13, 60.003), p(14, 60.003)]);
        b.add_way(&oneway, [p(20, 60.001), p(12, 60.002)]);
        let net = b.finish(|_, &k| k);
        assert_eq!(net.osm_id, vec![10, 20, 12, 13]);
        let pairs: Vec<(u32, u32)> = net.arcs.iter().map(|a| (a.from, a.to)).collect();
        assert_eq!(pairs, vec![(0, 1), (1, 0), (2, 3), (3, 2), (2, 1)]);
        assert!((net.arcs[0].length_m - 111.195).abs() < 0.001);
        // The origin is the bounding-box centre, so the projected extent is symmetric.
        assert!((net.origin_lat_lon.0 - 60.0015).abs() < 1e-12 && net.origin_lat_lon.1 == 25.0);
        assert!((net.xy[0].y + net.xy[3].y).abs() < 1e-9 && net.xy[0].x == 0.0);
        assert!((net.xy[3].y - net.xy[0].y - 333.585).abs() < 0.001);
    }

    #[test]
    fn csr_groups_in_input_order() {
        let (first, values) = csr(3, [(2, 7), (0, 8), (2, 9)].into_iter());
        assert_eq!(first, vec![0, 1, 1, 3]);
        assert_eq!(values, vec![8, 7, 9]);
    }
}

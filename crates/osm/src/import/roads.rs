//! The road network: ways cut into roads between junctions, the largest strongly connected
//! part, junctions joined, roads laid out and simplified, crossings placed.

use std::collections::{BTreeMap, BTreeSet};

use pilotzone_routing::Vec2;
use pilotzone_scenario::{Crossing, Edge};

use super::read::RoadWay;
use super::shape::{Names, douglas_peucker, round_m, round_xy};
use super::{ImportOptions, ImportReport, Source};
use crate::RawArc;
use crate::network::{haversine_m, project};
use crate::scc::components;
use crate::tags::Oneway;

/// A road whose end moved farther than this into its junction cluster keeps its old end as a
/// shape point, m.
const STUB_M: f64 = 1.0;

/// Node roles while cutting ways into roads.
const USED: u8 = 1;
const SHARED: u8 = 2;
const JUNCTION: u8 = 4;
const NONE: u32 = u32::MAX;

/// A road between two junctions: indices into `Read::nodes`, junctions at both ends.
pub(super) struct Segment {
    way: u32,
    points: Vec<u32>,
    length_m: f64,
}

/// Cuts the car ways into roads between junctions: nodes shared by ways, way ends and nodes
/// next to ones the extract lacks (whose segments are clipped); a road closing on itself is cut
/// at its middle node too.
pub(super) fn cut(src: &Source, roads: &[RoadWay], report: &mut ImportReport) -> Vec<Segment> {
    let mut role = vec![0u8; src.nodes.len()];
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
            let resolved = src.resolve(id);
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
                    let length_m = src.length(&p);
                    segments.push(Segment { way: *way, points: p, length_m });
                }
                continue;
            }
            let length_m = src.length(&points);
            if length_m > 0.0 {
                segments.push(Segment { way: *way, points, length_m });
            }
        }
    }

    segments
}

/// Junctions and the roads between them in the largest strongly connected part.
pub(super) struct Part {
    /// Per junction: its node index.
    junctions: Vec<u32>,
    /// Per road: its end junctions.
    ends: Vec<(u32, u32)>,
    /// Per junction: whether it is in the part.
    in_part: Vec<bool>,
    /// The roads kept, in order.
    kept: Vec<usize>,
}

/// The largest strongly connected part of the junction graph, or `None` without roads; counts
/// the rest as dropped.
pub(super) fn largest_part(
    src: &Source,
    segments: &[Segment],
    roads: &[RoadWay],
    crossings: &BTreeSet<i64>,
    report: &mut ImportReport,
) -> Option<Part> {
    let mut junction_of = vec![NONE; src.nodes.len()];
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
    for s in segments {
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
    let is_crossing_node = |p: &u32| crossings.contains(&src.osm_id(*p));
    for (seg, _) in segments.iter().zip(&is_kept).filter(|(_, kept)| !**kept) {
        report.dropped_km += seg.length_m / 1000.0;
        report.dropped_crossings += seg.points[1..seg.points.len() - 1].iter().filter(|p| is_crossing_node(p)).count();
    }

    let in_part = (0..junctions.len() as u32).map(in_best).collect();
    Some(Part { junctions, ends, in_part, kept })
}

/// The projection's origin: the centre of the kept roads' bounding box, (lat, lon) degrees.
pub(super) fn origin(src: &Source, segments: &[Segment], part: &Part) -> (f64, f64) {
    let (mut lo, mut hi) = ((f64::MAX, f64::MAX), (f64::MIN, f64::MIN));
    for &s in &part.kept {
        for &p in &segments[s].points {
            let (lat, lon) = src.lat_lon(p);
            lo = (lo.0.min(lat), lo.1.min(lon));
            hi = (hi.0.max(lat), hi.1.max(lon));
        }
    }
    ((lo.0 + hi.0) / 2.0, (lo.1 + hi.1) / 2.0)
}

/// The map's junction nodes after joining: per junction, its node; and the nodes' positions
/// (shape points are appended as roads are laid).
pub(super) struct Joined {
    node_of: Vec<u32>,
    pub(super) nodes: Vec<Vec2>,
}

/// Joins junctions linked by roads shorter than `radius_m`, shortest roads first, while each
/// cluster stays within one radius; numbers clusters by their smallest OSM node id and places
/// each at its members' mean.
pub(super) fn join(
    src: &Source,
    origin: (f64, f64),
    segments: &[Segment],
    part: &Part,
    radius_m: f64,
    report: &mut ImportReport,
) -> Joined {
    let xy = |i: u32| project(origin, src.lat_lon(i));
    let (junctions, ends) = (&part.junctions, &part.ends);
    let mut parent: Vec<u32> = (0..junctions.len() as u32).collect();
    let mut extent: Vec<(Vec2, Vec2)> = junctions.iter().map(|&i| (xy(i), xy(i))).collect();
    fn root(parent: &mut [u32], mut j: u32) -> u32 {
        while parent[j as usize] != j {
            parent[j as usize] = parent[parent[j as usize] as usize];
            j = parent[j as usize];
        }
        j
    }
    let mut short: Vec<usize> = part.kept.iter().copied().filter(|&s| segments[s].length_m < radius_m).collect();
    short.sort_by(|&a, &b| segments[a].length_m.total_cmp(&segments[b].length_m).then(a.cmp(&b)));
    for s in short {
        let (ra, rb) = (root(&mut parent, ends[s].0), root(&mut parent, ends[s].1));
        if ra == rb {
            continue;
        }
        let (ea, eb) = (extent[ra as usize], extent[rb as usize]);
        let merged =
            (Vec2::new(ea.0.x.min(eb.0.x), ea.0.y.min(eb.0.y)), Vec2::new(ea.1.x.max(eb.1.x), ea.1.y.max(eb.1.y)));
        if merged.0.distance(merged.1) <= 2.0 * radius_m {
            let (keep, gone) = if ra < rb { (ra, rb) } else { (rb, ra) };
            parent[gone as usize] = keep;
            extent[keep as usize] = merged;
        }
    }
    // Cluster nodes, numbered by their smallest OSM node id; placed at the members' mean.
    let mut members: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for j in 0..junctions.len() as u32 {
        if part.in_part[j as usize] {
            members.entry(root(&mut parent, j)).or_default().push(j);
        }
    }
    report.joined_junctions = report.junctions - members.len();
    let mut clusters: Vec<(i64, u32, Vec2)> = members
        .iter()
        .map(|(&r, m)| {
            let min_id = m.iter().map(|&j| src.osm_id(junctions[j as usize])).min().unwrap_or(i64::MAX);
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
    let node_of = (0..junctions.len() as u32)
        .map(|j| if part.in_part[j as usize] { node_of_root[root(&mut parent, j) as usize] } else { NONE })
        .collect();
    Joined { node_of, nodes: out_nodes }
}

/// Lays the kept roads between their (joined) junctions, simplified, each keeping its true
/// length; returns the edges and the crossings on them as (OSM id, edge, metres along).
pub(super) fn lay(
    src: &Source,
    origin: (f64, f64),
    segments: &[Segment],
    roads: &[RoadWay],
    part: &Part,
    joined: &mut Joined,
    crossings: &BTreeSet<i64>,
    o: &ImportOptions,
    report: &mut ImportReport,
) -> (Vec<Edge>, Vec<(i64, usize, f64)>) {
    let xy = |i: u32| project(origin, src.lat_lon(i));
    let mut edges: Vec<Edge> = Vec::new();
    let mut crossing_at: Vec<(i64, usize, f64)> = Vec::new(); // (osm id, edge, at_m)
    let is_crossing_node = |p: &u32| crossings.contains(&src.osm_id(*p));
    let out_nodes = &mut joined.nodes;
    for &s in &part.kept {
        let seg = &segments[s];
        let way = &roads[seg.way as usize];
        let a = joined.node_of[part.ends[s].0 as usize];
        let b = joined.node_of[part.ends[s].1 as usize];
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
                (_, Some(&c)) => c + haversine_m(src.lat_lon(seg.points[k - 1]), src.lat_lon(p)),
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
            let id = src.osm_id(seg.points[k]);
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
    (edges, crossing_at)
}

/// The crossings, on roads whose end pair is unique (rules and crossings name roads by it).
pub(super) fn place_crossings(
    edges: &[Edge],
    crossing_at: &[(i64, usize, f64)],
    report: &mut ImportReport,
) -> Vec<Crossing> {
    let mut pair_count: BTreeMap<(u32, u32), usize> = BTreeMap::new();
    for e in edges {
        *pair_count.entry((e.from.min(e.to), e.from.max(e.to))).or_default() += 1;
    }
    let mut crossing_names = Names::default();
    let mut map_crossings = Vec::new();
    for &(id, e, along) in crossing_at {
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
    map_crossings
}

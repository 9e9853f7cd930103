//! The town as the simulation sees it: road geometry per arc, places, zones and airspace, all
//! in dense indices, built once from the scenario and never changed.

use std::sync::Arc;

use bevy::prelude::*;
use pilotzone_routing::geom::point_in_polygon;
use pilotzone_routing::{Cch, Obstacle, RoadGraph, Vec2};
use pilotzone_scenario::{MapIndex, PlaceKind, RuleKind, Scenario, TrafficSide, ZoneKind};

use crate::SimConfig;

/// Half a lane: where a vehicle's centre runs, measured from the road's centre line.
pub const LANE_OFFSET_M: f64 = pilotzone_scenario::LANE_WIDTH_M / 2.0;
/// Where a stopped vehicle stands, measured from the road's centre line (pulled in to the kerb).
pub const KERB_OFFSET_M: f64 = pilotzone_scenario::KERB_OFFSET_M;

/// Static map data, prepared once and shared: runs of one scenario (a batch) can share one
/// preparation instead of repeating it.
#[derive(Resource, Clone, Debug)]
pub struct TownMap(pub Arc<TownData>);

impl std::ops::Deref for TownMap {
    type Target = TownData;

    fn deref(&self) -> &TownData {
        &self.0
    }
}

impl TownMap {
    /// Prepares the static map of a valid scenario.
    pub fn new(scenario: Arc<Scenario>) -> Self {
        TownMap(Arc::new(TownData::new(scenario)))
    }
}

/// What [`TownMap`] shares.
#[derive(Debug)]
pub struct TownData {
    /// The scenario.
    pub scenario: Arc<Scenario>,
    /// Dense node and arc indices.
    pub index: MapIndex,
    /// Posted limit of each arc in km/h.
    pub arc_posted_kmh: Vec<f64>,
    /// Unit direction of each arc.
    pub arc_dir: Vec<Vec2>,
    /// Heading of each arc, radians counter-clockwise from east (every vehicle's pose needs it,
    /// every tick).
    pub arc_heading: Vec<f64>,
    /// Position of each place (door, garden or pad).
    pub place_pos: Vec<Vec2>,
    /// Dense road node of each place.
    pub place_node: Vec<u32>,
    /// Zone outlines.
    pub zone_polygons: Vec<Vec<Vec2>>,
    /// Permanent no-fly volumes.
    pub permanent_no_fly: Vec<Obstacle>,
    /// +1 to offset vehicles to the left of travel, -1 to the right.
    pub side_sign: f64,
    /// For each scenario rule, the arcs it acts on: in its zone (speed limits), closed
    /// (closures, the wrong way of a one-way change, everything off a designated route); empty
    /// for other kinds.
    pub rule_arcs: Vec<Vec<u32>>,
    /// Building outlines and roof heights, m.
    pub buildings: Vec<(Vec<Vec2>, f64)>,
    /// Buildings by the [`BUILDING_CELL_M`] squares their outlines' bounding boxes touch: what
    /// lies near a point is found without looking at every building.
    building_cells: std::collections::BTreeMap<(i32, i32), Vec<usize>>,
    /// Outlines of residential zones.
    pub residential: Vec<Vec<Vec2>>,
    /// For each arc, the school zone its midpoint lies in.
    pub arc_school_zone: Vec<Option<usize>>,
    /// The road graph's contraction hierarchy; [`crate::rules::ActiveRules`] customizes it.
    pub cch: Cch,
    /// Pedestrian crossings, in scenario order.
    pub crossings: Vec<CrossingGeom>,
    /// For each arc, the crossings on it as (crossing, offset along the arc in m), by offset.
    pub arc_crossings: Vec<Vec<(usize, f64)>>,
    /// For each node, whether vehicles take turns there: intersections (roads to three or more
    /// neighbours) and the stops of places, where vehicles pull out from the kerb. A bend or a
    /// dead end is driven through freely.
    pub controlled: Vec<bool>,
    /// For each node where vehicles take turns, how far its area reaches along its roads, m:
    /// an imported junction joined from several keeps each road's old end as a bend a few
    /// metres out, and vehicles wait before those, not on them.
    pub junction_reach_m: Vec<f64>,
}

/// Edge of the squares buildings are filed under, m.
pub const BUILDING_CELL_M: f64 = 50.0;

fn building_cell(p: Vec2) -> (i32, i32) {
    ((p.x / BUILDING_CELL_M).floor() as i32, (p.y / BUILDING_CELL_M).floor() as i32)
}

/// How far before and after a node a vehicle's path curves from one road to the next, m (at
/// most half of either road).
pub const TURN_M: f64 = 6.0;

/// Bends this close to a junction are part of it, m (the importer joins junctions within 10 m).
pub const JUNCTION_REACH_MAX_M: f64 = 10.0;

impl TownData {
    fn new(scenario: Arc<Scenario>) -> Self {
        let index = MapIndex::new(&scenario.map);
        let g = &index.graph;
        let arc_posted_kmh =
            (0..g.arc_count()).map(|a| scenario.map.edges[index.arc_edge[a as usize] as usize].speed_kmh).collect();
        let arc_dir: Vec<Vec2> = (0..g.arc_count())
            .map(|a| (index.positions[g.head(a) as usize] - index.positions[g.tail(a) as usize]).normalized())
            .collect();
        let arc_heading = arc_dir.iter().map(|d| d.y.atan2(d.x)).collect();
        let place_node: Vec<u32> = scenario
            .map
            .places
            .iter()
            .map(|p| index.node(p.node).expect("validated: places name known nodes"))
            .collect();
        let place_pos = scenario
            .map
            .places
            .iter()
            .zip(&place_node)
            .map(|(p, &n)| p.at.map_or(index.positions[n as usize], Vec2::from))
            .collect();
        let zone_polygons = scenario.map.zones.iter().map(|z| z.polygon.iter().map(|&p| p.into()).collect()).collect();
        let permanent_no_fly = scenario.map.airspace.no_fly.iter().map(obstacle).collect();
        let buildings: Vec<(Vec<Vec2>, f64)> = scenario
            .map
            .buildings
            .iter()
            .map(|b| (b.polygon.iter().map(|&p| p.into()).collect(), b.height_m))
            .collect();
        let mut building_cells: std::collections::BTreeMap<(i32, i32), Vec<usize>> = Default::default();
        for (k, (outline, _)) in buildings.iter().enumerate() {
            let (lo, hi) = outline.iter().fold(
                (Vec2::new(f64::MAX, f64::MAX), Vec2::new(f64::MIN, f64::MIN)),
                |(lo, hi): (Vec2, Vec2), p| {
                    (Vec2::new(lo.x.min(p.x), lo.y.min(p.y)), Vec2::new(hi.x.max(p.x), hi.y.max(p.y)))
                },
            );
            let ((x0, y0), (x1, y1)) = (building_cell(lo), building_cell(hi));
            for x in x0..=x1 {
                for y in y0..=y1 {
                    building_cells.entry((x, y)).or_default().push(k);
                }
            }
        }
        let residential = scenario
            .map
            .zones
            .iter()
            .filter(|z| z.kind == ZoneKind::Residential)
            .map(|z| z.polygon.iter().map(|&p| p.into()).collect())
            .collect();
        let side_sign = match scenario.map.traffic_side {
            TrafficSide::Left => 1.0,
            TrafficSide::Right => -1.0,
        };
        let cch = Cch::new(&index.graph, &index.positions);
        let mut neighbours: Vec<Vec<u32>> = vec![Vec::new(); g.node_count() as usize];
        for a in 0..g.arc_count() {
            let (t, h) = (g.tail(a), g.head(a));
            neighbours[t as usize].push(h);
            neighbours[h as usize].push(t);
        }
        let mut controlled: Vec<bool> = neighbours
            .iter_mut()
            .map(|n| {
                n.sort_unstable();
                n.dedup();
                n.len() >= 3
            })
            .collect();
        for &n in &place_node {
            controlled[n as usize] = true;
        }
        let mut junction_reach_m = vec![0.0f64; g.node_count() as usize];
        for a in 0..g.arc_count() {
            let (t, h, len) = (g.tail(a), g.head(a), g.length_m(a));
            for (n, other) in [(t, h), (h, t)] {
                if controlled[n as usize] && !controlled[other as usize] && len <= JUNCTION_REACH_MAX_M {
                    junction_reach_m[n as usize] = junction_reach_m[n as usize].max(len);
                }
            }
        }
        let mut town = Self {
            scenario,
            cch,
            index,
            arc_posted_kmh,
            arc_dir,
            arc_heading,
            place_pos,
            place_node,
            zone_polygons,
            permanent_no_fly,
            side_sign,
            rule_arcs: Vec::new(),
            buildings,
            building_cells,
            residential,
            arc_school_zone: Vec::new(),
            crossings: Vec::new(),
            arc_crossings: Vec::new(),
            controlled,
            junction_reach_m,
        };
        let g = town.graph();
        let arcs_of = |&(a, b): &(u32, u32)| -> Vec<u32> {
            let (Some(a), Some(b)) = (town.index.node(a), town.index.node(b)) else { return Vec::new() };
            g.find_arc(a, b).into_iter().chain(g.find_arc(b, a)).collect()
        };
        let rule_arcs = town
            .scenario
            .rules
            .iter()
            .map(|r| match &r.kind {
                RuleKind::SpeedLimit { zone: None, .. } => (0..g.arc_count()).collect(),
                RuleKind::SpeedLimit { zone: Some(zone), .. } => {
                    let z = town
                        .scenario
                        .map
                        .zones
                        .iter()
                        .position(|z| &z.name == zone)
                        .expect("validated: rules name known zones");
                    (0..g.arc_count())
                        .filter(|&a| point_in_polygon(town.arc_midpoint(a), &town.zone_polygons[z]))
                        .collect()
                }
                RuleKind::RoadClosure { roads } => roads.iter().flat_map(arcs_of).collect(),
                // The arc against the direction that stays open.
                RuleKind::OneWay { road: (a, b) } => {
                    arcs_of(&(*b, *a)).into_iter().filter(|&arc| Some(g.tail(arc)) == town.index.node(*b)).collect()
                }
                // Every arc off the route.
                RuleKind::DesignatedRoute { roads } => {
                    let mut on: Vec<u32> = roads.iter().flat_map(arcs_of).collect();
                    on.sort_unstable();
                    (0..g.arc_count()).filter(|a| on.binary_search(a).is_err()).collect()
                }
                _ => Vec::new(),
            })
            .collect();
        town.rule_arcs = rule_arcs;
        let mut arc_crossings = vec![Vec::new(); town.graph().arc_count() as usize];
        town.crossings = town
            .scenario
            .map
            .crossings
            .iter()
            .enumerate()
            .map(|(c, crossing)| {
                let g = town.graph();
                let (a, b) = crossing.road;
                let (na, nb) = (town.index.node(a).expect("validated"), town.index.node(b).expect("validated"));
                let forward =
                    g.find_arc(na, nb).or_else(|| g.find_arc(nb, na)).expect("validated: crossings name roads");
                let len = g.length_m(forward);
                // Offset from node `a` along the road, whichever way its arcs run.
                let from_a = |arc: u32| if g.tail(arc) == na { crossing.at_m } else { len - crossing.at_m };
                let arcs: Vec<(u32, f64)> =
                    g.find_arc(na, nb).into_iter().chain(g.find_arc(nb, na)).map(|arc| (arc, from_a(arc))).collect();
                for &(arc, offset) in &arcs {
                    arc_crossings[arc as usize].push((c, offset));
                }
                let (pa, pb) = (town.index.positions[na as usize], town.index.positions[nb as usize]);
                let dir = (pb - pa).normalized();
                CrossingGeom {
                    centre: pa + (pb - pa).scale(crossing.at_m / len),
                    across: Vec2::new(-dir.y, dir.x),
                    half_width_m: crossing.width_m / 2.0,
                    arcs,
                }
            })
            .collect();
        for list in &mut arc_crossings {
            list.sort_by(|x, y| x.1.total_cmp(&y.1));
        }
        town.arc_crossings = arc_crossings;
        town.arc_school_zone = (0..town.graph().arc_count())
            .map(|a| {
                let mid = town.arc_midpoint(a);
                town.scenario.map.zones.iter().enumerate().position(|(z, zone)| {
                    zone.kind == ZoneKind::School && point_in_polygon(mid, &town.zone_polygons[z])
                })
            })
            .collect();
        town
    }

    /// The road graph.
    pub fn graph(&self) -> &RoadGraph {
        &self.index.graph
    }

    /// Midpoint of an arc.
    pub fn arc_midpoint(&self, arc: u32) -> Vec2 {
        let g = self.graph();
        (self.index.positions[g.tail(arc) as usize] + self.index.positions[g.head(arc) as usize]).scale(0.5)
    }

    /// Position and heading of a vehicle `offset_m` along `arc`, `lateral_m` from the centre line
    /// on its side of the road.
    pub fn pose_on_arc(&self, arc: u32, offset_m: f64, lateral_m: f64) -> (Vec2, f64) {
        let g = self.graph();
        let (a, b) = (self.index.positions[g.tail(arc) as usize], self.index.positions[g.head(arc) as usize]);
        let frac = (offset_m / g.length_m(arc)).clamp(0.0, 1.0);
        let dir = self.arc_dir[arc as usize];
        let left = Vec2::new(-dir.y, dir.x);
        let at = a + (b - a).scale(frac) + left.scale(lateral_m * self.side_sign);
        (at, self.arc_heading[arc as usize])
    }

    /// Position and heading of a vehicle `offset_m` along `route[i]`, `lateral_m` from the
    /// centre line on its side of the road. Through a node where the route goes on, it follows
    /// a curve from its lane on the way in to its lane on the way out (a quadratic Bézier with
    /// the corner where the two lanes meet as its control point) instead of pivoting on the
    /// node: a car turning onto the near side stays on its side of the crossing road.
    pub fn pose_along(&self, route: &[u32], i: usize, offset_m: f64, lateral_m: f64) -> (Vec2, f64) {
        let g = self.graph();
        let arc = route[i];
        let len = g.length_m(arc);
        let reach = |a: u32| TURN_M.min(g.length_m(a) * 0.5);
        let turn = if i + 1 < route.len() && offset_m > len - reach(arc) {
            Some((arc, route[i + 1], offset_m - (len - reach(arc))))
        } else if i > 0 && offset_m < reach(arc) {
            Some((route[i - 1], arc, reach(route[i - 1]) + offset_m))
        } else {
            None
        };
        match turn {
            Some((from, to, along)) => self.turn_pose(from, to, along / (reach(from) + reach(to)), lateral_m),
            None => self.pose_on_arc(arc, offset_m, lateral_m),
        }
    }

    /// A point `s` (0 to 1) along the curve from `from` into `to`.
    fn turn_pose(&self, from: u32, to: u32, s: f64, lateral_m: f64) -> (Vec2, f64) {
        let g = self.graph();
        let s = s.clamp(0.0, 1.0);
        let (p0, h0) = self.pose_on_arc(from, g.length_m(from) - TURN_M.min(g.length_m(from) * 0.5), lateral_m);
        let (p2, _) = self.pose_on_arc(to, TURN_M.min(g.length_m(to) * 0.5), lateral_m);
        let (d0, d2) = (self.arc_dir[from as usize], self.arc_dir[to as usize]);
        // Where the lane in meets the lane out; on a straight run (or turning back) the
        // midpoint, so the curve is a line.
        let denom = d0.cross(d2);
        let p1 = if denom.abs() < 0.05 { (p0 + p2).scale(0.5) } else { p0 + d0.scale((p2 - p0).cross(d2) / denom) };
        let at = p0.scale((1.0 - s) * (1.0 - s)) + p1.scale(2.0 * s * (1.0 - s)) + p2.scale(s * s);
        let tangent = (p1 - p0).scale(2.0 * (1.0 - s)) + (p2 - p1).scale(2.0 * s);
        let heading = if tangent.length() > 1e-9 { tangent.y.atan2(tangent.x) } else { h0 };
        (at, heading)
    }

    /// The buildings whose outlines' bounding boxes come within `r` metres of `p` (a superset
    /// of those within `r`), by index, in index order, into `out`.
    pub fn buildings_near(&self, p: Vec2, r: f64, out: &mut Vec<usize>) {
        out.clear();
        let ((x0, y0), (x1, y1)) = (building_cell(p - Vec2::new(r, r)), building_cell(p + Vec2::new(r, r)));
        for x in x0..=x1 {
            for y in y0..=y1 {
                out.extend(self.building_cells.get(&(x, y)).into_iter().flatten());
            }
        }
        out.sort_unstable();
        out.dedup();
    }

    /// Places of a kind.
    pub fn places_of(&self, kind: PlaceKind) -> impl Iterator<Item = usize> + '_ {
        self.scenario.map.places.iter().enumerate().filter(move |(_, p)| p.kind == kind).map(|(i, _)| i)
    }

    /// Index of a place by name.
    pub fn place(&self, name: &str) -> Option<usize> {
        self.scenario.map.places.iter().position(|p| p.name == name)
    }
}

/// Where a crossing is and how it is walked.
#[derive(Clone, Debug)]
pub struct CrossingGeom {
    /// Point on the road's centre line.
    pub centre: Vec2,
    /// Unit vector across the road.
    pub across: Vec2,
    /// Half the carriageway width, m.
    pub half_width_m: f64,
    /// The arcs it lies on, with its offset along each, m.
    pub arcs: Vec<(u32, f64)>,
}

/// The planner's view of a scenario no-fly volume.
pub fn obstacle(v: &pilotzone_scenario::NoFlyVolume) -> Obstacle {
    Obstacle {
        name: v.name.clone(),
        polygon: v.polygon.iter().map(|&p| p.into()).collect(),
        floor_m: v.floor_m,
        ceiling_m: v.ceiling_m,
    }
}

impl FromWorld for TownMap {
    fn from_world(world: &mut World) -> Self {
        TownMap::new(Arc::new(world.resource::<SimConfig>().loaded.scenario.clone()))
    }
}

/// Adds the static map.
pub struct TownPlugin;

impl Plugin for TownPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<TownMap>();
    }
}

/// A grid town of `cols` × `cols` junctions `block_m` apart with one taxi and no demand, for
/// tests of the road.
#[cfg(test)]
pub(crate) fn test_grid(cols: u32, block_m: f64, seed: u64) -> TownMap {
    use pilotzone_scenario::generate::{GridTown, grid_town};

    TownMap::new(Arc::new(grid_town(&GridTown {
        cols,
        rows: cols,
        block_m,
        taxis: 1,
        drones: 0,
        vertiports: 0,
        rides_per_hour: 0.0,
        parcels_per_hour: 0.0,
        duration_s: 60,
        demand_s: None,
        max_wait_s: 600,
        seed,
    })))
}

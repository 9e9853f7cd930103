//! Drone path planning in 3D: a vertical climb, a cruise at one altitude around the no-fly
//! volumes that reach that altitude, and a vertical descent.
//!
//! The cruise leg is the shortest path in a visibility graph over the obstacle outlines pushed
//! out by a safety margin. Paths are tested against the true outlines, so a returned path never
//! enters a volume; when none exists the planner says why instead.
//!
//! Keep-out areas ([`AirspacePlanner::with_keep_out`]) are airspace a cruise goes round where it
//! can but may cross where it cannot, such as other vertiports' terminal areas: one holding
//! either end of the path is no concern of it, and the others are taken in only as the path
//! meets them, so a path that meets none costs no more than without them. Where they leave no
//! way round, the path is the one that minds none of them.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Mutex;

use crate::geom::{Vec2, inflate, point_in_polygon, segment_enters_polygon};

/// A prism of closed airspace.
#[derive(Clone, Debug, PartialEq)]
pub struct Obstacle {
    /// Name used in messages.
    pub name: String,
    /// Footprint outline.
    pub polygon: Vec<Vec2>,
    /// Bottom, metres above ground.
    pub floor_m: f64,
    /// Top, metres above ground.
    pub ceiling_m: f64,
}

impl Obstacle {
    /// Whether the volume contains the point.
    pub fn contains(&self, p: Vec2, z_m: f64) -> bool {
        (self.floor_m..=self.ceiling_m).contains(&z_m) && point_in_polygon(p, &self.polygon)
    }
}

/// A 3D waypoint in metres.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Waypoint {
    /// Ground position.
    pub at: Vec2,
    /// Height above ground.
    pub z_m: f64,
}

/// Why no path was found.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum NoPath {
    /// The start or end lies under or inside a volume the drone must not enter at any height it
    /// would pass through.
    #[error("{which} point lies inside no-fly volume \"{volume}\"")]
    EndpointInside {
        /// `start` or `end`.
        which: &'static str,
        /// The volume.
        volume: String,
    },
    /// The volumes wall the two points off from each other at cruise altitude.
    #[error("no-fly volumes leave no way through at {altitude_m} m")]
    Blocked {
        /// Cruise altitude tried.
        altitude_m: f64,
    },
}

/// Plans drone paths around a fixed set of obstacles.
pub struct AirspacePlanner {
    obstacles: Vec<Obstacle>,
    keep_out: Vec<Obstacle>,
    margin_m: f64,
    /// Paths already planned, by their question ([`Question`]): a drone waiting for clear
    /// airspace asks the same ones again and again. A path depends on its question and the
    /// volumes alone, so the answers are the same with or without it.
    memo: Mutex<Memo>,
}

/// Paths planned so far, by question.
type Memo = BTreeMap<Question, Result<Vec<Waypoint>, NoPath>>;

/// A planning question, its numbers' bits: start, start height, end, cruise altitude, end
/// height.
type Question = [u64; 7];

/// Most paths remembered; past this the memo starts afresh.
const MEMO_MAX: usize = 20_000;

impl Clone for AirspacePlanner {
    fn clone(&self) -> Self {
        AirspacePlanner::new(self.obstacles.clone(), self.margin_m).with_keep_out(self.keep_out.clone())
    }
}

impl fmt::Debug for AirspacePlanner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AirspacePlanner")
            .field("obstacles", &self.obstacles)
            .field("keep_out", &self.keep_out)
            .field("margin_m", &self.margin_m)
            .finish_non_exhaustive()
    }
}

impl AirspacePlanner {
    /// A planner keeping `margin_m` from obstacle corners.
    pub fn new(obstacles: Vec<Obstacle>, margin_m: f64) -> Self {
        Self { obstacles, keep_out: Vec::new(), margin_m, memo: Mutex::default() }
    }

    /// The planner, going round `areas` where a way round exists (see the [module docs](self)).
    #[must_use]
    pub fn with_keep_out(mut self, areas: Vec<Obstacle>) -> Self {
        self.keep_out = areas;
        self.memo = Mutex::default();
        self
    }

    /// The keep-out areas.
    pub fn keep_out(&self) -> &[Obstacle] {
        &self.keep_out
    }

    /// The obstacles.
    pub fn obstacles(&self) -> &[Obstacle] {
        &self.obstacles
    }

    /// A path from `start` (at height `start_z_m`) to `end`, cruising at `altitude_m`.
    ///
    /// The path climbs or descends vertically at `start` to the cruise altitude, and descends
    /// vertically at `end` to `end_z_m`.
    pub fn plan(
        &self,
        start: Vec2,
        start_z_m: f64,
        end: Vec2,
        altitude_m: f64,
        end_z_m: f64,
    ) -> Result<Vec<Waypoint>, NoPath> {
        let question = [start.x, start.y, start_z_m, end.x, end.y, altitude_m, end_z_m].map(f64::to_bits);
        // A poisoned memo (a panic elsewhere while it was held) is only a lost shortcut.
        if let Some(answer) = self.memo.lock().ok().and_then(|m| m.get(&question).cloned()) {
            return answer;
        }
        let answer = self.plan_afresh(start, start_z_m, end, altitude_m, end_z_m);
        if let Ok(mut memo) = self.memo.lock() {
            if memo.len() >= MEMO_MAX {
                memo.clear();
            }
            memo.insert(question, answer.clone());
        }
        answer
    }

    fn plan_afresh(
        &self,
        start: Vec2,
        start_z_m: f64,
        end: Vec2,
        altitude_m: f64,
        end_z_m: f64,
    ) -> Result<Vec<Waypoint>, NoPath> {
        for (which, p, low) in [("start", start, start_z_m.min(altitude_m)), ("end", end, end_z_m)] {
            if let Some(o) = self
                .obstacles
                .iter()
                .find(|o| o.floor_m <= altitude_m.max(low) && o.ceiling_m >= low && point_in_polygon(p, &o.polygon))
            {
                return Err(NoPath::EndpointInside { which, volume: o.name.clone() });
            }
        }
        let at_cruise = |o: &&Obstacle| (o.floor_m..=o.ceiling_m).contains(&altitude_m);
        let mut blocking: Vec<Outline> = self.obstacles.iter().filter(at_cruise).map(Outline::of).collect();
        let direct = self.cruise(start, end, &blocking).ok_or(NoPath::Blocked { altitude_m })?;
        let mut cruise = direct.clone();
        let mut avoid: Vec<Outline> = self
            .keep_out
            .iter()
            .filter(at_cruise)
            .filter(|k| !point_in_polygon(start, &k.polygon) && !point_in_polygon(end, &k.polygon))
            .map(Outline::of)
            .collect();
        loop {
            let meets = |k: &Outline| cruise.windows(2).any(|w| k.entered_by(w[0], w[1]));
            let (met, rest): (Vec<Outline>, Vec<Outline>) = avoid.into_iter().partition(meets);
            avoid = rest;
            if met.is_empty() {
                break;
            }
            blocking.extend(met);
            // Walled in by keep-out areas: the way that minds none of them.
            let Some(round) = self.cruise(start, end, &blocking) else {
                cruise = direct;
                break;
            };
            cruise = round;
        }
        let mut path = Vec::with_capacity(cruise.len() + 2);
        path.push(Waypoint { at: start, z_m: start_z_m });
        path.extend(cruise.iter().map(|&at| Waypoint { at, z_m: altitude_m }));
        path.push(Waypoint { at: end, z_m: end_z_m });
        Ok(path)
    }

    /// Shortest polyline from `start` to `end` avoiding `blocking`, both ends included.
    fn cruise(&self, start: Vec2, end: Vec2, blocking: &[Outline]) -> Option<Vec<Vec2>> {
        let clear = |a: Vec2, b: Vec2| blocking.iter().all(|o| !o.entered_by(a, b));
        if clear(start, end) {
            return Some(vec![start, end]);
        }
        let mut points = vec![start, end];
        for o in blocking {
            // Corners that fall inside another volume are useless as waypoints.
            points.extend(
                inflate(o.polygon, self.margin_m)
                    .into_iter()
                    .filter(|&v| !blocking.iter().any(|b| point_in_polygon(v, b.polygon))),
            );
        }
        let n = points.len();
        let mut dist = vec![f64::INFINITY; n];
        let mut prev = vec![usize::MAX; n];
        let mut done = vec![false; n];
        dist[0] = 0.0;
        // Dense Dijkstra: the visibility graph is small (tens of corners) and built lazily.
        loop {
            let u = (0..n)
                .filter(|&i| !done[i] && dist[i].is_finite())
                .min_by(|&a, &b| dist[a].total_cmp(&dist[b]).then(a.cmp(&b)))?;
            if u == 1 {
                break;
            }
            done[u] = true;
            for v in 0..n {
                if !done[v] && v != u {
                    let d = dist[u] + points[u].distance(points[v]);
                    if d < dist[v] && clear(points[u], points[v]) {
                        dist[v] = d;
                        prev[v] = u;
                    }
                }
            }
        }
        let mut out = vec![end];
        let mut at = 1;
        while prev[at] != usize::MAX {
            at = prev[at];
            out.push(points[at]);
        }
        out.reverse();
        Some(out)
    }
}

/// An outline in the way, with its bounding box: most segments tested against it are nowhere
/// near it.
struct Outline<'a> {
    polygon: &'a [Vec2],
    lo: Vec2,
    hi: Vec2,
}

impl<'a> Outline<'a> {
    fn of(o: &'a Obstacle) -> Self {
        let (lo, hi) = o.polygon.iter().fold(
            (Vec2::new(f64::INFINITY, f64::INFINITY), Vec2::new(f64::NEG_INFINITY, f64::NEG_INFINITY)),
            |(lo, hi), p| (Vec2::new(lo.x.min(p.x), lo.y.min(p.y)), Vec2::new(hi.x.max(p.x), hi.y.max(p.y))),
        );
        Outline { polygon: &o.polygon, lo, hi }
    }

    /// Whether the segment from `a` to `b` enters the outline.
    fn entered_by(&self, a: Vec2, b: Vec2) -> bool {
        let apart = a.x.max(b.x) < self.lo.x
            || a.x.min(b.x) > self.hi.x
            || a.y.max(b.y) < self.lo.y
            || a.y.min(b.y) > self.hi.y;
        !apart && segment_enters_polygon(a, b, self.polygon)
    }
}

impl fmt::Display for Waypoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({:.1}, {:.1}, {:.1})", self.at.x, self.at.y, self.z_m)
    }
}

/// Length of a 3D polyline in metres.
pub fn path_length_m(path: &[Waypoint]) -> f64 {
    path.windows(2).map(|w| (w[0].at.distance(w[1].at)).hypot(w[1].z_m - w[0].z_m)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(name: &str, x0: f64, y0: f64, x1: f64, y1: f64) -> Obstacle {
        Obstacle {
            name: name.into(),
            polygon: vec![Vec2::new(x0, y0), Vec2::new(x1, y0), Vec2::new(x1, y1), Vec2::new(x0, y1)],
            floor_m: 0.0,
            ceiling_m: 150.0,
        }
    }

    fn assert_clear(path: &[Waypoint], obstacles: &[Obstacle]) {
        for w in path.windows(2) {
            for o in obstacles {
                if (o.floor_m..=o.ceiling_m).contains(&w[1].z_m) && w[0].z_m == w[1].z_m {
                    assert!(
                        !segment_enters_polygon(w[0].at, w[1].at, &o.polygon),
                        "{} -> {} enters {}",
                        w[0],
                        w[1],
                        o.name
                    );
                }
            }
        }
    }

    #[test]
    fn straight_when_nothing_is_in_the_way() {
        let planner = AirspacePlanner::new(vec![block("far", 500.0, 500.0, 600.0, 600.0)], 10.0);
        let path = planner.plan(Vec2::new(0.0, 0.0), 0.0, Vec2::new(100.0, 0.0), 60.0, 5.0).expect("open sky");
        assert_eq!(path.len(), 4);
        assert!((path_length_m(&path) - (60.0 + 100.0 + 55.0)).abs() < 1e-9);
    }

    #[test]
    fn goes_around_a_volume_by_the_shorter_side() {
        let obstacles = vec![block("shrine", 40.0, -30.0, 60.0, 10.0)];
        let planner = AirspacePlanner::new(obstacles.clone(), 5.0);
        let path = planner.plan(Vec2::new(0.0, 0.0), 0.0, Vec2::new(100.0, 0.0), 60.0, 5.0).expect("a way round");
        assert_clear(&path, &obstacles);
        assert!(path.iter().any(|w| w.at.y > 10.0), "passes north, the short side: {path:?}");
        let cruise = path_length_m(&path) - 60.0 - 55.0;
        assert!(cruise > 100.0 && cruise < 120.0, "detour is modest: {cruise}");
    }

    #[test]
    fn flies_over_a_low_volume() {
        let mut low = block("low", 40.0, -30.0, 60.0, 30.0);
        low.ceiling_m = 30.0;
        let planner = AirspacePlanner::new(vec![low], 5.0);
        let path = planner.plan(Vec2::new(0.0, 0.0), 0.0, Vec2::new(100.0, 0.0), 60.0, 5.0).expect("over the top");
        assert_eq!(path.len(), 4);
    }

    /// A square keep-out area `half` metres each side of (`x`, `y`).
    fn area(name: &str, x: f64, y: f64, half: f64) -> Obstacle {
        block(name, x - half, y - half, x + half, y + half)
    }

    #[test]
    fn goes_round_a_keep_out_area_met_on_the_way_and_ignores_those_away_from_it() {
        let areas = vec![area("port b", 500.0, 0.0, 50.0), area("port c", 500.0, 400.0, 50.0)];
        let planner = AirspacePlanner::new(Vec::new(), 5.0).with_keep_out(areas.clone());
        let (start, end) = (Vec2::new(0.0, 0.0), Vec2::new(1000.0, 0.0));
        let path = planner.plan(start, 0.0, end, 60.0, 5.0).expect("a way round");
        assert_clear(&path, &areas);
        let cruise = path_length_m(&path) - 60.0 - 55.0;
        assert!(cruise > 1000.0 && cruise < 1010.0, "round port b, a few metres longer: {cruise}");
        assert!(path.iter().all(|w| w.at.y < 60.0), "port c, away from the way, costs nothing: {path:?}");
        let plain = AirspacePlanner::new(Vec::new(), 5.0).plan(start, 0.0, end, 60.0, 5.0).expect("straight");
        assert_eq!(plain.len(), 4, "without the area the way is straight");
    }

    #[test]
    fn a_keep_out_area_holding_an_end_or_walling_it_off_is_crossed() {
        let own = vec![area("port a", 0.0, 0.0, 50.0), area("port b", 1000.0, 0.0, 50.0)];
        let planner = AirspacePlanner::new(Vec::new(), 5.0).with_keep_out(own);
        let path = planner.plan(Vec2::new(0.0, 0.0), 0.0, Vec2::new(1000.0, 0.0), 60.0, 5.0).expect("from a to b");
        assert_eq!(path.len(), 4, "straight out of its own area and into the other: {path:?}");
        // The end is walled off by areas holding neither end: the way crosses them.
        let ring = vec![
            block("n", 150.0, 40.0, 250.0, 50.0),
            block("s", 150.0, -50.0, 250.0, -40.0),
            block("w", 150.0, -50.0, 160.0, 50.0),
            block("e", 240.0, -50.0, 250.0, 50.0),
        ];
        let walled = AirspacePlanner::new(Vec::new(), 5.0).with_keep_out(ring);
        let path = walled.plan(Vec2::new(0.0, 0.0), 0.0, Vec2::new(200.0, 0.0), 60.0, 5.0).expect("crossed");
        assert_eq!(path.len(), 4, "no way round: straight through: {path:?}");
        // A no-fly volume is never crossed, keep-out areas or not.
        let wall = vec![block("wall", 100.0, -500.0, 110.0, 500.0)];
        let mut hard = walled.clone();
        hard.obstacles = wall.clone();
        hard.memo = Mutex::default();
        let path = hard.plan(Vec2::new(0.0, 0.0), 0.0, Vec2::new(200.0, 0.0), 60.0, 5.0).expect("round the wall");
        assert_clear(&path, &wall);
        assert!(path.len() > 4, "round the wall, through the keep-out ring: {path:?}");
    }

    #[test]
    fn a_remembered_path_is_the_path_planned_afresh() {
        let obstacles = vec![block("shrine", 40.0, -30.0, 60.0, 10.0)];
        let planner = AirspacePlanner::new(obstacles, 5.0).with_keep_out(vec![area("port", 300.0, 0.0, 40.0)]);
        let ask = |p: &AirspacePlanner, x: f64| p.plan(Vec2::new(0.0, 0.0), 0.0, Vec2::new(x, 0.0), 60.0, 5.0);
        for x in [100.0, 500.0, 100.0, 500.0] {
            assert_eq!(ask(&planner, x), planner.plan_afresh(Vec2::new(0.0, 0.0), 0.0, Vec2::new(x, 0.0), 60.0, 5.0));
        }
        assert_eq!(planner.memo.lock().map(|m| m.len()).ok(), Some(2), "each question planned once");
        assert_eq!(ask(&planner.clone(), 500.0), ask(&planner, 500.0), "a clone plans the same");
    }

    #[test]
    fn refuses_endpoints_inside_and_walled_off_targets() {
        let planner = AirspacePlanner::new(vec![block("hospital", 90.0, -10.0, 110.0, 10.0)], 5.0);
        assert_eq!(
            planner.plan(Vec2::new(0.0, 0.0), 0.0, Vec2::new(100.0, 0.0), 60.0, 5.0),
            Err(NoPath::EndpointInside { which: "end", volume: "hospital".into() })
        );
        let ring = vec![
            block("n", -50.0, 40.0, 50.0, 50.0),
            block("s", -50.0, -50.0, 50.0, -40.0),
            block("w", -50.0, -50.0, -40.0, 50.0),
            block("e", 40.0, -50.0, 50.0, 50.0),
        ];
        let planner = AirspacePlanner::new(ring, 5.0);
        assert_eq!(
            planner.plan(Vec2::new(0.0, 0.0), 0.0, Vec2::new(200.0, 0.0), 60.0, 5.0),
            Err(NoPath::Blocked { altitude_m: 60.0 })
        );
    }
}

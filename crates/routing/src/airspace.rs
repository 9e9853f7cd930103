//! Drone path planning in 3D: a vertical climb, a cruise at one altitude around the no-fly
//! volumes that reach that altitude, and a vertical descent.
//!
//! The cruise leg is the shortest path in a visibility graph over the obstacle outlines pushed
//! out by a safety margin. Paths are tested against the true outlines, so a returned path never
//! enters a volume; when none exists the planner says why instead.

use std::fmt;

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
#[derive(Clone, Debug)]
pub struct AirspacePlanner {
    obstacles: Vec<Obstacle>,
    margin_m: f64,
}

impl AirspacePlanner {
    /// A planner keeping `margin_m` from obstacle corners.
    pub fn new(obstacles: Vec<Obstacle>, margin_m: f64) -> Self {
        Self { obstacles, margin_m }
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
        for (which, p, low) in [("start", start, start_z_m.min(altitude_m)), ("end", end, end_z_m)] {
            if let Some(o) = self
                .obstacles
                .iter()
                .find(|o| o.floor_m <= altitude_m.max(low) && o.ceiling_m >= low && point_in_polygon(p, &o.polygon))
            {
                return Err(NoPath::EndpointInside { which, volume: o.name.clone() });
            }
        }
        let blocking: Vec<&Obstacle> =
            self.obstacles.iter().filter(|o| (o.floor_m..=o.ceiling_m).contains(&altitude_m)).collect();
        let cruise = self.cruise(start, end, &blocking).ok_or(NoPath::Blocked { altitude_m })?;
        let mut path = Vec::with_capacity(cruise.len() + 2);
        path.push(Waypoint { at: start, z_m: start_z_m });
        path.extend(cruise.iter().map(|&at| Waypoint { at, z_m: altitude_m }));
        path.push(Waypoint { at: end, z_m: end_z_m });
        Ok(path)
    }

    /// Shortest polyline from `start` to `end` avoiding `blocking`, both ends included.
    fn cruise(&self, start: Vec2, end: Vec2, blocking: &[&Obstacle]) -> Option<Vec<Vec2>> {
        let clear = |a: Vec2, b: Vec2| blocking.iter().all(|o| !segment_enters_polygon(a, b, &o.polygon));
        if clear(start, end) {
            return Some(vec![start, end]);
        }
        let mut points = vec![start, end];
        for o in blocking {
            // Corners that fall inside another volume are useless as waypoints.
            points.extend(
                inflate(&o.polygon, self.margin_m)
                    .into_iter()
                    .filter(|&v| !blocking.iter().any(|b| point_in_polygon(v, &b.polygon))),
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

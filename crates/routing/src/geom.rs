//! Plane geometry in metres: points, polygons and the tests the planner and the rules need.

/// A point or vector in the ground plane, metres (x east, y north).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Vec2 {
    /// Easting.
    pub x: f64,
    /// Northing.
    pub y: f64,
}

impl Vec2 {
    /// A point.
    pub const fn new(x: f64, y: f64) -> Self {
        Self { x, y }
    }

    /// Scaled by `k`.
    pub fn scale(self, k: f64) -> Vec2 {
        Vec2::new(self.x * k, self.y * k)
    }

    /// Euclidean length.
    pub fn length(self) -> f64 {
        self.x.hypot(self.y)
    }

    /// Distance to another point.
    pub fn distance(self, other: Vec2) -> f64 {
        (self - other).length()
    }

    /// Dot product.
    pub fn dot(self, other: Vec2) -> f64 {
        self.x * other.x + self.y * other.y
    }

    /// Turned a quarter turn counter-clockwise.
    pub fn perp(self) -> Vec2 {
        Vec2::new(-self.y, self.x)
    }

    /// z component of the cross product.
    pub fn cross(self, other: Vec2) -> f64 {
        self.x * other.y - self.y * other.x
    }

    /// Unit vector in the same direction, or zero for a zero vector.
    pub fn normalized(self) -> Vec2 {
        let l = self.length();
        if l > 0.0 { self.scale(1.0 / l) } else { Vec2::default() }
    }
}

impl std::ops::Add for Vec2 {
    type Output = Vec2;
    fn add(self, other: Vec2) -> Vec2 {
        Vec2::new(self.x + other.x, self.y + other.y)
    }
}

impl std::ops::Sub for Vec2 {
    type Output = Vec2;
    fn sub(self, other: Vec2) -> Vec2 {
        Vec2::new(self.x - other.x, self.y - other.y)
    }
}

impl From<(f64, f64)> for Vec2 {
    fn from((x, y): (f64, f64)) -> Self {
        Vec2::new(x, y)
    }
}

/// Whether `p` lies inside the polygon (even-odd rule; points on the boundary may go either way).
pub fn point_in_polygon(p: Vec2, polygon: &[Vec2]) -> bool {
    let mut inside = false;
    let n = polygon.len();
    for i in 0..n {
        let (a, b) = (polygon[i], polygon[(i + n - 1) % n]);
        if (a.y > p.y) != (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x {
            inside = !inside;
        }
    }
    inside
}

/// Whether segments `ab` and `cd` cross at a point interior to both.
pub fn segments_cross(a: Vec2, b: Vec2, c: Vec2, d: Vec2) -> bool {
    let d1 = (b - a).cross(c - a);
    let d2 = (b - a).cross(d - a);
    let d3 = (d - c).cross(a - c);
    let d4 = (d - c).cross(b - c);
    d1 * d2 < 0.0 && d3 * d4 < 0.0
}

/// Whether segment `ab` passes through the polygon's interior.
pub fn segment_enters_polygon(a: Vec2, b: Vec2, polygon: &[Vec2]) -> bool {
    let n = polygon.len();
    if point_in_polygon(a, polygon) || point_in_polygon(b, polygon) {
        return true;
    }
    if (0..n).any(|i| segments_cross(a, b, polygon[i], polygon[(i + 1) % n])) {
        return true;
    }
    // A chord from vertex to vertex crosses no edge properly; its midpoint tells.
    point_in_polygon((a + b).scale(0.5), polygon)
}

/// Signed area (positive when the points run counter-clockwise).
pub fn signed_area(polygon: &[Vec2]) -> f64 {
    let n = polygon.len();
    (0..n).map(|i| polygon[i].cross(polygon[(i + 1) % n])).sum::<f64>() / 2.0
}

/// Triangles covering a simple polygon, by ear clipping: indices into it, each triangle
/// counter-clockwise whichever way the outline runs. Footprints from maps are small (tens of
/// corners), so the quadratic method is cheap; a self-intersecting outline falls back to a fan
/// rather than failing.
pub fn triangulate(poly: &[Vec2]) -> Vec<u32> {
    let n = poly.len();
    // Walk the outline counter-clockwise.
    let mut left: Vec<usize> = if signed_area(poly) >= 0.0 { (0..n).collect() } else { (0..n).rev().collect() };
    let mut out = Vec::with_capacity(n.saturating_sub(2) * 3);
    let inside = |p: Vec2, a: Vec2, b: Vec2, c: Vec2| {
        (b - a).cross(p - a) >= 0.0 && (c - b).cross(p - b) >= 0.0 && (a - c).cross(p - c) >= 0.0
    };
    let mut guard = 0;
    while left.len() > 3 && guard < n * n {
        guard += 1;
        let m = left.len();
        let corner = |i: usize| (left[(i + m - 1) % m], left[i], left[(i + 1) % m]);
        let ear = (0..m).find(|&i| {
            let (ia, ib, ic) = corner(i);
            let (a, b, c) = (poly[ia], poly[ib], poly[ic]);
            (b - a).cross(c - a) > 1e-9
                && left.iter().filter(|&&k| ![ia, ib, ic].contains(&k)).all(|&k| !inside(poly[k], a, b, c))
        });
        let Some(i) = ear else { break };
        let (ia, ib, ic) = corner(i);
        out.extend([ia, ib, ic].map(|k| k as u32));
        left.remove(i);
    }
    // What is left: the last triangle, or a fan over an outline with no ear left.
    for k in 1..left.len().saturating_sub(1) {
        out.extend([left[0], left[k], left[k + 1]].map(|k| k as u32));
    }
    out
}

/// The polygon's vertices pushed outward by `margin` metres along their corner bisectors.
///
/// Exact for the edges of convex polygons; for concave corners it stays a sound outward offset
/// for the planner, which tests paths against the original outline.
pub fn inflate(polygon: &[Vec2], margin: f64) -> Vec<Vec2> {
    let n = polygon.len();
    let ccw = signed_area(polygon) >= 0.0;
    (0..n)
        .map(|i| {
            let (prev, cur, next) = (polygon[(i + n - 1) % n], polygon[i], polygon[(i + 1) % n]);
            let outward = |a: Vec2, b: Vec2| {
                let d = (b - a).normalized();
                if ccw { Vec2::new(d.y, -d.x) } else { Vec2::new(-d.y, d.x) }
            };
            let (n1, n2) = (outward(prev, cur), outward(cur, next));
            let bisector = (n1 + n2).normalized();
            let cos_half = bisector.x * n1.x + bisector.y * n1.y;
            // Sharp corners would shoot far out; cap the push at four margins.
            let push = if cos_half > 0.25 { margin / cos_half } else { margin * 4.0 };
            cur + bisector.scale(push)
        })
        .collect()
}

/// Distance from `p` to the segment `ab`.
pub fn distance_to_segment(p: Vec2, a: Vec2, b: Vec2) -> f64 {
    let ab = b - a;
    let len2 = ab.x * ab.x + ab.y * ab.y;
    let t = if len2 > 0.0 { ((p.x - a.x) * ab.x + (p.y - a.y) * ab.y) / len2 } else { 0.0 };
    p.distance(a + ab.scale(t.clamp(0.0, 1.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square() -> Vec<Vec2> {
        vec![Vec2::new(0.0, 0.0), Vec2::new(10.0, 0.0), Vec2::new(10.0, 10.0), Vec2::new(0.0, 10.0)]
    }

    #[test]
    fn inside_and_outside() {
        assert!(point_in_polygon(Vec2::new(5.0, 5.0), &square()));
        assert!(!point_in_polygon(Vec2::new(15.0, 5.0), &square()));
        assert!(!point_in_polygon(Vec2::new(-0.1, 5.0), &square()));
    }

    #[test]
    fn segments_through_and_around() {
        let sq = square();
        assert!(segment_enters_polygon(Vec2::new(-5.0, 5.0), Vec2::new(15.0, 5.0), &sq));
        assert!(!segment_enters_polygon(Vec2::new(-5.0, 11.0), Vec2::new(15.0, 11.0), &sq));
        assert!(segment_enters_polygon(Vec2::new(0.0, 0.0), Vec2::new(10.0, 10.0), &sq), "diagonal chord");
        assert!(!segment_enters_polygon(Vec2::new(20.0, 0.0), Vec2::new(20.0, 10.0), &sq));
    }

    #[test]
    fn inflation_moves_every_vertex_out_by_the_margin() {
        for poly in [square(), square().into_iter().rev().collect()] {
            let big = inflate(&poly, 2.0);
            for v in &big {
                assert!(!point_in_polygon(*v, &poly));
                let d = (0..4).map(|i| distance_to_segment(*v, poly[i], poly[(i + 1) % 4])).fold(f64::MAX, f64::min);
                assert!((d - 2.0 * 2f64.sqrt()).abs() < 1e-9, "corner pushed along the bisector: {d}");
            }
        }
    }
}

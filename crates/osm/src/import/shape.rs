//! Geometry and naming helpers of the import.

use std::collections::BTreeSet;

use pilotzone_routing::Vec2;
use pilotzone_routing::geom::distance_to_segment;

/// Marks the points Douglas–Peucker keeps between `first` and `last` (both kept already).
pub(super) fn douglas_peucker(pts: &[Vec2], first: usize, last: usize, tolerance: f64, keep: &mut [bool]) {
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
pub(super) fn centroid(pts: &[Vec2]) -> Vec2 {
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
pub(super) fn round_m(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

pub(super) fn round_xy(p: Vec2) -> Vec2 {
    Vec2::new(round_m(p.x), round_m(p.y))
}

/// Names made unique by appending ` (2)`, ` (3)`, … to repeats.
#[derive(Default)]
pub(super) struct Names(BTreeSet<String>);

impl Names {
    pub(super) fn unique(&mut self, name: String) -> String {
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
pub(super) struct NodeGrid {
    cell: f64,
    origin: Vec2,
    cols: usize,
    rows: usize,
    /// CSR: `first[c]..first[c + 1]` index `items` for cell `c`.
    first: Vec<u32>,
    items: Vec<u32>,
}

impl NodeGrid {
    pub(super) fn new(points: &[Vec2], cell: f64) -> Self {
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
    pub(super) fn nearest(&self, points: &[Vec2], at: Vec2) -> Option<(u32, f64)> {
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

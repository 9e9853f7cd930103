//! Plane geometry the physics and the safety monitor share: neighbouring pairs of points on a
//! grid, distances to outlines, and when two moving discs touch.

use pilotzone_routing::Vec2;
use pilotzone_routing::geom::point_in_polygon;

/// Distance from `p` to the nearest edge of `polygon`, m.
pub fn distance_to_edge(p: Vec2, polygon: &[Vec2]) -> f64 {
    (0..polygon.len())
        .map(|i| {
            let (a, b) = (polygon[i], polygon[(i + 1) % polygon.len()]);
            let (abx, aby, apx, apy) = (b.x - a.x, b.y - a.y, p.x - a.x, p.y - a.y);
            let t = ((apx * abx + apy * aby) / (abx * abx + aby * aby).max(1e-12)).clamp(0.0, 1.0);
            (apx - abx * t).hypot(apy - aby * t)
        })
        .fold(f64::INFINITY, f64::min)
}

/// Horizontal distance from `p` to a footprint: zero inside it, m.
pub fn distance_to_polygon(p: Vec2, polygon: &[Vec2]) -> f64 {
    if point_in_polygon(p, polygon) { 0.0 } else { distance_to_edge(p, polygon) }
}

/// Pairs `(i, j)`, `i < j`, of points less than `range` apart along both axes, sorted. A grid
/// of `range`-sized cells keeps this near linear where all-pairs would grow with the square.
pub fn close_pairs(points: &[(f64, f64)], range: f64, out: &mut Vec<(usize, usize)>) {
    neighbour_pairs(points, range, out);
    out.sort_unstable();
}

/// The pairs of [`close_pairs`] in the order the grid finds them (the same for the same points),
/// for callers whose result does not depend on the order: sorting many pairs costs more than
/// finding them.
pub fn neighbour_pairs(points: &[(f64, f64)], range: f64, out: &mut Vec<(usize, usize)>) {
    let mut grid = Grid::default();
    grid.fill(points, range);
    grid.pairs(points, out);
}

/// Points filed in square cells of one range, kept to find the pairs of points closer than
/// that along both axes, and the points close to any other point.
#[derive(Debug, Default)]
pub struct Grid {
    range: f64,
    /// (cell key, point index), sorted: sorting 16-byte entries is the bulk of the work.
    keyed: Vec<(u64, usize)>,
    /// Runs of equal cells: (cell key, start, end) into `keyed`.
    cells: Vec<(u64, usize, usize)>,
    /// Room for sorting `keyed`.
    spare: Vec<(u64, usize)>,
}

/// One step to the next column of cells in a key.
const NEXT_X: u64 = 1 << 32;

impl Grid {
    /// A cell (cx, cy) packed into one key that sorts as the pair does: each coordinate offset
    /// into u32, x in the high half.
    fn key(range: f64, (x, y): (f64, f64)) -> u64 {
        let cell = |v: f64| ((v / range).floor() as i64 as i32 as u32 ^ 0x8000_0000) as u64;
        cell(x) << 32 | cell(y)
    }

    /// Files `points` in cells of `range`, forgetting what was filed before.
    pub fn fill(&mut self, points: &[(f64, f64)], range: f64) {
        self.range = range;
        self.keyed.clear();
        self.keyed.extend(points.iter().enumerate().map(|(i, &p)| (Self::key(range, p), i)));
        sort_by_cell(&mut self.keyed, &mut self.spare);
        self.cells.clear();
        for (k, &(c, _)) in self.keyed.iter().enumerate() {
            match self.cells.last_mut() {
                Some(last) if last.0 == c => last.2 = k + 1,
                _ => self.cells.push((c, k, k + 1)),
            }
        }
    }

    /// Every pair of filed points (`points` as filed) less than the range apart along both
    /// axes, smaller index first, in the order the cells give them.
    pub fn pairs(&self, points: &[(f64, f64)], out: &mut Vec<(usize, usize)>) {
        let (keyed, range) = (&self.keyed, self.range);
        let near = |a: usize, b: usize| {
            let (p, q) = (points[a], points[b]);
            (p.0 - q.0).abs() < range && (p.1 - q.1).abs() < range
        };
        // Cells are sorted, so the neighbours in the next column, (cx + 1, cy - 1 ..= cy + 1),
        // move forward with the cell: one pointer walks them, where a search per neighbour was
        // the hot spot of the monitor on large towns.
        let mut next_column = 0;
        for (k, &(c, start, end)) in self.cells.iter().enumerate() {
            let here = &keyed[start..end];
            for (i, &(_, a)) in here.iter().enumerate() {
                for &(_, b) in &here[i + 1..] {
                    if near(a, b) {
                        out.push((a.min(b), a.max(b)));
                    }
                }
            }
            let mut visit = |(_, os, oe): (u64, usize, usize)| {
                for &(_, a) in here {
                    for &(_, b) in &keyed[os..oe] {
                        if near(a, b) {
                            out.push((a.min(b), a.max(b)));
                        }
                    }
                }
            };
            // Each pair of neighbouring cells is visited once: from the cell that sorts first.
            if let Some(&above) = self.cells.get(k + 1)
                && above.0 == c + 1
            {
                visit(above);
            }
            while next_column < self.cells.len() && self.cells[next_column].0 < c + NEXT_X - 1 {
                next_column += 1;
            }
            for &other in self.cells[next_column..].iter().take_while(|o| o.0 <= c + NEXT_X + 1) {
                visit(other);
            }
        }
    }

    /// Calls `visit` with each filed point (`points` as filed) less than the range from `p`
    /// along both axes, a cell column at a time.
    pub fn near(&self, points: &[(f64, f64)], p: (f64, f64), mut visit: impl FnMut(usize)) {
        if self.cells.is_empty() {
            return;
        }
        let centre = Self::key(self.range, p);
        for column in [centre.wrapping_sub(NEXT_X), centre, centre.wrapping_add(NEXT_X)] {
            // The three cells of a column are consecutive keys, so one search finds them.
            let from = self.cells.partition_point(|c| c.0 < column.wrapping_sub(1));
            for &(_, start, end) in self.cells[from..].iter().take_while(|c| c.0 <= column.wrapping_add(1)) {
                for &(_, i) in &self.keyed[start..end] {
                    let q = points[i];
                    if (p.0 - q.0).abs() < self.range && (p.1 - q.1).abs() < self.range {
                        visit(i);
                    }
                }
            }
        }
    }
}

/// Sorts (cell key, index) entries filed in index order as `sort_unstable` would (no two are
/// equal): by cell, then index. Sorting was most of filing, and filing most of finding
/// neighbours on the road. The cells filed span a small range of columns and rows, so the key
/// is renumbered densely over that range and sorted by a least-significant-digit radix sort
/// over its few bits; each pass is stable, so entries of one cell keep their index order.
fn sort_by_cell(keyed: &mut Vec<(u64, usize)>, spare: &mut Vec<(u64, usize)>) {
    /// Bits sorted per pass.
    const DIGIT: u32 = 11;
    // Below this, or over a range too wide to renumber, comparison sorting is as quick.
    const FEW: usize = 64;
    const WIDEST_BITS: u32 = 3 * DIGIT;
    let halves = |key: u64| ((key >> 32) as u32, key as u32);
    let (mut lo, mut hi) = ((u32::MAX, u32::MAX), (0, 0));
    for &(key, _) in keyed.iter() {
        let (x, y) = halves(key);
        (lo, hi) = ((lo.0.min(x), lo.1.min(y)), (hi.0.max(x), hi.1.max(y)));
    }
    let rows = u64::from(hi.1.wrapping_sub(lo.1)) + 1;
    let span = (u64::from(hi.0.wrapping_sub(lo.0)) + 1).checked_mul(rows);
    let bits = span.map_or(u32::MAX, |n| u64::BITS - (n - 1).leading_zeros());
    if keyed.len() < FEW || bits > WIDEST_BITS {
        keyed.sort_unstable();
        return;
    }
    // Column-major, as the key orders cells.
    let dense = |key: u64| {
        let (x, y) = halves(key);
        u64::from(x - lo.0) * rows + u64::from(y - lo.1)
    };
    for e in keyed.iter_mut() {
        e.0 = dense(e.0);
    }
    let mut counts = [0usize; 1 << DIGIT];
    for shift in (0..bits).step_by(DIGIT as usize) {
        let digit = |e: &(u64, usize)| (e.0 >> shift) as usize & ((1 << DIGIT) - 1);
        counts.fill(0);
        for e in keyed.iter() {
            counts[digit(e)] += 1;
        }
        let mut at = 0;
        for c in &mut counts {
            (*c, at) = (at, at + *c);
        }
        spare.clear();
        spare.resize(keyed.len(), (0, 0));
        for e in keyed.iter() {
            let d = digit(e);
            spare[counts[d]] = *e;
            counts[d] += 1;
        }
        std::mem::swap(keyed, spare);
    }
    for e in keyed.iter_mut() {
        let (x, y) = (e.0 / rows, e.0 % rows);
        e.0 = (x + u64::from(lo.0)) << 32 | (y + u64::from(lo.1));
    }
}

/// Time until two discs `sum_radii` apart first touch, for relative position (dx, dy) and
/// relative velocity (vx, vy); zero if they already overlap, none if they never do.
pub fn time_to_contact(dx: f64, dy: f64, vx: f64, vy: f64, sum_radii: f64) -> Option<f64> {
    let c = dx * dx + dy * dy - sum_radii * sum_radii;
    if c <= 0.0 {
        return Some(0.0);
    }
    let a = vx * vx + vy * vy;
    let b = 2.0 * (dx * vx + dy * vy);
    let disc = b * b - 4.0 * a * c;
    if a <= 0.0 || b >= 0.0 || disc < 0.0 {
        return None;
    }
    Some((-b - disc.sqrt()) / (2.0 * a))
}

/// Length of a 3D vector. `hypot` guards against overflow at magnitudes no drone reaches, at
/// several times the cost, and drones compute many lengths each tick.
pub fn norm3(v: [f64; 3]) -> f64 {
    (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Numbers in [0, 1) from a linear congruential generator started at `seed`: the same on
    /// every run.
    fn uniform(seed: u64) -> impl FnMut() -> f64 {
        let mut state = seed;
        move || {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    /// Filing sorts its entries as a comparison sort does: few or many, in a small patch or
    /// across a town, cells on both sides of zero, many points in one cell, and points so far
    /// apart that the cells are not renumbered.
    #[test]
    fn cells_are_sorted_as_a_comparison_sort_sorts_them() {
        let mut next = uniform(7);
        let mut spare = Vec::new();
        for (n, across, range) in
            [(0, 10.0, 5.0), (1, 10.0, 5.0), (63, 100.0, 5.0), (64, 100.0, 5.0), (3000, 8000.0, 5.0), (3000, 20.0, 5.0)]
                .into_iter()
                .chain([(3000, 50_000.0, 5.0), (5000, 8000.0, 0.001), (200, 1e12, 1.0), (2000, 3e6, 1.0)])
        {
            let keyed: Vec<(u64, usize)> = (0..n)
                .map(|i| (Grid::key(range, (next() * across - across / 2.0, next() * across - 10.0)), i))
                .collect();
            let mut expected = keyed.clone();
            expected.sort_unstable();
            let mut sorted = keyed;
            sort_by_cell(&mut sorted, &mut spare);
            assert_eq!(sorted, expected, "{n} points across {across} m in {range} m cells");
        }
    }

    #[test]
    fn close_pairs_agree_with_all_pairs() {
        let mut next = uniform(99);
        let points: Vec<(f64, f64)> = (0..300).map(|_| (next() * 500.0 - 250.0, next() * 500.0 - 250.0)).collect();
        let mut fast = Vec::new();
        close_pairs(&points, 30.0, &mut fast);
        let mut slow = Vec::new();
        for i in 0..points.len() {
            for j in i + 1..points.len() {
                if (points[i].0 - points[j].0).abs() < 30.0 && (points[i].1 - points[j].1).abs() < 30.0 {
                    slow.push((i, j));
                }
            }
        }
        assert!(!slow.is_empty());
        assert_eq!(fast, slow);
        // The grid kept, asked for the points near each point, finds its pairs too.
        let mut grid = Grid::default();
        grid.fill(&points, 30.0);
        let mut near = Vec::new();
        for (i, &p) in points.iter().enumerate() {
            grid.near(&points, p, |j| {
                if j > i {
                    near.push((i, j));
                }
            });
        }
        near.sort_unstable();
        assert_eq!(near, slow);
    }

    #[test]
    fn time_to_contact_of_head_on_and_passing_discs() {
        // 20 m apart closing at 10 m/s, touching at 4.6 m: (20 - 4.6) / 10.
        let ttc = time_to_contact(20.0, 0.0, -10.0, 0.0, 4.6).expect("head on");
        assert!((ttc - 1.54).abs() < 1e-9);
        assert_eq!(time_to_contact(20.0, 0.0, 10.0, 0.0, 4.6), None, "moving apart");
        assert_eq!(time_to_contact(20.0, 10.0, -10.0, 0.0, 4.6), None, "passing 10 m abreast");
        assert_eq!(time_to_contact(2.0, 0.0, 0.0, 0.0, 4.6), Some(0.0), "already overlapping");
    }
}

//! Triangles for the town: flat polygons, prisms and road ribbons, built from the scene's
//! outlines without bevy, so the shapes are tested on their own.
//!
//! Plan coordinates are metres `(east, north)`; the world is bevy's, y up, so a plan point
//! `(x, n)` at height `h` sits at `(x, h, -n)`, and north is "up" on a top-down screen.

/// Vertex positions, normals and triangle indices of one mesh.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MeshData {
    /// Positions in world metres.
    pub positions: Vec<[f32; 3]>,
    /// One unit normal per position.
    pub normals: Vec<[f32; 3]>,
    /// Triangles, counter-clockwise seen from the side the normal points to.
    pub indices: Vec<u32>,
}

/// A plan point at a height, in world coordinates.
pub fn world(p: [f32; 2], h: f32) -> [f32; 3] {
    [p[0], h, -p[1]]
}

/// The plan point under a world position: the inverse of [`world`] on the ground.
pub fn plan(p: [f32; 3]) -> [f32; 2] {
    [p[0], -p[2]]
}

fn sub(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

fn cross(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
    [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}

fn dot(a: [f32; 3], b: [f32; 3]) -> f32 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

impl MeshData {
    /// Adds a triangle facing `normal`, whatever order its corners come in.
    fn triangle(&mut self, a: [f32; 3], b: [f32; 3], c: [f32; 3], normal: [f32; 3]) {
        let faces = dot(cross(sub(b, a), sub(c, a)), normal) >= 0.0;
        let base = self.positions.len() as u32;
        self.positions.extend(if faces { [a, b, c] } else { [a, c, b] });
        self.normals.extend([normal; 3]);
        self.indices.extend([base, base + 1, base + 2]);
    }

    /// Adds a quad `a b c d` (in order round its edge) facing `normal`.
    fn quad(&mut self, [a, b, c, d]: [[f32; 3]; 4], normal: [f32; 3]) {
        self.triangle(a, b, c, normal);
        self.triangle(a, c, d, normal);
    }

    /// Adds another mesh's triangles.
    pub fn append(&mut self, other: &MeshData) {
        let base = self.positions.len() as u32;
        self.positions.extend_from_slice(&other.positions);
        self.normals.extend_from_slice(&other.normals);
        self.indices.extend(other.indices.iter().map(|i| i + base));
    }

    /// Whether the mesh has no triangle.
    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }
}

/// Twice the signed area of a plan polygon: positive when it runs counter-clockwise.
fn area2(poly: &[[f32; 2]]) -> f32 {
    (0..poly.len())
        .map(|i| {
            let (a, b) = (poly[i], poly[(i + 1) % poly.len()]);
            a[0] * b[1] - b[0] * a[1]
        })
        .sum()
}

/// The outline counter-clockwise, without a repeated closing point or repeated corners.
pub fn tidy(poly: &[[f32; 2]]) -> Vec<[f32; 2]> {
    let mut out: Vec<[f32; 2]> = Vec::with_capacity(poly.len());
    for &p in poly {
        if out.last().is_none_or(|q| (q[0] - p[0]).abs() + (q[1] - p[1]).abs() > 1e-3) {
            out.push(p);
        }
    }
    while out.len() > 1 && {
        let (f, l) = (out[0], out[out.len() - 1]);
        (f[0] - l[0]).abs() + (f[1] - l[1]).abs() <= 1e-3
    } {
        out.pop();
    }
    if area2(&out) < 0.0 {
        out.reverse();
    }
    out
}

/// Triangles covering a simple counter-clockwise polygon: indices into it
/// ([`pilotzone_routing::geom::triangulate`]).
pub fn triangulate(poly: &[[f32; 2]]) -> Vec<u32> {
    use pilotzone_routing::Vec2;
    let points: Vec<Vec2> = poly.iter().map(|p| Vec2::new(f64::from(p[0]), f64::from(p[1]))).collect();
    pilotzone_routing::geom::triangulate(&points)
}

/// A flat polygon at height `h`, facing up.
pub fn flat(poly: &[[f32; 2]], h: f32) -> MeshData {
    let poly = tidy(poly);
    let mut mesh = MeshData::default();
    if poly.len() < 3 {
        return mesh;
    }
    let tris = triangulate(&poly);
    for t in tris.chunks_exact(3) {
        let [a, b, c] = [t[0], t[1], t[2]].map(|i| world(poly[i as usize], h));
        mesh.triangle(a, b, c, [0.0, 1.0, 0.0]);
    }
    mesh
}

/// A prism from `floor` to `top` over a footprint: walls facing out and a roof.
pub fn prism(poly: &[[f32; 2]], floor: f32, top: f32) -> MeshData {
    let outline = tidy(poly);
    let mut mesh = flat(&outline, top);
    for i in 0..outline.len() {
        let (a, b) = (outline[i], outline[(i + 1) % outline.len()]);
        let (dx, dn) = (b[0] - a[0], b[1] - a[1]);
        let len = dx.hypot(dn);
        if len < 1e-4 {
            continue;
        }
        // Outward is to the right of a counter-clockwise edge.
        let normal = [dn / len, 0.0, dx / len];
        mesh.quad([world(a, floor), world(b, floor), world(b, top), world(a, top)], normal);
    }
    mesh
}

/// A flat ribbon `width` wide along a polyline at height `h`, with mitred joins.
pub fn ribbon(line: &[[f32; 2]], width: f32, h: f32) -> MeshData {
    let mut mesh = MeshData::default();
    let half = width / 2.0;
    let dir = |a: [f32; 2], b: [f32; 2]| {
        let (dx, dn) = (b[0] - a[0], b[1] - a[1]);
        let len = dx.hypot(dn).max(1e-6);
        [dx / len, dn / len]
    };
    // Offsets to the left of travel at every point, averaged at bends (limited mitre).
    let offsets: Vec<[f32; 2]> = (0..line.len())
        .map(|i| {
            let d_in = if i > 0 { dir(line[i - 1], line[i]) } else { dir(line[i], line[(i + 1).min(line.len() - 1)]) };
            let d_out = if i + 1 < line.len() { dir(line[i], line[i + 1]) } else { d_in };
            let (sx, sn) = (d_in[0] + d_out[0], d_in[1] + d_out[1]);
            let len = sx.hypot(sn).max(1e-6);
            let tangent = [sx / len, sn / len];
            let cos = (tangent[0] * d_out[0] + tangent[1] * d_out[1]).max(0.5);
            [-tangent[1] * half / cos, tangent[0] * half / cos]
        })
        .collect();
    for i in 0..line.len().saturating_sub(1) {
        let (a, b, oa, ob) = (line[i], line[i + 1], offsets[i], offsets[i + 1]);
        mesh.quad(
            [
                world([a[0] - oa[0], a[1] - oa[1]], h),
                world([b[0] - ob[0], b[1] - ob[1]], h),
                world([b[0] + ob[0], b[1] + ob[1]], h),
                world([a[0] + oa[0], a[1] + oa[1]], h),
            ],
            [0.0, 1.0, 0.0],
        );
    }
    mesh
}

/// A regular polygon of `sides` round `centre`: junction disks, pads.
pub fn disk(centre: [f32; 2], radius: f32, sides: usize, h: f32) -> MeshData {
    let poly: Vec<[f32; 2]> = (0..sides)
        .map(|k| {
            let a = k as f32 / sides as f32 * std::f32::consts::TAU;
            [centre[0] + radius * a.cos(), centre[1] + radius * a.sin()]
        })
        .collect();
    flat(&poly, h)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn area_of(mesh: &MeshData) -> f32 {
        mesh.indices
            .chunks_exact(3)
            .map(|t| {
                let [a, b, c] = [t[0], t[1], t[2]].map(|i| mesh.positions[i as usize]);
                let n = cross(sub(b, a), sub(c, a));
                dot(n, n).sqrt() / 2.0
            })
            .sum()
    }

    #[test]
    fn an_l_shaped_footprint_is_covered_exactly_and_faces_up() {
        // Clockwise on purpose: the outline is turned round.
        let l = [[0.0, 0.0], [0.0, 20.0], [10.0, 20.0], [10.0, 10.0], [20.0, 10.0], [20.0, 0.0], [0.0, 0.0]];
        let mesh = flat(&l, 0.0);
        assert_eq!(mesh.indices.len(), 4 * 3, "six corners, four triangles");
        assert!((area_of(&mesh) - 300.0).abs() < 1e-3, "area {}", area_of(&mesh));
        for t in mesh.indices.chunks_exact(3) {
            let [a, b, c] = [t[0], t[1], t[2]].map(|i| mesh.positions[i as usize]);
            assert!(cross(sub(b, a), sub(c, a))[1] > 0.0, "every triangle faces up");
        }
    }

    #[test]
    fn a_prism_has_outward_walls_and_a_roof_at_its_height() {
        let square = [[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]];
        let mesh = prism(&square, 0.0, 6.0);
        assert!((area_of(&mesh) - (100.0 + 4.0 * 60.0)).abs() < 1e-3);
        let centre = [5.0, 3.0, -5.0];
        for (t, n) in mesh.indices.chunks_exact(3).zip(mesh.normals.chunks_exact(3)) {
            let a = mesh.positions[t[0] as usize];
            let winding = cross(sub(mesh.positions[t[1] as usize], a), sub(mesh.positions[t[2] as usize], a));
            assert!(dot(winding, n[0]) > 0.0, "winding agrees with the normal");
            assert!(dot(sub(a, centre), n[0]) > 0.0, "faces away from the inside");
        }
        assert!(mesh.positions.iter().all(|p| p[1] == 0.0 || p[1] == 6.0));
    }

    #[test]
    fn north_is_minus_z() {
        assert_eq!(world([3.0, 4.0], 1.0), [3.0, 1.0, -4.0]);
    }

    #[test]
    fn a_ribbon_is_as_wide_as_asked_along_a_bend() {
        let mesh = ribbon(&[[0.0, 0.0], [100.0, 0.0], [100.0, 50.0]], 7.0, 0.1);
        let expected = 7.0 * 150.0;
        assert!((area_of(&mesh) - expected).abs() / expected < 0.01, "area {}", area_of(&mesh));
        assert!(mesh.positions.iter().all(|p| (p[1] - 0.1).abs() < 1e-6));
    }

    #[test]
    fn degenerate_outlines_give_no_triangles_rather_than_a_panic() {
        assert!(flat(&[], 0.0).is_empty());
        assert!(flat(&[[1.0, 1.0], [1.0, 1.0], [2.0, 2.0]], 0.0).is_empty());
        let bow_tie = [[0.0, 0.0], [10.0, 10.0], [10.0, 0.0], [0.0, 10.0]];
        assert!(!flat(&bow_tie, 0.0).is_empty(), "a self-crossing outline still draws");
    }
}

//! Property tests of the airspace planner over random no-fly volumes from a fixed seed list:
//! a returned path never enters a volume, on its level legs or on its vertical ones, and a
//! refusal gives a reason that holds. A failure names the seed and the case.

use pilotzone_routing::airspace::path_length_m;
use pilotzone_routing::geom::{point_in_polygon, segment_enters_polygon};
use pilotzone_routing::{AirspacePlanner, NoPath, Obstacle, Vec2, Waypoint};

const SEEDS: [u64; 16] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 42, 1234, 2026];
const CASES_PER_SEED: usize = 60;

struct Stream(u64);

impl Stream {
    fn unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
}

/// A random volume: a rotated rectangle, a regular polygon or an L-shaped (concave) block.
fn volume(rng: &mut Stream, i: usize) -> Obstacle {
    let c = Vec2::new(rng.range(-400.0, 400.0), rng.range(-400.0, 400.0));
    let turn = rng.range(0.0, std::f64::consts::TAU);
    let rotate =
        |p: Vec2| Vec2::new(c.x + p.x * turn.cos() - p.y * turn.sin(), c.y + p.x * turn.sin() + p.y * turn.cos());
    let polygon: Vec<Vec2> = match (rng.unit() * 3.0) as u32 {
        0 => {
            let (w, h) = (rng.range(20.0, 200.0), rng.range(20.0, 200.0));
            [(-w, -h), (w, -h), (w, h), (-w, h)].iter().map(|&(x, y)| rotate(Vec2::new(x / 2.0, y / 2.0))).collect()
        }
        1 => {
            let (sides, r) = (3 + (rng.unit() * 6.0) as u32, rng.range(20.0, 120.0));
            (0..sides)
                .map(|k| {
                    let a = std::f64::consts::TAU * f64::from(k) / f64::from(sides);
                    rotate(Vec2::new(r * a.cos(), r * a.sin()))
                })
                .collect()
        }
        _ => {
            let (a, b) = (rng.range(60.0, 200.0), rng.range(20.0, 50.0));
            [(0.0, 0.0), (a, 0.0), (a, b), (b, b), (b, a), (0.0, a)]
                .iter()
                .map(|&(x, y)| rotate(Vec2::new(x, y)))
                .collect()
        }
    };
    let floor_m = if rng.unit() < 0.7 { 0.0 } else { rng.range(0.0, 80.0) };
    Obstacle { name: format!("v{i}"), polygon, floor_m, ceiling_m: floor_m + rng.range(20.0, 150.0) }
}

/// Whether the straight leg from `a` to `b` passes through `o`.
fn leg_enters(a: &Waypoint, b: &Waypoint, o: &Obstacle) -> bool {
    let inside_band = |z: f64| (o.floor_m..=o.ceiling_m).contains(&z);
    if a.at == b.at {
        // Vertical: through the column if the point is inside and the heights overlap.
        let (lo, hi) = (a.z_m.min(b.z_m), a.z_m.max(b.z_m));
        return point_in_polygon(a.at, &o.polygon) && lo <= o.ceiling_m && hi >= o.floor_m;
    }
    assert_eq!(a.z_m, b.z_m, "the planner climbs and descends only vertically: {a} → {b}");
    inside_band(a.z_m) && (segment_enters_polygon(a.at, b.at, &o.polygon) || point_in_polygon(a.at, &o.polygon))
}

#[test]
fn no_returned_path_enters_a_volume() {
    let (mut planned, mut refused) = (0, 0);
    for seed in SEEDS {
        let mut rng = Stream(seed);
        for case in 0..CASES_PER_SEED {
            let volumes: Vec<Obstacle> = (0..1 + (rng.unit() * 8.0) as usize).map(|i| volume(&mut rng, i)).collect();
            let planner = AirspacePlanner::new(volumes.clone(), rng.range(2.0, 15.0));
            let start = Vec2::new(rng.range(-500.0, 500.0), rng.range(-500.0, 500.0));
            let end = Vec2::new(rng.range(-500.0, 500.0), rng.range(-500.0, 500.0));
            let (start_z, end_z, cruise) = (rng.range(0.0, 10.0), rng.range(0.0, 10.0), rng.range(30.0, 140.0));
            match planner.plan(start, start_z, end, cruise, end_z) {
                Ok(path) => {
                    planned += 1;
                    assert_eq!(
                        path.first().map(|w| (w.at, w.z_m)),
                        Some((start, start_z)),
                        "seed {seed} case {case}: starts elsewhere"
                    );
                    assert_eq!(
                        path.last().map(|w| (w.at, w.z_m)),
                        Some((end, end_z)),
                        "seed {seed} case {case}: ends elsewhere"
                    );
                    assert!(
                        path_length_m(&path) >= start.distance(end) - 1e-6,
                        "seed {seed} case {case}: shorter than straight"
                    );
                    for leg in path.windows(2) {
                        for o in &volumes {
                            assert!(
                                !leg_enters(&leg[0], &leg[1], o),
                                "seed {seed} case {case}: leg {} → {} enters {}",
                                leg[0],
                                leg[1],
                                o.name
                            );
                        }
                    }
                }
                Err(NoPath::EndpointInside { which, volume }) => {
                    refused += 1;
                    let o = volumes.iter().find(|o| o.name == volume).expect("names a volume");
                    let (p, low) = if which == "start" { (start, start_z.min(cruise)) } else { (end, end_z) };
                    assert!(point_in_polygon(p, &o.polygon), "seed {seed} case {case}: {which} is not under {volume}");
                    assert!(
                        o.floor_m <= cruise.max(low) && o.ceiling_m >= low,
                        "seed {seed} case {case}: {volume} is out of the way"
                    );
                }
                Err(NoPath::Blocked { altitude_m }) => {
                    refused += 1;
                    assert_eq!(altitude_m, cruise, "seed {seed} case {case}");
                    // Something at that height must stand between the two.
                    assert!(
                        volumes.iter().any(|o| (o.floor_m..=o.ceiling_m).contains(&cruise)
                            && segment_enters_polygon(start, end, &o.polygon)),
                        "seed {seed} case {case}: refused with nothing in the way"
                    );
                }
            }
        }
    }
    // The generator must exercise both outcomes.
    assert!(planned > 500 && refused > 20, "planned {planned}, refused {refused}");
}

#[test]
fn a_target_walled_in_by_volumes_has_no_path_and_says_why() {
    for seed in SEEDS {
        let mut rng = Stream(seed);
        let c = Vec2::new(rng.range(-100.0, 100.0), rng.range(-100.0, 100.0));
        let (r, t) = (rng.range(60.0, 150.0), rng.range(10.0, 30.0));
        let wall = |name: &str, x0: f64, y0: f64, x1: f64, y1: f64| Obstacle {
            name: name.into(),
            polygon: vec![
                Vec2::new(c.x + x0, c.y + y0),
                Vec2::new(c.x + x1, c.y + y0),
                Vec2::new(c.x + x1, c.y + y1),
                Vec2::new(c.x + x0, c.y + y1),
            ],
            floor_m: 0.0,
            ceiling_m: 150.0,
        };
        let ring = vec![
            wall("north", -r, r - t, r, r),
            wall("south", -r, -r, r, -r + t),
            wall("west", -r, -r, -r + t, r),
            wall("east", r - t, -r, r, r),
        ];
        let planner = AirspacePlanner::new(ring, rng.range(2.0, 10.0));
        let outside = Vec2::new(c.x + 3.0 * r, c.y + rng.range(-r, r));
        let cruise = rng.range(30.0, 140.0);
        let refusal =
            planner.plan(outside, 0.0, c, cruise, 5.0).expect_err(&format!("seed {seed}: flew into a walled yard"));
        assert_eq!(refusal, NoPath::Blocked { altitude_m: cruise }, "seed {seed}");
        assert!(refusal.to_string().contains("no way through"), "seed {seed}: {refusal}");
        assert!(planner.plan(c, 0.0, outside, cruise, 5.0).is_err(), "seed {seed}: flew out of a walled yard");
    }
}

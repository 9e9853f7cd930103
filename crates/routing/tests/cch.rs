//! Differential tests: the customizable contraction hierarchy against plain Dijkstra on random
//! graphs from a fixed seed list and on a real OpenStreetMap extract. A failure names the seed
//! and the pair.

use pilotzone_routing::dijkstra::{self, Workspace};
use pilotzone_routing::{ArcSpec, CLOSED, Cch, CchMetric, Metric, Query, RoadGraph, Table, UNREACHABLE, Vec2};

const SEEDS: [u64; 12] = [1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 2026];

/// A deterministic pseudo-random stream (SplitMix64).
struct Stream(u64);

impl Stream {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A road-like random graph: points in a square, each joined to a few near neighbours, some
/// roads one-way, some parallel, a few closed, and now and then a separate island.
fn random_town(seed: u64) -> (RoadGraph, Vec<Vec2>, Metric) {
    let mut rng = Stream(seed);
    let n = 40 + rng.below(260) as u32;
    let positions: Vec<Vec2> = (0..n).map(|_| Vec2::new(rng.below(10_000) as f64, rng.below(10_000) as f64)).collect();
    let mut arcs = Vec::new();
    for u in 0..n {
        let mut near: Vec<u32> = (0..n).filter(|&v| v != u).collect();
        near.sort_by(|&a, &b| {
            let (da, db) = (
                positions[u as usize].distance(positions[a as usize]),
                positions[u as usize].distance(positions[b as usize]),
            );
            da.total_cmp(&db).then(a.cmp(&b))
        });
        for &v in near.iter().take(1 + rng.below(3) as usize) {
            let length_m = positions[u as usize].distance(positions[v as usize]) + 1.0;
            arcs.push(ArcSpec { from: u, to: v, length_m });
            if rng.below(4) != 0 {
                arcs.push(ArcSpec { from: v, to: u, length_m });
            }
            if rng.below(20) == 0 {
                arcs.push(ArcSpec { from: u, to: v, length_m: length_m * 0.9 });
            }
        }
    }
    let g = RoadGraph::new(n, &arcs);
    let speeds: Vec<f64> =
        (0..g.arc_count()).map(|_| if rng.below(25) == 0 { 0.0 } else { 20.0 + rng.below(60) as f64 }).collect();
    let metric = g.metric_from_speeds(|arc| speeds[arc as usize]);
    (g, positions, metric)
}

fn reference(g: &RoadGraph, metric: &Metric, s: u32, t: u32) -> Option<u32> {
    let mut ws = Workspace::new(g);
    let mut path = Vec::new();
    dijkstra::shortest_path(g, metric, &mut ws, s, t, &mut path)
}

/// Checks every query kind on `pairs` against Dijkstra.
fn check(label: &str, g: &RoadGraph, cch: &Cch, cm: &CchMetric, metric: &Metric, pairs: &[(u32, u32)]) {
    let mut q = Query::new(cch);
    let mut path = Vec::new();
    for &(s, t) in pairs {
        let want = reference(g, metric, s, t);
        assert_eq!(q.distance(cch, cm, s, t), want, "{label}: distance {s} → {t}");
        assert_eq!(q.path(cch, cm, s, t, &mut path), want, "{label}: path {s} → {t}");
        if let Some(d) = want {
            let mut at = s;
            let mut total = 0u64;
            for &arc in &path {
                assert_eq!(g.tail(arc), at, "{label}: path {s} → {t} is not connected at arc {arc}");
                assert_ne!(metric[arc as usize], CLOSED, "{label}: path {s} → {t} uses closed arc {arc}");
                total += u64::from(metric[arc as usize]);
                at = g.head(arc);
            }
            assert_eq!(at, t, "{label}: path {s} → {t} ends elsewhere");
            assert_eq!(total, u64::from(d), "{label}: path {s} → {t} does not add up");
        }
    }
    let sources: Vec<u32> = pairs.iter().map(|p| p.0).take(15).collect();
    let targets: Vec<u32> = pairs.iter().map(|p| p.1).take(12).collect();
    let mut out = vec![0; sources.len() * targets.len()];
    Table::new().run(cch, cm, &sources, &targets, &mut out);
    for (i, &s) in sources.iter().enumerate() {
        for (j, &t) in targets.iter().enumerate() {
            let want = reference(g, metric, s, t).unwrap_or(UNREACHABLE);
            assert_eq!(out[i * targets.len() + j], want, "{label}: table {s} → {t}");
        }
    }
}

fn pairs(rng: &mut Stream, n: u32, count: usize) -> Vec<(u32, u32)> {
    (0..count).map(|_| (rng.below(u64::from(n)) as u32, rng.below(u64::from(n)) as u32)).collect()
}

/// Slows about one arc in twelve by half and closes one in forty, as a school-zone rule and a
/// few closures would.
fn rule_change(rng: &mut Stream, metric: &Metric) -> Metric {
    metric
        .iter()
        .map(|&w| match rng.below(40) {
            0 => CLOSED,
            1..=3 if w != CLOSED => w + w / 2,
            _ => w,
        })
        .collect()
}

#[test]
fn queries_and_tables_equal_dijkstra_on_random_towns() {
    for seed in SEEDS {
        let (g, positions, metric) = random_town(seed);
        let cch = Cch::new(&g, &positions);
        let mut cm = CchMetric::new(&cch, &metric);
        let mut rng = Stream(seed ^ 0xABCD);
        let ps = pairs(&mut rng, g.node_count(), 60);
        check(&format!("seed {seed}"), &g, &cch, &cm, &metric, &ps);
        let changed = rule_change(&mut rng, &metric);
        cm.update(&cch, &changed);
        assert!(cm == CchMetric::new(&cch, &changed), "seed {seed}: partial customization differs from a full one");
        check(&format!("seed {seed} after a rule change"), &g, &cch, &cm, &changed, &ps);
    }
}

#[test]
fn preparing_twice_gives_identical_hierarchies() {
    let (g, positions, metric) = random_town(7);
    assert_eq!(Cch::new(&g, &positions), Cch::new(&g, &positions));
    let cch = Cch::new(&g, &positions);
    assert_eq!(CchMetric::new(&cch, &metric), CchMetric::new(&cch, &metric));
}
#[test]
fn queries_equal_dijkstra_on_a_real_extract() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/kotka.osm.pbf");
    let raw = pilotzone_osm::read(std::path::Path::new(path)).expect("the vendored extract reads");
    let (raw, _) = raw.largest_scc();
    let contracted = pilotzone_osm::Contracted::build(&raw);
    let g = &contracted.graph;
    let metric = contracted.lift_metric(&raw.travel_times_ms());
    let cch = Cch::new(g, &contracted.xy);
    let mut cm = CchMetric::new(&cch, &metric);
    let mut rng = Stream(99);
    let n = g.node_count();
    let all: Vec<(u32, u32)> = (0..n).flat_map(|s| (0..n).map(move |t| (s, t))).filter(|_| rng.below(8) == 0).collect();
    check("kotka", g, &cch, &cm, &metric, &all);
    let changed = rule_change(&mut rng, &metric);
    cm.update(&cch, &changed);
    check("kotka after a rule change", g, &cch, &cm, &changed, &all);
}

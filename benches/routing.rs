//! The routing core against its anchors on a real road network, in one binary and one run:
//! `fast_paths` (contraction hierarchies), `cch` (customizable contraction hierarchies, a port
//! of RoutingKit) and a plain Dijkstra, on the same network and the same fixed query set.
//!
//! ```text
//! scripts/fetch-maps.sh
//! cargo bench --bench routing -- --map target/bench-data/isle-of-man.osm.pbf
//! cargo bench --bench routing -- --map target/bench-data/goteborg.geojson [--anchors-on-contracted]
//! ```
//!
//! The anchors and Dijkstra get the network as OpenStreetMap draws it, every shape point a
//! node, which is how they are fed in practice; pilotzone contracts degree-2 chains as part of
//! its preparation (counted in its preprocessing time). `--anchors-on-contracted` hands the
//! anchors the contracted graph too. Engines run interleaved, repetition by repetition, and
//! each cell is the median. Every engine's answers are checked against Dijkstra's, so the
//! benchmark is also a correctness check. Without `--bench` (as under `cargo test --benches`)
//! it runs once on the small vendored extract.
//!
//! The last line reads `ratios: p2p_path_vs_fast_paths=X …`, each X being the anchor's time
//! over pilotzone's (above 1: pilotzone is faster).

#![expect(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::disallowed_methods,
    reason = "a benchmark binary times with the wall clock and prints its table"
)]

mod common;
use common::median;

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use pilotzone_osm::{Contracted, RawNetwork};
use pilotzone_routing::dijkstra::{self, Workspace};
use pilotzone_routing::{ArcSpec, CLOSED, Cch, CchMetric, Metric, Query, RoadGraph, Table, UNREACHABLE, Vec2};

/// Share of arcs a rule change slows by half (a school zone), and how many it closes.
const SLOWED_SHARE: f64 = 0.02;
const CLOSED_ARCS: usize = 20;

struct Options {
    map: PathBuf,
    bench: bool,
    anchors_on_contracted: bool,
}

fn options() -> Result<Options, String> {
    let mut map = None;
    let (mut bench, mut anchors_on_contracted) = (false, false);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--bench" => bench = true,
            "--map" => {
                map = Some(PathBuf::from(args.next().ok_or("--map needs a file: an OSM PBF or GeoJSON extract")?))
            }
            "--anchors-on-contracted" => anchors_on_contracted = true,
            // Flags cargo passes to every bench binary.
            "--test" | "--nocapture" | "--quiet" | "-q" => {}
            other if other.starts_with("--") => {
                return Err(format!("unknown flag {other}; use --map FILE [--anchors-on-contracted]"));
            }
            _ => {}
        }
    }
    let map = map.unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/kotka.osm.pbf"));
    Ok(Options { map, bench, anchors_on_contracted })
}

/// A deterministic pseudo-random stream (SplitMix64) for the query set and the rule change.
struct Stream(u64);

impl Stream {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) % n as u64) as usize
    }
}

/// The graph the anchors and Dijkstra see.
struct AnchorGraph {
    graph: RoadGraph,
    positions: Vec<Vec2>,
    base: Metric,
    changed: Metric,
}

fn main() {
    let opts = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("routing bench: {e}");
            std::process::exit(2);
        }
    };
    let raw = match pilotzone_osm::read(&opts.map) {
        Ok(raw) => raw.largest_scc().0,
        Err(e) => {
            eprintln!("routing bench: {e}\n  fetch the benchmark maps with scripts/fetch-maps.sh");
            std::process::exit(2);
        }
    };
    run(&opts, &raw);
}

fn run(opts: &Options, raw: &RawNetwork) {
    let reps = if opts.bench { 7 } else { 1 };
    let (pairs_n, table_n) = if opts.bench { (1000, 1000) } else { (100, 100) };
    let raw_base = raw.travel_times_ms();
    let mut rng = Stream(20_261_124);
    let mut raw_changed = raw_base.clone();
    let mut changed_raw_arcs = Vec::new();
    for _ in 0..(raw_base.len() as f64 * SLOWED_SHARE) as usize {
        let a = rng.below(raw_base.len());
        raw_changed[a] = raw_base[a] + raw_base[a] / 2;
        changed_raw_arcs.push(a as u32);
    }
    for _ in 0..CLOSED_ARCS {
        let a = rng.below(raw_base.len());
        raw_changed[a] = CLOSED;
        changed_raw_arcs.push(a as u32);
    }

    // pilotzone: chains contracted, then the hierarchy.
    let ((contracted, cch, ours_base), prep_ours) = median(reps.min(3), || {
        let contracted = Contracted::build(raw);
        let cch = Cch::new(&contracted.graph, &contracted.xy);
        let metric = CchMetric::new(&cch, &contracted.lift_metric(&raw_base));
        (contracted, cch, metric)
    });
    let ours_changed_metric = contracted.lift_metric(&raw_changed);
    let ours_base_metric = contracted.lift_metric(&raw_base);

    let anchor = if opts.anchors_on_contracted {
        AnchorGraph {
            graph: contracted.graph.clone(),
            positions: contracted.xy.clone(),
            base: ours_base_metric.clone(),
            changed: ours_changed_metric.clone(),
        }
    } else {
        let arcs: Vec<ArcSpec> =
            raw.arcs.iter().map(|a| ArcSpec { from: a.from, to: a.to, length_m: a.length_m }).collect();
        let graph = RoadGraph::new(raw.node_count(), &arcs);
        let mut base = vec![0; arcs.len()];
        let mut changed = vec![0; arcs.len()];
        for i in 0..arcs.len() {
            base[graph.arc_of_input(i) as usize] = raw_base[i];
            changed[graph.arc_of_input(i) as usize] = raw_changed[i];
        }
        AnchorGraph { graph, positions: raw.xy.clone(), base, changed }
    };
    // Queries between junctions, which both graphs have.
    let junctions: Vec<u32> =
        (0..raw.node_count()).filter(|&r| contracted.node_of_raw[r as usize] != u32::MAX).collect();
    let anchor_id = |r: u32| if opts.anchors_on_contracted { contracted.node_of_raw[r as usize] } else { r };
    let pick =
        |rng: &mut Stream, n: usize| -> Vec<u32> { (0..n).map(|_| junctions[rng.below(junctions.len())]).collect() };
    let (q_from, q_to) = (pick(&mut rng, pairs_n), pick(&mut rng, pairs_n));
    let (t_from, t_to) = (pick(&mut rng, table_n), pick(&mut rng, table_n));
    let ours_of = |v: &[u32]| -> Vec<u32> { v.iter().map(|&r| contracted.node_of_raw[r as usize]).collect() };
    let anchor_of = |v: &[u32]| -> Vec<u32> { v.iter().map(|&r| anchor_id(r)).collect() };

    let mut report = Report::default();
    report.prep[OURS] = Some(prep_ours);
    println!(
        "routing bench: {} — network {} nodes / {} arcs as drawn, {} / {} with chains contracted; anchors and Dijkstra on the {} graph",
        opts.map.display(),
        raw.node_count(),
        raw.arcs.len(),
        contracted.graph.node_count(),
        contracted.graph.arc_count(),
        if opts.anchors_on_contracted { "contracted" } else { "as-drawn" },
    );
    println!(
        "hierarchy: {} edges, {} triangles, elimination tree height {}; rule change: {} arcs slowed ×1.5, {} closed",
        cch.edge_count(),
        cch.triangle_count(),
        cch.height(),
        changed_raw_arcs.len() - CLOSED_ARCS,
        CLOSED_ARCS
    );

    // Reference answers from Dijkstra on the anchor graph.
    let g = &anchor.graph;
    let mut ws = Workspace::new(g);
    let mut path = Vec::new();
    let a_from = anchor_of(&q_from);
    let a_to = anchor_of(&q_to);
    let truth: Vec<u32> = a_from
        .iter()
        .zip(&a_to)
        .map(|(&s, &t)| dijkstra::shortest_path(g, &anchor.base, &mut ws, s, t, &mut path).unwrap_or(UNREACHABLE))
        .collect();
    let truth_changed =
        dijkstra::shortest_path(g, &anchor.changed, &mut ws, a_from[0], a_to[0], &mut path).unwrap_or(UNREACHABLE);
    let checksum: u64 = truth.iter().map(|&d| u64::from(d)).sum();

    let anchors = anchors::Anchors::prepare(&anchor, reps.min(3), &mut report);

    // Point-to-point rows, interleaved engine by engine within each repetition.
    let (o_from, o_to) = (ours_of(&q_from), ours_of(&q_to));
    let mut q = Query::new(&cch);
    let mut fp = anchors.fast_paths_calculator();
    let cch_view = anchors.cch_view();
    let mut cp = cch::PathQuery::new(&cch_view);
    assert_eq!(anchors.cch_checked_paths(&mut cp, &a_from, &a_to, g, &anchor.base), checksum, "cch paths");
    let mut samples = Samples::default();
    for _ in 0..reps {
        samples.time(P2P_PATH, DIJKSTRA, || {
            let sum: u64 = a_from
                .iter()
                .zip(&a_to)
                .map(|(&s, &t)| {
                    u64::from(dijkstra::shortest_path(g, &anchor.base, &mut ws, s, t, &mut path).unwrap_or(UNREACHABLE))
                })
                .sum();
            assert_eq!(sum, checksum, "Dijkstra disagrees with itself");
        });
        samples.time(P2P_PATH, FAST_PATHS, || {
            assert_eq!(anchors.fast_paths_p2p(&mut fp, &a_from, &a_to), checksum, "fast_paths")
        });
        samples.time(P2P, CCH, || assert_eq!(anchors.cch_distance(&a_from, &a_to), checksum, "cch distance"));
        samples.time(P2P_PATH, CCH, || {
            black_box(anchors.cch_path(&mut cp, &a_from, &a_to));
        });
        samples.time(P2P, OURS, || {
            let sum: u64 = o_from
                .iter()
                .zip(&o_to)
                .map(|(&s, &t)| u64::from(q.distance(&cch, &ours_base, s, t).unwrap_or(UNREACHABLE)))
                .sum();
            assert_eq!(sum, checksum, "pilotzone distance");
        });
        samples.time(P2P_PATH, OURS, || {
            let sum: u64 = o_from
                .iter()
                .zip(&o_to)
                .map(|(&s, &t)| u64::from(q.path(&cch, &ours_base, s, t, &mut path).unwrap_or(UNREACHABLE)))
                .sum();
            assert_eq!(sum, checksum, "pilotzone path");
        });
    }
    // fast_paths always unpacks its path; its distance is the same query.
    samples.copy(P2P_PATH, P2P, FAST_PATHS);
    samples.copy(P2P_PATH, P2P, DIJKSTRA);
    for engine in 0..ENGINES {
        for row in [P2P, P2P_PATH] {
            report.cell[row][engine] = samples.median(row, engine).map(|d| d / pairs_n as u32);
        }
    }

    // Rule changes, alternating between the changed and the base metric so that every
    // repetition is a real change; each ends with one query answered correctly.
    let mut ours = ours_base.clone();
    let mut ours_metric = ours_base_metric.clone();
    let mut anchor_state = anchors.rule_state();
    let (s0, t0) = (o_from[0], o_to[0]);
    for rep in 0..reps.max(2) * 2 {
        let to_changed = rep % 2 == 0;
        let want = if to_changed { truth_changed } else { truth[0] };
        samples.time(RULE, FAST_PATHS, || {
            assert_eq!(anchors.fast_paths_rule_change(to_changed, a_from[0], a_to[0]), want)
        });
        samples.time(RULE, CCH, || {
            assert_eq!(anchors.cch_rule_change(&mut anchor_state, to_changed, a_from[0], a_to[0]), want)
        });
        samples.time(RULE, OURS, || {
            let raw_now = if to_changed { &raw_changed } else { &raw_base };
            for &r in &changed_raw_arcs {
                let arc = contracted.arc_of_raw[r as usize];
                ours_metric[arc as usize] = contracted
                    .raw_arcs_of(arc)
                    .iter()
                    .map(|&x| raw_now[x as usize])
                    .try_fold(0u32, |sum, w| if w == CLOSED { None } else { Some(sum.saturating_add(w)) })
                    .unwrap_or(CLOSED);
            }
            ours.update(&cch, &ours_metric);
            assert_eq!(q.distance(&cch, &ours, s0, t0).unwrap_or(UNREACHABLE), want, "pilotzone after a rule change");
        });
    }
    assert!(ours == CchMetric::new(&cch, &ours_base_metric), "partial customization drifted from a full one");
    for engine in 0..ENGINES {
        report.cell[RULE][engine] = samples.median(RULE, engine);
    }

    // Tables.
    let mut table = Table::new();
    for (row, n) in [(ONE_TO_100, 100usize.min(table_n)), (TABLE_100, 100usize.min(table_n)), (TABLE_1000, table_n)] {
        let sources: Vec<u32> = if row == ONE_TO_100 { t_from[..1].to_vec() } else { t_from[..n].to_vec() };
        let targets = &t_to[..n];
        let (a_s, a_t) = (anchor_of(&sources), anchor_of(targets));
        let (o_s, o_t) = (ours_of(&sources), ours_of(targets));
        let mut out = vec![0u32; o_s.len() * o_t.len()];
        // Reference: one Dijkstra from each source.
        let mut truth = vec![0u32; out.len()];
        for (i, &s) in a_s.iter().enumerate() {
            dijkstra::from_source(g, &anchor.base, &mut ws, s, u32::MAX - 1);
            for (j, &t) in a_t.iter().enumerate() {
                truth[i * a_t.len() + j] = ws.dist(t);
            }
        }
        let truth_sum: u64 = truth.iter().map(|&d| u64::from(d)).sum();
        let table_reps = if row == TABLE_1000 { reps.min(3) } else { reps };
        for rep in 0..table_reps {
            if rep == 0 || row != TABLE_1000 {
                samples.time(row, DIJKSTRA, || {
                    let mut sum = 0u64;
                    for &s in &a_s {
                        dijkstra::from_source(g, &anchor.base, &mut ws, s, u32::MAX - 1);
                        sum += a_t.iter().map(|&t| u64::from(ws.dist(t))).sum::<u64>();
                    }
                    assert_eq!(sum, truth_sum, "Dijkstra table");
                });
            }
            // fast_paths has no table; it answers cell by cell (once for the big table).
            if rep == 0 || row != TABLE_1000 {
                samples.time(row, FAST_PATHS, || {
                    assert_eq!(anchors.fast_paths_table(&mut fp, &a_s, &a_t), truth_sum, "fast_paths table")
                });
            }
            samples.time(row, CCH, || assert_eq!(anchors.cch_table(&a_s, &a_t), truth_sum, "cch table"));
            samples.time(row, OURS, || {
                table.run(&cch, &ours_base, &o_s, &o_t, &mut out);
                assert_eq!(out.iter().map(|&d| u64::from(d)).sum::<u64>(), truth_sum, "pilotzone table");
            });
        }
        for engine in 0..ENGINES {
            report.cell[row][engine] = samples.median(row, engine);
        }
    }
    report.table_n = table_n;
    report.print();
}

const DIJKSTRA: usize = 0;
const FAST_PATHS: usize = 1;
const CCH: usize = 2;
const OURS: usize = 3;
const ENGINES: usize = 4;
const PREP: usize = 0;
const RULE: usize = 1;
const P2P: usize = 2;
const P2P_PATH: usize = 3;
const ONE_TO_100: usize = 4;
const TABLE_100: usize = 5;
const TABLE_1000: usize = 6;
const ROWS: usize = 7;

#[derive(Default)]
struct Samples {
    times: [[Vec<Duration>; ENGINES]; ROWS],
}

impl Samples {
    fn time(&mut self, row: usize, engine: usize, f: impl FnOnce()) {
        let start = Instant::now();
        f();
        self.times[row][engine].push(start.elapsed());
    }

    fn copy(&mut self, from: usize, to: usize, engine: usize) {
        self.times[to][engine] = self.times[from][engine].clone();
    }

    fn median(&mut self, row: usize, engine: usize) -> Option<Duration> {
        let t = &mut self.times[row][engine];
        t.sort();
        (!t.is_empty()).then(|| t[t.len() / 2])
    }
}

#[derive(Default)]
struct Report {
    prep: [Option<Duration>; ENGINES],
    cell: [[Option<Duration>; ENGINES]; ROWS],
    table_n: usize,
}

impl Report {
    fn print(&mut self) {
        self.cell[PREP] = self.prep;
        let names = [
            "preprocessing".to_string(),
            "rule change → next correct answer".to_string(),
            "point-to-point distance".to_string(),
            "point-to-point with path".to_string(),
            "one-to-100".to_string(),
            "100×100 table".to_string(),
            format!("{n}×{n} table", n = self.table_n),
        ];
        println!();
        println!(
            "| {:<34} | {:>10} | {:>10} | {:>10} | {:>10} | {:>13} | {:>9} |",
            "", "Dijkstra", "fast_paths", "cch", "pilotzone", "vs fast_paths", "vs cch"
        );
        println!("|{:-<36}|{:->12}|{:->12}|{:->12}|{:->12}|{:->15}|{:->11}|", "", "", "", "", "", "", "");
        for (row, name) in names.iter().enumerate() {
            let c = &self.cell[row];
            println!(
                "| {:<34} | {:>10} | {:>10} | {:>10} | {:>10} | {:>13} | {:>9} |",
                name,
                show(c[DIJKSTRA]),
                show(c[FAST_PATHS]),
                show(c[CCH]),
                show(c[OURS]),
                ratio(c[FAST_PATHS], c[OURS]).map_or("—".into(), |r| format!("{r:.1}×")),
                ratio(c[CCH], c[OURS]).map_or("—".into(), |r| format!("{r:.1}×")),
            );
        }
        let r = |row: usize, engine: usize| ratio(self.cell[row][engine], self.cell[row][OURS]).unwrap_or(f64::NAN);
        println!(
            "ratios: p2p_path_vs_fast_paths={:.2} p2p_path_vs_cch={:.2} rule_change_vs_fast_paths={:.2} rule_change_vs_cch={:.2} table1000_vs_cch={:.2}",
            r(P2P_PATH, FAST_PATHS),
            r(P2P_PATH, CCH),
            r(RULE, FAST_PATHS),
            r(RULE, CCH),
            r(TABLE_1000, CCH),
        );
    }
}

fn ratio(anchor: Option<Duration>, ours: Option<Duration>) -> Option<f64> {
    Some(anchor?.as_secs_f64() / ours?.as_secs_f64().max(1e-12))
}

fn show(d: Option<Duration>) -> String {
    let Some(d) = d else { return "—".into() };
    let s = d.as_secs_f64();
    if s >= 1.0 {
        format!("{s:.2} s")
    } else if s >= 1e-3 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{:.2} µs", s * 1e6)
    }
}

mod anchors {
    //! The anchor engines behind one interface, each used the way its documentation shows.

    use super::*;

    pub struct Anchors {
        fast: fast_paths::FastGraph,
        fast_order: Vec<usize>,
        fast_inputs: [fast_paths::InputGraph; 2],
        cch: cch::Cch,
        cch_graph_weights: [Vec<u32>; 2],
        cch_metric: cch::Metric,
        nodes: usize,
    }

    pub struct RuleState<'a> {
        customizer: cch::Customizer<'a>,
        metric: cch::Metric,
    }

    fn input_graph(g: &RoadGraph, metric: &Metric) -> fast_paths::InputGraph {
        let mut input = fast_paths::InputGraph::new();
        for arc in 0..g.arc_count() {
            let w = metric[arc as usize];
            // fast_paths has no closed weight: a closed road is left out.
            if w != CLOSED && g.tail(arc) != g.head(arc) {
                input.add_edge(g.tail(arc) as usize, g.head(arc) as usize, w as usize);
            }
        }
        input.freeze();
        input
    }

    fn cch_weights(metric: &Metric) -> Vec<u32> {
        metric.iter().map(|&w| if w == CLOSED { cch::INF_WEIGHT } else { w }).collect()
    }

    impl Anchors {
        pub fn prepare(a: &AnchorGraph, reps: usize, report: &mut Report) -> Self {
            let fast_inputs = [input_graph(&a.graph, &a.base), input_graph(&a.graph, &a.changed)];
            let (fast, t) = median(reps, || fast_paths::prepare(&fast_inputs[0]));
            report.prep[FAST_PATHS] = Some(t);
            let fast_order = fast_paths::get_node_ordering(&fast);
            let g = &a.graph;
            let n = g.node_count() as usize;
            let cch_graph = cch::graph::Graph {
                first_out: (0..=g.node_count())
                    .map(|v| if v == g.node_count() { g.arc_count() } else { g.out_arcs(v).start })
                    .collect(),
                head: (0..g.arc_count()).map(|arc| g.head(arc)).collect(),
                weight: cch_weights(&a.base),
            };
            let tail: Vec<u32> = (0..g.arc_count()).map(|arc| g.tail(arc)).collect();
            let lat: Vec<f32> = a.positions.iter().map(|p| p.y as f32).collect();
            let lon: Vec<f32> = a.positions.iter().map(|p| p.x as f32).collect();
            let ((cch, cch_metric), t) = median(reps, || {
                let order = cch::inertial_order(g.node_count(), &tail, &cch_graph.head, &lat, &lon);
                let cch = cch::Cch::build(&cch_graph, &order);
                let metric = cch.customize(&cch_graph.weight);
                (cch, metric)
            });
            report.prep[CCH] = Some(t);
            let cch_graph_weights = [cch_weights(&a.base), cch_weights(&a.changed)];
            Self { fast, fast_order, fast_inputs, cch, cch_graph_weights, cch_metric, nodes: n }
        }

        pub fn fast_paths_calculator(&self) -> fast_paths::PathCalculator {
            fast_paths::create_calculator(&self.fast)
        }

        pub fn cch_view(&self) -> cch::CchView<'_> {
            self.cch.view()
        }

        pub fn fast_paths_p2p(&self, calc: &mut fast_paths::PathCalculator, from: &[u32], to: &[u32]) -> u64 {
            from.iter()
                .zip(to)
                .map(|(&s, &t)| {
                    calc.calc_path(&self.fast, s as usize, t as usize).map_or(u64::from(UNREACHABLE), |p| {
                        black_box(p.get_nodes());
                        p.get_weight() as u64
                    })
                })
                .sum()
        }

        pub fn fast_paths_table(&self, calc: &mut fast_paths::PathCalculator, from: &[u32], to: &[u32]) -> u64 {
            from.iter()
                .map(|&s| {
                    to.iter()
                        .map(|&t| {
                            calc.calc_path(&self.fast, s as usize, t as usize)
                                .map_or(u64::from(UNREACHABLE), |p| p.get_weight() as u64)
                        })
                        .sum::<u64>()
                })
                .sum()
        }

        pub fn cch_distance(&self, from: &[u32], to: &[u32]) -> u64 {
            let view = self.cch.view();
            let metric = self.cch_metric.view();
            from.iter().zip(to).map(|(&s, &t)| unreachable_as_ours(cch::distance(&view, &metric, s, t))).sum()
        }

        /// Times path queries only; [`Self::cch_checked_paths`] checks their lengths untimed.
        pub fn cch_path(&self, query: &mut cch::PathQuery<'_>, from: &[u32], to: &[u32]) -> usize {
            let metric = self.cch_metric.view();
            from.iter()
                .zip(to)
                .map(|(&s, &t)| query.path(&metric, s, t).map_or(0, |nodes| black_box(nodes).len()))
                .sum()
        }

        /// The summed lengths of cch's paths, read off the road graph arc by arc.
        pub fn cch_checked_paths(
            &self,
            query: &mut cch::PathQuery<'_>,
            from: &[u32],
            to: &[u32],
            g: &RoadGraph,
            metric: &Metric,
        ) -> u64 {
            let cch_metric = self.cch_metric.view();
            from.iter()
                .zip(to)
                .map(|(&s, &t)| match query.path(&cch_metric, s, t) {
                    None => u64::from(UNREACHABLE),
                    Some(nodes) => nodes
                        .windows(2)
                        .map(|w| {
                            g.out_arcs(w[0])
                                .filter(|&a| g.head(a) == w[1])
                                .map(|a| u64::from(metric[a as usize]))
                                .min()
                                .expect("cch path follows arcs")
                        })
                        .sum(),
                })
                .sum()
        }

        pub fn cch_table(&self, from: &[u32], to: &[u32]) -> u64 {
            cch::distance_matrix(&self.cch.view(), &self.cch_metric.view(), from, to)
                .into_iter()
                .map(unreachable_as_ours)
                .sum()
        }

        pub fn rule_state(&self) -> RuleState<'_> {
            RuleState { customizer: self.cch.customizer(), metric: self.cch_metric.clone() }
        }

        pub fn fast_paths_rule_change(&self, to_changed: bool, s: u32, t: u32) -> u32 {
            let input = &self.fast_inputs[usize::from(to_changed)];
            let fast = fast_paths::prepare_with_order(input, &self.fast_order).expect("the order fits the graph");
            debug_assert_eq!(fast.get_num_nodes(), self.nodes);
            fast_paths::calc_path(&fast, s as usize, t as usize).map_or(UNREACHABLE, |p| p.get_weight() as u32)
        }

        pub fn cch_rule_change(&self, state: &mut RuleState<'_>, to_changed: bool, s: u32, t: u32) -> u32 {
            state.customizer.customize_into(&self.cch_graph_weights[usize::from(to_changed)], &mut state.metric);
            unreachable_as_ours(cch::distance(&self.cch.view(), &state.metric.view(), s, t)) as u32
        }
    }

    fn unreachable_as_ours(d: u32) -> u64 {
        u64::from(if d >= cch::INF_WEIGHT { UNREACHABLE } else { d })
    }
}

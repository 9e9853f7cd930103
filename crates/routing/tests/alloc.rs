//! Queries must not touch the heap once their workspaces are warm: a counting allocator
//! watches this test's thread while it runs point-to-point queries, paths, tables and a
//! partial re-customization.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use pilotzone_routing::{ArcSpec, Cch, CchMetric, Metric, Query, RoadGraph, Table, Vec2};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

#[expect(unsafe_code, reason = "a global allocator is an unsafe trait; this one only counts and forwards")]
// SAFETY: every call is forwarded unchanged to the system allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

/// A 30 × 30 grid of two-way streets with a few one-way ones.
fn grid() -> (RoadGraph, Vec<Vec2>, Metric) {
    let side = 30u32;
    let id = |x: u32, y: u32| y * side + x;
    let mut arcs = Vec::new();
    for y in 0..side {
        for x in 0..side {
            let length_m = 80.0 + f64::from((x * 7 + y * 13) % 40);
            if x + 1 < side {
                arcs.push(ArcSpec { from: id(x, y), to: id(x + 1, y), length_m });
                if y % 5 != 2 {
                    arcs.push(ArcSpec { from: id(x + 1, y), to: id(x, y), length_m });
                }
            }
            if y + 1 < side {
                arcs.push(ArcSpec { from: id(x, y), to: id(x, y + 1), length_m });
                arcs.push(ArcSpec { from: id(x, y + 1), to: id(x, y), length_m });
            }
        }
    }
    let g = RoadGraph::new(side * side, &arcs);
    let positions =
        (0..side * side).map(|v| Vec2::new(f64::from(v % side) * 100.0, f64::from(v / side) * 100.0)).collect();
    let metric = g.metric_from_speeds(|_| 40.0);
    (g, positions, metric)
}

#[test]
fn warm_queries_do_not_allocate() {
    let (g, positions, metric) = grid();
    let cch = Cch::new(&g, &positions);
    let mut cm = CchMetric::new(&cch, &metric);
    let mut slowed = metric.clone();
    for w in slowed.iter_mut().step_by(37) {
        *w += *w / 2;
    }
    let mut q = Query::new(&cch);
    let mut table = Table::new();
    let mut path = Vec::with_capacity(1024);
    let sources: Vec<u32> = (0..40).map(|i| i * 22 % 900).collect();
    let targets: Vec<u32> = (0..40).map(|i| (i * 31 + 7) % 900).collect();
    let mut out = vec![0u32; sources.len() * targets.len()];
    let work = |q: &mut Query, table: &mut Table, cm: &CchMetric, path: &mut Vec<u32>, out: &mut [u32]| {
        let mut total = 0u64;
        for (&s, &t) in sources.iter().zip(&targets) {
            total += u64::from(q.distance(&cch, cm, s, t).expect("the grid is connected"));
            total += u64::from(q.path(&cch, cm, s, t, path).expect("the grid is connected"));
        }
        table.run(&cch, cm, &sources, &targets, out);
        total
    };
    // Warm-up sizes every workspace.
    let warm = work(&mut q, &mut table, &cm, &mut path, &mut out);
    cm.update(&cch, &slowed);
    cm.update(&cch, &metric);
    let before = allocations();
    let again = work(&mut q, &mut table, &cm, &mut path, &mut out);
    cm.update(&cch, &slowed);
    let slower = work(&mut q, &mut table, &cm, &mut path, &mut out);
    let after = allocations();
    assert_eq!(after - before, 0, "warm queries and re-customization allocated {} times", after - before);
    assert_eq!(warm, again);
    assert!(slower > warm, "slowing arcs made no query slower");
    for (i, &s) in sources.iter().enumerate() {
        assert_eq!(
            Some(out[i * targets.len() + i]),
            q.distance(&cch, &cm, s, targets[i]),
            "table cell {s} → {}",
            targets[i]
        );
    }
}

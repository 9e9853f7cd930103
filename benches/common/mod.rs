//! What the table-printing benchmarks share.

use std::hint::black_box;
use std::time::{Duration, Instant};

/// The last result of `f` and the median wall time of `reps` calls (at least one).
#[expect(clippy::disallowed_methods, reason = "benchmarks time with the wall clock")]
pub fn median<T>(reps: usize, mut f: impl FnMut() -> T) -> (T, Duration) {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..reps.max(1) {
        let start = Instant::now();
        last = Some(black_box(f()));
        times.push(start.elapsed());
    }
    times.sort();
    (last.expect("ran at least once"), times[times.len() / 2])
}

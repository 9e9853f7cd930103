//! The assignment of requests to vehicles that serves as many as possible at the least total
//! pickup time (`BatchMatching`).

/// The assignment of rows to columns that serves as many rows as possible and, among those,
/// has the least total cost; `cost[row * cols + col]` is `None` where the pair is not allowed.
/// Returns each row's column. Hungarian method with potentials, O(n² m) for n ≤ m.
pub fn assignment(rows: usize, cols: usize, cost: &[Option<u64>]) -> Vec<Option<usize>> {
    assert_eq!(cost.len(), rows * cols, "one cost per row and column");
    if rows == 0 || cols == 0 {
        return vec![None; rows];
    }
    // Forbidden pairs cost more than any full assignment of allowed ones, so a solution uses
    // as few of them as it can, which is as many allowed pairs as possible.
    let allowed_max = cost.iter().flatten().copied().max().unwrap_or(0) as i128;
    let forbidden = (allowed_max + 1) * (rows.min(cols) as i128 + 1);
    let transpose = rows > cols;
    let (n, m) = if transpose { (cols, rows) } else { (rows, cols) };
    let at = |i: usize, j: usize| -> i128 {
        let c = if transpose { cost[j * cols + i] } else { cost[i * cols + j] };
        c.map_or(forbidden, i128::from)
    };
    // 1-based rows 1..=n matched to columns 1..=m; column 0 is the free slot.
    let mut u = vec![0i128; n + 1];
    let mut v = vec![0i128; m + 1];
    let mut owner = vec![0usize; m + 1];
    let mut way = vec![0usize; m + 1];
    for i in 1..=n {
        owner[0] = i;
        let mut j0 = 0;
        let mut minv = vec![i128::MAX; m + 1];
        let mut used = vec![false; m + 1];
        loop {
            used[j0] = true;
            let i0 = owner[j0];
            let mut delta = i128::MAX;
            let mut j1 = 0;
            for j in 1..=m {
                if used[j] {
                    continue;
                }
                let reduced = at(i0 - 1, j - 1) - u[i0] - v[j];
                if reduced < minv[j] {
                    minv[j] = reduced;
                    way[j] = j0;
                }
                if minv[j] < delta {
                    delta = minv[j];
                    j1 = j;
                }
            }
            for j in 0..=m {
                if used[j] {
                    u[owner[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
            if owner[j0] == 0 {
                break;
            }
        }
        loop {
            let j1 = way[j0];
            owner[j0] = owner[j1];
            j0 = j1;
            if j0 == 0 {
                break;
            }
        }
    }
    let mut out = vec![None; rows];
    for (j, &i) in owner.iter().enumerate().skip(1) {
        if i == 0 || at(i - 1, j - 1) >= forbidden {
            continue;
        }
        let (row, col) = if transpose { (j - 1, i - 1) } else { (i - 1, j - 1) };
        out[row] = Some(col);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every full assignment by brute force: the least total among those serving most rows.
    fn brute(rows: usize, cols: usize, cost: &[Option<u64>]) -> (usize, u64) {
        fn go(r: usize, rows: usize, cols: usize, cost: &[Option<u64>], used: &mut Vec<bool>) -> (usize, u64) {
            if r == rows {
                return (0, 0);
            }
            // Leave row r unserved...
            let mut best = go(r + 1, rows, cols, cost, used);
            for c in 0..cols {
                if used[c] {
                    continue;
                }
                if let Some(x) = cost[r * cols + c] {
                    used[c] = true;
                    let (n, t) = go(r + 1, rows, cols, cost, used);
                    used[c] = false;
                    let cand = (n + 1, t + x);
                    if cand.0 > best.0 || (cand.0 == best.0 && cand.1 < best.1) {
                        best = cand;
                    }
                }
            }
            best
        }
        go(0, rows, cols, cost, &mut vec![false; cols])
    }

    #[test]
    fn assignment_is_optimal_against_brute_force() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for case in 0..300 {
            let rows = rng.random_range(1..6usize);
            let cols = rng.random_range(1..6usize);
            let cost: Vec<Option<u64>> =
                (0..rows * cols).map(|_| rng.random_bool(0.75).then(|| rng.random_range(0..1000u64))).collect();
            let got = assignment(rows, cols, &cost);
            let mut seen = vec![false; cols];
            let (mut served, mut total) = (0, 0);
            for (r, c) in got.iter().enumerate() {
                if let Some(c) = *c {
                    assert!(!seen[c], "case {case}: column {c} given twice");
                    seen[c] = true;
                    total += cost[r * cols + c].expect("only allowed pairs are returned");
                    served += 1;
                }
            }
            assert_eq!((served, total), brute(rows, cols, &cost), "case {case}: {rows}x{cols} {cost:?}");
        }
    }

    #[test]
    fn greedy_is_not_optimal_where_matching_is() {
        // Two riders, two vehicles: greedy gives the first rider its nearest (vehicle 0, 1 min),
        // leaving the second 10 min away; matching swaps them for 2 + 3 min.
        let cost = [Some(60_000), Some(120_000), Some(180_000), Some(600_000)];
        let got = assignment(2, 2, &cost);
        assert_eq!(got, vec![Some(1), Some(0)]);
    }
}

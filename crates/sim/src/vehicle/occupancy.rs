//! Where every driving vehicle is this tick, by arc: who leads whom, and whether an arc's
//! start has room to pull out into.

use super::STANDSTILL_M;

/// A driving vehicle as another sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Seen {
    /// Metres along its arc.
    pub offset_m: f64,
    /// Its id.
    pub id: u32,
    /// Its speed, m/s.
    pub speed_mps: f64,
}

/// Every driving vehicle as (arc, what others see of it), filed by arc before the leaders are
/// looked up: a counting sort over the arcs, then each arc's few vehicles by offset and id, so
/// that finding an arc's vehicles is an index, not a search. Apart, the few within a
/// standstill gap (7 m) of their arc's start, as (arc, offset), kept in arc order once
/// [`Occupancy::order_starts`] has run: every vehicle pulling out asks about its arc's start,
/// which is then a binary search, not a scan of them all.
#[derive(Debug, Default)]
pub struct Occupancy {
    seen: Vec<(u32, Seen)>,
    /// Once filed: the vehicles in (arc, offset, id) order.
    filed: Vec<Seen>,
    /// Once filed: `ends[arc]` is where the vehicles of `arc` end in `filed` (and those of
    /// `arc + 1` begin).
    ends: Vec<u32>,
    filed_ok: bool,
    starts: Vec<(u32, f64)>,
    starts_ordered: bool,
}

impl Occupancy {
    /// Empties it for a tick on a road of `arcs` arcs, keeping its memory.
    pub fn clear(&mut self, arcs: u32) {
        self.seen.clear();
        self.filed.clear();
        self.ends.clear();
        self.ends.resize(arcs as usize + 1, 0);
        self.filed_ok = false;
        self.starts.clear();
        self.starts_ordered = false;
    }

    /// Notes a vehicle at `offset_m` on `arc`.
    pub fn push(&mut self, arc: u32, offset_m: f64, id: u32, speed_mps: f64) {
        debug_assert!(!self.filed_ok, "vehicles are noted before they are filed");
        self.seen.push((arc, Seen { offset_m, id, speed_mps }));
        if offset_m < STANDSTILL_M {
            let at = if self.starts_ordered { self.starts.partition_point(|s| s.0 <= arc) } else { self.starts.len() };
            self.starts.insert(at, (arc, offset_m));
        }
    }

    /// Puts the vehicles near their arc's start in arc order, and keeps them so from now on.
    pub fn order_starts(&mut self) {
        self.starts.sort_unstable_by_key(|s| s.0);
        self.starts_ordered = true;
    }

    /// Whether a vehicle stands on `arc` closer to its start than `within_m` (at most
    /// a standstill gap, 7 m). Only after [`Occupancy::order_starts`].
    pub fn crowded_start(&self, arc: u32, within_m: f64) -> bool {
        debug_assert!(within_m <= STANDSTILL_M, "only the starts of arcs are kept apart");
        debug_assert!(self.starts_ordered, "the starts are looked up in arc order");
        let from = self.starts.partition_point(|s| s.0 < arc);
        self.starts[from..].iter().take_while(|s| s.0 == arc).any(|&(_, offset_m)| offset_m < within_m)
    }

    /// Files the vehicles by arc, offset and id, for [`Occupancy::leader`]. Ids are unique, so
    /// no two keys are equal: the order is the one a comparison sort of the keys gives.
    pub fn sort(&mut self) {
        debug_assert!(!self.filed_ok, "filed once a tick");
        let ends = &mut self.ends;
        debug_assert!(!ends.is_empty(), "cleared for the road's arcs before filing");
        // Counts by arc, moved one place up; their running sums are where each arc begins.
        for &(arc, _) in &self.seen {
            ends[arc as usize + 1] += 1;
        }
        for i in 1..ends.len() {
            ends[i] += ends[i - 1];
        }
        // Placing each vehicle moves its arc's begin on by one: when all are placed, it is the
        // arc's end.
        self.filed.resize(self.seen.len(), Seen { offset_m: 0.0, id: 0, speed_mps: 0.0 });
        for &(arc, seen) in &self.seen {
            let at = &mut ends[arc as usize];
            self.filed[*at as usize] = seen;
            *at += 1;
        }
        let mut begin = 0;
        for &end in &ends[..ends.len() - 1] {
            if end - begin > 1 {
                self.filed[begin as usize..end as usize]
                    .sort_unstable_by(|a, b| a.offset_m.total_cmp(&b.offset_m).then(a.id.cmp(&b.id)));
            }
            begin = end;
        }
        self.filed_ok = true;
    }

    /// The vehicles on `arc`, by offset and id. Only after [`Occupancy::sort`].
    fn on(&self, arc: u32) -> &[Seen] {
        debug_assert!(self.filed_ok, "leaders are looked up once the vehicles are filed");
        let arc = arc as usize;
        let begin = if arc == 0 { 0 } else { self.ends[arc - 1] };
        &self.filed[begin as usize..self.ends[arc] as usize]
    }

    /// The vehicle ahead of `me` (at `after` on `arc`): the next in (offset, id) order on the
    /// arc; ties go to the lower id. Only after [`Occupancy::sort`].
    pub fn leader(&self, arc: u32, after: f64, me: u32) -> Option<Seen> {
        self.on(arc).iter().find(|o| o.id != me && (o.offset_m > after || (o.offset_m == after && o.id > me))).copied()
    }

    /// The last vehicle on `arc` (the one nearest its start) other than `me`.
    pub fn last_on(&self, arc: u32, me: u32) -> Option<Seen> {
        self.leader(arc, f64::NEG_INFINITY, me)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_arc_start_is_crowded_by_a_vehicle_within_a_standstill_gap_of_it() {
        let mut occupancy = Occupancy::default();
        occupancy.clear(8);
        occupancy.push(4, 30.0, 1, 10.0);
        occupancy.push(5, 6.9, 2, 0.0);
        occupancy.push(7, 1.0, 4, 0.0);
        occupancy.push(3, 2.0, 5, 0.0);
        occupancy.order_starts();
        assert!(!occupancy.crowded_start(4, STANDSTILL_M), "30 m along leaves room");
        assert!(occupancy.crowded_start(5, STANDSTILL_M), "6.9 m along does not");
        assert!(!occupancy.crowded_start(5, 5.0), "within a shorter gap it does");
        assert!(!occupancy.crowded_start(6, STANDSTILL_M));
        // A vehicle that pulled out this tick crowds the next one.
        occupancy.push(6, 0.0, 3, 0.0);
        assert!(occupancy.crowded_start(6, STANDSTILL_M));
        assert!(occupancy.crowded_start(7, STANDSTILL_M) && occupancy.crowded_start(3, STANDSTILL_M));
        assert!(occupancy.starts.is_sorted_by_key(|s| s.0), "a vehicle pulling out is filed in arc order");
        occupancy.sort();
        assert_eq!(occupancy.leader(5, 0.0, 9).map(|s| s.id), Some(2));
    }

    /// Filed by counting, the vehicles lie in the order a comparison sort of (arc, offset, id)
    /// gives, and each one's leader is the one a scan of them all finds: on crowded arcs and
    /// empty ones, the first and the last arc, vehicles at one offset, one vehicle alone, a town
    /// with no road.
    #[test]
    fn filing_orders_as_a_sort_and_finds_the_leaders_a_scan_finds() {
        use rand::{RngExt, SeedableRng};

        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let mut occupancy = Occupancy::default();
        for (arcs, vehicles) in [(0, 0), (1, 1), (1, 9), (40, 0), (40, 300), (7, 200), (3_000, 2_500)] {
            occupancy.clear(arcs);
            let mut ids: Vec<u32> = (0..vehicles).collect();
            // Pushed out of id order, as pulling out adds vehicles after the roster's pass.
            ids.rotate_left(vehicles as usize / 3);
            let mut all = Vec::new();
            for id in ids {
                let arc = if rng.random_range(0..4) == 0 { arcs - 1 } else { rng.random_range(0..arcs) };
                // Whole metres: many share an offset, and the id decides between them.
                let offset = f64::from(rng.random_range(0..30u32));
                occupancy.push(arc, offset, id, 1.0);
                all.push((arc, offset, id));
            }
            occupancy.sort();
            let mut sorted = all.clone();
            sorted.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.cmp(&b.2)));
            assert_eq!(
                occupancy.filed.iter().map(|s| s.id).collect::<Vec<_>>(),
                sorted.iter().map(|v| v.2).collect::<Vec<_>>()
            );
            let scan = |arc: u32, after: f64, me: u32| {
                sorted
                    .iter()
                    .find(|v| v.0 == arc && v.2 != me && (v.1 > after || (v.1 == after && v.2 > me)))
                    .map(|v| v.2)
            };
            for &(arc, offset, id) in &all {
                assert_eq!(occupancy.leader(arc, offset, id).map(|s| s.id), scan(arc, offset, id));
                let other = (arc + 1) % arcs;
                assert_eq!(occupancy.last_on(other, id).map(|s| s.id), scan(other, f64::NEG_INFINITY, id));
            }
        }
    }
}

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

/// Every driving vehicle as (arc, what others see of it); sorted by arc, offset and id before
/// the leaders are looked up. Apart, the few within a standstill gap (7 m) of their arc's start, as
/// (arc, offset), kept in arc order once [`Occupancy::order_starts`] has run: every vehicle
/// pulling out asks about its arc's start, which is then a binary search, not a scan of them all.
#[derive(Debug, Default)]
pub struct Occupancy {
    seen: Vec<(u32, Seen)>,
    starts: Vec<(u32, f64)>,
    starts_ordered: bool,
}

impl Occupancy {
    /// Notes a vehicle at `offset_m` on `arc`.
    pub fn push(&mut self, arc: u32, offset_m: f64, id: u32, speed_mps: f64) {
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

    /// Sorts by arc, offset and id, for [`Occupancy::leader`].
    pub fn sort(&mut self) {
        // Ids are unique, so no two keys are equal and an unstable sort gives the one order.
        self.seen.sort_unstable_by(|a, b| {
            a.0.cmp(&b.0).then(a.1.offset_m.total_cmp(&b.1.offset_m)).then(a.1.id.cmp(&b.1.id))
        });
    }

    /// The vehicle ahead of `me` (at `after` on `arc`): the next in (offset, id) order on the
    /// arc; ties go to the lower id. Only after [`Occupancy::sort`].
    pub fn leader(&self, arc: u32, after: f64, me: u32) -> Option<Seen> {
        let start = self.seen.partition_point(|o| o.0 < arc);
        self.seen[start..]
            .iter()
            .take_while(|o| o.0 == arc)
            .find(|o| o.1.id != me && (o.1.offset_m > after || (o.1.offset_m == after && o.1.id > me)))
            .map(|o| o.1)
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
}

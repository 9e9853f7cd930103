//! Where every driving vehicle is this tick, by arc: who leads whom, and whether an arc's
//! start has room to pull out into.

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
/// the leaders are looked up.
#[derive(Debug, Default)]
pub struct Occupancy(Vec<(u32, Seen)>);

impl Occupancy {
    /// Notes a vehicle at `offset_m` on `arc`.
    pub fn push(&mut self, arc: u32, offset_m: f64, id: u32, speed_mps: f64) {
        self.0.push((arc, Seen { offset_m, id, speed_mps }));
    }

    /// Whether a vehicle stands on `arc` closer to its start than `within_m`.
    pub fn crowded_start(&self, arc: u32, within_m: f64) -> bool {
        self.0.iter().any(|o| o.0 == arc && o.1.offset_m < within_m)
    }

    /// Sorts by arc, offset and id, for [`Occupancy::leader`].
    pub fn sort(&mut self) {
        self.0.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.offset_m.total_cmp(&b.1.offset_m)).then(a.1.id.cmp(&b.1.id)));
    }

    /// The vehicle ahead of `me` (at `after` on `arc`): the next in (offset, id) order on the
    /// arc; ties go to the lower id. Only after [`Occupancy::sort`].
    pub fn leader(&self, arc: u32, after: f64, me: u32) -> Option<Seen> {
        let start = self.0.partition_point(|o| o.0 < arc);
        self.0[start..]
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

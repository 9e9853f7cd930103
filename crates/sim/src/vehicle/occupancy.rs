//! Where every driving vehicle is this tick, by arc: who leads whom, and whether an arc's
//! start has room to pull out into.

/// Every driving vehicle as (arc, offset on it in metres, id); sorted by those before the
/// leaders are looked up.
#[derive(Debug, Default)]
pub struct Occupancy(Vec<(u32, f64, u32)>);

impl Occupancy {
    /// Notes a vehicle at `offset_m` on `arc`.
    pub fn push(&mut self, arc: u32, offset_m: f64, id: u32) {
        self.0.push((arc, offset_m, id));
    }

    /// Whether a vehicle stands on `arc` closer to its start than `within_m`.
    pub fn crowded_start(&self, arc: u32, within_m: f64) -> bool {
        self.0.iter().any(|o| o.0 == arc && o.1 < within_m)
    }

    /// Sorts by arc, offset and id, for [`Occupancy::leader_offset`].
    pub fn sort(&mut self) {
        self.0.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.cmp(&b.2)));
    }

    /// Offset of the vehicle ahead of `me` (at `after` on `arc`): the next in (offset, id)
    /// order on the arc; ties go to the lower id. Only after [`Occupancy::sort`].
    pub fn leader_offset(&self, arc: u32, after: f64, me: u32) -> Option<f64> {
        let start = self.0.partition_point(|o| o.0 < arc);
        self.0[start..]
            .iter()
            .take_while(|o| o.0 == arc)
            .find(|o| o.2 != me && (o.1 > after || (o.1 == after && o.2 > me)))
            .map(|o| o.1)
    }
}

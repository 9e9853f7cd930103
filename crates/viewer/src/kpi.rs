//! The KPI panel's numbers at the time shown: counts of what has happened so far (from the
//! replay's events, by binary search over per-kind times), what the fleets are doing now (from
//! the frame), and series over the day for the charts.

use std::collections::BTreeMap;

use pilotzone_replay::{EntityKind, Event, EventKind, Status};
use pilotzone_scene::Agent;

/// Width of a chart bar, ms.
pub const BIN_MS: u64 = 10 * 60 * 1000;

/// Every event kind's times, sorted, and the waits riders had, by pickup time.
#[derive(Clone, Debug, Default)]
pub struct Counts {
    times: BTreeMap<EventKind, Vec<u64>>,
    /// (pickup time, wait s), by pickup time.
    waits: Vec<(u64, f64)>,
}

/// The rider's wait a pickup reports (`request 4 waited 95 s`), when it says.
fn waited_s(detail: &str) -> Option<f64> {
    let rest = detail.split(" waited ").nth(1)?;
    rest.trim_end_matches(" s").trim().parse().ok()
}

impl Counts {
    /// Indexes a replay's events (in time order, as the replay holds them).
    pub fn new(events: &[Event]) -> Self {
        let mut times: BTreeMap<EventKind, Vec<u64>> = BTreeMap::new();
        let mut waits = Vec::new();
        for e in events {
            times.entry(e.kind).or_default().push(e.t_ms);
            if e.kind == EventKind::Pickup
                && let Some(w) = waited_s(&e.detail)
            {
                waits.push((e.t_ms, w));
            }
        }
        Counts { times, waits }
    }

    /// Events of `kind` up to and including `t_ms`.
    pub fn until(&self, kind: EventKind, t_ms: u64) -> usize {
        self.times.get(&kind).map_or(0, |v| v.partition_point(|&t| t <= t_ms))
    }

    /// Incidents of every kind up to `t_ms`, in vocabulary order, zeros left out.
    pub fn incidents_until(&self, t_ms: u64) -> Vec<(EventKind, usize)> {
        EventKind::incidents().map(|k| (k, self.until(k, t_ms))).filter(|(_, n)| *n > 0).collect()
    }

    /// Mean wait of the riders picked up by `t_ms`, s.
    pub fn mean_wait_s(&self, t_ms: u64) -> Option<f64> {
        let n = self.waits.partition_point(|&(t, _)| t <= t_ms);
        (n > 0).then(|| self.waits[..n].iter().map(|w| w.1).sum::<f64>() / n as f64)
    }

    /// Events of `kind` per [`BIN_MS`] over `[0, end_ms)`.
    pub fn series(&self, kind: EventKind, end_ms: u64) -> Vec<u32> {
        let mut bins = vec![0u32; end_ms.div_ceil(BIN_MS).max(1) as usize];
        for &t in self.times.get(&kind).map_or(&[][..], Vec::as_slice) {
            if let Some(b) = bins.get_mut((t / BIN_MS) as usize) {
                *b += 1;
            }
        }
        bins
    }
}

/// What the fleets are doing at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Now {
    /// Robotaxis in service.
    pub taxis: usize,
    /// Of them, on a job (to a pickup, carrying, at the kerb).
    pub taxis_busy: usize,
    /// Of them, charging or on the way to charge.
    pub taxis_charging: usize,
    /// Drones.
    pub drones: usize,
    /// Of them, in the air.
    pub drones_flying: usize,
    /// Of those, hovering over a garden until their way home is clear.
    pub drones_holding: usize,
    /// People waiting at a kerb or crossing the road.
    pub people_on_street: usize,
}

impl Now {
    /// Tallies a frame's agents.
    pub fn of(agents: &[Agent]) -> Self {
        let mut now = Now::default();
        for a in agents {
            match (a.kind, a.status) {
                (EntityKind::Taxi, s) => {
                    now.taxis += 1;
                    now.taxis_busy += usize::from(matches!(
                        s,
                        Some(Status::ToPickup | Status::Occupied | Status::Dwelling | Status::PullingOut)
                    ));
                    now.taxis_charging += usize::from(matches!(s, Some(Status::Charging | Status::ToCharger)));
                }
                (EntityKind::Drone, s) => {
                    now.drones += 1;
                    now.drones_flying += usize::from(matches!(
                        s,
                        Some(Status::Outbound | Status::Dropping | Status::HoldingForHome | Status::Returning)
                    ));
                    now.drones_holding += usize::from(s == Some(Status::HoldingForHome));
                }
                (EntityKind::Person, s) => {
                    now.people_on_street += usize::from(matches!(s, Some(Status::Waiting | Status::Walking)))
                }
                (EntityKind::Car, _) => {}
            }
        }
        now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(t_ms: u64, kind: EventKind, detail: &str) -> Event {
        Event { t_ms, kind, entity: 0, at_cm: [0; 3], detail: detail.into(), incident: None }
    }

    #[test]
    fn counts_waits_and_series_follow_the_time() {
        let events = [
            event(1_000, EventKind::Request, ""),
            event(2_000, EventKind::Request, ""),
            event(61_000, EventKind::Pickup, "request 0 waited 60 s"),
            event(700_000, EventKind::Pickup, "request 1 waited 120 s"),
            event(700_000, EventKind::NearMiss, ""),
        ];
        let c = Counts::new(&events);
        assert_eq!(c.until(EventKind::Request, 1_500), 1);
        assert_eq!(c.until(EventKind::Request, 2_000), 2, "an event at the time shown has happened");
        assert_eq!(c.mean_wait_s(100_000), Some(60.0));
        assert_eq!(c.mean_wait_s(700_000), Some(90.0));
        assert_eq!(c.mean_wait_s(0), None);
        assert_eq!(c.series(EventKind::Pickup, 1_200_000), vec![1, 1]);
        assert_eq!(c.incidents_until(699_999), vec![]);
        assert_eq!(c.incidents_until(700_000), vec![(EventKind::NearMiss, 1)]);
    }

    #[test]
    fn drones_hovering_for_their_way_home_are_in_the_air_and_counted_apart() {
        let agent = |kind, status| Agent {
            id: 0,
            kind,
            status: Some(status),
            position_m: [0.0; 3],
            heading_rad: 0.0,
            speed_mps: 0.0,
            height_m: None,
            colour: pilotzone_scene::style::status_colour(status),
            body: pilotzone_scene::style::body(kind),
        };
        let now = Now::of(&[
            agent(EntityKind::Drone, Status::Ready),
            agent(EntityKind::Drone, Status::Outbound),
            agent(EntityKind::Drone, Status::Dropping),
            agent(EntityKind::Drone, Status::HoldingForHome),
            agent(EntityKind::Drone, Status::HoldingForHome),
            agent(EntityKind::Drone, Status::Down),
            agent(EntityKind::Taxi, Status::Idle),
        ]);
        assert_eq!((now.drones, now.drones_flying, now.drones_holding, now.taxis), (6, 4, 2, 1));
    }
}

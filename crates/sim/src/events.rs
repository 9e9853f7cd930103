//! The run's event log: requests, pickups, deliveries, incidents and rule changes, in order.

use bevy::prelude::*;

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EventKind {
    /// A ride was requested.
    Request,
    /// A taxi was assigned to a request.
    Assign,
    /// A rider boarded.
    Pickup,
    /// A rider alighted.
    Dropoff,
    /// A request expired unserved.
    Reject,
    /// A parcel was ordered.
    Order,
    /// A drone took off with a parcel.
    Launch,
    /// A parcel was delivered.
    Deliver,
    /// A parcel order could not be flown.
    OrderFail,
    /// A drone landed back at its base.
    Land,
    /// A rule started or stopped holding.
    RuleChange,
    /// Two bodies touched.
    Collision,
    /// Two vehicles came within the time-to-collision threshold.
    NearMiss,
    /// Two drones came closer than the separation minimum.
    SeparationLoss,
    /// A drone entered a no-fly volume.
    NoFlyIncursion,
    /// A vehicle exceeded the speed limit in force.
    SpeedViolation,
}

impl EventKind {
    /// Name used in `events.csv` and the replay.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Request => "request",
            EventKind::Assign => "assign",
            EventKind::Pickup => "pickup",
            EventKind::Dropoff => "dropoff",
            EventKind::Reject => "reject",
            EventKind::Order => "order",
            EventKind::Launch => "launch",
            EventKind::Deliver => "deliver",
            EventKind::OrderFail => "order_fail",
            EventKind::Land => "land",
            EventKind::RuleChange => "rule_change",
            EventKind::Collision => "collision",
            EventKind::NearMiss => "near_miss",
            EventKind::SeparationLoss => "separation_loss",
            EventKind::NoFlyIncursion => "nofly_incursion",
            EventKind::SpeedViolation => "speed_violation",
        }
    }
}

/// One event.
#[derive(Clone, Debug, PartialEq)]
pub struct SimEvent {
    /// Simulated milliseconds since the start of the run.
    pub t_ms: u64,
    /// What happened.
    pub kind: EventKind,
    /// Entity id (taxi or drone), or request/order id for demand events.
    pub entity: u32,
    /// Where, in metres.
    pub at: [f64; 3],
    /// Free text for people.
    pub detail: String,
}

/// Every event of the run so far.
#[derive(Resource, Debug, Default)]
pub struct EventLog {
    /// Events in the order they happened.
    pub events: Vec<SimEvent>,
}

impl EventLog {
    /// Appends an event.
    pub fn push(&mut self, t_ms: u64, kind: EventKind, entity: u32, at: [f64; 3], detail: impl Into<String>) {
        self.events.push(SimEvent { t_ms, kind, entity, at, detail: detail.into() });
    }
}

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
    /// A drone came closer to a building than the separation minimum.
    BuildingProximity,
    /// A drone flew above the ceiling in force.
    AltitudeViolation,
    /// Drone launches held because the wind is over the limit.
    WindHold,
    /// A vehicle set off to charge, or began charging.
    Charge,
    /// A vehicle or drone ran out of energy away from a charger.
    Stranded,
    /// An idle vehicle was sent toward expected riders.
    Reposition,
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
            EventKind::BuildingProximity => "building_proximity",
            EventKind::AltitudeViolation => "altitude_violation",
            EventKind::WindHold => "wind_hold",
            EventKind::Charge => "charge",
            EventKind::Stranded => "stranded",
            EventKind::Reposition => "reposition",
        }
    }

    /// Every kind, in declaration order.
    pub const ALL: [EventKind; 22] = [
        EventKind::Request,
        EventKind::Assign,
        EventKind::Pickup,
        EventKind::Dropoff,
        EventKind::Reject,
        EventKind::Order,
        EventKind::Launch,
        EventKind::Deliver,
        EventKind::OrderFail,
        EventKind::Land,
        EventKind::RuleChange,
        EventKind::Collision,
        EventKind::NearMiss,
        EventKind::SeparationLoss,
        EventKind::NoFlyIncursion,
        EventKind::SpeedViolation,
        EventKind::BuildingProximity,
        EventKind::AltitudeViolation,
        EventKind::WindHold,
        EventKind::Charge,
        EventKind::Stranded,
        EventKind::Reposition,
    ];

    /// Whether events of this kind are safety incidents.
    pub fn is_incident(self) -> bool {
        matches!(
            self,
            EventKind::Collision
                | EventKind::NearMiss
                | EventKind::SeparationLoss
                | EventKind::NoFlyIncursion
                | EventKind::SpeedViolation
                | EventKind::BuildingProximity
                | EventKind::AltitudeViolation
                | EventKind::Stranded
        )
    }
}

/// What an incident measured, against which rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Incident {
    /// Index of the rule broken in the scenario's rules; none for collisions and for near
    /// misses (the monitor's own threshold).
    pub rule: Option<usize>,
    /// The other entity involved.
    pub other: Option<u32>,
    /// Measured value, in the unit of the limit.
    pub value: f64,
    /// The limit it is measured against.
    pub limit: f64,
    /// 1 (minor) to 3 (severe).
    pub severity: u8,
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
    /// For incidents: what was measured against which rule.
    pub incident: Option<Incident>,
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
        self.events.push(SimEvent { t_ms, kind, entity, at, detail: detail.into(), incident: None });
    }

    /// Appends an incident.
    pub fn incident(
        &mut self,
        t_ms: u64,
        kind: EventKind,
        entity: u32,
        at: [f64; 3],
        incident: Incident,
        detail: String,
    ) {
        self.events.push(SimEvent { t_ms, kind, entity, at, detail, incident: Some(incident) });
    }
}

//! The run's event log: requests, pickups, deliveries, incidents and rule changes, in order.

use bevy::prelude::*;

/// What happened: the replay crate's vocabulary, so every tool names events as the engine does.
pub use pilotzone_replay::EventKind;

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

impl SimEvent {
    /// The event as the replay stores it: position in centimetres, the rule by its id in
    /// `rules` (the scenario's rules, which incidents index).
    pub fn to_replay(&self, rules: &[pilotzone_scenario::Rule]) -> pilotzone_replay::Event {
        pilotzone_replay::Event {
            t_ms: self.t_ms,
            kind: self.kind,
            entity: self.entity,
            at_cm: self.at.map(centimetres),
            detail: self.detail.clone(),
            incident: self.incident.as_ref().map(|i| pilotzone_replay::IncidentInfo {
                rule: i.rule.map_or_else(String::new, |r| rules[r].id.clone()),
                other: i.other,
                value: i.value,
                limit: i.limit,
                severity: i.severity,
            }),
        }
    }
}

/// Metres to whole centimetres, clamped to what a replay can hold.
pub fn centimetres(metres: f64) -> i32 {
    (metres * 100.0).round().clamp(f64::from(i32::MIN), f64::from(i32::MAX)) as i32
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

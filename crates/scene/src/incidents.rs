//! Incident markers: each safety incident of a replay with its time, place, kind, severity,
//! the entities involved, the rule it breaks (looked up in the scene by id) and the measured
//! value against the limit, named in both languages for the timeline and the map.

use pilotzone_replay::{EntityKind, Event, EventKind, Header, Severity};
use pilotzone_scenario::time::DAY_S;
use serde::{Serialize, Serializer};

use crate::{Scene, Text};

/// How far from a named place an incident is still said to be near it, m.
const NEAR_PLACE_M: f64 = 150.0;

/// An entity an incident involves.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MarkerEntity {
    /// Its id.
    pub id: u32,
    /// What it is, written as its key; `None` when the header does not list it.
    #[serde(serialize_with = "option_key")]
    pub kind: Option<EntityKind>,
    /// Its fleet, empty when the header does not list it.
    pub fleet: String,
}

/// The rule an incident breaks.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RuleRef {
    /// The rule's id.
    pub id: String,
    /// Its title; the id when the scene has no such rule (a replay of another option).
    pub title: Text,
}

/// One incident, as a marker on the map and a row on the timeline.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IncidentMarker {
    /// Simulated milliseconds since the start of the run.
    pub t_ms: u64,
    /// Time of day, s after midnight.
    pub time_of_day_s: u32,
    /// Where, `[x, y, z]` in m.
    pub at_m: [f64; 3],
    /// The named place it happened near, if any lies within 150 m.
    pub near: Option<String>,
    /// What happened, written as its key (`near_miss`, ...).
    #[serde(serialize_with = "kind_key")]
    pub kind: EventKind,
    /// Its name.
    pub kind_names: Text,
    /// How serious, written as its key; `None` for replays that do not say.
    #[serde(serialize_with = "option_key")]
    pub severity: Option<Severity>,
    /// The severity's name; empty when there is none.
    pub severity_names: Text,
    /// The entity it concerns.
    pub entity: MarkerEntity,
    /// The other entity involved, if any.
    pub other: Option<MarkerEntity>,
    /// The rule it breaks; `None` for a collision, which needs no rule.
    pub rule: Option<RuleRef>,
    /// Measured value (speed, distance, time to collision, ...), when measured.
    pub value: Option<f64>,
    /// The rule's limit for that value.
    pub limit: Option<f64>,
    /// The replay's note for people.
    pub detail: String,
}

fn kind_key<S: Serializer>(kind: &EventKind, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(kind.key())
}

/// A vocabulary word by its key, or none.
trait Keyed {
    fn key(&self) -> &'static str;
}

impl Keyed for EntityKind {
    fn key(&self) -> &'static str {
        EntityKind::key(*self)
    }
}

impl Keyed for Severity {
    fn key(&self) -> &'static str {
        Severity::key(*self)
    }
}

fn option_key<S: Serializer, K: Keyed>(word: &Option<K>, s: S) -> Result<S::Ok, S::Error> {
    match word {
        Some(word) => s.serialize_str(word.key()),
        None => s.serialize_none(),
    }
}

impl Scene {
    /// The incidents among a replay's `events`, in their order. Events that are not incidents,
    /// and kinds this build does not know, are left out.
    pub fn incidents(&self, header: &Header, events: &[Event]) -> Vec<IncidentMarker> {
        let entity = |id: u32| {
            let info = header.entities.iter().find(|e| e.id == id);
            MarkerEntity { id, kind: info.map(|e| e.kind), fleet: info.map(|e| e.fleet.clone()).unwrap_or_default() }
        };
        events
            .iter()
            .filter_map(|ev| {
                let kind = Some(ev.kind).filter(|k| k.is_incident())?;
                let info = ev.incident.as_ref();
                let severity = info.and_then(|i| Severity::from_code(i.severity));
                let at_m = ev.at_cm.map(|c| f64::from(c) / 100.0);
                let rule = info.filter(|i| !i.rule.is_empty()).map(|i| RuleRef {
                    id: i.rule.clone(),
                    title: self.rule(&i.rule).map_or_else(|| Text::same(&i.rule), |r| r.title.clone()),
                });
                // A collision measures nothing: it records zeros, not a value against a limit.
                let measured = info.filter(|_| kind != EventKind::Collision);
                let elapsed_s = ev.t_ms / 1000;
                Some(IncidentMarker {
                    t_ms: ev.t_ms,
                    time_of_day_s: ((u64::from(header.start_time_of_day_s) + elapsed_s) % u64::from(DAY_S)) as u32,
                    at_m,
                    near: self.nearest_place([at_m[0], at_m[1]], NEAR_PLACE_M).map(|p| p.name.clone()),
                    kind,
                    kind_names: kind.names().into(),
                    severity,
                    severity_names: severity.map(|s| s.names().into()).unwrap_or_default(),
                    entity: entity(ev.entity),
                    other: info.and_then(|i| i.other).map(entity),
                    rule,
                    value: measured.map(|i| i.value),
                    limit: measured.map(|i| i.limit),
                    detail: ev.detail.clone(),
                })
            })
            .collect()
    }
}

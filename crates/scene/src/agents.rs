//! Agents as drawn: each entity of a replay frame with its kind, its status through the
//! vocabulary, where it is and how it looks.

use pilotzone_replay::{EntityInfo, EntityKind, Frame, Header, Status, StatusTable, UnknownWord};
use serde::{Serialize, Serializer};

use crate::style::{Body, Rgb, UNKNOWN_STATUS_COLOUR, body, status_colour};

/// One entity at one time, ready to draw.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Agent {
    /// Stable id, unique in the run.
    pub id: u32,
    /// What it is, written as its key (`taxi`, `drone`, ...).
    #[serde(serialize_with = "kind_key")]
    pub kind: EntityKind,
    /// What it is doing, written as its key; `None` when the sample's code is not named.
    #[serde(serialize_with = "status_key")]
    pub status: Option<Status>,
    /// Position `[x, y, z]`, m (x east, y north, z up).
    pub position_m: [f64; 3],
    /// Heading, radians counter-clockwise from east.
    pub heading_rad: f64,
    /// Speed, m/s.
    pub speed_mps: f64,
    /// Height above ground for drones, m; `None` for what stays on the ground.
    pub height_m: Option<f64>,
    /// Colour of its status.
    pub colour: Rgb,
    /// Its body seen from above.
    pub body: Body,
}

fn kind_key<S: Serializer>(kind: &EntityKind, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(kind.key())
}

fn status_key<S: Serializer>(status: &Option<Status>, s: S) -> Result<S::Ok, S::Error> {
    match status {
        Some(status) => s.serialize_str(status.key()),
        None => s.serialize_none(),
    }
}

/// Turns a replay's frames into agents: built once from the header, then asked every frame.
#[derive(Clone, Debug)]
pub struct AgentView {
    entities: Vec<EntityInfo>,
    statuses: StatusTable,
}

impl AgentView {
    /// The view of a replay with this header; a status name this build does not know is
    /// refused, as the replay reader refuses it.
    pub fn new(header: &Header) -> Result<Self, UnknownWord> {
        Ok(AgentView { entities: header.entities.clone(), statuses: StatusTable::from_names(&header.status_names)? })
    }

    /// The entities, in the order frames list them.
    pub fn entities(&self) -> &[EntityInfo] {
        &self.entities
    }

    /// Every entity of `frame`.
    pub fn agents(&self, frame: &Frame) -> Vec<Agent> {
        let mut out = Vec::with_capacity(frame.states.len());
        self.agents_into(frame, &mut out);
        out
    }

    /// Every entity of `frame` into `out` (cleared first), so a player drawing many frames a
    /// second reuses one buffer.
    pub fn agents_into(&self, frame: &Frame, out: &mut Vec<Agent>) {
        out.clear();
        out.extend(self.entities.iter().zip(&frame.states).map(|(info, state)| {
            let status = self.statuses.get(state.status);
            let position_m = state.position_m();
            Agent {
                id: info.id,
                kind: info.kind,
                status,
                position_m,
                heading_rad: state.heading_rad(),
                speed_mps: state.speed_mps(),
                height_m: (info.kind == EntityKind::Drone).then_some(position_m[2]),
                colour: status.map_or(UNKNOWN_STATUS_COLOUR, status_colour),
                body: body(info.kind),
            }
        }));
    }
}

#[cfg(test)]
mod tests {
    use pilotzone_replay::EntityState;

    use super::*;

    fn header() -> Header {
        Header {
            engine_version: "test".into(),
            scenario_name: "t".into(),
            scenario_text: String::new(),
            scenario_hash: 0,
            seed: 1,
            tick_ms: 100,
            record_ms: 500,
            segment_ms: 10_000,
            start_time_of_day_s: 0,
            // An older table order: the view must read codes through the header, not as its own.
            status_names: vec!["outbound".into(), "idle".into()],
            entities: vec![
                EntityInfo { id: 4, kind: EntityKind::Drone, fleet: "air".into() },
                EntityInfo { id: 9, kind: EntityKind::Taxi, fleet: "road".into() },
            ],
        }
    }

    #[test]
    fn statuses_are_read_through_the_header_and_coloured() {
        let view = AgentView::new(&header()).expect("known statuses");
        let drone = EntityState { x_cm: 150, y_cm: -250, z_cm: 4_000, heading: 16_384, speed_cms: 1_200, status: 0 };
        let taxi = EntityState { status: 1, ..EntityState::default() };
        let agents = view.agents(&Frame { t_ms: 500, states: vec![drone, taxi] });
        assert_eq!(agents[0].status, Some(Status::Outbound));
        assert_eq!(agents[0].colour, status_colour(Status::Outbound));
        assert_eq!(agents[0].position_m, [1.5, -2.5, 40.0]);
        assert_eq!(agents[0].height_m, Some(40.0));
        assert!((agents[0].heading_rad - std::f64::consts::FRAC_PI_2).abs() < 1e-9);
        assert_eq!(agents[0].speed_mps, 12.0);
        assert_eq!((agents[1].id, agents[1].status, agents[1].height_m), (9, Some(Status::Idle), None));
        let unnamed = EntityState { status: 7, ..EntityState::default() };
        let agents = view.agents(&Frame { t_ms: 0, states: vec![unnamed, taxi] });
        assert_eq!((agents[0].status, agents[0].colour), (None, UNKNOWN_STATUS_COLOUR));
    }

    #[test]
    fn an_unknown_status_name_is_refused() {
        let mut h = header();
        h.status_names.push("teleporting".into());
        assert!(AgentView::new(&h).is_err());
    }
}

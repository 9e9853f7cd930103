//! The frame: every entity's state at the current tick as the replay stores it (quantized, with
//! its status from the shared vocabulary). The recorder writes it into the replay and a live
//! viewer reads it, so nothing outside the engine touches its systems' internals.

use bevy::ecs::change_detection::Tick;
use bevy::ecs::system::SystemChangeTick;
use bevy::prelude::*;
use pilotzone_replay::{EntityInfo, EntityKind, EntityState, Frame, Status};

use crate::SimConfig;
use crate::clock::SimClock;
use crate::drone::{Drone, DronePhase, DroneState};
use crate::events::centimetres;
use crate::residents::{Pedestrian, PedestrianState, Walk};
use crate::roster::PedestrianRoster;
use crate::schedule::{SetupSystems, SimSetup, SimStep, SimSystems};
use crate::vehicle::{CarTrip, Phase, StopKind, Taxi, TaxiState};

/// The entities of the run and their states at the last capture.
#[derive(Resource, Debug, Default)]
pub struct SimFrame {
    /// Every entity in id order: taxis, drones, residents' cars, people.
    pub entities: Vec<EntityInfo>,
    /// States at [`Frame::t_ms`], one per entity in the same order.
    pub frame: Frame,
    /// Capture interval, ms: the scenario's recording interval unless a live viewer asks for
    /// every tick. Frames are taken on the clock, so the replay's samples do not depend on it.
    pub every_ms: Option<u64>,
}

/// Adds the frame and its capture.
pub struct FramePlugin;

impl Plugin for FramePlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<SimFrame>()
            .add_systems(SimSetup, (list_entities, capture_frame).chain().in_set(SetupSystems::Frame))
            .add_systems(SimStep, capture_frame.in_set(SimSystems::Frame));
    }
}

/// Lists the entities in id order, as spawned.
pub fn list_entities(
    config: Res<SimConfig>,
    people: Res<PedestrianRoster>,
    walkers: Query<&Pedestrian>,
    mut frame: ResMut<SimFrame>,
) {
    let s = &config.loaded.scenario;
    let mut entities: Vec<(EntityKind, String)> = Vec::new();
    let counted = s.fleets.taxis.iter().map(|f| (EntityKind::Taxi, f.count, &f.name));
    let counted = counted.chain(s.fleets.drones.iter().map(|f| (EntityKind::Drone, f.count, &f.name)));
    for (kind, count, name) in counted.chain(s.residents.cars.iter().map(|f| (EntityKind::Car, f.count, &f.name))) {
        entities.extend((0..count).map(|_| (kind, name.clone())));
    }
    for &e in &people.0 {
        let p = walkers.get(e).expect("roster entities are pedestrians");
        entities.push((EntityKind::Person, s.residents.pedestrians[p.flow].name.clone()));
    }
    frame.entities =
        entities.into_iter().enumerate().map(|(id, (kind, fleet))| EntityInfo { id: id as u32, kind, fleet }).collect();
}

fn heading_code(radians: f64) -> u16 {
    (radians.rem_euclid(std::f64::consts::TAU) / std::f64::consts::TAU * 65536.0).round() as u32 as u16
}

fn speed_code(mps: f64) -> u16 {
    (mps * 100.0).round().clamp(0.0, f64::from(u16::MAX)) as u16
}

/// What a taxi is doing, as people name it.
fn taxi_status(s: &TaxiState) -> Status {
    let to_charger = s.stops.front().is_some_and(|stop| stop.kind == StopKind::Charge);
    let repositioning = s.stops.len() == 1 && s.stops[0].kind == StopKind::Reposition;
    match s.phase {
        Phase::Idle => Status::Idle,
        Phase::Driving | Phase::PullingOut if to_charger => Status::ToCharger,
        Phase::Driving | Phase::PullingOut if repositioning => Status::Repositioning,
        Phase::Charging => Status::Charging,
        Phase::Driving if s.onboard.is_empty() => Status::ToPickup,
        Phase::Driving => Status::Occupied,
        Phase::Dwelling { .. } => Status::Dwelling,
        Phase::Blocked => Status::Blocked,
        Phase::PullingOut => Status::PullingOut,
    }
}

/// What a resident's car is doing.
fn car_status(s: &TaxiState) -> Status {
    match s.phase {
        Phase::Idle => Status::OffStreet,
        Phase::PullingOut => Status::PullingOut,
        _ => Status::Driving,
    }
}

/// What a drone is doing at `now_ms`.
fn drone_status(s: &DroneState, now_ms: u64) -> Status {
    if s.crashed || s.stranded {
        return Status::Down;
    }
    match s.phase {
        DronePhase::Ready => Status::Ready,
        DronePhase::Outbound => Status::Outbound,
        // The parcel is down once the drop's time is past: it hovers on for its way home.
        DronePhase::Dropping { until_ms } if now_ms > until_ms => Status::HoldingForHome,
        DronePhase::Dropping { .. } => Status::Dropping,
        DronePhase::Returning => Status::Returning,
    }
}

/// What a person is doing.
fn person_status(s: &PedestrianState) -> Status {
    match s.walk {
        Walk::OffStreet => Status::OffStreet,
        Walk::Waiting { .. } => Status::Waiting,
        Walk::Crossing { .. } => Status::Walking,
    }
}

fn vehicle_state(s: &TaxiState, status: Status) -> EntityState {
    EntityState {
        x_cm: centimetres(s.at.x),
        y_cm: centimetres(s.at.y),
        z_cm: 0,
        heading: heading_code(s.heading),
        speed_cms: speed_code(s.speed_mps),
        status: status.code(),
    }
}

fn drone_state(s: &DroneState, now_ms: u64) -> EntityState {
    let [x, y, z] = s.pos;
    EntityState {
        x_cm: centimetres(x),
        y_cm: centimetres(y),
        z_cm: centimetres(z),
        heading: heading_code(s.heading()),
        speed_cms: speed_code(s.vel[0].hypot(s.vel[1]).hypot(s.vel[2])),
        status: drone_status(s, now_ms).code(),
    }
}

fn person_state(s: &PedestrianState) -> EntityState {
    EntityState {
        x_cm: centimetres(s.at.x),
        y_cm: centimetres(s.at.y),
        z_cm: 0,
        heading: heading_code(s.heading),
        speed_cms: (s.speed_mps * 100.0).round() as u16,
        status: person_status(s).code(),
    }
}

/// The entities a frame shows, each with its id (its place in the frame).
#[derive(bevy::ecs::system::SystemParam)]
pub struct Shown<'w, 's> {
    /// Taxis and residents' cars (those with a trip).
    vehicles: Query<'w, 's, (&'static Taxi, Ref<'static, TaxiState>, Has<CarTrip>)>,
    /// Drones.
    drones: Query<'w, 's, (&'static Drone, Ref<'static, DroneState>)>,
    /// People.
    people: Query<'w, 's, (&'static Pedestrian, Ref<'static, PedestrianState>)>,
    /// This run of the system, to tell what changed since the last capture.
    tick: SystemChangeTick,
}

/// Takes every entity's state when the capture interval says so. Each is taken again only if it
/// changed since the last capture (most vehicles stand still for hours at city scale, and most
/// drones stand by on their pads), or, a drone lowering a parcel, its status turns with the
/// clock.
pub fn capture_frame(
    config: Res<SimConfig>,
    clock: Res<SimClock>,
    shown: Shown,
    mut frame: ResMut<SimFrame>,
    mut last: Local<Option<Tick>>,
) {
    let every = frame.every_ms.unwrap_or(u64::from(config.loaded.scenario.run.record_ms));
    if !clock.every(every) {
        return;
    }
    let frame = &mut *frame;
    let count = frame.entities.len();
    let states = &mut frame.frame.states;
    // The first capture, or one after the entities changed, takes everyone.
    let since = last.filter(|_| states.len() == count);
    states.resize(count, EntityState::default());
    let this_run = shown.tick.this_run();
    let changed = |t: Tick| since.is_none_or(|since| t.is_newer_than(since, this_run));
    for (taxi, s, car) in &shown.vehicles {
        if changed(s.last_changed()) {
            states[taxi.id as usize] = vehicle_state(&s, if car { car_status(&s) } else { taxi_status(&s) });
        }
    }
    for (drone, s) in &shown.drones {
        if changed(s.last_changed()) || matches!(s.phase, DronePhase::Dropping { .. }) {
            states[drone.id as usize] = drone_state(&s, clock.now_ms);
        }
    }
    for (person, s) in &shown.people {
        if changed(s.last_changed()) {
            states[person.id as usize] = person_state(&s);
        }
    }
    *last = Some(this_run);
    frame.frame.t_ms = clock.now_ms;
    debug_assert!(
        {
            let mut fresh = vec![EntityState::default(); count];
            for (taxi, s, car) in &shown.vehicles {
                fresh[taxi.id as usize] = vehicle_state(&s, if car { car_status(&s) } else { taxi_status(&s) });
            }
            shown.drones.iter().for_each(|(d, s)| fresh[d.id as usize] = drone_state(&s, clock.now_ms));
            shown.people.iter().for_each(|(p, s)| fresh[p.id as usize] = person_state(&s));
            fresh == *states
        },
        "an entity's state changed where it was not marked changed"
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use pilotzone_routing::Vec2;

    /// Over the garden a drone lowers its parcel until the drop's end; after it, still there, it
    /// hovers for its way home, which residents see as a status of its own.
    #[test]
    fn a_drone_past_its_drop_hovers_for_its_way_home() {
        let mut s = DroneState::on_stand(Vec2::new(0.0, 0.0), 500.0);
        assert_eq!(drone_status(&s, 0), Status::Ready);
        s.phase = DronePhase::Dropping { until_ms: 60_000 };
        assert_eq!(drone_status(&s, 40_000), Status::Dropping);
        assert_eq!(drone_status(&s, 60_000), Status::Dropping, "the drop ends on this tick");
        assert_eq!(drone_status(&s, 60_100), Status::HoldingForHome);
        s.stranded = true;
        assert_eq!(drone_status(&s, 60_100), Status::Down, "an empty battery is down, wherever it is");
    }
}

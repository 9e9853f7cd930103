//! Crashes: a drone whose body touches another body (a drone, a vehicle, a person) or strikes a
//! building has crashed. It happens once per drone: the crash is an incident with the rule
//! whose minimum it broke and where it happened; its rotors stop, it falls and lies on the
//! ground or the roof it fell on, its parcel is lost, its airspace is released, and it takes no
//! further part in the run.

use bevy::prelude::*;
use pilotzone_scenario::Class;

use crate::clock::SimClock;
use crate::demand::{OrderStatus, Requests};
use crate::drone::{Drone, DronePhase, DroneState, Reservations};
use crate::events::{EventKind, EventLog, Incident};
use crate::physics::{Contacts, touch_low_drones};
use crate::roster::Rosters;
use crate::rules::ActiveRules;
use crate::schedule::{PhysicsSystems, SimStep};

/// Ends the flights of drones that struck something, right after physics moved them.
pub struct CrashPlugin;

impl Plugin for CrashPlugin {
    fn build(&self, app: &mut App) {
        app.add_systems(SimStep, crash_drones.after(touch_low_drones).in_set(PhysicsSystems::Results));
    }
}

/// What a drone struck.
#[derive(Clone, Copy, Debug)]
enum Struck {
    /// Another moving body, by id, of this class.
    Body(u32, Class),
    /// A building, by index.
    Building(usize),
    /// Nothing: physics gave its body a position or velocity that is not a number.
    Unsound,
}

/// Ends the flight of every drone that touched something this tick.
pub fn crash_drones(
    clock: Res<SimClock>,
    rules: Res<ActiveRules>,
    contacts: Res<Contacts>,
    roster: Rosters,
    mut drones: Query<(&Drone, &mut DroneState)>,
    mut requests: ResMut<Requests>,
    mut reservations: ResMut<Reservations>,
    mut log: ResMut<EventLog>,
) {
    if contacts.started.is_empty() && contacts.struck.is_empty() && contacts.unsound.is_empty() {
        return;
    }
    let (first_drone, first_car, first_person) = (roster.first_drone(), roster.first_car(), roster.first_person());
    let class = |id: u32| match id {
        _ if id < first_drone => Class::Taxi,
        _ if id < first_car => Class::Drone,
        _ if id < first_person => Class::Car,
        _ => Class::Person,
    };
    let mut hits: Vec<(u32, Struck)> = Vec::new();
    for &(a, b) in &contacts.started {
        for (me, other) in [(a, b), (b, a)] {
            if class(me) == Class::Drone {
                hits.push((me, Struck::Body(other, class(other))));
            }
        }
    }
    hits.extend(contacts.struck.iter().map(|&(d, b)| (d, Struck::Building(b))));
    // A vehicle's or a person's body is placed from the simulation each tick: only a drone's
    // state comes from physics.
    hits.extend(contacts.unsound.iter().filter(|&&d| class(d) == Class::Drone).map(|&d| (d, Struck::Unsound)));
    for (id, struck) in hits {
        let entity = roster.drones.0[(id - first_drone) as usize];
        let (drone, mut state) = drones.get_mut(entity).expect("roster entities are drones");
        if state.crashed || !state.airborne() {
            continue;
        }
        state.crashed = true;
        reservations.release(drone.id);
        if matches!(state.phase, DronePhase::Outbound | DronePhase::Dropping { .. })
            && let Some(order) = state.order
        {
            requests.parcels[order as usize].status = OrderStatus::Failed { reason: "the drone crashed".into() };
        }
        let minimum = match struck {
            Struck::Body(_, with) => rules.separations.iter().find(|m| m.is_between(Class::Drone, with)),
            Struck::Building(_) => rules.separations.iter().find(|m| m.is_between(Class::Drone, Class::Building)),
            Struck::Unsound => None,
        };
        let (what, other) = match struck {
            Struck::Body(other, Class::Drone) => (format!("drone {other}"), Some(other)),
            Struck::Body(other, Class::Person) => (format!("person {other}"), Some(other)),
            Struck::Body(other, _) => (format!("vehicle {other}"), Some(other)),
            Struck::Building(b) => (format!("building {b}"), None),
            Struck::Unsound => (String::new(), None),
        };
        let incident = Incident {
            rule: minimum.map(|m| m.rule),
            other,
            value: 0.0,
            limit: minimum.map_or(0.0, |m| m.horizontal_m),
            severity: 3,
        };
        let [x, y, z] = state.pos;
        let detail = match struck {
            Struck::Unsound => {
                format!("physics gave its body a position or speed that is not a number; put down at ({x:.0}, {y:.0})")
            }
            _ => format!("struck {what} at {z:.0} m over ({x:.0}, {y:.0}) and fell"),
        };
        log.incident(clock.now_ms, EventKind::Crash, drone.id, state.pos, incident, detail);
    }
}

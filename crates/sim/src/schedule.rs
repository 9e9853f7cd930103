//! The two schedules, the phases of a tick, and the sets inside each phase, ordered in one
//! place: areas put their systems in a set and never name another area's system.

use bevy::app::App;
use bevy::ecs::schedule::{
    LogLevel, Schedule, ScheduleBuildSettings, ScheduleLabel, SingleThreadedExecutor, SystemSet,
};
use bevy::prelude::IntoScheduleConfigs;

use crate::events::EventLog;
use crate::worker::Worker;

/// One simulation tick: every system of the simulation runs in this schedule, once per tick.
#[derive(ScheduleLabel, Clone, Debug, PartialEq, Eq, Hash)]
pub struct SimStep;

/// Builds the world once before the first tick: spawns fleets, records the first sample.
#[derive(ScheduleLabel, Clone, Debug, PartialEq, Eq, Hash)]
pub struct SimSetup;

/// Phases of a tick, run in this order.
#[derive(SystemSet, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SimSystems {
    /// Which rules hold now; re-weighting roads and airspace when that changes.
    Rules,
    /// New ride requests and parcel orders.
    Demand,
    /// Assigning requests to taxis and orders to drones.
    Dispatch,
    /// Moving drones and vehicles, each in a lane of its own ([`crate::traffic`]), then people.
    Control,
    /// Contacts on the road, the vehicles' tallies, then the drones' crashes.
    Physics,
    /// Incidents: collisions, near misses, separation, no-fly, speed (the near misses between
    /// vehicles, and after them the drones' incidents, are logged in [`SimSystems::Findings`]).
    Safety,
    /// Running totals for the KPIs.
    Metrics,
    /// The clock moves on by one tick.
    Clock,
    /// Every entity's state into the frame that the recorder and a live viewer read.
    Frame,
    /// What the worker thread found while the tick went on (the road's look ahead), then the
    /// drones' incidents, logged in the order the monitor has always logged them.
    Findings,
    /// Samples and events into the replay.
    Record,
}

/// Steps of [`SimSetup`], run in this order: entity ids follow the order things are spawned in.
#[derive(SystemSet, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SetupSystems {
    /// Taxis at their depots (ids from 0).
    Taxis,
    /// Drones on their pads (ids after the taxis').
    Drones,
    /// Residents' cars and people (ids after the drones').
    Residents,
    /// The rules holding at the start, into the event log.
    Rules,
    /// The fixed world and one rapier body per drone, in id order.
    Bodies,
    /// The entity list and the first frame.
    Frame,
    /// The replay's header and first sample.
    Recording,
}

/// Parts of [`SimSystems::Dispatch`], run in this order.
#[derive(SystemSet, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DispatchSystems {
    /// Expiring requests, charging, assigning riders to taxis, rebalancing.
    Taxis,
    /// Launching drones with parcels.
    Drones,
    /// Residents' car trips that are due.
    Residents,
}

/// Parts of [`SimSystems::Physics`], run in this order. Physics moves drones only, and their
/// step, with what it found, ends the air's lane in [`ControlSystems::Lanes`]; here who touched
/// whom on the road is found, the vehicles' tallies kept, and the drones' crashes found.
#[derive(SystemSet, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PhysicsSystems {
    /// Contacts on the road.
    Roads,
    /// Running totals of the vehicles.
    Tallies,
    /// Drones low enough to touch the road tested against it, then the crashes of the tick.
    Results,
}

/// Parts of [`SimSystems::Control`], run in this order.
#[derive(SystemSet, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ControlSystems {
    /// The wind drones fly in.
    Wind,
    /// Dwells ending: vehicles at the kerb set off or stand by.
    Dwells,
    /// Every drone (its control, then the physics step) and every vehicle on the road, taxis and
    /// residents' cars alike, in two lanes that share nothing ([`crate::traffic`]): at city
    /// scale the air's runs on the worker thread beside the road's.
    Lanes,
    /// Standing gridlocks, among the vehicles where they have just moved.
    Gridlock,
    /// The road's checks of the vehicles where they have just moved: their speeds, and the look
    /// ahead for near misses, which goes to the worker thread at city scale and is taken back in
    /// [`SimSystems::Findings`].
    RoadChecks,
    /// The drones' events of the tick, held while vehicles moved, logged after the vehicles':
    /// the log reads as it did when drones moved second.
    DroneEvents,
    /// People at crossings, seeing where vehicles have moved to.
    Residents,
}

/// Creates the two schedules, orders the phases and the sets inside them, and holds the event
/// log and the worker thread.
pub(crate) struct SchedulePlugin;

impl bevy::app::Plugin for SchedulePlugin {
    fn build(&self, app: &mut App) {
        for mut schedule in [Schedule::new(SimSetup), Schedule::new(SimStep)] {
            // One thread and ambiguities as errors: order never depends on a scheduler race.
            schedule.set_executor(SingleThreadedExecutor::new());
            schedule.set_build_settings(ScheduleBuildSettings {
                ambiguity_detection: LogLevel::Error,
                ..Default::default()
            });
            app.add_schedule(schedule);
        }
        app.init_resource::<EventLog>().init_resource::<Worker>();
        app.configure_sets(SimSetup, (SetupSystems::Taxis, SetupSystems::Drones, SetupSystems::Residents).chain());
        // Logging the rules needs none of the entities just spawned: their commands are applied
        // after it, before the bodies are made.
        app.configure_sets(SimSetup, SetupSystems::Rules.after_ignore_deferred(SetupSystems::Residents));
        app.configure_sets(
            SimSetup,
            (SetupSystems::Rules, SetupSystems::Bodies, SetupSystems::Frame, SetupSystems::Recording).chain(),
        );
        app.configure_sets(
            SimStep,
            (
                SimSystems::Rules,
                SimSystems::Demand,
                SimSystems::Dispatch,
                SimSystems::Control,
                SimSystems::Physics,
                SimSystems::Safety,
                SimSystems::Metrics,
                SimSystems::Clock,
                SimSystems::Frame,
                SimSystems::Findings,
                SimSystems::Record,
            )
                .chain(),
        );
        app.configure_sets(
            SimStep,
            (DispatchSystems::Taxis, DispatchSystems::Drones, DispatchSystems::Residents)
                .chain()
                .in_set(SimSystems::Dispatch),
        );
        app.configure_sets(
            SimStep,
            (
                ControlSystems::Wind,
                ControlSystems::Dwells,
                ControlSystems::Lanes,
                ControlSystems::Gridlock,
                ControlSystems::RoadChecks,
                ControlSystems::DroneEvents,
                ControlSystems::Residents,
            )
                .chain()
                .in_set(SimSystems::Control),
        );
        app.configure_sets(
            SimStep,
            (PhysicsSystems::Roads, PhysicsSystems::Tallies, PhysicsSystems::Results)
                .chain()
                .in_set(SimSystems::Physics),
        );
    }
}

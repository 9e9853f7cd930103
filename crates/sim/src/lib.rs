//! The pilotzone simulation: robotaxis and delivery drones on one fixed-tick clock, as bevy
//! ECS plugins with rapier3d physics, deterministic for a scenario and a seed.
//!
//! Nothing here renders or opens a window; the viewer and the command line drive a
//! [`Simulation`] or add [`SimPlugins`] to an app of their own.

pub mod charging;
pub mod clock;
pub mod crash;
pub mod demand;
pub mod dispatch;
pub mod drone;
pub mod events;
pub mod frame;
pub mod geom;
pub mod metrics;
pub mod physics;
pub mod rebalance;
pub mod record;
pub mod residents;
pub mod rng;
pub mod roster;
pub mod rules;
pub mod safety;
pub mod schedule;
pub mod taxi;
pub mod town;
pub mod traffic;
pub mod vehicle;
pub mod verify;
pub mod watch;
pub mod worker;

use bevy::app::App;
use bevy::ecs::schedule::ScheduleLabel;
use bevy::prelude::Resource;
use pilotzone_scenario::LoadedScenario;

pub use bevy::app::{PluginGroup, PluginGroupBuilder};
pub use metrics::Kpis;
pub use roster::Rosters;
pub use schedule::{ControlSystems, DispatchSystems, PhysicsSystems, SetupSystems, SimSetup, SimStep, SimSystems};

/// Version of the engine, written into replays.
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Sets how many worker threads the simulation's parallel parts (travel-time tables) use, for
/// every simulation in this process; call it before the first is built. Results never depend
/// on it. Returns whether it took effect (the pool is made once per process).
pub fn set_worker_threads(threads: usize) -> bool {
    let mut made = false;
    bevy::tasks::ComputeTaskPool::get_or_init(|| {
        made = true;
        bevy::tasks::TaskPoolBuilder::new().num_threads(threads.max(1)).thread_name("pilotzone worker".into()).build()
    });
    made
}

/// The run's inputs, inserted before the plugins are built.
#[derive(Resource, Clone, Debug)]
pub struct SimConfig {
    /// The scenario and its text.
    pub loaded: LoadedScenario,
    /// Root seed (the scenario's unless overridden).
    pub seed: u64,
}

/// Every plugin of the simulation; disable or replace one with [`PluginGroupBuilder`] methods.
pub struct SimPlugins;

impl PluginGroup for SimPlugins {
    fn build(self) -> PluginGroupBuilder {
        PluginGroupBuilder::start::<Self>()
            .add(schedule::SchedulePlugin)
            .add(clock::ClockPlugin)
            .add(town::TownPlugin)
            .add(rules::RulesPlugin)
            .add(demand::DemandPlugin)
            .add(vehicle::VehiclePlugin)
            .add(taxi::TaxiPlugin)
            .add(drone::DronePlugin)
            .add(residents::ResidentsPlugin)
            .add(physics::PhysicsPlugin)
            .add(traffic::TrafficPlugin)
            .add(crash::CrashPlugin)
            .add(safety::SafetyPlugin)
            .add(metrics::MetricsPlugin)
            .add(frame::FramePlugin)
            .add(record::RecorderPlugin)
    }
}

/// Why a simulation could not be built.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// A schedule failed to build (a system-order ambiguity, for example).
    #[error("the simulation schedule is inconsistent: {0}")]
    Schedule(String),
    /// A prepared town was built from another scenario than the one to run.
    #[error("the prepared town belongs to another scenario")]
    TownMismatch,
}

/// A headless run: an [`App`] with [`SimPlugins`], stepped tick by tick.
pub struct Simulation {
    app: App,
}

impl Simulation {
    /// Builds the world for a scenario and seed.
    pub fn new(loaded: LoadedScenario, seed: u64) -> Result<Self, SimError> {
        Self::build(loaded, seed, None, SimPlugins.build())
    }

    /// Builds the world on a town prepared beforehand ([`town::TownMap::new`] on the same
    /// scenario), so that runs of one scenario share the preparation.
    pub fn with_town(loaded: LoadedScenario, seed: u64, town: town::TownMap) -> Result<Self, SimError> {
        if *town.scenario != loaded.scenario {
            return Err(SimError::TownMismatch);
        }
        Self::build(loaded, seed, Some(town), SimPlugins.build())
    }

    /// Builds the world with a changed plugin group, for example without the recorder
    /// (`SimPlugins.build().disable::<record::RecorderPlugin>()`).
    pub fn with_plugins(loaded: LoadedScenario, seed: u64, plugins: PluginGroupBuilder) -> Result<Self, SimError> {
        Self::build(loaded, seed, None, plugins)
    }

    fn build(
        loaded: LoadedScenario,
        seed: u64,
        town: Option<town::TownMap>,
        plugins: PluginGroupBuilder,
    ) -> Result<Self, SimError> {
        let mut app = App::new();
        app.add_plugins(bevy::app::TaskPoolPlugin::default());
        app.insert_resource(SimConfig { loaded, seed });
        if let Some(town) = town {
            // The town plugin only prepares a town when none is given.
            app.insert_resource(town);
        }
        app.add_plugins(plugins);
        app.finish();
        app.cleanup();
        let world = app.world_mut();
        for label in [SimSetup.intern(), SimStep.intern()] {
            world.schedule_scope(label, |world, schedule| match schedule.initialize(world) {
                Ok(_) => Ok(()),
                Err(e) => Err(SimError::Schedule(e.to_string(schedule.graph(), world))),
            })?;
        }
        world.run_schedule(SimSetup);
        Ok(Self { app })
    }

    /// Advances one tick.
    pub fn step(&mut self) {
        self.app.world_mut().run_schedule(SimStep);
    }

    /// Simulated milliseconds so far.
    pub fn now_ms(&self) -> u64 {
        self.app.world().resource::<clock::SimClock>().now_ms
    }

    /// Simulated milliseconds the run lasts.
    pub fn end_ms(&self) -> u64 {
        self.app.world().resource::<clock::SimClock>().end_ms
    }

    /// Whether the run is over.
    pub fn is_done(&self) -> bool {
        self.now_ms() >= self.end_ms()
    }

    /// Runs to the end.
    pub fn run_to_end(&mut self) {
        while !self.is_done() {
            self.step();
        }
    }

    /// State hash of the last tick (the one `pilotzone verify` compares), taken back from the
    /// worker thread if it is hashing it.
    pub fn last_tick_hash(&mut self) -> u32 {
        self.app.world_mut().get_resource_mut::<record::Recorder>().map_or(0, |mut r| r.last_hash())
    }

    /// The replay so far, every closed segment of it: a live viewer opens it as a replay cut
    /// short. Empty without the recorder.
    pub fn replay_so_far(&self) -> &[u8] {
        self.app.world().get_resource::<record::Recorder>().map_or(&[], record::Recorder::written)
    }

    /// Every entity's state at the last frame capture (see [`frame::SimFrame`]).
    pub fn frame(&self) -> Option<&frame::SimFrame> {
        self.app.world().get_resource::<frame::SimFrame>()
    }

    /// Captures a frame every tick instead of at the recording interval, for a live view; the
    /// replay's samples stay on the recording clock.
    pub fn capture_every_tick(&mut self) {
        let tick_ms = u64::from(self.app.world().resource::<SimConfig>().loaded.scenario.run.tick_ms);
        if let Some(mut f) = self.app.world_mut().get_resource_mut::<frame::SimFrame>() {
            f.every_ms = Some(tick_ms);
        }
    }

    /// The app, for tests and tools that inspect state.
    pub fn app(&self) -> &App {
        &self.app
    }

    /// The app, to set up situations a test needs (a person stepping out, a forced junction).
    pub fn app_mut(&mut self) -> &mut App {
        &mut self.app
    }

    /// Ends the run: the KPIs, the event log and the replay bytes.
    pub fn finish(mut self) -> RunOutput {
        let world = self.app.world_mut();
        let end_ms = world.resource::<clock::SimClock>().now_ms;
        let replay = world.get_resource_mut::<record::Recorder>().map(|mut r| r.finish(end_ms)).unwrap_or_default();
        let replay_hash = pilotzone_replay::replay_hash(&replay);
        let world = self.app.world_mut();
        let mut kpis = world.run_system_cached(metrics::compute_kpis).expect("the KPI system only reads");
        kpis.replay_hash = pilotzone_replay::Hex(replay_hash).to_string();
        let events = std::mem::take(&mut world.resource_mut::<events::EventLog>().events);
        RunOutput { kpis, events, replay, replay_hash }
    }
}

/// What a finished run produced.
#[derive(Debug)]
pub struct RunOutput {
    /// Key performance indicators.
    pub kpis: Kpis,
    /// Every event, in time order.
    pub events: Vec<events::SimEvent>,
    /// The replay file's bytes.
    pub replay: Vec<u8>,
    /// Hash of the replay bytes.
    pub replay_hash: u64,
}

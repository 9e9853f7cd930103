//! Rules as data: which rules hold at this time of day, and what that means for the roads
//! (speed limits, closures) and the airspace (no-fly volumes). When the set of holding rules
//! changes, the road metric and the airspace planner are rebuilt and `version` moves on, so
//! vehicles and drones know to re-plan.

use bevy::prelude::*;
use pilotzone_routing::{AirspacePlanner, CLOSED, Metric, Obstacle};
use pilotzone_scenario::{Rule, time};

use crate::clock::SimClock;
use crate::events::{EventKind, EventLog};
use crate::town::{TownMap, obstacle};
use crate::{SimSetup, SimStep, SimSystems};

/// Margin drones keep from the corners of no-fly volumes, in metres.
pub const NO_FLY_MARGIN_M: f64 = 15.0;

/// The rules in force and their effect on roads and airspace.
#[derive(Resource, Debug)]
pub struct ActiveRules {
    /// Whether each scenario rule holds now.
    pub holds: Vec<bool>,
    /// Bumped whenever `holds` changes.
    pub version: u32,
    /// Travel time of each arc in ms at the speeds in force; [`CLOSED`] where closed.
    pub metric: Metric,
    /// Speed limit in force on each arc, km/h (0 where closed).
    pub arc_limit_kmh: Vec<f64>,
    /// Planner over the volumes closed now.
    pub planner: AirspacePlanner,
    /// Drone separation minimum in force (horizontal, vertical metres).
    pub drone_separation: Option<(f64, f64)>,
    /// For each taxi fleet then each drone fleet (scenario order), whether it may take work.
    pub fleet_open: Vec<bool>,
}

impl ActiveRules {
    /// Every volume closed to drones now.
    pub fn no_fly(&self) -> &[Obstacle] {
        self.planner.obstacles()
    }

    /// Whether the fleet named `name` may take new work now.
    pub fn fleet_open(&self, town: &TownMap, name: &str) -> bool {
        let fleets = &town.scenario.fleets;
        let i =
            fleets.taxis.iter().map(|f| &f.name).chain(fleets.drones.iter().map(|f| &f.name)).position(|n| n == name);
        i.is_none_or(|i| self.fleet_open[i])
    }

    fn rebuild(&mut self, town: &TownMap) {
        let g = town.graph();
        let rules = &town.scenario.rules;
        let mut limit = town.arc_posted_kmh.clone();
        let mut obstacles = town.permanent_no_fly.clone();
        let mut separation = None;
        let fleets = &town.scenario.fleets;
        let names: Vec<&str> =
            fleets.taxis.iter().map(|f| f.name.as_str()).chain(fleets.drones.iter().map(|f| f.name.as_str())).collect();
        self.fleet_open = vec![true; names.len()];
        for (i, rule) in rules.iter().enumerate() {
            // Operating hours are a permission window: outside it the fleet is closed.
            if let Rule::OperatingHours { fleet, .. } = rule
                && let Some(f) = names.iter().position(|n| n == fleet)
            {
                self.fleet_open[f] &= self.holds[i];
            }
            if !self.holds[i] {
                continue;
            }
            match rule {
                Rule::SpeedLimit { kmh, .. } => {
                    for &arc in &town.rule_arcs[i] {
                        limit[arc as usize] = limit[arc as usize].min(*kmh);
                    }
                }
                Rule::RoadClosure { roads, .. } => {
                    for &(a, b) in roads {
                        let (Some(a), Some(b)) = (town.index.node(a), town.index.node(b)) else { continue };
                        for arc in g.find_arc(a, b).into_iter().chain(g.find_arc(b, a)) {
                            limit[arc as usize] = 0.0;
                        }
                    }
                }
                Rule::NoFly { volume, .. } => obstacles.push(obstacle(volume)),
                Rule::DroneSeparation { horizontal_m, vertical_m, .. } => {
                    separation = Some((*horizontal_m, *vertical_m))
                }
                Rule::OperatingHours { .. } => {}
            }
        }
        // Travel times use the fastest fleet's top speed where roads allow more.
        let cap = fleets.taxis.iter().map(|f| f.max_speed_kmh).fold(0.0, f64::max);
        let cap = if cap > 0.0 { cap } else { f64::MAX };
        self.metric = g.metric_from_speeds(|arc| limit[arc as usize].min(cap));
        debug_assert!(self.metric.iter().zip(&limit).all(|(&m, &l)| (m == CLOSED) == (l <= 0.0)));
        self.arc_limit_kmh = limit;
        self.planner = AirspacePlanner::new(obstacles, NO_FLY_MARGIN_M);
        self.drone_separation = separation;
    }

    fn holds_at(town: &TownMap, time_of_day_s: u32) -> Vec<bool> {
        town.scenario
            .rules
            .iter()
            .map(|r| match r {
                Rule::DroneSeparation { .. } => true,
                _ => time::active(&r.hours().copied(), time_of_day_s),
            })
            .collect()
    }
}

impl FromWorld for ActiveRules {
    fn from_world(world: &mut World) -> Self {
        let town = world.resource::<TownMap>();
        let tod = world.resource::<SimClock>().time_of_day_s();
        let mut rules = ActiveRules {
            holds: Self::holds_at(town, tod),
            version: 0,
            metric: Vec::new(),
            arc_limit_kmh: Vec::new(),
            planner: AirspacePlanner::new(Vec::new(), NO_FLY_MARGIN_M),
            drone_separation: None,
            fleet_open: Vec::new(),
        };
        rules.rebuild(town);
        rules
    }
}

/// Adds the rulebook.
pub struct RulesPlugin;

impl Plugin for RulesPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<ActiveRules>()
            .add_systems(SimSetup, log_initial_rules)
            .add_systems(SimStep, apply_rules.in_set(SimSystems::Rules));
    }
}

/// Records which timed rules hold at the start.
pub fn log_initial_rules(town: Res<TownMap>, rules: Res<ActiveRules>, mut log: ResMut<EventLog>) {
    for (rule, &holds) in town.scenario.rules.iter().zip(&rules.holds) {
        if holds && rule.hours().is_some() {
            log.push(0, EventKind::RuleChange, 0, [0.0; 3], format!("{} holds", rule.id()));
        }
    }
}

/// Re-evaluates the rules once a simulated second and rebuilds their effects when they change.
pub fn apply_rules(
    clock: Res<SimClock>,
    town: Res<TownMap>,
    mut rules: ResMut<ActiveRules>,
    mut log: ResMut<EventLog>,
) {
    if !clock.every(1000) {
        return;
    }
    let holds = ActiveRules::holds_at(&town, clock.time_of_day_s());
    if holds == rules.holds {
        return;
    }
    for ((rule, &now), &before) in town.scenario.rules.iter().zip(&holds).zip(&rules.holds) {
        if now != before {
            let detail = format!("{} {}", rule.id(), if now { "holds" } else { "lifted" });
            log.push(clock.now_ms, EventKind::RuleChange, 0, [0.0; 3], detail);
        }
    }
    rules.holds = holds;
    rules.version += 1;
    rules.rebuild(&town);
}

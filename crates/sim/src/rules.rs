//! Rules as data: which rules hold at this time of day (and date), and what that means for the
//! roads (speed limits, closures, one-way changes, designated routes), the airspace (no-fly
//! volumes, the altitude band), the fleets (operating hours, wind limits, remote operators) and
//! the separation minima the monitor checks. When the set of holding rules changes, the road
//! metric and the airspace planner are rebuilt and `version` moves on, so vehicles and drones
//! know to re-plan.

use std::collections::BTreeMap;

use bevy::prelude::*;
use pilotzone_routing::{AirspacePlanner, CLOSED, CchMetric, Metric, Obstacle, Vec2};
use pilotzone_scenario::{Class, Date, RuleKind, time::DAY_S};

use crate::clock::SimClock;
use crate::events::{EventKind, EventLog};
use crate::schedule::{SetupSystems, SimSetup, SimStep, SimSystems};
use crate::town::{TownMap, obstacle};

/// Margin drones keep from the corners of no-fly volumes, in metres.
pub const NO_FLY_MARGIN_M: f64 = 15.0;

/// A separation minimum in force.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SeparationMinimum {
    /// Index of the rule in the scenario.
    pub rule: usize,
    /// The pair of classes, in the order the rule names them.
    pub between: (Class, Class),
    /// Horizontal minimum, m.
    pub horizontal_m: f64,
    /// Vertical minimum, m.
    pub vertical_m: f64,
}

impl SeparationMinimum {
    /// Whether the minimum is between `a` and `b`, in either order.
    pub fn is_between(&self, a: Class, b: Class) -> bool {
        self.between == (a, b) || self.between == (b, a)
    }
}

/// How far ahead flights are planned around no-fly volumes that are scheduled to close, s:
/// longer than any flight in a town.
pub const FLIGHT_LOOKAHEAD_S: u32 = 900;

/// Separation drones keep where the scenario sets no drone–drone minimum: horizontal and
/// vertical, m.
pub const DEFAULT_DRONE_MINIMUM_M: (f64, f64) = (30.0, 10.0);

/// Planning buffer over the horizontal separation minimum: room for detect-and-avoid to turn a
/// drone aside for what a plan missed without bringing it near another's plan.
pub const PLAN_HORIZONTAL_MARGIN: f64 = 1.5;
/// Planning buffer over the vertical separation minimum.
pub const PLAN_VERTICAL_MARGIN: f64 = 1.25;

/// The rules in force and their effect on roads and airspace.
#[derive(Resource, Debug)]
pub struct ActiveRules {
    /// Whether each scenario rule holds now.
    pub holds: Vec<bool>,
    /// Bumped whenever `holds` changes.
    pub version: u32,
    /// Travel time of each arc in ms for Level-4 taxis at the speeds in force; [`CLOSED`] where
    /// closed to them.
    pub metric: Metric,
    /// [`Self::metric`] customized on the town's hierarchy: what taxis route and dispatch by.
    pub routes: CchMetric,
    /// Speed limit in force for taxis on each arc, km/h (0 where closed).
    pub arc_limit_kmh: Vec<f64>,
    /// The rule that sets each arc's taxi limit or closes it; none where the posted limit holds.
    pub arc_limit_rule: Vec<Option<usize>>,
    /// Speed limit in force for human-driven cars on each arc, km/h (0 where closed to them).
    pub car_limit_kmh: Vec<f64>,
    /// The rule that sets each arc's car limit or closes it.
    pub car_limit_rule: Vec<Option<usize>>,
    /// Travel times drivers route by: posted speeds (habit, not the signs of the day) on the
    /// roads open to cars, ms; [`CLOSED`] elsewhere.
    pub car_metric: Metric,
    /// [`Self::car_metric`] customized on the town's hierarchy.
    pub car_routes: CchMetric,
    /// Planner over the volumes closed now (what the monitor checks against).
    pub planner: AirspacePlanner,
    /// Planner flights are planned with: the volumes closed now and those that close within
    /// [`FLIGHT_LOOKAHEAD_S`], so no flight is sent where a volume will close around it.
    pub flight_planner: AirspacePlanner,
    /// For each rule, whether it is a no-fly volume that closes within the look-ahead.
    pub upcoming: Vec<bool>,
    /// For each volume of the planner, the rule that closes it (none: a permanent map volume).
    pub no_fly_rule: Vec<Option<usize>>,
    /// Lowest and highest altitude drones may cruise at now, m.
    pub band_m: (f64, f64),
    /// Whether flights cruise on the layer of their course ([`pilotzone_scenario::Airspace`]).
    pub course_layers: bool,
    /// The rule that sets the ceiling, if a rule lowers it below the map's band.
    pub ceiling_rule: Option<usize>,
    /// Separation minima in force.
    pub separations: Vec<SeparationMinimum>,
    /// Highest mean wind for take-off and the rule that sets it.
    pub wind_limit: Option<(f64, usize)>,
    /// For each taxi fleet, vehicles per remote operator and the rule, when one holds.
    pub operators: Vec<Option<(u32, usize)>>,
    /// For each taxi fleet then each drone fleet (scenario order), whether it may take work.
    pub fleet_open: Vec<bool>,
}

impl ActiveRules {
    /// Every volume closed to drones now.
    pub fn no_fly(&self) -> &[Obstacle] {
        self.planner.obstacles()
    }

    /// The drone–drone separation minimum in force (horizontal, vertical metres).
    pub fn drone_separation(&self) -> Option<&SeparationMinimum> {
        self.separations.iter().find(|s| s.is_between(Class::Drone, Class::Drone))
    }

    /// The distances drones keep from each other in plans and manoeuvres, horizontal and
    /// vertical, m: the minimum in force, or [`DEFAULT_DRONE_MINIMUM_M`] where no rule sets one.
    pub fn drone_minimum_m(&self) -> (f64, f64) {
        self.drone_separation().map_or(DEFAULT_DRONE_MINIMUM_M, |m| (m.horizontal_m, m.vertical_m))
    }

    /// How far apart strategic deconfliction plans drones to stay, horizontal and vertical, m:
    /// the drone minimum in force with its margins ([`PLAN_HORIZONTAL_MARGIN`],
    /// [`PLAN_VERTICAL_MARGIN`]).
    pub fn drone_planning_buffer_m(&self) -> (f64, f64) {
        let (h, v) = self.drone_minimum_m();
        (h * PLAN_HORIZONTAL_MARGIN, v * PLAN_VERTICAL_MARGIN)
    }

    /// Every vertiport's terminal area as the flight planner keeps out of it: the ring of stands
    /// widened by the planning buffer, so that a flight going round it is clear of every drone
    /// rising from or setting down on a stand there. Flights of other vertiports crossing it
    /// held the drones of this one on their stands, waiting for a clear climb, where a short way
    /// round costs them seconds. It is airspace a cruise keeps out of where it can, not a no-fly
    /// volume: a flight to a garden next to a vertiport, or one with no other way, still crosses
    /// it, held apart as anywhere.
    pub fn terminal_areas(&self) -> &[Obstacle] {
        self.flight_planner.keep_out()
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
        let s = &town.scenario;
        let mut limit = town.arc_posted_kmh.clone();
        let mut limit_rule = vec![None; limit.len()];
        let mut car_limit = town.arc_posted_kmh.clone();
        let mut car_rule = vec![None; limit.len()];
        let mut obstacles = town.permanent_no_fly.clone();
        let mut no_fly_rule = vec![None; obstacles.len()];
        let air = &s.map.airspace;
        let (mut floor, mut ceiling, mut ceiling_rule) = (air.band_floor_m, air.band_ceiling_m, None);
        self.separations.clear();
        self.wind_limit = None;
        self.operators = vec![None; s.fleets.taxis.len()];
        let fleets: Vec<(&str, Class)> = s
            .fleets
            .taxis
            .iter()
            .map(|f| (f.name.as_str(), Class::Taxi))
            .chain(s.fleets.drones.iter().map(|f| (f.name.as_str(), Class::Drone)))
            .collect();
        self.fleet_open = vec![true; fleets.len()];
        let lower = |limit: &mut Vec<f64>, by: &mut Vec<Option<usize>>, arcs: &[u32], kmh: f64, rule: usize| {
            for &arc in arcs {
                if kmh < limit[arc as usize] {
                    limit[arc as usize] = kmh;
                    by[arc as usize] = Some(rule);
                }
            }
        };
        for (i, rule) in s.rules.iter().enumerate() {
            // Operating hours are a permission window: outside it the fleet is closed.
            if let RuleKind::OperatingHours { fleet } = &rule.kind {
                for (f, &(name, class)) in fleets.iter().enumerate() {
                    let bound = match fleet {
                        Some(fleet) => fleet == name,
                        None => rule.binds(class),
                    };
                    if bound {
                        self.fleet_open[f] &= self.holds[i];
                    }
                }
            }
            if !self.holds[i] {
                continue;
            }
            match &rule.kind {
                RuleKind::SpeedLimit { kmh, .. } => {
                    if rule.binds(Class::Taxi) {
                        lower(&mut limit, &mut limit_rule, &town.rule_arcs[i], *kmh, i);
                    }
                    if rule.binds(Class::Car) {
                        lower(&mut car_limit, &mut car_rule, &town.rule_arcs[i], *kmh, i);
                    }
                }
                RuleKind::RoadClosure { .. } | RuleKind::OneWay { .. } | RuleKind::DesignatedRoute { .. } => {
                    if rule.binds(Class::Taxi) {
                        lower(&mut limit, &mut limit_rule, &town.rule_arcs[i], 0.0, i);
                    }
                    if rule.binds(Class::Car) {
                        lower(&mut car_limit, &mut car_rule, &town.rule_arcs[i], 0.0, i);
                    }
                }
                RuleKind::NoFly { volume } => {
                    obstacles.push(obstacle(volume));
                    no_fly_rule.push(Some(i));
                }
                RuleKind::AltitudeBand { floor_m, ceiling_m } => {
                    floor = floor.max(*floor_m);
                    if *ceiling_m < ceiling {
                        ceiling = *ceiling_m;
                        ceiling_rule = Some(i);
                    }
                }
                RuleKind::Separation { between, horizontal_m, vertical_m } => {
                    let new = SeparationMinimum {
                        rule: i,
                        between: *between,
                        horizontal_m: *horizontal_m,
                        vertical_m: *vertical_m,
                    };
                    // Of two minima for one pair, the larger holds.
                    match self.separations.iter_mut().find(|m| m.is_between(between.0, between.1)) {
                        Some(m) if m.horizontal_m < *horizontal_m => *m = new,
                        Some(_) => {}
                        None => self.separations.push(new),
                    }
                }
                RuleKind::WindLimit { max_mps } if self.wind_limit.is_none_or(|(w, _)| *max_mps < w) => {
                    self.wind_limit = Some((*max_mps, i));
                }
                RuleKind::RemoteOperators { fleet, vehicles_per_operator } => {
                    for (f, t) in s.fleets.taxis.iter().enumerate() {
                        if fleet.as_ref().is_none_or(|n| *n == t.name)
                            && self.operators[f].is_none_or(|(v, _)| *vehicles_per_operator < v)
                        {
                            self.operators[f] = Some((*vehicles_per_operator, i));
                        }
                    }
                }
                _ => {}
            }
        }
        // Travel times use the fastest fleet's top speed where roads allow more.
        let cap = s.fleets.taxis.iter().map(|f| f.max_speed_kmh).fold(0.0, f64::max);
        let cap = if cap > 0.0 { cap } else { f64::MAX };
        self.metric = g.metric_from_speeds(|arc| limit[arc as usize].min(cap));
        debug_assert!(self.metric.iter().zip(&limit).all(|(&m, &l)| (m == CLOSED) == (l <= 0.0)));
        self.arc_limit_kmh = limit;
        self.arc_limit_rule = limit_rule;
        self.car_metric =
            g.metric_from_speeds(
                |arc| {
                    if car_limit[arc as usize] > 0.0 { town.arc_posted_kmh[arc as usize] } else { 0.0 }
                },
            );
        self.car_limit_kmh = car_limit;
        self.car_limit_rule = car_rule;
        // A rule change re-customizes only the hierarchy edges its arcs reach.
        self.routes.update(&town.cch, &self.metric);
        self.car_routes.update(&town.cch, &self.car_metric);
        let mut flight_obstacles = obstacles.clone();
        for (rule, _) in s.rules.iter().zip(&self.upcoming).filter(|(_, up)| **up) {
            if let RuleKind::NoFly { volume } = &rule.kind {
                flight_obstacles.push(obstacle(volume));
            }
        }
        self.flight_planner = AirspacePlanner::new(flight_obstacles, NO_FLY_MARGIN_M)
            .with_keep_out(terminal_areas(town, self.drone_planning_buffer_m().0));
        self.planner = AirspacePlanner::new(obstacles, NO_FLY_MARGIN_M);
        self.no_fly_rule = no_fly_rule;
        self.band_m = (floor, ceiling.max(floor));
        self.course_layers = s.map.airspace.course_layers;
        self.ceiling_rule = ceiling_rule;
    }

    fn holds_at(town: &TownMap, clock: &SimClock) -> Vec<bool> {
        Self::holds_at_tod(town, clock.time_of_day_s())
    }

    fn holds_at_tod(town: &TownMap, tod: u32) -> Vec<bool> {
        let day = town.scenario.run.date.map(|d: Date| d.plus_days((tod / DAY_S) as i32));
        town.scenario.rules.iter().map(|r| r.holds(day, tod)).collect()
    }

    /// No-fly rules that do not hold now but will within the look-ahead (checked each minute,
    /// the resolution of rule hours).
    fn upcoming_at(town: &TownMap, clock: &SimClock, holds: &[bool]) -> Vec<bool> {
        let now = clock.time_of_day_s();
        let mut up = vec![false; holds.len()];
        let no_fly: Vec<usize> = (0..holds.len())
            .filter(|&i| {
                let rule = &town.scenario.rules[i];
                !holds[i] && rule.published && matches!(rule.kind, RuleKind::NoFly { .. })
            })
            .collect();
        if no_fly.is_empty() {
            return up;
        }
        for ahead in (60..=FLIGHT_LOOKAHEAD_S).step_by(60) {
            let later = Self::holds_at_tod(town, now + ahead);
            for &i in &no_fly {
                up[i] |= later[i];
            }
        }
        up
    }
}

impl FromWorld for ActiveRules {
    fn from_world(world: &mut World) -> Self {
        let town = world.resource::<TownMap>();
        let clock = world.resource::<SimClock>();
        let holds = Self::holds_at(town, clock);
        let mut rules = ActiveRules {
            upcoming: Self::upcoming_at(town, clock, &holds),
            holds,
            version: 0,
            metric: Vec::new(),
            arc_limit_kmh: Vec::new(),
            arc_limit_rule: Vec::new(),
            car_limit_kmh: Vec::new(),
            car_limit_rule: Vec::new(),
            car_metric: Vec::new(),
            routes: CchMetric::default(),
            car_routes: CchMetric::default(),
            planner: AirspacePlanner::new(Vec::new(), NO_FLY_MARGIN_M),
            flight_planner: AirspacePlanner::new(Vec::new(), NO_FLY_MARGIN_M),
            no_fly_rule: Vec::new(),
            band_m: (0.0, 0.0),
            course_layers: false,
            ceiling_rule: None,
            separations: Vec::new(),
            wind_limit: None,
            operators: Vec::new(),
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
            .add_systems(SimSetup, log_initial_rules.in_set(SetupSystems::Rules))
            .add_systems(SimStep, apply_rules.in_set(SimSystems::Rules));
    }
}

/// Records which timed rules hold at the start.
pub fn log_initial_rules(town: Res<TownMap>, rules: Res<ActiveRules>, mut log: ResMut<EventLog>) {
    for (rule, &holds) in town.scenario.rules.iter().zip(&rules.holds) {
        if holds && (rule.hours.is_some() || !rule.dates.is_empty()) {
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
    let holds = ActiveRules::holds_at(&town, &clock);
    let upcoming = ActiveRules::upcoming_at(&town, &clock, &holds);
    if holds == rules.holds && upcoming == rules.upcoming {
        return;
    }
    for ((rule, &now), &before) in town.scenario.rules.iter().zip(&holds).zip(&rules.holds) {
        if now != before {
            let detail = format!("{} {}", rule.id(), if now { "holds" } else { "lifted" });
            log.push(clock.now_ms, EventKind::RuleChange, 0, [0.0; 3], detail);
        }
    }
    rules.holds = holds;
    rules.upcoming = upcoming;
    rules.version += 1;
    rules.rebuild(&town);
}

/// The terminal areas of [`ActiveRules::terminal_areas`] for the planning buffer `buffer_m`.
fn terminal_areas(town: &TownMap, buffer_m: f64) -> Vec<Obstacle> {
    /// Sides of the polygon drawn round a terminal area's circle.
    const SIDES: u32 = 12;
    let mut rings: BTreeMap<usize, f64> = BTreeMap::new();
    for f in &town.scenario.fleets.drones {
        if let Some(base) = town.place(&f.base) {
            let ring = rings.entry(base).or_default();
            *ring = ring.max(pilotzone_scenario::schema::pad_ring_radius_m(f.count));
        }
    }
    rings
        .into_iter()
        .map(|(base, ring)| {
            let (at, step) = (town.place_pos[base], std::f64::consts::TAU / f64::from(SIDES));
            // Corners outside the circle, so that the whole circle is inside the polygon.
            let corner = (ring + buffer_m) / (step / 2.0).cos();
            let polygon = (0..SIDES)
                .map(|k| {
                    let angle = step * f64::from(k);
                    Vec2::new(at.x + corner * angle.cos(), at.y + corner * angle.sin())
                })
                .collect();
            Obstacle {
                name: format!("terminal area of {}", town.scenario.map.places[base].name),
                polygon,
                floor_m: 0.0,
                ceiling_m: f64::MAX,
            }
        })
        .collect()
}

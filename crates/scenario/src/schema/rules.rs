//! Rules: what each requires, where, when and of whom; the rules in force are a function of
//! the time of day and the date.

use serde::{Deserialize, Serialize};

use super::{NoFlyVolume, RoadRef, default_true};
use crate::time::{Date, DateRange, Hours};

/// A rule name for people, in both languages the viewer presents in.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleName {
    /// English.
    #[serde(default)]
    pub en: String,
    /// Japanese.
    #[serde(default)]
    pub ja: String,
}

/// Who or what a rule applies to or protects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Class {
    /// Level-4 on-demand taxis.
    Taxi,
    /// Human-driven background cars.
    Car,
    /// Delivery drones.
    Drone,
    /// People on foot.
    Person,
    /// Buildings (property, for separation minima).
    Building,
}

impl Class {
    /// Lower-case name used in messages and tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Taxi => "taxi",
            Class::Car => "car",
            Class::Drone => "drone",
            Class::Person => "person",
            Class::Building => "building",
        }
    }
}

/// A rule: what it requires, where, when and of whom.
///
/// ```ron
/// Rule(
///   id: "school-run-20",
///   name: (en: "20 km/h past the school during the school run", ja: "登校時間帯は学校周辺 20 km/h"),
///   hours: (from: "07:30", to: "08:30"),
///   kind: SpeedLimit(zone: "school-zone", kmh: 20.0),
/// )
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Unique rule id, cited by every incident the rule finds.
    pub id: String,
    /// Name shown to people.
    #[serde(default)]
    pub name: RuleName,
    /// Daily window; always when absent.
    #[serde(default)]
    pub hours: Option<Hours>,
    /// Days the rule holds (a festival, a school term); every day when empty. Needs `run.date`.
    #[serde(default)]
    pub dates: Vec<DateRange>,
    /// Classes the rule binds; empty means every class its kind can bind (see [`RuleKind`]).
    #[serde(default)]
    pub applies_to: Vec<Class>,
    /// Whether the rule is published before it holds (default true): drones plan around a
    /// published no-fly volume from a quarter of an hour before it closes. An emergency closure
    /// is not: it takes effect unannounced, around whoever is flying.
    #[serde(default = "default_true", skip_serializing_if = "is_true")]
    pub published: bool,
    /// What the rule requires.
    pub kind: RuleKind,
}

fn is_true(b: &bool) -> bool {
    *b
}

/// What a rule requires.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum RuleKind {
    /// Speed limit on every road whose midpoint lies in `zone`, or on every road when `zone` is
    /// absent; roads with a lower posted limit keep theirs. Binds `Taxi` and `Car`.
    SpeedLimit {
        /// Zone name; the whole map when absent.
        #[serde(default)]
        zone: Option<String>,
        /// Limit in km/h.
        kmh: f64,
    },
    /// Roads closed to traffic in both directions. Binds `Taxi` and `Car`.
    RoadClosure {
        /// Roads closed, by end nodes.
        roads: Vec<RoadRef>,
    },
    /// A two-way road made one-way: traffic may only go from the first node to the second.
    /// Binds `Taxi` and `Car`.
    OneWay {
        /// The road, in the direction that stays open.
        road: RoadRef,
    },
    /// Airspace closed to drones (permanent volumes may also sit in `map.airspace`).
    NoFly {
        /// The closed volume.
        volume: NoFlyVolume,
    },
    /// Altitudes drones may cruise at, metres above ground (Japan: at most 150 m).
    AltitudeBand {
        /// Lowest cruise altitude.
        floor_m: f64,
        /// Highest altitude.
        ceiling_m: f64,
    },
    /// Minimum distance between two classes: a loss when both the horizontal and the vertical
    /// distance are below their minima. Pairs checked: drone–drone, drone–person,
    /// drone–building, taxi–person, car–person.
    Separation {
        /// The two classes.
        between: (Class, Class),
        /// Horizontal minimum in metres.
        horizontal_m: f64,
        /// Vertical minimum in metres.
        vertical_m: f64,
    },
    /// Hours a fleet may take new work (the rule's `hours`, required); outside them vehicles
    /// finish what they carry and stand.
    OperatingHours {
        /// Fleet name (taxi or drone fleet); every fleet of the bound classes when absent.
        #[serde(default)]
        fleet: Option<String>,
    },
    /// Drones do not take off while the mean wind exceeds this speed. Binds `Drone`.
    WindLimit {
        /// Highest mean wind for take-off, m/s.
        max_mps: f64,
    },
    /// Remote monitoring: one operator per this many vehicles of the fleet. A Level-4 vehicle
    /// needs an operator to confirm every departure from a stop and while it stands blocked;
    /// with every operator busy it waits.
    RemoteOperators {
        /// Taxi fleet name; every taxi fleet when absent.
        #[serde(default)]
        fleet: Option<String>,
        /// Vehicles one operator watches.
        vehicles_per_operator: u32,
    },
    /// The only roads Level-4 taxis may drive (a permit's designated route). Binds `Taxi`.
    DesignatedRoute {
        /// Roads of the route, by end nodes; both directions.
        roads: Vec<RoadRef>,
    },
}

impl RuleKind {
    /// Classes a rule of this kind binds when `applies_to` is empty.
    pub fn default_classes(&self) -> &'static [Class] {
        match self {
            RuleKind::SpeedLimit { .. } | RuleKind::RoadClosure { .. } | RuleKind::OneWay { .. } => {
                &[Class::Taxi, Class::Car]
            }
            RuleKind::DesignatedRoute { .. } | RuleKind::RemoteOperators { .. } => &[Class::Taxi],
            RuleKind::NoFly { .. } | RuleKind::AltitudeBand { .. } | RuleKind::WindLimit { .. } => &[Class::Drone],
            // The pair named in the rule is bound, whatever else the rule lists.
            RuleKind::Separation { .. } => &[],
            RuleKind::OperatingHours { .. } => &[Class::Taxi, Class::Drone],
        }
    }

    /// Short name of the kind, as incidents and tables print it.
    pub fn as_str(&self) -> &'static str {
        match self {
            RuleKind::SpeedLimit { .. } => "speed_limit",
            RuleKind::RoadClosure { .. } => "road_closure",
            RuleKind::OneWay { .. } => "one_way",
            RuleKind::NoFly { .. } => "no_fly",
            RuleKind::AltitudeBand { .. } => "altitude_band",
            RuleKind::Separation { .. } => "separation",
            RuleKind::OperatingHours { .. } => "operating_hours",
            RuleKind::WindLimit { .. } => "wind_limit",
            RuleKind::RemoteOperators { .. } => "remote_operators",
            RuleKind::DesignatedRoute { .. } => "designated_route",
        }
    }
}

impl Rule {
    /// A rule with no name, dates or class list.
    pub fn new(id: impl Into<String>, hours: Option<Hours>, kind: RuleKind) -> Self {
        Rule {
            id: id.into(),
            name: RuleName::default(),
            hours,
            dates: Vec::new(),
            applies_to: Vec::new(),
            published: true,
            kind,
        }
    }

    /// The rule's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The rule's daily window, if it has one.
    pub fn hours(&self) -> Option<&Hours> {
        self.hours.as_ref()
    }

    /// Whether the rule binds `class`.
    pub fn binds(&self, class: Class) -> bool {
        if let RuleKind::Separation { between, .. } = &self.kind {
            return between.0 == class || between.1 == class;
        }
        if self.applies_to.is_empty() {
            self.kind.default_classes().contains(&class)
        } else {
            self.applies_to.contains(&class)
        }
    }

    /// Whether the rule holds at `time_of_day_s` on `day` (dated rules never hold without a day).
    pub fn holds(&self, day: Option<Date>, time_of_day_s: u32) -> bool {
        let on_day = self.dates.is_empty() || day.is_some_and(|d| self.dates.iter().any(|r| r.contains(d)));
        on_day && crate::time::active(&self.hours, time_of_day_s)
    }

    /// The English name, or the id when the rule has none.
    pub fn title(&self) -> &str {
        if self.name.en.is_empty() { &self.id } else { &self.name.en }
    }
}

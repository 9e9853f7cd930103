//! Rules as a player shows them: the list with titles, kinds and hours, and the no-fly volumes
//! (the map's permanent ones and those rules publish) with when they hold.

use std::collections::BTreeMap;

use pilotzone_scenario::{Class, ClockTime, Date, DateRange, Hours, NoFlyVolume, Rule, RuleKind, Scenario};
use serde::{Deserialize, Serialize};

use crate::labels::{Text, classes};
use crate::{Point, dm, point};

/// A daily window `[from_s, to_s)` in seconds after midnight; one whose end is earlier than its
/// start runs past midnight. Seconds rather than `"HH:MM"` so a player compares numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// Start, inclusive, s after midnight.
    pub from_s: u32,
    /// End, exclusive, s after midnight (86 400 for midnight at the end of the day).
    pub to_s: u32,
}

impl Window {
    /// Whether `time_of_day_s` falls inside, as the scenario's own hours decide it.
    pub fn contains(&self, time_of_day_s: u32) -> bool {
        Hours { from: ClockTime(self.from_s), to: ClockTime(self.to_s) }.contains(time_of_day_s)
    }
}

impl From<&Hours> for Window {
    fn from(h: &Hours) -> Self {
        Window { from_s: h.from.seconds(), to_s: h.to.seconds() }
    }
}

/// When something holds: every day unless `dates` are given, all day unless `hours` are given.
/// The same test as the scenario's `Rule::holds`: a dated rule never holds without a date.
fn holds(hours: Option<&Window>, dates: &[DateRange], time_of_day_s: u32, date: Option<Date>) -> bool {
    let on_day = dates.is_empty() || date.is_some_and(|d| dates.iter().any(|r| r.contains(d)));
    on_day && hours.is_none_or(|h| h.contains(time_of_day_s))
}

/// A prism of airspace closed to drones.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NoFly {
    /// Name shown in messages and the viewer.
    pub name: String,
    /// Footprint, dm.
    pub polygon: Vec<Point>,
    /// Bottom, dm above ground.
    pub floor_dm: i32,
    /// Top, dm above ground.
    pub ceiling_dm: i32,
    /// Id of the rule that publishes it; `None` for the map's permanent volumes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// Daily window it holds in; always when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<Window>,
    /// Days it holds on; every day when empty (`"YYYY-MM-DD"`, inclusive).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dates: Vec<DateRange>,
}

impl NoFly {
    /// Whether the volume is closed at `time_of_day_s` (seconds after midnight) on `date`.
    pub fn holds(&self, time_of_day_s: u32, date: Option<Date>) -> bool {
        holds(self.hours.as_ref(), &self.dates, time_of_day_s, date)
    }

    fn new(volume: &NoFlyVolume, rule: Option<&Rule>) -> Self {
        NoFly {
            name: volume.name.clone(),
            polygon: volume.polygon.iter().copied().map(point).collect(),
            floor_dm: dm(volume.floor_m),
            ceiling_dm: dm(volume.ceiling_m),
            rule: rule.map(|r| r.id.clone()),
            hours: rule.and_then(|r| r.hours.as_ref()).map(Window::from),
            dates: rule.map(|r| r.dates.clone()).unwrap_or_default(),
        }
    }
}

/// The map's permanent volumes, then one per no-fly rule, in rule order.
pub(crate) fn no_fly(scenario: &Scenario) -> Vec<NoFly> {
    let permanent = scenario.map.airspace.no_fly.iter().map(|v| NoFly::new(v, None));
    let ruled = scenario.rules.iter().filter_map(|r| match &r.kind {
        RuleKind::NoFly { volume } => Some(NoFly::new(volume, Some(r))),
        _ => None,
    });
    permanent.chain(ruled).collect()
}

/// A rule as a player lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleView {
    /// Unique id, cited by every incident the rule finds.
    pub id: String,
    /// Title in both languages: the rule's name, the English one where the Japanese is
    /// missing, the id where both are.
    pub title: Text,
    /// Kind key (`speed_limit`, `no_fly`, ...); [`crate::labels::RULE_KINDS`] names it.
    pub kind: String,
    /// Daily window; always when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<Window>,
    /// Days it holds on; every day when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dates: Vec<DateRange>,
    /// Classes it binds (the kind's defaults when the scenario lists none).
    #[serde(with = "classes")]
    pub binds: Vec<Class>,
    /// Whether it is announced before it holds (an emergency closure is not).
    pub published: bool,
    /// Roads it acts on (closures, a one-way change, a designated route), by index.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roads: Vec<u32>,
    /// The zone a speed limit holds in, by index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<u32>,
    /// The volume it closes, by index in [`crate::Scene::no_fly`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_fly: Option<u32>,
    /// A speed limit's limit, km/h.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed_kmh: Option<f64>,
}

impl RuleView {
    /// Whether the rule holds at `time_of_day_s` on `date`.
    pub fn holds(&self, time_of_day_s: u32, date: Option<Date>) -> bool {
        holds(self.hours.as_ref(), &self.dates, time_of_day_s, date)
    }
}

/// The title of a rule in both languages.
pub(crate) fn title(rule: &Rule) -> Text {
    let en = rule.title().to_owned();
    let ja = if rule.name.ja.is_empty() { en.clone() } else { rule.name.ja.clone() };
    Text { ja, en }
}

/// The rules, in scenario order. `no_fly` indices follow [`no_fly`]'s order.
pub(crate) fn rules(scenario: &Scenario, roads: &BTreeMap<(u32, u32), u32>) -> Vec<RuleView> {
    let permanent = scenario.map.airspace.no_fly.len() as u32;
    let mut next_volume = permanent;
    scenario
        .rules
        .iter()
        .map(|r| {
            let mut view = RuleView {
                id: r.id.clone(),
                title: title(r),
                kind: r.kind.as_str().to_owned(),
                hours: r.hours.as_ref().map(Window::from),
                dates: r.dates.clone(),
                binds: class_list(r),
                published: r.published,
                roads: Vec::new(),
                zone: None,
                no_fly: None,
                speed_kmh: None,
            };
            let road_list = |refs: &[(u32, u32)]| refs.iter().filter_map(|r| roads.get(r).copied()).collect();
            match &r.kind {
                RuleKind::SpeedLimit { zone, kmh } => {
                    view.speed_kmh = Some(*kmh);
                    view.zone = zone
                        .as_ref()
                        .and_then(|z| scenario.map.zones.iter().position(|m| &m.name == z))
                        .map(|z| z as u32);
                }
                RuleKind::RoadClosure { roads } | RuleKind::DesignatedRoute { roads } => view.roads = road_list(roads),
                RuleKind::OneWay { road } => view.roads = road_list(std::slice::from_ref(road)),
                RuleKind::NoFly { .. } => {
                    view.no_fly = Some(next_volume);
                    next_volume += 1;
                }
                RuleKind::AltitudeBand { .. }
                | RuleKind::Separation { .. }
                | RuleKind::OperatingHours { .. }
                | RuleKind::WindLimit { .. }
                | RuleKind::RemoteOperators { .. } => {}
            }
            view
        })
        .collect()
}

/// The classes a rule binds, in the scenario's class order.
fn class_list(rule: &Rule) -> Vec<Class> {
    crate::labels::class::ALL.iter().copied().filter(|&c| rule.binds(c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(from: &str, to: &str) -> Window {
        let parse = |t: &str| ClockTime::parse(t).expect("a valid time");
        Window::from(&Hours { from: parse(from), to: parse(to) })
    }

    #[test]
    fn windows_hold_as_the_scenario_hours_do() {
        let school = window("08:00", "16:00");
        assert_eq!(school, Window { from_s: 28_800, to_s: 57_600 });
        assert!(school.contains(10 * 3600) && !school.contains(20 * 3600) && !school.contains(57_600));
        let night = window("22:00", "05:00");
        assert!(night.contains(23 * 3600) && night.contains(3600) && !night.contains(12 * 3600));
    }

    #[test]
    fn a_dated_volume_needs_a_date_inside_its_range() {
        let day = |t: &str| Date::parse(t).expect("a valid date");
        let festival = DateRange { from: day("2026-11-22"), to: day("2026-11-23") };
        let v = NoFly {
            name: "festival".into(),
            polygon: Vec::new(),
            floor_dm: 0,
            ceiling_dm: 1500,
            rule: Some("festival".into()),
            hours: Some(window("10:00", "15:00")),
            dates: vec![festival],
        };
        assert!(v.holds(12 * 3600, Some(day("2026-11-23"))));
        assert!(!v.holds(12 * 3600, Some(day("2026-11-24"))), "the day after");
        assert!(!v.holds(16 * 3600, Some(day("2026-11-23"))), "after hours");
        assert!(!v.holds(12 * 3600, None), "a dated rule never holds without a date");
    }
}

//! Semantic checks on a parsed scenario. Every problem is collected, none stops the others.
//!
//! Each part checks one side of the scenario through a shared [`Check`], which holds the lookups
//! they all need and collects what they find; [`validate`] runs the parts in a fixed order, so
//! the problems of a scenario are always listed the same way.

mod demand;
mod fleets;
mod map;
mod rules;
mod run;

use std::collections::BTreeMap;

use crate::error::{Diagnostic, did_you_mean};
use crate::limits::{MAX_COORDINATE_M, MAX_RATE_PER_HOUR, MAX_VEHICLES};
use crate::schema::{PlaceKind, PlaceSet, RateStep, Scenario};
use crate::text::MAX_NAME_CHARS;

/// Checks the scenario and returns every problem found, in a stable order.
pub fn validate(s: &Scenario) -> Vec<Diagnostic> {
    let mut c = Check::new(s);
    run::check_version_and_name(&mut c);
    check_names(&mut c);
    check_sizes(&mut c);
    run::check_run(&mut c);
    map::check_roads(&mut c);
    map::check_places_and_zones(&mut c);
    map::check_airspace(&mut c);
    let fleets = fleets::check_fleets(&mut c);
    fleets::check_pads(&mut c);
    fleets::check_stands_off_roads(&mut c);
    let road_places = demand::check_demand(&mut c, &fleets);
    rules::check_rules(&mut c, &fleets);
    map::check_crossings(&mut c);
    demand::check_pedestrians(&mut c);
    map::check_buildings(&mut c);
    run::check_weather(&mut c);
    // Reachability only means something once every reference resolved.
    if c.found.is_empty() {
        fleets::check_depots_reach(&mut c, &fleets, &road_places);
    }
    c.found
}

/// Names of at most [`MAX_NAME_CHARS`]: they label maps, tables and slides. (Control characters
/// and overlong text are refused with the file's text, before parsing.)
fn check_names(c: &mut Check<'_>) {
    let s = c.s;
    let mut names: Vec<(String, &str)> = vec![("name".into(), s.name.as_str())];
    let m = &s.map;
    names.extend(
        m.edges.iter().enumerate().filter_map(|(i, e)| Some((format!("map.edges[{i}].name"), e.name.as_deref()?))),
    );
    names.extend(m.places.iter().enumerate().map(|(i, p)| (format!("map.places[{i}].name"), p.name.as_str())));
    names.extend(m.zones.iter().enumerate().map(|(i, z)| (format!("map.zones[{i}].name"), z.name.as_str())));
    names.extend(m.crossings.iter().enumerate().map(|(i, x)| (format!("map.crossings[{i}].name"), x.name.as_str())));
    names.extend(
        m.airspace.no_fly.iter().enumerate().map(|(i, v)| (format!("map.airspace.no_fly[{i}].name"), v.name.as_str())),
    );
    names.extend(s.fleets.taxis.iter().enumerate().map(|(i, f)| (format!("fleets.taxis[{i}].name"), f.name.as_str())));
    names
        .extend(s.fleets.drones.iter().enumerate().map(|(i, f)| (format!("fleets.drones[{i}].name"), f.name.as_str())));
    names.extend(s.demand.rides.iter().enumerate().map(|(i, d)| (format!("demand.rides[{i}].name"), d.name.as_str())));
    names.extend(
        s.demand.parcels.iter().enumerate().map(|(i, d)| (format!("demand.parcels[{i}].name"), d.name.as_str())),
    );
    names.extend(
        s.residents
            .pedestrians
            .iter()
            .enumerate()
            .map(|(i, f)| (format!("residents.pedestrians[{i}].name"), f.name.as_str())),
    );
    names.extend(
        s.residents.cars.iter().enumerate().map(|(i, f)| (format!("residents.cars[{i}].name"), f.name.as_str())),
    );
    for (i, r) in s.rules.iter().enumerate() {
        names.push((format!("rules[{i}].id"), r.id.as_str()));
        names.push((format!("rules[{i}].name.en"), r.name.en.as_str()));
        names.push((format!("rules[{i}].name.ja"), r.name.ja.as_str()));
    }
    for (path, name) in names {
        let chars = name.chars().count();
        if chars > MAX_NAME_CHARS {
            c.err(
                path,
                format!("a name of {chars} characters; at most {MAX_NAME_CHARS}"),
                Some("put the explanation in `description`".into()),
            );
        }
    }
}

/// Fleets, coordinates and the map within the engine's bounds (see [`crate::limits`]).
fn check_sizes(c: &mut Check<'_>) {
    let s = c.s;
    let vehicles: u64 = s
        .fleets
        .taxis
        .iter()
        .map(|f| u64::from(f.count))
        .chain(s.fleets.drones.iter().map(|f| u64::from(f.count)))
        .sum();
    if vehicles > MAX_VEHICLES {
        let path = match s.fleets.taxis.iter().position(|f| u64::from(f.count) > MAX_VEHICLES / 2) {
            Some(i) => format!("fleets.taxis[{i}].count"),
            None => match s.fleets.drones.iter().position(|f| u64::from(f.count) > MAX_VEHICLES / 2) {
                Some(i) => format!("fleets.drones[{i}].count"),
                None => "fleets".into(),
            },
        };
        c.err(
            path,
            format!("{vehicles} taxis and drones; this engine takes at most {MAX_VEHICLES}"),
            Some("split the town into districts, one scenario each".into()),
        );
    }
    for (i, n) in s.map.nodes.iter().enumerate() {
        if n.x.abs().max(n.y.abs()) > MAX_COORDINATE_M {
            c.err(
                format!("map.nodes[{i}].x"),
                format!(
                    "({:.6e}, {:.6e}) is more than {} km from the map's origin",
                    n.x,
                    n.y,
                    MAX_COORDINATE_M / 1000.0
                ),
                Some("coordinates are metres east and north of a point in the town".into()),
            );
        }
    }
}

/// What every check reads and where it writes: the scenario, lookups by id and name, and the
/// problems found so far.
struct Check<'a> {
    /// The scenario checked.
    s: &'a Scenario,
    /// Index in `map.nodes` by node id.
    nodes: BTreeMap<u32, usize>,
    /// Index in `map.places` by place name.
    places: BTreeMap<&'a str, usize>,
    /// Problems found, in the order found.
    found: Vec<Diagnostic>,
}

impl<'a> Check<'a> {
    /// A check of `s` that has found nothing yet.
    fn new(s: &'a Scenario) -> Self {
        Check {
            s,
            nodes: s.map.nodes.iter().enumerate().map(|(i, n)| (n.id, i)).collect(),
            places: s.map.places.iter().enumerate().map(|(i, p)| (p.name.as_str(), i)).collect(),
            found: Vec::new(),
        }
    }

    /// Records a problem at the field `path`.
    fn err(&mut self, path: String, message: String, hint: Option<String>) {
        self.found.push(Diagnostic::at_path(path, message).with_hint(hint));
    }

    /// Requires `value` to be a finite number above zero.
    fn positive(&mut self, path: &str, value: f64) {
        if !(value.is_finite() && value > 0.0) {
            self.err(path.into(), format!("must be above zero, found {value}"), None);
        }
    }

    /// Requires `value`, the `what` of the message, to be a finite number, zero or more.
    fn not_negative(&mut self, path: String, what: &str, value: f64) {
        if !(value.is_finite() && value >= 0.0) {
            self.err(path, format!("{what} must be zero or more, found {value}"), None);
        }
    }

    /// Requires a polygon of at least three finite points.
    fn polygon(&mut self, polygon: &[(f64, f64)], path: &str) {
        if polygon.len() < 3 {
            self.err(path.into(), format!("a polygon needs at least 3 points, found {}", polygon.len()), None);
        } else if polygon.iter().any(|(x, y)| !(x.is_finite() && y.is_finite())) {
            self.err(path.into(), "polygon points must be finite numbers".into(), None);
        }
    }

    /// Requires a time-of-day profile of rates, zero or more, in increasing time.
    fn profile(&mut self, profile: &[RateStep], path: &str) {
        if profile.is_empty() {
            self.err(path.into(), "the profile needs at least one step".into(), None);
        }
        for (i, step) in profile.iter().enumerate() {
            self.not_negative(format!("{path}[{i}].per_hour"), "rate", step.per_hour);
            if step.per_hour > MAX_RATE_PER_HOUR {
                self.err(
                    format!("{path}[{i}].per_hour"),
                    format!("{} an hour is beyond the {MAX_RATE_PER_HOUR} this engine takes", step.per_hour),
                    Some("is that a rate per hour, not per year?".into()),
                );
            }
            if i > 0 && step.from <= profile[i - 1].from {
                self.err(
                    format!("{path}[{i}].from"),
                    format!("steps must be in increasing time: {} follows {}", step.from, profile[i - 1].from),
                    None,
                );
            }
        }
    }

    /// The place named `name`, if there is one and it is of one of `kinds` (any kind when empty).
    fn place(&mut self, path: String, name: &str, kinds: &[PlaceKind]) -> Option<usize> {
        let s = self.s;
        match self.places.get(name).copied() {
            None => {
                let hint = did_you_mean(name, self.places.keys().copied());
                self.err(path, format!("unknown place \"{name}\""), hint);
                None
            }
            Some(i) if !kinds.is_empty() && !kinds.contains(&s.map.places[i].kind) => {
                self.err(
                    path,
                    format!(
                        "place \"{name}\" is a {:?}, expected {}",
                        s.map.places[i].kind,
                        kinds.iter().map(|k| format!("{k:?}")).collect::<Vec<_>>().join(" or ")
                    ),
                    None,
                );
                None
            }
            Some(i) => Some(i),
        }
    }

    /// The places of a set that exist; a set that names none is a problem.
    fn place_set(&mut self, path: String, set: &PlaceSet) -> Vec<usize> {
        let s = self.s;
        let places = &s.map.places;
        match set {
            PlaceSet::Kinds(kinds) => {
                let found: Vec<usize> = (0..places.len()).filter(|&i| kinds.contains(&places[i].kind)).collect();
                if found.is_empty() {
                    self.err(path, format!("no place has kind {kinds:?}"), None);
                }
                found
            }
            PlaceSet::Named(names) => {
                if names.is_empty() {
                    self.err(path.clone(), "the list of places is empty".into(), None);
                }
                names.iter().enumerate().filter_map(|(j, name)| self.place(format!("{path}[{j}]"), name, &[])).collect()
            }
        }
    }

    /// Where to look for an unknown node id: the ids either side of it.
    fn node_hint(&self, id: u32) -> Option<String> {
        let below = self.nodes.range(..id).next_back().map(|(k, _)| *k);
        let above = self.nodes.range(id..).next().map(|(k, _)| *k);
        match (below, above) {
            (Some(a), Some(b)) => Some(format!("nearest node ids are {a} and {b}")),
            (Some(a), None) => Some(format!("the highest node id is {a}")),
            (None, Some(b)) => Some(format!("the lowest node id is {b}")),
            (None, None) => Some("the map has no nodes".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::generate::{demo_town, to_ron};
    use crate::{LoadError, parse};

    fn problems(edit: impl FnOnce(&mut crate::Scenario)) -> Vec<String> {
        let mut s = demo_town();
        edit(&mut s);
        match parse(&to_ron(&s, "test"), "t.ron") {
            Err(LoadError::Invalid(d)) => d.to_string().lines().map(str::to_owned).collect(),
            Err(e) => panic!("expected validation errors, got {e}"),
            Ok(_) => panic!("expected validation errors, the scenario passed"),
        }
    }

    #[test]
    fn reports_every_problem_at_once_with_paths_and_hints() {
        let lines = problems(|s| {
            s.fleets.taxis[0].depot = "depott".into();
            s.map.edges[3].to = 9999;
            s.map.edges[5].speed_kmh = 0.0;
        });
        assert_eq!(lines.len(), 3, "{lines:#?}");
        assert!(
            lines
                .iter()
                .any(|l| l.contains("fleets.taxis[0].depot: unknown place \"depott\" — did you mean \"depot\"?")),
            "{lines:#?}"
        );
        assert!(lines.iter().any(|l| l.contains("map.edges[3].to: unknown node 9999")), "{lines:#?}");
        assert!(lines.iter().any(|l| l.contains("map.edges[5].speed_kmh: speed must be above zero")), "{lines:#?}");
        assert!(lines.iter().all(|l| l.starts_with("t.ron:")), "every line is located: {lines:#?}");
    }

    #[test]
    fn rejects_a_vertiport_under_a_no_fly_volume() {
        let lines = problems(|s| {
            let vp = s.map.places.iter().position(|p| p.name == "vertiport").expect("demo has a vertiport");
            let (x, y) = s.map.places[vp].at.expect("demo places have positions");
            s.map.airspace.no_fly[0].polygon =
                vec![(x - 50.0, y - 50.0), (x + 50.0, y - 50.0), (x + 50.0, y + 50.0), (x - 50.0, y + 50.0)];
        });
        assert_eq!(lines.len(), 1, "{lines:#?}");
        assert!(
            lines[0].contains("fleets.drones[0].base: vertiport \"vertiport\" lies inside no-fly volume"),
            "{lines:#?}"
        );
    }

    #[test]
    fn rejects_hubs_on_one_another_and_two_fleets_on_one_vertiport() {
        let lines = problems(|s| {
            let vp = s.map.places.iter().position(|p| p.name == "vertiport").expect("demo has a vertiport");
            let mut twin = s.map.places[vp].clone();
            twin.name = "vertiport-2".into();
            s.map.places.push(twin);
            let mut depot = s.map.places.iter().find(|p| p.name == "depot").expect("demo has a depot").clone();
            depot.name = "depot-2".into();
            depot.at = depot.at.map(|(x, y)| (x + 5.0, y));
            s.map.places.push(depot);
            let mut second = s.fleets.drones[0].clone();
            second.name = "second-air".into();
            s.fleets.drones.push(second);
        });
        let n = lines.len();
        assert!(
            lines.iter().any(|l| l.contains("vertiport \"vertiport-2\" is 0.0 m from vertiport \"vertiport\"")),
            "{lines:#?}"
        );
        assert!(lines.iter().any(|l| l.contains("depot \"depot-2\" is 5.0 m from depot \"depot\"; their pads and bays need 22.0 m")), "{lines:#?}");
        assert!(
            lines.iter().any(|l| l
                .contains("fleets.drones[1].base: vertiport \"vertiport\" is already the base of fleet \"sora-post\"")),
            "{lines:#?}"
        );
        assert_eq!(n, 3, "{lines:#?}");
    }

    #[test]
    fn rejects_a_depot_that_cannot_reach_demand() {
        let lines = problems(|s| {
            // Cut home-01's node (0) off: drop every road touching it.
            s.map.edges.retain(|e| e.from != 0 && e.to != 0);
        });
        assert!(
            lines
                .iter()
                .any(|l| l.contains("fleets.taxis[0].depot: depot \"depot\" cannot reach place \"home-01\" (node 0)")),
            "{lines:#?}"
        );
    }

    #[test]
    fn rejects_bad_rules_and_demand() {
        let lines = problems(|s| {
            s.rules[0] =
                crate::Rule::new("x", None, crate::RuleKind::SpeedLimit { zone: Some("school-zon".into()), kmh: 20.0 });
            s.demand.parcels[0].weight_kg = 9.0;
            s.run.record_ms = 150;
        });
        assert!(
            lines
                .iter()
                .any(|l| l.contains("rules[0].kind.zone: unknown zone \"school-zon\" — did you mean \"school-zone\"?")),
            "{lines:#?}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.contains("demand.parcels[0].weight_kg: no drone based at \"vertiport\" can carry 9 kg")),
            "{lines:#?}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.contains("run.record_ms: record_ms (150) must be a positive multiple of tick_ms (100)")),
            "{lines:#?}"
        );
    }

    #[test]
    fn newer_format_versions_ask_for_an_upgrade() {
        let text = to_ron(&demo_town(), "x").replace("format_version: 2", "format_version: 7");
        match parse(&text, "new.ron") {
            Err(LoadError::NewerVersion { found: 7, supported: 2, .. }) => {}
            other => panic!("expected a newer-version error, got {other:?}"),
        }
    }
}

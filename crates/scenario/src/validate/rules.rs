//! Checks of the rules: unique ids, dates the run can place, classes the kind can bind, and for
//! each kind its references (zones, roads, fleets), volumes, pairs and figures.

use std::collections::BTreeSet;

use super::Check;
use super::fleets::FleetRefs;
use crate::error::did_you_mean;
use crate::schema::{Rule, RuleKind};

/// Every rule, in order: what all rules share, then what its kind requires.
pub(super) fn check_rules(c: &mut Check<'_>, fleets: &FleetRefs<'_>) {
    let s = c.s;
    let roads: BTreeSet<(u32, u32)> = s.map.edges.iter().flat_map(|e| [(e.from, e.to), (e.to, e.from)]).collect();
    let mut ids = BTreeSet::new();
    for (i, rule) in s.rules.iter().enumerate() {
        let path = format!("rules[{i}]");
        if rule.id.is_empty() {
            c.err(format!("{path}.id"), "a rule needs an id".into(), None);
        } else if !ids.insert(rule.id()) {
            c.err(format!("{path}.id"), format!("rule id \"{}\" is used twice", rule.id()), None);
        }
        check_dates_and_classes(c, rule, &path);
        check_kind(c, rule, &path, &roads, fleets);
    }
}

/// Dates need a dated run and run forwards; `applies_to` lists classes the kind can bind.
fn check_dates_and_classes(c: &mut Check<'_>, rule: &Rule, path: &str) {
    if !rule.dates.is_empty() && c.s.run.date.is_none() {
        c.err(
            format!("{path}.dates"),
            "the rule holds on some dates only, but the run has no date".into(),
            Some("set `run.date: \"YYYY-MM-DD\"`".into()),
        );
    }
    for (j, range) in rule.dates.iter().enumerate() {
        if range.to < range.from {
            c.err(format!("{path}.dates[{j}]"), format!("{} is after {}", range.from, range.to), None);
        }
    }
    let allowed = rule.kind.default_classes();
    for (j, class) in rule.applies_to.iter().enumerate() {
        if matches!(rule.kind, RuleKind::Separation { .. }) {
            c.err(
                format!("{path}.applies_to"),
                "a separation rule binds the pair it names".into(),
                Some("drop `applies_to` and set `between`".into()),
            );
            break;
        }
        if !allowed.contains(class) {
            c.err(
                format!("{path}.applies_to[{j}]"),
                format!("a {} rule cannot bind {class:?}", rule.kind.as_str()),
                Some(format!(
                    "it can bind {}",
                    allowed.iter().map(|k| format!("{k:?}")).collect::<Vec<_>>().join(", ")
                )),
            );
        }
    }
}

/// What the rule's kind requires: known zones, roads and fleets, volumes, bands, pairs, figures.
fn check_kind(c: &mut Check<'_>, rule: &Rule, path: &str, roads: &BTreeSet<(u32, u32)>, fleets: &FleetRefs<'_>) {
    let s = c.s;
    let zones = || s.map.zones.iter().map(|z| z.name.as_str());
    let taxi_fleets = || s.fleets.taxis.iter().map(|f| f.name.as_str());
    let kind = format!("{path}.kind");
    match &rule.kind {
        RuleKind::SpeedLimit { zone, kmh } => {
            if let Some(zone) = zone
                && !zones().any(|z| z == zone)
            {
                c.err(format!("{kind}.zone"), format!("unknown zone \"{zone}\""), did_you_mean(zone, zones()));
            }
            c.positive(&format!("{kind}.kmh"), *kmh);
        }
        RuleKind::RoadClosure { roads: closed } => {
            for (j, &road) in closed.iter().enumerate() {
                check_road(c, roads, format!("{kind}.roads[{j}]"), road);
            }
        }
        RuleKind::OneWay { road } => check_road(c, roads, format!("{kind}.road"), *road),
        RuleKind::DesignatedRoute { roads: route } => {
            if route.is_empty() {
                c.err(format!("{kind}.roads"), "a designated route needs at least one road".into(), None);
            }
            for (j, &road) in route.iter().enumerate() {
                check_road(c, roads, format!("{kind}.roads[{j}]"), road);
            }
            let on_route: BTreeSet<u32> = route.iter().flat_map(|&(a, b)| [a, b]).collect();
            for f in &s.fleets.taxis {
                let depot = s.map.places.iter().find(|p| p.name == f.depot);
                if let Some(depot) = depot
                    && !on_route.contains(&depot.node)
                {
                    c.err(
                        format!("{kind}.roads"),
                        format!("depot \"{}\" (node {}) is off the designated route", depot.name, depot.node),
                        Some("add a road from the depot's node to the route".into()),
                    );
                }
            }
        }
        RuleKind::NoFly { volume } => {
            c.polygon(&volume.polygon, &format!("{kind}.volume.polygon"));
            if volume.floor_m.partial_cmp(&volume.ceiling_m) != Some(std::cmp::Ordering::Less) {
                c.err(format!("{kind}.volume"), "floor_m must be below ceiling_m".into(), None);
            }
        }
        RuleKind::AltitudeBand { floor_m, ceiling_m } => {
            if !(*floor_m >= 0.0 && floor_m < ceiling_m) {
                c.err(
                    kind.clone(),
                    format!("floor_m ({floor_m}) must be at least 0 and below ceiling_m ({ceiling_m})"),
                    None,
                );
            }
        }
        RuleKind::Separation { between, horizontal_m, vertical_m } => {
            use crate::schema::Class::{Building, Car, Drone, Person, Taxi};
            let pair = if between.0 <= between.1 { *between } else { (between.1, between.0) };
            let checked = [(Drone, Drone), (Drone, Person), (Drone, Building), (Taxi, Person), (Car, Person)];
            if !checked.contains(&pair) {
                c.err(
                    format!("{kind}.between"),
                    format!("separation between {:?} and {:?} is not checked", between.0, between.1),
                    Some(
                        "pairs: (Drone, Drone), (Drone, Person), (Drone, Building), (Taxi, Person), (Car, Person)"
                            .into(),
                    ),
                );
            }
            c.positive(&format!("{kind}.horizontal_m"), *horizontal_m);
            c.positive(&format!("{kind}.vertical_m"), *vertical_m);
        }
        RuleKind::OperatingHours { fleet } => {
            if let Some(fleet) = fleet
                && !fleets.names.contains(fleet.as_str())
            {
                c.err(
                    format!("{kind}.fleet"),
                    format!("unknown fleet \"{fleet}\""),
                    did_you_mean(fleet, fleets.names.iter().copied()),
                );
            }
            if rule.hours.is_none() {
                c.err(format!("{path}.hours"), "operating hours need `hours`".into(), None);
            }
        }
        RuleKind::WindLimit { max_mps } => c.positive(&format!("{kind}.max_mps"), *max_mps),
        RuleKind::RemoteOperators { fleet, vehicles_per_operator } => {
            if let Some(fleet) = fleet
                && !taxi_fleets().any(|f| f == fleet)
            {
                c.err(
                    format!("{kind}.fleet"),
                    format!("unknown taxi fleet \"{fleet}\""),
                    did_you_mean(fleet, taxi_fleets()),
                );
            }
            c.positive(&format!("{kind}.vehicles_per_operator"), f64::from(*vehicles_per_operator));
        }
    }
}

/// A road the map has, named by its end nodes in either direction.
fn check_road(c: &mut Check<'_>, roads: &BTreeSet<(u32, u32)>, path: String, (a, b): (u32, u32)) {
    if !roads.contains(&(a, b)) {
        let hint = [a, b]
            .into_iter()
            .find(|id| !c.nodes.contains_key(id))
            .map_or_else(|| Some(format!("no edge joins nodes {a} and {b}")), |id| c.node_hint(id));
        c.err(path, format!("unknown road ({a}, {b})"), hint);
    }
}

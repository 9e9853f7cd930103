//! Map files: a [`ZoneMap`] in RON of its own (written by `pilotzone import osm`), which
//! scenarios build on with `map: (file: "maps/town.ron", ...)`.
//!
//! A map file is checked on its own (every reference inside it, and every named place
//! reachable by road from every other), then merged into the scenario that names it: the
//! scenario's lists are appended to the file's, and the scalars it sets (`traffic_side`,
//! `attribution`, the airspace band) replace the file's. The merged scenario is what runs and
//! what replays embed, so a replay never needs the map file.

use std::path::Path;

use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::error::{Diagnostic, Diagnostics, LoadError};
use crate::locate::{locate, parse_path};
use crate::schema::{Demand, Fleets, RunSettings, Scenario, ZoneMap};
use crate::{ClockTime, FORMAT_VERSION, MapIndex, syntax_diagnostic};

/// A map file's text as RON, with a comment header. Each node, road and place sits on one
/// line, so a diff of two imports reads as a list of changed roads.
pub fn to_ron(map: &ZoneMap, comment: &str) -> String {
    let config = ron::ser::PrettyConfig::new().depth_limit(2).indentor("  ").struct_names(true);
    crate::generate::commented(comment, &ron::ser::to_string_pretty(map, config).expect("maps always serialize"))
}

/// Whether `text` is a map file rather than a scenario: its first value is `ZoneMap(`.
pub fn is_map_text(text: &str) -> bool {
    first_value(text).starts_with("ZoneMap")
}

/// `text` from its first value on, after leading line comments.
pub(crate) fn first_value(text: &str) -> &str {
    let mut rest = text.trim_start();
    while let Some(line) = rest.strip_prefix("//") {
        rest = line.split_once('\n').map_or("", |(_, tail)| tail).trim_start();
    }
    rest
}

/// Reads and checks a map file.
pub fn load_map(path: &Path) -> Result<(ZoneMap, String), LoadError> {
    let text = crate::text::read(path, "map")?;
    let map = parse_map(&text, &path.display().to_string())?;
    Ok((map, text))
}

/// Parses and checks map-file text; `file` names it in messages.
pub fn parse_map(text: &str, file: &str) -> Result<ZoneMap, LoadError> {
    crate::text::check(text, file)?;
    let options = ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
    let map: ZoneMap = options.from_str(text).map_err(|e| LoadError::Syntax(syntax_diagnostic(file, &e)))?;
    let mut items = validate_map(&map);
    if items.is_empty() {
        return Ok(map);
    }
    for d in &mut items {
        d.at = locate(text, &parse_path(&d.path));
    }
    Err(LoadError::Invalid(Diagnostics { file: file.to_owned(), items }))
}

/// Every problem of a map on its own, with paths inside the map (`places[3].node`).
fn validate_map(map: &ZoneMap) -> Vec<Diagnostic> {
    let mut items = Vec::new();
    if map.file.is_some() {
        items.push(
            Diagnostic::at_path("file", "a map file cannot build on another map file")
                .with_hint(Some("merge the two maps into one file".into())),
        );
    }
    // The scenario checks, on a scenario that is only this map.
    let wrapper = Scenario {
        format_version: FORMAT_VERSION,
        name: "map".into(),
        description: String::new(),
        run: RunSettings { start: ClockTime(0), duration_s: 1, tick_ms: 100, record_ms: 500, seed: 0, date: None },
        map: ZoneMap { file: None, ..map.clone() },
        fleets: Fleets::default(),
        demand: Demand::default(),
        include: Vec::new(),
        rules: Vec::new(),
        weather: Default::default(),
        residents: Default::default(),
        dispatch: Default::default(),
    };
    for mut d in crate::validate::validate(&wrapper) {
        if let Some(inner) = d.path.strip_prefix("map.").or_else(|| (d.path == "map").then_some("")) {
            d.path = inner.to_owned();
            items.push(d);
        }
    }
    if items.is_empty() {
        items.extend(unreachable_places(map));
    }
    items
}

/// Places that cannot be reached by road from the first place, or cannot get back to it.
fn unreachable_places(map: &ZoneMap) -> Vec<Diagnostic> {
    let Some(first) = map.places.first() else { return Vec::new() };
    let index = MapIndex::new(map);
    let Some(start) = index.node(first.node) else { return Vec::new() };
    let (to, from) = (index.graph.reachable(start, true), index.graph.reachable(start, false));
    let mut items = Vec::new();
    for (i, p) in map.places.iter().enumerate().skip(1) {
        let Some(n) = index.node(p.node) else { continue };
        let (there, back) = (to[n as usize], from[n as usize]);
        if !(there && back) {
            let way = match (there, back) {
                (false, false) => "cannot be reached by road from, nor reach,",
                (false, true) => "cannot be reached by road from",
                _ => "has no road back to",
            };
            items.push(
                Diagnostic::at_path(
                    format!("places[{i}].node"),
                    format!("place \"{}\" at node {} {way} \"{}\"", p.name, p.node, first.name),
                )
                .with_hint(Some("attach it to a node of the main road network, or add the missing road".into())),
            );
        }
    }
    items
}

/// Which scalar settings a scenario's map block gives, so that only those replace the file's.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Presence {
    traffic_side: bool,
    attribution: bool,
    band_floor: bool,
    band_ceiling: bool,
    deconfliction: bool,
    tactical: bool,
    course_layers: bool,
}

/// Reads which settings the scenario text's `map` block gives.
pub(crate) fn presence(text: &str) -> Presence {
    #[derive(Deserialize)]
    #[serde(rename = "Scenario")]
    struct ScenarioProbe {
        map: MapProbe,
    }
    #[derive(Deserialize)]
    #[serde(rename = "ZoneMap")]
    struct MapProbe {
        traffic_side: Option<IgnoredAny>,
        attribution: Option<IgnoredAny>,
        airspace: Option<AirspaceProbe>,
    }
    #[derive(Deserialize)]
    #[serde(rename = "Airspace")]
    struct AirspaceProbe {
        band_floor_m: Option<IgnoredAny>,
        band_ceiling_m: Option<IgnoredAny>,
        strategic_deconfliction: Option<IgnoredAny>,
        tactical_separation: Option<IgnoredAny>,
        course_layers: Option<IgnoredAny>,
    }
    let options = ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
    let Ok(probe) = options.from_str::<ScenarioProbe>(text) else { return Presence::default() };
    let air = probe.map.airspace.as_ref();
    Presence {
        traffic_side: probe.map.traffic_side.is_some(),
        attribution: probe.map.attribution.is_some(),
        band_floor: air.is_some_and(|a| a.band_floor_m.is_some()),
        band_ceiling: air.is_some_and(|a| a.band_ceiling_m.is_some()),
        deconfliction: air.is_some_and(|a| a.strategic_deconfliction.is_some()),
        tactical: air.is_some_and(|a| a.tactical_separation.is_some()),
        course_layers: air.is_some_and(|a| a.course_layers.is_some()),
    }
}

/// How many items of each list the map file gave, to tell its items from the scenario's in
/// the merged map.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct BaseLens {
    nodes: usize,
    edges: usize,
    places: usize,
    zones: usize,
    crossings: usize,
    buildings: usize,
    no_fly: usize,
}

/// The file's map with the scenario's additions and settings.
pub(crate) fn merge(mut base: ZoneMap, add: ZoneMap, set: Presence) -> (ZoneMap, BaseLens) {
    let lens = BaseLens {
        nodes: base.nodes.len(),
        edges: base.edges.len(),
        places: base.places.len(),
        zones: base.zones.len(),
        crossings: base.crossings.len(),
        buildings: base.buildings.len(),
        no_fly: base.airspace.no_fly.len(),
    };
    base.file = None;
    base.nodes.extend(add.nodes);
    base.edges.extend(add.edges);
    base.places.extend(add.places);
    base.zones.extend(add.zones);
    base.crossings.extend(add.crossings);
    base.buildings.extend(add.buildings);
    base.airspace.no_fly.extend(add.airspace.no_fly);
    if set.traffic_side {
        base.traffic_side = add.traffic_side;
    }
    if set.attribution {
        base.attribution = match (base.attribution, add.attribution) {
            (Some(b), Some(a)) if a != b => Some(format!("{b}; {a}")),
            (b, a) => a.or(b),
        };
    }
    if set.band_floor {
        base.airspace.band_floor_m = add.airspace.band_floor_m;
    }
    if set.band_ceiling {
        base.airspace.band_ceiling_m = add.airspace.band_ceiling_m;
    }
    if set.deconfliction {
        base.airspace.strategic_deconfliction = add.airspace.strategic_deconfliction;
    }
    if set.tactical {
        base.airspace.tactical_separation = add.airspace.tactical_separation;
    }
    if set.course_layers {
        base.airspace.course_layers = add.airspace.course_layers;
    }
    (base, lens)
}

/// Locates the problems of a merged scenario: an item the scenario added is located in the
/// scenario text at its own index; an item from the map file is named by the file and located
/// in it.
pub(crate) fn relocate(
    d: &mut Diagnostic,
    lens: &BaseLens,
    scenario_text: &str,
    map_file: &str,
    map_text: &str,
) -> bool {
    let lists: [(&str, usize); 7] = [
        ("map.nodes", lens.nodes),
        ("map.edges", lens.edges),
        ("map.places", lens.places),
        ("map.zones", lens.zones),
        ("map.crossings", lens.crossings),
        ("map.buildings", lens.buildings),
        ("map.airspace.no_fly", lens.no_fly),
    ];
    for (list, base) in lists {
        let Some(rest) = d.path.strip_prefix(list).and_then(|r| r.strip_prefix('[')) else { continue };
        let Some((index, tail)) = rest.split_once(']') else { continue };
        let Ok(i) = index.parse::<usize>() else { continue };
        if i >= base {
            d.path = format!("{list}[{}]{tail}", i - base);
            d.at = locate(scenario_text, &parse_path(&d.path));
        } else {
            let inner = format!("{}[{i}]{tail}", &list["map.".len()..]);
            let at = locate(map_text, &parse_path(&inner));
            let place = at.map(|at| format!("{map_file}:{}:{}", at.line, at.col)).unwrap_or(map_file.to_owned());
            d.message = format!("{place}: {inner}: {}", d.message);
            d.path = "map.file".into();
            d.at = locate(scenario_text, &parse_path(&d.path));
        }
        return true;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_text_is_told_from_scenario_text() {
        assert!(is_map_text("// imported\n// by pilotzone\nZoneMap(\n  nodes: [],\n)"));
        assert!(is_map_text("  ZoneMap(nodes: [])"));
        assert!(!is_map_text("// a scenario\nScenario(\n)"));
        assert!(!is_map_text("(format_version: 2)"));
    }

    #[test]
    fn presence_sees_only_what_the_scenario_writes() {
        let text = "Scenario(format_version: 2, map: (file: \"m.ron\", traffic_side: Right, \
                    airspace: (band_ceiling_m: 90.0, no_fly: [])), fleets: ())";
        let p = presence(text);
        assert!(p.traffic_side && p.band_ceiling && !p.band_floor && !p.attribution && !p.deconfliction && !p.tactical);
        assert_eq!(presence("Scenario(map: (file: \"m.ron\"))"), Presence::default());
    }
}

//! Semantic checks on a parsed scenario. Every problem is collected, none stops the others.

use std::collections::{BTreeMap, BTreeSet};

use pilotzone_routing::geom::{Vec2, point_in_polygon};

use crate::error::{Diagnostic, did_you_mean};
use crate::map::MapIndex;
use crate::schema::{FORMAT_VERSION, PlaceKind, PlaceSet, RateStep, RuleKind, Scenario};

/// Checks the scenario and returns every problem found, in a stable order.
pub fn validate(s: &Scenario) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut err = |path: String, message: String, hint: Option<String>| {
        out.push(Diagnostic::at_path(path, message).with_hint(hint))
    };

    if s.format_version != FORMAT_VERSION {
        err(
            "format_version".into(),
            format!("format_version {} is not known; this build reads {FORMAT_VERSION}", s.format_version),
            (s.format_version == 1).then(|| {
                "format 2 writes each rule as `Rule(id: ..., name: (en: ..., ja: ...), hours: ..., kind: SpeedLimit(...))`; \
                 see the scenario reference, then set format_version: 2"
                    .to_owned()
            }),
        );
    }
    if s.name.trim().is_empty() || s.name.contains(['/', '\\']) {
        err("name".into(), "name must be non-empty and contain no path separators".into(), None);
    }
    check_run(s, &mut err);

    let nodes: BTreeMap<u32, usize> = s.map.nodes.iter().enumerate().map(|(i, n)| (n.id, i)).collect();
    let mut seen_nodes = BTreeSet::new();
    for (i, n) in s.map.nodes.iter().enumerate() {
        if !seen_nodes.insert(n.id) {
            err(format!("map.nodes[{i}].id"), format!("node id {} is used twice", n.id), None);
        }
        if !(n.x.is_finite() && n.y.is_finite()) {
            err(format!("map.nodes[{i}]"), "coordinates must be finite numbers".into(), None);
        }
    }
    let node_hint = |id: u32| nearest_ids(&nodes, id);
    for (i, e) in s.map.edges.iter().enumerate() {
        for (field, id) in [("from", e.from), ("to", e.to)] {
            if !nodes.contains_key(&id) {
                err(format!("map.edges[{i}].{field}"), format!("unknown node {id}"), node_hint(id));
            }
        }
        if e.from == e.to {
            err(format!("map.edges[{i}]"), format!("road starts and ends at node {}", e.from), None);
        }
        if !(e.speed_kmh.is_finite() && e.speed_kmh > 0.0) {
            err(
                format!("map.edges[{i}].speed_kmh"),
                format!("speed must be above zero, found {}", e.speed_kmh),
                Some("close a road with a RoadClosure rule instead".into()),
            );
        }
        if let Some(len) = e.length_m
            && !(len.is_finite() && len > 0.0)
        {
            err(format!("map.edges[{i}].length_m"), format!("length must be above zero, found {len}"), None);
        }
        if e.lanes == 0 {
            err(format!("map.edges[{i}].lanes"), "a road needs at least one lane".into(), None);
        }
    }

    let places: BTreeMap<&str, usize> = s.map.places.iter().enumerate().map(|(i, p)| (p.name.as_str(), i)).collect();
    let mut seen_places = BTreeSet::new();
    for (i, p) in s.map.places.iter().enumerate() {
        if !seen_places.insert(p.name.as_str()) {
            err(format!("map.places[{i}].name"), format!("place \"{}\" is defined twice", p.name), None);
        }
        if !nodes.contains_key(&p.node) {
            err(format!("map.places[{i}].node"), format!("unknown node {}", p.node), node_hint(p.node));
        }
    }
    let mut seen_zones = BTreeSet::new();
    for (i, z) in s.map.zones.iter().enumerate() {
        if !seen_zones.insert(z.name.as_str()) {
            err(format!("map.zones[{i}].name"), format!("zone \"{}\" is defined twice", z.name), None);
        }
        check_polygon(&z.polygon, &format!("map.zones[{i}].polygon"), &mut err);
    }
    let air = &s.map.airspace;
    if !(air.band_floor_m >= 0.0 && air.band_floor_m < air.band_ceiling_m) {
        err(
            "map.airspace".into(),
            format!(
                "band_floor_m ({}) must be at least 0 and below band_ceiling_m ({})",
                air.band_floor_m, air.band_ceiling_m
            ),
            None,
        );
    }
    for (i, v) in air.no_fly.iter().enumerate() {
        check_polygon(&v.polygon, &format!("map.airspace.no_fly[{i}].polygon"), &mut err);
        if v.floor_m.partial_cmp(&v.ceiling_m) != Some(std::cmp::Ordering::Less) {
            err(
                format!("map.airspace.no_fly[{i}]"),
                format!("floor_m ({}) must be below ceiling_m ({})", v.floor_m, v.ceiling_m),
                None,
            );
        }
    }

    let place_ref = |path: String,
                     name: &str,
                     kinds: &[PlaceKind],
                     err: &mut dyn FnMut(String, String, Option<String>)|
     -> Option<usize> {
        match places.get(name) {
            None => {
                err(path, format!("unknown place \"{name}\""), did_you_mean(name, places.keys().copied()));
                None
            }
            Some(&i) if !kinds.is_empty() && !kinds.contains(&s.map.places[i].kind) => {
                err(
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
            Some(&i) => Some(i),
        }
    };

    let mut fleet_names = BTreeSet::new();
    let mut depots = Vec::new();
    for (i, f) in s.fleets.taxis.iter().enumerate() {
        let path = format!("fleets.taxis[{i}]");
        if !fleet_names.insert(f.name.as_str()) {
            err(format!("{path}.name"), format!("fleet \"{}\" is defined twice", f.name), None);
        }
        if let Some(p) = place_ref(format!("{path}.depot"), &f.depot, &[PlaceKind::Depot], &mut err) {
            depots.push((format!("{path}.depot"), p));
        }
        positive(&mut err, &format!("{path}.count"), f64::from(f.count));
        positive(&mut err, &format!("{path}.seats"), f64::from(f.seats));
        positive(&mut err, &format!("{path}.max_speed_kmh"), f.max_speed_kmh);
        positive(&mut err, &format!("{path}.battery_kwh"), f.battery_kwh);
        positive(&mut err, &format!("{path}.kwh_per_km"), f.kwh_per_km);
        positive(&mut err, &format!("{path}.charge_kw"), f.charge_kw);
        if !(f.recharge_below.is_finite() && (0.0..0.9).contains(&f.recharge_below)) {
            err(
                format!("{path}.recharge_below"),
                format!("recharge_below is a share of the battery, 0 to 0.9, found {}", f.recharge_below),
                Some("0.3 sends a vehicle to charge when under 30 %; it charges to 90 %".into()),
            );
        }
    }
    let mut vertiports = BTreeSet::new();
    for (i, f) in s.fleets.drones.iter().enumerate() {
        let path = format!("fleets.drones[{i}]");
        if !fleet_names.insert(f.name.as_str()) {
            err(format!("{path}.name"), format!("fleet \"{}\" is defined twice", f.name), None);
        }
        if let Some(p) = place_ref(format!("{path}.base"), &f.base, &[PlaceKind::Vertiport], &mut err) {
            vertiports.insert(s.map.places[p].name.as_str());
            let at = place_position(s, &nodes, p);
            for v in &air.no_fly {
                let pts: Vec<Vec2> = v.polygon.iter().map(|&p| p.into()).collect();
                if v.floor_m < f.cruise_alt_m && pts.len() >= 3 && point_in_polygon(at, &pts) {
                    err(
                        format!("{path}.base"),
                        format!("vertiport \"{}\" lies inside no-fly volume \"{}\"", f.base, v.name),
                        Some("move the vertiport or the volume".into()),
                    );
                }
            }
        }
        positive(&mut err, &format!("{path}.count"), f64::from(f.count));
        positive(&mut err, &format!("{path}.cruise_speed_mps"), f.cruise_speed_mps);
        positive(&mut err, &format!("{path}.climb_mps"), f.climb_mps);
        positive(&mut err, &format!("{path}.payload_kg"), f.payload_kg);
        positive(&mut err, &format!("{path}.battery_wh"), f.battery_wh);
        positive(&mut err, &format!("{path}.wh_per_km"), f.wh_per_km);
        if !(air.band_floor_m..=air.band_ceiling_m).contains(&f.cruise_alt_m) {
            err(
                format!("{path}.cruise_alt_m"),
                format!(
                    "cruise altitude {} m is outside the airspace band {}–{} m",
                    f.cruise_alt_m, air.band_floor_m, air.band_ceiling_m
                ),
                None,
            );
        }
    }

    let mut road_places = BTreeSet::new();
    let check_set = |path: String,
                     set: &PlaceSet,
                     err: &mut dyn FnMut(String, String, Option<String>),
                     sink: &mut BTreeSet<usize>| match set {
        PlaceSet::Kinds(kinds) => {
            let found: Vec<usize> =
                (0..s.map.places.len()).filter(|&i| kinds.contains(&s.map.places[i].kind)).collect();
            if found.is_empty() {
                err(path, format!("no place has kind {kinds:?}"), None);
            }
            sink.extend(found);
        }
        PlaceSet::Named(names) => {
            if names.is_empty() {
                err(path.clone(), "the list of places is empty".into(), None);
            }
            for (j, name) in names.iter().enumerate() {
                sink.extend(place_ref(format!("{path}[{j}]"), name, &[], err));
            }
        }
    };
    for (i, r) in s.demand.rides.iter().enumerate() {
        let path = format!("demand.rides[{i}]");
        check_set(format!("{path}.from"), &r.from, &mut err, &mut road_places);
        check_set(format!("{path}.to"), &r.to, &mut err, &mut road_places);
        check_profile(&r.profile, &format!("{path}.profile"), &mut err);
    }
    let mut sky_places = BTreeSet::new();
    for (i, p) in s.demand.parcels.iter().enumerate() {
        let path = format!("demand.parcels[{i}]");
        if place_ref(format!("{path}.from"), &p.from, &[PlaceKind::Vertiport], &mut err).is_some()
            && !vertiports.contains(p.from.as_str())
        {
            err(format!("{path}.from"), format!("no drone fleet is based at \"{}\"", p.from), None);
        }
        check_set(format!("{path}.to"), &p.to, &mut err, &mut sky_places);
        check_profile(&p.profile, &format!("{path}.profile"), &mut err);
        positive(&mut err, &format!("{path}.weight_kg"), p.weight_kg);
        if !s.fleets.drones.iter().any(|f| f.base == p.from && f.payload_kg >= p.weight_kg) {
            err(
                format!("{path}.weight_kg"),
                format!("no drone based at \"{}\" can carry {} kg", p.from, p.weight_kg),
                None,
            );
        }
    }
    if !s.demand.rides.is_empty() && s.fleets.taxis.is_empty() {
        err("demand.rides".into(), "ride demand needs at least one taxi fleet".into(), None);
    }

    for (i, f) in s.residents.cars.iter().enumerate() {
        let path = format!("residents.cars[{i}]");
        check_set(format!("{path}.from"), &f.from, &mut err, &mut road_places);
        check_set(format!("{path}.to"), &f.to, &mut err, &mut road_places);
        check_profile(&f.profile, &format!("{path}.profile"), &mut err);
    }
    check_rules(s, &nodes, &fleet_names, &mut err);
    check_crossings_and_pedestrians(s, &mut err);
    check_buildings_and_weather(s, &mut err);

    // Reachability only means something once every reference resolved.
    if out.is_empty() {
        let index = MapIndex::new(&s.map);
        for (path, depot) in &depots {
            let node = index.node_index[&s.map.places[*depot].node];
            let (to, from) = (index.graph.reachable(node, true), index.graph.reachable(node, false));
            for &p in &road_places {
                let place = &s.map.places[p];
                let v = index.node_index[&place.node] as usize;
                if !(to[v] && from[v]) {
                    let way = if to[v] { "back from" } else { "to" };
                    out.push(
                        Diagnostic::at_path(
                            path.clone(),
                            format!(
                                "depot \"{}\" cannot reach place \"{}\" (node {}): no road leads {way} it",
                                s.map.places[*depot].name, place.name, place.node
                            ),
                        )
                        .with_hint(Some("check one-way roads and missing edges around that node".into())),
                    );
                }
            }
        }
    }
    out
}

fn check_run(s: &Scenario, err: &mut dyn FnMut(String, String, Option<String>)) {
    let d = &s.dispatch;
    if d.period_s == 0 || d.period_s > 600 {
        err("dispatch.period_s".into(), format!("dispatch period must be 1 to 600 s, found {}", d.period_s), None);
    }
    if !(d.max_detour.is_finite() && d.max_detour >= 1.0) {
        err(
            "dispatch.max_detour".into(),
            format!("max_detour is a multiple of the direct ride and must be at least 1, found {}", d.max_detour),
            Some("1.5 lets a pooled ride take half as long again as the direct one".into()),
        );
    }
    let r = &s.run;
    if r.duration_s == 0 {
        err("run.duration_s".into(), "duration must be above zero".into(), None);
    }
    if r.tick_ms == 0 || r.tick_ms > 1000 {
        err("run.tick_ms".into(), format!("tick must be between 1 and 1000 ms, found {}", r.tick_ms), None);
    }
    if r.tick_ms > 0 && (r.record_ms == 0 || !r.record_ms.is_multiple_of(r.tick_ms)) {
        err(
            "run.record_ms".into(),
            format!("record_ms ({}) must be a positive multiple of tick_ms ({})", r.record_ms, r.tick_ms),
            None,
        );
    }
}

fn check_polygon(polygon: &[(f64, f64)], path: &str, err: &mut dyn FnMut(String, String, Option<String>)) {
    if polygon.len() < 3 {
        err(path.into(), format!("a polygon needs at least 3 points, found {}", polygon.len()), None);
    } else if polygon.iter().any(|(x, y)| !(x.is_finite() && y.is_finite())) {
        err(path.into(), "polygon points must be finite numbers".into(), None);
    }
}

fn check_profile(profile: &[RateStep], path: &str, err: &mut dyn FnMut(String, String, Option<String>)) {
    if profile.is_empty() {
        err(path.into(), "the profile needs at least one step".into(), None);
    }
    for (i, step) in profile.iter().enumerate() {
        if !(step.per_hour.is_finite() && step.per_hour >= 0.0) {
            err(format!("{path}[{i}].per_hour"), format!("rate must be zero or more, found {}", step.per_hour), None);
        }
        if i > 0 && step.from <= profile[i - 1].from {
            err(
                format!("{path}[{i}].from"),
                format!("steps must be in increasing time: {} follows {}", step.from, profile[i - 1].from),
                None,
            );
        }
    }
}

fn check_rules(
    s: &Scenario,
    nodes: &BTreeMap<u32, usize>,
    fleets: &BTreeSet<&str>,
    err: &mut dyn FnMut(String, String, Option<String>),
) {
    let zones: Vec<&str> = s.map.zones.iter().map(|z| z.name.as_str()).collect();
    let roads: BTreeSet<(u32, u32)> = s.map.edges.iter().flat_map(|e| [(e.from, e.to), (e.to, e.from)]).collect();
    let taxi_fleets: Vec<&str> = s.fleets.taxis.iter().map(|f| f.name.as_str()).collect();
    let check_road = |path: String, (a, b): (u32, u32), err: &mut dyn FnMut(String, String, Option<String>)| {
        if !roads.contains(&(a, b)) {
            let hint = [a, b]
                .into_iter()
                .find(|id| !nodes.contains_key(id))
                .map_or_else(|| Some(format!("no edge joins nodes {a} and {b}")), |id| nearest_ids(nodes, id));
            err(path, format!("unknown road ({a}, {b})"), hint);
        }
    };
    let mut ids = BTreeSet::new();
    for (i, rule) in s.rules.iter().enumerate() {
        let path = format!("rules[{i}]");
        if rule.id.is_empty() {
            err(format!("{path}.id"), "a rule needs an id".into(), None);
        } else if !ids.insert(rule.id()) {
            err(format!("{path}.id"), format!("rule id \"{}\" is used twice", rule.id()), None);
        }
        if !rule.dates.is_empty() && s.run.date.is_none() {
            err(
                format!("{path}.dates"),
                "the rule holds on some dates only, but the run has no date".into(),
                Some("set `run.date: \"YYYY-MM-DD\"`".into()),
            );
        }
        for (j, range) in rule.dates.iter().enumerate() {
            if range.to < range.from {
                err(format!("{path}.dates[{j}]"), format!("{} is after {}", range.from, range.to), None);
            }
        }
        let allowed = rule.kind.default_classes();
        for (j, class) in rule.applies_to.iter().enumerate() {
            if matches!(rule.kind, RuleKind::Separation { .. }) {
                err(
                    format!("{path}.applies_to"),
                    "a separation rule binds the pair it names".into(),
                    Some("drop `applies_to` and set `between`".into()),
                );
                break;
            }
            if !allowed.contains(class) {
                err(
                    format!("{path}.applies_to[{j}]"),
                    format!("a {} rule cannot bind {class:?}", rule.kind.as_str()),
                    Some(format!(
                        "it can bind {}",
                        allowed.iter().map(|c| format!("{c:?}")).collect::<Vec<_>>().join(", ")
                    )),
                );
            }
        }
        let kind = format!("{path}.kind");
        match &rule.kind {
            RuleKind::SpeedLimit { zone, kmh } => {
                if let Some(zone) = zone
                    && !zones.contains(&zone.as_str())
                {
                    err(
                        format!("{kind}.zone"),
                        format!("unknown zone \"{zone}\""),
                        did_you_mean(zone, zones.iter().copied()),
                    );
                }
                positive(err, &format!("{kind}.kmh"), *kmh);
            }
            RuleKind::RoadClosure { roads: closed } => {
                for (j, &road) in closed.iter().enumerate() {
                    check_road(format!("{kind}.roads[{j}]"), road, err);
                }
            }
            RuleKind::OneWay { road } => check_road(format!("{kind}.road"), *road, err),
            RuleKind::DesignatedRoute { roads: route } => {
                if route.is_empty() {
                    err(format!("{kind}.roads"), "a designated route needs at least one road".into(), None);
                }
                for (j, &road) in route.iter().enumerate() {
                    check_road(format!("{kind}.roads[{j}]"), road, err);
                }
                let on_route: BTreeSet<u32> = route.iter().flat_map(|&(a, b)| [a, b]).collect();
                for f in &s.fleets.taxis {
                    let depot = s.map.places.iter().find(|p| p.name == f.depot);
                    if let Some(depot) = depot
                        && !on_route.contains(&depot.node)
                    {
                        err(
                            format!("{kind}.roads"),
                            format!("depot \"{}\" (node {}) is off the designated route", depot.name, depot.node),
                            Some("add a road from the depot's node to the route".into()),
                        );
                    }
                }
            }
            RuleKind::NoFly { volume } => {
                check_polygon(&volume.polygon, &format!("{kind}.volume.polygon"), err);
                if volume.floor_m.partial_cmp(&volume.ceiling_m) != Some(std::cmp::Ordering::Less) {
                    err(format!("{kind}.volume"), "floor_m must be below ceiling_m".into(), None);
                }
            }
            RuleKind::AltitudeBand { floor_m, ceiling_m } => {
                if !(*floor_m >= 0.0 && floor_m < ceiling_m) {
                    err(
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
                    err(
                        format!("{kind}.between"),
                        format!("separation between {:?} and {:?} is not checked", between.0, between.1),
                        Some(
                            "pairs: (Drone, Drone), (Drone, Person), (Drone, Building), (Taxi, Person), (Car, Person)"
                                .into(),
                        ),
                    );
                }
                positive(err, &format!("{kind}.horizontal_m"), *horizontal_m);
                positive(err, &format!("{kind}.vertical_m"), *vertical_m);
            }
            RuleKind::OperatingHours { fleet } => {
                if let Some(fleet) = fleet
                    && !fleets.contains(fleet.as_str())
                {
                    err(
                        format!("{kind}.fleet"),
                        format!("unknown fleet \"{fleet}\""),
                        did_you_mean(fleet, fleets.iter().copied()),
                    );
                }
                if rule.hours.is_none() {
                    err(format!("{path}.hours"), "operating hours need `hours`".into(), None);
                }
            }
            RuleKind::WindLimit { max_mps } => positive(err, &format!("{kind}.max_mps"), *max_mps),
            RuleKind::RemoteOperators { fleet, vehicles_per_operator } => {
                if let Some(fleet) = fleet
                    && !taxi_fleets.contains(&fleet.as_str())
                {
                    err(
                        format!("{kind}.fleet"),
                        format!("unknown taxi fleet \"{fleet}\""),
                        did_you_mean(fleet, taxi_fleets.iter().copied()),
                    );
                }
                positive(err, &format!("{kind}.vehicles_per_operator"), f64::from(*vehicles_per_operator));
            }
        }
    }
}

fn check_crossings_and_pedestrians(s: &Scenario, err: &mut dyn FnMut(String, String, Option<String>)) {
    let at = |id: u32| s.map.nodes.iter().find(|n| n.id == id).map(|n| (n.x, n.y));
    let length = |(a, b): (u32, u32)| -> Option<f64> {
        let e = s.map.edges.iter().find(|e| (e.from, e.to) == (a, b) || (e.from, e.to) == (b, a))?;
        let ((ax, ay), (bx, by)) = (at(a)?, at(b)?);
        Some(e.length_m.unwrap_or((ax - bx).hypot(ay - by)))
    };
    let mut names = BTreeSet::new();
    for (i, c) in s.map.crossings.iter().enumerate() {
        let path = format!("map.crossings[{i}]");
        if !names.insert(c.name.as_str()) {
            err(format!("{path}.name"), format!("crossing \"{}\" is defined twice", c.name), None);
        }
        match length(c.road) {
            None => err(format!("{path}.road"), format!("unknown road ({}, {})", c.road.0, c.road.1), None),
            Some(len) if !(c.at_m > 0.0 && c.at_m < len) => err(
                format!("{path}.at_m"),
                format!("the crossing must lie on the road: between 0 and {len:.1} m, found {}", c.at_m),
                None,
            ),
            Some(_) => {}
        }
        positive(err, &format!("{path}.width_m"), c.width_m);
    }
    for (i, f) in s.residents.pedestrians.iter().enumerate() {
        let path = format!("residents.pedestrians[{i}]");
        if s.map.crossings.is_empty() {
            err(path.clone(), "pedestrians need crossings".into(), Some("add `map.crossings`".into()));
        }
        for (j, name) in f.crossings.iter().enumerate() {
            if !names.contains(name.as_str()) {
                err(
                    format!("{path}.crossings[{j}]"),
                    format!("unknown crossing \"{name}\""),
                    did_you_mean(name, names.iter().copied()),
                );
            }
        }
        check_profile(&f.profile, &format!("{path}.profile"), err);
        positive(err, &format!("{path}.walk_mps"), f.walk_mps);
        if !(0.0..=1.0).contains(&f.careless) {
            err(format!("{path}.careless"), format!("a share between 0 and 1, found {}", f.careless), None);
        }
    }
}

fn check_buildings_and_weather(s: &Scenario, err: &mut dyn FnMut(String, String, Option<String>)) {
    for (i, b) in s.map.buildings.iter().enumerate() {
        check_polygon(&b.polygon, &format!("map.buildings[{i}].polygon"), err);
        positive(err, &format!("map.buildings[{i}].height_m"), b.height_m);
    }
    for (i, w) in s.weather.wind.iter().enumerate() {
        let path = format!("weather.wind[{i}]");
        if !(w.mean_mps.is_finite() && w.mean_mps >= 0.0) {
            err(format!("{path}.mean_mps"), format!("wind speed must be zero or more, found {}", w.mean_mps), None);
        }
        if !(w.gust_mps.is_finite() && w.gust_mps >= 0.0) {
            err(format!("{path}.gust_mps"), format!("gustiness must be zero or more, found {}", w.gust_mps), None);
        }
        if !w.from_deg.is_finite() {
            err(format!("{path}.from_deg"), "direction must be a number of degrees".into(), None);
        }
        if i > 0 && w.from <= s.weather.wind[i - 1].from {
            err(format!("{path}.from"), "steps must be in increasing time".into(), None);
        }
    }
}

fn positive(err: &mut dyn FnMut(String, String, Option<String>), path: &str, value: f64) {
    if !(value.is_finite() && value > 0.0) {
        err(path.into(), format!("must be above zero, found {value}"), None);
    }
}

fn nearest_ids(nodes: &BTreeMap<u32, usize>, id: u32) -> Option<String> {
    let below = nodes.range(..id).next_back().map(|(k, _)| *k);
    let above = nodes.range(id..).next().map(|(k, _)| *k);
    match (below, above) {
        (Some(a), Some(b)) => Some(format!("nearest node ids are {a} and {b}")),
        (Some(a), None) => Some(format!("the highest node id is {a}")),
        (None, Some(b)) => Some(format!("the lowest node id is {b}")),
        (None, None) => Some("the map has no nodes".into()),
    }
}

fn place_position(s: &Scenario, nodes: &BTreeMap<u32, usize>, place: usize) -> Vec2 {
    let p = &s.map.places[place];
    p.at.map(Vec2::from).unwrap_or_else(|| {
        nodes.get(&p.node).map_or(Vec2::default(), |&i| Vec2::new(s.map.nodes[i].x, s.map.nodes[i].y))
    })
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

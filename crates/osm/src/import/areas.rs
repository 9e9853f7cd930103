//! Buildings, land-use zones and named places, attached to the road network.

use pilotzone_routing::Vec2;
use pilotzone_scenario::{Building, Place, PlaceKind, Zone};

use super::read::Feature;
use super::shape::{Names, NodeGrid, centroid, round_xy};
use super::{ImportOptions, ImportReport, Source};
use crate::features::{place_word, zone_word};
use crate::network::project;

/// The buildings, zones and places of `features`; each place attaches to the nearest of
/// `out_nodes` within the options' distance, or is dropped with its reason.
pub(super) fn place(
    src: &Source,
    origin: (f64, f64),
    features: &[Feature],
    out_nodes: &[Vec2],
    o: &ImportOptions,
    report: &mut ImportReport,
) -> (Vec<Building>, Vec<Zone>, Vec<Place>) {
    let grid = NodeGrid::new(out_nodes, o.max_place_distance_m.max(50.0));
    let mut buildings = Vec::new();
    let mut zones = Vec::new();
    let mut places = Vec::new();
    let (mut zone_names, mut place_names) = (Names::default(), Names::default());
    let xy = |i: u32| project(origin, src.lat_lon(i));
    for f in features {
        let (at, outline) = if f.kind == 'n' {
            match src.resolve(f.id) {
                Some(i) => (xy(i), None),
                None => continue,
            }
        } else {
            let pts: Option<Vec<Vec2>> = f.refs.iter().map(|&id| src.resolve(id).map(xy)).collect();
            let Some(mut pts) = pts else {
                report.clipped_areas += usize::from(f.building.is_some() || f.zone.is_some());
                continue;
            };
            let closed = pts.len() >= 4 && pts.first() == pts.last();
            if closed {
                pts.pop();
            }
            (centroid(&pts), closed.then_some(pts))
        };
        if let Some(outline) = &outline {
            let polygon: Vec<(f64, f64)> = outline.iter().map(|&p| round_xy(p)).map(|p| (p.x, p.y)).collect();
            if let Some((height_m, default)) = f.building {
                buildings.push(Building { polygon: polygon.clone(), height_m });
                report.default_heights += usize::from(default);
            }
            if let Some(kind) = f.zone {
                let name = f.name.clone().unwrap_or_else(|| format!("{} w{}", zone_word(kind), f.id));
                zones.push(Zone { name: zone_names.unique(name), kind, polygon, hours: None });
            }
        }
        let (kind, name) = match (&f.place, &f.home) {
            (Some((kind, needs_name)), _) => match (&f.name, needs_name) {
                (Some(n), _) => (*kind, n.clone()),
                (None, false) => (*kind, format!("{} {}{}", place_word(*kind), f.kind, f.id)),
                (None, true) => continue,
            },
            (None, Some(address)) => (PlaceKind::Home, address.clone()),
            (None, None) => continue,
        };
        match grid.nearest(out_nodes, at) {
            Some((node, d)) if d <= o.max_place_distance_m => {
                *report.places.entry(kind).or_default() += 1;
                let at = round_xy(at);
                places.push(Place { name: place_names.unique(name), kind, node, at: Some((at.x, at.y)) });
            }
            nearest => {
                let why = match nearest {
                    Some((_, d)) => format!("no road within {:.0} m (nearest {d:.0} m)", o.max_place_distance_m),
                    None => format!("no road within {:.0} m", o.max_place_distance_m),
                };
                report.dropped_places.push((name, why));
            }
        }
    }
    report.buildings = buildings.len();
    report.zones = zones.len();
    (buildings, zones, places)
}

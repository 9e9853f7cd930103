//! `pilotzone import osm`: real map data as a map file that scenarios build on.

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;

use super::{InputError, write_file};
use crate::cli::OsmArgs;

/// `pilotzone import osm`: an OpenStreetMap extract as a map file, with a report of what was
/// kept and dropped.
pub(crate) fn osm(args: &OsmArgs) -> Result<ExitCode> {
    let OsmArgs { file, bbox, traffic_side, junction_radius_m, simplify_m, max_place_distance_m, out } = args;
    let options = &pilotzone_osm::ImportOptions {
        bbox: *bbox,
        traffic_side: *traffic_side,
        junction_radius_m: *junction_radius_m,
        simplify_m: *simplify_m,
        max_place_distance_m: *max_place_distance_m,
    };
    for (flag, value) in [
        ("--junction-radius-m", options.junction_radius_m),
        ("--simplify-m", options.simplify_m),
        ("--max-place-distance-m", options.max_place_distance_m),
    ] {
        if !(value.is_finite() && (0.0..=10_000.0).contains(&value)) {
            return Err(InputError(format!("{flag} must be between 0 and 10000 m, found {value}")).into());
        }
    }
    #[expect(clippy::disallowed_methods, reason = "wall time of the import, for the report")]
    let started = Instant::now();
    let imported = pilotzone_osm::import_pbf(file, options).map_err(|e| InputError(e.to_string()))?;
    let (lat, lon) = imported.origin_lat_lon;
    let comment = format!(
        "Map imported by `pilotzone import osm {}` from OpenStreetMap data.\n\
         Map data {}\n\
         (0, 0) is at {lat:.6}° N, {lon:.6}° E; x runs east and y north, in metres.\n\
         Re-import rather than edit: scenarios add their own places, zones and no-fly volumes.",
        file.file_name().map(|n| n.to_string_lossy()).unwrap_or_default(),
        pilotzone_osm::OSM_ATTRIBUTION,
    );
    let text = pilotzone_scenario::mapfile::to_ron(&imported.map, &comment);
    // What we write must load: a defect of the import is reported here, not by the next command.
    pilotzone_scenario::mapfile::parse_map(&text, &out.display().to_string())?;
    write_file(out, &text)?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", imported.report)?;
    writeln!(
        stdout,
        "wrote {} ({} KB) in {:.2} s",
        out.display(),
        text.len().div_ceil(1024),
        started.elapsed().as_secs_f64()
    )?;
    Ok(ExitCode::SUCCESS)
}

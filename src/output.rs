//! Run outputs: atomic file writes, the events table and the KPI summary people read.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use pilotzone_sim::Kpis;
use pilotzone_sim::events::SimEvent;

/// Writes `bytes` to `path` through a temporary file in the same folder, synced, renamed over
/// the old one and the folder synced: a reader never sees half a file, a killed run leaves the
/// old file intact, and a finished one survives a power cut. The file is readable by all, as any
/// output (tempfile alone would leave it to its owner).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".pilotzone-")
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    tmp.write_all(bytes)
        .and_then(|()| readable_by_all(tmp.as_file()))
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    tmp.persist(path).with_context(|| format!("cannot move the finished file to {}", path.display()))?;
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("cannot sync the folder {}", dir.display()))?;
    Ok(())
}

#[cfg(unix)]
fn readable_by_all(file: &std::fs::File) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn readable_by_all(_: &std::fs::File) -> std::io::Result<()> {
    Ok(())
}

/// A run time as a time of day, `HH:MM:SS.s`.
pub fn clock(start_tod_s: u32, t_ms: u64) -> String {
    let s = u64::from(start_tod_s) + t_ms / 1000;
    format!("{:02}:{:02}:{:02}.{}", s / 3600 % 24, s / 60 % 60, s % 60, t_ms % 1000 / 100)
}

/// The columns of `events.csv`.
pub const EVENT_COLUMNS: [&str; 13] =
    ["time_s", "clock", "kind", "entity", "x", "y", "z", "rule", "other", "value", "limit", "severity", "detail"];

/// The event log as CSV, one row per event under [`EVENT_COLUMNS`]; the incident columns (rule
/// to severity) are empty for other events. Written with the csv crate, so a rule id or a detail
/// holding a comma, a quote or a line break stays one field.
pub fn events_csv(events: &[SimEvent], rules: &[pilotzone_scenario::Rule], start_tod_s: u32) -> String {
    let mut out = csv::Writer::from_writer(Vec::new());
    // Writing to memory cannot fail, and every row has the header's 13 fields.
    let wrote = "an in-memory row as wide as the header";
    out.write_record(EVENT_COLUMNS).expect(wrote);
    for e in events {
        let [rule, other, value, limit, severity] = e.incident.as_ref().map_or_else(Default::default, |i| {
            [
                i.rule.map_or_else(String::new, |r| rules[r].id().to_owned()),
                i.other.map_or_else(String::new, |o| o.to_string()),
                format!("{:.3}", i.value),
                format!("{:.3}", i.limit),
                i.severity.to_string(),
            ]
        });
        let [x, y, z] = e.at.map(|c| format!("{c:.2}"));
        let time_s = format!("{:.1}", e.t_ms as f64 / 1000.0);
        let (clock, kind, entity) = (clock(start_tod_s, e.t_ms), e.kind.key(), e.entity.to_string());
        out.write_record([
            time_s.as_str(),
            &clock,
            kind,
            &entity,
            &x,
            &y,
            &z,
            &rule,
            &other,
            &value,
            &limit,
            &severity,
            &e.detail,
        ])
        .expect(wrote);
    }
    let bytes = out.into_inner().expect("flushing into memory cannot fail");
    String::from_utf8(bytes).expect("every field is UTF-8 text")
}

fn opt(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_owned(), |v| format!("{v:.0}"))
}

/// Writes a run's replay, events and KPIs into `dir`, each atomically, `kpis.json` last: a
/// folder with a `kpis.json` holds a finished run.
pub fn write_run(dir: &Path, result: &pilotzone_sim::RunOutput, scenario: &pilotzone_scenario::Scenario) -> Result<()> {
    let start_tod_s = scenario.run.start.seconds();
    // A run folder has one writer; what an earlier, killed writer left half-written goes.
    remove_unfinished(dir);
    write_atomic(&dir.join("replay.pzr"), &result.replay)?;
    write_atomic(&dir.join("events.csv"), events_csv(&result.events, &scenario.rules, start_tod_s).as_bytes())?;
    let json = serde_json::to_string_pretty(&result.kpis).context("KPIs serialize")? + "\n";
    write_atomic(&dir.join("kpis.json"), json.as_bytes())
}

/// Removes the temporary files a killed [`write_atomic`] left in `dir`. Call it only where no
/// other process writes at the same time.
pub fn remove_unfinished(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        if e.file_name().to_string_lossy().starts_with(".pilotzone-") && e.path().is_file() {
            // Best effort: a file that cannot go is only clutter, never mistaken for an output.
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// A readable KPI summary.
pub fn print_kpis(out: &mut impl Write, k: &Kpis) -> Result<()> {
    let t = &k.taxi;
    let d = &k.drone;
    let s = &k.safety;
    writeln!(
        out,
        "{} · seed {} · {:.0} simulated s in {:.2} wall s · replay {}",
        k.scenario, k.seed, k.sim_seconds, k.wall_seconds, k.replay_hash
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "taxis   requests {:>5}   served {:>5}   rejected {:>4}   unfinished {:>4}",
        t.requests, t.served, t.rejected, t.unfinished
    )?;
    writeln!(
        out,
        "        dispatch {}   served per vehicle-hour {:.2}   shared rides {}",
        k.dispatch, t.served_per_vehicle_hour, t.shared
    )?;
    writeln!(
        out,
        "        wait s   mean {:>5}   p50 {:>5}   p90 {:>5}   ride s mean {:>5}",
        opt(t.wait_s.mean),
        opt(t.wait_s.p50),
        opt(t.wait_s.p90),
        opt(t.ride_s.mean)
    )?;
    writeln!(
        out,
        "        km {:>8.1}   empty km {:>7.1}   utilization {:>4.0} %   energy {:.1} kWh",
        t.km,
        t.empty_km,
        t.utilization * 100.0,
        t.energy_kwh
    )?;
    writeln!(
        out,
        "drones  orders {:>7}   delivered {:>3}   failed {:>6}   unfinished {:>4}",
        d.orders, d.delivered, d.failed, d.unfinished
    )?;
    writeln!(
        out,
        "        delivery s mean {:>5}   p90 {:>5}   km {:>7.1}   energy {:.0} Wh",
        opt(d.delivery_s.mean),
        opt(d.delivery_s.p90),
        d.km,
        d.energy_wh
    )?;
    writeln!(
        out,
        "safety  collisions {}   near misses {}   separation losses {}   no-fly incursions {}   speed violations {}   \
         gridlocks {}",
        s.collisions, s.near_misses, s.separation_losses, s.nofly_incursions, s.speed_violations, s.gridlocks
    )?;
    Ok(())
}

/// A summary of a replay file.
pub fn print_replay_info(out: &mut impl Write, r: &pilotzone_replay::Replay, size: u64) -> Result<()> {
    let h = r.header();
    use pilotzone_replay::EntityKind;
    let count = |k: EntityKind| h.entities.iter().filter(|e| e.kind == k).count();
    writeln!(out, "scenario     {} (hash {})", h.scenario_name, pilotzone_replay::Hex(h.scenario_hash))?;
    // The scenario embeds its map, and with it where the map data comes from.
    if let Ok(loaded) = pilotzone_scenario::parse(&h.scenario_text, &h.scenario_name)
        && let Some(attribution) = &loaded.scenario.map.attribution
    {
        writeln!(out, "map data     {attribution}")?;
    }
    writeln!(out, "engine       pilotzone {}", h.engine_version)?;
    writeln!(out, "seed         {}", h.seed)?;
    writeln!(out, "tick         {} ms, sampled every {} ms", h.tick_ms, h.record_ms)?;
    writeln!(out, "duration     {:.1} s from {}", r.duration_ms() as f64 / 1000.0, clock(h.start_time_of_day_s, 0))?;
    writeln!(
        out,
        "entities     {} taxis, {} drones, {} residents' cars, {} people",
        count(EntityKind::Taxi),
        count(EntityKind::Drone),
        count(EntityKind::Car),
        count(EntityKind::Person)
    )?;
    let index = if r.indexed() { "indexed" } else { "no index (scanned)" };
    writeln!(
        out,
        "segments     {} keyframes every {:.0} s, {index}",
        r.segments().len(),
        f64::from(h.segment_ms) / 1000.0
    )?;
    let mut kinds: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for e in r.events() {
        *kinds.entry(e.kind.key()).or_default() += 1;
    }
    let list: Vec<String> = kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
    writeln!(out, "events       {}: {}", r.events().len(), list.join(", "))?;
    let entity_samples = (r.duration_ms() / u64::from(h.record_ms) + 1) * h.entities.len() as u64;
    writeln!(
        out,
        "size         {size} bytes, {:.2} bytes per entity-sample",
        size as f64 / entity_samples.max(1) as f64
    )?;
    if let Some(damage) = r.damage() {
        writeln!(out, "damage       {damage}")?;
    }
    Ok(())
}

/// A paired comparison as a table: KPIs whose means differ, with the 95 % interval of the
/// difference.
pub fn print_comparison(
    out: &mut impl Write,
    baseline: &str,
    variant: &str,
    rows: &[pilotzone_study::Comparison],
) -> Result<()> {
    writeln!(out, "{variant} against {baseline}, paired by seed (difference = {variant} − {baseline})")?;
    writeln!(out, "{:<32} {:>12} {:>12} {:>12}   95 % interval", "kpi", baseline, variant, "difference")?;
    let (lines, same) = pilotzone_study::comparison_lines(rows);
    for l in lines {
        writeln!(out, "{:<32} {:>12} {:>12} {:>12}   {}", l.kpi, l.baseline, l.variant, l.difference, l.interval)?;
    }
    writeln!(out, "({same} KPIs equal in every pair not shown)")?;
    Ok(())
}

//! The same taxi study for Eclipse SUMO: the road network as plain XML (and, with `netconvert`,
//! a `.net.xml`), the taxi fleet with SUMO's taxi device, and the ride requests a pilotzone run
//! with the same seed makes, as persons riding `lines="taxi"`.
//!
//! Settings are carried over where SUMO has them: dispatch period, greedy dispatch, pickup and
//! drop-off dwell, seats, top speed, acceleration and braking; left-hand traffic with
//! `--lefthand`. Riders in SUMO never give up, so compare with a pilotzone scenario whose
//! `max_wait_s` is longer than the run.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use pilotzone_scenario::{DispatchPolicy, LoadedScenario, TrafficSide};
use pilotzone_sim::taxi::{DROPOFF_DWELL_MS, PICKUP_DWELL_MS};
use pilotzone_sim::town::TownMap;

use crate::output::write_atomic;

/// What `export sumo` wrote.
#[derive(Debug)]
pub struct Exported {
    /// Files written, in the folder.
    pub files: Vec<PathBuf>,
    /// Whether `net.net.xml` was built with netconvert.
    pub net_built: bool,
    /// Taxis and persons written.
    pub taxis: usize,
    /// Ride requests written.
    pub persons: usize,
}

/// The schema a SUMO file declares, so SUMO's tools validate it (they map the address to the
/// schemas under `SUMO_HOME`).
fn schema(name: &str) -> String {
    format!(
        r#"xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="http://sumo.dlr.de/xsd/{name}.xsd""#
    )
}

/// SUMO's id of the road from node `a` to node `b`.
fn edge_id(a: u32, b: u32) -> String {
    format!("e{a}_{b}")
}

fn secs(ms: u64) -> String {
    format!("{:.1}", ms as f64 / 1000.0)
}

/// Writes the SUMO files for `loaded` run with `seed` into `dir`; builds the network with
/// `netconvert` when one is given.
pub fn export(loaded: &LoadedScenario, seed: u64, dir: &Path, netconvert: Option<&Path>) -> Result<Exported> {
    let s = &loaded.scenario;
    if s.dispatch.policy != DispatchPolicy::Nearest {
        bail!(
            "SUMO's taxi device has greedy dispatch, which is pilotzone's `nearest`; this scenario \
             dispatches by `{}`: export it with `--dispatch nearest`",
            s.dispatch.policy.as_str()
        );
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut files = Vec::new();
    let mut put = |name: &str, text: String| -> Result<()> {
        let path = dir.join(name);
        write_atomic(&path, text.as_bytes())?;
        files.push(path);
        Ok(())
    };

    let mut nodes = format!("<nodes {}>\n", schema("nodes_file"));
    for n in &s.map.nodes {
        writeln!(nodes, r#"  <node id="n{}" x="{:.2}" y="{:.2}" type="priority"/>"#, n.id, n.x, n.y)?;
    }
    nodes.push_str("</nodes>\n");
    put("nodes.nod.xml", nodes)?;

    let mut edges = format!("<edges {}>\n", schema("edges_file"));
    // Roads out of and into each node, for placing riders and depots.
    let mut into: BTreeMap<u32, Vec<(String, f64)>> = BTreeMap::new();
    let pos = |id: u32| s.map.nodes.iter().find(|n| n.id == id).map(|n| (n.x, n.y)).expect("validated node ids");
    for e in &s.map.edges {
        let (a, b) = (pos(e.from), pos(e.to));
        let length = e.length_m.unwrap_or_else(|| (b.0 - a.0).hypot(b.1 - a.1));
        let dirs: &[(u32, u32)] = if e.one_way { &[(e.from, e.to)] } else { &[(e.from, e.to), (e.to, e.from)] };
        for &(f, t) in dirs {
            let id = edge_id(f, t);
            let length_attr = e.length_m.map(|l| format!(r#" length="{l:.2}""#)).unwrap_or_default();
            writeln!(
                edges,
                r#"  <edge id="{id}" from="n{f}" to="n{t}" numLanes="{}" speed="{:.3}"{length_attr}/>"#,
                e.lanes.max(1),
                e.speed_kmh / 3.6
            )?;
            into.entry(t).or_default().push((id, length));
        }
    }
    edges.push_str("</edges>\n");
    put("edges.edg.xml", edges)?;

    // A place is served from the first road into its node, 12 m before the end of the lane
    // (a negative position counts from the end; netconvert shortens lanes by the junction), as
    // pilotzone's vehicles pull in 12 m before the junction.
    let kerb = |place: usize| -> Result<(String, String)> {
        let node = s.map.places[place].node;
        let (id, len) = into
            .get(&node)
            .and_then(|v| v.first())
            .with_context(|| format!("place \"{}\" has no road into its node", s.map.places[place].name))?;
        let at = if *len >= 40.0 { "-12".to_owned() } else { format!("{:.1}", len * 0.4) };
        Ok((id.clone(), at))
    };
    let town = TownMap::new(std::sync::Arc::new(s.clone()));
    let rides = pilotzone_sim::demand::draw_rides(&town, seed);
    let mut routes = format!("<routes {}>\n", schema("routes_file"));
    let mut taxis = 0;
    for (k, f) in s.fleets.taxis.iter().enumerate() {
        // A Level-4 driver, as pilotzone's: it keeps the limit exactly (no speed deviation) and
        // does not dawdle (Krauss `sigma` 0; SUMO's default 0.5 models a human's imperfection).
        writeln!(
            routes,
            r#"  <vType id="taxi{k}" vClass="taxi" personCapacity="{}" maxSpeed="{:.3}" accel="1.5" decel="2.5" emergencyDecel="7.0" length="4.4" minGap="2.6" tau="1.2" sigma="0" speedDev="0">"#,
            f.seats,
            f.max_speed_kmh / 3.6
        )?;
        routes.push_str("    <param key=\"has.taxi.device\" value=\"true\"/>\n");
        writeln!(routes, r#"    <param key="device.taxi.pickUpDuration" value="{}"/>"#, secs(PICKUP_DWELL_MS))?;
        writeln!(routes, r#"    <param key="device.taxi.dropOffDuration" value="{}"/>"#, secs(DROPOFF_DWELL_MS))?;
        routes.push_str("  </vType>\n");
    }
    for (k, f) in s.fleets.taxis.iter().enumerate() {
        let depot = town.place(&f.depot).context("validated: depots are known places")?;
        let (edge, _) = kerb(depot)?;
        for _ in 0..f.count {
            writeln!(
                routes,
                r#"  <vehicle id="taxi{taxis}" type="taxi{k}" depart="0.0" departPos="free" line="taxi"><route edges="{edge}"/></vehicle>"#
            )?;
            taxis += 1;
        }
    }
    for (i, r) in rides.iter().enumerate() {
        let ((from, from_at), (to, to_at)) = (kerb(r.from)?, kerb(r.to)?);
        writeln!(
            routes,
            r#"  <person id="r{i}" depart="{}" departPos="{from_at}"><ride from="{from}" to="{to}" arrivalPos="{to_at}" lines="taxi"/></person>"#,
            secs(r.t_ms.div_ceil(u64::from(s.run.tick_ms)) * u64::from(s.run.tick_ms))
        )?;
    }
    routes.push_str("</routes>\n");
    put("taxis.rou.xml", routes)?;

    let lefthand = s.map.traffic_side == TrafficSide::Left;
    let config = format!(
        r#"<configuration {schema}>
  <input>
    <net-file value="net.net.xml"/>
    <route-files value="taxis.rou.xml"/>
  </input>
  <time>
    <begin value="0"/>
    <end value="{end}"/>
    <step-length value="{step}"/>
  </time>
  <processing>
    <time-to-teleport value="-1"/>
  </processing>
  <routing>
    <routing-algorithm value="astar"/>
  </routing>
  <taxi_device>
    <device.taxi.dispatch-algorithm value="greedy"/>
    <device.taxi.dispatch-period value="{period}"/>
    <device.taxi.idle-algorithm value="stop"/>
  </taxi_device>
  <random_number>
    <seed value="{seed}"/>
  </random_number>
  <output>
    <tripinfo-output value="tripinfo.xml"/>
    <tripinfo-output.write-unfinished value="true"/>
    <statistic-output value="statistics.xml"/>
  </output>
  <report>
    <no-step-log value="true"/>
  </report>
</configuration>
"#,
        end = s.run.duration_s,
        step = f64::from(s.run.tick_ms) / 1000.0,
        period = s.dispatch.period_s,
        seed = seed % u64::from(i32::MAX as u32),
        schema = schema("sumoConfiguration"),
    );
    put("run.sumocfg", config)?;
    let lefthand_flag = if lefthand { " --lefthand" } else { "" };
    let build = format!(
        "#!/bin/sh\n# Builds net.net.xml from the plain XML, as `pilotzone export sumo` does when it finds netconvert.\n\
         netconvert --node-files nodes.nod.xml --edge-files edges.edg.xml --output-file net.net.xml --no-warnings{lefthand_flag}\n"
    );
    put("build-net.sh", build)?;

    let mut net_built = false;
    if let Some(tool) = netconvert {
        let mut cmd = std::process::Command::new(tool);
        cmd.current_dir(dir).args([
            "--node-files",
            "nodes.nod.xml",
            "--edge-files",
            "edges.edg.xml",
            "--output-file",
            "net.net.xml",
            "--no-warnings",
        ]);
        if lefthand {
            cmd.arg("--lefthand");
        }
        let out = cmd.output().with_context(|| format!("cannot run {}", tool.display()))?;
        if !out.status.success() {
            bail!("netconvert failed on the exported network:\n{}", String::from_utf8_lossy(&out.stderr));
        }
        files.push(dir.join("net.net.xml"));
        net_built = true;
    }
    Ok(Exported { files, net_built, taxis, persons: rides.len() })
}

/// The `netconvert` to use: `$SUMO_HOME/bin/netconvert`, else one on the `PATH`.
pub fn find_netconvert(env: impl Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let exe = if cfg!(windows) { "netconvert.exe" } else { "netconvert" };
    if let Some(home) = env("SUMO_HOME") {
        let p = Path::new(&home).join("bin").join(exe);
        if p.is_file() {
            return Some(p);
        }
    }
    std::env::split_paths(&env("PATH").unwrap_or_default()).map(|d| d.join(exe)).find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_export_carries_the_requests_a_run_makes_and_the_fleet() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/demo.ron");
        let mut loaded = pilotzone_scenario::load(&path).expect("the demo loads");
        loaded.scenario.run.duration_s = 1800;
        let dir = tempfile::tempdir().expect("temp dir");
        let done = export(&loaded, 7, dir.path(), None).expect("exports");
        assert!(!done.net_built);
        let mut sim = pilotzone_sim::Simulation::new(loaded.clone(), 7).expect("builds");
        sim.run_to_end();
        let world = sim.app().world();
        let made: Vec<(u64, usize, usize)> =
            world.resource::<pilotzone_sim::demand::Requests>().rides.iter().map(|r| (r.t_ms, r.from, r.to)).collect();
        let town = TownMap::new(std::sync::Arc::new(loaded.scenario.clone()));
        let drawn: Vec<(u64, usize, usize)> =
            pilotzone_sim::demand::draw_rides(&town, 7).iter().map(|r| (r.t_ms, r.from, r.to)).collect();
        assert!(!made.is_empty());
        assert_eq!(drawn, made, "the exported demand is the run's, request for request");
        assert_eq!(done.persons, made.len());
        assert_eq!(done.taxis, 10);
        let routes = std::fs::read_to_string(dir.path().join("taxis.rou.xml")).expect("routes written");
        assert_eq!(routes.matches("<person ").count(), made.len());
        assert_eq!(routes.matches(r#"line="taxi""#).count(), 10);
        assert!(routes.contains(r#"lines="taxi""#));
        // Persons leave in time order, as SUMO requires.
        let departs: Vec<f64> = routes
            .lines()
            .filter(|l| l.contains("<person "))
            .map(|l| {
                l.split("depart=\"").nth(1).and_then(|t| t.split('"').next()).expect("depart").parse().expect("number")
            })
            .collect();
        assert!(departs.windows(2).all(|w| w[0] <= w[1]));
        // Two-way roads become a SUMO edge each way.
        let edges = std::fs::read_to_string(dir.path().join("edges.edg.xml")).expect("edges written");
        let ways: usize = loaded.scenario.map.edges.iter().map(|e| if e.one_way { 1 } else { 2 }).sum();
        assert_eq!(edges.matches("<edge ").count(), ways);
        let config = std::fs::read_to_string(dir.path().join("run.sumocfg")).expect("config written");
        assert!(config.contains(r#"<end value="1800"/>"#) && config.contains(r#"value="greedy""#));
    }

    #[test]
    fn pooling_scenarios_are_refused_with_the_fix() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/demo.ron");
        let loaded = pilotzone_scenario::load(&path).expect("the demo loads");
        let pooled = pilotzone_scenario::edited(&loaded, "pooled", |s| s.dispatch.policy = DispatchPolicy::Pooling)
            .expect("valid");
        let dir = tempfile::tempdir().expect("temp dir");
        let err = export(&pooled, 1, dir.path(), None).expect_err("SUMO has no such dispatcher");
        assert!(err.to_string().contains("--dispatch nearest"), "{err}");
    }
}

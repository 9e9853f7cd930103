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

    let mut nodes = String::from("<nodes>\n");
    for n in &s.map.nodes {
        writeln!(nodes, r#"  <node id="n{}" x="{:.2}" y="{:.2}" type="priority"/>"#, n.id, n.x, n.y)?;
    }
    nodes.push_str("</nodes>\n");
    put("nodes.nod.xml", nodes)?;

    let mut edges = String::from("<edges>\n");
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

    // A place is served from the first road into its node, 12 m before the junction, as
    // pilotzone's vehicles pull in.
    let kerb = |place: usize| -> Result<(String, f64)> {
        let node = s.map.places[place].node;
        let (id, len) = into
            .get(&node)
            .and_then(|v| v.first())
            .with_context(|| format!("place \"{}\" has no road into its node", s.map.places[place].name))?;
        Ok((id.clone(), (len - 12.0).max(len * 0.5)))
    };
    let town = TownMap::new(std::sync::Arc::new(s.clone()));
    let rides = pilotzone_sim::demand::draw_rides(&town, seed);
    let mut routes = String::from("<routes>\n");
    let mut taxis = 0;
    for (k, f) in s.fleets.taxis.iter().enumerate() {
        writeln!(
            routes,
            r#"  <vType id="taxi{k}" vClass="taxi" personCapacity="{}" maxSpeed="{:.3}" accel="1.5" decel="2.5" emergencyDecel="7.0" length="4.4" minGap="2.6" tau="1.2">"#,
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
            r#"  <person id="r{i}" depart="{}" departPos="{from_at:.1}"><ride from="{from}" to="{to}" arrivalPos="{to_at:.1}" lines="taxi"/></person>"#,
            secs(r.t_ms.div_ceil(u64::from(s.run.tick_ms)) * u64::from(s.run.tick_ms))
        )?;
    }
    routes.push_str("</routes>\n");
    put("taxis.rou.xml", routes)?;

    let lefthand = s.map.traffic_side == TrafficSide::Left;
    let config = format!(
        r#"<configuration>
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

//! The `pilotzone` command line: run scenarios headless, check them, generate them, and inspect
//! replays.

use pilotzone::{batch, output};
use pilotzone_study as study;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use pilotzone_scenario::LoadError;
use pilotzone_sim::Simulation;

/// Simulation engine for autonomous-driving pilot zones.
#[derive(Parser, Debug)]
#[command(name = "pilotzone", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a scenario headless; write kpis.json, events.csv and replay.pzr.
    Run {
        /// Scenario file (RON).
        scenario: PathBuf,
        /// Root seed; defaults to the scenario's.
        #[arg(long)]
        seed: Option<u64>,
        /// Output folder; defaults to `runs/<scenario>-<seed>/`.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Simulate this many seconds instead of the scenario's duration.
        #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u32).range(1..))]
        duration_s: Option<u32>,
        /// Rule option (overlay) file to apply on top of the scenario's rules.
        #[arg(long = "rules", value_name = "FILE")]
        rules: Option<PathBuf>,
        /// Taxi dispatch policy (nearest, batch_matching, pooling) instead of the scenario's.
        #[arg(long, value_name = "POLICY")]
        dispatch: Option<pilotzone_scenario::DispatchPolicy>,
        /// Worker threads for the simulation's parallel parts; results do not depend on it.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=256))]
        threads: Option<u32>,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
    },
    /// List the safety incidents of a run: time, place, rule and what was measured.
    Incidents {
        /// Run folder (with replay.pzr) or replay file.
        run: PathBuf,
        /// Only incidents of this kind (collision, near_miss, speed_violation, ...); repeatable.
        #[arg(long)]
        kind: Vec<String>,
        /// Only incidents against this rule id; repeatable.
        #[arg(long)]
        rule: Vec<String>,
    },
    /// Check scenario files and report every problem found.
    Check {
        /// Scenario files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Write a generated scenario.
    Gen {
        /// Which scenario.
        #[command(subcommand)]
        what: GenKind,
    },
    /// Inspect a replay.
    Replay {
        /// What to do.
        #[command(subcommand)]
        what: ReplayCommand,
    },
    /// Run a study: the scenario under each rule option, with each seed, in parallel.
    Batch {
        /// Scenario file.
        scenario: PathBuf,
        /// Rule option (overlay) file; repeat for several options. `base` always runs too.
        #[arg(long = "rules", value_name = "FILE")]
        rules: Vec<PathBuf>,
        /// Seed set file.
        #[arg(long, value_name = "FILE")]
        seeds: PathBuf,
        /// Worker threads; defaults to the number of cores.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
        jobs: Option<u32>,
        /// Study folder.
        #[arg(long)]
        out: PathBuf,
        /// Run only shard k of N (`k/N`); inside a Slurm array or Kubernetes Indexed Job it is
        /// read from the scheduler's environment.
        #[arg(long)]
        shard: Option<batch::Shard>,
        /// A condition every run must meet, such as 'safety.collisions == 0'; repeatable.
        #[arg(long = "gate", value_name = "EXPR")]
        gates: Vec<study::Gate>,
        /// Simulate this many seconds instead of the scenario's duration.
        #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u32).range(1..))]
        duration_s: Option<u32>,
        /// Taxi dispatch policy (nearest, batch_matching, pooling) instead of the scenario's.
        #[arg(long, value_name = "POLICY")]
        dispatch: Option<pilotzone_scenario::DispatchPolicy>,
        /// Draw no progress bar.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Join the runs of a study's shards into study.csv and summary.csv.
    Merge {
        /// Study folders (one, or one per shard).
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Where to write the tables; defaults to the first folder.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Compare two options of a study, paired by seed.
    Compare {
        /// Study folder.
        dir: PathBuf,
        /// Option to compare against.
        #[arg(long)]
        baseline: String,
        /// Option to compare.
        #[arg(long)]
        variant: String,
    },
    /// Re-simulate a replay from its embedded scenario and seed, comparing every tick.
    Verify {
        /// Replay file.
        replay: PathBuf,
    },
    /// Import real map data as a map file that scenarios build on (`map: (file: ...)`).
    Import {
        /// Which format.
        #[command(subcommand)]
        what: ImportKind,
    },
    /// Convert a replay for other tools.
    Export {
        /// Which format.
        #[command(subcommand)]
        what: ExportKind,
    },
}

#[derive(Subcommand, Debug)]
enum ExportKind {
    /// SUMO floating car data XML (gzip-compressed when FILE ends in .gz).
    Fcd {
        /// Replay file.
        replay: PathBuf,
        /// Output file (`.xml` or `.xml.gz`).
        #[arg(long)]
        out: PathBuf,
    },
    /// The scenario's taxi study for Eclipse SUMO: network, taxi fleet and the same ride
    /// requests; runs netconvert when SUMO_HOME or PATH has it.
    Sumo {
        /// Scenario file.
        scenario: PathBuf,
        /// Seed whose ride requests to write; defaults to the scenario's.
        #[arg(long)]
        seed: Option<u64>,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
enum ImportKind {
    /// An OpenStreetMap extract (.osm.pbf): roads, crossings, buildings, land use and named
    /// places, projected to local metres, junctions joined, the largest strongly connected road
    /// network kept; prints what was kept and dropped.
    Osm {
        /// The extract.
        file: PathBuf,
        /// Keep only this box: left,bottom,right,top in degrees (min lon, min lat, max lon,
        /// max lat).
        #[arg(long, value_name = "L,B,R,T")]
        bbox: Option<pilotzone_osm::BBox>,
        /// The side of the road traffic keeps to there (Japan and the Isle of Man: left).
        #[arg(long, value_name = "left|right", default_value = "left", value_parser = parse_side)]
        traffic_side: pilotzone_scenario::TrafficSide,
        /// Junctions joined by a shorter road are merged into one, m (0: none).
        #[arg(long, default_value_t = 10.0)]
        junction_radius_m: f64,
        /// Road shapes are simplified to within this many metres.
        #[arg(long, default_value_t = 2.0)]
        simplify_m: f64,
        /// A place farther than this from every road is left out, m.
        #[arg(long, default_value_t = 300.0)]
        max_place_distance_m: f64,
        /// The map file to write (`maps/NAME.ron` beside the scenarios that use it).
        #[arg(long)]
        out: PathBuf,
    },
}

fn parse_side(s: &str) -> Result<pilotzone_scenario::TrafficSide, String> {
    match s.to_ascii_lowercase().as_str() {
        "left" => Ok(pilotzone_scenario::TrafficSide::Left),
        "right" => Ok(pilotzone_scenario::TrafficSide::Right),
        _ => Err(format!("\"{s}\" is not a side: give left or right")),
    }
}

#[derive(Subcommand, Debug)]
enum GenKind {
    /// The demo town, Minori.
    Demo {
        /// Where to write it.
        #[arg(long, default_value = "scenarios/demo.ron")]
        out: PathBuf,
    },
    /// The shipped pilot-zone scenarios (rural shuttle, ageing town, island drones) and every
    /// scenario's rule option B, into a scenarios folder.
    Pilots {
        /// The scenarios folder; options go to its `rules/`.
        #[arg(long, default_value = "scenarios")]
        dir: PathBuf,
    },
    /// A mixed robotaxi and drone district on an imported map: a depot, a vertiport and homes
    /// placed on the map's roads, its schools, shops, clinics and stations as destinations.
    District {
        /// The map file (from `pilotzone import osm`), inside the scenario's folder.
        #[arg(long)]
        map: PathBuf,
        /// Scenario name (run folders are named after it).
        #[arg(long)]
        name: String,
        /// Where to write the scenario.
        #[arg(long)]
        out: PathBuf,
    },
    /// A square grid town for studies and benchmarks: homes at every third junction, four
    /// depots, vertiports along the diagonal, 40 km/h streets, demand from 07:00.
    Grid {
        /// Junctions along each side.
        #[arg(long, value_parser = clap::value_parser!(u32).range(4..=400))]
        size: u32,
        /// Block edge, m.
        #[arg(long, default_value_t = 200.0)]
        block_m: f64,
        /// Taxis, split over the four depots.
        #[arg(long, default_value_t = 100)]
        taxis: u32,
        /// Ride requests over the whole run.
        #[arg(long, default_value_t = 2000)]
        requests: u32,
        /// Delivery drones, split over the vertiports.
        #[arg(long, default_value_t = 0)]
        drones: u32,
        /// Vertiports.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=64))]
        vertiports: u32,
        /// Parcel orders over the whole run.
        #[arg(long, default_value_t = 0)]
        parcels: u32,
        /// Simulated seconds.
        #[arg(long, default_value_t = 7200, value_parser = clap::value_parser!(u32).range(60..))]
        duration_s: u32,
        /// Seconds from the start during which requests are made (the whole run by default);
        /// `--requests` are spread over them.
        #[arg(long, value_parser = clap::value_parser!(u32).range(60..))]
        demand_s: Option<u32>,
        /// Longest a rider waits before giving up, s.
        #[arg(long, default_value_t = 900)]
        max_wait_s: u32,
        /// Seconds between dispatch rounds.
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=600))]
        dispatch_period_s: u32,
        /// Root seed written into the scenario.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Taxi dispatch policy.
        #[arg(long, value_name = "POLICY", default_value = "nearest")]
        dispatch: pilotzone_scenario::DispatchPolicy,
        /// Where to write it.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
enum ReplayCommand {
    /// Header, duration, entity and event counts.
    Info {
        /// Replay file.
        file: PathBuf,
    },
}

/// Exit code for input the user must fix (a broken scenario, a damaged replay).
const EXIT_INPUT: u8 = 2;

/// Input the user must fix that is not a scenario or replay (a flag out of range, a map
/// extract that cannot be read): exit code 2.
#[derive(Debug)]
struct InputError(String);

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InputError {}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run { scenario, seed, out, duration_s, rules, dispatch, threads, quiet } => {
            if let Some(n) = threads {
                pilotzone_sim::set_worker_threads(n as usize);
            }
            run(&scenario, seed, out, RunOverrides { duration_s, rules: rules.as_deref(), dispatch }, quiet)
        }
        Command::Incidents { run, kind, rule } => incidents(&run, &kind, &rule),
        Command::Check { files } => check(&files),
        Command::Gen { what: GenKind::Demo { out } } => gen_demo(&out),
        Command::Gen { what: GenKind::Pilots { dir } } => gen_pilots(&dir),
        Command::Gen { what: GenKind::District { map, name, out } } => gen_district(&map, &name, &out),
        Command::Gen {
            what:
                GenKind::Grid {
                    size,
                    block_m,
                    taxis,
                    requests,
                    drones,
                    vertiports,
                    parcels,
                    duration_s,
                    demand_s,
                    max_wait_s,
                    dispatch_period_s,
                    seed,
                    dispatch,
                    out,
                },
        } => {
            let hours = f64::from(demand_s.unwrap_or(duration_s).min(duration_s)) / 3600.0;
            let town = pilotzone_scenario::generate::GridTown {
                cols: size,
                rows: size,
                block_m,
                taxis,
                drones,
                vertiports,
                rides_per_hour: f64::from(requests) / hours,
                parcels_per_hour: f64::from(parcels) / hours,
                duration_s,
                demand_s,
                max_wait_s,
                seed,
            };
            gen_grid(&town, dispatch, dispatch_period_s, &out)
        }
        Command::Replay { what: ReplayCommand::Info { file } } => replay_info(&file),
        Command::Verify { replay } => verify(&replay),
        Command::Batch { scenario, rules, seeds, jobs, out, shard, gates, duration_s, dispatch, quiet } => {
            run_batch(scenario, rules, seeds, jobs, out, shard, &gates, duration_s, dispatch, quiet)
        }
        Command::Merge { dirs, out } => merge(&dirs, out),
        Command::Compare { dir, baseline, variant } => compare(&dir, &baseline, &variant),
        Command::Import {
            what: ImportKind::Osm { file, bbox, traffic_side, junction_radius_m, simplify_m, max_place_distance_m, out },
        } => {
            let options = pilotzone_osm::ImportOptions {
                bbox,
                traffic_side,
                junction_radius_m,
                simplify_m,
                max_place_distance_m,
            };
            import_osm(&file, &options, &out)
        }
        Command::Export { what: ExportKind::Fcd { replay, out } } => export_fcd(&replay, &out),
        Command::Export { what: ExportKind::Sumo { scenario, seed, out } } => export_sumo(&scenario, seed, &out),
    };
    match result {
        Ok(code) => code,
        // A reader that stopped early (`| head`) is not a failure.
        Err(e) if e.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) => {
            ExitCode::SUCCESS
        }
        Err(e) => {
            let code = if e.downcast_ref::<LoadError>().is_some()
                || e.downcast_ref::<pilotzone_replay::ReadError>().is_some()
                || e.downcast_ref::<InputError>().is_some()
            {
                EXIT_INPUT
            } else {
                1
            };
            let _ = writeln!(std::io::stderr(), "error: {e:#}");
            ExitCode::from(code)
        }
    }
}

/// What `pilotzone run` changes in the scenario.
struct RunOverrides<'a> {
    duration_s: Option<u32>,
    rules: Option<&'a Path>,
    dispatch: Option<pilotzone_scenario::DispatchPolicy>,
}

fn run(path: &Path, seed: Option<u64>, out: Option<PathBuf>, over: RunOverrides<'_>, quiet: bool) -> Result<ExitCode> {
    let mut loaded = pilotzone_scenario::load(path)?;
    if let Some(file) = over.rules {
        let overlay = pilotzone_scenario::overlay::load_overlay(file)?;
        loaded = pilotzone_scenario::overlay::apply_overlay(&loaded, &overlay, &file.display().to_string())?;
    }
    if let Some(policy) = over.dispatch {
        loaded = pilotzone_scenario::edited(&loaded, &format!("dispatched by {}", policy.as_str()), |s| {
            s.dispatch.policy = policy
        })?;
    }
    if let Some(d) = over.duration_s {
        loaded.scenario.run.duration_s = d;
    }
    let seed = seed.unwrap_or(loaded.scenario.run.seed);
    let out = out.unwrap_or_else(|| PathBuf::from("runs").join(format!("{}-{seed}", loaded.scenario.name)));
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create the output folder {}", out.display()))?;
    #[expect(
        clippy::disallowed_methods,
        reason = "wall time of the whole run, for the report; the simulation never sees it"
    )]
    let started = Instant::now();
    let scenario = loaded.scenario.clone();
    let mut sim = Simulation::new(loaded, seed)?;
    let mut progress: Option<indicatif::ProgressBar> = None;
    let total_s = sim.end_ms() / 1000;
    while !sim.is_done() {
        sim.step();
        if quiet || !sim.now_ms().is_multiple_of(10_000) {
            continue;
        }
        // A bar only for runs long enough to wait for.
        if progress.is_none() && started.elapsed() > Duration::from_secs(1) {
            let bar = indicatif::ProgressBar::new(total_s);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} simulated {pos}/{len} s [{bar:30}] {percent}% eta {eta}",
                )
                .expect("the template is valid")
                .progress_chars("=> "),
            );
            progress = Some(bar);
        }
        if let Some(bar) = &progress {
            bar.set_position(sim.now_ms() / 1000);
        }
    }
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    let mut result = sim.finish();
    result.kpis.wall_seconds = (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
    output::write_run(&out, &result, &scenario)?;
    if !quiet {
        let mut stdout = std::io::stdout().lock();
        output::print_kpis(&mut stdout, &result.kpis)?;
        if let Some(attribution) = &scenario.map.attribution {
            writeln!(stdout, "\nmap data {attribution}")?;
        }
        writeln!(stdout, "\nwrote {}", out.display())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Exit code for a study whose runs break a KPI gate.
const EXIT_GATE: u8 = 3;

fn run_batch(
    scenario: PathBuf,
    rules: Vec<PathBuf>,
    seeds: PathBuf,
    jobs: Option<u32>,
    out: PathBuf,
    shard: Option<batch::Shard>,
    gates: &[study::Gate],
    duration_s: Option<u32>,
    dispatch: Option<pilotzone_scenario::DispatchPolicy>,
    quiet: bool,
) -> Result<ExitCode> {
    let shard = match shard {
        Some(s) => s,
        None => batch::Shard::from_env(|k| std::env::var(k).ok())?.unwrap_or(batch::Shard::ALL),
    };
    let jobs = jobs.map_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()), |j| j as usize);
    let opts =
        batch::BatchOptions { scenario, rules, seeds, jobs, out: out.clone(), shard, duration_s, dispatch, quiet };
    let report = batch::run_batch(&opts)?;
    let mut stdout = std::io::stdout().lock();
    let part = if shard.count > 1 { format!(" (shard {}/{})", shard.index, shard.count) } else { String::new() };
    writeln!(
        stdout,
        "{}{part}: {} runs simulated, {} already finished, {} failed",
        out.display(),
        report.ran,
        report.resumed,
        report.failed.len()
    )?;
    let mut stderr = std::io::stderr().lock();
    for f in &report.failed {
        writeln!(stderr, "failed: {f}")?;
    }
    if !report.failed.is_empty() {
        return Ok(ExitCode::from(1));
    }
    let table = report.table.context("finished runs load")?;
    if shard.count == 1 {
        write_tables(&table, &out)?;
        writeln!(stdout, "wrote {0}/study.csv and {0}/summary.csv", out.display())?;
    } else {
        writeln!(stdout, "when every shard is done: pilotzone merge {}", out.display())?;
    }
    let broken = study::check_gates(gates, &table)?;
    for line in &broken {
        writeln!(stderr, "{line}")?;
    }
    if broken.is_empty() {
        if !gates.is_empty() {
            writeln!(stdout, "all {} gates hold in every run", gates.len())?;
        }
        Ok(ExitCode::SUCCESS)
    } else {
        Ok(ExitCode::from(EXIT_GATE))
    }
}

fn write_tables(table: &study::Table, out: &Path) -> Result<()> {
    output::write_atomic(&out.join("study.csv"), table.study_csv().as_bytes())?;
    output::write_atomic(&out.join("summary.csv"), table.summary_csv().as_bytes())
}

fn merge(dirs: &[PathBuf], out: Option<PathBuf>) -> Result<ExitCode> {
    let manifest = study::Manifest::read(&dirs[0])?;
    for d in &dirs[1..] {
        if study::Manifest::read(d)? != manifest {
            anyhow::bail!("{} belongs to another study than {}", d.display(), dirs[0].display());
        }
    }
    let table = study::Table::load(manifest, dirs)?;
    let out = out.unwrap_or_else(|| dirs[0].clone());
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    write_tables(&table, &out)?;
    writeln!(
        std::io::stdout(),
        "merged {} runs into {1}/study.csv and {1}/summary.csv",
        table.rows.len(),
        out.display()
    )?;
    Ok(ExitCode::SUCCESS)
}

fn compare(dir: &Path, baseline: &str, variant: &str) -> Result<ExitCode> {
    let manifest = study::Manifest::read(dir)?;
    let table = study::Table::load(manifest, &[dir.to_owned()])?;
    let rows = table.compare(baseline, variant)?;
    let mut stdout = std::io::stdout().lock();
    output::print_comparison(&mut stdout, baseline, variant, &rows)?;
    let path = dir.join(format!("compare-{baseline}-vs-{variant}.json"));
    output::write_atomic(&path, (serde_json::to_string_pretty(&rows)? + "\n").as_bytes())?;
    writeln!(stdout, "\nwrote {}", path.display())?;
    Ok(ExitCode::SUCCESS)
}

fn open_replay(file: &Path) -> Result<pilotzone_replay::Replay> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    pilotzone_replay::Replay::open(bytes)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("{} is not a readable replay", file.display()))
}

fn verify(file: &Path) -> Result<ExitCode> {
    use pilotzone_sim::verify::{Verdict, VerifyError};
    let replay = open_replay(file)?;
    let mut stdout = std::io::stdout().lock();
    match pilotzone_sim::verify::verify(&replay) {
        Ok(Verdict::Identical { ticks }) => {
            writeln!(stdout, "{}: identical — {ticks} ticks re-simulated, every state hash matches", file.display())?;
            Ok(ExitCode::SUCCESS)
        }
        Ok(Verdict::Diverged { tick, t_ms, recorded, simulated }) => {
            let tod = replay.header().start_time_of_day_s;
            writeln!(
                stdout,
                "{}: diverged at tick {tick} (t = {:.1} s, {}): recorded state hash {recorded:08x}, re-simulated {simulated:08x}",
                file.display(),
                t_ms as f64 / 1000.0,
                output::clock(tod, t_ms)
            )?;
            Ok(ExitCode::from(1))
        }
        Err(
            e @ (VerifyError::Replay(_)
            | VerifyError::Damaged(_)
            | VerifyError::Scenario(_)
            | VerifyError::OddDuration(_)),
        ) => {
            writeln!(std::io::stderr(), "error: {}: {e}", file.display())?;
            Ok(ExitCode::from(EXIT_INPUT))
        }
        Err(e) => Err(e.into()),
    }
}

fn export_fcd(file: &Path, out: &Path) -> Result<ExitCode> {
    let replay = open_replay(file)?;
    let mut xml = Vec::new();
    pilotzone_replay::fcd::write_fcd(&replay, &mut xml)?;
    let bytes = if out.extension().is_some_and(|e| e == "gz") {
        let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&xml)?;
        z.finish()?
    } else {
        xml
    };
    output::write_atomic(out, &bytes)?;
    if let Some(damage) = replay.damage() {
        writeln!(std::io::stderr(), "warning: {}: {damage}", file.display())?;
    }
    Ok(ExitCode::SUCCESS)
}

fn export_sumo(path: &Path, seed: Option<u64>, out: &Path) -> Result<ExitCode> {
    let loaded = pilotzone_scenario::load(path)?;
    let seed = seed.unwrap_or(loaded.scenario.run.seed);
    let netconvert = pilotzone::sumo::find_netconvert(|k| std::env::var(k).ok());
    let done = pilotzone::sumo::export(&loaded, seed, out, netconvert.as_deref())?;
    let mut stdout = std::io::stdout().lock();
    writeln!(
        stdout,
        "wrote {} taxis and {} ride requests (seed {seed}) to {}",
        done.taxis,
        done.persons,
        out.display()
    )?;
    if done.net_built {
        writeln!(stdout, "built net.net.xml; run: sumo -c {}", out.join("run.sumocfg").display())?;
    } else {
        writeln!(stdout, "netconvert not found (set SUMO_HOME): run build-net.sh in {} first", out.display())?;
    }
    Ok(ExitCode::SUCCESS)
}

fn import_osm(file: &Path, options: &pilotzone_osm::ImportOptions, out: &Path) -> Result<ExitCode> {
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
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    output::write_atomic(out, text.as_bytes())?;
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

fn check(files: &[PathBuf]) -> Result<ExitCode> {
    let mut failed = false;
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr().lock();
    for file in files {
        let is_map = std::fs::read_to_string(file).is_ok_and(|t| pilotzone_scenario::mapfile::is_map_text(&t));
        if is_map {
            match pilotzone_scenario::mapfile::load_map(file) {
                Ok((m, _)) => writeln!(
                    stdout,
                    "{}: ok — map: {} nodes, {} roads, {} places (each reachable by road from every other), \
                     {} zones, {} crossings, {} buildings",
                    file.display(),
                    m.nodes.len(),
                    m.edges.len(),
                    m.places.len(),
                    m.zones.len(),
                    m.crossings.len(),
                    m.buildings.len()
                )?,
                Err(e) => {
                    failed = true;
                    writeln!(stderr, "{e}")?;
                }
            }
            continue;
        }
        match pilotzone_scenario::load(file) {
            Ok(l) => {
                let s = &l.scenario;
                let taxis: u32 = s.fleets.taxis.iter().map(|f| f.count).sum();
                let drones: u32 = s.fleets.drones.iter().map(|f| f.count).sum();
                writeln!(
                    stdout,
                    "{}: ok — \"{}\": {} nodes, {} roads, {} places, {} taxis, {} drones, {} rules, {} s from {}",
                    file.display(),
                    s.name,
                    s.map.nodes.len(),
                    s.map.edges.len(),
                    s.map.places.len(),
                    taxis,
                    drones,
                    s.rules.len(),
                    s.run.duration_s,
                    s.run.start
                )?;
            }
            Err(e) => {
                failed = true;
                writeln!(stderr, "{e}")?;
            }
        }
    }
    Ok(if failed { ExitCode::from(EXIT_INPUT) } else { ExitCode::SUCCESS })
}

fn gen_demo(out: &Path) -> Result<ExitCode> {
    let town = pilotzone_scenario::generate::demo_town();
    let comment = "Minori, the pilotzone demo town. Generated by `pilotzone gen demo`; edit the generator\n\
                   (crates/scenario/src/generate.rs) rather than this file, then run scripts/make-scenarios.sh.";
    let text = pilotzone_scenario::generate::to_ron(&town, comment);
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    output::write_atomic(out, text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// Writes `text` to `path`, creating its folder.
fn write_file(path: &Path, text: &str) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    output::write_atomic(path, text.as_bytes())
}

fn gen_pilots(dir: &Path) -> Result<ExitCode> {
    use pilotzone_scenario::{generate, pilots};
    let note = "Generated by `pilotzone gen pilots`; edit the generator (crates/scenario/src/pilots.rs)\n\
                rather than this file, then run scripts/make-scenarios.sh.";
    let scenarios = [
        (pilots::rural_shuttle(), pilots::rural_shuttle_option()),
        (pilots::ageing_town(), pilots::ageing_town_option()),
        (pilots::island_drones(), pilots::island_drones_option()),
    ];
    for (scenario, option) in &scenarios {
        let path = dir.join(format!("{}.ron", scenario.name));
        let text = generate::to_ron(scenario, &format!("{}.\n{note}", scenario.description));
        write_file(&path, &text)?;
        let option_path = dir.join(format!("rules/{}-{}.ron", scenario.name, option.name));
        let comment = format!("Option B for {}: {}.\n{note}", scenario.name, option.description);
        write_file(&option_path, &generate::overlay_to_ron(option, &comment))?;
    }
    let district = pilots::district_option();
    let comment = format!("Option B for a district on an imported map: {}.\n{note}", district.description);
    write_file(&dir.join(format!("rules/{}.ron", district.name)), &generate::overlay_to_ron(&district, &comment))?;
    Ok(ExitCode::SUCCESS)
}

fn gen_district(map: &Path, name: &str, out: &Path) -> Result<ExitCode> {
    let folder = out.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let Ok(relative) = map.strip_prefix(folder) else {
        let message = format!(
            "the map {} is not inside the scenario's folder {}: scenarios name maps by a path inside their folder",
            map.display(),
            folder.display()
        );
        return Err(InputError(message).into());
    };
    let (zone_map, _) = pilotzone_scenario::mapfile::load_map(map)?;
    let relative = relative.to_string_lossy().replace('\\', "/");
    let scenario = pilotzone_scenario::pilots::district(name, &relative, &zone_map);
    let comment = format!(
        "{}.\nGenerated by `pilotzone gen district` on {relative} (see scripts/make-scenarios.sh); map data {}.",
        scenario.description,
        zone_map.attribution.as_deref().unwrap_or("as its map file says")
    );
    write_file(out, &pilotzone_scenario::generate::to_ron(&scenario, &comment))?;
    // What we write must load.
    pilotzone_scenario::load(out)?;
    Ok(ExitCode::SUCCESS)
}

fn gen_grid(
    town: &pilotzone_scenario::generate::GridTown,
    dispatch: pilotzone_scenario::DispatchPolicy,
    period_s: u32,
    out: &Path,
) -> Result<ExitCode> {
    if !(town.block_m.is_finite() && (20.0..=2000.0).contains(&town.block_m)) {
        anyhow::bail!("--block-m must be between 20 and 2000 m, found {}", town.block_m);
    }
    let hours = f64::from(town.demand_s.unwrap_or(town.duration_s).min(town.duration_s)) / 3600.0;
    let mut scenario = pilotzone_scenario::generate::grid_town(town);
    scenario.dispatch.policy = dispatch;
    scenario.dispatch.period_s = period_s;
    let comment = format!(
        "Generated by `pilotzone gen grid --size {} --block-m {} --taxis {} --requests {} --drones {} --vertiports {} \
         --parcels {} --duration-s {}{} --max-wait-s {} --dispatch-period-s {period_s} --seed {} --dispatch {}`.",
        town.cols,
        town.block_m,
        town.taxis,
        (town.rides_per_hour * hours).round(),
        town.drones,
        town.vertiports,
        (town.parcels_per_hour * hours).round(),
        town.duration_s,
        town.demand_s.map(|d| format!(" --demand-s {d}")).unwrap_or_default(),
        town.max_wait_s,
        town.seed,
        dispatch.as_str()
    );
    let text = pilotzone_scenario::generate::to_ron(&scenario, &comment);
    // What we write must load: a bad combination is reported here, not by the next command.
    pilotzone_scenario::parse(&text, &out.display().to_string())?;
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    output::write_atomic(out, text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

fn replay_info(file: &Path) -> Result<ExitCode> {
    let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    let replay = open_replay(file)?;
    let mut stdout = std::io::stdout().lock();
    output::print_replay_info(&mut stdout, &replay, size)?;
    Ok(if replay.damage().is_some() { ExitCode::from(EXIT_INPUT) } else { ExitCode::SUCCESS })
}

/// Incident kinds `pilotzone incidents --kind` accepts.
fn incident_kinds() -> impl Iterator<Item = &'static str> {
    pilotzone_sim::events::EventKind::ALL.into_iter().filter(|k| k.is_incident()).map(|k| k.as_str())
}

fn incidents(run: &Path, kinds: &[String], rules: &[String]) -> Result<ExitCode> {
    let file = if run.is_dir() { run.join("replay.pzr") } else { run.to_owned() };
    let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
    let replay = pilotzone_replay::Replay::open(bytes)
        .with_context(|| format!("{} is not a readable replay", file.display()))?;
    let header = replay.header();
    let scenario = pilotzone_scenario::parse(&header.scenario_text, "the replay's scenario")
        .context("the replay's embedded scenario does not load")?;
    let known_rules: Vec<&str> = scenario.scenario.rules.iter().map(|r| r.id.as_str()).collect();
    for k in kinds {
        if !incident_kinds().any(|known| known == k) {
            let hint = pilotzone_scenario::error::did_you_mean(k, incident_kinds())
                .unwrap_or_else(|| format!("kinds: {}", incident_kinds().collect::<Vec<_>>().join(", ")));
            writeln!(std::io::stderr(), "error: --kind {k}: no such incident kind — {hint}")?;
            return Ok(ExitCode::from(EXIT_INPUT));
        }
    }
    for r in rules {
        if !known_rules.contains(&r.as_str()) {
            let hint = pilotzone_scenario::error::did_you_mean(r, known_rules.iter().copied())
                .unwrap_or_else(|| format!("rules: {}", known_rules.join(", ")));
            writeln!(std::io::stderr(), "error: --rule {r}: the run's scenario has no such rule — {hint}")?;
            return Ok(ExitCode::from(EXIT_INPUT));
        }
    }
    let mut out = std::io::stdout().lock();
    let mut shown = 0;
    let total = replay.events().iter().filter(|e| e.incident.is_some()).count();
    for e in replay.events() {
        let Some(i) = &e.incident else { continue };
        if (!kinds.is_empty() && !kinds.contains(&e.kind)) || (!rules.is_empty() && !rules.contains(&i.rule)) {
            continue;
        }
        shown += 1;
        let clock = output::clock(header.start_time_of_day_s, e.t_ms);
        let [x, y, z] = e.at_cm.map(|c| f64::from(c) / 100.0);
        let who = match i.other {
            Some(o) => format!("{} & {o}", e.entity),
            None => e.entity.to_string(),
        };
        let rule = match scenario.scenario.rules.iter().find(|r| r.id == i.rule) {
            Some(r) => format!("{} \"{}\"", r.id, r.title()),
            None => "—".to_owned(),
        };
        writeln!(
            out,
            "{clock}  {:<18} {who:<9} at ({x:.0}, {y:.0}, {z:.0})  severity {}  rule {rule}\n          {}",
            e.kind, i.severity, e.detail
        )?;
    }
    writeln!(out, "{shown} of {total} incidents")?;
    Ok(ExitCode::SUCCESS)
}

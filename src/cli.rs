//! The command line as clap sees it: every command, its arguments, flags and help texts.
//!
//! Each command's arguments are a struct its module in `commands/` takes whole, so adding a flag
//! touches this file and that module only.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use pilotzone::batch;
use pilotzone_study as study;

/// Simulation engine for autonomous-driving pilot zones.
#[derive(Parser, Debug)]
#[command(name = "pilotzone", version, about)]
pub(crate) struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The commands.
#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// Run a scenario headless; write kpis.json, events.csv and replay.pzr.
    Run(RunArgs),
    /// List the safety incidents of a run: time, place, rule and what was measured.
    Incidents(IncidentsArgs),
    /// Check scenario, map and rule-option files and report every problem found.
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
    Batch(BatchArgs),
    /// Join the runs of a study's shards into study.csv and summary.csv.
    Merge(MergeArgs),
    /// Compare two options of a study, paired by seed.
    Compare(CompareArgs),
    /// Re-simulate a replay from its embedded scenario and seed, comparing every tick.
    Verify {
        /// A run folder or a replay file.
        replay: PathBuf,
    },
    /// Import real map data as a map file that scenarios build on (`map: (file: ...)`).
    Import {
        /// Which format.
        #[command(subcommand)]
        what: ImportKind,
    },
    /// Watch a run in the desktop viewer, or run a scenario live in it (a separate program,
    /// `pilotzone-viewer`, built with `cargo build --release -p pilotzone-viewer`); arguments
    /// after the path go to it.
    View {
        /// A run folder, a replay file, or a scenario (.ron) to run live.
        path: PathBuf,
        /// Options for the viewer (`--lang en`, `--at 07:30`, `--compare OTHER_RUN`, `--present`, ...).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        viewer_args: Vec<String>,
    },
    /// Host studies online for deliberation: watch options, pin comments to a place and a
    /// moment, support or concern per option, moderation and an audit log (`serve study add`,
    /// `serve account add`, `serve invite` set it up).
    Serve(ServeArgs),
    /// Convert a replay for other tools.
    Export {
        /// Which format.
        #[command(subcommand)]
        what: ExportKind,
    },
}

/// `pilotzone export` formats.
#[derive(Subcommand, Debug)]
pub(crate) enum ExportKind {
    /// One self-contained web page that plays a run offline in any current browser (Japanese
    /// and English, on a phone too): the town, the agents, the timeline, incidents, KPIs, charts
    /// and comments; with --compare, two runs side by side.
    Html(HtmlArgs),
    /// SUMO floating car data XML (gzip-compressed when FILE ends in .gz).
    Fcd {
        /// A run folder or a replay file.
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

/// `pilotzone export html` arguments.
#[derive(Args, Debug)]
pub(crate) struct HtmlArgs {
    /// A run folder or a replay file.
    pub(crate) run: PathBuf,
    /// A second run of the same scenario, shown beside the first (A) as B.
    #[arg(long, value_name = "OTHER")]
    pub(crate) compare: Option<PathBuf>,
    /// A study folder holding both runs: adds the options' differences paired by seed with
    /// their 95 % intervals, as `pilotzone compare` gives them (needs --compare).
    #[arg(long, value_name = "DIR", requires = "compare")]
    pub(crate) study: Option<PathBuf>,
    /// Language the page opens in (it has a switch).
    #[arg(long, default_value = "ja", value_parser = ["ja", "en"])]
    pub(crate) lang: String,
    /// The page to write.
    #[arg(long, value_name = "FILE.html")]
    pub(crate) out: PathBuf,
}

/// `pilotzone import` formats.
#[derive(Subcommand, Debug)]
pub(crate) enum ImportKind {
    /// An OpenStreetMap extract (.osm.pbf): roads, crossings, buildings, land use and named
    /// places, projected to local metres, junctions joined, the largest strongly connected road
    /// network kept; prints what was kept and dropped.
    Osm(OsmArgs),
}

/// `pilotzone gen` scenarios.
#[derive(Subcommand, Debug)]
pub(crate) enum GenKind {
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
    /// depots, vertiports along the diagonal (over the whole town when many), 40 km/h streets, demand from 07:00.
    Grid(GridArgs),
}

/// `pilotzone replay` commands.
#[derive(Subcommand, Debug)]
pub(crate) enum ReplayCommand {
    /// Header, duration, entity and event counts.
    Info {
        /// A run folder or a replay file.
        file: PathBuf,
    },
    /// Every entity's state at one time of day, as any player of the replay shows it.
    State {
        /// A run folder or a replay file.
        file: PathBuf,
        /// Time of day, HH:MM or HH:MM:SS (interpolated between samples).
        #[arg(long)]
        at: String,
        /// Print JSON (one object per entity) instead of a table.
        #[arg(long)]
        json: bool,
    },
}

/// Arguments of `pilotzone run` (the help text is its variant's doc).
#[derive(Args, Debug)]
pub(crate) struct RunArgs {
    /// Scenario file (RON).
    pub(crate) scenario: PathBuf,
    /// Root seed; defaults to the scenario's.
    #[arg(long)]
    pub(crate) seed: Option<u64>,
    /// Output folder; defaults to `runs/<scenario>-<seed>/`.
    #[arg(long)]
    pub(crate) out: Option<PathBuf>,
    /// Simulate this many seconds instead of the scenario's duration.
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) duration_s: Option<u32>,
    /// Rule option (overlay) file to apply on top of the scenario's rules.
    #[arg(long = "rules", value_name = "FILE")]
    pub(crate) rules: Option<PathBuf>,
    /// Taxi dispatch policy (nearest, batch_matching, pooling) instead of the scenario's.
    #[arg(long, value_name = "POLICY")]
    pub(crate) dispatch: Option<pilotzone_scenario::DispatchPolicy>,
    /// Worker threads for the simulation's parallel parts; results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub(crate) threads: Option<u32>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub(crate) quiet: bool,
}

/// Arguments of `pilotzone incidents` (the help text is its variant's doc).
#[derive(Args, Debug)]
pub(crate) struct IncidentsArgs {
    /// Run folder (with replay.pzr) or replay file.
    pub(crate) run: PathBuf,
    /// Only incidents of this kind (collision, near_miss, speed_violation, ...); repeatable.
    #[arg(long)]
    pub(crate) kind: Vec<String>,
    /// Only incidents against this rule id; repeatable.
    #[arg(long)]
    pub(crate) rule: Vec<String>,
}

/// Arguments of `pilotzone batch` (the help text is its variant's doc).
#[derive(Args, Debug)]
pub(crate) struct BatchArgs {
    /// Scenario file.
    pub(crate) scenario: PathBuf,
    /// Rule option (overlay) file; repeat for several options. `base` always runs too.
    #[arg(long = "rules", value_name = "FILE")]
    pub(crate) rules: Vec<PathBuf>,
    /// Seed set file.
    #[arg(long, value_name = "FILE")]
    pub(crate) seeds: PathBuf,
    /// Worker threads; defaults to the number of cores.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) jobs: Option<u32>,
    /// Study folder.
    #[arg(long)]
    pub(crate) out: PathBuf,
    /// Run only shard k of N (`k/N`); inside a Slurm array or Kubernetes Indexed Job it is
    /// read from the scheduler's environment.
    #[arg(long)]
    pub(crate) shard: Option<batch::Shard>,
    /// A condition every run must meet, such as 'safety.collisions == 0'; repeatable.
    #[arg(long = "gate", value_name = "EXPR")]
    pub(crate) gates: Vec<study::Gate>,
    /// Simulate this many seconds instead of the scenario's duration.
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) duration_s: Option<u32>,
    /// Taxi dispatch policy (nearest, batch_matching, pooling) instead of the scenario's.
    #[arg(long, value_name = "POLICY")]
    pub(crate) dispatch: Option<pilotzone_scenario::DispatchPolicy>,
    /// Draw no progress bar.
    #[arg(long, short)]
    pub(crate) quiet: bool,
}

/// Arguments of `pilotzone merge` (the help text is its variant's doc).
#[derive(Args, Debug)]
pub(crate) struct MergeArgs {
    /// Study folders (one, or one per shard).
    #[arg(required = true)]
    pub(crate) dirs: Vec<PathBuf>,
    /// Where to write the tables; defaults to the first folder.
    #[arg(long)]
    pub(crate) out: Option<PathBuf>,
}

/// Arguments of `pilotzone compare` (the help text is its variant's doc).
#[derive(Args, Debug)]
pub(crate) struct CompareArgs {
    /// Study folder.
    pub(crate) dir: PathBuf,
    /// Option to compare against.
    #[arg(long)]
    pub(crate) baseline: String,
    /// Option to compare.
    #[arg(long)]
    pub(crate) variant: String,
}

/// Arguments of `pilotzone gen grid` (the help text is its variant's doc).
#[derive(Args, Debug)]
pub(crate) struct GridArgs {
    /// Junctions along each side.
    #[arg(long, value_parser = clap::value_parser!(u32).range(4..=400))]
    pub(crate) size: u32,
    /// Block edge, m.
    #[arg(long, default_value_t = 200.0)]
    pub(crate) block_m: f64,
    /// Taxis, split over the four depots.
    #[arg(long, default_value_t = 100)]
    pub(crate) taxis: u32,
    /// Ride requests over the whole run.
    #[arg(long, default_value_t = 2000)]
    pub(crate) requests: u32,
    /// Delivery drones, split over the vertiports.
    #[arg(long, default_value_t = 0)]
    pub(crate) drones: u32,
    /// Vertiports.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub(crate) vertiports: u32,
    /// Parcel orders over the whole run.
    #[arg(long, default_value_t = 0)]
    pub(crate) parcels: u32,
    /// Simulated seconds.
    #[arg(long, default_value_t = 7200, value_parser = clap::value_parser!(u32).range(60..))]
    pub(crate) duration_s: u32,
    /// Seconds from the start during which requests are made (the whole run by default);
    /// `--requests` are spread over them.
    #[arg(long, value_parser = clap::value_parser!(u32).range(60..))]
    pub(crate) demand_s: Option<u32>,
    /// Longest a rider waits before giving up, s.
    #[arg(long, default_value_t = 900)]
    pub(crate) max_wait_s: u32,
    /// Seconds between dispatch rounds.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=600))]
    pub(crate) dispatch_period_s: u32,
    /// Root seed written into the scenario.
    #[arg(long, default_value_t = 42)]
    pub(crate) seed: u64,
    /// Taxi dispatch policy.
    #[arg(long, value_name = "POLICY", default_value = "nearest")]
    pub(crate) dispatch: pilotzone_scenario::DispatchPolicy,
    /// Where to write it.
    #[arg(long)]
    pub(crate) out: PathBuf,
}

/// Arguments of `pilotzone import osm` (the help text is its variant's doc).
#[derive(Args, Debug)]
pub(crate) struct OsmArgs {
    /// The extract.
    pub(crate) file: PathBuf,
    /// Keep only this box: left,bottom,right,top in degrees (min lon, min lat, max lon,
    /// max lat).
    #[arg(long, value_name = "L,B,R,T")]
    pub(crate) bbox: Option<pilotzone_osm::BBox>,
    /// The side of the road traffic keeps to there (Japan and the Isle of Man: left).
    #[arg(long, value_name = "left|right", default_value = "left", value_parser = parse_side)]
    pub(crate) traffic_side: pilotzone_scenario::TrafficSide,
    /// Junctions joined by a shorter road are merged into one, m (0: none).
    #[arg(long, default_value_t = 10.0)]
    pub(crate) junction_radius_m: f64,
    /// Road shapes are simplified to within this many metres.
    #[arg(long, default_value_t = 2.0)]
    pub(crate) simplify_m: f64,
    /// A place farther than this from every road is left out, m.
    #[arg(long, default_value_t = 300.0)]
    pub(crate) max_place_distance_m: f64,
    /// The map file to write (`maps/NAME.ron` beside the scenarios that use it).
    #[arg(long)]
    pub(crate) out: PathBuf,
}

/// `--traffic-side`: left or right, in any case.
fn parse_side(s: &str) -> Result<pilotzone_scenario::TrafficSide, String> {
    match s.to_ascii_lowercase().as_str() {
        "left" => Ok(pilotzone_scenario::TrafficSide::Left),
        "right" => Ok(pilotzone_scenario::TrafficSide::Right),
        _ => Err(format!("\"{s}\" is not a side: give left or right")),
    }
}

/// `pilotzone serve` arguments.
#[derive(Args, Debug)]
pub(crate) struct ServeArgs {
    /// The data folder: hosted studies and the SQLite database (created if missing).
    #[arg(long, global = true, value_name = "DIR")]
    pub(crate) data: Option<PathBuf>,
    /// A PostgreSQL database instead of SQLite in the data folder (postgres://USER@HOST/NAME).
    #[arg(long, global = true, value_name = "URL")]
    pub(crate) db: Option<String>,
    /// Address to listen on; loopback unless you say otherwise.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR:PORT")]
    pub(crate) bind: std::net::SocketAddr,
    /// Changes (comments, votes) one participant may make per minute, sustained.
    #[arg(long, default_value_t = 20.0, value_name = "N")]
    pub(crate) participant_rate: f64,
    /// Changes one client address may make per minute, sustained (a meeting room shares one).
    #[arg(long, default_value_t = 600.0, value_name = "N")]
    pub(crate) address_rate: f64,
    /// Set up instead of serving.
    #[command(subcommand)]
    pub(crate) what: Option<ServeCommand>,
}

/// `pilotzone serve` set-up commands.
#[derive(Subcommand, Debug)]
pub(crate) enum ServeCommand {
    /// Studies the service hosts.
    Study {
        /// What to do.
        #[command(subcommand)]
        what: StudyCommand,
    },
    /// Accounts for officials and researchers.
    Account {
        /// What to do.
        #[command(subcommand)]
        what: AccountCommand,
    },
    /// Print a new invite link for one study and one role.
    Invite {
        /// The study's id.
        #[arg(long)]
        study: String,
        /// The role the link admits as.
        #[arg(long, value_parser = ["resident", "business", "official", "researcher"])]
        role: String,
        /// Address the link starts with, as people reach the service.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        base_url: String,
    },
}

/// `pilotzone serve study` commands.
#[derive(Subcommand, Debug)]
pub(crate) enum StudyCommand {
    /// Host a finished study (a folder `pilotzone batch` wrote): copies it into the data folder.
    Add {
        /// The study folder.
        dir: PathBuf,
        /// Its id in links; defaults to the folder's name.
        #[arg(long)]
        id: Option<String>,
    },
}

/// `pilotzone serve account` commands.
#[derive(Subcommand, Debug)]
pub(crate) enum AccountCommand {
    /// Create an account; the password is read from standard input (never a flag, which other
    /// users of the machine can see).
    Add {
        /// The name it signs in with and speaks under.
        #[arg(long)]
        name: String,
        /// Its role.
        #[arg(long, value_parser = ["official", "researcher", "business", "resident"])]
        role: String,
    },
}

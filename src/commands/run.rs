//! `pilotzone run`: one scenario, one seed, headless, with a progress bar for long runs.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use pilotzone::output;
use pilotzone_sim::Simulation;

use crate::cli::RunArgs;

/// `pilotzone run`: simulates a scenario headless and writes the run's files.
pub(crate) fn run(args: RunArgs) -> Result<ExitCode> {
    let RunArgs { scenario: path, seed, out, duration_s, rules, dispatch, threads, quiet } = args;
    if let Some(n) = threads {
        pilotzone_sim::set_worker_threads(n as usize);
    }
    let mut loaded = pilotzone_scenario::load(&path)?;
    if let Some(file) = &rules {
        let overlay = pilotzone_scenario::overlay::load_overlay(file)?;
        loaded = pilotzone_scenario::overlay::apply_overlay(&loaded, &overlay, &file.display().to_string())?;
    }
    if let Some(policy) = dispatch {
        loaded = pilotzone_scenario::edited(&loaded, &format!("dispatched by {}", policy.as_str()), |s| {
            s.dispatch.policy = policy
        })?;
    }
    if let Some(d) = duration_s {
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

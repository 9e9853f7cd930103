//! `pilotzone batch`: a study's runs (scenario × rule options × seeds) on parallel workers,
//! resumable, shardable across a cluster's job array.

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result, bail};
use pilotzone_scenario::LoadedScenario;
use pilotzone_sim::Simulation;
use pilotzone_sim::town::TownMap;

use crate::output;
use pilotzone_study::{Manifest, RunKey, StudyError, Table, Variant};

/// Which part of a study this process runs: runs whose index in study order is `index` modulo
/// `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// This shard, from 0.
    pub index: usize,
    /// Number of shards.
    pub count: usize,
}

impl Shard {
    /// The whole study.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// The shard a Slurm array task or a Kubernetes Indexed Job pod is, from its environment.
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<Option<Shard>> {
        let num = |name: &str| -> Result<Option<usize>> {
            var(name).map(|v| v.trim().parse().with_context(|| format!("{name}={v} is not a whole number"))).transpose()
        };
        if let Some(id) = num("SLURM_ARRAY_TASK_ID")? {
            let min = num("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
            let count = num("SLURM_ARRAY_TASK_COUNT")?
                .context("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not")?;
            return Shard::new(
                id.checked_sub(min).context("SLURM_ARRAY_TASK_ID is below SLURM_ARRAY_TASK_MIN")?,
                count,
            )
            .map(Some);
        }
        if let Some(index) = num("JOB_COMPLETION_INDEX")? {
            let count = num("PILOTZONE_SHARDS")?
                .context("JOB_COMPLETION_INDEX is set: set PILOTZONE_SHARDS to the Job's completions (deploy/k8s/study-job.yaml does)")?;
            return Shard::new(index, count).map(Some);
        }
        Ok(None)
    }

    fn new(index: usize, count: usize) -> Result<Shard> {
        if count == 0 || index >= count {
            bail!("shard {index}/{count} does not exist: the index must be below the count");
        }
        Ok(Shard { index, count })
    }
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (k, n) = s.split_once('/').ok_or_else(|| format!("shard \"{s}\" must read k/N, for example 0/4"))?;
        let parse = |v: &str| v.parse::<usize>().map_err(|_| format!("shard \"{s}\": \"{v}\" is not a whole number"));
        Shard::new(parse(k)?, parse(n)?).map_err(|e| e.to_string())
    }
}

/// What to run.
#[derive(Clone, Debug)]
pub struct BatchOptions {
    /// Scenario file.
    pub scenario: PathBuf,
    /// Rule option files, one variant each (the scenario as written always runs as `base`).
    pub rules: Vec<PathBuf>,
    /// Seed set file.
    pub seeds: PathBuf,
    /// Worker threads.
    pub jobs: usize,
    /// Study folder.
    pub out: PathBuf,
    /// Part of the study to run.
    pub shard: Shard,
    /// Simulated seconds, overriding the scenario.
    pub duration_s: Option<u32>,
    /// Taxi dispatch policy, overriding the scenario's.
    pub dispatch: Option<pilotzone_scenario::DispatchPolicy>,
    /// Draw no progress bar.
    pub quiet: bool,
}

/// What a batch did.
#[derive(Debug)]
pub struct BatchReport {
    /// Runs simulated now.
    pub ran: usize,
    /// Runs found finished from an earlier, interrupted batch.
    pub resumed: usize,
    /// Runs that failed, with why.
    pub failed: Vec<String>,
    /// This shard's runs, once all are finished.
    pub table: Option<Table>,
}

/// Loads the scenario, the seed set and the rule options, and writes (or checks) the manifest.
pub fn prepare(opts: &BatchOptions) -> Result<(Manifest, Vec<LoadedScenario>)> {
    let mut base = pilotzone_scenario::load(&opts.scenario)?;
    if let Some(policy) = opts.dispatch {
        let note = format!("dispatched by {}", policy.as_str());
        base = pilotzone_scenario::edited(&base, &note, |s| s.dispatch.policy = policy)?;
    }
    let seeds = pilotzone_scenario::seeds::load(&opts.seeds)?;
    let mut variants = vec![("base".to_owned(), base.clone())];
    for path in &opts.rules {
        let overlay = pilotzone_scenario::overlay::load_overlay(path)?;
        if variants.iter().any(|(n, _)| *n == overlay.name) {
            bail!("{}: option name \"{}\" is already taken in this study", path.display(), overlay.name);
        }
        let applied = pilotzone_scenario::overlay::apply_overlay(&base, &overlay, &path.display().to_string())?;
        variants.push((overlay.name, applied));
    }
    let hex = |h: u64| pilotzone_replay::Hex(h).to_string();
    let manifest = Manifest {
        scenario: base.scenario.name.clone(),
        scenario_hash: hex(base.hash),
        variants: variants.iter().map(|(name, l)| Variant { name: name.clone(), scenario_hash: hex(l.hash) }).collect(),
        seed_set: seeds.name,
        seeds: seeds.seeds,
        duration_s: opts.duration_s,
    };
    std::fs::create_dir_all(&opts.out)
        .with_context(|| format!("cannot create the study folder {}", opts.out.display()))?;
    let path = opts.out.join(Manifest::FILE);
    match Manifest::read(&opts.out) {
        Ok(existing) if existing != manifest => bail!(
            "{} holds another study (scenario, options, seeds or duration differ); choose another --out",
            opts.out.display()
        ),
        Ok(_) => {}
        Err(StudyError::NotAStudy { .. }) if !path.exists() => {
            output::write_atomic(&path, manifest.to_json().as_bytes())?;
        }
        Err(_) => bail!("{} is damaged; remove it to start over", path.display()),
    }
    let loaded = variants
        .into_iter()
        .map(|(_, mut l)| {
            if let Some(d) = opts.duration_s {
                l.scenario.run.duration_s = d;
            }
            l
        })
        .collect();
    Ok((manifest, loaded))
}

/// Runs this shard's unfinished runs on `opts.jobs` workers.
pub fn run_batch(opts: &BatchOptions) -> Result<BatchReport> {
    let (manifest, loaded) = prepare(opts)?;
    let all = manifest.runs();
    let mine: Vec<(usize, RunKey<'_>)> =
        all.iter().copied().enumerate().filter(|(i, _)| i % opts.shard.count == opts.shard.index).collect();
    let todo: Vec<(usize, RunKey<'_>)> = mine
        .iter()
        .copied()
        .filter(|&(_, run)| pilotzone_study::read_run(&Manifest::run_dir(&opts.out, run)).is_none())
        .collect();
    let resumed = mine.len() - todo.len();

    let bar =
        if opts.quiet { indicatif::ProgressBar::hidden() } else { indicatif::ProgressBar::new(todo.len() as u64) };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {pos}/{len} runs [{bar:30}] eta {eta} {msg}")
            .expect("the template is valid")
            .progress_chars("=> "),
    );
    // Road graph, geometry and zone membership are prepared once per option, not per run.
    let towns: Vec<TownMap> = loaded.iter().map(|l| TownMap::new(std::sync::Arc::new(l.scenario.clone()))).collect();
    let next = AtomicUsize::new(0);
    let failed = Mutex::new(Vec::new());
    let variant_of =
        |name: &str| manifest.variants.iter().position(|v| v.name == name).expect("runs name manifest variants");
    crossbeam::scope(|scope| {
        for _ in 0..opts.jobs.max(1).min(todo.len().max(1)) {
            scope.spawn(|_| {
                while let Some(&(_, run)) = todo.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let dir = Manifest::run_dir(&opts.out, run);
                    let v = variant_of(run.variant);
                    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
                        simulate_run(&loaded[v], &towns[v], run.seed, &dir)
                    }))
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("the simulation panicked")));
                    if let Err(e) = outcome {
                        let mut failed = failed.lock().expect("no worker panics while holding the lock");
                        failed.push(format!("{}/{}: {e:#}", run.variant, run.seed));
                        bar.set_message(format!("{} failed", failed.len()));
                    }
                    bar.inc(1);
                }
            });
        }
    })
    .map_err(|_| anyhow::anyhow!("a batch worker panicked"))?;
    bar.finish_and_clear();
    let failed = failed.into_inner().expect("workers are done");
    let table = if failed.is_empty() {
        let keep: Vec<usize> = mine.iter().map(|&(i, _)| i).collect();
        Some(Table::load_some(manifest.clone(), std::slice::from_ref(&opts.out), &keep)?)
    } else {
        None
    };
    Ok(BatchReport { ran: todo.len() - failed.len(), resumed, failed, table })
}

/// Simulates one run and writes its files; `kpis.json` goes last, marking the run finished.
fn simulate_run(scenario: &LoadedScenario, town: &TownMap, seed: u64, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    // Temporary files of a run that was killed mid-write.
    for entry in std::fs::read_dir(dir)?.flatten() {
        if entry.file_name().to_string_lossy().starts_with(".tmp") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    #[expect(clippy::disallowed_methods, reason = "wall time of the run, for kpis.json; the simulation never sees it")]
    let started = std::time::Instant::now();
    let mut sim = Simulation::with_town(scenario.clone(), seed, town.clone())?;
    sim.run_to_end();
    let mut result = sim.finish();
    result.kpis.wall_seconds = (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
    output::write_run(dir, &result, &scenario.scenario)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_come_from_the_flag_or_the_scheduler() {
        assert_eq!("2/5".parse::<Shard>(), Ok(Shard { index: 2, count: 5 }));
        assert!("5/5".parse::<Shard>().is_err());
        assert!("1-3".parse::<Shard>().is_err());
        fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
            move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned())
        }
        let slurm = [("SLURM_ARRAY_TASK_ID", "4"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_COUNT", "8")];
        assert_eq!(Shard::from_env(env(&slurm)).expect("valid"), Some(Shard { index: 3, count: 8 }));
        let k8s = [("JOB_COMPLETION_INDEX", "0"), ("PILOTZONE_SHARDS", "4")];
        assert_eq!(Shard::from_env(env(&k8s)).expect("valid"), Some(Shard { index: 0, count: 4 }));
        let k8s_without_count = [("JOB_COMPLETION_INDEX", "0")];
        assert!(Shard::from_env(env(&k8s_without_count)).unwrap_err().to_string().contains("PILOTZONE_SHARDS"));
        assert_eq!(Shard::from_env(env(&[])).expect("valid"), None);
    }
}

//! Studies: `pilotzone batch`, `merge` and `compare`. The tables and gates come from
//! `pilotzone-study`; running the simulations from the library's `batch`.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use pilotzone::{batch, output};
use pilotzone_study as study;

use super::EXIT_GATE;
use crate::cli::{BatchArgs, CompareArgs, MergeArgs};

/// `pilotzone batch`: runs this shard's part of a study, writes its tables when it is the whole
/// study, and judges the gates.
pub(crate) fn batch(args: BatchArgs) -> Result<ExitCode> {
    let BatchArgs { scenario, rules, seeds, jobs, out, shard, gates, duration_s, dispatch, quiet } = args;
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
    let broken = study::check_gates(&gates, &table)?;
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

/// Writes `study.csv` and `summary.csv` into `out`, each atomically.
fn write_tables(table: &study::Table, out: &Path) -> Result<()> {
    output::write_atomic(&out.join("study.csv"), table.study_csv().as_bytes())?;
    output::write_atomic(&out.join("summary.csv"), table.summary_csv().as_bytes())
}

/// `pilotzone merge`: joins the runs of a study's shards into its tables.
pub(crate) fn merge(args: MergeArgs) -> Result<ExitCode> {
    let MergeArgs { dirs, out } = args;
    let manifest = study::Manifest::read(&dirs[0])?;
    for d in &dirs[1..] {
        if study::Manifest::read(d)? != manifest {
            anyhow::bail!("{} belongs to another study than {}", d.display(), dirs[0].display());
        }
    }
    let table = study::Table::load(manifest, &dirs)?;
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

/// `pilotzone compare`: two options of a study, paired by seed, printed and written as JSON.
pub(crate) fn compare(args: &CompareArgs) -> Result<ExitCode> {
    let CompareArgs { dir, baseline, variant } = args;
    let manifest = study::Manifest::read(dir)?;
    let table = study::Table::load(manifest, std::slice::from_ref(dir))?;
    let rows = table.compare(baseline, variant)?;
    let mut stdout = std::io::stdout().lock();
    output::print_comparison(&mut stdout, baseline, variant, &rows)?;
    let path = dir.join(format!("compare-{baseline}-vs-{variant}.json"));
    output::write_atomic(&path, (serde_json::to_string_pretty(&rows)? + "\n").as_bytes())?;
    writeln!(stdout, "\nwrote {}", path.display())?;
    Ok(ExitCode::SUCCESS)
}

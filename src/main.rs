//! The `pilotzone` command line: run scenarios headless, run and compare studies, check and
//! generate scenarios, and inspect replays. This file parses, dispatches and maps errors to exit
//! codes; `cli` defines the commands and `commands` holds their bodies.

mod cli;
mod commands;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command, ExportKind, GenKind, ImportKind, ReplayCommand};
use commands::{EXIT_INPUT, InputError};

/// mimalloc rather than the system's allocator: it files small blocks of one size together, so
/// the vehicles' routes and other per-entity vectors a tick walks through stay on few pages, and
/// its memory comes in large pages where the system allows. A city day (`cargo bench --bench
/// city`) took 9 % less time than on glibc's allocator (11 % in its later busy hours, as glibc's
/// heap scattered them further), for about 150 MB more at its peak.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Run(args) => commands::run::run(args),
        Command::Incidents(args) => commands::incidents::incidents(&args),
        Command::Check { files } => commands::check::check(&files),
        Command::Gen { what: GenKind::Demo { out } } => commands::generate::demo(&out),
        Command::Gen { what: GenKind::Pilots { dir } } => commands::generate::pilots(&dir),
        Command::Gen { what: GenKind::District { map, name, out } } => commands::generate::district(&map, &name, &out),
        Command::Gen { what: GenKind::Grid(args) } => commands::generate::grid(&args),
        Command::Replay { what: ReplayCommand::Info { file } } => commands::replay::info(&file),
        Command::Replay { what: ReplayCommand::State { file, at, json } } => commands::replay::state(&file, &at, json),
        Command::View { path, viewer_args } => commands::view::view(&path, &viewer_args),
        Command::Verify { replay } => commands::replay::verify(&replay),
        Command::Batch(args) => commands::study::batch(args),
        Command::Merge(args) => commands::study::merge(args),
        Command::Compare(args) => commands::study::compare(&args),
        Command::Import { what: ImportKind::Osm(args) } => commands::import::osm(&args),
        Command::Serve(args) => commands::serve::serve(args),
        Command::Export { what: ExportKind::Html(args) } => commands::export::html(&args),
        Command::Export { what: ExportKind::Fcd { replay, out } } => commands::export::fcd(&replay, &out),
        Command::Export { what: ExportKind::Sumo { scenario, seed, out } } => {
            commands::export::sumo(&scenario, seed, &out)
        }
    };
    match result {
        Ok(code) => code,
        // A reader that stopped early (`| head`) is not a failure.
        Err(e) if e.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) => {
            ExitCode::SUCCESS
        }
        Err(e) => {
            let code = if e.downcast_ref::<pilotzone_scenario::LoadError>().is_some()
                || e.downcast_ref::<pilotzone_replay::ReadError>().is_some()
                || e.downcast_ref::<InputError>().is_some()
            {
                EXIT_INPUT
            } else {
                1
            };
            // Messages quote files and requests: a terminal shows their control characters escaped.
            let message = format!("{e:#}");
            let _ = writeln!(std::io::stderr(), "error: {}", pilotzone_scenario::text::terminal_safe(&message, true));
            ExitCode::from(code)
        }
    }
}

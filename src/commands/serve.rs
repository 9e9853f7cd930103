//! `pilotzone serve`: host studies online, and set the service up (`serve study add`,
//! `serve account add`, `serve invite`).

use std::io::{BufRead as _, Write as _};
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use pilotzone_comments::Role;
use pilotzone_serve::{AppState, Config, Limits, Rate, ServeError};

use super::InputError;
use crate::cli::{AccountCommand, ServeArgs, ServeCommand, StudyCommand};

/// Errors the user must fix (a flag, a study folder, a name taken) exit with code 2.
fn input(e: ServeError) -> anyhow::Error {
    match e {
        ServeError::Config(_) | ServeError::Invalid(_) | ServeError::Study(_) => InputError(e.to_string()).into(),
        e => anyhow::Error::new(e),
    }
}

pub(crate) fn serve(args: ServeArgs) -> Result<ExitCode> {
    let Some(data) = args.data.clone() else {
        return Err(InputError("give the data folder with --data DIR (it is created if missing)".into()).into());
    };
    for (flag, rate) in [("--participant-rate", args.participant_rate), ("--address-rate", args.address_rate)] {
        if !(rate.is_finite() && rate >= 1.0) {
            return Err(InputError(format!("{flag} must be at least 1 change a minute")).into());
        }
    }
    let limits = Limits {
        participant: Rate { burst: (args.participant_rate / 2.0).max(5.0), per_minute: args.participant_rate },
        address: Rate { burst: (args.address_rate / 10.0).max(20.0), per_minute: args.address_rate },
    };
    let config = Config { data, db: args.db.clone(), limits };
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the runtime")?;
    runtime.block_on(async move {
        let state = AppState::open(&config).await.map_err(input)?;
        match args.what {
            None => run(state, &config, args.bind).await,
            Some(ServeCommand::Study { what: StudyCommand::Add { dir, id } }) => {
                let id = match id {
                    Some(id) => id,
                    None => dir
                        .canonicalize()
                        .ok()
                        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
                        .ok_or_else(|| InputError(format!("{}: give the study an --id", dir.display())))?,
                };
                let study =
                    pilotzone_serve::add_study(&state, &dir, &id, "pilotzone serve study add").await.map_err(input)?;
                writeln!(
                    std::io::stdout(),
                    "hosting study {id}: {} ({} options, {} seeds, {} runs) at /studies/{id}",
                    study.title,
                    study.manifest.variants.len(),
                    study.manifest.seeds.len(),
                    study.table.rows.len()
                )?;
                Ok(ExitCode::SUCCESS)
            }
            Some(ServeCommand::Account { what: AccountCommand::Add { name, role } }) => {
                let role = Role::from_key(&role).expect("clap admits the four roles only");
                let mut password = String::new();
                std::io::stdin()
                    .lock()
                    .read_line(&mut password)
                    .context("cannot read the password from standard input")?;
                let password = password.trim_end_matches(['\n', '\r']);
                pilotzone_serve::create_account(&state.db, &name, role, password).await.map_err(input)?;
                writeln!(std::io::stdout(), "account {name} ({}) created", role.key())?;
                Ok(ExitCode::SUCCESS)
            }
            Some(ServeCommand::Invite { study, role, base_url }) => {
                if state.study(&study).await.ok().flatten().is_none() {
                    return Err(InputError(format!(
                        "no study \"{study}\" is hosted; add it with `pilotzone serve study add`"
                    ))
                    .into());
                }
                let role = Role::from_key(&role).expect("clap admits the four roles only");
                let token = pilotzone_serve::create_invite(&state.db, &study, role, "pilotzone serve invite")
                    .await
                    .context("cannot record the invite")?;
                writeln!(std::io::stdout(), "{}/join/{token}", base_url.trim_end_matches('/'))?;
                Ok(ExitCode::SUCCESS)
            }
        }
    })
}

/// Serves until interrupted (Ctrl-C or SIGTERM), finishing requests in flight.
async fn run(state: AppState, config: &Config, bind: std::net::SocketAddr) -> Result<ExitCode> {
    let listener = tokio::net::TcpListener::bind(bind).await.map_err(|e| {
        InputError(format!("cannot listen on {bind}: {e} (is another service there? try --bind 127.0.0.1:8081)"))
    })?;
    let addr = listener.local_addr()?;
    let db = match &config.db {
        Some(url) => pilotzone_serve::db::redacted(url),
        None => pilotzone_serve::db::default_url(&config.data),
    };
    let mut out = std::io::stdout();
    writeln!(out, "pilotzone serve: http://{addr}/ (data {}, database {db})", config.data.display())?;
    if !addr.ip().is_loopback() {
        writeln!(out, "pilotzone serve: listening beyond this machine, as --bind asks; put HTTPS in front of it")?;
    }
    out.flush()?;
    let shutdown = async {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .expect("a process can listen for SIGTERM");
            tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
        }
        #[cfg(not(unix))]
        let _ = ctrl_c.await;
    };
    pilotzone_serve::serve(state, listener, shutdown).await.context("the service stopped")?;
    writeln!(std::io::stdout(), "pilotzone serve: stopped")?;
    Ok(ExitCode::SUCCESS)
}

//! `pilotzone serve`: studies online. Residents, businesses, officials and researchers open a
//! study made by `pilotzone batch`, watch any rule option and seed in the web player, compare two
//! with the KPI differences and their intervals, pin comments to a place and a moment of a
//! replay, answer each other, and mark support or concern for each option with a reason.
//! Officials hide comments with a reason (nothing is ever deleted), read a summary, export the
//! record, and present: a meeting view follows their player on every open page.
//!
//! The service is axum over one database, SQLite in the data folder or PostgreSQL, with the
//! same queries on both ([`db`]). Every request is untrusted: bodies are bounded and parsed
//! into typed fields with their limits, changes need a session and its CSRF token and are
//! rate-limited, files are reached only through a study's own list of runs, and words go back
//! out as JSON text that the pages insert as text.

pub(crate) mod api;
mod audit;
mod auth;
pub mod db;
mod error;
mod limits;
mod meeting;
mod pages;
mod range;
mod studies;

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

pub use auth::{CSRF_HEADER, MIN_PASSWORD_CHARS, SESSION_COOKIE, create_account, create_invite, token_hash};
pub use db::{Db, Dialect, SCHEMA_VERSION};
pub use error::{ApiError, ServeError};
pub use limits::{Limits, Rate};
pub use studies::{Study, is_safe_name};

/// How a service is set up.
#[derive(Clone, Debug)]
pub struct Config {
    /// The data folder: hosted studies and, by default, the SQLite database.
    pub data: PathBuf,
    /// A database URL (`postgres://…`); `None` for SQLite in the data folder.
    pub db: Option<String>,
    /// Rate limits for changes.
    pub limits: Limits,
}

impl Config {
    /// The database URL this configuration opens.
    pub fn db_url(&self) -> String {
        self.db.clone().unwrap_or_else(|| db::default_url(&self.data))
    }
}

/// What every request handler shares.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Inner>);

/// The shared parts.
#[derive(Debug)]
pub struct Inner {
    /// The database.
    pub db: Db,
    /// The data folder.
    pub data: PathBuf,
    limits: limits::Limiter,
    studies: RwLock<BTreeMap<String, Arc<Study>>>,
    meetings: Mutex<BTreeMap<String, meeting::Channel>>,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// Opens the data folder and the database, migrating it to this build's schema.
    pub async fn open(config: &Config) -> Result<AppState, ServeError> {
        std::fs::create_dir_all(&config.data).map_err(|source| ServeError::Io { path: config.data.clone(), source })?;
        let db = Db::open(&config.db_url()).await?;
        Ok(AppState(Arc::new(Inner {
            db,
            data: config.data.clone(),
            limits: limits::Limiter::new(config.limits),
            studies: RwLock::default(),
            meetings: Mutex::default(),
        })))
    }

    /// The hosted study `id`, loaded on first use (a study added while the service runs is
    /// found on its first request); `None` if no such study is hosted.
    pub async fn study(&self, id: &str) -> Result<Option<Arc<Study>>, ApiError> {
        if !is_safe_name(id, studies::MAX_ID_CHARS) {
            return Ok(None);
        }
        if let Some(s) = self.studies.read().unwrap_or_else(std::sync::PoisonError::into_inner).get(id) {
            return Ok(Some(s.clone()));
        }
        let registered =
            sqlx::query("SELECT id FROM studies WHERE id = $1").bind(id).fetch_optional(&self.db.pool).await?;
        if registered.is_none() {
            return Ok(None);
        }
        let (id_owned, dir) = (id.to_owned(), studies::study_dir(&self.data, id));
        let study = tokio::task::spawn_blocking(move || Study::load(&id_owned, &dir))
            .await
            .map_err(|_| ApiError::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, "internal", "loading failed"))?
            .map_err(|e| {
                log(&format!("study {id} is registered but cannot be loaded: {e}"));
                ApiError::new(
                    axum::http::StatusCode::SERVICE_UNAVAILABLE,
                    "study_damaged",
                    "this study's files cannot be read on the server; an operator must add it again",
                )
            })?;
        let study = Arc::new(study);
        self.studies.write().unwrap_or_else(std::sync::PoisonError::into_inner).insert(id.to_owned(), study.clone());
        Ok(Some(study))
    }
}

/// Hosts the finished study in `source` under `id` (`pilotzone serve study add`): copies it
/// into the data folder and registers it, with an audit row naming `by`.
pub async fn add_study(state: &AppState, source: &Path, id: &str, by: &str) -> Result<Arc<Study>, ServeError> {
    let known = sqlx::query("SELECT id FROM studies WHERE id = $1").bind(id).fetch_optional(&state.db.pool).await?;
    if known.is_some() {
        return Err(ServeError::Invalid(format!("a study with id \"{id}\" is already hosted; choose another --id")));
    }
    // A folder without its row is what an interrupted add leaves: it was never hosted.
    let leftover = studies::study_dir(&state.data, id);
    if is_safe_name(id, studies::MAX_ID_CHARS) && leftover.is_dir() {
        std::fs::remove_dir_all(&leftover).map_err(|source| ServeError::Io { path: leftover.clone(), source })?;
    }
    let (data, source_owned, id_owned) = (state.data.clone(), source.to_owned(), id.to_owned());
    let study = tokio::task::spawn_blocking(move || studies::copy_study(&data, &source_owned, &id_owned))
        .await
        .map_err(|e| ServeError::Invalid(format!("copying the study failed: {e}")))??;
    let mut tx = state.db.write().await?;
    sqlx::query("INSERT INTO studies (id, title, scenario, added_s) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(&study.title)
        .bind(&study.manifest.scenario)
        .bind(now_s())
        .execute(&mut *tx)
        .await?;
    let options = study.options().join(", ");
    audit::record(&mut tx, Some(id), by, "command", "study.add", id, None, Some(&options)).await?;
    tx.commit().await?;
    let study = Arc::new(study);
    state.studies.write().unwrap_or_else(std::sync::PoisonError::into_inner).insert(id.to_owned(), study.clone());
    Ok(study)
}

/// The service's routes over `state`.
pub fn router(state: AppState) -> axum::Router {
    api::router(state)
}

/// Serves `state` on `listener` until `shutdown` completes; requests in flight are finished.
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}

/// Seconds since 1970 by the system clock: when people wrote, never simulated time.
pub(crate) fn now_s() -> i64 {
    pilotzone_comments::Timestamp::now().unix_s
}

/// A line in the service's log (standard error), for the operator.
pub(crate) fn log(line: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "pilotzone serve: {line}");
}

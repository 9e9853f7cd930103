//! The HTTP API under `/api` and the pages around it. Reads are open to anyone who can reach
//! the service (a town's deliberation is public); every change needs a session (an invite
//! link or an account), its CSRF token and room in the rate limits, and runs in one transaction
//! with its audit row.

use std::sync::Arc;

use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use pilotzone_comments::{MAX_AUTHOR_CHARS, MAX_REASON_CHARS, MAX_TEXT_CHARS, Role, Timestamp, check_line, check_text};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sqlx::Row as _;
use sqlx::any::AnyRow;

use crate::auth::{self, Anonymous, MaybeParticipant, Participant, Writer};
use crate::meeting::{MAX_CHANNELS, Presented};
use crate::{ApiError, AppState, Study, audit, now_s, pages, range};

/// Largest request body, bytes: a comment at its longest in any script fits several times over.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Most comments one list or export returns.
pub const MAX_LIST: i64 = 100_000;
/// Side of a heat-map cell, m.
pub const HEAT_CELL_M: f64 = 50.0;

pub(crate) fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/health", get(health))
        .route("/api/me", get(me))
        .route("/api/join", post(join))
        .route("/api/login", post(login))
        .route("/api/logout", post(logout))
        .route("/api/studies", get(list_studies))
        .route("/api/studies/{study}", get(study_info))
        .route("/api/studies/{study}/compare", get(compare))
        .route("/api/studies/{study}/runs/{option}/{seed}/replay", get(replay))
        .route("/api/studies/{study}/comments", get(list_comments).post(post_comment))
        .route("/api/studies/{study}/comments/{id}/hide", post(hide_comment))
        .route("/api/studies/{study}/comments/{id}/restore", post(restore_comment))
        .route("/api/studies/{study}/votes", get(votes))
        .route("/api/studies/{study}/votes/{option}", put(vote))
        .route("/api/studies/{study}/invites", post(invite))
        .route("/api/studies/{study}/audit", get(audit_log))
        .route("/api/studies/{study}/summary", get(summary))
        .route("/api/studies/{study}/export.json", get(export_json))
        .route("/api/studies/{study}/export/{table}", get(export_csv))
        .route("/api/studies/{study}/meeting", get(follow_meeting).post(present))
        .merge(pages::routes())
        .fallback(|| async { ApiError::not_found("no such page or API path") })
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// Headers on every answer: no sniffing, no framing, no referrer (links carry invite tokens).
async fn security_headers(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    if !h.contains_key("content-security-policy") {
        h.insert("content-security-policy", HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"));
    }
    response
}

/// A JSON body, bounded, parsed into `T`; every failure is an [`ApiError`] that says which field.
pub struct Input<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Input<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let json =
            req.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| {
                v.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
            });
        if !json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "content_type",
                "send the body as JSON with Content-Type: application/json",
            ));
        }
        let bytes = axum::body::Bytes::from_request(req, state).await.map_err(|e: BytesRejection| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "too_large",
                    format!("the request is larger than {MAX_BODY_BYTES} bytes; a comment may have at most {MAX_TEXT_CHARS} characters"),
                )
            } else {
                ApiError::new(e.status(), "body", "the request body could not be read")
            }
        })?;
        serde_json::from_slice(&bytes).map(Input).map_err(|e| {
            let mut message = e.to_string();
            message.truncate(300);
            ApiError::new(StatusCode::BAD_REQUEST, "json", format!("the request is not the JSON expected: {message}"))
        })
    }
}

/// The study a path names, or 404.
async fn find_study(state: &AppState, id: &str) -> Result<Arc<Study>, ApiError> {
    state.study(id).await?.ok_or_else(|| ApiError::not_found("no study by that id is hosted here"))
}

/// Refuses a participant an invite admitted to another study.
fn must_be_admitted(p: &Participant, study: &Study) -> Result<(), ApiError> {
    if p.admitted_to(&study.id) {
        Ok(())
    } else {
        Err(ApiError::forbidden("your invite is for another study; open that study's invite link"))
    }
}

async fn health(State(state): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    let schema = state.db.schema_version().await?;
    Ok(Json(
        serde_json::json!({ "ok": true, "schema": schema, "database": format!("{:?}", state.db.dialect).to_lowercase() }),
    ))
}

#[derive(Serialize)]
struct Me<'a> {
    name: &'a str,
    role: &'static str,
    study: Option<&'a str>,
    csrf: &'a str,
}

fn me_json(p: &Participant) -> Json<Me<'_>> {
    Json(Me { name: &p.name, role: p.role.key(), study: p.study.as_deref(), csrf: &p.csrf })
}

/// Who the session belongs to, or `null` without one (a page asks before it knows; a refusal
/// would read as an error in every browser console).
async fn me(MaybeParticipant(p): MaybeParticipant) -> Response {
    match p {
        Some(p) => me_json(&p).into_response(),
        None => Json(serde_json::Value::Null).into_response(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JoinBody {
    token: String,
    name: String,
}

/// Someone opens an invite link and picks the name they speak under.
async fn join(State(state): State<AppState>, _: Anonymous, Input(body): Input<JoinBody>) -> Result<Response, ApiError> {
    check_line(&body.name, MAX_AUTHOR_CHARS).map_err(|e| ApiError::field("name", e.to_string()))?;
    if body.token.len() > 100 {
        return Err(ApiError::not_found("this invite link is not valid; ask the organisers for a new one"));
    }
    let invite = sqlx::query("SELECT study, role FROM invites WHERE token_hash = $1 AND revoked_s IS NULL")
        .bind(auth::token_hash(&body.token))
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or_else(|| ApiError::not_found("this invite link is not valid; ask the organisers for a new one"))?;
    let study: String = invite.try_get("study")?;
    let role: String = invite.try_get("role")?;
    let mut tx = state.db.write().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO participants (name, role, account, study, created_s) VALUES ($1, $2, NULL, $3, $4) RETURNING id",
    )
    .bind(&body.name)
    .bind(&role)
    .bind(&study)
    .bind(now_s())
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    audit::record(&mut tx, Some(&study), &body.name, &role, "participant.join", &id.to_string(), None, None).await?;
    tx.commit().await?;
    session_response(&state, id).await
}

/// The answer that opens a session: the cookie, and who they are with the CSRF token.
async fn session_response(state: &AppState, participant: i64) -> Result<Response, ApiError> {
    let (token, _) = auth::open_session(&state.db, participant).await?;
    let Some(p) = crate::auth::participant_by_token(&state.db, &token).await? else {
        return Err(ApiError::unauthenticated());
    };
    let mut response = me_json(&p).into_response();
    if let Ok(v) = HeaderValue::from_str(&auth::session_cookie(&token)) {
        response.headers_mut().insert(SET_COOKIE, v);
    }
    Ok(response)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginBody {
    name: String,
    password: String,
}

async fn login(
    State(state): State<AppState>,
    _: Anonymous,
    Input(body): Input<LoginBody>,
) -> Result<Response, ApiError> {
    if body.name.chars().count() > MAX_AUTHOR_CHARS || body.password.chars().count() > auth::MAX_PASSWORD_CHARS {
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, "sign_in", "the name or the password is wrong"));
    }
    match auth::sign_in(&state.db, &body.name, &body.password).await? {
        Some(participant) => session_response(&state, participant).await,
        None => Err(ApiError::new(StatusCode::UNAUTHORIZED, "sign_in", "the name or the password is wrong")),
    }
}

/// Ends the session on the server (the CSRF check of [`Writer`] keeps other sites from it).
async fn logout(State(state): State<AppState>, _: Writer, headers: HeaderMap) -> Result<Response, ApiError> {
    let token = auth::cookie_token(&headers);
    auth::close_session(&state.db, token.as_deref()).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    if let Ok(v) = HeaderValue::from_str(&auth::session_cookie("")) {
        response.headers_mut().insert(SET_COOKIE, v);
    }
    Ok(response)
}

#[derive(Serialize)]
struct StudyListItem {
    id: String,
    title: String,
    scenario: String,
    added: String,
}

async fn list_studies(State(state): State<AppState>) -> Result<Json<Vec<StudyListItem>>, ApiError> {
    let rows = sqlx::query("SELECT id, title, scenario, added_s FROM studies ORDER BY added_s, id")
        .fetch_all(&state.db.pool)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(StudyListItem {
            id: r.try_get("id")?,
            title: r.try_get("title")?,
            scenario: r.try_get("scenario")?,
            added: Timestamp { unix_s: r.try_get("added_s")? }.to_string(),
        });
    }
    Ok(Json(out))
}

async fn study_info(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let study = find_study(&state, &id).await?;
    Ok(Json(serde_json::json!({
        "id": study.id,
        "title": study.title,
        "scenario": study.manifest.scenario,
        "options": study.options(),
        "seeds": study.manifest.seeds,
        "start_s": study.start_s,
        "duration_ms": study.duration_ms,
        "bounds_m": study.bounds_m,
        "runs": study.runs(),
        "kpis": study.summary(),
    }))
    .into_response())
}

#[derive(Deserialize)]
struct CompareQuery {
    baseline: String,
    variant: String,
}

async fn compare(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<CompareQuery>,
) -> Result<Response, ApiError> {
    let study = find_study(&state, &id).await?;
    let rows =
        study.table.compare(&q.baseline, &q.variant).map_err(|e| ApiError::field("baseline/variant", e.to_string()))?;
    let rows: Vec<_> = rows.iter().map(pilotzone_web::StudyRow::from).collect();
    Ok(Json(serde_json::json!({
        "baseline": q.baseline,
        "variant": q.variant,
        "seeds": study.manifest.seeds.len(),
        "rows": rows,
    }))
    .into_response())
}

async fn replay(
    State(state): State<AppState>,
    Path((id, option, seed)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let study = find_study(&state, &id).await?;
    let missing = || ApiError::not_found("the study has no run of that option and seed");
    let seed: u64 = seed.parse().map_err(|_| missing())?;
    let row = study.run(&option, seed).ok_or_else(missing)?;
    let path = study.replay_path(&option, seed).ok_or_else(missing)?;
    range::serve_replay(&path, &row.replay_hash, &headers).await
}

/// A comment as the API shows it: its words (withheld from non-officials when hidden, with the
/// reason shown instead), who said them in what role, and its evidence: study, option, seed,
/// replay hash, moment and place, and a link that opens the player there.
#[derive(Serialize)]
pub(crate) struct CommentOut {
    id: i64,
    reply_to: Option<i64>,
    study: String,
    option: String,
    seed: u64,
    replay_hash: String,
    t_ms: u64,
    place: [f64; 2],
    author: String,
    role: &'static str,
    text: Option<String>,
    created: String,
    hidden: Option<HiddenOut>,
    link: String,
}

#[derive(Serialize)]
struct HiddenOut {
    by: String,
    reason: String,
    at: String,
}

/// The columns a comment is read with; a macro, so queries stay `&'static str` that sqlx
/// knows hold no input.
macro_rules! comment_columns {
    () => {
        "id, study, reply_to, author, role, option_name, seed, replay_hash, t_ms, x_m, y_m, text, created_s, hidden_by, \
         hidden_reason, hidden_s"
    };
}

fn comment_out(r: &AnyRow, show_hidden_text: bool) -> Result<CommentOut, sqlx::Error> {
    let study: String = r.try_get("study")?;
    let option: String = r.try_get("option_name")?;
    let id: i64 = r.try_get("id")?;
    let seed = r.try_get::<i64, _>("seed")?.max(0) as u64;
    let t_ms = r.try_get::<i64, _>("t_ms")?.max(0) as u64;
    let (x, y): (f64, f64) = (r.try_get("x_m")?, r.try_get("y_m")?);
    let hidden = match r.try_get::<Option<String>, _>("hidden_by")? {
        Some(by) => Some(HiddenOut {
            by,
            reason: r.try_get::<Option<String>, _>("hidden_reason")?.unwrap_or_default(),
            at: Timestamp { unix_s: r.try_get::<Option<i64>, _>("hidden_s")?.unwrap_or(0) }.to_string(),
        }),
        None => None,
    };
    let text: String = r.try_get("text")?;
    let role: String = r.try_get("role")?;
    Ok(CommentOut {
        link: deep_link(&study, &option, seed, t_ms, [x, y], Some(id)),
        reply_to: r.try_get("reply_to")?,
        replay_hash: r.try_get("replay_hash")?,
        author: r.try_get("author")?,
        role: Role::from_key(&role).map_or("resident", Role::key),
        text: (hidden.is_none() || show_hidden_text).then_some(text),
        created: Timestamp { unix_s: r.try_get("created_s")? }.to_string(),
        hidden,
        place: [x, y],
        id,
        study,
        option,
        seed,
        t_ms,
    })
}

/// The link that opens a study's player at a moment and a place (and a comment).
pub(crate) fn deep_link(
    study: &str,
    option: &str,
    seed: u64,
    t_ms: u64,
    place: [f64; 2],
    comment: Option<i64>,
) -> String {
    let mut link = format!("/studies/{study}?option={option}&seed={seed}&t={t_ms}&x={:.1}&y={:.1}", place[0], place[1]);
    if let Some(id) = comment {
        link.push_str(&format!("#comment-{id}"));
    }
    link
}

async fn list_comments(
    State(state): State<AppState>,
    Path(id): Path<String>,
    MaybeParticipant(p): MaybeParticipant,
) -> Result<Json<Vec<CommentOut>>, ApiError> {
    let study = find_study(&state, &id).await?;
    let official = p.as_ref().is_some_and(|p| p.role == Role::Official);
    let rows =
        sqlx::query(concat!("SELECT ", comment_columns!(), " FROM comments WHERE study = $1 ORDER BY id LIMIT $2"))
            .bind(&study.id)
            .bind(MAX_LIST)
            .fetch_all(&state.db.pool)
            .await?;
    Ok(Json(rows.iter().map(|r| comment_out(r, official)).collect::<Result<_, _>>()?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewComment {
    #[serde(default)]
    reply_to: Option<i64>,
    option: String,
    seed: u64,
    t_ms: u64,
    place: [f64; 2],
    text: String,
}

async fn post_comment(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Writer(p): Writer,
    Input(c): Input<NewComment>,
) -> Result<Response, ApiError> {
    let study = find_study(&state, &id).await?;
    must_be_admitted(&p, &study)?;
    check_text(&c.text, MAX_TEXT_CHARS).map_err(|e| ApiError::field("text", e.to_string()))?;
    let run = study.run(&c.option, c.seed).ok_or_else(|| {
        ApiError::field(
            "option",
            format!("and seed name no run of this study; its options are {}", study.options().join(", ")),
        )
    })?;
    if c.t_ms > study.duration_ms {
        return Err(ApiError::field("t_ms", format!("is after the run's end ({} ms)", study.duration_ms)));
    }
    let [w, s, e, n] = study.bounds_m;
    let margin = 200.0;
    let [x, y] = c.place;
    if !(x.is_finite()
        && y.is_finite()
        && (w - margin..=e + margin).contains(&x)
        && (s - margin..=n + margin).contains(&y))
    {
        return Err(ApiError::field("place", format!("({x}, {y}) is not in the town (x {w}…{e} m, y {s}…{n} m)")));
    }
    let seed = i64::try_from(c.seed).map_err(|_| ApiError::field("seed", "is too large"))?;
    let t_ms = i64::try_from(c.t_ms).map_err(|_| ApiError::field("t_ms", "is too large"))?;
    let mut tx = state.db.write().await?;
    if let Some(parent) = c.reply_to {
        let found = sqlx::query("SELECT id FROM comments WHERE id = $1 AND study = $2")
            .bind(parent)
            .bind(&study.id)
            .fetch_optional(&mut *tx)
            .await?;
        if found.is_none() {
            return Err(ApiError::field("reply_to", "names no comment of this study"));
        }
    }
    let row = sqlx::query(concat!(
        "INSERT INTO comments (study, reply_to, participant, author, role, option_name, seed, replay_hash, t_ms, x_m, y_m, \
         text, created_s) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING ",
        comment_columns!()
    ))
    .bind(&study.id)
    .bind(c.reply_to)
    .bind(p.id)
    .bind(&p.name)
    .bind(p.role.key())
    .bind(&c.option)
    .bind(seed)
    .bind(&run.replay_hash)
    .bind(t_ms)
    .bind(x)
    .bind(y)
    .bind(&c.text)
    .bind(now_s())
    .fetch_one(&mut *tx)
    .await?;
    let out = comment_out(&row, true)?;
    let action = if c.reply_to.is_some() { "comment.reply" } else { "comment.create" };
    audit::record(&mut tx, Some(&study.id), &p.name, p.role.key(), action, &out.id.to_string(), None, Some(&c.text))
        .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Reason {
    reason: String,
}

async fn hide_comment(
    State(state): State<AppState>,
    Path((id, comment)): Path<(String, i64)>,
    Writer(p): Writer,
    Input(body): Input<Reason>,
) -> Result<Response, ApiError> {
    moderate(&state, &id, comment, &p, &body.reason, true).await
}

async fn restore_comment(
    State(state): State<AppState>,
    Path((id, comment)): Path<(String, i64)>,
    Writer(p): Writer,
    Input(body): Input<Reason>,
) -> Result<Response, ApiError> {
    moderate(&state, &id, comment, &p, &body.reason, false).await
}

/// Hides a comment or shows it again, with a reason that stays in the audit log for good.
async fn moderate(
    state: &AppState,
    id: &str,
    comment: i64,
    p: &Participant,
    reason: &str,
    hide: bool,
) -> Result<Response, ApiError> {
    let study = find_study(state, id).await?;
    p.must_be_official(if hide { "hide comments" } else { "restore hidden comments" })?;
    must_be_admitted(p, &study)?;
    check_text(reason, MAX_REASON_CHARS).map_err(|e| ApiError::field("reason", e.to_string()))?;
    let mut tx = state.db.write().await?;
    let row = sqlx::query("SELECT hidden_by, hidden_reason FROM comments WHERE id = $1 AND study = $2")
        .bind(comment)
        .bind(&study.id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| ApiError::not_found("the study has no comment with that number"))?;
    let was_hidden = row.try_get::<Option<String>, _>("hidden_by")?.is_some();
    if was_hidden == hide {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "unchanged",
            if hide { "the comment is hidden already" } else { "the comment is not hidden" },
        ));
    }
    let (action, before, after) = if hide {
        ("comment.hide", "visible".to_owned(), format!("hidden: {reason}"))
    } else {
        let old: Option<String> = row.try_get("hidden_reason")?;
        ("comment.restore", format!("hidden: {}", old.unwrap_or_default()), format!("visible: {reason}"))
    };
    let q = if hide {
        sqlx::query("UPDATE comments SET hidden_by = $1, hidden_reason = $2, hidden_s = $3 WHERE id = $4")
            .bind(p.name.clone())
            .bind(reason.to_owned())
            .bind(now_s())
            .bind(comment)
    } else {
        sqlx::query("UPDATE comments SET hidden_by = NULL, hidden_reason = NULL, hidden_s = NULL WHERE id = $1")
            .bind(comment)
    };
    q.execute(&mut *tx).await?;
    audit::record(
        &mut tx,
        Some(&study.id),
        &p.name,
        p.role.key(),
        action,
        &comment.to_string(),
        Some(&before),
        Some(&after),
    )
    .await?;
    let row = sqlx::query(concat!("SELECT ", comment_columns!(), " FROM comments WHERE id = $1"))
        .bind(comment)
        .fetch_one(&mut *tx)
        .await?;
    let out = comment_out(&row, true)?;
    tx.commit().await?;
    Ok(Json(out).into_response())
}

/// Support or concern for an option.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Stance {
    Support,
    Concern,
}

impl Stance {
    fn key(self) -> &'static str {
        match self {
            Stance::Support => "support",
            Stance::Concern => "concern",
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VoteBody {
    stance: Stance,
    reason: String,
}

/// Marks support or concern for an option with a reason; a second mark replaces the first,
/// and the audit log keeps both.
async fn vote(
    State(state): State<AppState>,
    Path((id, option)): Path<(String, String)>,
    Writer(p): Writer,
    Input(body): Input<VoteBody>,
) -> Result<Response, ApiError> {
    let study = find_study(&state, &id).await?;
    must_be_admitted(&p, &study)?;
    if !study.options().contains(&option.as_str()) {
        return Err(ApiError::not_found(format!(
            "the study has no option by that name; it has {}",
            study.options().join(", ")
        )));
    }
    check_text(&body.reason, MAX_REASON_CHARS).map_err(|e| ApiError::field("reason", e.to_string()))?;
    let after = format!("{}: {}", body.stance.key(), body.reason);
    let mut tx = state.db.write().await?;
    let before =
        sqlx::query("SELECT stance, reason FROM votes WHERE study = $1 AND option_name = $2 AND participant = $3")
            .bind(&study.id)
            .bind(&option)
            .bind(p.id)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| {
                Ok::<_, sqlx::Error>(format!(
                    "{}: {}",
                    r.try_get::<String, _>("stance")?,
                    r.try_get::<String, _>("reason")?
                ))
            })
            .transpose()?;
    sqlx::query(
        "INSERT INTO votes (study, option_name, participant, role, stance, reason, updated_s) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (study, option_name, participant) DO UPDATE SET stance = excluded.stance, reason = excluded.reason, \
         updated_s = excluded.updated_s",
    )
    .bind(&study.id)
    .bind(&option)
    .bind(p.id)
    .bind(p.role.key())
    .bind(body.stance.key())
    .bind(&body.reason)
    .bind(now_s())
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        Some(&study.id),
        &p.name,
        p.role.key(),
        "vote.set",
        &option,
        before.as_deref(),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(serde_json::json!({ "option": option, "stance": body.stance, "reason": body.reason })).into_response())
}

/// Support and concern per option and role.
#[derive(Serialize)]
struct Tally {
    option: String,
    role: &'static str,
    support: i64,
    concern: i64,
}

async fn tallies(state: &AppState, study: &Study) -> Result<Vec<Tally>, ApiError> {
    let rows = sqlx::query(
        "SELECT option_name, role, stance, COUNT(*) AS n FROM votes WHERE study = $1 GROUP BY option_name, role, stance",
    )
    .bind(&study.id)
    .fetch_all(&state.db.pool)
    .await?;
    let mut out: Vec<Tally> = Vec::new();
    for option in study.options() {
        for role in Role::ALL {
            let count = |stance: &str| {
                rows.iter()
                    .filter(|r| {
                        r.try_get::<String, _>("option_name").is_ok_and(|o| o == option)
                            && r.try_get::<String, _>("role").is_ok_and(|x| x == role.key())
                            && r.try_get::<String, _>("stance").is_ok_and(|s| s == stance)
                    })
                    .map(|r| r.try_get::<i64, _>("n").unwrap_or(0))
                    .sum()
            };
            out.push(Tally {
                option: option.to_owned(),
                role: role.key(),
                support: count("support"),
                concern: count("concern"),
            });
        }
    }
    Ok(out)
}

async fn votes(
    State(state): State<AppState>,
    Path(id): Path<String>,
    MaybeParticipant(p): MaybeParticipant,
) -> Result<Response, ApiError> {
    let study = find_study(&state, &id).await?;
    let tally = tallies(&state, &study).await?;
    let mut mine = Vec::new();
    if let Some(p) = p {
        let rows = sqlx::query(
            "SELECT option_name, stance, reason FROM votes WHERE study = $1 AND participant = $2 ORDER BY option_name",
        )
        .bind(&study.id)
        .bind(p.id)
        .fetch_all(&state.db.pool)
        .await?;
        for r in rows {
            mine.push(serde_json::json!({
                "option": r.try_get::<String, _>("option_name")?,
                "stance": r.try_get::<String, _>("stance")?,
                "reason": r.try_get::<String, _>("reason")?,
            }));
        }
    }
    Ok(Json(serde_json::json!({ "tally": tally, "mine": mine })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InviteBody {
    role: String,
}

async fn invite(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Writer(p): Writer,
    Input(body): Input<InviteBody>,
) -> Result<Response, ApiError> {
    let study = find_study(&state, &id).await?;
    p.must_be_official("make invite links")?;
    let role = Role::from_key(&body.role)
        .ok_or_else(|| ApiError::field("role", "must be resident, business, official or researcher"))?;
    let token = crate::create_invite(&state.db, &study.id, role, &p.name).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "role": role.key(), "link": format!("/join/{token}") })))
        .into_response())
}

/// One row of the audit log.
#[derive(Serialize)]
struct AuditOut {
    id: i64,
    at: String,
    actor: String,
    actor_role: String,
    action: String,
    target: String,
    before: Option<String>,
    after: Option<String>,
}

async fn audit_rows(state: &AppState, study: &Study) -> Result<Vec<AuditOut>, ApiError> {
    let rows = sqlx::query(
        "SELECT id, at_s, actor, actor_role, action, target, before_value, after_value FROM audit WHERE study = $1 ORDER BY id LIMIT $2",
    )
    .bind(&study.id)
    .bind(MAX_LIST)
    .fetch_all(&state.db.pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(AuditOut {
            id: r.try_get("id")?,
            at: Timestamp { unix_s: r.try_get("at_s")? }.to_string(),
            actor: r.try_get("actor")?,
            actor_role: r.try_get("actor_role")?,
            action: r.try_get("action")?,
            target: r.try_get("target")?,
            before: r.try_get("before_value")?,
            after: r.try_get("after_value")?,
        });
    }
    Ok(out)
}

/// The study, for an official of it.
async fn official_study(
    state: &AppState,
    id: &str,
    p: Option<Participant>,
    what: &str,
) -> Result<Arc<Study>, ApiError> {
    let study = find_study(state, id).await?;
    let p = p.ok_or_else(ApiError::unauthenticated)?;
    p.must_be_official(what)?;
    must_be_admitted(&p, &study)?;
    Ok(study)
}

async fn audit_log(
    State(state): State<AppState>,
    Path(id): Path<String>,
    MaybeParticipant(p): MaybeParticipant,
) -> Result<Response, ApiError> {
    let study = official_study(&state, &id, p, "read the audit log").await?;
    Ok(Json(audit_rows(&state, &study).await?).into_response())
}

/// The officials' summary: where comments were pinned (a grid of counts), at what hour of the
/// run's day, support and concern per option and role, and the KPIs with their intervals.
async fn summary(
    State(state): State<AppState>,
    Path(id): Path<String>,
    MaybeParticipant(p): MaybeParticipant,
) -> Result<Response, ApiError> {
    let study = find_study(&state, &id).await?;
    let p = p.ok_or_else(ApiError::unauthenticated)?;
    if !matches!(p.role, Role::Official | Role::Researcher) {
        return Err(ApiError::forbidden("the summary is for officials and researchers"));
    }
    must_be_admitted(&p, &study)?;
    let rows = sqlx::query("SELECT x_m, y_m, t_ms, role FROM comments WHERE study = $1 AND hidden_by IS NULL LIMIT $2")
        .bind(&study.id)
        .bind(MAX_LIST)
        .fetch_all(&state.db.pool)
        .await?;
    let mut cells = std::collections::BTreeMap::<(i64, i64), i64>::new();
    let mut by_hour = [0i64; 24];
    let mut by_role = std::collections::BTreeMap::<String, i64>::new();
    for r in &rows {
        let (x, y): (f64, f64) = (r.try_get("x_m")?, r.try_get("y_m")?);
        *cells.entry(((x / HEAT_CELL_M).floor() as i64, (y / HEAT_CELL_M).floor() as i64)).or_default() += 1;
        let t_ms: i64 = r.try_get("t_ms")?;
        let hour = (i64::from(study.start_s) + t_ms / 1000).rem_euclid(86_400) / 3600;
        by_hour[hour as usize] += 1;
        *by_role.entry(r.try_get("role")?).or_default() += 1;
    }
    let heat: Vec<_> = cells
        .iter()
        .map(|(&(i, j), &n)| serde_json::json!({ "x_m": i as f64 * HEAT_CELL_M, "y_m": j as f64 * HEAT_CELL_M, "comments": n }))
        .collect();
    Ok(Json(serde_json::json!({
        "study": study.id,
        "comments": rows.len(),
        "heat": { "cell_m": HEAT_CELL_M, "cells": heat },
        "by_hour": by_hour,
        "by_role": by_role,
        "votes": tallies(&state, &study).await?,
        "kpis": study.summary(),
    }))
    .into_response())
}

async fn all_comments(state: &AppState, study: &Study) -> Result<Vec<CommentOut>, ApiError> {
    let rows =
        sqlx::query(concat!("SELECT ", comment_columns!(), " FROM comments WHERE study = $1 ORDER BY id LIMIT $2"))
            .bind(&study.id)
            .bind(MAX_LIST)
            .fetch_all(&state.db.pool)
            .await?;
    Ok(rows.iter().map(|r| comment_out(r, true)).collect::<Result<_, _>>()?)
}

#[derive(Serialize)]
struct VoteOut {
    option: String,
    participant: i64,
    name: String,
    role: String,
    stance: String,
    reason: String,
    updated: String,
}

async fn all_votes(state: &AppState, study: &Study) -> Result<Vec<VoteOut>, ApiError> {
    let rows = sqlx::query(
        "SELECT v.option_name, v.participant, p.name, v.role, v.stance, v.reason, v.updated_s FROM votes v \
         JOIN participants p ON p.id = v.participant WHERE v.study = $1 ORDER BY v.option_name, v.participant",
    )
    .bind(&study.id)
    .fetch_all(&state.db.pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(VoteOut {
            option: r.try_get("option_name")?,
            participant: r.try_get("participant")?,
            name: r.try_get("name")?,
            role: r.try_get("role")?,
            stance: r.try_get("stance")?,
            reason: r.try_get("reason")?,
            updated: Timestamp { unix_s: r.try_get("updated_s")? }.to_string(),
        });
    }
    Ok(out)
}

fn download(body: Vec<u8>, content_type: &'static str, file: &str) -> Response {
    let mut response = body.into_response();
    let h = response.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        h.insert(CONTENT_DISPOSITION, v);
    }
    response
}

/// Everything for the official record as one JSON file.
async fn export_json(
    State(state): State<AppState>,
    Path(id): Path<String>,
    MaybeParticipant(p): MaybeParticipant,
) -> Result<Response, ApiError> {
    let study = official_study(&state, &id, p, "export the record").await?;
    let body = serde_json::json!({
        "format": "pilotzone-deliberation",
        "version": 1,
        "study": study.id,
        "scenario": study.manifest.scenario,
        "exported": Timestamp::now().to_string(),
        "comments": all_comments(&state, &study).await?,
        "votes": all_votes(&state, &study).await?,
        "audit": audit_rows(&state, &study).await?,
    });
    let bytes = serde_json::to_vec_pretty(&body)
        .map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "export failed"))?;
    Ok(download(bytes, "application/json", &format!("{}-record.json", study.id)))
}

/// One table of the record as CSV: `comments.csv`, `votes.csv` or `audit.csv`. Cells that a
/// spreadsheet would run as a formula start with an apostrophe.
async fn export_csv(
    State(state): State<AppState>,
    Path((id, table)): Path<(String, String)>,
    MaybeParticipant(p): MaybeParticipant,
) -> Result<Response, ApiError> {
    let study = official_study(&state, &id, p, "export the record").await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "export failed");
    match table.as_str() {
        "comments.csv" => {
            w.write_record([
                "id",
                "reply_to",
                "option",
                "seed",
                "replay_hash",
                "t_ms",
                "x_m",
                "y_m",
                "author",
                "role",
                "text",
                "created",
                "hidden_by",
                "hidden_reason",
                "hidden_at",
                "link",
            ])
            .map_err(fail)?;
            for c in all_comments(&state, &study).await? {
                let h = c.hidden.as_ref();
                w.write_record([
                    c.id.to_string(),
                    c.reply_to.map(|r| r.to_string()).unwrap_or_default(),
                    cell(&c.option),
                    c.seed.to_string(),
                    c.replay_hash,
                    c.t_ms.to_string(),
                    c.place[0].to_string(),
                    c.place[1].to_string(),
                    cell(&c.author),
                    c.role.to_owned(),
                    cell(c.text.as_deref().unwrap_or("")),
                    c.created,
                    h.map(|h| cell(&h.by)).unwrap_or_default(),
                    h.map(|h| cell(&h.reason)).unwrap_or_default(),
                    h.map(|h| h.at.clone()).unwrap_or_default(),
                    c.link,
                ])
                .map_err(fail)?;
            }
        }
        "votes.csv" => {
            w.write_record(["option", "participant", "name", "role", "stance", "reason", "updated"]).map_err(fail)?;
            for v in all_votes(&state, &study).await? {
                w.write_record([
                    cell(&v.option),
                    v.participant.to_string(),
                    cell(&v.name),
                    v.role,
                    v.stance,
                    cell(&v.reason),
                    v.updated,
                ])
                .map_err(fail)?;
            }
        }
        "audit.csv" => {
            w.write_record(["id", "at", "actor", "actor_role", "action", "target", "before", "after"]).map_err(fail)?;
            for a in audit_rows(&state, &study).await? {
                w.write_record([
                    a.id.to_string(),
                    a.at,
                    cell(&a.actor),
                    a.actor_role,
                    a.action,
                    cell(&a.target),
                    cell(a.before.as_deref().unwrap_or("")),
                    cell(a.after.as_deref().unwrap_or("")),
                ])
                .map_err(fail)?;
            }
        }
        _ => return Err(ApiError::not_found("export tables are comments.csv, votes.csv and audit.csv")),
    }
    let bytes =
        w.into_inner().map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "export failed"))?;
    Ok(download(bytes, "text/csv; charset=utf-8", &format!("{}-{table}", study.id)))
}

/// A cell a spreadsheet shows as text: one starting with `=`, `+`, `-`, `@` or a tab would run
/// as a formula, so it gets a leading apostrophe.
pub(crate) fn cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_owned() }
}

async fn follow_meeting(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let study = find_study(&state, &id).await?;
    let mut meetings = state.meetings.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if !meetings.contains_key(&study.id) && meetings.len() >= MAX_CHANNELS {
        return Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "busy", "too many meetings at once; try later"));
    }
    Ok(meetings.entry(study.id.clone()).or_default().follow().into_response())
}

async fn present(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Writer(p): Writer,
    Input(body): Input<Presented>,
) -> Result<Response, ApiError> {
    let study = find_study(&state, &id).await?;
    if !matches!(p.role, Role::Official | Role::Researcher) {
        return Err(ApiError::forbidden("only officials and researchers present in meeting mode"));
    }
    must_be_admitted(&p, &study)?;
    for option in std::iter::once(&body.option).chain(body.compare.as_ref()) {
        if study.run(option, body.seed).is_none() {
            return Err(ApiError::field("option", "and seed name no run of this study"));
        }
    }
    if !(body.speed.is_finite() && (0.0..=600.0).contains(&body.speed)) || body.t_ms > study.duration_ms {
        return Err(ApiError::field("speed/t_ms", "must be a speed from 0 to 600 and a moment within the run"));
    }
    if body.view.is_some_and(|v| v.iter().any(|x| !x.is_finite())) {
        return Err(ApiError::field("view", "must be three finite numbers"));
    }
    let mut meetings = state.meetings.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if !meetings.contains_key(&study.id) && meetings.len() >= MAX_CHANNELS {
        return Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "busy", "too many meetings at once; try later"));
    }
    let sent = meetings.entry(study.id.clone()).or_default().present(body, &p.name);
    Ok(Json(sent).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_would_run_as_formulas_are_text() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("+1"), "'+1");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("歩道が狭い"), "歩道が狭い");
    }

    #[test]
    fn deep_links_name_the_moment_the_place_and_the_comment() {
        assert_eq!(
            deep_link("demo", "zone-30", 2, 61_500, [12.25, -3.0], Some(7)),
            "/studies/demo?option=zone-30&seed=2&t=61500&x=12.2&y=-3.0#comment-7"
        );
    }
}

//! The HTTP API under `/api` and the pages around it. Reads are open to anyone who can reach
//! the service (a town's deliberation is public); every change needs a session (an invite
//! link or an account), its CSRF token and room in the rate limits, and runs in one transaction
//! with its audit row.
//!
//! The handlers live by subject (`people`, `studies`, `comments`, `votes`, `record`,
//! `meeting`) and share this module's imports and helpers; the router below names them all.

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

mod comments;
mod meeting;
mod people;
mod record;
mod studies;
mod votes;

pub(crate) use comments::run_comments;
use comments::*;
use meeting::*;
use people::*;
use record::*;
use studies::*;
use votes::*;

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

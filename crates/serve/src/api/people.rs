//! Who takes part: who the session is, joining by an invite link, signing in and out, and
//! the invite links officials make.

use super::*;

#[derive(Serialize)]
pub(super) struct Me<'a> {
    name: &'a str,
    role: &'static str,
    study: Option<&'a str>,
    csrf: &'a str,
}

pub(super) fn me_json(p: &Participant) -> Json<Me<'_>> {
    Json(Me { name: &p.name, role: p.role.key(), study: p.study.as_deref(), csrf: &p.csrf })
}

/// Who the session belongs to, or `null` without one (a page asks before it knows; a refusal
/// would read as an error in every browser console).
pub(super) async fn me(MaybeParticipant(p): MaybeParticipant) -> Response {
    match p {
        Some(p) => me_json(&p).into_response(),
        None => Json(serde_json::Value::Null).into_response(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct JoinBody {
    token: String,
    name: String,
}

/// Someone opens an invite link and picks the name they speak under.
pub(super) async fn join(
    State(state): State<AppState>,
    _: Anonymous,
    Input(body): Input<JoinBody>,
) -> Result<Response, ApiError> {
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
pub(super) async fn session_response(state: &AppState, participant: i64) -> Result<Response, ApiError> {
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
pub(super) struct LoginBody {
    name: String,
    password: String,
}

pub(super) async fn login(
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
pub(super) async fn logout(State(state): State<AppState>, _: Writer, headers: HeaderMap) -> Result<Response, ApiError> {
    let token = auth::cookie_token(&headers);
    auth::close_session(&state.db, token.as_deref()).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    if let Ok(v) = HeaderValue::from_str(&auth::session_cookie("")) {
        response.headers_mut().insert(SET_COOKIE, v);
    }
    Ok(response)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct InviteBody {
    role: String,
}

pub(super) async fn invite(
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

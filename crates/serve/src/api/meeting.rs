//! Meeting mode over HTTP: the presenter's state in, every follower's event stream out.

use super::*;

pub(super) async fn follow_meeting(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let study = find_study(&state, &id).await?;
    let mut meetings = state.meetings.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if !meetings.contains_key(&study.id) && meetings.len() >= MAX_CHANNELS {
        return Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "busy", "too many meetings at once; try later"));
    }
    Ok(meetings.entry(study.id.clone()).or_default().follow().into_response())
}

pub(super) async fn present(
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

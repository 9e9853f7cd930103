//! The record for officials: the audit log, the summary (where, when and who), and the export
//! of comments, votes and audit log as JSON and CSV.

use super::*;

/// One row of the audit log.
#[derive(Serialize)]
pub(super) struct AuditOut {
    pub(super) id: i64,
    pub(super) at: String,
    pub(super) actor: String,
    pub(super) actor_role: String,
    pub(super) action: String,
    pub(super) target: String,
    pub(super) before: Option<String>,
    pub(super) after: Option<String>,
}

pub(super) async fn audit_rows(state: &AppState, study: &Study) -> Result<Vec<AuditOut>, ApiError> {
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
pub(super) async fn official_study(
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

pub(super) async fn audit_log(
    State(state): State<AppState>,
    Path(id): Path<String>,
    MaybeParticipant(p): MaybeParticipant,
) -> Result<Response, ApiError> {
    let study = official_study(&state, &id, p, "read the audit log").await?;
    Ok(Json(audit_rows(&state, &study).await?).into_response())
}

/// The officials' summary: where comments were pinned (a grid of counts), at what hour of the
/// run's day, support and concern per option and role, and the KPIs with their intervals.
pub(super) async fn summary(
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

pub(super) fn download(body: Vec<u8>, content_type: &'static str, file: &str) -> Response {
    let mut response = body.into_response();
    let h = response.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        h.insert(CONTENT_DISPOSITION, v);
    }
    response
}

/// Everything for the official record as one JSON file.
pub(super) async fn export_json(
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
pub(super) async fn export_csv(
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
}

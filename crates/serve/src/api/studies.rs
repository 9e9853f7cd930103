//! The hosted studies: the list, one study with its runs and KPIs, paired comparisons, and
//! the replays (whole or in ranges).

use super::*;

#[derive(Serialize)]
pub(super) struct StudyListItem {
    id: String,
    title: String,
    scenario: String,
    added: String,
}

pub(super) async fn list_studies(State(state): State<AppState>) -> Result<Json<Vec<StudyListItem>>, ApiError> {
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

pub(super) async fn study_info(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
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
pub(super) struct CompareQuery {
    baseline: String,
    variant: String,
}

pub(super) async fn compare(
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

pub(super) async fn replay(
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

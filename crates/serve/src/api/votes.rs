//! Support or concern for each option, one per participant and option, with a reason.

use super::*;

/// Support or concern for an option.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Stance {
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
pub(super) struct VoteBody {
    stance: Stance,
    reason: String,
}

/// Marks support or concern for an option with a reason; a second mark replaces the first,
/// and the audit log keeps both.
pub(super) async fn vote(
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
pub(super) struct Tally {
    option: String,
    role: &'static str,
    support: i64,
    concern: i64,
}

pub(super) async fn tallies(state: &AppState, study: &Study) -> Result<Vec<Tally>, ApiError> {
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

pub(super) async fn votes(
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

#[derive(Serialize)]
pub(super) struct VoteOut {
    pub(super) option: String,
    pub(super) participant: i64,
    pub(super) name: String,
    pub(super) role: String,
    pub(super) stance: String,
    pub(super) reason: String,
    pub(super) updated: String,
}

pub(super) async fn all_votes(state: &AppState, study: &Study) -> Result<Vec<VoteOut>, ApiError> {
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

//! Comments pinned to a place and a moment of a run: reading, writing, replying, and the
//! officials' hiding and restoring with a reason.

use super::*;

/// A comment as the API shows it: its words (withheld from non-officials when hidden, with the
/// reason shown instead), who said them in what role, and its evidence: study, option, seed,
/// replay hash, moment and place, and a link that opens the player there.
#[derive(Serialize)]
pub(crate) struct CommentOut {
    pub(super) id: i64,
    pub(super) reply_to: Option<i64>,
    pub(super) study: String,
    pub(super) option: String,
    pub(super) seed: u64,
    pub(super) replay_hash: String,
    pub(super) t_ms: u64,
    pub(super) place: [f64; 2],
    pub(super) author: String,
    pub(super) role: &'static str,
    pub(super) text: Option<String>,
    pub(super) created: String,
    pub(super) hidden: Option<HiddenOut>,
    pub(super) link: String,
}

#[derive(Serialize)]
pub(super) struct HiddenOut {
    pub(super) by: String,
    pub(super) reason: String,
    pub(super) at: String,
}

/// The columns a comment is read with; a macro, so queries stay `&'static str` that sqlx
/// knows hold no input.
macro_rules! comment_columns {
    () => {
        "id, study, reply_to, author, role, option_name, seed, replay_hash, t_ms, x_m, y_m, text, created_s, hidden_by, \
         hidden_reason, hidden_s"
    };
}

pub(super) fn comment_out(r: &AnyRow, show_hidden_text: bool) -> Result<CommentOut, sqlx::Error> {
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

pub(super) async fn list_comments(
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
pub(super) struct NewComment {
    #[serde(default)]
    reply_to: Option<i64>,
    option: String,
    seed: u64,
    t_ms: u64,
    place: [f64; 2],
    text: String,
}

pub(super) async fn post_comment(
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
pub(super) struct Reason {
    reason: String,
}

pub(super) async fn hide_comment(
    State(state): State<AppState>,
    Path((id, comment)): Path<(String, i64)>,
    Writer(p): Writer,
    Input(body): Input<Reason>,
) -> Result<Response, ApiError> {
    moderate(&state, &id, comment, &p, &body.reason, true).await
}

pub(super) async fn restore_comment(
    State(state): State<AppState>,
    Path((id, comment)): Path<(String, i64)>,
    Writer(p): Writer,
    Input(body): Input<Reason>,
) -> Result<Response, ApiError> {
    moderate(&state, &id, comment, &p, &body.reason, false).await
}

/// Hides a comment or shows it again, with a reason that stays in the audit log for good.
pub(super) async fn moderate(
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

pub(super) async fn all_comments(state: &AppState, study: &Study) -> Result<Vec<CommentOut>, ApiError> {
    let rows =
        sqlx::query(concat!("SELECT ", comment_columns!(), " FROM comments WHERE study = $1 ORDER BY id LIMIT $2"))
            .bind(&study.id)
            .bind(MAX_LIST)
            .fetch_all(&state.db.pool)
            .await?;
    Ok(rows.iter().map(|r| comment_out(r, true)).collect::<Result<_, _>>()?)
}

/// The comments pinned to one run, in the model the player reads. A hidden comment's words stay
/// out of the page; who hid it and why show.
pub(crate) async fn run_comments(
    state: &AppState,
    study: &str,
    option: &str,
    seed: u64,
) -> Result<Vec<pilotzone_comments::Comment>, ApiError> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        comment_columns!(),
        " FROM comments WHERE study = $1 AND option_name = $2 AND seed = $3 ORDER BY id LIMIT $4"
    ))
    .bind(study)
    .bind(option)
    .bind(i64::try_from(seed).unwrap_or(i64::MAX))
    .bind(MAX_LIST)
    .fetch_all(&state.db.pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let c = comment_out(r, false)?;
        let hidden = c.hidden.map(|h| pilotzone_comments::Hidden {
            by: h.by,
            reason: h.reason,
            at: Timestamp { unix_s: r.try_get::<Option<i64>, _>("hidden_s").ok().flatten().unwrap_or(0) },
        });
        out.push(pilotzone_comments::Comment {
            id: c.id.max(0) as u64,
            reply_to: c.reply_to.map(|v| v.max(0) as u64),
            replay_hash: c.replay_hash,
            option: c.option,
            seed: Some(c.seed),
            t_ms: c.t_ms,
            place: pilotzone_comments::Place { x_m: c.place[0], y_m: c.place[1] },
            author: c.author,
            role: Role::from_key(c.role).unwrap_or(Role::Resident),
            text: c.text.unwrap_or_default(),
            created: Timestamp { unix_s: r.try_get("created_s")? },
            hidden,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_links_name_the_moment_the_place_and_the_comment() {
        assert_eq!(
            deep_link("demo", "zone-30", 2, 61_500, [12.25, -3.0], Some(7)),
            "/studies/demo?option=zone-30&seed=2&t=61500&x=12.2&y=-3.0#comment-7"
        );
    }
}

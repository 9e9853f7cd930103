//! The audit log: every change anyone makes (a comment, a reply, a vote, a hidden comment, an
//! invite, an account) is a row with who, in what role, when, what, and the value before and
//! after, written in the same transaction as the change, so the log and the data never part.

use crate::db::WriteTx;
use crate::now_s;

/// Adds a row to the audit log inside the change's own transaction.
pub async fn record(
    tx: &mut WriteTx,
    study: Option<&str>,
    actor: &str,
    actor_role: &str,
    action: &str,
    target: &str,
    before: Option<&str>,
    after: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit (study, at_s, actor, actor_role, action, target, before_value, after_value) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(study)
    .bind(now_s())
    .bind(actor)
    .bind(actor_role)
    .bind(action)
    .bind(target)
    .bind(before)
    .bind(after)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

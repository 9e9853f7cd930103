//! Who is speaking. People take part through a per-study invite link for their role (a resident
//! picks a pseudonym; the role is always shown) or through an account (officials, researchers)
//! whose password is stored as an argon2 hash. Either way they get a session: a random token in
//! an `HttpOnly`, `SameSite=Strict` cookie, and a second random token for the `X-PZ-CSRF`
//! header that every change must carry. The database keeps only SHA-256 hashes of tokens, so a
//! copy of it opens no session.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use pilotzone_comments::{MAX_AUTHOR_CHARS, Role, check_line};
use sha2::{Digest as _, Sha256};
use sqlx::Row as _;

use crate::{ApiError, AppState, Db, ServeError, now_s};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "pz_session";
/// The header that carries the session's CSRF token on every change.
pub const CSRF_HEADER: &str = "x-pz-csrf";
/// How long a session lasts, s.
pub const SESSION_S: i64 = 30 * 24 * 3600;
/// Fewest characters in a password.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Most characters in a password (argon2 would take more, but nobody types them).
pub const MAX_PASSWORD_CHARS: usize = 256;

/// A random token: 32 bytes from the operating system, URL-safe base64.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source answers");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database keeps of a token.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares two secrets in time that does not depend on where they differ.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// An argon2id hash of `password`, in PHC form.
pub fn hash_password(password: &str) -> Result<String, ServeError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).expect("the operating system's random source answers");
    let salt = SaltString::encode_b64(&salt).map_err(|e| ServeError::Invalid(format!("salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ServeError::Invalid(format!("cannot hash the password: {e}")))
}

/// Whether `password` matches the stored hash.
fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// Checks a new password's length.
pub fn check_password(password: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(format!("a password needs at least {MIN_PASSWORD_CHARS} characters (this one has {chars})"));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(format!("a password may have at most {MAX_PASSWORD_CHARS} characters"));
    }
    Ok(())
}

/// Someone with a session.
#[derive(Clone, Debug)]
pub struct Participant {
    /// Their number.
    pub id: i64,
    /// Name or pseudonym, shown with their words.
    pub name: String,
    /// Their role, always shown.
    pub role: Role,
    /// The study an invite admitted them to; `None` for an account, which reaches every study.
    pub study: Option<String>,
    /// The session's CSRF token.
    pub csrf: String,
}

impl Participant {
    /// Whether they may speak in `study`.
    pub fn admitted_to(&self, study: &str) -> bool {
        self.study.as_deref().is_none_or(|s| s == study)
    }

    /// Refuses unless they are an official.
    pub fn must_be_official(&self, what: &str) -> Result<(), ApiError> {
        if self.role == Role::Official {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!("only officials may {what}; you take part as {}", self.role.key())))
        }
    }
}

/// The session token in a request's cookies, if any.
fn session_token(parts: &Parts) -> Option<&str> {
    token_in(&parts.headers)
}

fn token_in(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(SESSION_COOKIE)?.strip_prefix('='))
}

/// The participant behind a session token, if the session is live.
pub(crate) async fn participant_by_token(db: &Db, token: &str) -> Result<Option<Participant>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT p.id, p.name, p.role, p.study, s.csrf FROM sessions s JOIN participants p ON p.id = s.participant \
         WHERE s.token_hash = $1 AND s.expires_s > $2",
    )
    .bind(token_hash(token))
    .bind(now_s())
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let role: String = row.try_get("role")?;
    Ok(Role::from_key(&role).map(|role| Participant {
        id: row.try_get("id").unwrap_or_default(),
        name: row.try_get("name").unwrap_or_default(),
        role,
        study: row.try_get("study").ok().flatten(),
        csrf: row.try_get("csrf").unwrap_or_default(),
    }))
}

/// The participant of a request, or nobody: for pages and reads, which anyone may see.
pub struct MaybeParticipant(pub Option<Participant>);

impl FromRequestParts<AppState> for MaybeParticipant {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        match session_token(parts) {
            Some(token) => Ok(MaybeParticipant(participant_by_token(&state.db, token).await?)),
            None => Ok(MaybeParticipant(None)),
        }
    }
}

/// A participant making a change: a live session, the session's CSRF token in `X-PZ-CSRF`, and
/// within the rate limits for them and their address.
pub struct Writer(pub Participant);

impl FromRequestParts<AppState> for Writer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = session_token(parts).ok_or_else(ApiError::unauthenticated)?;
        let participant = participant_by_token(&state.db, token).await?.ok_or_else(ApiError::unauthenticated)?;
        let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
        if !same_secret(sent, &participant.csrf) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "csrf",
                "this change lacks the page's CSRF token (header X-PZ-CSRF); reload the page and try again",
            ));
        }
        state.limits.check_participant(participant.id)?;
        state.limits.check_address(crate::limits::address(parts))?;
        Ok(Writer(participant))
    }
}

/// A change made before there is a session (joining, signing in): it must still carry the
/// `X-PZ-CSRF` header, which a page of another site cannot send here, and it is rate-limited
/// by address, which slows password guessing.
pub struct Anonymous;

impl FromRequestParts<AppState> for Anonymous {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if parts.headers.get(CSRF_HEADER).is_none() {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "csrf",
                "this request lacks the X-PZ-CSRF header the service's own pages send; use the page",
            ));
        }
        state.limits.check_address(crate::limits::address(parts))?;
        Ok(Anonymous)
    }
}

/// A new session for `participant`: the cookie's token and the CSRF token.
pub async fn open_session(db: &Db, participant: i64) -> Result<(String, String), sqlx::Error> {
    let (token, csrf) = (random_token(), random_token());
    let now = now_s();
    // Expired sessions open nothing; clearing them here keeps the table to the live ones.
    sqlx::query("DELETE FROM sessions WHERE expires_s <= $1").bind(now).execute(&db.pool).await?;
    sqlx::query(
        "INSERT INTO sessions (token_hash, participant, csrf, created_s, expires_s) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash(&token))
    .bind(participant)
    .bind(&csrf)
    .bind(now)
    .bind(now + SESSION_S)
    .execute(&db.pool)
    .await?;
    Ok((token, csrf))
}

/// Ends a session.
pub async fn close_session(db: &Db, parts_token: Option<&str>) -> Result<(), sqlx::Error> {
    if let Some(token) = parts_token {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash(token)).execute(&db.pool).await?;
    }
    Ok(())
}

/// The cookie that carries a session, or (with an empty token) ends it.
pub fn session_cookie(token: &str) -> String {
    let max_age = if token.is_empty() { 0 } else { SESSION_S };
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}")
}

/// The token of a request's session cookie, for signing out.
pub fn cookie_token(headers: &axum::http::HeaderMap) -> Option<String> {
    token_in(headers).map(str::to_owned)
}

/// Creates an account (`pilotzone serve account add`): officials and researchers sign in with
/// one. The name must be new.
pub async fn create_account(db: &Db, name: &str, role: Role, password: &str) -> Result<i64, ServeError> {
    check_line(name, MAX_AUTHOR_CHARS).map_err(|e| ServeError::Invalid(format!("--name {e}")))?;
    check_password(password).map_err(ServeError::Invalid)?;
    let exists = sqlx::query("SELECT id FROM accounts WHERE name = $1").bind(name).fetch_optional(&db.pool).await?;
    if exists.is_some() {
        return Err(ServeError::Invalid(format!("an account named \"{name}\" exists already; choose another --name")));
    }
    let hash = hash_password(password)?;
    let now = now_s();
    let mut tx = db.write().await?;
    let id: i64 =
        sqlx::query("INSERT INTO accounts (name, role, password_hash, created_s) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(name)
            .bind(role.key())
            .bind(&hash)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?
            .try_get("id")?;
    sqlx::query("INSERT INTO participants (name, role, account, study, created_s) VALUES ($1, $2, $3, NULL, $4)")
        .bind(name)
        .bind(role.key())
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    crate::audit::record(
        &mut tx,
        None,
        "pilotzone serve account add",
        "command",
        "account.create",
        name,
        None,
        Some(role.key()),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The participant of the account with this name and password, or `None`. An unknown name
/// costs the same hashing as a wrong password, so timing does not tell which names exist.
pub async fn sign_in(db: &Db, name: &str, password: &str) -> Result<Option<i64>, ApiError> {
    let row = sqlx::query(
        "SELECT a.password_hash, p.id FROM accounts a JOIN participants p ON p.account = a.id WHERE a.name = $1",
    )
    .bind(name)
    .fetch_optional(&db.pool)
    .await?;
    let (stored, participant) = match &row {
        Some(row) => (row.try_get::<String, _>("password_hash")?, Some(row.try_get::<i64, _>("id")?)),
        None => (DUMMY_HASH.to_owned(), None),
    };
    let password = password.to_owned();
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &stored)).await.map_err(|_| {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "password check failed; try again")
    })?;
    Ok(participant.filter(|_| ok))
}

/// An argon2id hash of a password nobody has, checked against when a name is unknown.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0Wz3NLzX0hZ+0gBrX9W9qVK0xDHHzU1FxRsXl0U7Fbw";

/// A new invite link's token for `role` in `study`, recorded with who made it.
pub async fn create_invite(db: &Db, study: &str, role: Role, by: &str) -> Result<String, sqlx::Error> {
    let token = random_token();
    let mut tx = db.write().await?;
    sqlx::query("INSERT INTO invites (token_hash, study, role, created_by, created_s) VALUES ($1, $2, $3, $4, $5)")
        .bind(token_hash(&token))
        .bind(study)
        .bind(role.key())
        .bind(by)
        .bind(now_s())
        .execute(&mut *tx)
        .await?;
    crate::audit::record(&mut tx, Some(study), by, "official", "invite.create", role.key(), None, None).await?;
    tx.commit().await?;
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_stored_only_as_hashes() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43, "32 bytes in URL-safe base64");
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        assert_eq!(token_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn passwords_verify_against_their_hash_only() {
        let hash = hash_password("correct horse battery").expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterY", &hash));
        assert!(!verify_password("anything", DUMMY_HASH));
        assert!(PasswordHash::new(DUMMY_HASH).is_ok(), "the stand-in hash parses, so it costs a real check");
        assert!(check_password("short").is_err());
        assert!(check_password("twelve chars").is_ok());
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
        assert!(!same_secret("", "x"));
    }
}

//! The pages: the list of hosted studies, and a study's player — the web player of
//! `pilotzone export html`, with the chosen option and seed (or two options side by side, with
//! the study's paired intervals) and the comments people pinned to those runs.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::HeaderValue;
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use pilotzone_comments::Role;
use pilotzone_replay::Lang;
use serde::Deserialize;
use sqlx::Row as _;

use crate::{ApiError, AppState};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/studies/{study}", get(player))
        .route("/join/{token}", get(join_page))
        .route("/signin", get(signin_page))
}

/// The style of the small pages (list, joining, signing in).
const FORM_STYLE: &str = "body{font:18px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:32rem;padding:0 1rem;color:#1b1b1b}\
label{display:block;margin:.8rem 0 .2rem}input{font:inherit;width:100%;padding:.4rem;border:1px solid #999;border-radius:6px}\
button{font:inherit;margin-top:1rem;padding:.5rem 1.2rem;border-radius:6px;border:1px solid #0072b2;background:#0072b2;color:#fff}\
.muted{color:#555}.error{color:#8a3a00;min-height:1.5em}";

/// The script of the small pages: sends the form as JSON with the CSRF header, then goes on.
const FORM_SCRIPT: &str = r#"(() => {
  "use strict";
  const form = document.getElementById("form");
  const error = document.getElementById("error");
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    const body = Object.fromEntries([...form.querySelectorAll("input")].map((i) => [i.name, i.value]));
    try {
      const r = await fetch(form.dataset.action, {
        method: "POST",
        credentials: "same-origin",
        headers: { "content-type": "application/json", "x-pz-csrf": "page" },
        body: JSON.stringify(body),
      });
      const json = await r.json();
      if (!r.ok) throw new Error(json.error ? json.error.message : String(r.status));
      const next = form.dataset.next;
      location.assign(next.startsWith("/") && !next.startsWith("//") ? next : "/");
    } catch (err) {
      error.textContent = err.message;
    }
  });
})();"#;

/// A small bilingual page with one form, under a policy that admits only its own style and
/// script and lets it talk to this service.
fn form_page(title: &str, intro: &str, action: &str, next: &str, fields: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"ja\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title} — pilotzone</title>\
<style>{FORM_STYLE}</style></head><body><h1>{title}</h1><p>{intro}</p>\
<form id=\"form\" data-action=\"{}\" data-next=\"{}\">{fields}<button type=\"submit\">送信 Send</button>\
<p id=\"error\" class=\"error\" role=\"alert\"></p></form><script>{FORM_SCRIPT}</script></body></html>",
        escape(action),
        escape(next)
    );
    let csp = format!(
        "default-src 'none'; script-src '{}'; style-src '{}'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'",
        pilotzone_web::csp_source(FORM_SCRIPT),
        pilotzone_web::csp_source(FORM_STYLE)
    );
    let mut response = Html(html).into_response();
    if let Ok(v) = HeaderValue::from_str(&csp) {
        response.headers_mut().insert(CONTENT_SECURITY_POLICY, v);
    }
    response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// An invite link: the study and role it admits to, and the name to speak under.
async fn join_page(State(state): State<AppState>, Path(token): Path<String>) -> Result<Response, ApiError> {
    let invalid = || ApiError::not_found("this invite link is not valid; ask the organisers for a new one");
    if token.len() > 100 {
        return Err(invalid());
    }
    let row = sqlx::query(
        "SELECT i.study, i.role, s.title FROM invites i JOIN studies s ON s.id = i.study WHERE i.token_hash = $1 AND i.revoked_s IS NULL",
    )
    .bind(crate::token_hash(&token))
    .fetch_optional(&state.db.pool)
    .await?
    .ok_or_else(invalid)?;
    let (study, role, title): (String, String, String) =
        (row.try_get("study")?, row.try_get("role")?, row.try_get("title")?);
    let role_names = Role::from_key(&role).map(Role::names).unwrap_or(Role::Resident.names());
    let intro = format!(
        "「{}」の話し合いに{}として参加します。表示される名前（ペンネーム可）を決めてください。役割はいつも名前と一緒に表示されます。<br>\
<span class=\"muted\">You join the deliberation on “{}” as {}. Choose the name shown with your words (a pseudonym is fine); your role is always shown with it.</span>",
        escape(&title),
        role_names.ja,
        escape(&title),
        role_names.en
    );
    let fields = format!(
        "<input type=\"hidden\" name=\"token\" value=\"{}\"><label for=\"name\">名前 Name</label>\
<input id=\"name\" name=\"name\" maxlength=\"80\" required autocomplete=\"nickname\">",
        escape(&token)
    );
    Ok(form_page("参加 Join", &intro, "/api/join", &format!("/studies/{study}"), &fields))
}

#[derive(Deserialize)]
struct SigninQuery {
    next: Option<String>,
}

/// Signing in with an account (officials and researchers).
async fn signin_page(Query(q): Query<SigninQuery>) -> Response {
    let next =
        q.next.filter(|n| n.starts_with('/') && !n.starts_with("//") && n.len() < 500).unwrap_or_else(|| "/".into());
    let fields = "<label for=\"name\">名前 Name</label><input id=\"name\" name=\"name\" maxlength=\"80\" required autocomplete=\"username\">\
<label for=\"password\">パスワード Password</label><input id=\"password\" name=\"password\" type=\"password\" maxlength=\"256\" required autocomplete=\"current-password\">";
    form_page(
        "ログイン Sign in",
        "行政・研究者のアカウントでログインします。 <span class=\"muted\">Sign in with an official's or researcher's account.</span>",
        "/api/login",
        &next,
        fields,
    )
}

/// Text made safe to stand between HTML tags or inside a quoted attribute.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const INDEX_STYLE: &str = "body{font:18px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:48rem;padding:0 1rem;color:#1b1b1b}\
a{color:#0050a0}li{margin:.5rem 0}.muted{color:#555}";

async fn index(State(state): State<AppState>) -> Result<Response, ApiError> {
    let rows =
        sqlx::query("SELECT id, title, scenario FROM studies ORDER BY added_s, id").fetch_all(&state.db.pool).await?;
    let mut items = String::new();
    for r in &rows {
        let (id, title, scenario): (String, String, String) =
            (r.try_get("id")?, r.try_get("title")?, r.try_get("scenario")?);
        items.push_str(&format!(
            "<li><a href=\"/studies/{}\">{}</a> <span class=\"muted\">({})</span></li>",
            escape(&id),
            escape(&title),
            escape(&scenario)
        ));
    }
    if rows.is_empty() {
        items.push_str(
            "<li class=\"muted\">まだ検討案はありません。 No study is hosted yet (pilotzone serve study add).</li>",
        );
    }
    let style_hash = pilotzone_web::csp_source(INDEX_STYLE);
    let html = format!(
        "<!doctype html><html lang=\"ja\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>pilotzone — 検討案 Studies</title>\
<style>{INDEX_STYLE}</style></head><body><h1>検討案 <span class=\"muted\">Studies</span></h1><ul>{items}</ul></body></html>"
    );
    let mut response = Html(html).into_response();
    if let Ok(v) =
        HeaderValue::from_str(&format!("default-src 'none'; style-src '{style_hash}'; frame-ancestors 'none'"))
    {
        response.headers_mut().insert(CONTENT_SECURITY_POLICY, v);
    }
    Ok(response)
}

#[derive(Deserialize)]
struct PlayerQuery {
    option: Option<String>,
    seed: Option<u64>,
    compare: Option<String>,
    lang: Option<String>,
}

/// The player for one option and seed, or two options side by side.
async fn player(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<PlayerQuery>,
) -> Result<Response, ApiError> {
    let study = state.study(&id).await?.ok_or_else(|| ApiError::not_found("no study by that id is hosted here"))?;
    let option = q.option.unwrap_or_else(|| study.options()[0].to_owned());
    let seed = q.seed.unwrap_or(study.manifest.seeds[0]);
    let mut options = vec![option];
    options.extend(q.compare.filter(|c| c != &options[0]));
    let mut paths = Vec::new();
    for o in &options {
        paths.push(study.replay_path(o, seed).ok_or_else(|| {
            ApiError::not_found(format!(
                "the study has no run of that option and seed; its options are {}",
                study.options().join(", ")
            ))
        })?);
    }
    let lang = match q.lang.as_deref() {
        Some("en") => Lang::En,
        _ => Lang::Ja,
    };
    // The comments of these runs, from the database, in the model the player reads.
    let mut pinned = Vec::new();
    for o in &options {
        pinned.push(crate::api::run_comments(&state, &study.id, o, seed).await?);
    }
    let dir = study.dir.clone();
    let live = pilotzone_web::Live {
        study: study.id.clone(),
        options: options.clone(),
        seed,
        all_options: study.options().iter().map(|o| (*o).to_owned()).collect(),
        seeds: study.manifest.seeds.clone(),
    };
    let html = tokio::task::spawn_blocking(move || -> Result<String, String> {
        let mut runs = Vec::new();
        for (path, comments) in paths.iter().zip(pinned) {
            let mut run = pilotzone_web::Run::load(path).map_err(|e| e.to_string())?;
            run.comments.comments = comments;
            runs.push(run);
        }
        let comparison = match &runs[..] {
            [a, b] => Some(pilotzone_web::StudyComparison::new(&dir, a, b).map_err(|e| e.to_string())?),
            _ => None,
        };
        pilotzone_web::live_page(&runs, comparison.as_ref(), lang, &live).map_err(|e| e.to_string())
    })
    .await
    .map_err(|_| {
        ApiError::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, "internal", "the page could not be made")
    })?
    .map_err(|e| {
        crate::log(&format!("study {}: page failed: {e}", study.id));
        ApiError::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "study_damaged",
            "this run's replay cannot be read on the server",
        )
    })?;
    let mut response = Html(html).into_response();
    // The page carries its own Content-Security-Policy; answer with the same frame rule.
    response.headers_mut().insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static("frame-ancestors 'none'"));
    response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_text_stays_text() {
        assert_eq!(
            escape("<img src=x onerror=\"alert('1')\">&"),
            "&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;"
        );
    }
}

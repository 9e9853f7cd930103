//! The service's API, request by request, against SQLite and against a real PostgreSQL.
//!
//! Every scenario below runs twice: on SQLite in a temporary data folder, and on a fresh
//! database of the PostgreSQL server named by `PILOTZONE_TEST_POSTGRES` (an admin URL such as
//! `postgres://postgres@127.0.0.1/postgres`; each test makes and drops its own database). CI
//! sets it and `PILOTZONE_REQUIRE_POSTGRES=1`, so there the PostgreSQL runs cannot be skipped.

use std::path::{Path, PathBuf};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt as _;
use pilotzone_comments::Role;
use pilotzone_serve::{AppState, CSRF_HEADER, Config, Limits};
use serde_json::{Value, json};
use tower::ServiceExt as _;

const STUDY: &str = "demo-study";

fn fixture_study() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/compare-study")
}

/// A service with the fixture study hosted and an official's account, on one database.
struct Fixture {
    state: AppState,
    router: Router,
    _data: tempfile::TempDir,
    db_url: Option<String>,
    pg: Option<PgDatabase>,
}

/// A database made on the test PostgreSQL server for one test, dropped afterwards.
struct PgDatabase {
    admin: String,
    name: String,
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        // The test's own runtime is ending; a small one drops the database.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(async {
                sqlx::any::install_default_drivers();
                if let Ok(pool) = sqlx::AnyPool::connect(&admin).await {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                        .execute(&pool)
                        .await;
                }
            });
        })
        .join();
    }
}

#[derive(Clone, Copy, Debug)]
enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL admin URL, or `None` to skip (refused where PostgreSQL is required).
fn postgres_admin() -> Option<String> {
    match std::env::var("PILOTZONE_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("PILOTZONE_REQUIRE_POSTGRES").is_err(),
                "PILOTZONE_REQUIRE_POSTGRES is set but PILOTZONE_TEST_POSTGRES names no server"
            );
            None
        }
    }
}

async fn fixture(backend: Backend) -> Option<Fixture> {
    fixture_with(backend, Limits::default()).await
}

async fn fixture_with(backend: Backend, limits: Limits) -> Option<Fixture> {
    let data = tempfile::tempdir().expect("temp dir");
    let (db_url, pg) = match backend {
        Backend::Sqlite => (None, None),
        Backend::Postgres => {
            let admin = postgres_admin()?;
            sqlx::any::install_default_drivers();
            let name =
                format!("pz_test_{}", pilotzone_serve::token_hash(&format!("{:?}", data.path()))[..16].to_owned());
            let pool = sqlx::AnyPool::connect(&admin).await.expect("the test PostgreSQL server answers");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&pool)
                .await
                .expect("create database");
            let url = match admin.rsplit_once('/') {
                Some((server, _)) => format!("{server}/{name}"),
                None => panic!("PILOTZONE_TEST_POSTGRES must end in /DATABASE"),
            };
            (Some(url), Some(PgDatabase { admin, name }))
        }
    };
    let config = Config { data: data.path().to_owned(), db: db_url.clone(), limits };
    let state = AppState::open(&config).await.expect("the service opens");
    pilotzone_serve::add_study(&state, &fixture_study(), STUDY, "test").await.expect("the fixture study is hosted");
    pilotzone_serve::create_account(&state.db, "Tanaka", Role::Official, "a long enough password")
        .await
        .expect("account");
    let router = pilotzone_serve::router(state.clone());
    Some(Fixture { state, router, _data: data, db_url, pg })
}

/// One person's browser: their session cookie and CSRF token.
#[derive(Clone, Default)]
struct Person {
    cookie: Option<String>,
    csrf: Option<String>,
}

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    fn code(&self) -> String {
        self.json()["error"]["code"].as_str().unwrap_or("").to_owned()
    }
}

impl Fixture {
    async fn call(&self, who: &Person, method: &str, path: &str, body: Option<Value>, csrf: bool) -> Answer {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(c) = &who.cookie {
            req = req.header("cookie", c);
        }
        if csrf {
            req = req.header(CSRF_HEADER, who.csrf.clone().unwrap_or_else(|| "page".into()));
        }
        let req = match body {
            Some(b) => req.header("content-type", "application/json").body(Body::from(b.to_string())),
            None => req.body(Body::empty()),
        }
        .expect("request");
        self.send(req).await
    }

    async fn send(&self, req: Request<Body>) -> Answer {
        let response = self.router.clone().oneshot(req).await.expect("the router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.expect("body").to_bytes().to_vec();
        Answer { status, headers, body }
    }

    async fn get(&self, who: &Person, path: &str) -> Answer {
        self.call(who, "GET", path, None, false).await
    }

    async fn post(&self, who: &Person, path: &str, body: Value) -> Answer {
        self.call(who, "POST", path, Some(body), true).await
    }

    async fn put(&self, who: &Person, path: &str, body: Value) -> Answer {
        self.call(who, "PUT", path, Some(body), true).await
    }

    /// A person who opened an invite link for `role` and took the name `name`.
    async fn join(&self, role: Role, name: &str) -> Person {
        let token = pilotzone_serve::create_invite(&self.state.db, STUDY, role, "test").await.expect("invite");
        self.enter("/api/join", json!({ "token": token, "name": name })).await
    }

    /// The official, signed in.
    async fn official(&self) -> Person {
        self.enter("/api/login", json!({ "name": "Tanaka", "password": "a long enough password" })).await
    }

    async fn enter(&self, path: &str, body: Value) -> Person {
        let a = self.post(&Person::default(), path, body).await;
        assert_eq!(a.status, StatusCode::OK, "{}", String::from_utf8_lossy(&a.body));
        let set = a.headers.get("set-cookie").expect("a session cookie").to_str().expect("text").to_owned();
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict"), "{set}");
        let cookie = set.split(';').next().expect("name=value").to_owned();
        Person { cookie: Some(cookie), csrf: a.json()["csrf"].as_str().map(str::to_owned) }
    }

    async fn comment(&self, who: &Person, text: &str) -> Answer {
        self.post(
            who,
            &format!("/api/studies/{STUDY}/comments"),
            json!({ "option": "zone-30", "seed": 2, "t_ms": 125_000, "place": [40.0, 12.5], "text": text }),
        )
        .await
    }

    async fn comments(&self, who: &Person) -> Vec<Value> {
        let a = self.get(who, &format!("/api/studies/{STUDY}/comments")).await;
        assert_eq!(a.status, StatusCode::OK);
        a.json().as_array().expect("a list").clone()
    }
}

/// Each scenario, as a test on SQLite and one on PostgreSQL.
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { if let Some(f) = super::fixture(super::Backend::Sqlite).await { super::$name(f).await } })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { if let Some(f) = super::fixture(super::Backend::Postgres).await { super::$name(f).await } })*
        }
    };
}

on_both!(
    a_resident_pins_a_comment_and_another_participant_replies,
    script_in_a_comment_stays_text,
    a_change_without_the_csrf_token_is_refused,
    a_resident_cannot_moderate_and_an_official_hides_with_a_reason,
    path_traversal_in_a_replay_request_is_refused,
    replays_are_served_whole_and_in_ranges,
    an_oversized_comment_is_refused_with_a_clear_error,
    support_and_concern_are_one_per_participant_and_option,
    officials_export_the_record_and_nobody_else,
    the_summary_counts_comments_by_place_hour_and_role,
    signing_in_needs_the_right_password,
    comments_and_votes_outlive_the_service,
    malformed_requests_get_clear_errors,
    the_meeting_view_follows_the_presenter,
    the_player_page_shows_the_study_and_its_comments,
);

async fn a_resident_pins_a_comment_and_another_participant_replies(f: Fixture) {
    let aiko = f.join(Role::Resident, "Aiko").await;
    let shop = f.join(Role::Business, "駅前ベーカリー").await;
    let a = f.comment(&aiko, "子どもの通学路を30 km/hの車が通るのは心配です").await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&a.body));
    let c = a.json();
    // The evidence: study, option, seed, the run's replay hash, moment, place, and the link.
    let kpis: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture_study().join("runs/zone-30/2/kpis.json")).expect("fixture kpis"),
    )
    .expect("json");
    assert_eq!(c["replay_hash"], kpis["replay_hash"]);
    assert_eq!(
        (c["option"].as_str(), c["seed"].as_u64(), c["t_ms"].as_u64()),
        (Some("zone-30"), Some(2), Some(125_000))
    );
    assert_eq!(c["place"], json!([40.0, 12.5]));
    assert_eq!((c["author"].as_str(), c["role"].as_str()), (Some("Aiko"), Some("resident")));
    let id = c["id"].as_i64().expect("id");
    assert_eq!(c["link"], format!("/studies/{STUDY}?option=zone-30&seed=2&t=125000&x=40.0&y=12.5#comment-{id}"));

    let reply = f
        .post(
            &shop,
            &format!("/api/studies/{STUDY}/comments"),
            json!({ "reply_to": id, "option": "zone-30", "seed": 2, "t_ms": 130_000, "place": [41.0, 12.0], "text": "朝の配送時間をずらせます" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(reply.json()["reply_to"], id);
    assert_eq!(reply.json()["role"], "business");

    // Anyone can read them, oldest first, each with its role.
    let list = f.comments(&Person::default()).await;
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["text"], "子どもの通学路を30 km/hの車が通るのは心配です");
    assert_eq!(list[1]["reply_to"], id);
    assert_eq!(list[1]["author"], "駅前ベーカリー");

    // A reply to a comment that does not exist, or a run the study lacks, is refused by field.
    let bad = f
        .post(
            &shop,
            &format!("/api/studies/{STUDY}/comments"),
            json!({ "reply_to": 9999, "option": "zone-30", "seed": 2, "t_ms": 0, "place": [0.0, 0.0], "text": "x" }),
        )
        .await;
    assert_eq!(
        (bad.status, bad.json()["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("reply_to"))
    );
    let bad = f
        .post(
            &shop,
            &format!("/api/studies/{STUDY}/comments"),
            json!({ "option": "zone-50", "seed": 2, "t_ms": 0, "place": [0.0, 0.0], "text": "x" }),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.json()["error"]["message"].as_str().expect("message").contains("base, zone-30"), "{}", bad.json());
    let late = f
        .post(
            &shop,
            &format!("/api/studies/{STUDY}/comments"),
            json!({ "option": "base", "seed": 1, "t_ms": 600_001, "place": [0.0, 0.0], "text": "x" }),
        )
        .await;
    assert_eq!(late.json()["error"]["field"], "t_ms");
    let far = f
        .post(
            &shop,
            &format!("/api/studies/{STUDY}/comments"),
            json!({ "option": "base", "seed": 1, "t_ms": 0, "place": [1.0e7, 0.0], "text": "x" }),
        )
        .await;
    assert_eq!(far.json()["error"]["field"], "place");
}

async fn script_in_a_comment_stays_text(f: Fixture) {
    let p = f.join(Role::Resident, "<b>Mallory</b>").await;
    let hostile = "<script>alert(1)</script><img src=x onerror=alert(2)> '\" & =cmd|' /C calc'!A0";
    assert_eq!(f.comment(&p, hostile).await.status, StatusCode::CREATED);
    let list = f.comments(&Person::default()).await;
    assert_eq!(list[0]["text"], hostile, "stored and returned exactly, as text");
    assert_eq!(list[0]["author"], "<b>Mallory</b>");
    // The page carries it inside JSON with < > & escaped, so it cannot open an element.
    let page = f.get(&Person::default(), &format!("/studies/{STUDY}?option=zone-30&seed=2")).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = String::from_utf8(page.body).expect("utf-8");
    assert!(!html.contains("<script>alert(1)"), "the comment's markup never appears raw");
    assert!(!html.contains("<img src=x"));
    assert!(!html.contains("<b>Mallory"));
    assert!(html.contains("\\u003cscript\\u003ealert(1)\\u003c/script\\u003e"), "the words are there, escaped");
    // The API's JSON is served as JSON, never sniffed as a page.
    let a = f.get(&Person::default(), &format!("/api/studies/{STUDY}/comments")).await;
    assert_eq!(a.headers["content-type"], "application/json");
    assert_eq!(a.headers["x-content-type-options"], "nosniff");
}

async fn a_change_without_the_csrf_token_is_refused(f: Fixture) {
    let p = f.join(Role::Resident, "Aiko").await;
    let body = json!({ "option": "base", "seed": 1, "t_ms": 0, "place": [0.0, 0.0], "text": "hello" });
    let path = format!("/api/studies/{STUDY}/comments");
    let without = f.call(&p, "POST", &path, Some(body.clone()), false).await;
    assert_eq!((without.status, without.code()), (StatusCode::FORBIDDEN, "csrf".into()));
    let forged = Person { csrf: Some("forged-token".into()), ..p.clone() };
    let wrong = f.call(&forged, "POST", &path, Some(body.clone()), true).await;
    assert_eq!((wrong.status, wrong.code()), (StatusCode::FORBIDDEN, "csrf".into()));
    // Another participant's token does not fit this session either.
    let other = f.join(Role::Resident, "Ben").await;
    let swapped = Person { csrf: other.csrf.clone(), ..p.clone() };
    assert_eq!(f.call(&swapped, "POST", &path, Some(body.clone()), true).await.status, StatusCode::FORBIDDEN);
    // Joining without the header (a form posted from another site) is refused too.
    let token = pilotzone_serve::create_invite(&f.state.db, STUDY, Role::Resident, "test").await.expect("invite");
    let join =
        f.call(&Person::default(), "POST", "/api/join", Some(json!({ "token": token, "name": "x" })), false).await;
    assert_eq!((join.status, join.code()), (StatusCode::FORBIDDEN, "csrf".into()));
    // No session at all.
    let anon = f.call(&Person::default(), "POST", &path, Some(body.clone()), true).await;
    assert_eq!(anon.status, StatusCode::UNAUTHORIZED);
    assert!(f.comments(&Person::default()).await.is_empty(), "nothing refused was stored");
    assert_eq!(f.call(&p, "POST", &path, Some(body), true).await.status, StatusCode::CREATED);
}

async fn a_resident_cannot_moderate_and_an_official_hides_with_a_reason(f: Fixture) {
    let aiko = f.join(Role::Resident, "Aiko").await;
    let ben = f.join(Role::Resident, "Ben").await;
    let id = f.comment(&aiko, "隣の田中さんの電話番号は 090-…").await.json()["id"].as_i64().expect("id");
    let hide = format!("/api/studies/{STUDY}/comments/{id}/hide");
    let refused = f.post(&ben, &hide, json!({ "reason": "I dislike it" })).await;
    assert_eq!((refused.status, refused.code()), (StatusCode::FORBIDDEN, "forbidden".into()));
    assert!(refused.json()["error"]["message"].as_str().expect("m").contains("only officials"));

    let official = f.official().await;
    let no_reason = f.post(&official, &hide, json!({ "reason": "  " })).await;
    assert_eq!(no_reason.json()["error"]["field"], "reason");
    let hidden = f.post(&official, &hide, json!({ "reason": "個人の電話番号を含むため" })).await;
    assert_eq!(hidden.status, StatusCode::OK, "{}", String::from_utf8_lossy(&hidden.body));
    assert_eq!(f.post(&official, &hide, json!({ "reason": "again" })).await.status, StatusCode::CONFLICT);

    // Residents see that it was hidden, by whom and why, not its words; officials see both.
    let public = f.comments(&ben).await;
    assert_eq!(public[0]["text"], Value::Null);
    assert_eq!(public[0]["hidden"]["reason"], "個人の電話番号を含むため");
    assert_eq!(public[0]["hidden"]["by"], "Tanaka");
    assert_eq!(f.comments(&official).await[0]["text"], "隣の田中さんの電話番号は 090-…");

    // The audit log has it, with before and after; residents cannot read the log.
    assert_eq!(f.get(&ben, &format!("/api/studies/{STUDY}/audit")).await.status, StatusCode::FORBIDDEN);
    let audit = f.get(&official, &format!("/api/studies/{STUDY}/audit")).await.json();
    let row =
        audit.as_array().expect("rows").iter().find(|r| r["action"] == "comment.hide").expect("a hide row").clone();
    assert_eq!((row["actor"].as_str(), row["actor_role"].as_str()), (Some("Tanaka"), Some("official")));
    assert_eq!(row["target"], id.to_string());
    assert_eq!(row["before"], "visible");
    assert_eq!(row["after"], "hidden: 個人の電話番号を含むため");

    // Restoring keeps the old reason in the log.
    let restored = f
        .post(
            &official,
            &format!("/api/studies/{STUDY}/comments/{id}/restore"),
            json!({ "reason": "番号を確認、公開番号でした" }),
        )
        .await;
    assert_eq!(restored.status, StatusCode::OK);
    assert_eq!(f.comments(&ben).await[0]["text"], "隣の田中さんの電話番号は 090-…");
    let audit = f.get(&official, &format!("/api/studies/{STUDY}/audit")).await.json();
    let last = audit.as_array().expect("rows").last().expect("row").clone();
    assert_eq!(
        (last["action"].as_str(), last["before"].as_str()),
        (Some("comment.restore"), Some("hidden: 個人の電話番号を含むため"))
    );
}

async fn path_traversal_in_a_replay_request_is_refused(f: Fixture) {
    let anyone = Person::default();
    for path in [
        "/api/studies/..%2F..%2Fetc/runs/base/1/replay",
        "/api/studies/demo-study/runs/..%2F..%2F..%2Fstudy.json/1/replay",
        "/api/studies/demo-study/runs/..%2Fzone-30/1/replay",
        "/api/studies/demo-study/runs/base/..%2F..%2Fstudy.json/replay",
        "/api/studies/demo-study/runs/base/1%2F..%2F2/replay",
        "/api/studies/demo-study/runs/base/4/replay",
        "/api/studies/%2Fetc%2Fpasswd/runs/base/1/replay",
        "/api/studies/demo-study/../../etc/passwd",
        "/studies/..%2Fpilotzone.db",
    ] {
        let a = f.get(&anyone, path).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!a.body.starts_with(b"SQLite"), "{path} reached the database file");
    }
}

async fn replays_are_served_whole_and_in_ranges(f: Fixture) {
    let file = std::fs::read(fixture_study().join("runs/base/3/replay.pzr")).expect("fixture replay");
    let path = format!("/api/studies/{STUDY}/runs/base/3/replay");
    let whole = f.get(&Person::default(), &path).await;
    assert_eq!(whole.status, StatusCode::OK);
    assert_eq!(whole.body, file);
    assert_eq!(whole.headers["accept-ranges"], "bytes");
    let etag = whole.headers["etag"].to_str().expect("etag").to_owned();

    let ranged = |range: &str| Request::get(&path).header("range", range).body(Body::empty()).expect("request");
    let part = f.send(ranged("bytes=100-199")).await;
    assert_eq!(part.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.body, file[100..200]);
    assert_eq!(part.headers["content-range"], format!("bytes 100-199/{}", file.len()));
    let tail = f.send(ranged("bytes=-64")).await;
    assert_eq!(tail.body, file[file.len() - 64..], "the seek index at the end");
    let past = f.send(ranged(&format!("bytes={}-", file.len()))).await;
    assert_eq!(past.status, StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(past.headers["content-range"], format!("bytes */{}", file.len()));
    let cached = f.send(Request::get(&path).header("if-none-match", &etag).body(Body::empty()).expect("request")).await;
    assert_eq!(cached.status, StatusCode::NOT_MODIFIED);

    // The study as the player lists it: its options, seeds, runs with their hashes and sizes.
    let info = f.get(&Person::default(), &format!("/api/studies/{STUDY}")).await.json();
    assert_eq!(info["options"], json!(["base", "zone-30"]));
    assert_eq!(info["seeds"], json!([1, 2, 3]));
    assert_eq!(info["duration_ms"], 600_000);
    let run = info["runs"]
        .as_array()
        .expect("runs")
        .iter()
        .find(|r| r["option"] == "base" && r["seed"] == 3)
        .expect("run")
        .clone();
    assert_eq!(run["replay_bytes"], file.len());
    assert_eq!(etag, format!("\"{}\"", run["replay_hash"].as_str().expect("hash")));
    // KPIs per option with intervals, as summary.csv has them.
    let wait = info["kpis"]
        .as_array()
        .expect("kpis")
        .iter()
        .find(|k| k["option"] == "base" && k["kpi"] == "taxi.served")
        .expect("kpi")
        .clone();
    assert_eq!(wait["n"], 3);
    assert!(wait["low"].as_f64().expect("low") <= wait["mean"].as_f64().expect("mean"));
    // Compare: the paired rows `pilotzone compare` prints.
    let cmp =
        f.get(&Person::default(), &format!("/api/studies/{STUDY}/compare?baseline=base&variant=zone-30")).await.json();
    let expected = std::fs::read_to_string(fixture_study().join("expected-compare.txt")).expect("expected");
    let rows = cmp["rows"].as_array().expect("rows");
    let differing: Vec<&Value> = rows.iter().filter(|r| r["same"] == false).collect();
    assert!(!differing.is_empty());
    for r in &differing {
        assert!(expected.contains(r["kpi"].as_str().expect("kpi")), "{} is in pilotzone compare's output", r["kpi"]);
    }
}

async fn an_oversized_comment_is_refused_with_a_clear_error(f: Fixture) {
    let p = f.join(Role::Resident, "Aiko").await;
    let long = f.comment(&p, &"あ".repeat(4001)).await;
    assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(long.json()["error"]["field"], "text");
    assert_eq!(long.json()["error"]["message"], "text has 4001 characters, more than the 4000 allowed");
    let huge = f.comment(&p, &"x".repeat(100_000)).await;
    assert_eq!((huge.status, huge.code()), (StatusCode::PAYLOAD_TOO_LARGE, "too_large".into()));
    let control = f.comment(&p, "visible\u{202e}txt.exe").await;
    assert_eq!(control.json()["error"]["field"], "text");
    let long_name = f.post(&Person::default(), "/api/join", json!({ "token": "x", "name": "n".repeat(81) })).await;
    assert_eq!(long_name.json()["error"]["field"], "name");
    assert_eq!(f.comment(&p, &"あ".repeat(4000)).await.status, StatusCode::CREATED, "the limit itself is allowed");
}

async fn support_and_concern_are_one_per_participant_and_option(f: Fixture) {
    let aiko = f.join(Role::Resident, "Aiko").await;
    let ben = f.join(Role::Resident, "Ben").await;
    let shop = f.join(Role::Business, "Bakery").await;
    let vote = |who: &Person, option: &str, stance: &str, reason: &str| {
        let (who, path, body) = (
            who.clone(),
            format!("/api/studies/{STUDY}/votes/{option}"),
            json!({ "stance": stance, "reason": reason }),
        );
        let f = &f;
        async move { f.put(&who, &path, body).await }
    };
    assert_eq!(vote(&aiko, "zone-30", "support", "safer school run").await.status, StatusCode::OK);
    assert_eq!(vote(&aiko, "zone-30", "concern", "slower taxis at night").await.status, StatusCode::OK);
    assert_eq!(vote(&ben, "zone-30", "support", "quieter street").await.status, StatusCode::OK);
    assert_eq!(vote(&shop, "zone-30", "concern", "deliveries take longer").await.status, StatusCode::OK);
    assert_eq!(vote(&shop, "base", "support", "as today").await.status, StatusCode::OK);
    assert_eq!(vote(&shop, "zone-99", "support", "x").await.status, StatusCode::NOT_FOUND);
    assert_eq!(vote(&shop, "base", "maybe", "x").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(vote(&shop, "base", "support", "").await.json()["error"]["field"], "reason");

    let votes = f.get(&aiko, &format!("/api/studies/{STUDY}/votes")).await.json();
    let tally = |option: &str, role: &str| {
        let t = votes["tally"]
            .as_array()
            .expect("tally")
            .iter()
            .find(|t| t["option"] == option && t["role"] == role)
            .expect("row")
            .clone();
        (t["support"].as_i64().expect("n"), t["concern"].as_i64().expect("n"))
    };
    assert_eq!(tally("zone-30", "resident"), (1, 1), "Aiko's second mark replaced her first");
    assert_eq!(tally("zone-30", "business"), (0, 1));
    assert_eq!(tally("base", "business"), (1, 0));
    assert_eq!(tally("base", "official"), (0, 0));
    assert_eq!(votes["mine"], json!([{ "option": "zone-30", "stance": "concern", "reason": "slower taxis at night" }]));

    let official = f.official().await;
    let audit = f.get(&official, &format!("/api/studies/{STUDY}/audit")).await.json();
    let changed = audit
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| r["action"] == "vote.set" && r["actor"] == "Aiko")
        .cloned()
        .collect::<Vec<_>>();
    assert_eq!(changed.len(), 2);
    assert_eq!(changed[1]["before"], "support: safer school run");
    assert_eq!(changed[1]["after"], "concern: slower taxis at night");
}

async fn officials_export_the_record_and_nobody_else(f: Fixture) {
    let aiko = f.join(Role::Resident, "Aiko").await;
    f.comment(&aiko, "=HYPERLINK(\"http://evil\")").await;
    f.put(&aiko, &format!("/api/studies/{STUDY}/votes/base"), json!({ "stance": "support", "reason": "+fine" })).await;
    let json_path = format!("/api/studies/{STUDY}/export.json");
    assert_eq!(f.get(&Person::default(), &json_path).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(f.get(&aiko, &json_path).await.status, StatusCode::FORBIDDEN);
    let official = f.official().await;
    let record = f.get(&official, &json_path).await;
    assert_eq!(record.status, StatusCode::OK);
    assert!(record.headers["content-disposition"].to_str().expect("text").contains("demo-study-record.json"));
    let record = record.json();
    assert_eq!(record["comments"][0]["text"], "=HYPERLINK(\"http://evil\")", "JSON keeps the words exactly");
    assert_eq!(record["votes"][0]["reason"], "+fine");
    assert!(record["audit"].as_array().expect("audit").iter().any(|r| r["action"] == "comment.create"));

    let csv = f.get(&official, &format!("/api/studies/{STUDY}/export/comments.csv")).await;
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    let text = String::from_utf8(csv.body).expect("utf-8");
    assert!(text.starts_with("id,reply_to,option,seed,replay_hash,t_ms,x_m,y_m,author,role,text,created"));
    assert!(text.contains("'=HYPERLINK"), "a formula is written as text for spreadsheets: {text}");
    let votes = String::from_utf8(f.get(&official, &format!("/api/studies/{STUDY}/export/votes.csv")).await.body)
        .expect("utf-8");
    assert!(votes.contains("base,") && votes.contains("'+fine"), "{votes}");
    let audit = String::from_utf8(f.get(&official, &format!("/api/studies/{STUDY}/export/audit.csv")).await.body)
        .expect("utf-8");
    assert!(audit.contains("vote.set"));
    assert_eq!(
        f.get(&official, &format!("/api/studies/{STUDY}/export/..%2F..%2Fpilotzone.db")).await.status,
        StatusCode::NOT_FOUND
    );
}

async fn the_summary_counts_comments_by_place_hour_and_role(f: Fixture) {
    let aiko = f.join(Role::Resident, "Aiko").await;
    let shop = f.join(Role::Business, "Bakery").await;
    let path = format!("/api/studies/{STUDY}/comments");
    for (who, t_ms, place) in [(&aiko, 0, [10.0, 10.0]), (&aiko, 1000, [20.0, 30.0]), (&shop, 599_000, [120.0, 10.0])] {
        let a = f
            .post(who, &path, json!({ "option": "base", "seed": 1, "t_ms": t_ms, "place": place, "text": "here" }))
            .await;
        assert_eq!(a.status, StatusCode::CREATED);
    }
    assert_eq!(f.get(&aiko, &format!("/api/studies/{STUDY}/summary")).await.status, StatusCode::FORBIDDEN);
    let official = f.official().await;
    let s = f.get(&official, &format!("/api/studies/{STUDY}/summary")).await.json();
    assert_eq!(s["comments"], 3);
    let cells = s["heat"]["cells"].as_array().expect("cells");
    assert_eq!(cells.len(), 2, "two comments share the cell at (0, 0): {cells:?}");
    assert!(cells.contains(&json!({ "x_m": 0.0, "y_m": 0.0, "comments": 2 })));
    assert!(cells.contains(&json!({ "x_m": 100.0, "y_m": 0.0, "comments": 1 })));
    // The demo starts at 07:00; all three moments fall in that hour of the day.
    let start_hour = (f.state.study(STUDY).await.expect("db").expect("study").start_s / 3600) as usize;
    assert_eq!(s["by_hour"][start_hour], 3, "{}", s["by_hour"]);
    assert_eq!(s["by_role"], json!({ "business": 1, "resident": 2 }));
    assert!(s["kpis"].as_array().expect("kpis").len() > 10);
}

async fn signing_in_needs_the_right_password(f: Fixture) {
    let wrong =
        f.post(&Person::default(), "/api/login", json!({ "name": "Tanaka", "password": "not the password" })).await;
    assert_eq!((wrong.status, wrong.code()), (StatusCode::UNAUTHORIZED, "sign_in".into()));
    let nobody =
        f.post(&Person::default(), "/api/login", json!({ "name": "Nobody", "password": "whatever it is" })).await;
    assert_eq!(nobody.json()["error"]["message"], wrong.json()["error"]["message"], "unknown names are not told apart");
    let official = f.official().await;
    let me = f.get(&official, "/api/me").await.json();
    assert_eq!((me["name"].as_str(), me["role"].as_str()), (Some("Tanaka"), Some("official")));
    // Signing out ends the session on the server, not only in the browser.
    assert_eq!(f.post(&official, "/api/logout", json!({})).await.status, StatusCode::NO_CONTENT);
    assert_eq!(f.get(&official, "/api/me").await.json(), Value::Null, "nobody, after signing out");
    // A second account with the same name, or a short password, is refused.
    let dup = pilotzone_serve::create_account(&f.state.db, "Tanaka", Role::Official, "another long password").await;
    assert!(dup.expect_err("taken").to_string().contains("exists already"));
    let short = pilotzone_serve::create_account(&f.state.db, "Sato", Role::Official, "short").await;
    assert!(short.expect_err("short").to_string().contains("at least 12 characters"));
    // Invites are made by officials only.
    let aiko = f.join(Role::Resident, "Aiko").await;
    let path = format!("/api/studies/{STUDY}/invites");
    assert_eq!(f.post(&aiko, &path, json!({ "role": "official" })).await.status, StatusCode::FORBIDDEN);
    let official = f.official().await;
    let link = f.post(&official, &path, json!({ "role": "researcher" })).await.json();
    let token = link["link"].as_str().expect("link").strip_prefix("/join/").expect("a join link").to_owned();
    let researcher = f.enter("/api/join", json!({ "token": token, "name": "Dr. Ito" })).await;
    assert_eq!(f.get(&researcher, "/api/me").await.json()["role"], "researcher");
    let bad = f.post(&Person::default(), "/api/join", json!({ "token": "not-a-token", "name": "x" })).await;
    assert_eq!(bad.status, StatusCode::NOT_FOUND);
}

async fn comments_and_votes_outlive_the_service(f: Fixture) {
    let aiko = f.join(Role::Resident, "Aiko").await;
    assert_eq!(f.comment(&aiko, "before the restart").await.status, StatusCode::CREATED);
    let config = Config { data: f._data.path().to_owned(), db: f.db_url.clone(), limits: Limits::default() };
    let reopened = AppState::open(&config).await.expect("reopens");
    assert_eq!(reopened.db.schema_version().await.expect("version"), pilotzone_serve::SCHEMA_VERSION);
    let router = pilotzone_serve::router(reopened);
    let again =
        Fixture { router, state: f.state.clone(), _data: tempfile::tempdir().expect("tmp"), db_url: None, pg: None };
    let list = again.comments(&aiko).await;
    assert_eq!(list[0]["text"], "before the restart");
    assert_eq!(again.get(&aiko, "/api/me").await.json()["name"], "Aiko", "sessions outlive it too");
    drop(f.pg);
}

async fn malformed_requests_get_clear_errors(f: Fixture) {
    let p = f.join(Role::Resident, "Aiko").await;
    let path = format!("/api/studies/{STUDY}/comments");
    let not_json = f
        .send(
            Request::post(&path)
                .header("cookie", p.cookie.clone().expect("cookie"))
                .header(CSRF_HEADER, p.csrf.clone().expect("csrf"))
                .header("content-type", "application/json")
                .body(Body::from("{\"text\": "))
                .expect("request"),
        )
        .await;
    assert_eq!((not_json.status, not_json.code()), (StatusCode::BAD_REQUEST, "json".into()));
    let unknown = f.post(&p, &path, json!({ "option": "base", "seed": 1, "t_ms": 0, "place": [0.0, 0.0], "text": "x", "author": "Official Tanaka" })).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(
        unknown.json()["error"]["message"].as_str().expect("m").contains("unknown field `author`"),
        "no one writes under another's name"
    );
    let form = f
        .send(
            Request::post(&path)
                .header("cookie", p.cookie.clone().expect("cookie"))
                .header(CSRF_HEADER, p.csrf.clone().expect("csrf"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from("text=x"))
                .expect("request"),
        )
        .await;
    assert_eq!(form.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(f.get(&p, "/api/studies/nope").await.status, StatusCode::NOT_FOUND);
    assert_eq!(f.get(&p, "/api/nothing-here").await.code(), "not_found");
    assert_eq!(f.get(&p, "/api/health").await.json()["ok"], true);
}

async fn the_meeting_view_follows_the_presenter(f: Fixture) {
    let path = format!("/api/studies/{STUDY}/meeting");
    let aiko = f.join(Role::Resident, "Aiko").await;
    let state = json!({ "option": "zone-30", "compare": "base", "seed": 2, "t_ms": 90_000, "playing": true, "speed": 10.0, "view": [50.0, 20.0, 40.0] });
    assert_eq!(f.post(&aiko, &path, state.clone()).await.status, StatusCode::FORBIDDEN);
    let official = f.official().await;
    let sent = f.post(&official, &path, state.clone()).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", String::from_utf8_lossy(&sent.body));
    assert_eq!(sent.json()["seq"], 1);
    // A projector that opens the meeting view now starts where the presenter is.
    let response =
        f.router.clone().oneshot(Request::get(&path).body(Body::empty()).expect("request")).await.expect("answer");
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut body = response.into_body();
    let frame = tokio::time::timeout(std::time::Duration::from_secs(5), body.frame()).await.expect("an event at once");
    let bytes = frame.expect("a frame").expect("ok").into_data().expect("data");
    let text = String::from_utf8(bytes.to_vec()).expect("utf-8");
    assert!(text.starts_with("event: state\ndata: "), "{text}");
    let data: Value = serde_json::from_str(text.trim_start_matches("event: state\ndata: ").trim()).expect("json");
    assert_eq!(
        (data["option"].as_str(), data["t_ms"].as_u64(), data["presenter"].as_str()),
        (Some("zone-30"), Some(90_000), Some("Tanaka"))
    );
    // The next change reaches the open view.
    let moved = json!({ "option": "base", "seed": 1, "t_ms": 300_000 });
    assert_eq!(f.post(&official, &path, moved).await.json()["seq"], 2);
    let frame =
        tokio::time::timeout(std::time::Duration::from_secs(5), body.frame()).await.expect("the change arrives");
    let text =
        String::from_utf8(frame.expect("frame").expect("ok").into_data().expect("data").to_vec()).expect("utf-8");
    assert!(text.contains("\"t_ms\":300000") && text.contains("\"seq\":2"), "{text}");
    let bad = f.post(&official, &path, json!({ "option": "base", "seed": 9, "t_ms": 0 })).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn the_player_page_shows_the_study_and_its_comments(f: Fixture) {
    let aiko = f.join(Role::Resident, "Aiko").await;
    f.comment(&aiko, "ここで曲がる車が多い").await;
    let page = f.get(&Person::default(), &format!("/studies/{STUDY}?option=zone-30&seed=2&compare=base&lang=en")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", String::from_utf8_lossy(&page.body));
    let html = String::from_utf8(page.body).expect("utf-8");
    assert!(html.starts_with("<!doctype html>") && html.contains("<html lang=\"en\">"));
    assert!(html.contains("ここで曲がる車が多い"), "the pinned comment is in the page's data");
    assert!(
        html.contains("\"baseline\":\"zone-30\"") && html.contains("\"variant\":\"base\""),
        "the study's paired intervals"
    );
    let index = String::from_utf8(f.get(&Person::default(), "/").await.body).expect("utf-8");
    assert!(index.contains("href=\"/studies/demo-study\""));
    assert_eq!(f.get(&Person::default(), &format!("/studies/{STUDY}?option=nope")).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_beyond_the_rate_limit_wait() {
    use pilotzone_serve::Rate;
    let limits =
        Limits { participant: Rate { burst: 3.0, per_minute: 6.0 }, address: Rate { burst: 100.0, per_minute: 100.0 } };
    let f = fixture_with(Backend::Sqlite, limits).await.expect("sqlite is always there");
    let p = f.join(Role::Resident, "Aiko").await;
    for i in 0..3 {
        assert_eq!(f.comment(&p, &format!("comment {i}")).await.status, StatusCode::CREATED);
    }
    let limited = f.comment(&p, "one too many").await;
    assert_eq!((limited.status, limited.code()), (StatusCode::TOO_MANY_REQUESTS, "rate_limited".into()));
    assert!(limited.json()["error"]["message"].as_str().expect("m").contains("wait 10 s"), "{}", limited.json());
    let other = f.join(Role::Resident, "Ben").await;
    assert_eq!(f.comment(&other, "my own bucket").await.status, StatusCode::CREATED);
}

#[tokio::test]
async fn a_study_is_refused_whole_when_it_cannot_be_hosted() {
    let data = tempfile::tempdir().expect("tmp");
    let state = AppState::open(&Config { data: data.path().to_owned(), db: None, limits: Limits::default() })
        .await
        .expect("opens");
    let not_a_study = pilotzone_serve::add_study(&state, data.path(), "x", "test").await.expect_err("no study.json");
    assert!(not_a_study.to_string().contains("is not a study folder"), "{not_a_study}");
    let bad_id = pilotzone_serve::add_study(&state, &fixture_study(), "../escape", "test").await.expect_err("bad id");
    assert!(bad_id.to_string().contains("study id \"../escape\" must be"), "{bad_id}");
    pilotzone_serve::add_study(&state, &fixture_study(), "ok", "test").await.expect("hosted");
    let twice = pilotzone_serve::add_study(&state, &fixture_study(), "ok", "test").await.expect_err("taken");
    assert!(twice.to_string().contains("already hosted"));
    let kept: Vec<_> =
        std::fs::read_dir(data.path().join("studies")).expect("dir").map(|e| e.expect("entry").file_name()).collect();
    assert_eq!(kept, ["ok"], "no staging folder is left behind");
    let bad_url = AppState::open(&Config {
        data: data.path().to_owned(),
        db: Some("mysql://x".into()),
        limits: Limits::default(),
    })
    .await;
    assert!(bad_url.expect_err("mysql").to_string().contains("not a database URL this service reads"));
}

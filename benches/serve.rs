//! `pilotzone serve` under load on loopback: viewers loading a study's replay while
//! participants post comments and mark support or concern, for a bounded time; optionally with
//! the server killed (SIGKILL) in the middle and started again on the same data.
//!
//! It reports throughput and latency (p50, p99) per kind of request, then reads the record
//! back and fails unless every acknowledged comment is there with its words and every
//! participant's acknowledged vote is the one stored (or one they sent after it, which the
//! server may have committed just before it died).
//!
//!     cargo bench --bench serve -- [--seconds 60] [--viewers 200] [--posters 50] [--kill] [--db postgres://…]
//!
//! `cargo test --benches` runs a small version: 4 s, 8 viewers, 4 posters, with a kill.
#![expect(clippy::print_stdout, reason = "a benchmark's report is its output")]
#![expect(clippy::disallowed_methods, reason = "a load test measures wall time")]

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

struct Options {
    seconds: f64,
    viewers: usize,
    posters: usize,
    kill: bool,
    db: Option<String>,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().collect();
    let full = args.iter().any(|a| a == "--bench");
    let value = |flag: &str| args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1)).cloned();
    let number = |flag: &str, default: f64| {
        value(flag).map_or(default, |v| v.parse().unwrap_or_else(|_| panic!("{flag} takes a number, not {v}")))
    };
    Options {
        seconds: number("--seconds", if full { 60.0 } else { 4.0 }),
        viewers: number("--viewers", if full { 200.0 } else { 8.0 }) as usize,
        posters: number("--posters", if full { 50.0 } else { 4.0 }) as usize,
        kill: args.iter().any(|a| a == "--kill") || !full,
        db: value("--db"),
    }
}

/// The `pilotzone` binary with the data folder (and database) of this run.
struct Service {
    bin: PathBuf,
    data: PathBuf,
    db: Option<String>,
}

impl Service {
    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(&self.bin);
        c.arg("serve").args(args).arg("--data").arg(&self.data);
        if let Some(db) = &self.db {
            c.arg("--db").arg(db);
        }
        c
    }

    fn run(&self, args: &[&str], stdin: &str) -> String {
        let mut child =
            self.command(args).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().expect("pilotzone runs");
        child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
        let out = child.wait_with_output().expect("pilotzone finishes");
        assert!(out.status.success(), "pilotzone serve {args:?} failed");
        String::from_utf8(out.stdout).expect("utf-8")
    }

    /// Starts the server on `bind` and waits until it listens; returns it and its address.
    fn start(&self, bind: &str) -> (Child, String) {
        let mut child = self
            .command(&["--bind", bind, "--participant-rate", "100000", "--address-rate", "10000000"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("the server starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("the server says where it is");
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .trim_end_matches('/')
            .to_owned();
        (child, url)
    }
}

/// Latencies of one kind of request, and how many failed.
#[derive(Default)]
struct Tally {
    ms: Vec<f64>,
    failed: usize,
    refused: usize,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        self.ms.extend(other.ms);
        self.failed += other.failed;
        self.refused += other.refused;
    }

    fn line(&mut self, kind: &str, seconds: f64) -> String {
        self.ms.sort_by(f64::total_cmp);
        let q = |p: f64| self.ms.get(((self.ms.len() as f64 - 1.0) * p).round() as usize).copied().unwrap_or(0.0);
        format!(
            "{kind}: ok={} per_s={:.1} p50_ms={:.1} p99_ms={:.1} max_ms={:.1} failed={} refused={}",
            self.ms.len(),
            self.ms.len() as f64 / seconds,
            q(0.5),
            q(0.99),
            q(1.0),
            self.failed,
            self.refused
        )
    }
}

/// One participant's browser: an agent with keep-alive, their cookie and CSRF token.
struct Browser {
    agent: ureq::Agent,
    base: String,
    cookie: String,
    csrf: String,
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(20)))
        .build()
        .into()
}

impl Browser {
    fn join(base: &str, token: &str, name: &str) -> Browser {
        let agent = agent();
        for _ in 0..200 {
            let r = agent
                .post(format!("{base}/api/join"))
                .header("x-pz-csrf", "page")
                .header("content-type", "application/json")
                .send(json!({ "token": token, "name": name }).to_string());
            if let Ok(mut r) = r
                && r.status() == 200
            {
                let cookie = r.headers().get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                let cookie = cookie.split(';').next().unwrap_or("").to_owned();
                let me: Value = serde_json::from_str(&r.body_mut().read_to_string().expect("body")).expect("json");
                let csrf = me["csrf"].as_str().expect("csrf").to_owned();
                return Browser { agent, base: base.to_owned(), cookie, csrf };
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("{name} could not join");
    }

    /// Sends a change; `Some((status, body))` if the server answered.
    fn send(&self, method: &str, path: &str, body: &Value) -> Option<(u16, String)> {
        let url = format!("{}{path}", self.base);
        let req = match method {
            "PUT" => self.agent.put(url),
            _ => self.agent.post(url),
        };
        let mut r = req
            .header("cookie", &self.cookie)
            .header("x-pz-csrf", &self.csrf)
            .header("content-type", "application/json")
            .send(body.to_string())
            .ok()?;
        let status = r.status().as_u16();
        Some((status, r.body_mut().read_to_string().unwrap_or_default()))
    }
}

/// What one poster sent and what was acknowledged.
#[derive(Default)]
struct Record {
    /// Acknowledged comments: id → text.
    comments: BTreeMap<i64, String>,
    /// Per option, every vote sent in order, with whether it was acknowledged.
    votes: BTreeMap<String, Vec<(String, bool)>>,
}

fn main() {
    let opts = options();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().expect("temp dir");
    let service = Service {
        bin: PathBuf::from(env!("CARGO_BIN_EXE_pilotzone")),
        data: tmp.path().join("data"),
        db: opts.db.clone(),
    };
    let study = root.join("tests/data/compare-study");
    service.run(&["study", "add", study.to_str().expect("utf-8 path"), "--id", "demo"], "");
    service.run(&["account", "add", "--name", "Tanaka", "--role", "official"], "a long enough password\n");
    let token = service.run(&["invite", "--study", "demo", "--role", "resident"], "");
    let token = token.trim().rsplit('/').next().expect("a link").to_owned();

    let (mut server, base) = service.start("127.0.0.1:0");
    let bind = base.trim_start_matches("http://").to_owned();
    let replay = std::fs::read(study.join("runs/base/1/replay.pzr")).expect("fixture replay");
    println!(
        "serve: viewers={} posters={} seconds={} kill={} db={} replay_bytes={}",
        opts.viewers,
        opts.posters,
        opts.seconds,
        if opts.kill { "yes" } else { "no" },
        if opts.db.is_some() { "postgres" } else { "sqlite" },
        replay.len()
    );

    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut viewer_threads = Vec::new();
    for _ in 0..opts.viewers {
        let (stop, base, expected) = (stop.clone(), base.clone(), replay.len());
        viewer_threads.push(std::thread::spawn(move || {
            let agent = agent();
            let mut tally = Tally::default();
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                match agent.get(format!("{base}/api/studies/demo/runs/base/1/replay")).call() {
                    Ok(mut r) if r.status() == 200 => {
                        let n = r.body_mut().with_config().limit(64 << 20).read_to_vec().map_or(0, |b| b.len());
                        if n == expected {
                            tally.ms.push(t.elapsed().as_secs_f64() * 1000.0);
                        } else {
                            tally.failed += 1;
                        }
                    }
                    _ => {
                        tally.failed += 1;
                        std::thread::sleep(Duration::from_millis(20));
                    }
                }
            }
            tally
        }));
    }
    let records = Arc::new(Mutex::new(Vec::new()));
    let mut poster_threads = Vec::new();
    for i in 0..opts.posters {
        let (stop, base, token, records) = (stop.clone(), base.clone(), token.clone(), records.clone());
        poster_threads.push(std::thread::spawn(move || {
            let me = Browser::join(&base, &token, &format!("poster-{i}"));
            let (mut comments, mut votes) = (Tally::default(), Tally::default());
            let mut record = Record::default();
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let t = Instant::now();
                if n.is_multiple_of(5) {
                    let option = if n.is_multiple_of(10) { "base" } else { "zone-30" };
                    let stance = if (n / 5 + i as u64).is_multiple_of(2) { "support" } else { "concern" };
                    let reason = format!("{stance} #{n} from poster-{i}");
                    let answer = me.send("PUT", &format!("/api/studies/demo/votes/{option}"), &json!({ "stance": stance, "reason": reason }));
                    let ok = matches!(answer, Some((200, _)));
                    record.votes.entry(option.to_owned()).or_default().push((format!("{stance}: {reason}"), ok));
                    match answer {
                        Some((200, _)) => votes.ms.push(t.elapsed().as_secs_f64() * 1000.0),
                        Some((429, _)) => votes.refused += 1,
                        _ => votes.failed += 1,
                    }
                } else {
                    let text = format!("poster-{i} comment {n}: 交差点の見通しが悪い");
                    let body = json!({ "option": "base", "seed": 1, "t_ms": (n * 997) % 600_000, "place": [(n % 300) as f64, (i * 7 % 200) as f64], "text": text });
                    match me.send("POST", "/api/studies/demo/comments", &body) {
                        Some((201, reply)) => {
                            comments.ms.push(t.elapsed().as_secs_f64() * 1000.0);
                            let id = serde_json::from_str::<Value>(&reply).ok().and_then(|v| v["id"].as_i64()).expect("an id");
                            record.comments.insert(id, text);
                        }
                        Some((429, _)) => comments.refused += 1,
                        _ => {
                            comments.failed += 1;
                            std::thread::sleep(Duration::from_millis(20));
                        }
                    }
                }
            }
            records.lock().expect("records").push((i, record));
            (comments, votes)
        }));
    }

    let seconds = Duration::from_secs_f64(opts.seconds);
    let mut down_ms = None;
    if opts.kill {
        std::thread::sleep(seconds / 2);
        server.kill().expect("SIGKILL the server");
        server.wait().expect("the server is gone");
        let killed = Instant::now();
        let (restarted, _) = service.start(&bind);
        server = restarted;
        down_ms = Some(killed.elapsed().as_secs_f64() * 1000.0);
        std::thread::sleep(seconds.saturating_sub(started.elapsed()));
    } else {
        std::thread::sleep(seconds);
    }
    stop.store(true, Ordering::Relaxed);
    let mut replays = Tally::default();
    for t in viewer_threads {
        replays.merge(t.join().expect("a viewer"));
    }
    let (mut comments, mut votes) = (Tally::default(), Tally::default());
    for t in poster_threads {
        let (c, v) = t.join().expect("a poster");
        comments.merge(c);
        votes.merge(v);
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!("{}", replays.line("replay", elapsed));
    println!("{}", comments.line("comment", elapsed));
    println!("{}", votes.line("vote", elapsed));

    // The record, read back through the official's export.
    let official = agent();
    let mut r = official
        .post(format!("{base}/api/login"))
        .header("x-pz-csrf", "page")
        .header("content-type", "application/json")
        .send(json!({ "name": "Tanaka", "password": "a long enough password" }).to_string())
        .expect("sign in");
    assert_eq!(r.status(), 200, "the official signs in");
    let cookie = r
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .to_owned();
    let _ = r.body_mut().read_to_string();
    let mut r =
        official.get(format!("{base}/api/studies/demo/export.json")).header("cookie", &cookie).call().expect("export");
    let record: Value =
        serde_json::from_str(&r.body_mut().with_config().limit(256 << 20).read_to_string().expect("body"))
            .expect("json");
    server.kill().expect("stop the server");
    let _ = server.wait();

    let stored: BTreeMap<i64, &str> = record["comments"]
        .as_array()
        .expect("comments")
        .iter()
        .map(|c| (c["id"].as_i64().expect("id"), c["text"].as_str().expect("text")))
        .collect();
    let stored_votes: BTreeMap<(String, String), String> = record["votes"]
        .as_array()
        .expect("votes")
        .iter()
        .map(|v| {
            let key = (v["name"].as_str().expect("name").to_owned(), v["option"].as_str().expect("option").to_owned());
            (key, format!("{}: {}", v["stance"].as_str().expect("stance"), v["reason"].as_str().expect("reason")))
        })
        .collect();
    let records = records.lock().expect("records");
    let (mut acked, mut lost, mut unacked_kept, mut votes_checked, mut votes_wrong) = (0, 0, 0, 0, 0);
    let mut acked_ids = std::collections::BTreeSet::new();
    for (i, rec) in records.iter() {
        for (id, text) in &rec.comments {
            acked += 1;
            acked_ids.insert(*id);
            if stored.get(id) != Some(&text.as_str()) {
                lost += 1;
            }
        }
        for (option, sent) in &rec.votes {
            let Some(last_ack) = sent.iter().rposition(|(_, ok)| *ok) else { continue };
            votes_checked += 1;
            let name = format!("poster-{i}");
            let now = stored_votes.get(&(name.clone(), option.clone()));
            // The stored vote is the last acknowledged one, or one sent after it.
            if !sent[last_ack..].iter().any(|(v, _)| Some(v) == now) {
                votes_wrong += 1;
                println!("vote of {name} on {option}: stored {now:?}, last acknowledged {:?}", sent[last_ack].0);
            }
        }
    }
    unacked_kept += stored.keys().filter(|id| !acked_ids.contains(id)).count();
    println!(
        "record: comments_acknowledged={acked} comments_stored={} lost={lost} stored_without_ack={unacked_kept} votes_checked={votes_checked} votes_wrong={votes_wrong} down_ms={}",
        stored.len(),
        down_ms.map_or("-".into(), |d| format!("{d:.0}"))
    );
    assert!(acked > 0, "no comment was acknowledged: the load test measured nothing");
    assert_eq!(lost, 0, "acknowledged comments are missing from the record");
    assert_eq!(votes_wrong, 0, "acknowledged votes are missing from the record");
    assert!(replays.ms.len() > opts.viewers, "viewers loaded replays");
}

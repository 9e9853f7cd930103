//! The sidecar as residents' files reach it: round trips, threads, the record for officials, and
//! broken or hostile files refused with every problem named.

use std::path::Path;

use pilotzone_comments::{CommentError, NewComment, Place, Role, Sidecar, Timestamp, sidecar_path};

const HASH: &str = "0123456789abcdef";

fn new(text: &str, reply_to: Option<u64>, t_ms: u64) -> NewComment {
    NewComment {
        reply_to,
        option: "base".into(),
        seed: Some(42),
        t_ms,
        place: Place { x_m: 120.5, y_m: -40.0 },
        author: "佐藤".into(),
        role: Role::Resident,
        text: text.into(),
    }
}

fn at(s: &str) -> Timestamp {
    Timestamp::parse(s).expect("a valid time")
}

#[test]
fn comments_round_trip_through_the_file_beside_the_replay() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = sidecar_path(&dir.path().join("replay.pzr"));
    assert_eq!(path.file_name().and_then(|n| n.to_str()), Some("replay.comments.json"));
    let mut s = Sidecar::read_or_new(&path, HASH).expect("no file yet is an empty sidecar");
    s.add(new("朝の横断歩道が心配", None, 1_800_000), at("2026-12-02T09:00:00Z")).expect("valid");
    let id = s.add(new("I agree", Some(1), 1_800_000), at("2026-12-02T09:05:00Z")).expect("valid").id;
    assert_eq!(id, 2);
    s.write(&path).expect("writes");
    let back = Sidecar::read_or_new(&path, HASH).expect("reads");
    assert_eq!(back, s);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).expect("lists").collect();
    assert_eq!(leftovers.len(), 1, "the atomic write leaves no temporary file");
    let err = Sidecar::read_or_new(&path, "fedcba9876543210").expect_err("another replay's comments");
    assert!(err.to_string().contains("not on fedcba9876543210"), "{err}");
}

#[test]
fn threads_read_by_moment_with_answers_below_their_comment() {
    let mut s = Sidecar::new(HASH);
    let now = at("2026-12-02T09:00:00Z");
    s.add(new("later moment", None, 5_000), now).expect("1");
    s.add(new("earlier moment", None, 1_000), now).expect("2");
    s.add(new("answer to 1", Some(1), 5_000), now).expect("3");
    s.add(new("answer to 3", Some(3), 5_000), now).expect("4");
    s.add(new("second answer to 1", Some(1), 5_000), now).expect("5");
    let order: Vec<(u64, usize)> = s.threads().iter().map(|(c, d)| (c.id, *d)).collect();
    assert_eq!(order, [(2, 0), (1, 0), (3, 1), (4, 2), (5, 1)]);
}

#[test]
fn hostile_comments_are_refused_before_they_are_stored() {
    let mut s = Sidecar::new(HASH);
    let now = at("2026-12-02T09:00:00Z");
    let mut bad = new("", Some(9), 0);
    bad.author = "x\u{1b}[2J".into();
    bad.place = Place { x_m: f64::NAN, y_m: 0.0 };
    let err = s.add(bad, now).expect_err("refused");
    let text = err.to_string();
    for field in [
        "comment.text: is empty",
        "comment.author: holds the character U+001B",
        "comment.place",
        "comment.reply_to: there is no comment 9",
    ] {
        assert!(text.contains(field), "{field} in {text}");
    }
    assert!(s.comments.is_empty(), "nothing stored");
    let long = new(&"長".repeat(4001), None, 0);
    assert!(s.add(long, now).expect_err("too long").to_string().contains("4001 characters, more than the 4000"));
}

#[test]
fn the_record_for_officials_keeps_commas_quotes_and_lines_in_one_field() {
    let mut s = Sidecar::new(HASH);
    let text = "Two things, \"really\":\nfirst, the kerb;\nsecond, the noise";
    s.add(new(text, None, 60_000), at("2026-12-02T09:00:00Z")).expect("valid");
    let csv = s.to_csv();
    let mut r = csv::Reader::from_reader(csv.as_slice());
    let header = r.headers().expect("a header").clone();
    let rows: Vec<csv::StringRecord> = r.records().collect::<Result<_, _>>().expect("parses");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].len(), header.len());
    let col = |name: &str| header.iter().position(|h| h == name).expect("column");
    assert_eq!(&rows[0][col("text")], text);
    assert_eq!(&rows[0][col("role")], "resident");
    assert_eq!(&rows[0][col("created")], "2026-12-02T09:00:00Z");
}

fn parse(json: &str) -> Result<Sidecar, CommentError> {
    Sidecar::parse(json.as_bytes(), Path::new("replay.comments.json"))
}

#[test]
fn broken_files_say_where_and_what() {
    let comment = |id: u64, extra: &str| {
        format!(
            r#"{{"id": {id}, "replay_hash": "{HASH}", "option": "base", "t_ms": 0, "place": {{"x_m": 0, "y_m": 0}},
                "author": "a", "role": "resident", "text": "t", "created": "2026-12-02T09:00:00Z"{extra}}}"#
        )
    };
    let file = |comments: &[String]| {
        format!(
            r#"{{"format": "pilotzone-comments", "version": 1, "replay_hash": "{HASH}", "comments": [{}]}}"#,
            comments.join(",")
        )
    };
    assert!(parse(&file(&[comment(1, ""), comment(2, r#", "reply_to": 1"#)])).is_ok());

    let cases: Vec<(String, &str)> = vec![
        (String::new(), "replay.comments.json:1:0: EOF while parsing"),
        ("{\"format\": \"pilotzone-comments\", \"version\": 1, \"replay_".into(), "replay.comments.json:1:"),
        (r#"{"type": "FeatureCollection"}"#.into(), "not a pilotzone comments file"),
        (r#"{"format": "pilotzone-comments", "version": 7}"#.into(), "version 7 is newer than this build reads (1)"),
        (file(&[comment(1, r#", "colour": "red""#)]), "unknown field `colour`"),
        (file(&[comment(1, ""), comment(1, "")]), "comments[1].id: id 1 is used twice"),
        (file(&[comment(1, r#", "reply_to": 2"#), comment(2, "")]), "comments[0].reply_to: answers comment 2"),
        (file(&[comment(1, "").replace("\"resident\"", "\"mayor\"")]), "unknown variant `mayor`"),
        (file(&[comment(1, "").replace("2026-12-02T09:00:00Z", "yesterday")]), "\"yesterday\" is not a UTC time"),
        (file(&[comment(1, "").replace(HASH, "XYZ")]), "comments[0].replay_hash"),
        // Deep nesting is refused at once, never a stack overflow.
        (format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)), "replay.comments.json:1:1: invalid type"),
        (
            format!(r#"{{"format": "pilotzone-comments", "x": {}{}}}"#, "[".repeat(100_000), "]".repeat(100_000)),
            "unknown field `x`",
        ),
    ];
    for (json, expected) in cases {
        let err = parse(&json).expect_err("refused");
        assert!(err.to_string().contains(expected), "{expected:?} in {err}");
    }
}

#[test]
fn an_oversized_file_is_refused_without_reading_it_whole() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("big.comments.json");
    let f = std::fs::File::create(&path).expect("creates");
    f.set_len(pilotzone_comments::MAX_FILE_BYTES + 1).expect("a sparse file");
    let err = Sidecar::read(&path).expect_err("too large");
    assert!(matches!(err, CommentError::TooLarge { .. }), "{err}");
}

#[test]
fn a_damaged_file_is_set_aside_whole_never_overwritten() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = sidecar_path(&dir.path().join("replay.pzr"));
    let damaged = b"{\"format\": \"pilotzone-comments\", \"comments\": [{\"text\": \"half";
    std::fs::write(&path, damaged).expect("written");
    let first = Sidecar::set_aside(&path).expect("moved");
    assert_eq!(first.file_name().and_then(|n| n.to_str()), Some("replay.comments.damaged-1.json"));
    assert!(!path.exists());
    std::fs::write(&path, b"\xff\xfe not utf-8").expect("written");
    let second = Sidecar::set_aside(&path).expect("moved");
    assert_eq!(second.file_name().and_then(|n| n.to_str()), Some("replay.comments.damaged-2.json"));
    assert_eq!(std::fs::read(&first).expect("kept"), damaged, "the first copy is untouched");
    assert_eq!(std::fs::read(&second).expect("kept"), b"\xff\xfe not utf-8");
}

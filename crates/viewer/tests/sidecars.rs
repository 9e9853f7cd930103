//! Comments and bookmarks beside a replay are other people's files. Written comments survive a
//! reload; a hostile or broken file (control characters, a megabyte of text, invalid UTF-8, a
//! truncated file) neither stops the replay from opening nor is lost: it is reported, left as
//! it is, and set aside whole when a new comment needs its place. Markup is only text.

use pilotzone_comments::{Role, Sidecar, bookmarks_path, sidecar_path};
use pilotzone_replay::Lang;
use pilotzone_viewer::agents::Run;
use pilotzone_viewer::source;
use pilotzone_viewer::ui::comments::{Draft, save};

mod common;

fn draft(text: &str) -> Draft {
    Draft {
        run: 0,
        place: [12.5, -40.0],
        t_ms: 600_000,
        reply_to: None,
        author: "山田 <b>".into(),
        role: Some(Role::Resident),
        text: text.into(),
    }
}

/// A fresh copy of the shared demo run, so each test owns its sidecar.
fn fresh_run() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::copy(common::demo_run().join("replay.pzr"), dir.path().join("replay.pzr")).expect("copied");
    dir
}

#[test]
fn comments_survive_save_and_reload_with_markup_kept_as_text() {
    let dir = fresh_run();
    let mut run = Run::new(source::open(dir.path()).expect("the run opens"));
    assert!(run.opened.comments.comments.is_empty());
    let text = "交差点が怖い <img src=x onerror=alert(1)></script> \"quoted\"";
    save(&mut run, &draft(text), Lang::Ja).expect("saved");
    let mut reply = draft("同感です");
    reply.reply_to = Some(1);
    save(&mut run, &reply, Lang::En).expect("saved");
    let again = source::open(dir.path()).expect("the run opens again");
    assert_eq!(again.comments_problem, None);
    let c = &again.comments.comments;
    assert_eq!(c.len(), 2);
    assert_eq!((c[0].text.as_str(), c[0].author.as_str()), (text, "山田 <b>"));
    assert_eq!((c[0].t_ms, c[0].place.x_m, c[0].place.y_m), (600_000, 12.5, -40.0));
    assert_eq!((c[1].reply_to, c[0].replay_hash.as_str()), (Some(1), again.hash.as_str()));
    assert_eq!(c[0].option, "base");
}

#[test]
fn hostile_and_broken_sidecars_are_reported_kept_and_set_aside_whole() {
    let dir = fresh_run();
    let hash = source::open(dir.path()).expect("the run opens").hash;
    let path = sidecar_path(&dir.path().join("replay.pzr"));
    let on = |hash: &str, text: &str| {
        format!(
            r#"{{"format":"pilotzone-comments","version":1,"replay_hash":"{hash}","comments":[{{"id":1,"replay_hash":"{hash}","option":"base","seed":42,"t_ms":0,"place":{{"x_m":0.0,"y_m":0.0}},"author":"a","role":"resident","text":{text},"created":"2026-12-02T10:00:00Z"}}]}}"#
        )
        .into_bytes()
    };
    let comment = |text: &str| on(&hash, text);
    let megabyte = serde_json::to_string(&"あ".repeat(350_000)).expect("json");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("control characters", comment(r#""red \u001b[31m alert""#), "comments[0].text"),
        ("a megabyte of text", comment(&megabyte), "comments[0].text"),
        ("invalid UTF-8", [&comment(r#""ok""#)[..40], b"\xff\xfe\xfd", &comment(r#""ok""#)[40..]].concat(), ":1:"),
        ("a truncated file", comment(r#""cut here""#)[..120].to_vec(), ":1:"),
        ("another replay's comments", on("fedcba9876543210", r#""x""#), "not on"),
    ];
    for (what, bytes, says) in cases {
        std::fs::write(&path, &bytes).expect("written");
        let opened = source::open(dir.path()).unwrap_or_else(|e| panic!("{what}: the replay must still open: {e:#}"));
        let problem = opened.comments_problem.clone().unwrap_or_else(|| panic!("{what}: reported"));
        assert!(problem.contains(says), "{what}: {problem}");
        assert!(opened.comments.comments.is_empty(), "{what}: nothing from it is shown");
        assert_eq!(std::fs::read(&path).expect("still there"), bytes, "{what}: opening leaves the file as it is");
        let mut run = Run::new(opened);
        let saved = save(&mut run, &draft("新しいコメント"), Lang::Ja).expect("a new comment is saved");
        assert!(saved.contains("damaged-"), "{what}: says where the old file went: {saved}");
        let aside = std::fs::read_dir(dir.path())
            .expect("listed")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.to_string_lossy().contains("damaged-"))
            .find(|p| std::fs::read(p).is_ok_and(|b| b == bytes));
        assert!(aside.is_some(), "{what}: the old file is kept whole");
        let again = Sidecar::read(&path).expect("the new file reads");
        assert_eq!(again.comments.len(), 1, "{what}");
        std::fs::remove_file(&path).expect("removed");
    }
}

#[test]
fn a_broken_bookmarks_file_is_reported_not_fatal() {
    let dir = fresh_run();
    std::fs::write(bookmarks_path(&dir.path().join("replay.pzr")), b"{\"format\": \"pilotzone-bookm").expect("written");
    let opened = source::open(dir.path()).expect("the run opens");
    assert!(opened.bookmarks_problem.as_deref().is_some_and(|p| p.contains(":1:")), "{:?}", opened.bookmarks_problem);
    assert!(opened.bookmarks.bookmarks.is_empty());
}

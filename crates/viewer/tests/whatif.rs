//! What if: the room's changes to the run's rules become a rule option, the scenario runs again
//! under it with the same seed, and the result is a run of its own beside the original, with
//! the option written where `pilotzone batch --rules` can read it.

use std::time::Duration;

use pilotzone_replay::Replay;
use pilotzone_viewer::source;
use pilotzone_viewer::whatif::{Edits, Rerun, next_folder};

mod common;

#[test]
fn a_changed_rule_becomes_an_option_and_a_run_beside_the_original() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::copy(common::demo_run().join("replay.pzr"), dir.path().join("replay.pzr")).expect("copied");
    let original = source::open(dir.path()).expect("the run opens");
    let header = original.cursor.replay().header();
    let mut edits = Edits::new(&header.scenario_text).expect("the embedded scenario loads");
    assert_eq!(edits.overlay("x"), Ok(None), "nothing changed, no option");

    let school = edits.rules.iter_mut().find(|r| r.id == "school-run-20").expect("the demo's school-run limit");
    assert_eq!((school.kmh, school.hours.clone()), (Some(20.0), Some(("07:30".into(), "08:30".into()))));
    school.kmh = Some(10.0);
    school.hours = Some(("07:00".into(), "09:00".into()));
    edits.rules.iter_mut().find(|r| r.id == "morning-market").expect("the market closure").in_force = false;
    let (out, name) = next_folder(&original.file);
    assert_eq!(name, "what-if-1");
    let overlay = edits.overlay(&name).expect("a valid change").expect("a change");
    assert_eq!(overlay.remove, ["morning-market"]);
    assert_eq!(overlay.rules.len(), 1);
    assert_eq!(
        overlay.description,
        "school-run-20 at 10 km/h; school-run-20 from 07:00 to 09:00; morning-market not in force"
    );

    let mut bad = edits.clone();
    bad.rules.iter_mut().find(|r| r.id == "school-run-20").expect("rule").hours = Some(("7h".into(), "09:00".into()));
    assert!(bad.overlay("y").expect_err("a bad time").contains("school-run-20"));

    let mut scenario = edits.scenario(&overlay).expect("the option applies");
    scenario.scenario.run.duration_s = 300;
    let rerun = Rerun::start(scenario, &overlay, header.seed, out.clone()).expect("started");
    let mut waited = 0;
    let done = loop {
        if let Some(done) = rerun.take_done() {
            break done;
        }
        assert!(waited < 600, "a five-minute re-run finishes");
        std::thread::sleep(Duration::from_millis(200));
        waited += 1;
    };
    assert_eq!(done, Ok(out.clone()));
    assert_eq!(rerun.now_ms.load(std::sync::atomic::Ordering::Relaxed), 300_000, "progress reaches the end");
    let replay = Replay::open(std::fs::read(out.join("replay.pzr")).expect("a replay")).expect("it reads");
    assert_eq!((replay.header().seed, replay.duration_ms()), (header.seed, 300_000));
    assert!(replay.header().scenario_text.contains("kmh: 10.0"), "the replay embeds the changed rule");
    assert!(!replay.header().scenario_text.contains("\"morning-market\""), "and not the rule taken out");
    let option = pilotzone_scenario::overlay::load_overlay(&out.join("option.ron")).expect("batch can read the option");
    assert_eq!(option, overlay);
    assert!(out.join("kpis.json").is_file());
    assert_eq!(next_folder(&original.file).1, "what-if-2", "the next try gets a folder of its own");
}

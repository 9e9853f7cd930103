//! The viewer in a real window: stills of the demo at a known time in Japanese and English,
//! taken under Xvfb with Mesa's software Vulkan (CI installs both and sets
//! `PILOTZONE_REQUIRE_DISPLAY=1`, so there the tests cannot skip). Each still comes with the
//! viewer's report of what it put where, and the picture is checked against it: the town's
//! roads and a vehicle's status colour are where the scene puts them, and Japanese labels are
//! glyphs, not boxes.

use std::path::{Path, PathBuf};
use std::process::Command;

use image::RgbImage;
use serde_json::Value;

mod common;

/// How to open a window here: on the desktop's display, or in a virtual one.
fn display() -> Option<Vec<String>> {
    let xvfb = Command::new("xvfb-run").arg("--help").output().is_ok();
    if xvfb {
        return Some(["xvfb-run", "-a", "-s", "-screen 0 1600x900x24"].map(str::to_owned).to_vec());
    }
    if std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some() {
        return Some(Vec::new());
    }
    assert!(
        std::env::var_os("PILOTZONE_REQUIRE_DISPLAY").is_none(),
        "PILOTZONE_REQUIRE_DISPLAY is set but there is no display and no xvfb-run (apt install xvfb mesa-vulkan-drivers)"
    );
    None
}

/// Takes a still with `args`; returns the picture and the report.
fn still(dir: &Path, name: &str, args: &[&str]) -> Option<(RgbImage, Value)> {
    let Some(prefix) = display() else {
        let note = "no display and no xvfb-run: the viewer's window tests are skipped\n";
        let _ = std::io::Write::write_all(&mut std::io::stderr(), note.as_bytes());
        return None;
    };
    // One window at a time: two `xvfb-run -a` starting together can pick the same display.
    static ONE_WINDOW: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _window = ONE_WINDOW.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let png = dir.join(format!("{name}.png"));
    let report = dir.join(format!("{name}.json"));
    let viewer = env!("CARGO_BIN_EXE_pilotzone-viewer");
    let mut command = match prefix.split_first() {
        Some((program, rest)) => {
            let mut c = Command::new(program);
            c.args(rest).arg(viewer);
            c
        }
        None => Command::new(viewer),
    };
    let png_arg = png.to_str().expect("utf-8");
    let report_arg = report.to_str().expect("utf-8");
    let o = command
        .args(args)
        .args(["--size", "1600x900", "--screenshot", png_arg, "--report", report_arg])
        .output()
        .expect("the viewer starts");
    assert!(o.status.success(), "{name}: {}", String::from_utf8_lossy(&o.stderr));
    let picture = image::open(&png).expect("a PNG").to_rgb8();
    let report: Value = serde_json::from_slice(&std::fs::read(&report).expect("a report")).expect("JSON");
    if let Ok(keep) = std::env::var("PILOTZONE_KEEP_STILLS") {
        std::fs::create_dir_all(&keep).expect("folder for stills");
        std::fs::copy(&png, PathBuf::from(keep).join(format!("{name}.png"))).expect("kept");
    }
    Some((picture, report))
}

fn near(a: [u8; 3], b: [u8; 3], tolerance: i32) -> bool {
    a.iter().zip(b).all(|(&x, y)| (i32::from(x) - i32::from(y)).abs() <= tolerance)
}

fn pixel(img: &RgbImage, x: f64, y: f64) -> Option<[u8; 3]> {
    let (x, y) = (x.round() as i64, y.round() as i64);
    (x >= 0 && y >= 0 && x < i64::from(img.width()) && y < i64::from(img.height()))
        .then(|| img.get_pixel(x as u32, y as u32).0)
}

/// Whether `colour` is found within `radius` pixels of `(x, y)`.
fn colour_near(img: &RgbImage, x: f64, y: f64, radius: i32, colour: [u8; 3]) -> bool {
    (-radius..=radius).any(|dy| {
        (-radius..=radius)
            .any(|dx| pixel(img, x + f64::from(dx), y + f64::from(dy)).is_some_and(|p| near(p, colour, 10)))
    })
}

fn xy(v: &Value) -> (f64, f64) {
    (v[0].as_f64().expect("x"), v[1].as_f64().expect("y"))
}

/// Checks the picture against the report: many colours, roads where the scene puts them, the
/// agents' status colours where their bodies are.
fn check_town(name: &str, img: &RgbImage, report: &Value) {
    assert_eq!((img.width(), img.height()), (1600, 900), "{name}");
    let colours: std::collections::BTreeSet<[u8; 3]> = (0..img.height())
        .step_by(5)
        .flat_map(|y| (0..img.width()).step_by(5).map(move |x| (x, y)))
        .map(|(x, y)| img.get_pixel(x, y).0)
        .collect();
    assert!(colours.len() > 200, "{name}: only {} colours, an empty or broken view", colours.len());
    // Road surfaces are dark grey in sun or shade; labels and vehicles may cover a few.
    let roads: Vec<(f64, f64)> = report["roads"].as_array().expect("roads").iter().map(xy).collect();
    let on_road = roads
        .iter()
        .filter(|&&(x, y)| {
            pixel(img, x, y).is_some_and(|p| {
                let (lo, hi) = (p.iter().min().copied().unwrap_or(0), p.iter().max().copied().unwrap_or(0));
                hi - lo < 30 && hi < 150
            })
        })
        .count();
    assert!(roads.len() >= 10, "{name}: roads in view: {}", roads.len());
    assert!(on_road * 10 >= roads.len() * 6, "{name}: {on_road} of {} road middles are road-grey", roads.len());
    // Every moving vehicle shows its status colour where the scene puts it (unlit symbols, no
    // tonemapping: the legend's colour exactly, up to the edges' blending).
    let agents = report["agents"].as_array().expect("agents");
    let vehicles: Vec<&Value> = agents.iter().filter(|a| a["kind"] == "taxi" || a["kind"] == "drone").collect();
    assert!(!vehicles.is_empty(), "{name}: vehicles in view");
    let shown = vehicles
        .iter()
        .filter(|a| {
            let c = &a["colour"];
            let colour = [0, 1, 2].map(|i| c[i].as_u64().expect("channel") as u8);
            let (x, y) = xy(&a["pixel"]);
            colour_near(img, x, y, 3, colour)
        })
        .count();
    assert!(shown * 4 >= vehicles.len() * 3, "{name}: {shown} of {} vehicles show their status colour", vehicles.len());
}

fn is_japanese(c: char) -> bool {
    matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}')
}

/// The label's pixels, as a grey picture the size of its rectangle.
fn crop(img: &RgbImage, rect: &Value) -> Vec<Vec<u8>> {
    let r: Vec<f64> = (0..4).map(|i| rect[i].as_f64().expect("rect")).collect();
    (r[1].ceil() as u32..r[3].floor() as u32)
        .map(|y| {
            (r[0].ceil() as u32..r[2].floor() as u32)
                .map(|x| {
                    let p = img.get_pixel(x.min(img.width() - 1), y.min(img.height() - 1)).0;
                    ((u16::from(p[0]) + u16::from(p[1]) + u16::from(p[2])) / 3) as u8
                })
                .collect()
        })
        .collect()
}

/// Fraction of pixels that differ clearly between two crops, over their common size.
fn difference(a: &[Vec<u8>], b: &[Vec<u8>]) -> f64 {
    let h = a.len().min(b.len());
    let w = a.first().map_or(0, Vec::len).min(b.first().map_or(0, Vec::len));
    let differing =
        (0..h).flat_map(|y| (0..w).map(move |x| (x, y))).filter(|&(x, y)| a[y][x].abs_diff(b[y][x]) > 60).count();
    differing as f64 / (w * h).max(1) as f64
}

#[test]
fn stills_of_the_demo_show_the_town_and_its_vehicles_in_japanese_and_english() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = common::demo_run().to_str().expect("utf-8");
    let Some((ja, ja_report)) = still(dir.path(), "demo-ja", &[run, "--at", "07:30", "--lang", "ja"]) else { return };
    let (en, en_report) = still(dir.path(), "demo-en", &[run, "--at", "07:30", "--lang", "en"]).expect("a display");
    check_town("ja", &ja, &ja_report);
    check_town("en", &en, &en_report);
    assert_eq!(ja_report["t_ms"], 1_800_000, "07:30 is half an hour into a run from 07:00");
    // Japanese labels are drawn with glyphs: two different names of the same length would
    // draw the same row of boxes if the font had no kana or kanji.
    let labels: Vec<(String, &Value)> = ja_report["labels"]
        .as_array()
        .expect("labels")
        .iter()
        .map(|l| (l[0].as_str().expect("text").to_owned(), &l[1]))
        .filter(|(text, _)| text.chars().filter(|&c| is_japanese(c)).count() >= 2)
        .collect();
    assert!(labels.len() >= 2, "Japanese labels over the town: {labels:?}");
    let pair = labels.iter().enumerate().find_map(|(i, a)| {
        labels[i + 1..].iter().find(|b| b.0 != a.0 && b.0.chars().count() == a.0.chars().count()).map(|b| (a, b))
    });
    let (a, b) = pair.unwrap_or((&labels[0], &labels[1]));
    let d = difference(&crop(&ja, a.1), &crop(&ja, b.1));
    assert!(d > 0.05, "{:?} and {:?} draw alike ({:.1} % of pixels differ): boxes, not glyphs", a.0, b.0, d * 100.0);
    let en_labels: Vec<&str> =
        en_report["labels"].as_array().expect("labels").iter().filter_map(|l| l[0].as_str()).collect();
    assert!(
        en_labels.iter().any(|t| t.is_ascii() && t.chars().any(char::is_alphabetic)),
        "English labels: {en_labels:?}"
    );
}

#[test]
fn two_options_side_by_side_each_show_their_town() {
    let study = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/compare-study");
    let (base, zone) = (study.join("runs/base/1"), study.join("runs/zone-30/1"));
    let dir = tempfile::tempdir().expect("temp dir");
    let args =
        [base.to_str().expect("utf-8"), "--compare", zone.to_str().expect("utf-8"), "--at", "07:05", "--lang", "en"];
    let Some((img, _)) = still(dir.path(), "compare-en", &args) else { return };
    // Each half of the view area is a town, not an empty viewport.
    for (half, xs) in [("left", 0..560u32), ("right", 640..1180u32)] {
        let colours: std::collections::BTreeSet<[u8; 3]> = (100..800)
            .step_by(4)
            .flat_map(|y| xs.clone().step_by(4).map(move |x| (x, y)))
            .map(|(x, y)| img.get_pixel(x, y).0)
            .collect();
        assert!(colours.len() > 100, "{half} half: {} colours", colours.len());
    }
}

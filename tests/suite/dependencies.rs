//! The dependency rules of the architecture (DESIGN.md), checked on the real dependency tree:
//! tools that read scenarios, replays and studies never compile the engine or a renderer, and
//! the simulation never depends on rendering or windowing.

use std::collections::BTreeSet;

/// What renders or opens a window.
const RENDERING: &[&str] = &["bevy_render", "bevy_winit", "bevy_egui", "wgpu", "winit"];
/// The engine: the ECS app, physics and the simulation built on them.
const ENGINE: &[&str] = &["bevy", "bevy_ecs", "bevy_app", "rapier3d", "pilotzone-sim"];

/// Every crate under `crates/` with what it must never depend on, directly or not. A crate
/// missing here fails the test, so a new crate states its rule when it is added.
const RULES: &[(&str, &[&[&str]])] = &[
    ("routing", &[ENGINE, RENDERING]),
    ("scenario", &[ENGINE, RENDERING]),
    ("osm", &[ENGINE, RENDERING]),
    ("replay", &[ENGINE, RENDERING]),
    ("study", &[ENGINE, RENDERING]),
    ("scene", &[ENGINE, RENDERING]),
    ("comments", &[ENGINE, RENDERING]),
    ("web", &[ENGINE, RENDERING]),
    ("serve", &[ENGINE, RENDERING]),
    ("fuzz-targets", &[ENGINE, RENDERING]),
    ("sim", &[RENDERING]),
    ("viewer", &[]),
];

/// The names of every package `package` depends on through normal (not dev or build) edges.
fn normal_dependencies(package: &str) -> BTreeSet<String> {
    let out = std::process::Command::new(env!("CARGO"))
        .args(["tree", "-p", package, "-e", "normal", "--offline", "--prefix", "none", "--format", "{p}"])
        .current_dir(crate::root())
        .output()
        .expect("cargo tree runs");
    assert!(out.status.success(), "{package}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != package)
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_crate_keeps_to_its_dependency_rule() {
    let crates = std::fs::read_dir(crate::root().join("crates")).expect("crates/ lists");
    let mut checked = Vec::new();
    for entry in crates {
        let dir = entry.expect("a crate folder").path();
        if !dir.join("Cargo.toml").exists() {
            continue;
        }
        let name = dir.file_name().and_then(|n| n.to_str()).expect("a utf-8 folder name").to_owned();
        let (_, banned) = RULES
            .iter()
            .find(|(c, _)| *c == name)
            .unwrap_or_else(|| panic!("crates/{name} has no dependency rule: add it to RULES"));
        let package = format!("pilotzone-{name}");
        let deps = normal_dependencies(&package);
        for banned in banned.iter().flat_map(|list| list.iter()) {
            assert!(!deps.contains(*banned), "{package} depends on {banned}; its rule forbids that");
        }
        checked.push(name);
    }
    for must in ["replay", "scenario", "routing", "sim", "study", "scene"] {
        assert!(checked.iter().any(|c| c == must), "crates/{must} was checked: {checked:?}");
    }
}

/// The checker itself sees what it must: the simulation's tree holds the engine, the replay's
/// does not, so a rule that passes is not passing on an empty tree.
#[test]
fn the_dependency_check_sees_the_engine_where_it_is() {
    let sim = normal_dependencies("pilotzone-sim");
    assert!(sim.contains("bevy_ecs") && sim.contains("rapier3d"), "the tree is the simulation's: {sim:?}");
    for banned in RENDERING {
        assert!(!sim.contains(*banned), "pilotzone-sim depends on {banned}");
    }
    let replay = normal_dependencies("pilotzone-replay");
    assert!(replay.contains("flate2") && !replay.contains("bevy_ecs"), "{replay:?}");
}

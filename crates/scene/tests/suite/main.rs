//! The scene crate's integration tests, linked as one binary: scenes of the shipped scenarios,
//! and agents and incident markers from a real replay.

mod replay;
mod shipped;

use std::path::PathBuf;

use pilotzone_scenario::LoadedScenario;

/// A shipped scenario, loaded as the command line loads it (map files and included rules merged).
pub fn shipped(name: &str) -> LoadedScenario {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios").join(format!("{name}.ron"));
    pilotzone_scenario::load(&path).unwrap_or_else(|e| panic!("{name} loads: {e}"))
}

/// Every shipped scenario.
pub const SHIPPED: &[&str] = &["demo", "island-drones", "kotka-district", "ageing-town", "rural-shuttle"];

//! A run folder or replay dropped on the window replaces the one shown: the town, its agents,
//! the clock and the camera start afresh. A file that cannot be opened leaves the view as it
//! was, with the reason in the top bar.

use bevy::prelude::*;
use bevy::window::FileDragAndDrop;
use pilotzone_scene::metres;

use crate::agents::{AgentBody, Layout, Run, Selection, Shown, Stem, spawn_agents};
use crate::camera::OrbitCamera;
use crate::i18n::t;
use crate::playback::Playback;
use crate::town::{Town, TownPart, spawn_town};
use crate::ui::UiState;

/// Every entity drawn for the run shown.
type Drawn = Or<(With<TownPart>, With<AgentBody>, With<Stem>)>;

/// Opens what was dropped on the window.
pub fn open_dropped(
    mut commands: Commands,
    mut dropped: MessageReader<FileDragAndDrop>,
    mut ui: ResMut<UiState>,
    live: Option<Res<crate::live::Live>>,
    mut what_if: ResMut<crate::ui::whatif::WhatIf>,
    old: Query<Entity, Drawn>,
) {
    let Some(path) = dropped.read().find_map(|d| match d {
        FileDragAndDrop::DroppedFile { path_buf, .. } => Some(path_buf.clone()),
        _ => None,
    }) else {
        return;
    };
    let lang = ui.lang;
    if live.is_some() {
        ui.notice = Some(format!("✘ {}: {} ({})", t("open.failed", lang), path.display(), t("live", lang)));
        return;
    }
    let opened = match crate::source::open(&path) {
        Ok(o) => o,
        Err(e) => {
            ui.notice = Some(format!("✘ {}: {e:#}", t("open.failed", lang)));
            return;
        }
    };
    for e in &old {
        commands.entity(e).despawn();
    }
    let scene = opened.scene.clone();
    let replay = opened.cursor.replay();
    let playback = Playback::new(replay.duration_ms(), u64::from(replay.header().record_ms));
    let plan = |p: [i32; 2]| [metres(p[0]) as f32, metres(p[1]) as f32];
    commands.insert_resource(OrbitCamera::overlooking(plan(scene.bounds.min), plan(scene.bounds.max)));
    ui.notice = Some(format!("✔ {}: {}", t("open.dropped", lang), opened.file.display()));
    ui.incident = None;
    ui.tour = None;
    ui.comments = Default::default();
    // The rules being tried belonged to the run that was shown.
    what_if.edits = None;
    what_if.message = None;
    commands.insert_resource(Shown { main: Run::new(opened), other: None, layout: Layout::SideBySide, study: None });
    commands.insert_resource(Town { scene });
    commands.insert_resource(playback);
    commands.insert_resource(Selection::default());
    commands.run_system_cached(spawn_town);
    commands.run_system_cached(spawn_agents);
}

//! The panels round the 3D view: a top bar, the timeline below, incidents and KPIs on the
//! right, and labels over the town. egui draws them; the 3D camera gets what is left.

pub mod comments;
mod overlay;
mod side;
mod timeline;

use std::sync::Arc;

use bevy::camera::Viewport;
use bevy::prelude::*;
use bevy::window::PrimaryWindow;
use bevy_egui::{EguiContexts, egui};
use pilotzone_replay::Lang;

use crate::agents::{Selection, Shown};
use crate::camera::{OrbitCamera, UiCaptures};
use crate::i18n::{JAPANESE_FONT, t};
use crate::playback::{MEETING_SPEED_MAX, Playback};
use crate::stills::StillRequests;

/// How the panels are shown.
#[derive(Resource, Debug)]
pub struct UiState {
    /// Language of every label.
    pub lang: Lang,
    /// Presentation mode: larger text for a projector.
    pub present: bool,
    fonts_set: bool,
    /// Incident picked in the list, by index.
    pub incident: Option<usize>,
    /// Comments being placed, written or listed.
    pub comments: comments::CommentUi,
}

impl UiState {
    /// Panels in `lang`, presentation mode on or off.
    pub fn new(lang: Lang, present: bool) -> Self {
        UiState { lang, present, fonts_set: false, incident: None, comments: comments::CommentUi::default() }
    }
}

/// egui's own fonts have no Japanese: IPAex Gothic comes after them for every family, so Latin
/// text keeps egui's face and kana and kanji find theirs.
fn set_fonts(ctx: &egui::Context) {
    let mut fonts = egui::FontDefinitions::default();
    fonts.font_data.insert("ipaex-gothic".into(), Arc::new(egui::FontData::from_static(JAPANESE_FONT)));
    for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
        fonts.families.entry(family).or_default().push("ipaex-gothic".into());
    }
    ctx.set_fonts(fonts);
}

/// Moves the view to an incident: paused at its moment, the camera over its place.
pub fn jump_to_incident(shown: &Shown, i: usize, playback: &mut Playback, orbit: &mut OrbitCamera) {
    let Some(m) = shown.opened.incidents.get(i) else { return };
    playback.playing = false;
    playback.seek(m.t_ms);
    orbit.focus = Vec3::from(crate::geometry::world([m.at_m[0] as f32, m.at_m[1] as f32], 0.0));
    orbit.distance = orbit.distance.min(180.0);
}

/// Keyboard shortcuts for the timeline and the panels (not while typing in a text field).
pub fn keyboard(
    keys: Res<ButtonInput<KeyCode>>,
    captures: Res<UiCaptures>,
    shown: Res<Shown>,
    mut playback: ResMut<Playback>,
    mut orbit: ResMut<OrbitCamera>,
    mut ui: ResMut<UiState>,
    mut selection: ResMut<Selection>,
) {
    if captures.keyboard {
        return;
    }
    let shift = keys.pressed(KeyCode::ShiftLeft) || keys.pressed(KeyCode::ShiftRight);
    if keys.just_pressed(KeyCode::Space) {
        playback.toggle();
    }
    for (key, forward) in [(KeyCode::ArrowRight, true), (KeyCode::ArrowLeft, false)] {
        if keys.just_pressed(key) {
            if shift {
                let t = playback.t_ms();
                playback.seek(if forward { t + 60_000 } else { t.saturating_sub(60_000) });
            } else {
                playback.step(forward);
            }
        }
    }
    if keys.just_pressed(KeyCode::BracketRight) {
        playback.change_speed(true, MEETING_SPEED_MAX);
    }
    if keys.just_pressed(KeyCode::BracketLeft) {
        playback.change_speed(false, MEETING_SPEED_MAX);
    }
    if keys.just_pressed(KeyCode::KeyB) {
        playback.backwards = !playback.backwards;
    }
    if keys.just_pressed(KeyCode::KeyN) {
        let now = playback.t_ms();
        let next = shown.opened.incidents.iter().position(|m| m.t_ms > now);
        if let Some(i) = next.or((!shown.opened.incidents.is_empty()).then_some(0)) {
            ui.incident = Some(i);
            jump_to_incident(&shown, i, &mut playback, &mut orbit);
        }
    }
    if keys.just_pressed(KeyCode::KeyL) {
        ui.lang = if ui.lang == Lang::Ja { Lang::En } else { Lang::Ja };
    }
    if keys.just_pressed(KeyCode::KeyP) {
        ui.present = !ui.present;
    }
    if keys.just_pressed(KeyCode::KeyF) && selection.id.is_some() {
        selection.follow = !selection.follow;
    }
    if keys.just_pressed(KeyCode::Escape) {
        *selection = Selection::default();
    }
}

/// Advances the clock by the wall time since the last frame.
pub fn advance_clock(time: Res<Time>, mut playback: ResMut<Playback>) {
    playback.advance(f64::from(time.delta_secs()));
}

/// Draws every panel and gives the 3D camera the rest of the window.
pub fn draw_panels(
    mut contexts: EguiContexts,
    mut ui_state: ResMut<UiState>,
    mut playback: ResMut<Playback>,
    mut shown: ResMut<Shown>,
    mut orbit: ResMut<OrbitCamera>,
    mut selection: ResMut<Selection>,
    mut captures: ResMut<UiCaptures>,
    stills: Res<StillRequests>,
    window: Single<&Window, With<PrimaryWindow>>,
    mut camera: Single<(&mut Camera, &GlobalTransform), With<Camera3d>>,
) -> Result {
    let ctx = contexts.ctx_mut()?.clone();
    if !ui_state.fonts_set {
        set_fonts(&ctx);
        ui_state.fonts_set = true;
    }
    ctx.set_zoom_factor(if ui_state.present { 1.45 } else { 1.0 });
    let lang = ui_state.lang;
    let mut root = egui::Ui::new(
        ctx.clone(),
        "viewer".into(),
        egui::UiBuilder::new().layer_id(egui::LayerId::background()).max_rect(ctx.viewport_rect()),
    );
    egui::Panel::top("top").show(&mut root, |ui| {
        ui.horizontal_wrapped(|ui| {
            ui.heading(format!("{} — {}", t("app.title", lang), shown.opened.scene.name));
            ui.separator();
            if ui.button(t("language", lang)).clicked() {
                ui_state.lang = if lang == Lang::Ja { Lang::En } else { Lang::Ja };
            }
            ui.toggle_value(&mut ui_state.present, t("present", lang));
            let view = if orbit.is_top_down() { t("view.orbit", lang) } else { t("view.top", lang) };
            if ui.button(view).clicked() {
                orbit.toggle_top_down();
            }
            if let Some(msg) = &stills.last {
                ui.label(egui::RichText::new(msg).small());
            }
        });
        if let Some(damage) = &shown.opened.damage {
            ui.colored_label(egui::Color32::from_rgb(0xd5, 0x5e, 0x00), format!("⚠ {}: {damage}", t("damaged", lang)));
        }
        if let Some(e) = &shown.error {
            ui.colored_label(egui::Color32::from_rgb(0xd5, 0x5e, 0x00), format!("⚠ {e}"));
        }
    });
    egui::Panel::bottom("timeline")
        .show(&mut root, |ui| timeline::draw(ui, lang, &mut playback, &shown, &mut ui_state));
    egui::Panel::right("side").default_size(if ui_state.present { 420.0 } else { 360.0 }).show(&mut root, |ui| {
        side::draw(ui, lang, &mut ui_state, &mut shown, &mut playback, &mut orbit, &mut selection)
    });
    let central = root.available_rect_before_wrap();
    let ppp = ctx.pixels_per_point();
    let size = window.physical_size();
    let min = (central.min.to_vec2() * ppp).max(egui::Vec2::ZERO);
    let max = (central.max.to_vec2() * ppp).min(egui::vec2(size.x as f32, size.y as f32));
    if max.x - min.x >= 1.0 && max.y - min.y >= 1.0 {
        camera.0.viewport = Some(Viewport {
            physical_position: UVec2::new(min.x as u32, min.y as u32),
            physical_size: UVec2::new((max.x - min.x) as u32, (max.y - min.y) as u32),
            ..default()
        });
    }
    let placed = overlay::draw(
        &ctx,
        lang,
        central,
        window.scale_factor(),
        &camera,
        &shown,
        &playback,
        &mut selection,
        ui_state.comments.placing,
    );
    if let Some(place) = placed {
        comments::start(&mut ui_state.comments, place, &playback, None);
    }
    comments::form(&ctx, lang, &mut ui_state.comments, &mut shown);
    // Panels surround the view; the pointer belongs to them outside the view, or while a
    // widget is being dragged.
    let outside = ctx.pointer_latest_pos().is_some_and(|p| !central.contains(p));
    captures.pointer = outside || ctx.dragged_id().is_some();
    captures.keyboard = ctx.egui_wants_keyboard_input();
    Ok(())
}

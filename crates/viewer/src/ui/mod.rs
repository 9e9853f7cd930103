//! The panels round the 3D view: a top bar, the timeline below, incidents, KPIs, comments and
//! bookmarks on the right, and labels over the town. egui draws them; the town's cameras get
//! what is left (split in two when runs are compared side by side).

pub mod comments;
pub mod compare;
mod overlay;
mod side;
mod timeline;
pub mod tour;
pub mod whatif;

use std::sync::Arc;

use bevy::camera::Viewport;
use bevy::camera::visibility::RenderLayers;
use bevy::prelude::*;
use bevy::window::PrimaryWindow;
use bevy_egui::{EguiContexts, egui};
use pilotzone_replay::Lang;

use crate::agents::{Layout, Selection, Shown};
use crate::camera::{OrbitCamera, RunView, UiCaptures, view_layers};
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
    /// A bookmark being named.
    pub bookmark_draft: Option<String>,
    /// The tour through incidents and bookmarks, when one runs.
    pub tour: Option<tour::Tour>,
    /// Text shown once in the top bar (a file dropped on the window, a finished run).
    pub notice: Option<String>,
}

impl UiState {
    /// Panels in `lang`, presentation mode on or off.
    pub fn new(lang: Lang, present: bool) -> Self {
        UiState {
            lang,
            present,
            fonts_set: false,
            incident: None,
            comments: comments::CommentUi::default(),
            bookmark_draft: None,
            tour: None,
            notice: None,
        }
    }
}

/// egui's own fonts have no Japanese: IPAex Gothic comes after them for every family, so Latin
/// text keeps egui's face and kana and kanji find theirs.
pub fn set_fonts(ctx: &egui::Context) {
    let mut fonts = egui::FontDefinitions::default();
    fonts.font_data.insert("ipaex-gothic".into(), Arc::new(egui::FontData::from_static(JAPANESE_FONT)));
    for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
        fonts.families.entry(family).or_default().push("ipaex-gothic".into());
    }
    ctx.set_fonts(fonts);
}

/// Moves the view to a place: the camera over it, close enough to see who is there.
pub fn look_at(orbit: &mut OrbitCamera, at_m: [f64; 2]) {
    orbit.focus = Vec3::from(crate::geometry::world([at_m[0] as f32, at_m[1] as f32], 0.0));
    orbit.distance = orbit.distance.min(180.0);
}

/// Moves the view to an incident of the main run: paused at its moment, over its place.
pub fn jump_to_incident(shown: &Shown, i: usize, playback: &mut Playback, orbit: &mut OrbitCamera) {
    let Some(m) = shown.main.opened.incidents.get(i) else { return };
    playback.playing = false;
    playback.seek(m.t_ms);
    look_at(orbit, [m.at_m[0], m.at_m[1]]);
}

/// Moves the view to a bookmark: paused at its moment, the camera where it was kept.
pub fn jump_to_bookmark(b: &pilotzone_comments::Bookmark, playback: &mut Playback, orbit: &mut OrbitCamera) {
    playback.playing = false;
    playback.seek(b.t_ms);
    if let Some(pose) = b.camera {
        orbit.set_pose(pose);
    }
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
        ui.tour = None;
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
        let incidents = &shown.main.opened.incidents;
        let next = incidents.iter().position(|m| m.t_ms > now);
        if let Some(i) = next.or((!incidents.is_empty()).then_some(0)) {
            ui.incident = Some(i);
            jump_to_incident(&shown, i, &mut playback, &mut orbit);
        }
    }
    if keys.just_pressed(KeyCode::KeyM) {
        let now = playback.t_ms();
        let marks = &shown.main.opened.bookmarks.bookmarks;
        let next = marks.iter().position(|b| b.t_ms > now).or((!marks.is_empty()).then_some(0));
        if let Some(b) = next.map(|i| &marks[i]) {
            jump_to_bookmark(b, &mut playback, &mut orbit);
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
        ui.tour = None;
    }
}

/// Advances the clock by the wall time since the last frame.
pub fn advance_clock(time: Res<Time>, mut playback: ResMut<Playback>) {
    playback.advance(f64::from(time.delta_secs()));
}

/// The town's cameras, each with its run.
type TownCameras<'w, 's> =
    Query<'w, 's, (&'static mut Camera, &'static GlobalTransform, &'static RunView, &'static mut RenderLayers)>;

/// Splits the rectangle the panels leave between the town's cameras (physical pixels).
fn place_viewports(
    central: egui::Rect,
    ppp: f32,
    window: &Window,
    shown: &Shown,
    cameras: &mut TownCameras<'_, '_>,
) -> [egui::Rect; 2] {
    let split = shown.other.is_some() && shown.layout == Layout::SideBySide;
    let halves = if split {
        let mid = central.center().x;
        [
            egui::Rect::from_min_max(central.min, egui::pos2(mid - 1.0, central.max.y)),
            egui::Rect::from_min_max(egui::pos2(mid + 1.0, central.min.y), central.max),
        ]
    } else {
        [central, egui::Rect::NOTHING]
    };
    let size = window.physical_size();
    for (mut camera, _, view, mut layers) in cameras.iter_mut() {
        let rect = halves[view.0];
        let active = view.0 == 0 || split;
        camera.is_active = active;
        let wanted = view_layers(view.0, shown.layout == Layout::Overlay);
        if *layers != wanted {
            *layers = wanted;
        }
        let min = (rect.min.to_vec2() * ppp).max(egui::Vec2::ZERO);
        let max = (rect.max.to_vec2() * ppp).min(egui::vec2(size.x as f32, size.y as f32));
        if active && max.x - min.x >= 1.0 && max.y - min.y >= 1.0 {
            camera.viewport = Some(Viewport {
                physical_position: UVec2::new(min.x as u32, min.y as u32),
                physical_size: UVec2::new((max.x - min.x) as u32, (max.y - min.y) as u32),
                ..default()
            });
        }
    }
    halves
}

/// Draws every panel and gives the town's cameras the rest of the window.
pub fn draw_panels(
    mut contexts: EguiContexts,
    mut ui_state: ResMut<UiState>,
    mut playback: ResMut<Playback>,
    mut shown: ResMut<Shown>,
    mut orbit: ResMut<OrbitCamera>,
    mut selection: ResMut<Selection>,
    mut captures: ResMut<UiCaptures>,
    // Stills: the status of the last one, and the labels a report of the next one lists.
    (stills, mut labels): (Res<StillRequests>, ResMut<crate::stills::DrawnLabels>),
    live: Option<Res<crate::live::LiveStatus>>,
    mut what_if: ResMut<whatif::WhatIf>,
    window: Single<&Window, With<PrimaryWindow>>,
    mut cameras: TownCameras,
) -> Result {
    let ctx = contexts.ctx_mut()?.clone();
    // Only a run started from a scenario has anything to say about running.
    let live = live.filter(|l| l.running || l.done.is_some());
    let running = live.as_ref().is_some_and(|l| l.running);
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
            ui.heading(format!("{} — {}", t("app.title", lang), shown.main.opened.scene.name));
            ui.separator();
            if ui.button(t("language", lang)).clicked() {
                ui_state.lang = if lang == Lang::Ja { Lang::En } else { Lang::Ja };
            }
            ui.toggle_value(&mut ui_state.present, t("present", lang));
            let view = if orbit.is_top_down() { t("view.orbit", lang) } else { t("view.top", lang) };
            if ui.button(view).clicked() {
                orbit.toggle_top_down();
            }
            let touring = ui_state.tour.is_some();
            if ui.selectable_label(touring, if touring { t("tour.stop", lang) } else { t("tour", lang) }).clicked() {
                ui_state.tour = if touring { None } else { Some(tour::Tour::new(&shown.main.opened)) };
            }
            if !running {
                ui.toggle_value(&mut what_if.open, t("whatif", lang));
            }
            if shown.other.is_some() {
                ui.separator();
                ui.selectable_value(&mut shown.layout, Layout::SideBySide, t("compare.side", lang));
                ui.selectable_value(&mut shown.layout, Layout::Overlay, t("compare.overlay", lang));
            }
            if let Some(msg) = &stills.last {
                ui.label(egui::RichText::new(msg).small());
            }
        });
        let warn = |ui: &mut egui::Ui, text: String| {
            ui.colored_label(egui::Color32::from_rgb(0xd5, 0x5e, 0x00), format!("⚠ {text}"));
        };
        if let Some(live) = &live {
            ui.label(egui::RichText::new(live.line(lang)).strong());
        }
        for run in [Some(&shown.main), shown.other.as_ref()].into_iter().flatten() {
            if let Some(damage) = run.opened.damage.as_ref().filter(|_| !running) {
                warn(ui, format!("{}: {damage}", t("damaged", lang)));
            }
            if let Some(e) = &run.error {
                warn(ui, e.clone());
            }
            if let Some(p) = &run.opened.comments_problem {
                warn(ui, format!("{}: {p}", t("comments.unreadable", lang)));
            }
            if let Some(p) = &run.opened.bookmarks_problem {
                warn(ui, format!("{}: {p}", t("bookmarks.unreadable", lang)));
            }
        }
        if let Some(n) = &ui_state.notice {
            ui.label(n.as_str());
        }
    });
    egui::Panel::bottom("timeline")
        .show(&mut root, |ui| timeline::draw(ui, lang, &mut playback, &shown, &mut ui_state));
    // Two runs need room for four columns of KPIs and the study's five.
    let side_width = match (shown.other.is_some(), ui_state.present) {
        (true, _) => 620.0,
        (false, true) => 440.0,
        (false, false) => 380.0,
    };
    egui::Panel::right("side").default_size(side_width).show(&mut root, |ui| {
        side::draw(ui, lang, &mut ui_state, &mut shown, &mut playback, &mut orbit, &mut selection, running)
    });
    let central = root.available_rect_before_wrap();
    let halves = place_viewports(central, ctx.pixels_per_point(), &window, &shown, &mut cameras);
    let mut placed = None;
    let mut drawn = Vec::new();
    for (camera, transform, view, _) in cameras.iter() {
        if !camera.is_active {
            continue;
        }
        let Some(run) = shown.run(view.0) else { continue };
        let header = shown.other.as_ref().map(|other| match (view.0, shown.layout) {
            (0, Layout::Overlay) => format!(
                "{}: {} · {} ({})",
                t("option", lang),
                run.opened.option,
                other.opened.option,
                t("compare.ghost", lang)
            ),
            _ => format!("{}: {}", t("option", lang), run.opened.option),
        });
        let picked = overlay::draw(
            &ctx,
            lang,
            halves[view.0],
            window.scale_factor(),
            (camera, transform),
            run,
            header.as_deref(),
            &playback,
            if view.0 == 0 { Some(&mut *selection) } else { None },
            ui_state.comments.placing,
            &mut drawn,
        );
        if let Some(place) = picked {
            placed = Some((view.0, place));
        }
    }
    let ppp = ctx.pixels_per_point();
    labels.0 = drawn
        .into_iter()
        .map(|(text, r)| (text, [r.min.x * ppp, r.min.y * ppp, r.max.x * ppp, r.max.y * ppp]))
        .collect();
    if let Some((which, place)) = placed {
        comments::start(&mut ui_state.comments, which, place, &playback, None);
    }
    comments::form(&ctx, lang, &mut ui_state.comments, &mut shown);
    side::bookmark_form(&ctx, lang, &mut ui_state, &mut shown, &playback, &orbit);
    whatif::window(&ctx, lang, &mut what_if, &shown);
    // Panels surround the view; the pointer belongs to them outside the view, or while a
    // widget is being dragged.
    let outside = ctx.pointer_latest_pos().is_some_and(|p| !central.contains(p));
    let over_window = ctx
        .pointer_latest_pos()
        .and_then(|p| ctx.layer_id_at(p))
        .is_some_and(|layer| layer.order != egui::Order::Background);
    captures.pointer = outside || over_window || ctx.dragged_id().is_some();
    captures.keyboard = ctx.egui_wants_keyboard_input();
    Ok(())
}

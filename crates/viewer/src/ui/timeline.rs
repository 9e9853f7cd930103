//! The timeline: play, pause, direction, speed, one step either way, the clock of day, and a bar
//! over the whole run with a tick for every incident; click or drag the bar to go anywhere.

use bevy_egui::egui;
use pilotzone_replay::{Lang, Severity};

use super::UiState;
use crate::agents::Shown;
use crate::i18n::{clock, t};
use crate::playback::{MEETING_SPEED_MAX, Playback, SPEEDS};

/// The colour of an incident tick: darker for worse.
pub fn severity_colour(severity: Option<Severity>) -> egui::Color32 {
    match severity {
        Some(Severity::Severe) => egui::Color32::from_rgb(0xb0, 0x20, 0x20),
        Some(Severity::Serious) => egui::Color32::from_rgb(0xd5, 0x5e, 0x00),
        _ => egui::Color32::from_rgb(0xe6, 0x9f, 0x00),
    }
}

/// Draws the timeline.
pub fn draw(ui: &mut egui::Ui, lang: Lang, playback: &mut Playback, shown: &Shown, state: &mut UiState) {
    let start_s = u64::from(shown.main.opened.scene.start_s);
    ui.add_space(4.0);
    ui.horizontal(|ui| {
        if ui.button("⏴").on_hover_text(t("step.back", lang)).clicked() {
            playback.step(false);
        }
        let (icon, label) = if playback.playing { ("⏸", t("pause", lang)) } else { ("⏵", t("play", lang)) };
        if ui.button(egui::RichText::new(format!("{icon} {label}")).strong()).clicked() {
            playback.toggle();
        }
        if ui.button("⏵").on_hover_text(t("step.forward", lang)).clicked() {
            playback.step(true);
        }
        let direction = if playback.backwards { t("backwards", lang) } else { t("forwards", lang) };
        if ui.selectable_label(playback.backwards, format!("⟲ {direction}")).clicked() {
            playback.backwards = !playback.backwards;
        }
        ui.label(t("speed", lang));
        egui::ComboBox::from_id_salt("speed").selected_text(format!("×{}", playback.speed)).show_ui(ui, |ui| {
            for s in SPEEDS.into_iter().filter(|&s| s <= MEETING_SPEED_MAX) {
                ui.selectable_value(&mut playback.speed, s, format!("×{s}"));
            }
        });
        ui.separator();
        let now_s = start_s + playback.t_ms() / 1000;
        ui.label(egui::RichText::new(format!("{} {}", t("clock", lang), clock(now_s))).size(22.0).monospace().strong());
        ui.label(format!("{} – {}", clock(start_s), clock(start_s + playback.end_ms() / 1000)));
    });
    let width = ui.available_width();
    let (rect, response) = ui.allocate_exact_size(egui::vec2(width, 30.0), egui::Sense::click_and_drag());
    let painter = ui.painter_at(rect);
    let visuals = ui.visuals();
    painter.rect_filled(rect, 4.0, visuals.extreme_bg_color);
    let end = playback.end_ms().max(1) as f32;
    let x_of = |t_ms: u64| rect.left() + rect.width() * (t_ms as f32 / end).clamp(0.0, 1.0);
    // Hour marks.
    let first_hour = start_s.div_ceil(3600) * 3600;
    let mut h = first_hour;
    while (h - start_s) * 1000 <= playback.end_ms() {
        let x = x_of((h - start_s) * 1000);
        painter.line_segment(
            [egui::pos2(x, rect.top()), egui::pos2(x, rect.top() + 6.0)],
            visuals.widgets.noninteractive.fg_stroke,
        );
        painter.text(
            egui::pos2(x + 2.0, rect.top()),
            egui::Align2::LEFT_TOP,
            clock(h)[..5].to_owned(),
            egui::FontId::proportional(10.0),
            visuals.weak_text_color(),
        );
        h += 3600;
    }
    // The main run's incidents hang from the top; a compared run's stand on the bottom.
    let mid = rect.center().y;
    for (i, m) in shown.main.opened.incidents.iter().enumerate() {
        let x = x_of(m.t_ms);
        let picked = state.incident == Some(i);
        let stroke = egui::Stroke::new(if picked { 3.0 } else { 1.5 }, severity_colour(m.severity));
        let bottom = if shown.other.is_some() { mid } else { rect.bottom() };
        painter.line_segment([egui::pos2(x, rect.top() + 12.0), egui::pos2(x, bottom)], stroke);
    }
    if let Some(other) = &shown.other {
        for m in &other.opened.incidents {
            let x = x_of(m.t_ms);
            let stroke = egui::Stroke::new(1.5, severity_colour(m.severity).gamma_multiply(0.6));
            painter.line_segment([egui::pos2(x, mid + 2.0), egui::pos2(x, rect.bottom())], stroke);
        }
    }
    for c in &shown.main.opened.comments.comments {
        let x = x_of(c.t_ms);
        painter.circle_filled(egui::pos2(x, rect.top() + 9.0), 3.5, egui::Color32::from_rgb(0x00, 0x72, 0xb2));
    }
    for b in &shown.main.opened.bookmarks.bookmarks {
        let x = x_of(b.t_ms);
        let top = rect.top() + 2.0;
        let flag = vec![egui::pos2(x, top), egui::pos2(x + 7.0, top + 4.0), egui::pos2(x, top + 8.0)];
        painter.add(egui::Shape::convex_polygon(flag, egui::Color32::from_rgb(0x00, 0x9e, 0x73), egui::Stroke::NONE));
    }
    let x = x_of(playback.t_ms());
    painter.line_segment(
        [egui::pos2(x, rect.top()), egui::pos2(x, rect.bottom())],
        egui::Stroke::new(3.0, visuals.strong_text_color()),
    );
    if let Some(p) = response.interact_pointer_pos() {
        let k = ((p.x - rect.left()) / rect.width()).clamp(0.0, 1.0);
        playback.seek((k * end) as u64);
    }
    ui.add_space(2.0);
}

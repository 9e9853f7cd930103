//! The what-if window: the run's rules with what can be changed in the room (in force or not,
//! a speed limit, the hours), a button that runs the scenario again under the change, a
//! progress bar, and, when it is done, the result opened beside the original.

use bevy::prelude::*;
use bevy_egui::egui;
use pilotzone_replay::Lang;

use crate::agents::{AgentParts, Layout, Run, Shown, spawn_agents};
use crate::i18n::t;
use crate::whatif::{Edits, Rerun, changed, next_folder};

/// The what-if window's state.
#[derive(Resource, Default)]
pub struct WhatIf {
    /// Whether the window is open.
    pub open: bool,
    /// The rules being edited (made when the window first opens).
    pub edits: Option<Edits>,
    /// The re-run under way.
    pub rerun: Option<Rerun>,
    /// What the last attempt said.
    pub message: Option<String>,
}

/// Draws the window.
pub fn window(ctx: &egui::Context, lang: Lang, state: &mut WhatIf, shown: &Shown) {
    if !state.open {
        return;
    }
    if state.edits.is_none() {
        match Edits::new(&shown.main.opened.cursor.replay().header().scenario_text) {
            Ok(e) => state.edits = Some(e),
            Err(e) => state.message = Some(format!("✘ {e}")),
        }
    }
    let mut open = true;
    let mut start = false;
    egui::Window::new(t("whatif", lang)).open(&mut open).default_width(420.0).show(ctx, |ui| {
        let running = state.rerun.is_some();
        if let Some(edits) = &mut state.edits {
            egui::ScrollArea::vertical().max_height(360.0).show(ui, |ui| {
                for r in &mut edits.rules {
                    ui.add_enabled_ui(!running, |ui| {
                        let name = if lang == Lang::Ja { &r.names.ja } else { &r.names.en };
                        let name = if name.is_empty() { &r.id } else { name };
                        ui.checkbox(&mut r.in_force, egui::RichText::new(name.as_str()).strong()).on_hover_text(&r.id);
                        ui.add_enabled_ui(r.in_force, |ui| {
                            ui.indent(("rule", r.id.as_str()), |ui| {
                                if let Some(kmh) = &mut r.kmh {
                                    ui.add(
                                        egui::Slider::new(kmh, 5.0..=80.0).step_by(5.0).text(t("whatif.speed", lang)),
                                    );
                                }
                                if let Some((from, to)) = &mut r.hours {
                                    ui.horizontal(|ui| {
                                        ui.label(t("whatif.hours", lang));
                                        ui.add(egui::TextEdit::singleline(from).desired_width(60.0).char_limit(8));
                                        ui.label("–");
                                        ui.add(egui::TextEdit::singleline(to).desired_width(60.0).char_limit(8));
                                    });
                                }
                            });
                        });
                    });
                }
            });
            ui.separator();
            let ready = !running && changed(edits);
            if ui.add_enabled(ready, egui::Button::new(t("whatif.run", lang))).clicked() {
                start = true;
            }
        }
        if let Some(r) = &state.rerun {
            let done = r.now_ms.load(std::sync::atomic::Ordering::Relaxed) as f32 / r.end_ms.max(1) as f32;
            ui.add(egui::ProgressBar::new(done).show_percentage().text(format!(
                "{} {}",
                t("whatif.running", lang),
                r.name
            )));
        }
        if let Some(m) = &state.message {
            ui.label(egui::RichText::new(m).small());
        }
    });
    state.open = open;
    if start {
        begin(state, shown);
    }
}

/// Starts the re-run of the edited rules.
fn begin(state: &mut WhatIf, shown: &Shown) {
    let Some(edits) = &state.edits else { return };
    let (out, name) = next_folder(&shown.main.opened.file);
    let header = shown.main.opened.cursor.replay().header();
    let started = edits.overlay(&name).and_then(|overlay| {
        let Some(overlay) = overlay else { return Err("nothing changed".into()) };
        let mut scenario = edits.scenario(&overlay)?;
        // The same stretch of the same day as the run shown, so the two pair up moment by moment.
        scenario.scenario.run.duration_s = (shown.main.opened.cursor.replay().duration_ms() / 1000) as u32;
        Rerun::start(scenario, &overlay, header.seed, out)
    });
    match started {
        Ok(r) => {
            state.message = None;
            state.rerun = Some(r);
        }
        Err(e) => state.message = Some(format!("✘ {e}")),
    }
}

/// Opens a finished re-run beside the run shown.
pub fn follow_rerun(
    mut commands: Commands,
    mut state: ResMut<WhatIf>,
    mut shown: ResMut<Shown>,
    old: Query<Entity, AgentParts>,
) {
    let Some(done) = state.rerun.as_ref().and_then(Rerun::take_done) else { return };
    let name = state.rerun.take().map(|r| r.name.clone()).unwrap_or_default();
    let opened = done.and_then(|dir| crate::source::open(&dir).map_err(|e| format!("{e:#}")));
    match opened {
        Ok(mut opened) => {
            opened.option = name.clone();
            state.message = Some(format!("✔ {} · {}", name, opened.file.display()));
            shown.other = Some(Run::new(opened));
            shown.layout = Layout::SideBySide;
            shown.study = None;
            for e in &old {
                commands.entity(e).despawn();
            }
            commands.run_system_cached(spawn_agents);
        }
        Err(e) => state.message = Some(format!("✘ {e}")),
    }
}

//! The side panel: the KPIs at the time shown with charts over the day, the incident list (a
//! click moves the time and the camera to it), the selected vehicle, and the colour legend.

use bevy_egui::egui;
use egui_plot::{Bar, BarChart, Plot, VLine};
use pilotzone_replay::{EventKind, Lang};

use super::{UiState, jump_to_incident};
use crate::agents::{Selection, Shown};
use crate::camera::OrbitCamera;
use crate::i18n::{clock, t};
use crate::kpi::{BIN_MS, Now};
use crate::playback::Playback;

fn row(ui: &mut egui::Ui, label: &str, value: String) {
    ui.label(label);
    ui.label(egui::RichText::new(value).strong());
    ui.end_row();
}

fn kpis(ui: &mut egui::Ui, lang: Lang, shown: &Shown, t_ms: u64) {
    let c = &shown.opened.counts;
    let now = Now::of(&shown.agents);
    egui::Grid::new("kpis").num_columns(2).striped(true).show(ui, |ui| {
        if now.taxis > 0 {
            row(ui, t("kpi.requested", lang), c.until(EventKind::Request, t_ms).to_string());
            row(ui, t("kpi.picked_up", lang), c.until(EventKind::Pickup, t_ms).to_string());
            row(ui, t("kpi.served", lang), c.until(EventKind::Dropoff, t_ms).to_string());
            row(ui, t("kpi.rejected", lang), c.until(EventKind::Reject, t_ms).to_string());
            let wait = c.mean_wait_s(t_ms).map_or("—".to_owned(), |w| format!("{:.0} s", w));
            row(ui, t("kpi.mean_wait", lang), wait);
            row(ui, t("kpi.taxis_busy", lang), format!("{} / {}", now.taxis_busy, now.taxis));
            row(ui, t("kpi.taxis_charging", lang), now.taxis_charging.to_string());
        }
        if now.drones > 0 {
            row(ui, t("kpi.delivered", lang), c.until(EventKind::Deliver, t_ms).to_string());
            row(ui, t("kpi.drones_flying", lang), format!("{} / {}", now.drones_flying, now.drones));
        }
        row(ui, t("kpi.people_on_street", lang), now.people_on_street.to_string());
    });
    let incidents = c.incidents_until(t_ms);
    if !incidents.is_empty() {
        ui.label(egui::RichText::new(t("kpi.incidents", lang)).strong());
        egui::Grid::new("incident-kinds").num_columns(2).show(ui, |ui| {
            for (kind, n) in incidents {
                row(ui, kind.name(lang), n.to_string());
            }
        });
    }
}

fn chart(ui: &mut egui::Ui, id: &str, title: &str, bins: &[u32], t_ms: u64, colour: egui::Color32) {
    ui.label(title);
    let bars: Vec<Bar> = bins
        .iter()
        .enumerate()
        .map(|(i, &n)| {
            Bar::new((i as f64 + 0.5) * BIN_MS as f64 / 60_000.0, f64::from(n)).width(BIN_MS as f64 / 60_000.0 * 0.9)
        })
        .collect();
    Plot::new(id)
        .height(90.0)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .show_y(false)
        .x_axis_formatter(|mark, _| format!("{:.0}′", mark.value))
        .show(ui, |plot| {
            plot.bar_chart(BarChart::new(title, bars).color(colour));
            plot.vline(VLine::new("now", t_ms as f64 / 60_000.0).color(egui::Color32::DARK_GRAY));
        });
}

fn incidents(
    ui: &mut egui::Ui,
    lang: Lang,
    state: &mut UiState,
    shown: &Shown,
    playback: &mut Playback,
    orbit: &mut OrbitCamera,
) {
    if shown.opened.incidents.is_empty() {
        ui.label(t("incidents.none", lang));
        return;
    }
    let mut jump = None;
    egui::ScrollArea::vertical().id_salt("incident-list").max_height(260.0).show(ui, |ui| {
        for (i, m) in shown.opened.incidents.iter().enumerate() {
            let title = format!(
                "{}  {}  {}",
                clock(u64::from(m.time_of_day_s)),
                m.kind_names.get(lang),
                m.severity_names.get(lang)
            );
            let picked = state.incident == Some(i);
            let response = ui.selectable_label(
                picked,
                egui::RichText::new(title).color(super::timeline::severity_colour(m.severity)),
            );
            if response.clicked() {
                jump = Some(i);
            }
            if picked {
                ui.indent(("incident", i), |ui| {
                    if let Some(rule) = &m.rule {
                        ui.label(format!("{}: {}", t("incident.rule", lang), rule.title.get(lang)));
                    }
                    if let (Some(v), Some(l)) = (m.value, m.limit) {
                        ui.label(format!(
                            "{} {v:.1} / {} {l:.1}",
                            t("incident.measured", lang),
                            t("incident.limit", lang)
                        ));
                    }
                    if let Some(near) = &m.near {
                        ui.label(format!("{}: {near}", t("incident.near", lang)));
                    }
                    // Detail comes from the replay: shown as text, nothing more.
                    ui.label(egui::RichText::new(&m.detail).small());
                });
            }
        }
    });
    if let Some(i) = jump {
        state.incident = Some(i);
        jump_to_incident(shown, i, playback, orbit);
    }
}

/// Draws the side panel.
pub fn draw(
    ui: &mut egui::Ui,
    lang: Lang,
    state: &mut UiState,
    shown: &mut Shown,
    playback: &mut Playback,
    orbit: &mut OrbitCamera,
    selection: &mut Selection,
) {
    let t_ms = playback.t_ms();
    egui::ScrollArea::vertical().show(ui, |ui| {
        ui.heading(t("kpi", lang));
        kpis(ui, lang, shown, t_ms);
        let end = playback.end_ms();
        let pickups = shown.opened.counts.series(EventKind::Pickup, end);
        if pickups.iter().any(|&n| n > 0) {
            chart(ui, "pickups", t("chart.rides", lang), &pickups, t_ms, egui::Color32::from_rgb(0x00, 0x72, 0xb2));
        }
        let mut incident_bins = vec![0u32; pickups.len()];
        for m in &shown.opened.incidents {
            if let Some(b) = incident_bins.get_mut((m.t_ms / BIN_MS) as usize) {
                *b += 1;
            }
        }
        if incident_bins.iter().any(|&n| n > 0) {
            chart(
                ui,
                "incidents",
                t("chart.incidents", lang),
                &incident_bins,
                t_ms,
                egui::Color32::from_rgb(0xd5, 0x5e, 0x00),
            );
        }
        ui.separator();
        ui.heading(format!("{} ({})", t("incidents", lang), shown.opened.incidents.len()));
        incidents(ui, lang, state, shown, playback, orbit);
        ui.separator();
        ui.heading(format!("{} ({})", t("comments", lang), shown.opened.comments.comments.len()));
        if let Some((t_ms, place)) = super::comments::list(ui, lang, &mut state.comments, shown, playback) {
            playback.playing = false;
            playback.seek(t_ms);
            orbit.focus = bevy::prelude::Vec3::from(crate::geometry::world([place[0] as f32, place[1] as f32], 0.0));
        }
        if let Some(a) = selection.id.and_then(|id| shown.agents.iter().find(|a| a.id == id)) {
            ui.separator();
            ui.heading(format!("{}: {} #{}", t("selected", lang), a.kind.name(lang), a.id));
            ui.label(format!("{}: {}", t("status", lang), a.status.map_or("—", |s| s.name(lang))));
            ui.label(format!("{}: {:.0} km/h", t("speed.now", lang), a.speed_mps * 3.6));
            if let Some(h) = a.height_m {
                ui.label(format!("{}: {h:.0} m", t("height", lang)));
            }
            let follow = if selection.follow { t("view.follow.stop", lang) } else { t("view.follow", lang) };
            if ui.button(follow).clicked() {
                selection.follow = !selection.follow;
            }
        }
        ui.separator();
        ui.collapsing(t("legend", lang), |ui| {
            for (key, style) in &shown.opened.scene.legend.statuses {
                if style.kinds.is_empty() {
                    continue;
                }
                ui.horizontal(|ui| {
                    let c = style.colour;
                    let (r, _) = ui.allocate_exact_size(egui::vec2(14.0, 14.0), egui::Sense::hover());
                    ui.painter().rect_filled(r, 3.0, egui::Color32::from_rgb(c.0, c.1, c.2));
                    ui.label(style.names.get(lang)).on_hover_text(key);
                });
            }
        });
        ui.separator();
        ui.label(egui::RichText::new(t("keys", lang)).small().weak());
        if let Some(a) = &shown.opened.scene.attribution {
            ui.label(egui::RichText::new(format!("{}: {a}", t("attribution", lang))).small());
        }
    });
}

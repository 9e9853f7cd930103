//! The side panel: the KPIs at the time shown (for two runs, side by side with their
//! difference, and the whole study's paired intervals) with charts over the day, the incident
//! list (a click moves the time and the camera to it), comments, bookmarks, the selected
//! vehicle, and the colour legend.

use bevy_egui::egui;
use egui_plot::{Bar, BarChart, Plot, VLine};
use pilotzone_comments::Bookmark;
use pilotzone_replay::{EventKind, Lang};

use super::{UiState, jump_to_incident};
use crate::agents::{Run, Selection, Shown};
use crate::camera::OrbitCamera;
use crate::i18n::{clock, t};
use crate::kpi::{BIN_MS, Now};
use crate::playback::Playback;

/// One KPI of a run at a moment: its label and value.
pub struct KpiRow {
    /// What it is called, as shown.
    pub label: String,
    /// The value, when there is one yet.
    pub value: Option<f64>,
    /// How to print it.
    pub unit: Unit,
    /// Whether it counts incidents of a kind (left out of a single run's list while none).
    pub incident: bool,
}

/// How a KPI prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// A count.
    Count,
    /// Seconds.
    Seconds,
}

impl Unit {
    fn show(self, v: Option<f64>) -> String {
        match (self, v) {
            (_, None) => "—".into(),
            (Unit::Count, Some(v)) => format!("{v:.0}"),
            (Unit::Seconds, Some(v)) => format!("{v:.0} s"),
        }
    }

    fn show_difference(self, d: f64) -> String {
        // A difference that rounds to nothing is shown as nothing, never as "-0".
        let d = if d.round() == 0.0 { 0.0 } else { d };
        let sign = if d > 0.0 { "+" } else { "" };
        match self {
            Unit::Count => format!("{sign}{d:.0}"),
            Unit::Seconds => format!("{sign}{d:.0} s"),
        }
    }
}

/// The KPIs of `run` at `t_ms`, in the panel's order, labelled in `lang`.
pub fn kpi_rows(run: &Run, lang: Lang, t_ms: u64) -> Vec<KpiRow> {
    let c = &run.opened.counts;
    let now = Now::of(&run.agents);
    let mut rows = Vec::new();
    let mut push = |key: &str, value: Option<f64>, unit| {
        rows.push(KpiRow { label: t(key, lang).into(), value, unit, incident: false })
    };
    let count = |n: usize| Some(n as f64);
    if now.taxis > 0 {
        push("kpi.requested", count(c.until(EventKind::Request, t_ms)), Unit::Count);
        push("kpi.picked_up", count(c.until(EventKind::Pickup, t_ms)), Unit::Count);
        push("kpi.served", count(c.until(EventKind::Dropoff, t_ms)), Unit::Count);
        push("kpi.rejected", count(c.until(EventKind::Reject, t_ms)), Unit::Count);
        push("kpi.mean_wait", c.mean_wait_s(t_ms), Unit::Seconds);
        push("kpi.taxis_busy", count(now.taxis_busy), Unit::Count);
        push("kpi.taxis_charging", count(now.taxis_charging), Unit::Count);
    }
    if now.drones > 0 {
        push("kpi.delivered", count(c.until(EventKind::Deliver, t_ms)), Unit::Count);
        push("kpi.drones_flying", count(now.drones_flying), Unit::Count);
        push("kpi.drones_holding", count(now.drones_holding), Unit::Count);
    }
    push("kpi.people_on_street", count(now.people_on_street), Unit::Count);
    for kind in EventKind::incidents() {
        let n = c.until(kind, t_ms);
        // The vocabulary's words are lower case; a label starts a line.
        let name = kind.name(lang);
        let label = name.chars().take(1).flat_map(char::to_uppercase).chain(name.chars().skip(1)).collect();
        rows.push(KpiRow { label, value: Some(n as f64), unit: Unit::Count, incident: true });
    }
    rows
}

fn kpis(ui: &mut egui::Ui, lang: Lang, shown: &Shown, t_ms: u64) {
    let main = kpi_rows(&shown.main, lang, t_ms);
    let Some(other) = &shown.other else {
        egui::Grid::new("kpis").num_columns(2).striped(true).show(ui, |ui| {
            // Incident kinds that have not happened are left out of a single run's list.
            for r in main.iter().filter(|r| !r.incident || r.value != Some(0.0)) {
                ui.label(&r.label);
                ui.label(egui::RichText::new(r.unit.show(r.value)).strong());
                ui.end_row();
            }
        });
        return;
    };
    let rows = kpi_rows(other, lang, t_ms);
    ui.label(egui::RichText::new(t("compare.kpis", lang)).strong());
    egui::Grid::new("kpis-compare").num_columns(4).striped(true).show(ui, |ui| {
        ui.label("");
        ui.label(egui::RichText::new(&shown.main.opened.option).strong());
        ui.label(egui::RichText::new(&other.opened.option).strong());
        ui.label(egui::RichText::new(t("compare.difference", lang)).strong());
        ui.end_row();
        for (a, b) in main.iter().zip(&rows).filter(|(a, b)| a.value != Some(0.0) || b.value != Some(0.0)) {
            ui.label(&a.label);
            ui.label(a.unit.show(a.value));
            ui.label(b.unit.show(b.value));
            let d = a.value.zip(b.value).map(|(x, y)| y - x);
            ui.label(egui::RichText::new(d.map_or("—".into(), |d| a.unit.show_difference(d))).strong());
            ui.end_row();
        }
    });
}

fn chart(ui: &mut egui::Ui, id: &str, title: &str, series: &[(&str, Vec<u32>, egui::Color32)], t_ms: u64) {
    ui.label(title);
    Plot::new(id)
        .height(90.0)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .show_y(false)
        .x_axis_formatter(|mark, _| format!("{:.0}′", mark.value))
        .show(ui, |plot| {
            let n = series.len().max(1) as f64;
            for (k, (name, bins, colour)) in series.iter().enumerate() {
                let width = BIN_MS as f64 / 60_000.0 * 0.9 / n;
                let bars: Vec<Bar> = bins
                    .iter()
                    .enumerate()
                    .map(|(i, &v)| {
                        let x = i as f64 * BIN_MS as f64 / 60_000.0
                            + width * (k as f64 + 0.5)
                            + BIN_MS as f64 / 60_000.0 * 0.05;
                        Bar::new(x, f64::from(v)).width(width)
                    })
                    .collect();
                plot.bar_chart(BarChart::new(*name, bars).color(*colour));
            }
            plot.vline(VLine::new("now", t_ms as f64 / 60_000.0).color(egui::Color32::DARK_GRAY));
        });
}

fn incident_bins(run: &Run, bins: usize) -> Vec<u32> {
    let mut out = vec![0u32; bins];
    for m in &run.opened.incidents {
        if let Some(b) = out.get_mut((m.t_ms / BIN_MS) as usize) {
            *b += 1;
        }
    }
    out
}

fn charts(ui: &mut egui::Ui, lang: Lang, shown: &Shown, end: u64, t_ms: u64) {
    const BLUE: egui::Color32 = egui::Color32::from_rgb(0x00, 0x72, 0xb2);
    const SKY: egui::Color32 = egui::Color32::from_rgb(0x56, 0xb4, 0xe9);
    const VERMILION: egui::Color32 = egui::Color32::from_rgb(0xd5, 0x5e, 0x00);
    const ORANGE: egui::Color32 = egui::Color32::from_rgb(0xe6, 0x9f, 0x00);
    let runs: Vec<&Run> = [Some(&shown.main), shown.other.as_ref()].into_iter().flatten().collect();
    let pickups: Vec<(&str, Vec<u32>, egui::Color32)> = runs
        .iter()
        .zip([BLUE, SKY])
        .map(|(r, c)| (r.opened.option.as_str(), r.opened.counts.series(EventKind::Pickup, end), c))
        .collect();
    if pickups.iter().any(|s| s.1.iter().any(|&n| n > 0)) {
        chart(ui, "pickups", t("chart.rides", lang), &pickups, t_ms);
    }
    let bins = pickups.first().map_or(1, |s| s.1.len());
    let incidents: Vec<(&str, Vec<u32>, egui::Color32)> = runs
        .iter()
        .zip([VERMILION, ORANGE])
        .map(|(r, c)| (r.opened.option.as_str(), incident_bins(r, bins), c))
        .collect();
    if incidents.iter().any(|s| s.1.iter().any(|&n| n > 0)) {
        chart(ui, "incidents", t("chart.incidents", lang), &incidents, t_ms);
    }
}

fn incidents(
    ui: &mut egui::Ui,
    lang: Lang,
    state: &mut UiState,
    shown: &Shown,
    playback: &mut Playback,
    orbit: &mut OrbitCamera,
) {
    if shown.main.opened.incidents.is_empty() {
        ui.label(t("incidents.none", lang));
        return;
    }
    let mut jump = None;
    egui::ScrollArea::vertical().id_salt("incident-list").max_height(260.0).show(ui, |ui| {
        for (i, m) in shown.main.opened.incidents.iter().enumerate() {
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
        state.tour = None;
        jump_to_incident(shown, i, playback, orbit);
    }
}

fn bookmarks(
    ui: &mut egui::Ui,
    lang: Lang,
    state: &mut UiState,
    shown: &Shown,
    playback: &mut Playback,
    orbit: &mut OrbitCamera,
) {
    if ui.button(t("bookmark.add", lang)).clicked() {
        state.bookmark_draft = Some(String::new());
    }
    let marks = &shown.main.opened.bookmarks.bookmarks;
    if marks.is_empty() {
        ui.label(egui::RichText::new(t("bookmarks.none", lang)).weak());
    }
    let start_s = u64::from(shown.main.opened.scene.start_s);
    for b in marks {
        // A presenter's words from a file: shown as text.
        if ui.link(format!("{} · {}", clock(start_s + b.t_ms / 1000), b.name)).clicked() {
            super::jump_to_bookmark(b, playback, orbit);
            state.tour = None;
        }
    }
}

/// The window naming a new bookmark at the time shown and the camera's place.
pub fn bookmark_form(
    ctx: &egui::Context,
    lang: Lang,
    state: &mut UiState,
    shown: &mut Shown,
    playback: &Playback,
    orbit: &OrbitCamera,
) {
    let Some(mut name) = state.bookmark_draft.take() else { return };
    let mut open = true;
    let mut done = false;
    egui::Window::new(t("bookmarks", lang)).collapsible(false).open(&mut open).show(ctx, |ui| {
        let start_s = u64::from(shown.main.opened.scene.start_s);
        ui.label(format!("{} {}", t("clock", lang), clock(start_s + playback.t_ms() / 1000)));
        ui.horizontal(|ui| {
            ui.label(t("bookmark.name", lang));
            ui.add(egui::TextEdit::singleline(&mut name).char_limit(pilotzone_comments::MAX_BOOKMARK_NAME_CHARS));
        });
        ui.horizontal(|ui| {
            if ui.button(t("comment.save", lang)).clicked() {
                let opened = &mut shown.main.opened;
                let mut next = opened.bookmarks.clone();
                let mark = Bookmark { name: name.clone(), t_ms: playback.t_ms(), camera: Some(orbit.pose()) };
                let path = pilotzone_comments::bookmarks_path(&opened.file);
                let written = next.add(mark).and_then(|()| {
                    if opened.bookmarks_problem.is_some() && path.exists() {
                        pilotzone_comments::Sidecar::set_aside(&path)?;
                    }
                    next.write(&path)
                });
                match written {
                    Ok(()) => {
                        opened.bookmarks = next;
                        opened.bookmarks_problem = None;
                        state.notice = Some(format!("✔ {}", path.display()));
                        done = true;
                    }
                    Err(e) => state.notice = Some(format!("✘ {e}")),
                }
            }
            if ui.button(t("comment.cancel", lang)).clicked() {
                done = true;
            }
        });
    });
    if open && !done {
        state.bookmark_draft = Some(name);
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
    live: bool,
) {
    let t_ms = playback.t_ms();
    egui::ScrollArea::vertical().show(ui, |ui| {
        ui.heading(t("kpi", lang));
        kpis(ui, lang, shown, t_ms);
        charts(ui, lang, shown, playback.end_ms(), t_ms);
        if shown.other.is_some() {
            ui.separator();
            ui.heading(t("compare.study", lang));
            super::compare::study(ui, lang, shown);
        }
        ui.separator();
        ui.heading(format!("{} ({})", t("incidents", lang), shown.main.opened.incidents.len()));
        incidents(ui, lang, state, shown, playback, orbit);
        ui.separator();
        ui.heading(format!("{} ({})", t("comments", lang), shown.main.opened.comments.comments.len()));
        if let Some((t_ms, place)) = super::comments::list(ui, lang, &mut state.comments, shown, playback, live) {
            playback.playing = false;
            playback.seek(t_ms);
            super::look_at(orbit, place);
        }
        if !live {
            ui.separator();
            ui.heading(format!("{} ({})", t("bookmarks", lang), shown.main.opened.bookmarks.bookmarks.len()));
            bookmarks(ui, lang, state, shown, playback, orbit);
        }
        if let Some(a) = selection.id.and_then(|id| shown.main.agents.iter().find(|a| a.id == id)) {
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
            for (key, style) in &shown.main.opened.scene.legend.statuses {
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
        if let Some(a) = &shown.main.opened.scene.attribution {
            ui.label(egui::RichText::new(format!("{}: {a}", t("attribution", lang))).small());
        }
    });
}

//! Labels over the 3D view: names of places (in the language chosen), pins of incidents near
//! the time shown, and picking a vehicle or person with a click.

use bevy::prelude::*;
use bevy_egui::egui;
use pilotzone_replay::Lang;
use pilotzone_scene::metres;

use crate::agents::{Run, Selection};
use crate::geometry::world;
use crate::playback::Playback;

/// How long before and after its moment an incident's pin shows, ms.
const PIN_WINDOW_MS: u64 = 60_000;
/// Farthest a click may land from an agent to pick it, points.
const PICK_RADIUS: f32 = 14.0;

/// Screen position (egui points) of a world point, if it is in front of the camera.
fn project(camera: (&Camera, &GlobalTransform), to_points: f32, p: Vec3) -> Option<egui::Pos2> {
    let v = camera.0.world_to_viewport(camera.1, p).ok()?;
    Some(egui::pos2(v.x * to_points, v.y * to_points))
}

/// Draws a label above `at` unless it would cover one already drawn (`taken`): on a crowded
/// map the first label wins rather than two becoming unreadable.
fn label(
    painter: &egui::Painter,
    taken: &mut Vec<(egui::Rect, String)>,
    at: egui::Pos2,
    text: &str,
    size: f32,
    fill: egui::Color32,
) {
    let galley = painter.layout_no_wrap(text.to_owned(), egui::FontId::proportional(size), egui::Color32::BLACK);
    let rect = egui::Align2::CENTER_BOTTOM.anchor_size(at - egui::vec2(0.0, 6.0), galley.size()).expand(3.0);
    if taken.iter().any(|(r, _)| r.intersects(rect)) {
        return;
    }
    taken.push((rect, text.to_owned()));
    painter.rect_filled(rect, 4.0, fill);
    painter.galley(rect.min + egui::vec2(3.0, 3.0), galley, egui::Color32::BLACK);
}

/// How long before and after its moment a comment's pin shows, ms.
const COMMENT_WINDOW_MS: u64 = 10 * 60_000;

/// The point on the ground under a screen position (egui points), plan metres.
fn ground_under(camera: (&Camera, &GlobalTransform), to_points: f32, at: egui::Pos2) -> Option<[f64; 2]> {
    let ray = camera.0.viewport_to_world(camera.1, Vec2::new(at.x / to_points, at.y / to_points)).ok()?;
    let distance = ray.intersect_plane(Vec3::ZERO, InfinitePlane3d::new(Vec3::Y))?;
    let p = ray.get_point(distance);
    Some([f64::from(p.x), f64::from(-p.z)])
}

/// Draws the labels and pins of one run over its view and handles clicks there: picking an
/// agent (when `selection` is given), or, while a comment is being placed, the place on the
/// ground it is pinned to (returned). `header` names the run's option when runs are compared.
pub fn draw(
    ctx: &egui::Context,
    lang: Lang,
    view: egui::Rect,
    window_scale: f32,
    camera: (&Camera, &GlobalTransform),
    run: &Run,
    header: Option<&str>,
    playback: &Playback,
    selection: Option<&mut Selection>,
    placing_comment: bool,
    drawn: &mut Vec<(String, egui::Rect)>,
) -> Option<[f64; 2]> {
    let painter =
        ctx.layer_painter(egui::LayerId::new(egui::Order::Background, egui::Id::new("labels"))).with_clip_rect(view);
    let to_points = window_scale / ctx.pixels_per_point();
    let size = 13.0;
    let white = egui::Color32::from_rgba_unmultiplied(255, 255, 255, 225);
    let scene = &run.opened.scene;
    let close_up = camera.1.translation().y < 400.0;
    // Incidents and comments near the time shown are drawn first: they matter more than names.
    let mut taken = Vec::new();
    if let Some(header) = header {
        let galley = painter.layout_no_wrap(header.to_owned(), egui::FontId::proportional(16.0), egui::Color32::WHITE);
        let rect = egui::Rect::from_min_size(view.min + egui::vec2(8.0, 8.0), galley.size()).expand(5.0);
        painter.rect_filled(rect, 5.0, egui::Color32::from_rgba_unmultiplied(0x10, 0x30, 0x50, 220));
        painter.galley(rect.min + egui::vec2(5.0, 5.0), galley, egui::Color32::WHITE);
        taken.push((rect, header.to_owned()));
    }
    let now = playback.t_ms();
    for m in &run.opened.incidents {
        if m.t_ms + PIN_WINDOW_MS < now || m.t_ms > now + PIN_WINDOW_MS {
            continue;
        }
        let at = Vec3::from(world([m.at_m[0] as f32, m.at_m[1] as f32], m.at_m[2] as f32 + 3.0));
        if let Some(pos) = project(camera, to_points, at).filter(|pos| view.contains(*pos)) {
            let colour = super::timeline::severity_colour(m.severity);
            painter.circle_stroke(pos, 11.0, egui::Stroke::new(3.0, colour));
            label(
                &painter,
                &mut taken,
                pos - egui::vec2(0.0, 10.0),
                m.kind_names.get(lang),
                size,
                colour.gamma_multiply(0.35),
            );
        }
    }
    let blue = egui::Color32::from_rgb(0x00, 0x72, 0xb2);
    for c in &run.opened.comments.comments {
        if c.hidden.is_some() || c.t_ms + COMMENT_WINDOW_MS < now || c.t_ms > now + COMMENT_WINDOW_MS {
            continue;
        }
        let at = Vec3::from(world([c.place.x_m as f32, c.place.y_m as f32], 1.0));
        if let Some(pos) = project(camera, to_points, at).filter(|pos| view.contains(*pos)) {
            painter.circle_filled(pos, 7.0, blue);
            painter.circle_stroke(pos, 7.0, egui::Stroke::new(2.0, egui::Color32::WHITE));
            label(
                &painter,
                &mut taken,
                pos - egui::vec2(0.0, 8.0),
                &format!("{} ({})", c.author, c.role.name(lang)),
                size - 1.0,
                white,
            );
        }
    }
    for p in &scene.places {
        // Homes are many: named only close up, so the town's landmarks stay readable.
        let home = matches!(p.kind, pilotzone_scenario::PlaceKind::Home);
        if home && !close_up {
            continue;
        }
        let at = Vec3::from(world([metres(p.at[0]) as f32, metres(p.at[1]) as f32], 2.0));
        if let Some(pos) = project(camera, to_points, at).filter(|pos| view.contains(*pos)) {
            label(&painter, &mut taken, pos, p.label.get(lang), size, white);
        }
    }
    drawn.extend(taken.into_iter().map(|(r, text)| (text, r)));
    let clicked = ctx.input(|i| i.pointer.primary_clicked() && i.pointer.delta().length() < 0.5);
    let click = ctx.input(|i| i.pointer.interact_pos()).filter(|p| clicked && view.contains(*p))?;
    if placing_comment {
        return ground_under(camera, to_points, click);
    }
    let selection = selection?;
    let nearest = run
        .agents
        .iter()
        .filter(|a| a.status != Some(pilotzone_replay::Status::OffStreet))
        .filter_map(|a| {
            let p = Vec3::from(world([a.position_m[0] as f32, a.position_m[1] as f32], a.position_m[2] as f32 + 0.8));
            project(camera, to_points, p).map(|pos| (a.id, pos.distance(click)))
        })
        .filter(|(_, d)| *d <= PICK_RADIUS)
        .min_by(|a, b| a.1.total_cmp(&b.1));
    if let Some((id, _)) = nearest {
        selection.id = Some(id);
    }
    None
}

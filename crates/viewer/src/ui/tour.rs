//! The presentation tour: the camera and the clock go from moment to moment of the run, the
//! presenter's bookmarks and the worst incidents in time order, each played for a few seconds
//! around its moment, so a room sees what matters without anyone driving the mouse.

use bevy::prelude::*;
use pilotzone_comments::CameraPose;

use super::{UiState, look_at};
use crate::camera::OrbitCamera;
use crate::playback::Playback;
use crate::source::Opened;

/// Incidents a tour visits at most (bookmarks are always visited).
const MAX_INCIDENT_STOPS: usize = 12;
/// Wall seconds at each stop.
pub const STOP_S: f64 = 8.0;
/// Simulated seconds shown before a stop's moment.
const LEAD_MS: u64 = 10_000;
/// Speed at a stop: the moment unfolds, slowly enough to follow.
const STOP_SPEED: f64 = 2.0;

/// Where a tour stops.
#[derive(Clone, Debug, PartialEq)]
pub enum Place {
    /// A point on the ground, plan metres.
    Ground([f64; 2]),
    /// A bookmarked camera.
    Camera(CameraPose),
    /// Wherever the camera is.
    Unchanged,
}

/// One stop of a tour.
#[derive(Clone, Debug, PartialEq)]
pub struct Stop {
    /// Its moment, ms since the start.
    pub t_ms: u64,
    /// Where to look.
    pub place: Place,
}

/// A tour under way.
#[derive(Clone, Debug, PartialEq)]
pub struct Tour {
    /// The stops, in time order.
    pub stops: Vec<Stop>,
    /// The stop being shown, and the wall time spent there, s; `None` before the first.
    at: Option<(usize, f64)>,
}

impl Tour {
    /// A tour of a run: all its bookmarks and its worst incidents, in time order.
    pub fn new(opened: &Opened) -> Self {
        let mut worst: Vec<_> = opened.incidents.iter().collect();
        // Worst first, then earliest; the tour keeps the first few.
        worst.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.t_ms.cmp(&b.t_ms)));
        let mut stops: Vec<Stop> = worst
            .into_iter()
            .take(MAX_INCIDENT_STOPS)
            .map(|m| Stop { t_ms: m.t_ms, place: Place::Ground([m.at_m[0], m.at_m[1]]) })
            .collect();
        stops.extend(
            opened
                .bookmarks
                .bookmarks
                .iter()
                .map(|b| Stop { t_ms: b.t_ms, place: b.camera.map_or(Place::Unchanged, Place::Camera) }),
        );
        stops.sort_by_key(|s| s.t_ms);
        Tour { stops, at: None }
    }

    /// Moves on by `wall_s`; returns the stop to go to when it is time for the next one, and
    /// `None` otherwise. The tour is over when [`Tour::is_over`].
    pub fn advance(&mut self, wall_s: f64) -> Option<&Stop> {
        let next = match &mut self.at {
            None => 0,
            Some((i, spent)) => {
                *spent += wall_s;
                if *spent < STOP_S {
                    return None;
                }
                *i + 1
            }
        };
        self.at = Some((next, 0.0));
        self.stops.get(next)
    }

    /// Whether every stop has been shown.
    pub fn is_over(&self) -> bool {
        self.at.is_some_and(|(i, _)| i >= self.stops.len())
    }
}

/// Runs the tour, if one is under way.
pub fn run_tour(
    time: Res<Time>,
    mut ui: ResMut<UiState>,
    mut playback: ResMut<Playback>,
    mut orbit: ResMut<OrbitCamera>,
) {
    let Some(tour) = ui.tour.as_mut() else { return };
    if let Some(stop) = tour.advance(f64::from(time.delta_secs())).cloned() {
        playback.seek(stop.t_ms.saturating_sub(LEAD_MS));
        playback.backwards = false;
        playback.speed = STOP_SPEED;
        playback.playing = true;
        match stop.place {
            Place::Ground(at) => look_at(&mut orbit, at),
            Place::Camera(pose) => orbit.set_pose(pose),
            Place::Unchanged => {}
        }
    }
    if tour.is_over() {
        ui.tour = None;
        playback.playing = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tour_shows_each_stop_for_its_time_then_ends() {
        let mut tour = Tour {
            stops: vec![
                Stop { t_ms: 5_000, place: Place::Unchanged },
                Stop { t_ms: 9_000, place: Place::Ground([1.0, 2.0]) },
            ],
            at: None,
        };
        assert_eq!(tour.advance(0.1).map(|s| s.t_ms), Some(5_000), "the first stop at once");
        assert_eq!(tour.advance(STOP_S / 2.0), None);
        assert_eq!(tour.advance(STOP_S / 2.0).map(|s| s.t_ms), Some(9_000));
        assert!(!tour.is_over());
        assert!(tour.advance(STOP_S).is_none());
        assert!(tour.is_over());
    }
}

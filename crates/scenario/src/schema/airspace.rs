//! The airspace drones may use: the altitude band, the volumes closed to them, and how flights
//! are kept apart.

use serde::{Deserialize, Serialize};

use super::default_true;

/// Airspace available to drones.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Airspace {
    /// Lowest cruise altitude drones may use, metres above ground (default 30).
    #[serde(default = "default_band_floor")]
    pub band_floor_m: f64,
    /// Highest altitude drones may use, metres above ground (default 120, below Japan's
    /// 150 m limit).
    #[serde(default = "default_band_ceiling")]
    pub band_ceiling_m: f64,
    /// Volumes drones may never enter (rules add volumes that hold only at some hours).
    #[serde(default)]
    pub no_fly: Vec<NoFlyVolume>,
    /// Strategic deconfliction (a U-space service): each flight reserves the airspace cells it
    /// will pass through, over time, before take-off; a flight whose cells are taken waits
    /// (default true). Turn it off to study tactical separation alone.
    #[serde(default = "default_true")]
    pub strategic_deconfliction: bool,
    /// Tactical separation (each drone's detect-and-avoid): drones that would come within the
    /// drone–drone separation minimum in the next seconds turn aside, then go back to their
    /// plans (default true). Turn it off to study strategic deconfliction alone.
    #[serde(default = "default_true")]
    pub tactical_separation: bool,
    /// Cruise heights by course (default false): the band is cut into layers one and a half
    /// drone–drone vertical minima apart, and each flight cruises on the layer of its course's
    /// sector (as many sectors as layers), so flights that cross are stacked apart and each
    /// layer carries traffic going much the same way. Off, every flight of a fleet cruises at
    /// the fleet's height out and one layer higher home.
    #[serde(default, skip_serializing_if = "is_false")]
    pub course_layers: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn default_band_floor() -> f64 {
    30.0
}

fn default_band_ceiling() -> f64 {
    120.0
}

impl Airspace {
    pub(super) fn is_default(&self) -> bool {
        *self == Airspace::default()
    }
}

impl Default for Airspace {
    fn default() -> Self {
        Self {
            band_floor_m: default_band_floor(),
            band_ceiling_m: default_band_ceiling(),
            no_fly: Vec::new(),
            strategic_deconfliction: true,
            tactical_separation: true,
            course_layers: false,
        }
    }
}

/// A prism of airspace closed to drones.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoFlyVolume {
    /// Name shown in messages and the viewer.
    pub name: String,
    /// Footprint as (x, y) points in metres, at least three.
    pub polygon: Vec<(f64, f64)>,
    /// Bottom of the volume, metres above ground (default 0).
    #[serde(default)]
    pub floor_m: f64,
    /// Top of the volume, metres above ground.
    pub ceiling_m: f64,
}

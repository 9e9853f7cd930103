//! The shipped pilot-zone scenarios, modelled on the kinds of Level-4 and drone trials Japan
//! has run: a designated-route shuttle in a rural valley, on-demand taxis in an ageing town, drone
//! deliveries to isolated homes on an island, and a mixed district on any imported map.
//!
//! The places and their names are invented; the trial settings (12 km/h on a designated route,
//! one remote operator per three vehicles, no-fly volumes over a shrine and a school, the wind
//! limit of a flight manual) follow what such permits have set. `pilotzone gen` writes them;
//! `scripts/make-scenarios.sh` regenerates them all.

mod ageing_town;
mod district;
mod draw;
mod island_drones;
mod rural_shuttle;

pub use ageing_town::{ageing_town, ageing_town_option};
pub use district::{district, district_option};
pub use island_drones::{island_drones, island_drones_option};
pub use rural_shuttle::{rural_shuttle, rural_shuttle_option};

use crate::overlay::{OVERLAY_FORMAT_VERSION, RuleOverlay};
use crate::schema::Rule;

/// A scenario's option B: `rules` replace the scenario's rules of the same id or join them, and
/// the rules named in `remove` are dropped.
fn option(name: &str, description: &str, remove: &[&str], rules: Vec<Rule>) -> RuleOverlay {
    RuleOverlay {
        format_version: OVERLAY_FORMAT_VERSION,
        name: name.into(),
        description: description.into(),
        remove: remove.iter().map(|&id| id.to_owned()).collect(),
        rules,
    }
}

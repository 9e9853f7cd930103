//! How agents and areas look: one colour-blind-safe palette (Okabe–Ito), a colour per status
//! and per zone kind, and a body size per kind of agent. The viewer and the web player take
//! their colours from here, so a status looks the same on every screen.

use std::collections::BTreeMap;
use std::fmt;

use pilotzone_replay::{EntityKind, Status};
use pilotzone_scenario::ZoneKind;
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

use crate::labels::{self, Text, zone_kind};

/// An sRGB colour, written `"#rrggbb"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// The channels as 0–1 floats (sRGB, not linear), as renderers take them.
    pub fn to_f32(self) -> [f32; 3] {
        [self.0, self.1, self.2].map(|c| f32::from(c) / 255.0)
    }

    /// Parses `"#rrggbb"`.
    pub fn parse(text: &str) -> Option<Rgb> {
        let hex = text.strip_prefix('#').filter(|h| h.len() == 6 && h.is_ascii())?;
        let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
        Some(Rgb(channel(0)?, channel(2)?, channel(4)?))
    }
}

impl fmt::Display for Rgb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

impl Serialize for Rgb {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Rgb {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Rgb::parse(&text).ok_or_else(|| de::Error::custom(format!("colour \"{text}\" is not #rrggbb")))
    }
}

/// The Okabe–Ito palette (Okabe & Ito, "Color Universal Design", 2002), with the grey R adds
/// to it: its colours stay apart for the common forms of colour blindness. A palette of our own
/// would need that proven; this one is.
pub mod okabe_ito {
    use super::Rgb;

    /// Black.
    pub const BLACK: Rgb = Rgb(0x00, 0x00, 0x00);
    /// Orange.
    pub const ORANGE: Rgb = Rgb(0xe6, 0x9f, 0x00);
    /// Sky blue.
    pub const SKY_BLUE: Rgb = Rgb(0x56, 0xb4, 0xe9);
    /// Bluish green.
    pub const BLUISH_GREEN: Rgb = Rgb(0x00, 0x9e, 0x73);
    /// Yellow.
    pub const YELLOW: Rgb = Rgb(0xf0, 0xe4, 0x42);
    /// Blue.
    pub const BLUE: Rgb = Rgb(0x00, 0x72, 0xb2);
    /// Vermillion.
    pub const VERMILLION: Rgb = Rgb(0xd5, 0x5e, 0x00);
    /// Reddish purple.
    pub const REDDISH_PURPLE: Rgb = Rgb(0xcc, 0x79, 0xa7);
    /// Grey.
    pub const GREY: Rgb = Rgb(0x99, 0x99, 0x99);

    /// Every colour of the palette.
    pub const ALL: [Rgb; 9] = [BLACK, ORANGE, SKY_BLUE, BLUISH_GREEN, YELLOW, BLUE, VERMILLION, REDDISH_PURPLE, GREY];
}

use okabe_ito as oi;

/// The colour of a status. Colours carry one meaning across kinds: grey free, orange on the way
/// to work or waiting for a way, blue carrying someone or something, sky blue handing over at
/// the kerb or garden, vermillion stopped by a problem or a person in the road, green and yellow
/// energy, purple rebalancing, black pulling out. Statuses of one kind never share a colour
/// (tested).
pub fn status_colour(status: Status) -> Rgb {
    match status {
        Status::Idle | Status::Ready | Status::OffStreet => oi::GREY,
        Status::ToPickup | Status::Waiting | Status::HoldingForHome => oi::ORANGE,
        Status::Occupied | Status::Outbound | Status::Driving => oi::BLUE,
        Status::Dwelling | Status::Dropping => oi::SKY_BLUE,
        Status::Blocked | Status::Walking | Status::Down => oi::VERMILLION,
        Status::Charging => oi::BLUISH_GREEN,
        Status::ToCharger | Status::Returning => oi::YELLOW,
        Status::Repositioning => oi::REDDISH_PURPLE,
        Status::PullingOut => oi::BLACK,
    }
}

/// The colour of an agent whose status code the replay does not name (a damaged sample).
pub const UNKNOWN_STATUS_COLOUR: Rgb = oi::GREY;

/// The colour of a zone kind, to be drawn translucent under the roads.
pub fn zone_colour(kind: ZoneKind) -> Rgb {
    match kind {
        ZoneKind::Residential => oi::YELLOW,
        ZoneKind::School => oi::ORANGE,
        ZoneKind::Commercial => oi::REDDISH_PURPLE,
        ZoneKind::Park => oi::BLUISH_GREEN,
        ZoneKind::Industrial => oi::GREY,
    }
}

/// The colour of no-fly volumes: the palette's alarm colour.
pub const NO_FLY_COLOUR: Rgb = oi::VERMILLION;

/// How an agent's body is drawn seen from above.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    /// A rectangle along the heading.
    Box,
    /// A disc.
    Disc,
}

/// The size of an agent's body seen from above, metres: what the simulation's bodies measure
/// (cars 4.4 × 1.8 m, drones with rotors 1.2 m across, people 0.6 m).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Body {
    /// How it is drawn.
    pub shape: Shape,
    /// Length along the heading (a disc's diameter), m.
    pub length_m: f32,
    /// Width across the heading (a disc's diameter), m.
    pub width_m: f32,
}

/// The body of a kind of agent.
pub fn body(kind: EntityKind) -> Body {
    match kind {
        EntityKind::Taxi | EntityKind::Car => Body { shape: Shape::Box, length_m: 4.4, width_m: 1.8 },
        EntityKind::Drone => Body { shape: Shape::Disc, length_m: 1.2, width_m: 1.2 },
        EntityKind::Person => Body { shape: Shape::Disc, length_m: 0.6, width_m: 0.6 },
    }
}

/// A status as the legend shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StatusStyle {
    /// Colour of agents with this status.
    pub colour: Rgb,
    /// Its name for people.
    pub names: Text,
    /// Keys of the kinds of agent that take it.
    pub kinds: Vec<String>,
}

/// A kind of agent as the legend shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KindStyle {
    /// Its body.
    pub body: Body,
    /// Its name for people.
    pub names: Text,
}

/// Everything a player needs to draw and explain agents and areas, keyed by the vocabulary's
/// keys: the web player reads it from the scene's JSON instead of keeping its own copy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Legend {
    /// By status key (`idle`, `outbound`, ...).
    pub statuses: BTreeMap<String, StatusStyle>,
    /// By entity kind key (`taxi`, `drone`, `car`, `person`).
    pub kinds: BTreeMap<String, KindStyle>,
    /// Colour of agents whose status is not named.
    pub unknown_status: Rgb,
    /// By zone kind key.
    pub zones: BTreeMap<String, Rgb>,
    /// Colour of no-fly volumes.
    pub no_fly: Rgb,
    /// Every label of [`crate::labels`], keyed `prefix.key`.
    pub labels: BTreeMap<String, Text>,
}

impl Legend {
    /// The legend of this build.
    pub fn current() -> Self {
        let statuses = Status::ALL
            .iter()
            .map(|&s| {
                let kinds = s.kinds().iter().map(|k| k.key().to_owned()).collect();
                (s.key().to_owned(), StatusStyle { colour: status_colour(s), names: s.names().into(), kinds })
            })
            .collect();
        let kinds = EntityKind::ALL
            .iter()
            .map(|&k| (k.key().to_owned(), KindStyle { body: body(k), names: k.names().into() }))
            .collect();
        let zones = zone_kind::ALL.iter().map(|&z| (zone_kind::key(z).to_owned(), zone_colour(z))).collect();
        Legend {
            statuses,
            kinds,
            unknown_status: UNKNOWN_STATUS_COLOUR,
            zones,
            no_fly: NO_FLY_COLOUR,
            labels: labels::all(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn statuses_of_one_kind_never_share_a_colour() {
        for &kind in EntityKind::ALL {
            let statuses: Vec<Status> = Status::ALL.iter().copied().filter(|s| s.kinds().contains(&kind)).collect();
            let colours: BTreeSet<Rgb> = statuses.iter().map(|&s| status_colour(s)).collect();
            assert_eq!(colours.len(), statuses.len(), "{kind}: {statuses:?} need distinct colours");
        }
    }

    #[test]
    fn every_colour_is_from_the_palette() {
        let palette: BTreeSet<Rgb> = okabe_ito::ALL.into_iter().collect();
        assert_eq!(palette.len(), 9);
        for &s in Status::ALL {
            assert!(palette.contains(&status_colour(s)), "{s}");
        }
        for &z in zone_kind::ALL {
            assert!(palette.contains(&zone_colour(z)));
        }
        assert!(palette.contains(&NO_FLY_COLOUR) && palette.contains(&UNKNOWN_STATUS_COLOUR));
    }

    #[test]
    fn colours_are_written_as_hex_and_read_back() {
        assert_eq!(okabe_ito::VERMILLION.to_string(), "#d55e00");
        assert_eq!(Rgb::parse("#D55E00"), Some(okabe_ito::VERMILLION));
        assert_eq!(Rgb::parse("d55e00"), None);
        assert_eq!(Rgb::parse("#d55e0"), None);
        assert_eq!(Rgb::parse("#é5e00"), None);
        assert_eq!(okabe_ito::ORANGE.to_f32()[2], 0.0);
    }

    #[test]
    fn the_legend_names_every_status_and_kind() {
        let legend = Legend::current();
        assert_eq!(legend.statuses.len(), Status::ALL.len());
        assert_eq!(legend.kinds.len(), EntityKind::ALL.len());
        assert_eq!(legend.statuses["walking"].colour, okabe_ito::VERMILLION);
        assert_eq!(legend.statuses["walking"].kinds, ["person"]);
        assert_eq!(legend.kinds["drone"].body.shape, Shape::Disc);
    }
}

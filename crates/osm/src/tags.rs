//! Which OpenStreetMap ways a car may drive, in which directions and how fast: the tag rules.
//!
//! # Road classes
//!
//! A way is a car road when its `highway` tag is one of these classes. The default speed
//! applies when `maxspeed` is missing or says nothing usable; a `_link` road (a slip road)
//! defaults to 0.7 × its class.
//!
//! | `highway`        | default km/h | `_link` km/h | oneway by default |
//! |------------------|-------------:|-------------:|-------------------|
//! | `motorway`       | 100          | 70           | yes (and its link) |
//! | `trunk`          | 80           | 56           | no                |
//! | `primary`        | 60           | 42           | no                |
//! | `secondary`      | 50           | 35           | no                |
//! | `tertiary`       | 40           | 28           | no                |
//! | `unclassified`   | 40           | –            | no                |
//! | `residential`    | 30           | –            | no                |
//! | `living_street`  | 10           | –            | no                |
//! | `service`        | 20           | –            | no                |
//! | `road`           | 30           | –            | no                |
//!
//! Every other `highway` value (`footway`, `path`, `cycleway`, `pedestrian`, `steps`, `track`,
//! `bridleway`, `bus_guideway`, `construction`, `proposed`, `platform`, …) is not a car road.
//!
//! # Exclusions
//!
//! - `area=yes`: a square drawn as a closed way, not a road centre line.
//! - Car access: the most specific of `motorcar`, `motor_vehicle`, `vehicle`, `access` that is
//!   present decides (OSM's access hierarchy); `no` or `private` excludes the way. So
//!   `access=private` with `motorcar=yes` stays, and `motor_vehicle=no` alone excludes it.
//!   Conditional and directional access tags (`access:conditional`, `motorcar:forward`) are
//!   ignored.
//!
//! # `maxspeed`
//!
//! See [`parse_maxspeed`]: a number in km/h, or with `mph` / `knots`; of `"50;30"` the first;
//! `walk` is 7 km/h; `none`, `signals`, `variable`, zone codes such as `JP:urban` and anything
//! unparsable fall back to the class default. `maxspeed:forward` / `:backward` are ignored.
//!
//! # `oneway`
//!
//! See [`Oneway::from_tags`]: `yes`/`true`/`1` forward only, `-1`/`reverse` backward only,
//! `no`/`false`/`0` both ways. Without a usable value, `motorway`, `motorway_link` and
//! `junction=roundabout` (or `circular`) are one-way forward, everything else two-way.

/// A car road class, from the `highway` tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RoadClass {
    /// `highway=motorway`.
    Motorway,
    /// `highway=motorway_link`.
    MotorwayLink,
    /// `highway=trunk`.
    Trunk,
    /// `highway=trunk_link`.
    TrunkLink,
    /// `highway=primary`.
    Primary,
    /// `highway=primary_link`.
    PrimaryLink,
    /// `highway=secondary`.
    Secondary,
    /// `highway=secondary_link`.
    SecondaryLink,
    /// `highway=tertiary`.
    Tertiary,
    /// `highway=tertiary_link`.
    TertiaryLink,
    /// `highway=unclassified`: minor public roads.
    Unclassified,
    /// `highway=residential`.
    Residential,
    /// `highway=living_street`: shared space where pedestrians have priority.
    LivingStreet,
    /// `highway=service`: access roads, driveways, parking aisles.
    Service,
    /// `highway=road`: a road of unknown class.
    Road,
}

impl RoadClass {
    /// The class of a `highway` value, or `None` if cars do not drive there.
    pub fn from_highway(value: &str) -> Option<RoadClass> {
        use RoadClass::*;
        Some(match value {
            "motorway" => Motorway,
            "motorway_link" => MotorwayLink,
            "trunk" => Trunk,
            "trunk_link" => TrunkLink,
            "primary" => Primary,
            "primary_link" => PrimaryLink,
            "secondary" => Secondary,
            "secondary_link" => SecondaryLink,
            "tertiary" => Tertiary,
            "tertiary_link" => TertiaryLink,
            "unclassified" => Unclassified,
            "residential" => Residential,
            "living_street" => LivingStreet,
            "service" => Service,
            "road" => Road,
            _ => return None,
        })
    }

    /// Speed in km/h when `maxspeed` gives none (see the table in the [module docs](self)).
    pub fn default_speed_kmh(self) -> f64 {
        use RoadClass::*;
        const LINK: f64 = 0.7;
        match self {
            Motorway => 100.0,
            MotorwayLink => 100.0 * LINK,
            Trunk => 80.0,
            TrunkLink => 80.0 * LINK,
            Primary => 60.0,
            PrimaryLink => 60.0 * LINK,
            Secondary => 50.0,
            SecondaryLink => 50.0 * LINK,
            Tertiary => 40.0,
            TertiaryLink => 40.0 * LINK,
            Unclassified => 40.0,
            Residential => 30.0,
            LivingStreet => 10.0,
            Service => 20.0,
            Road => 30.0,
        }
    }

    /// Whether roads of this class are one-way unless tagged `oneway=no`.
    pub fn implies_oneway(self) -> bool {
        matches!(self, RoadClass::Motorway | RoadClass::MotorwayLink)
    }
}

/// Directions a car may drive along a way, relative to the order of its nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Oneway {
    /// Along the node order only.
    Forward,
    /// Against the node order only.
    Backward,
    /// Both ways.
    Both,
}

impl Oneway {
    /// The directions from the `oneway` value; `implied` says whether the road class or a
    /// roundabout makes the way one-way when `oneway` is missing or unrecognised (such as
    /// `reversible` or `alternating`, which change with time).
    pub fn from_tags(oneway: Option<&str>, implied: bool) -> Oneway {
        match oneway.map(str::trim) {
            Some("yes" | "true" | "1") => Oneway::Forward,
            Some("-1" | "reverse") => Oneway::Backward,
            Some("no" | "false" | "0") => Oneway::Both,
            _ if implied => Oneway::Forward,
            _ => Oneway::Both,
        }
    }

    /// Whether cars may drive along the node order.
    pub fn forward(self) -> bool {
        self != Oneway::Backward
    }

    /// Whether cars may drive against the node order.
    pub fn backward(self) -> bool {
        self != Oneway::Forward
    }
}

/// Speed in km/h from a `maxspeed` value, or `None` when the class default should apply.
///
/// Of a list (`"50;30"`) the first entry counts. A bare number is km/h; `km/h`, `kmh` and
/// `kph` say so explicitly; `mph` multiplies by 1.609344 and `knots` by 1.852. `walk` is
/// 7 km/h. `none` (no limit), `signals`, `variable`, zone codes (`JP:urban`, `RU:living_street`),
/// zero, negative and unparsable values give `None`.
pub fn parse_maxspeed(value: &str) -> Option<f64> {
    let first = value.split(';').next().unwrap_or_default().trim();
    if first == "walk" {
        return Some(7.0);
    }
    let split = first.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(first.len());
    let (number, unit) = first.split_at(split);
    let number: f64 = number.parse().ok()?;
    let factor = match unit.trim() {
        "" | "km/h" | "kmh" | "kph" => 1.0,
        "mph" => 1.609344,
        "knots" => 1.852,
        _ => return None,
    };
    let speed = number * factor;
    (speed.is_finite() && speed > 0.0).then_some(speed)
}

/// What the reader keeps of a car way.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WayRules {
    /// Road class from `highway`.
    pub class: RoadClass,
    /// Speed in km/h: `maxspeed` if usable, else the class default. Always positive.
    pub speed_kmh: f64,
    /// Directions cars may drive.
    pub oneway: Oneway,
}

/// The rules for a way whose tags `tag` looks up, or `None` if it is not a car road (see the
/// [module docs](self) for the classes and exclusions).
pub fn car_rules<S: AsRef<str>>(tag: impl Fn(&str) -> Option<S>) -> Option<WayRules> {
    let class = RoadClass::from_highway(tag("highway")?.as_ref().trim())?;
    if tag("area").is_some_and(|v| v.as_ref().trim() == "yes") {
        return None;
    }
    let access = ["motorcar", "motor_vehicle", "vehicle", "access"].into_iter().find_map(&tag);
    if access.is_some_and(|v| matches!(v.as_ref().trim(), "no" | "private")) {
        return None;
    }
    let speed_kmh =
        tag("maxspeed").and_then(|v| parse_maxspeed(v.as_ref())).unwrap_or_else(|| class.default_speed_kmh());
    let roundabout = tag("junction").is_some_and(|v| matches!(v.as_ref().trim(), "roundabout" | "circular"));
    let oneway_tag = tag("oneway");
    let oneway = Oneway::from_tags(oneway_tag.as_ref().map(AsRef::as_ref), class.implies_oneway() || roundabout);
    Some(WayRules { class, speed_kmh, oneway })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(tags: &[(&str, &str)]) -> Option<WayRules> {
        car_rules(|k| tags.iter().find(|(key, _)| *key == k).map(|(_, v)| *v))
    }

    #[test]
    fn maxspeed_values() {
        assert_eq!(parse_maxspeed("50"), Some(50.0));
        assert_eq!(parse_maxspeed(" 80 "), Some(80.0));
        assert_eq!(parse_maxspeed("50 km/h"), Some(50.0));
        assert!((parse_maxspeed("30 mph").unwrap() - 48.28032).abs() < 1e-9);
        assert!((parse_maxspeed("30mph").unwrap() - 48.28032).abs() < 1e-9);
        assert!((parse_maxspeed("10 knots").unwrap() - 18.52).abs() < 1e-9);
        assert_eq!(parse_maxspeed("50;30"), Some(50.0));
        assert_eq!(parse_maxspeed("walk"), Some(7.0));
        for unusable in ["none", "signals", "variable", "JP:urban", "RU:living_street", "", "0", "fast", "50 furlongs"]
        {
            assert_eq!(parse_maxspeed(unusable), None, "{unusable:?}");
        }
    }

    #[test]
    fn maxspeed_falls_back_to_the_class_default() {
        assert_eq!(rules(&[("highway", "primary"), ("maxspeed", "none")]).unwrap().speed_kmh, 60.0);
        assert_eq!(rules(&[("highway", "residential"), ("maxspeed", "signals")]).unwrap().speed_kmh, 30.0);
        assert_eq!(rules(&[("highway", "residential"), ("maxspeed", "FI:urban")]).unwrap().speed_kmh, 30.0);
        assert_eq!(rules(&[("highway", "residential"), ("maxspeed", "20")]).unwrap().speed_kmh, 20.0);
        assert_eq!(rules(&[("highway", "living_street"), ("maxspeed", "walk")]).unwrap().speed_kmh, 7.0);
        assert!((rules(&[("highway", "trunk_link")]).unwrap().speed_kmh - 56.0).abs() < 1e-9);
        assert!((rules(&[("highway", "motorway_link")]).unwrap().speed_kmh - 70.0).abs() < 1e-9);
        assert_eq!(rules(&[("highway", "service")]).unwrap().speed_kmh, 20.0);
    }

    #[test]
    fn oneway_values() {
        let way = |tags: &[(&str, &str)]| rules(tags).unwrap().oneway;
        assert_eq!(way(&[("highway", "residential")]), Oneway::Both);
        for yes in ["yes", "true", "1"] {
            assert_eq!(way(&[("highway", "residential"), ("oneway", yes)]), Oneway::Forward, "{yes}");
        }
        for back in ["-1", "reverse"] {
            assert_eq!(way(&[("highway", "residential"), ("oneway", back)]), Oneway::Backward, "{back}");
        }
        assert_eq!(way(&[("highway", "residential"), ("oneway", "no")]), Oneway::Both);
        assert_eq!(way(&[("highway", "motorway")]), Oneway::Forward);
        assert_eq!(way(&[("highway", "motorway_link")]), Oneway::Forward);
        assert_eq!(way(&[("highway", "motorway"), ("oneway", "no")]), Oneway::Both);
        assert_eq!(way(&[("highway", "trunk")]), Oneway::Both);
        assert_eq!(way(&[("highway", "tertiary"), ("junction", "roundabout")]), Oneway::Forward);
        assert_eq!(way(&[("highway", "tertiary"), ("junction", "roundabout"), ("oneway", "no")]), Oneway::Both);
        assert_eq!(way(&[("highway", "tertiary"), ("junction", "roundabout"), ("oneway", "-1")]), Oneway::Backward);
        assert_eq!(way(&[("highway", "residential"), ("oneway", "reversible")]), Oneway::Both);
        assert!(Oneway::Forward.forward() && !Oneway::Forward.backward());
        assert!(!Oneway::Backward.forward() && Oneway::Backward.backward());
        assert!(Oneway::Both.forward() && Oneway::Both.backward());
    }

    #[test]
    fn classes_and_exclusions() {
        for not_car in ["footway", "path", "cycleway", "pedestrian", "steps", "track", "bridleway", "construction"] {
            assert_eq!(rules(&[("highway", not_car)]), None, "{not_car}");
        }
        assert_eq!(rules(&[("name", "Kotkankatu")]), None);
        assert_eq!(rules(&[("highway", "service"), ("access", "private")]), None);
        assert_eq!(rules(&[("highway", "service"), ("access", "no")]), None);
        assert_eq!(rules(&[("highway", "residential"), ("motor_vehicle", "no")]), None);
        assert_eq!(rules(&[("highway", "residential"), ("motorcar", "no")]), None);
        assert_eq!(rules(&[("highway", "unclassified"), ("area", "yes")]), None);
        assert!(rules(&[("highway", "service"), ("access", "private"), ("motorcar", "yes")]).is_some());
        assert!(rules(&[("highway", "service"), ("access", "destination")]).is_some());
        assert_eq!(rules(&[("highway", "tertiary")]).unwrap().class, RoadClass::Tertiary);
    }
}

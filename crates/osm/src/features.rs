//! Which OpenStreetMap objects become buildings, land-use zones and named places, and how their
//! heights, kinds and names are read: the tag rules of the map import.
//!
//! # Buildings
//!
//! A closed way with `building` other than `no`. Height, in order of preference:
//!
//! 1. `height` in metres (`"12"`, `"12 m"`, `"12.5m"`; feet are converted);
//! 2. `building:levels` × 3 m, plus `roof:levels` × 3 m when present;
//! 3. a default by `building` value: 7 m for `house`, `detached`, `semidetached_house`,
//!    `bungalow`, `residential`, `terrace`; 4 m for `garage`, `garages`, `shed`, `hut`,
//!    `carport`, `roof`, `kiosk`; 25 m for `church`, `cathedral`, `temple`, `shrine` roofs;
//!    15 m for `apartments`, `commercial`, `office`, `retail`, `hospital`, `school`,
//!    `university`, `hotel`, `industrial`, `warehouse`; 8 m otherwise. Drones keep their
//!    clearance above these, so a default errs high rather than low.
//!
//! # Land-use zones
//!
//! | tags                                                       | zone          |
//! |------------------------------------------------------------|---------------|
//! | `landuse=residential`                                      | `Residential` |
//! | `amenity=school` / `kindergarten`, `landuse=education`     | `School`      |
//! | `landuse=commercial` / `retail`, `amenity=marketplace`     | `Commercial`  |
//! | `leisure=park` / `playground` / `garden`, `landuse=recreation_ground` / `village_green` | `Park` |
//! | `landuse=industrial`                                       | `Industrial`  |
//!
//! # Named places
//!
//! A node, or a closed way at its centroid:
//!
//! | tags                                                               | place     |
//! |--------------------------------------------------------------------|-----------|
//! | `amenity=school` / `kindergarten` / `college` / `university`       | `School`  |
//! | `amenity=clinic` / `hospital` / `doctors` / `nursing_home`         | `Clinic`  |
//! | `railway=station` / `halt`, `public_transport=station`, `amenity=bus_station` | `Station` |
//! | `amenity=post_office` / `townhall` / `community_centre`, `office=government` | `Office` |
//! | `amenity=place_of_worship` (shrines, temples, churches)            | `Shrine`  |
//! | `shop=*` with a name                                               | `Shop`    |
//! | `leisure=park` with a name                                         | `Park`    |
//! | a house (`building=house` / `detached` / `residential` / `apartments` / …) with `addr:street` and `addr:housenumber` | `Home` |
//!
//! The name is `name`; a home is named by its address (`Satamakatu 12`). An unnamed school,
//! clinic, station, office or place of worship is named by kind and OSM id (`school w123`);
//! unnamed shops and parks are left out. Repeated names get ` (2)`, ` (3)`, … in file order.

use pilotzone_scenario::{PlaceKind, ZoneKind};

/// The `building` values that are homes when they carry an address.
const HOUSES: &[&str] = &[
    "house",
    "detached",
    "semidetached_house",
    "residential",
    "apartments",
    "terrace",
    "bungalow",
    "farm",
    "dormitory",
];

/// Height in metres of a building whose tags `tag` looks up, or `None` when it is not a
/// building; the flag says whether the height is a default (no `height` or `building:levels`).
pub fn building_height<S: AsRef<str>>(tag: impl Fn(&str) -> Option<S>) -> Option<(f64, bool)> {
    let kind = tag("building")?;
    let kind = kind.as_ref().trim();
    if kind == "no" {
        return None;
    }
    if let Some(h) = tag("height").and_then(|v| parse_length_m(v.as_ref())) {
        return Some((h, false));
    }
    let levels = |key: &str| tag(key).and_then(|v| v.as_ref().trim().parse::<f64>().ok()).filter(|l| l.is_finite());
    if let Some(l) = levels("building:levels").filter(|&l| l > 0.0) {
        let roof = levels("roof:levels").unwrap_or(0.0).max(0.0);
        return Some(((l + roof) * 3.0, false));
    }
    let default = match kind {
        "house" | "detached" | "semidetached_house" | "bungalow" | "residential" | "terrace" => 7.0,
        "garage" | "garages" | "shed" | "hut" | "carport" | "roof" | "kiosk" => 4.0,
        "church" | "cathedral" | "temple" | "shrine" => 25.0,
        "apartments" | "commercial" | "office" | "retail" | "hospital" | "school" | "university" | "hotel"
        | "industrial" | "warehouse" => 15.0,
        _ => 8.0,
    };
    Some((default, true))
}

/// Whether a building with these tags is a home (a house with a street address).
pub fn home_address<S: AsRef<str>>(tag: impl Fn(&str) -> Option<S>) -> Option<String> {
    let kind = tag("building")?;
    if !HOUSES.contains(&kind.as_ref().trim()) {
        return None;
    }
    let street = tag("addr:street")?;
    let number = tag("addr:housenumber")?;
    let (street, number) = (street.as_ref().trim(), number.as_ref().trim());
    (!street.is_empty() && !number.is_empty()).then(|| format!("{street} {number}"))
}

/// A length in metres from a `height`-style value: a number, optionally with `m`, or in feet
/// (`ft`, `'`). Zero, negative and unparsable values give `None`.
pub fn parse_length_m(value: &str) -> Option<f64> {
    let v = value.trim();
    let split = v.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(v.len());
    let (number, unit) = v.split_at(split);
    let number: f64 = number.parse().ok()?;
    let factor = match unit.trim() {
        "" | "m" => 1.0,
        "ft" | "'" | "feet" => 0.3048,
        _ => return None,
    };
    let m = number * factor;
    (m.is_finite() && m > 0.0).then_some(m)
}

/// The zone an area with these tags is, if any (see the [module docs](self)).
pub fn zone_kind<S: AsRef<str>>(tag: impl Fn(&str) -> Option<S>) -> Option<ZoneKind> {
    let is = |key: &str, values: &[&str]| tag(key).is_some_and(|v| values.contains(&v.as_ref().trim()));
    if is("amenity", &["school", "kindergarten"]) || is("landuse", &["education"]) {
        Some(ZoneKind::School)
    } else if is("landuse", &["residential"]) {
        Some(ZoneKind::Residential)
    } else if is("landuse", &["commercial", "retail"]) || is("amenity", &["marketplace"]) {
        Some(ZoneKind::Commercial)
    } else if is("leisure", &["park", "playground", "garden"]) || is("landuse", &["recreation_ground", "village_green"])
    {
        Some(ZoneKind::Park)
    } else if is("landuse", &["industrial"]) {
        Some(ZoneKind::Industrial)
    } else {
        None
    }
}

/// The place kind of a node or area with these tags, and whether it needs a `name` to count.
pub fn place_kind<S: AsRef<str>>(tag: impl Fn(&str) -> Option<S>) -> Option<(PlaceKind, bool)> {
    let is = |key: &str, values: &[&str]| tag(key).is_some_and(|v| values.contains(&v.as_ref().trim()));
    let kind = if is("amenity", &["school", "kindergarten", "college", "university"]) {
        (PlaceKind::School, false)
    } else if is("amenity", &["clinic", "hospital", "doctors", "nursing_home"]) {
        (PlaceKind::Clinic, false)
    } else if is("railway", &["station", "halt"])
        || is("public_transport", &["station"])
        || is("amenity", &["bus_station"])
    {
        (PlaceKind::Station, false)
    } else if is("amenity", &["post_office", "townhall", "community_centre"]) || is("office", &["government"]) {
        (PlaceKind::Office, false)
    } else if is("amenity", &["place_of_worship"]) {
        (PlaceKind::Shrine, false)
    } else if tag("shop").is_some_and(|v| v.as_ref().trim() != "no") {
        (PlaceKind::Shop, true)
    } else if is("leisure", &["park"]) {
        (PlaceKind::Park, true)
    } else {
        return None;
    };
    Some(kind)
}

/// Lower-case word for a place kind, used to name unnamed places.
pub fn place_word(kind: PlaceKind) -> &'static str {
    match kind {
        PlaceKind::Depot => "depot",
        PlaceKind::Vertiport => "vertiport",
        PlaceKind::Station => "station",
        PlaceKind::Home => "home",
        PlaceKind::Shop => "shop",
        PlaceKind::School => "school",
        PlaceKind::Clinic => "clinic",
        PlaceKind::Shrine => "place of worship",
        PlaceKind::Office => "office",
        PlaceKind::Park => "park",
    }
}

/// Lower-case word for a zone kind, used to name unnamed zones.
pub fn zone_word(kind: ZoneKind) -> &'static str {
    match kind {
        ZoneKind::Residential => "residential",
        ZoneKind::School => "school",
        ZoneKind::Commercial => "commercial",
        ZoneKind::Park => "park",
        ZoneKind::Industrial => "industrial",
    }
}

/// Whether a node with these tags is a marked pedestrian crossing over the road it lies on.
pub fn is_crossing<S: AsRef<str>>(tag: impl Fn(&str) -> Option<S>) -> bool {
    let is = |key: &str, values: &[&str]| tag(key).is_some_and(|v| values.contains(&v.as_ref().trim()));
    (is("highway", &["crossing"]) || is("railway", &["crossing"])) && !is("crossing", &["no", "informal"])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t<'a>(tags: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<&'a str> {
        move |k| tags.iter().find(|(key, _)| *key == k).map(|(_, v)| *v)
    }

    #[test]
    fn building_heights() {
        assert_eq!(building_height(t(&[("building", "yes"), ("height", "12.5 m")])), Some((12.5, false)));
        assert_eq!(building_height(t(&[("building", "yes"), ("building:levels", "4")])), Some((12.0, false)));
        assert_eq!(
            building_height(t(&[("building", "yes"), ("building:levels", "2"), ("roof:levels", "1")])),
            Some((9.0, false))
        );
        let feet = building_height(t(&[("building", "yes"), ("height", "100 ft")])).unwrap();
        assert!((feet.0 - 30.48).abs() < 1e-9 && !feet.1);
        assert_eq!(building_height(t(&[("building", "house")])), Some((7.0, true)));
        assert_eq!(building_height(t(&[("building", "apartments"), ("height", "tall")])), Some((15.0, true)));
        assert_eq!(building_height(t(&[("building", "shed"), ("building:levels", "0")])), Some((4.0, true)));
        assert_eq!(building_height(t(&[("building", "yes")])), Some((8.0, true)));
        assert_eq!(building_height(t(&[("building", "no")])), None);
        assert_eq!(building_height(t(&[("landuse", "residential")])), None);
    }

    #[test]
    fn homes_need_a_house_and_an_address() {
        let house = [("building", "house"), ("addr:street", "Satamakatu"), ("addr:housenumber", "12")];
        assert_eq!(home_address(t(&house)).as_deref(), Some("Satamakatu 12"));
        assert_eq!(home_address(t(&[("building", "house"), ("addr:street", "Satamakatu")])), None);
        let shop = [("building", "retail"), ("addr:street", "Satamakatu"), ("addr:housenumber", "1")];
        assert_eq!(home_address(t(&shop)), None);
    }

    #[test]
    fn zones_and_places() {
        assert_eq!(zone_kind(t(&[("landuse", "residential")])), Some(ZoneKind::Residential));
        assert_eq!(zone_kind(t(&[("amenity", "school"), ("landuse", "residential")])), Some(ZoneKind::School));
        assert_eq!(zone_kind(t(&[("landuse", "retail")])), Some(ZoneKind::Commercial));
        assert_eq!(zone_kind(t(&[("leisure", "park")])), Some(ZoneKind::Park));
        assert_eq!(zone_kind(t(&[("landuse", "industrial")])), Some(ZoneKind::Industrial));
        assert_eq!(zone_kind(t(&[("landuse", "forest")])), None);
        assert_eq!(place_kind(t(&[("amenity", "school")])), Some((PlaceKind::School, false)));
        assert_eq!(place_kind(t(&[("amenity", "doctors")])), Some((PlaceKind::Clinic, false)));
        assert_eq!(place_kind(t(&[("railway", "halt")])), Some((PlaceKind::Station, false)));
        assert_eq!(place_kind(t(&[("amenity", "post_office")])), Some((PlaceKind::Office, false)));
        assert_eq!(
            place_kind(t(&[("amenity", "place_of_worship"), ("religion", "shinto")])),
            Some((PlaceKind::Shrine, false))
        );
        assert_eq!(place_kind(t(&[("shop", "convenience")])), Some((PlaceKind::Shop, true)));
        assert_eq!(place_kind(t(&[("leisure", "park")])), Some((PlaceKind::Park, true)));
        assert_eq!(place_kind(t(&[("amenity", "bench")])), None);
        assert!(is_crossing(t(&[("highway", "crossing"), ("crossing", "zebra")])));
        assert!(!is_crossing(t(&[("highway", "crossing"), ("crossing", "no")])));
        assert!(!is_crossing(t(&[("highway", "traffic_signals")])));
    }

    #[test]
    fn lengths() {
        assert_eq!(parse_length_m("7"), Some(7.0));
        assert_eq!(parse_length_m(" 7.5m "), Some(7.5));
        assert_eq!(parse_length_m("0"), None);
        assert_eq!(parse_length_m("about 7"), None);
        assert_eq!(parse_length_m("7 storeys"), None);
    }
}

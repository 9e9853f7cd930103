//! Labels for people: one table per part of the scene, each key with its Japanese and English
//! text, and the stable keys the scene writes for the scenario's kinds.
//!
//! The replay crate's vocabulary names what agents are and do; these tables name what the map
//! holds (place and zone kinds, rule kinds, classes) and the words a legend needs. A key
//! without both texts is a test failure, not a blank on a resident's screen.

use pilotzone_replay::{Lang, Names};
use pilotzone_scenario::{Class, PlaceKind, TrafficSide, ZoneKind};
use serde::{Deserialize, Serialize};

/// A text in both languages, owned: what the scene serializes for the web player.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Text {
    /// Japanese.
    pub ja: String,
    /// English.
    pub en: String,
}

impl Text {
    /// The text in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ja => &self.ja,
            Lang::En => &self.en,
        }
    }

    /// The same text in both languages (a proper name written once in the scenario).
    pub fn same(text: &str) -> Self {
        Text { ja: text.to_owned(), en: text.to_owned() }
    }
}

impl From<Names> for Text {
    fn from(n: Names) -> Self {
        Text { ja: n.ja.to_owned(), en: n.en.to_owned() }
    }
}

/// Declares the stable keys of a scenario enum as a module: `key`, `from_key`, `ALL`, and serde
/// functions for `#[serde(with = ...)]`. The forward match is exhaustive, so a new variant does
/// not compile until it has a key, and `ALL` follows from the same rows.
macro_rules! keys {
    ($(#[$meta:meta])* $module:ident, $ty:ident { $($variant:ident => $key:literal),+ $(,)? }) => {
        $(#[$meta])*
        pub mod $module {
            use super::$ty;

            /// Every value, in declaration order.
            pub const ALL: &[$ty] = &[$($ty::$variant),+];

            /// The stable key the scene writes.
            pub fn key(v: $ty) -> &'static str {
                match v { $($ty::$variant => $key,)+ }
            }

            /// The value with that key.
            pub fn from_key(key: &str) -> Option<$ty> {
                match key { $($key => Some($ty::$variant),)+ _ => None }
            }

            /// Writes the key.
            pub fn serialize<S: serde::Serializer>(v: &$ty, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(key(*v))
            }

            /// Reads a key.
            pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<$ty, D::Error> {
                let text = <String as serde::Deserialize>::deserialize(d)?;
                from_key(&text).ok_or_else(|| serde::de::Error::custom(format!("unknown key \"{text}\"")))
            }
        }
    };
}

keys! {
    /// Keys of place kinds (`depot`, `school`, ...).
    place_kind, PlaceKind {
        Depot => "depot", Vertiport => "vertiport", Station => "station", Home => "home", Shop => "shop",
        School => "school", Clinic => "clinic", Shrine => "shrine", Office => "office", Park => "park",
    }
}

keys! {
    /// Keys of zone kinds (`residential`, `school`, ...).
    zone_kind, ZoneKind {
        Residential => "residential", School => "school", Commercial => "commercial", Park => "park",
        Industrial => "industrial",
    }
}

keys! {
    /// Keys of the classes rules bind, as the scenario crate prints them (`taxi`, `drone`, ...).
    class, Class { Taxi => "taxi", Car => "car", Drone => "drone", Person => "person", Building => "building" }
}

keys! {
    /// Keys of the side of the road traffic keeps to (`left`, `right`).
    traffic_side, TrafficSide { Left => "left", Right => "right" }
}

/// Serde for lists of classes by key.
pub mod classes {
    use super::{Class, class};
    use serde::{Deserialize, Deserializer, Serializer, ser::SerializeSeq};

    /// Writes the keys.
    pub fn serialize<S: Serializer>(v: &[Class], s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(v.len()))?;
        v.iter().try_for_each(|c| seq.serialize_element(class::key(*c)))?;
        seq.end()
    }

    /// Reads keys.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Class>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|k| class::from_key(k).ok_or_else(|| serde::de::Error::custom(format!("unknown class \"{k}\""))))
            .collect()
    }
}

/// Place kinds, by [`place_kind`] key.
pub const PLACE_KINDS: &[(&str, Names)] = &[
    ("depot", Names { ja: "車両基地", en: "depot" }),
    ("vertiport", Names { ja: "ドローン離着陸場", en: "vertiport" }),
    ("station", Names { ja: "駅", en: "station" }),
    ("home", Names { ja: "住宅", en: "home" }),
    ("shop", Names { ja: "商店", en: "shop" }),
    ("school", Names { ja: "学校", en: "school" }),
    ("clinic", Names { ja: "診療所", en: "clinic" }),
    ("shrine", Names { ja: "神社・寺院", en: "shrine" }),
    ("office", Names { ja: "役場", en: "public office" }),
    ("park", Names { ja: "公園", en: "park" }),
];

/// Zone kinds, by [`zone_kind`] key.
pub const ZONE_KINDS: &[(&str, Names)] = &[
    ("residential", Names { ja: "住宅地", en: "residential" }),
    ("school", Names { ja: "学校区域", en: "school" }),
    ("commercial", Names { ja: "商業地", en: "commercial" }),
    ("park", Names { ja: "公園・緑地", en: "park" }),
    ("industrial", Names { ja: "工業地", en: "industrial" }),
];

/// Rule kinds, by the scenario's `RuleKind::as_str` key.
pub const RULE_KINDS: &[(&str, Names)] = &[
    ("speed_limit", Names { ja: "速度制限", en: "speed limit" }),
    ("road_closure", Names { ja: "通行止め", en: "road closure" }),
    ("one_way", Names { ja: "一方通行", en: "one way" }),
    ("no_fly", Names { ja: "飛行禁止", en: "no-fly" }),
    ("altitude_band", Names { ja: "飛行高度帯", en: "altitude band" }),
    ("separation", Names { ja: "離隔距離", en: "separation minimum" }),
    ("operating_hours", Names { ja: "運行時間", en: "operating hours" }),
    ("wind_limit", Names { ja: "風速制限", en: "wind limit" }),
    ("remote_operators", Names { ja: "遠隔監視体制", en: "remote operators" }),
    ("designated_route", Names { ja: "指定ルート", en: "designated route" }),
];

/// Classes rules bind, by [`class`] key.
pub const CLASSES: &[(&str, Names)] = &[
    ("taxi", Names { ja: "ロボタクシー", en: "robotaxi" }),
    ("car", Names { ja: "住民の車", en: "resident's car" }),
    ("drone", Names { ja: "ドローン", en: "drone" }),
    ("person", Names { ja: "歩行者", en: "person on foot" }),
    ("building", Names { ja: "建物", en: "building" }),
];

/// Words of the map's legend and panels.
pub const WORDS: &[(&str, Names)] = &[
    ("roads", Names { ja: "道路", en: "roads" }),
    ("crossings", Names { ja: "横断歩道", en: "crossings" }),
    ("buildings", Names { ja: "建物", en: "buildings" }),
    ("zones", Names { ja: "区域", en: "zones" }),
    ("places", Names { ja: "施設", en: "places" }),
    ("no_fly", Names { ja: "飛行禁止空域", en: "no-fly volumes" }),
    ("rules", Names { ja: "ルール", en: "rules" }),
    ("incidents", Names { ja: "インシデント", en: "incidents" }),
    ("active", Names { ja: "適用中", en: "in force" }),
    ("inactive", Names { ja: "適用外", en: "not in force" }),
    ("always", Names { ja: "常時", en: "always" }),
    ("hours", Names { ja: "時間帯", en: "hours" }),
    ("dates", Names { ja: "期間", en: "dates" }),
    ("speed_limit_kmh", Names { ja: "制限速度 (km/h)", en: "speed limit (km/h)" }),
    ("lanes", Names { ja: "車線数", en: "lanes" }),
    ("one_way", Names { ja: "一方通行", en: "one way" }),
    ("height_m", Names { ja: "高さ (m)", en: "height (m)" }),
    ("floor_m", Names { ja: "下限高度 (m)", en: "floor (m)" }),
    ("ceiling_m", Names { ja: "上限高度 (m)", en: "ceiling (m)" }),
    ("keep_left", Names { ja: "左側通行", en: "traffic keeps left" }),
    ("keep_right", Names { ja: "右側通行", en: "traffic keeps right" }),
    ("attribution", Names { ja: "地図データ", en: "map data" }),
    ("status", Names { ja: "状態", en: "status" }),
    ("speed_kmh", Names { ja: "速度 (km/h)", en: "speed (km/h)" }),
];

/// Every table with the prefix its keys take in [`all`]: `place.home`, `word.roads`, ...
pub const TABLES: &[(&str, &[(&str, Names)])] =
    &[("place", PLACE_KINDS), ("zone", ZONE_KINDS), ("rule", RULE_KINDS), ("class", CLASSES), ("word", WORDS)];

fn find(table: &[(&str, Names)], key: &str) -> Option<Names> {
    table.iter().find(|(k, _)| *k == key).map(|(_, n)| *n)
}

/// The names of a place kind.
pub fn place_kind_names(kind: PlaceKind) -> Names {
    find(PLACE_KINDS, place_kind::key(kind)).expect("every place kind has a row (tested)")
}

/// The names of a zone kind.
pub fn zone_kind_names(kind: ZoneKind) -> Names {
    find(ZONE_KINDS, zone_kind::key(kind)).expect("every zone kind has a row (tested)")
}

/// The names of a rule kind by its key; `None` for a key this build does not know.
pub fn rule_kind_names(key: &str) -> Option<Names> {
    find(RULE_KINDS, key)
}

/// A legend or panel word in `lang`; the key itself when there is none (and a test fails).
pub fn word(key: &str, lang: Lang) -> &str {
    find(WORDS, key).map_or(key, |n| n.get(lang))
}

/// Every label of every table, keyed `prefix.key`: what the web player looks words up in.
pub fn all() -> std::collections::BTreeMap<String, Text> {
    TABLES
        .iter()
        .flat_map(|(prefix, table)| table.iter().map(move |(k, n)| (format!("{prefix}.{k}"), Text::from(*n))))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use pilotzone_scenario::{NoFlyVolume, RuleKind};

    use super::*;

    #[test]
    fn every_key_has_japanese_and_english_text() {
        for (prefix, table) in TABLES {
            let keys: BTreeSet<&str> = table.iter().map(|(k, _)| *k).collect();
            assert_eq!(keys.len(), table.len(), "{prefix}: keys are unique");
            for (key, n) in *table {
                assert!(!n.en.trim().is_empty(), "{prefix}.{key} has no English text");
                assert!(!n.ja.trim().is_empty(), "{prefix}.{key} has no Japanese text");
                assert!(!n.ja.is_ascii(), "{prefix}.{key}'s Japanese text is not Japanese: {}", n.ja);
            }
        }
    }

    /// Each kind's table has exactly a row per value: none missing, none left over.
    #[test]
    fn each_kind_table_covers_its_enum() {
        let covers = |table: &[(&str, Names)], keys: Vec<&str>| {
            let rows: BTreeSet<&str> = table.iter().map(|(k, _)| *k).collect();
            assert_eq!(rows, keys.into_iter().collect::<BTreeSet<_>>());
        };
        covers(PLACE_KINDS, place_kind::ALL.iter().map(|&k| place_kind::key(k)).collect());
        covers(ZONE_KINDS, zone_kind::ALL.iter().map(|&k| zone_kind::key(k)).collect());
        covers(CLASSES, class::ALL.iter().map(|&c| class::key(c)).collect());
        for &c in class::ALL {
            assert_eq!(class::key(c), c.as_str(), "the scene writes classes as the scenario prints them");
        }
        let volume = NoFlyVolume { name: String::new(), polygon: Vec::new(), floor_m: 0.0, ceiling_m: 1.0 };
        let kinds = [
            RuleKind::SpeedLimit { zone: None, kmh: 1.0 },
            RuleKind::RoadClosure { roads: Vec::new() },
            RuleKind::OneWay { road: (0, 1) },
            RuleKind::NoFly { volume },
            RuleKind::AltitudeBand { floor_m: 0.0, ceiling_m: 1.0 },
            RuleKind::Separation { between: (Class::Drone, Class::Drone), horizontal_m: 1.0, vertical_m: 1.0 },
            RuleKind::OperatingHours { fleet: None },
            RuleKind::WindLimit { max_mps: 1.0 },
            RuleKind::RemoteOperators { fleet: None, vehicles_per_operator: 1 },
            RuleKind::DesignatedRoute { roads: Vec::new() },
        ];
        covers(RULE_KINDS, kinds.iter().map(RuleKind::as_str).collect());
    }

    #[test]
    fn keys_round_trip_and_words_are_found() {
        for &k in place_kind::ALL {
            assert_eq!(place_kind::from_key(place_kind::key(k)), Some(k));
        }
        assert_eq!(zone_kind::from_key("School"), None, "keys are exact");
        assert_eq!(word("no_fly", Lang::Ja), "飛行禁止空域");
        assert_eq!(place_kind_names(PlaceKind::Shrine).get(Lang::En), "shrine");
        let all = all();
        assert_eq!(all.len(), TABLES.iter().map(|(_, t)| t.len()).sum::<usize>());
        assert_eq!(all["place.school"].ja, "学校");
    }
}

//! The vocabulary every tool shares: what an entity is, what it is doing and what happened,
//! each with the stable code or key that replays carry and its Japanese and English names.
//!
//! The simulation writes these, and the viewer, the web player, the command line and the
//! service read them, so none of them needs the engine to say what a status or an event means.
//! Keys and codes never change meaning once released; new ones are only appended.

use std::fmt;

/// A language people read pilotzone in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Lang {
    /// Japanese.
    #[default]
    Ja,
    /// English.
    En,
}

impl Lang {
    /// Every language, in the order menus list them.
    pub const ALL: [Lang; 2] = [Lang::Ja, Lang::En];

    /// The BCP 47 tag (`ja`, `en`).
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    /// The language with that tag, if pilotzone speaks it.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.tag().eq_ignore_ascii_case(tag))
    }
}

/// A text in every language pilotzone speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Names {
    /// Japanese.
    pub ja: &'static str,
    /// English.
    pub en: &'static str,
}

impl Names {
    /// The text in `lang`.
    pub fn get(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Ja => self.ja,
            Lang::En => self.en,
        }
    }
}

/// Declares an enum of the vocabulary with its stable code, its key and its names, so that the
/// three can never drift apart: one row a variant.
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal, $key:literal, $ja:literal, $en:literal; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in code order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// Stable code, as compact encodings carry it.
            pub fn code(self) -> u8 {
                match self { $($name::$variant => $code,)+ }
            }

            /// The value with that code.
            pub fn from_code(code: u8) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }

            /// Stable key, as replays, tables and the command line write it.
            pub fn key(self) -> &'static str {
                match self { $($name::$variant => $key,)+ }
            }

            /// The value with that key.
            pub fn from_key(key: &str) -> Option<Self> {
                match key { $($key => Some($name::$variant),)+ _ => None }
            }

            /// Its names for people.
            pub fn names(self) -> Names {
                match self { $($name::$variant => Names { ja: $ja, en: $en },)+ }
            }

            /// Its name for people in `lang`.
            pub fn name(self, lang: Lang) -> &'static str {
                self.names().get(lang)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(self.key())
            }
        }
    };
}

vocabulary! {
    /// What kind of agent an entity is.
    pub enum EntityKind {
        /// A Level-4 robotaxi or shuttle.
        Taxi = 0, "taxi", "ロボタクシー", "robotaxi";
        /// A delivery drone.
        Drone = 1, "drone", "ドローン", "drone";
        /// A resident's car, driven by a person.
        Car = 2, "car", "住民の車", "resident's car";
        /// A person on foot.
        Person = 3, "person", "歩行者", "person on foot";
    }
}

vocabulary! {
    /// What an entity is doing at a sample: the status samples carry. Codes 0–16 are the
    /// statuses of replay formats 1 and 2; a replay names the statuses it uses in its header, so
    /// later codes read in any build that knows their names.
    pub enum Status {
        /// A taxi parked and free for work.
        Idle = 0, "idle", "待機中", "idle";
        /// A taxi on its way to pick a rider up.
        ToPickup = 1, "to_pickup", "迎車中", "to pickup";
        /// A taxi with riders on board.
        Occupied = 2, "occupied", "乗客輸送中", "carrying riders";
        /// A taxi pulled in at the kerb while riders board or alight.
        Dwelling = 3, "dwelling", "乗降のため停車中", "pulled in at the kerb";
        /// A taxi parked because no open road leads to its next stop.
        Blocked = 4, "blocked", "通行止めで待機中", "waiting: road closed";
        /// A drone on its pad, charging when not full, free for work.
        Ready = 5, "ready", "離着陸場で待機中", "ready on its pad";
        /// A drone flying a parcel out.
        Outbound = 6, "outbound", "配達に向けて飛行中", "flying a parcel out";
        /// A drone hovering over the garden, lowering the parcel.
        Dropping = 7, "dropping", "ホバリングして荷下ろし中", "hovering to drop";
        /// A drone flying home.
        Returning = 8, "returning", "帰還中", "flying home";
        /// A vehicle at the kerb waiting for room to pull out.
        PullingOut = 9, "pulling_out", "発進待ち", "pulling out";
        /// A resident's car parked, or a person indoors or off the street.
        OffStreet = 10, "off_street", "路外", "off the street";
        /// A person waiting at the kerb to cross.
        Waiting = 11, "waiting", "横断待ち", "waiting at the kerb";
        /// A person crossing the road.
        Walking = 12, "walking", "横断中", "crossing on foot";
        /// A resident's car on the road.
        Driving = 13, "driving", "走行中", "driving";
        /// A taxi at the depot's charger.
        Charging = 14, "charging", "充電中", "charging";
        /// A taxi on its way to the charger.
        ToCharger = 15, "to_charger", "充電に向かう", "to the charger";
        /// An empty taxi moving toward where riders are expected.
        Repositioning = 16, "repositioning", "需要地へ回送中", "moving toward riders";
        /// A drone that crashed or ran out of energy in the air: fallen, out of service.
        Down = 17, "down", "墜落・停止", "down: crashed or out of energy";
        /// A drone over the garden, its parcel down, hovering until its way home is clear.
        HoldingForHome = 18, "holding_for_home", "帰路の空き待ちでホバリング中", "hovering: waiting for a clear way home";
    }
}

vocabulary! {
    /// What happened: the kind of an event.
    pub enum EventKind {
        /// A ride was requested.
        Request = 0, "request", "配車依頼", "ride requested";
        /// A taxi was assigned to a request.
        Assign = 1, "assign", "配車決定", "taxi assigned";
        /// A rider boarded.
        Pickup = 2, "pickup", "乗車", "rider picked up";
        /// A rider alighted.
        Dropoff = 3, "dropoff", "降車", "rider dropped off";
        /// A request expired unserved.
        Reject = 4, "reject", "配車できず", "request unserved";
        /// A parcel was ordered.
        Order = 5, "order", "配送依頼", "parcel ordered";
        /// A drone took off with a parcel.
        Launch = 6, "launch", "離陸", "drone took off";
        /// A parcel was delivered.
        Deliver = 7, "deliver", "配達完了", "parcel delivered";
        /// A parcel order could not be flown.
        OrderFail = 8, "order_fail", "配送できず", "parcel not flown";
        /// A drone landed back at its base.
        Land = 9, "land", "着陸", "drone landed";
        /// A rule started or stopped holding.
        RuleChange = 10, "rule_change", "ルールの切り替え", "rule change";
        /// Two bodies touched.
        Collision = 11, "collision", "衝突", "collision";
        /// Two road users came within the time-to-collision threshold.
        NearMiss = 12, "near_miss", "ヒヤリハット", "near miss";
        /// Two drones, or a drone and a person, came closer than the separation minimum.
        SeparationLoss = 13, "separation_loss", "間隔の不足", "loss of separation";
        /// A drone entered a no-fly volume.
        NoFlyIncursion = 14, "nofly_incursion", "飛行禁止空域への侵入", "no-fly incursion";
        /// A vehicle exceeded the speed limit in force.
        SpeedViolation = 15, "speed_violation", "速度超過", "speeding";
        /// A drone came closer to a building than the separation minimum.
        BuildingProximity = 16, "building_proximity", "建物への接近", "too close to a building";
        /// A drone flew above the ceiling in force.
        AltitudeViolation = 17, "altitude_violation", "高度制限超過", "above the ceiling";
        /// Drone launches held because the wind is over the limit.
        WindHold = 18, "wind_hold", "強風のため待機", "held by wind";
        /// A vehicle set off to charge, or began charging.
        Charge = 19, "charge", "充電", "charging";
        /// A vehicle or drone ran out of energy away from a charger.
        Stranded = 20, "stranded", "電池切れ", "ran out of energy";
        /// An idle vehicle was sent toward expected riders.
        Reposition = 21, "reposition", "回送", "sent toward riders";
        /// Vehicles stood still for over a minute, each waiting on another of them.
        Gridlock = 22, "gridlock", "膠着渋滞", "gridlock";
        /// A drone touched another body or a building: its flight ended there.
        Crash = 23, "crash", "ドローンの墜落", "drone crashed";
    }
}

vocabulary! {
    /// How serious an incident is.
    pub enum Severity {
        /// Within a margin of the limit; worth noting.
        Minor = 1, "minor", "軽微", "minor";
        /// Clearly past the limit.
        Serious = 2, "serious", "重大", "serious";
        /// Far past the limit, or bodies touched.
        Severe = 3, "severe", "深刻", "severe";
    }
}

/// Where an incident belongs: on the road, in the air, or the fleet's energy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IncidentClass {
    /// Between road users: vehicles and people.
    Road,
    /// Drones: airspace, separation, buildings.
    Air,
    /// A vehicle or drone out of energy.
    Energy,
}

impl EventKind {
    /// Whether events of this kind are safety incidents.
    pub fn is_incident(self) -> bool {
        self.incident_class().is_some()
    }

    /// Where an incident of this kind belongs; `None` for events that are not incidents.
    /// A collision or near miss may involve a drone too; its class is that of most cases.
    pub fn incident_class(self) -> Option<IncidentClass> {
        use EventKind::*;
        match self {
            Collision | NearMiss | SpeedViolation | Gridlock => Some(IncidentClass::Road),
            SeparationLoss | NoFlyIncursion | BuildingProximity | AltitudeViolation | Crash => Some(IncidentClass::Air),
            Stranded => Some(IncidentClass::Energy),
            Request | Assign | Pickup | Dropoff | Reject | Order | Launch | Deliver | OrderFail | Land | RuleChange
            | WindHold | Charge | Reposition => None,
        }
    }

    /// Every incident kind, in code order.
    pub fn incidents() -> impl Iterator<Item = EventKind> {
        EventKind::ALL.iter().copied().filter(|k| k.is_incident())
    }
}

impl Status {
    /// The kinds of entity that take this status.
    pub fn kinds(self) -> &'static [EntityKind] {
        use EntityKind::{Car, Drone, Person, Taxi};
        match self {
            Status::Idle
            | Status::ToPickup
            | Status::Occupied
            | Status::Dwelling
            | Status::Blocked
            | Status::Charging
            | Status::ToCharger
            | Status::Repositioning => &[Taxi],
            Status::Ready
            | Status::Outbound
            | Status::Dropping
            | Status::HoldingForHome
            | Status::Returning
            | Status::Down => &[Drone],
            Status::PullingOut => &[Taxi, Car],
            Status::OffStreet => &[Car, Person],
            Status::Waiting | Status::Walking => &[Person],
            Status::Driving => &[Car],
        }
    }
}

/// Labels of the vocabulary's own words that are not values of an enum (units, headings).
/// A key with no translation would be a bug; the table's test makes it a failure.
pub const LABELS: &[(&str, Names)] = &[
    ("severity", Names { ja: "深刻度", en: "severity" }),
    ("rule", Names { ja: "ルール", en: "rule" }),
    ("measured", Names { ja: "測定値", en: "measured" }),
    ("limit", Names { ja: "上限", en: "limit" }),
    ("entity", Names { ja: "対象", en: "entity" }),
    ("time", Names { ja: "時刻", en: "time" }),
    ("place", Names { ja: "場所", en: "place" }),
];

/// The label with `key` in `lang`; the key itself when there is none (and a test fails).
pub fn label(key: &str, lang: Lang) -> &str {
    LABELS.iter().find(|(k, _)| *k == key).map_or(key, |(_, n)| n.get(lang))
}

/// The status names of a replay header mapped to the vocabulary, code by code: how a reader
/// understands the samples of any replay, old or new.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusTable(Vec<Status>);

impl StatusTable {
    /// The table this build writes: every status at its own code.
    pub fn current() -> Self {
        StatusTable(Status::ALL.to_vec())
    }

    /// Maps a header's status names; a name this build does not know is refused, naming it.
    pub fn from_names(names: &[String]) -> Result<Self, UnknownWord> {
        names
            .iter()
            .map(|n| Status::from_key(n).ok_or_else(|| UnknownWord { what: "status", key: n.clone() }))
            .collect::<Result<_, _>>()
            .map(StatusTable)
    }

    /// The status a sample's code stands for.
    pub fn get(&self, code: u8) -> Option<Status> {
        self.0.get(usize::from(code)).copied()
    }

    /// The names a header carries for this table.
    pub fn names(&self) -> Vec<String> {
        self.0.iter().map(|s| s.key().to_owned()).collect()
    }
}

/// A key a replay uses that this build's vocabulary does not have.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the replay names a {what} \"{key}\" that this build does not know (written by a newer pilotzone?)")]
pub struct UnknownWord {
    /// What kind of word: `status`, `event kind`, `entity kind`.
    pub what: &'static str,
    /// The word as written.
    pub key: String,
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn check_words<T: Copy + Ord + fmt::Debug>(
        all: &[T],
        code: impl Fn(T) -> u8,
        key: impl Fn(T) -> &'static str,
        names: impl Fn(T) -> Names,
    ) {
        let codes: BTreeSet<u8> = all.iter().map(|&v| code(v)).collect();
        let keys: BTreeSet<&str> = all.iter().map(|&v| key(v)).collect();
        assert_eq!(codes.len(), all.len(), "codes are unique");
        assert_eq!(keys.len(), all.len(), "keys are unique");
        for &v in all {
            let n = names(v);
            assert!(!n.ja.is_empty() && !n.en.is_empty(), "{v:?} is named in both languages");
            assert!(!n.ja.is_ascii(), "{v:?}'s Japanese name is Japanese: {}", n.ja);
            assert!(key(v).bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{v:?}'s key is snake case");
        }
    }

    #[test]
    fn every_word_has_a_unique_code_and_key_and_both_names() {
        check_words(EntityKind::ALL, EntityKind::code, EntityKind::key, EntityKind::names);
        check_words(Status::ALL, Status::code, Status::key, Status::names);
        check_words(EventKind::ALL, EventKind::code, EventKind::key, EventKind::names);
        check_words(Severity::ALL, Severity::code, Severity::key, Severity::names);
        let keys: BTreeSet<&str> = LABELS.iter().map(|(k, _)| *k).collect();
        assert_eq!(keys.len(), LABELS.len());
        assert!(LABELS.iter().all(|(_, n)| !n.ja.is_ascii() && !n.en.is_empty()));
    }

    #[test]
    fn codes_and_keys_round_trip() {
        for &s in Status::ALL {
            assert_eq!(Status::from_code(s.code()), Some(s));
            assert_eq!(Status::from_key(s.key()), Some(s));
        }
        for &k in EventKind::ALL {
            assert_eq!(EventKind::from_key(&k.to_string()), Some(k));
        }
        assert_eq!(Status::from_code(200), None);
        assert_eq!(EventKind::from_key("Collision"), None, "keys are exact");
    }

    /// The statuses of formats 1 and 2 keep their codes: old replays read as they were written.
    #[test]
    fn released_status_codes_never_move() {
        let released = [
            "idle",
            "to_pickup",
            "occupied",
            "dwelling",
            "blocked",
            "ready",
            "outbound",
            "dropping",
            "returning",
            "pulling_out",
            "off_street",
            "waiting",
            "walking",
            "driving",
            "charging",
            "to_charger",
            "repositioning",
        ];
        for (code, key) in released.iter().enumerate() {
            assert_eq!(Status::from_code(code as u8).map(Status::key), Some(*key));
        }
        // An old replay's table reads each of its codes as this build writes it.
        let table = StatusTable::from_names(&released.map(String::from)).expect("released names are known");
        for code in 0..released.len() as u8 {
            assert_eq!(table.get(code), StatusTable::current().get(code));
        }
    }

    #[test]
    fn an_unknown_status_is_refused_by_name() {
        let err = StatusTable::from_names(&["idle".into(), "teleporting".into()]).expect_err("unknown");
        assert!(err.to_string().contains("\"teleporting\""), "{err}");
    }

    #[test]
    fn incident_kinds_are_classed_and_the_rest_are_not() {
        let incidents: Vec<&str> = EventKind::incidents().map(EventKind::key).collect();
        assert_eq!(
            incidents,
            [
                "collision",
                "near_miss",
                "separation_loss",
                "nofly_incursion",
                "speed_violation",
                "building_proximity",
                "altitude_violation",
                "stranded",
                "gridlock",
                "crash"
            ]
        );
        assert_eq!(EventKind::Gridlock.incident_class(), Some(IncidentClass::Road));
        assert_eq!(EventKind::Crash.incident_class(), Some(IncidentClass::Air));
        assert_eq!(EventKind::Pickup.incident_class(), None);
        assert_eq!(EventKind::NoFlyIncursion.incident_class(), Some(IncidentClass::Air));
    }

    #[test]
    fn languages_parse_from_their_tags() {
        assert_eq!(Lang::from_tag("JA"), Some(Lang::Ja));
        assert_eq!(Lang::from_tag("en"), Some(Lang::En));
        assert_eq!(Lang::from_tag("fr"), None);
        assert_eq!(Status::Charging.name(Lang::Ja), "充電中");
        assert_eq!(label("limit", Lang::En), "limit");
    }
}

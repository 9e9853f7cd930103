//! Building blocks the generators share (the demo town, grid towns and the pilot zones): times,
//! rates, place sets, rectangles, the common fleets and rules, and a deterministic jitter.

use crate::schema::*;
use crate::time::{ClockTime, Date, Hours};

/// Deterministic jitter (SplitMix64), so the generated file never changes between builds.
pub(crate) struct Jitter(pub(crate) u64);

impl Jitter {
    /// The next number, in [0, 1).
    pub(crate) fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A time of day written `"HH:MM"`.
pub(crate) fn at(text: &str) -> ClockTime {
    ClockTime::parse(text).expect("generator times are well formed")
}

/// The daily window from `from` to `to`.
pub(crate) fn hours(from: &str, to: &str) -> Option<Hours> {
    Some(Hours { from: at(from), to: at(to) })
}

/// A rate of `per_hour` from the time of day `from`.
pub(crate) fn step(from: &str, per_hour: f64) -> RateStep {
    RateStep { from: at(from), per_hour }
}

/// A run on the shipped scenarios' school day, 24 November 2026, at the default tick and
/// recording rate.
pub(crate) fn run(start: &str, duration_s: u32, seed: u64) -> RunSettings {
    RunSettings {
        start: at(start),
        duration_s,
        tick_ms: 100,
        record_ms: 500,
        seed,
        date: Some(Date::parse("2026-11-24").expect("generator dates are well formed")),
    }
}

/// The places with these names.
pub(crate) fn named(names: &[&str]) -> PlaceSet {
    PlaceSet::Named(names.iter().map(|&n| n.to_owned()).collect())
}

/// Every place of these kinds.
pub(crate) fn kinds(kinds: &[PlaceKind]) -> PlaceSet {
    PlaceSet::Kinds(kinds.to_vec())
}

/// Ride requests from `from` to `to` by `profile`.
pub(crate) fn ride(name: &str, from: PlaceSet, to: PlaceSet, profile: Vec<RateStep>, max_wait_s: u32) -> RideDemand {
    RideDemand { name: name.into(), from, to, profile, max_wait_s }
}

/// A rule named in English and Japanese, on every class its kind binds, every day.
pub(crate) fn rule(id: &str, en: &str, ja: &str, hours: Option<Hours>, kind: RuleKind) -> Rule {
    Rule { name: RuleName { en: en.into(), ja: ja.into() }, ..Rule::new(id, hours, kind) }
}

/// The axis-aligned rectangle with corners `(x0, y0)` and `(x1, y1)`.
pub(crate) fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Vec<(f64, f64)> {
    vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
}

/// The square of half-side `half` around `centre`.
pub(crate) fn square(centre: (f64, f64), half: f64) -> Vec<(f64, f64)> {
    rect(centre.0 - half, centre.1 - half, centre.0 + half, centre.1 + half)
}

/// A Level-4 robotaxi fleet of the common kind: 40 kWh batteries at 0.15 kWh/km, 50 kW
/// chargers, recharging under 30 %.
pub(crate) fn l4_taxis(name: &str, count: u32, depot: &str, seats: u8, max_speed_kmh: f64) -> TaxiFleet {
    TaxiFleet {
        name: name.into(),
        count,
        depot: depot.into(),
        seats,
        max_speed_kmh,
        battery_kwh: 40.0,
        kwh_per_km: 0.15,
        charge_kw: 50.0,
        recharge_below: 0.3,
    }
}

/// A parcel-drone fleet of the common kind: 12 m/s at 60 m, 2.5 kg, 500 Wh at 25 Wh/km.
pub(crate) fn parcel_drones(name: &str, count: u32, base: &str) -> DroneFleet {
    DroneFleet {
        name: name.into(),
        count,
        base: base.into(),
        cruise_speed_mps: 12.0,
        cruise_alt_m: 60.0,
        climb_mps: 3.0,
        payload_kg: 2.5,
        battery_wh: 500.0,
        wh_per_km: 25.0,
        pads: 1,
        launch_interval_s: crate::schema::DEFAULT_LAUNCH_INTERVAL_S,
    }
}

/// 1.5 m between moving vehicles of `class` (robotaxis or cars) and people.
pub(crate) fn people_gap(class: Class) -> Rule {
    let (id, en, ja) = match class {
        Class::Car => {
            ("car-pedestrian-gap", "1.5 m between moving cars and people", "走行中の自動車と歩行者の間隔 1.5 m")
        }
        _ => (
            "taxi-pedestrian-gap",
            "1.5 m between moving robotaxis and people",
            "走行中のロボタクシーと歩行者の間隔 1.5 m",
        ),
    };
    rule(id, en, ja, None, RuleKind::Separation { between: (class, Class::Person), horizontal_m: 1.5, vertical_m: 3.0 })
}

/// People crossing at `crossings` (every crossing when empty) by `profile`.
pub(crate) fn walkers(
    name: &str,
    crossings: &[&str],
    profile: Vec<RateStep>,
    walk_mps: f64,
    careless: f64,
) -> PedestrianFlow {
    let crossings = crossings.iter().map(|&c| c.to_owned()).collect();
    PedestrianFlow { name: name.into(), crossings, profile, walk_mps, careless }
}

/// 30 m (10 m vertically) between drones in cruise.
pub(crate) fn drone_separation() -> Rule {
    rule(
        "drone-separation",
        "30 m between drones in cruise",
        "ドローン同士の間隔 30 m",
        None,
        RuleKind::Separation { between: (Class::Drone, Class::Drone), horizontal_m: 30.0, vertical_m: 10.0 },
    )
}

//! When a comment was written: UTC seconds, written as RFC 3339 (`2026-12-02T09:30:00Z`) so a
//! sidecar reads well and sorts as text.

use std::fmt;

use pilotzone_scenario::time::{ClockTime, Date};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A moment in UTC, to the second.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    /// Seconds since 1970-01-01T00:00:00Z.
    pub unix_s: i64,
}

/// A timestamp that does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is not a UTC time like 2026-12-02T09:30:00Z")]
pub struct TimestampError(String);

impl Timestamp {
    /// The time now, from the system clock.
    #[expect(
        clippy::disallowed_methods,
        reason = "a comment is dated in the world, not in the simulation; nothing simulated reads it"
    )]
    pub fn now() -> Self {
        let unix_s = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        Timestamp { unix_s }
    }

    /// Parses `YYYY-MM-DDTHH:MM:SSZ`.
    pub fn parse(s: &str) -> Result<Self, TimestampError> {
        let bad = || TimestampError(s.chars().take(40).collect());
        let (date, rest) = s.split_once('T').ok_or_else(bad)?;
        let clock = rest.strip_suffix('Z').ok_or_else(bad)?;
        if date.len() != 10 || !date.as_bytes()[..4].iter().all(u8::is_ascii_digit) || clock.len() != 8 {
            return Err(bad());
        }
        // The calendar and the clock are the scenario's, as rules' dates and hours are read.
        let days = Date::parse(date).map_err(|_| bad())?.0;
        let seconds = ClockTime::parse(clock).ok().filter(|c| c.seconds() < 86_400).ok_or_else(bad)?;
        Ok(Timestamp { unix_s: i64::from(days) * 86_400 + i64::from(seconds.seconds()) })
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let date = Date(i32::try_from(self.unix_s.div_euclid(86_400)).unwrap_or(i32::MAX));
        let s = self.unix_s.rem_euclid(86_400);
        write!(f, "{date}T{:02}:{:02}:{:02}Z", s / 3600, s / 60 % 60, s % 60)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Timestamp::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_moments_print_and_parse() {
        for (s, unix_s) in [
            ("1970-01-01T00:00:00Z", 0),
            ("2000-02-29T12:00:00Z", 951_825_600),
            ("2026-12-02T09:30:05Z", 1_796_203_805),
            ("1969-12-31T23:59:59Z", -1),
        ] {
            assert_eq!(Timestamp::parse(s), Ok(Timestamp { unix_s }), "{s}");
            assert_eq!(Timestamp { unix_s }.to_string(), s);
        }
    }

    #[test]
    fn malformed_times_are_refused() {
        for s in [
            "2026-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-12-02 09:30:00Z",
            "2026-12-02T24:00:00Z",
            "",
            "+026-12-02T09:30:00Z",
        ] {
            assert!(Timestamp::parse(s).is_err(), "{s}");
        }
    }
}

//! Times of day as scenario authors write them (`"07:30"`), and daily hours windows.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

/// Seconds in one day.
pub const DAY_S: u32 = 24 * 3600;

/// A time of day, stored as seconds after midnight, written `"HH:MM"` or `"HH:MM:SS"`.
///
/// `"24:00"` is accepted as the end of the day so a window can run to midnight.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClockTime(pub u32);

impl ClockTime {
    /// Seconds after midnight.
    pub fn seconds(self) -> u32 {
        self.0
    }

    /// Parses `"HH:MM"` or `"HH:MM:SS"`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let parts: Vec<&str> = text.split(':').collect();
        if !(2..=3).contains(&parts.len()) {
            return Err(format!("time of day \"{text}\" must be written HH:MM or HH:MM:SS"));
        }
        let mut fields = [0u32; 3];
        for (slot, part) in fields.iter_mut().zip(&parts) {
            if part.is_empty() || part.len() > 2 || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("time of day \"{text}\" must be written HH:MM or HH:MM:SS"));
            }
            *slot = part.parse().map_err(|_| format!("time of day \"{text}\" is not a number"))?;
        }
        let [h, m, s] = fields;
        if m >= 60 || s >= 60 || h > 24 || (h == 24 && (m, s) != (0, 0)) {
            return Err(format!("time of day \"{text}\" is out of range (00:00 to 24:00)"));
        }
        Ok(Self(h * 3600 + m * 60 + s))
    }
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (h, m, s) = (self.0 / 3600, self.0 / 60 % 60, self.0 % 60);
        if s == 0 { write!(f, "{h:02}:{m:02}") } else { write!(f, "{h:02}:{m:02}:{s:02}") }
    }
}

impl Serialize for ClockTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ClockTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        ClockTime::parse(&text).map_err(de::Error::custom)
    }
}

/// A daily window `[from, to)`. A window whose `to` is earlier than `from` runs past midnight.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hours {
    /// Start of the window, inclusive.
    pub from: ClockTime,
    /// End of the window, exclusive.
    pub to: ClockTime,
}

impl Hours {
    /// Whether `time_of_day_s` (seconds after midnight, any day) falls inside the window.
    pub fn contains(&self, time_of_day_s: u32) -> bool {
        let t = time_of_day_s % DAY_S;
        let (from, to) = (self.from.0 % DAY_S, self.to.0);
        if from <= to { from <= t && t < to } else { t >= from || t < to }
    }
}

/// Whether an optional window is active: no window means always.
pub fn active(hours: &Option<Hours>, time_of_day_s: u32) -> bool {
    hours.as_ref().is_none_or(|h| h.contains(time_of_day_s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_times() {
        assert_eq!(ClockTime::parse("07:30"), Ok(ClockTime(27_000)));
        assert_eq!(ClockTime::parse("07:30:15").map(|t| t.0), Ok(27_015));
        assert_eq!(ClockTime::parse("24:00").map(|t| t.0), Ok(DAY_S));
        assert_eq!(ClockTime(27_000).to_string(), "07:30");
        assert_eq!(ClockTime(27_015).to_string(), "07:30:15");
        for bad in ["7", "07:60", "25:00", "24:01", "a:b", "07:30:00:00", ""] {
            assert!(ClockTime::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn windows_wrap_past_midnight() {
        let school = Hours { from: ClockTime(27_000), to: ClockTime(30_600) };
        assert!(!school.contains(26_999));
        assert!(school.contains(27_000));
        assert!(!school.contains(30_600));
        assert!(school.contains(27_000 + DAY_S), "a second day repeats the window");
        let night = Hours { from: ClockTime(22 * 3600), to: ClockTime(5 * 3600) };
        assert!(night.contains(23 * 3600));
        assert!(night.contains(3600));
        assert!(!night.contains(12 * 3600));
    }
}

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

/// A calendar date, stored as days since 1970-01-01, written `"YYYY-MM-DD"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub i32);

impl Date {
    /// Parses `"YYYY-MM-DD"` (proleptic Gregorian calendar).
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || format!("date \"{text}\" must be written YYYY-MM-DD");
        let parts: Vec<&str> = text.split('-').collect();
        let [y, m, d] = parts[..] else { return Err(bad()) };
        if y.len() != 4 || m.len() != 2 || d.len() != 2 || !text.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
            return Err(bad());
        }
        let (y, m, d): (i32, u32, u32) =
            (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?, d.parse().map_err(|_| bad())?);
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        let month_days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        if !(1..=12).contains(&m) || d == 0 || d > month_days[m as usize - 1] {
            return Err(format!("date \"{text}\" does not exist"));
        }
        Ok(Date(days_from_civil(y, m, d)))
    }

    /// The date `days` later.
    pub fn plus_days(self, days: i32) -> Date {
        Date(self.0 + days)
    }
}

// Howard Hinnant's civil-calendar algorithms, on days since 1970-01-01.
fn days_from_civil(y: i32, m: u32, d: u32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy as i32;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i32) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i32::from(m <= 2), m, d)
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = civil_from_days(self.0);
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Date::parse(&text).map_err(de::Error::custom)
    }
}

/// An inclusive range of dates, for rules that hold on some days only (a festival, a term).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DateRange {
    /// First day, inclusive.
    pub from: Date,
    /// Last day, inclusive.
    pub to: Date,
}

impl DateRange {
    /// Whether `day` falls inside the range.
    pub fn contains(&self, day: Date) -> bool {
        self.from <= day && day <= self.to
    }
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

    #[test]
    fn dates_parse_print_and_count_days() {
        let d = Date::parse("2026-11-23").expect("valid");
        assert_eq!(d.to_string(), "2026-11-23");
        assert_eq!(Date::parse("1970-01-01"), Ok(Date(0)));
        assert_eq!(Date::parse("2024-03-01").map(|d| d.0 - Date::parse("2024-02-28").expect("valid").0), Ok(2));
        assert_eq!(d.plus_days(39).to_string(), "2027-01-01");
        for bad in ["2026-02-29", "2026-13-01", "2026-1-01", "20261123", "2026-11-23x", ""] {
            assert!(Date::parse(bad).is_err(), "{bad} should be rejected");
        }
        let festival = DateRange { from: Date::parse("2026-11-22").expect("valid"), to: d };
        assert!(festival.contains(d) && !festival.contains(d.plus_days(1)));
    }
}

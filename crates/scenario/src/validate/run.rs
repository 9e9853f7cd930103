//! Checks of the scenario as a whole: its format version and name, the run's period and tick,
//! dispatch, and the weather.

use super::Check;
use crate::limits::MAX_DURATION_S;
use crate::schema::FORMAT_VERSION;

/// The format version this build reads, and a name usable as a folder.
pub(super) fn check_version_and_name(c: &mut Check<'_>) {
    let s = c.s;
    if s.format_version != FORMAT_VERSION {
        c.err(
            "format_version".into(),
            format!("format_version {} is not known; this build reads {FORMAT_VERSION}", s.format_version),
            (s.format_version == 1).then(|| {
                "format 2 writes each rule as `Rule(id: ..., name: (en: ..., ja: ...), hours: ..., kind: SpeedLimit(...))`; \
                 see the scenario reference, then set format_version: 2"
                    .to_owned()
            }),
        );
    }
    if s.name.trim().is_empty() || s.name.contains(['/', '\\']) {
        c.err("name".into(), "name must be non-empty and contain no path separators".into(), None);
    }
}

/// Dispatch rounds and pooling detours, then the run's duration, tick and recording interval.
pub(super) fn check_run(c: &mut Check<'_>) {
    let d = &c.s.dispatch;
    if d.period_s == 0 || d.period_s > 600 {
        c.err("dispatch.period_s".into(), format!("dispatch period must be 1 to 600 s, found {}", d.period_s), None);
    }
    if !(d.max_detour.is_finite() && d.max_detour >= 1.0) {
        c.err(
            "dispatch.max_detour".into(),
            format!("max_detour is a multiple of the direct ride and must be at least 1, found {}", d.max_detour),
            Some("1.5 lets a pooled ride take half as long again as the direct one".into()),
        );
    }
    let r = &c.s.run;
    if r.duration_s == 0 {
        c.err("run.duration_s".into(), "duration must be above zero".into(), None);
    }
    if r.duration_s > MAX_DURATION_S {
        c.err(
            "run.duration_s".into(),
            format!("{} s is longer than the {MAX_DURATION_S} s (a week) a run may take", r.duration_s),
            Some("study a longer period as several runs with `date`".into()),
        );
    }
    if r.tick_ms == 0 || r.tick_ms > 1000 {
        c.err("run.tick_ms".into(), format!("tick must be between 1 and 1000 ms, found {}", r.tick_ms), None);
    }
    if r.tick_ms > 0 && (r.record_ms == 0 || !r.record_ms.is_multiple_of(r.tick_ms)) {
        c.err(
            "run.record_ms".into(),
            format!("record_ms ({}) must be a positive multiple of tick_ms ({})", r.record_ms, r.tick_ms),
            None,
        );
    }
}

/// Wind steps: speeds and gusts zero or more, a direction, in increasing time.
pub(super) fn check_weather(c: &mut Check<'_>) {
    let wind = &c.s.weather.wind;
    for (i, w) in wind.iter().enumerate() {
        let path = format!("weather.wind[{i}]");
        c.not_negative(format!("{path}.mean_mps"), "wind speed", w.mean_mps);
        c.not_negative(format!("{path}.gust_mps"), "gustiness", w.gust_mps);
        if !w.from_deg.is_finite() {
            c.err(format!("{path}.from_deg"), "direction must be a number of degrees".into(), None);
        }
        if i > 0 && w.from <= wind[i - 1].from {
            c.err(format!("{path}.from"), "steps must be in increasing time".into(), None);
        }
    }
}

//! Replays: `pilotzone replay info` and `pilotzone verify`.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use pilotzone::output;

use super::{EXIT_INPUT, InputError, open_replay};

/// The replay of a run folder, or the file itself: every replay command takes either, as the
/// viewer and the HTML export do.
fn replay_of(path: &Path) -> std::path::PathBuf {
    if path.is_dir() { path.join("replay.pzr") } else { path.to_owned() }
}

/// `pilotzone replay info`: a replay's header and contents; exit code 2 when it is damaged.
pub(crate) fn info(path: &Path) -> Result<ExitCode> {
    let file = &replay_of(path);
    let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    let replay = open_replay(file)?;
    let mut stdout = std::io::stdout().lock();
    output::print_replay_info(&mut stdout, &replay, size)?;
    Ok(if replay.damage().is_some() { ExitCode::from(EXIT_INPUT) } else { ExitCode::SUCCESS })
}

/// `pilotzone verify`: re-simulates a replay and compares every tick's state hash.
pub(crate) fn verify(path: &Path) -> Result<ExitCode> {
    use pilotzone_sim::verify::{Verdict, VerifyError};
    let file = &replay_of(path);
    let replay = open_replay(file)?;
    let mut stdout = std::io::stdout().lock();
    match pilotzone_sim::verify::verify(&replay) {
        Ok(Verdict::Identical { ticks }) => {
            writeln!(stdout, "{}: identical — {ticks} ticks re-simulated, every state hash matches", file.display())?;
            Ok(ExitCode::SUCCESS)
        }
        Ok(Verdict::Diverged { tick, t_ms, recorded, simulated }) => {
            let tod = replay.header().start_time_of_day_s;
            writeln!(
                stdout,
                "{}: diverged at tick {tick} (t = {:.1} s, {}): recorded state hash {recorded:08x}, re-simulated {simulated:08x}",
                file.display(),
                t_ms as f64 / 1000.0,
                output::clock(tod, t_ms)
            )?;
            Ok(ExitCode::from(1))
        }
        Err(
            e @ (VerifyError::Replay(_)
            | VerifyError::Damaged(_)
            | VerifyError::Scenario(_)
            | VerifyError::OddDuration(_)),
        ) => {
            writeln!(std::io::stderr(), "error: {}: {e}", file.display())?;
            Ok(ExitCode::from(EXIT_INPUT))
        }
        Err(e) => Err(e.into()),
    }
}

/// `pilotzone replay state`: every entity's state at a time of day, interpolated between
/// samples as every player shows it; a table, or JSON for tests and other tools.
pub(crate) fn state(path: &Path, at: &str, json: bool) -> Result<ExitCode> {
    let file = replay_of(path);
    let at_s =
        pilotzone_scenario::time::ClockTime::parse(at).map_err(|e| InputError(format!("--at {at}: {e}")))?.seconds();
    let replay = open_replay(&file)?;
    let header = replay.header().clone();
    let start = header.start_time_of_day_s;
    let t_ms = u64::from((at_s + 86_400 - start % 86_400) % 86_400) * 1000;
    let end_ms = replay.duration_ms();
    if t_ms > end_ms {
        return Err(InputError(format!(
            "--at {at}: the run covers {} to {}",
            output::clock(start, 0),
            output::clock(start, end_ms)
        ))
        .into());
    }
    let statuses: Vec<&str> =
        header.status_names.iter().map(|n| pilotzone_replay::Status::from_key(n).map_or("?", |s| s.key())).collect();
    let mut cursor = pilotzone_replay::Cursor::new(replay);
    let frame = cursor.seek(t_ms)?;
    let mut out = std::io::stdout().lock();
    let rows = header.entities.iter().zip(&frame.states).map(|(info, s)| {
        let [x, y, z] = s.position_m();
        (
            info,
            statuses.get(usize::from(s.status)).copied().unwrap_or("?"),
            x,
            y,
            z,
            s.heading_rad().to_degrees(),
            s.speed_mps(),
        )
    });
    if json {
        let entities: Vec<serde_json::Value> = rows
            .map(|(info, status, x, y, z, heading, speed)| {
                serde_json::json!({
                    "id": info.id, "kind": info.kind.key(), "fleet": info.fleet, "status": status,
                    "x_m": x, "y_m": y, "z_m": z, "heading_deg": heading, "speed_mps": speed,
                })
            })
            .collect();
        let doc = serde_json::json!({ "clock": output::clock(start, t_ms), "t_ms": t_ms, "entities": entities });
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
    } else {
        writeln!(out, "{} (t = {:.1} s)", output::clock(start, t_ms), t_ms as f64 / 1000.0)?;
        writeln!(
            out,
            "{:>5} {:<7} {:<14} {:>9} {:>9} {:>6} {:>6} {:>6}  fleet",
            "id", "kind", "status", "x m", "y m", "z m", "deg", "m/s"
        )?;
        for (info, status, x, y, z, heading, speed) in rows {
            // Fleet names come from the scenario: escaped, so none can steer the terminal.
            let fleet: String = info.fleet.escape_debug().collect();
            writeln!(
                out,
                "{:>5} {:<7} {status:<14} {x:>9.2} {y:>9.2} {z:>6.1} {heading:>6.0} {speed:>6.2}  {fleet}",
                info.id,
                info.kind.key()
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

//! Replays: `pilotzone replay info` and `pilotzone verify`.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use pilotzone::output;

use super::{EXIT_INPUT, open_replay};

/// `pilotzone replay info`: a replay's header and contents; exit code 2 when it is damaged.
pub(crate) fn info(file: &Path) -> Result<ExitCode> {
    let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    let replay = open_replay(file)?;
    let mut stdout = std::io::stdout().lock();
    output::print_replay_info(&mut stdout, &replay, size)?;
    Ok(if replay.damage().is_some() { ExitCode::from(EXIT_INPUT) } else { ExitCode::SUCCESS })
}

/// `pilotzone verify`: re-simulates a replay and compares every tick's state hash.
pub(crate) fn verify(file: &Path) -> Result<ExitCode> {
    use pilotzone_sim::verify::{Verdict, VerifyError};
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

//! Re-simulating a replay from the scenario and seed it embeds, tick by tick, to prove it shows
//! what the engine does — or to name the first tick where it does not.

use pilotzone_replay::Replay;

use crate::{SimError, Simulation};

/// What re-simulation found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every tick's state hash matched.
    Identical {
        /// Ticks compared.
        ticks: usize,
    },
    /// The first tick whose state differs.
    Diverged {
        /// Tick number, from 0 (the state before the first step).
        tick: usize,
        /// Its time, ms since the start of the run.
        t_ms: u64,
        /// Hash in the replay.
        recorded: u32,
        /// Hash of the re-simulation.
        simulated: u32,
    },
}

/// Why a replay could not be re-simulated.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The replay's own data does not decode.
    #[error(transparent)]
    Replay(#[from] pilotzone_replay::ReadError),
    /// The embedded scenario does not load in this build.
    #[error("the scenario inside the replay does not load: {0}")]
    Scenario(#[from] pilotzone_scenario::LoadError),
    /// The simulation could not be built.
    #[error(transparent)]
    Sim(#[from] SimError),
    /// The replay ends early, so it cannot be proven whole.
    #[error("the replay is damaged: {0}")]
    Damaged(String),
    /// The run lasted a time that is not whole seconds, which no run of this engine produces.
    #[error("the replay lasts {0} ms, not a whole number of seconds")]
    OddDuration(u64),
}

/// Re-simulates the replay's scenario with its seed and compares every tick's state hash.
pub fn verify(replay: &Replay) -> Result<Verdict, VerifyError> {
    if let Some(damage) = replay.damage() {
        return Err(VerifyError::Damaged(damage.to_owned()));
    }
    let header = replay.header();
    let mut loaded = pilotzone_scenario::parse(&header.scenario_text, "<scenario in the replay>")?;
    let duration_ms = replay.duration_ms();
    if !duration_ms.is_multiple_of(1000) {
        return Err(VerifyError::OddDuration(duration_ms));
    }
    loaded.scenario.run.duration_s = (duration_ms / 1000) as u32;
    let recorded = replay.tick_hashes()?;
    let mut sim = Simulation::new(loaded, header.seed)?;
    for (tick, &(t_ms, hash)) in recorded.iter().enumerate() {
        if tick > 0 {
            sim.step();
        }
        let simulated = sim.last_tick_hash();
        if sim.now_ms() != t_ms || simulated != hash {
            return Ok(Verdict::Diverged { tick, t_ms, recorded: hash, simulated });
        }
    }
    Ok(Verdict::Identical { ticks: recorded.len() })
}

//! Export to SUMO's floating car data (FCD) XML, so SUMO's tools and scripts read our
//! trajectories: one `<timestep>` per sample, one `<vehicle>` per entity.

use std::io::{self, Write};

use crate::{EntityKind, ReadError, Replay};

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The replay does not decode.
    #[error(transparent)]
    Replay(#[from] ReadError),
    /// Writing failed.
    #[error("cannot write the export: {0}")]
    Io(#[from] io::Error),
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Writes the replay as FCD XML. Angles follow SUMO: degrees clockwise from north.
pub fn write_fcd(replay: &Replay, out: &mut impl Write) -> Result<(), ExportError> {
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<!-- pilotzone replay of "{}", seed {} -->"#,
        escape(&replay.header().scenario_name),
        replay.header().seed
    )?;
    writeln!(out, "<fcd-export>")?;
    let names: Vec<(String, String)> = replay
        .entities()
        .iter()
        .map(|e| {
            let kind = match e.kind {
                EntityKind::Taxi => "taxi",
                EntityKind::Drone => "drone",
                EntityKind::Car => "car",
                EntityKind::Person => "person",
            };
            (format!("{kind}{}", e.id), escape(&e.fleet))
        })
        .collect();
    let off_street = replay.header().status_names.iter().position(|n| n == "off_street").map(|i| i as u8);
    for i in 0..replay.segments().len() {
        for sample in replay.samples_of(i)? {
            writeln!(out, r#"    <timestep time="{:.2}">"#, sample.t_ms as f64 / 1000.0)?;
            for (s, (id, fleet)) in sample.states.iter().zip(&names) {
                // Parked cars and people indoors are not in traffic.
                if off_street == Some(s.status) {
                    continue;
                }
                let [x, y, z] = s.position_m();
                let angle = (90.0 - s.heading_rad().to_degrees()).rem_euclid(360.0);
                writeln!(
                    out,
                    r#"        <vehicle id="{id}" x="{x:.2}" y="{y:.2}" z="{z:.2}" angle="{angle:.2}" type="{fleet}" speed="{:.2}" pos="0.00" lane="" slope="0.00"/>"#,
                    s.speed_mps()
                )?;
            }
            writeln!(out, "    </timestep>")?;
        }
    }
    writeln!(out, "</fcd-export>")?;
    Ok(())
}

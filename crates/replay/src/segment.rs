//! A segment: the samples of one keyframe interval, stored as a keyframe (every entity's full
//! state) and predictive residuals for the samples after it, column by column, then deflated.
//!
//! Positions are predicted by linear extrapolation from the two samples before, so a vehicle
//! at constant velocity and a parked one both leave residuals of zero; the compressor takes
//! long runs of zeros down to almost nothing. All arithmetic is on the quantized integers, so
//! the round trip is exact.

use std::io::{Read, Write};

use crate::codec::{Dec, Enc};
use crate::{EntityState, ReadError, Sample};

/// Largest inflated segment accepted, in bytes.
const MAX_RAW_BYTES: usize = 512 << 20;

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    (v >> 1) as i64 ^ -((v & 1) as i64)
}

fn put_varint(buf: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        buf.push((v as u8) | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

fn get_varint(d: &mut Dec<'_>) -> Result<u64, ReadError> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = d.u8()?;
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Ok(v);
        }
    }
    Err(ReadError::Corrupt("a varint runs past 64 bits".into()))
}

fn get_signed(d: &mut Dec<'_>) -> Result<i64, ReadError> {
    get_varint(d).map(unzigzag)
}

/// The integer field of a state in column `c`, in column order: x, y, z, heading, speed,
/// status.
fn field(s: &EntityState, c: usize) -> i64 {
    match c {
        0 => i64::from(s.x_cm),
        1 => i64::from(s.y_cm),
        2 => i64::from(s.z_cm),
        3 => i64::from(s.heading),
        4 => i64::from(s.speed_cms),
        _ => i64::from(s.status),
    }
}

fn from_fields(f: [i64; 6]) -> Result<EntityState, ReadError> {
    let int = |v: i64| i32::try_from(v).map_err(|_| ReadError::Corrupt("a position is out of range".into()));
    Ok(EntityState {
        x_cm: int(f[0])?,
        y_cm: int(f[1])?,
        z_cm: int(f[2])?,
        heading: (f[3] & 0xffff) as u16,
        speed_cms: u16::try_from(f[4]).map_err(|_| ReadError::Corrupt("a speed is out of range".into()))?,
        status: u8::try_from(f[5]).map_err(|_| ReadError::Corrupt("a status is out of range".into()))?,
    })
}

/// Prediction of column `c` for sample `i` from the samples before it.
fn predict(c: usize, prev: i64, prev2: Option<i64>) -> i64 {
    match (c, prev2) {
        // Positions: constant velocity; speeds: constant acceleration.
        (0..=2 | 4, Some(p2)) => 2 * prev - p2,
        _ => prev,
    }
}

/// Residual of the heading column, wrapped to the shorter way round.
fn heading_residual(actual: i64, predicted: i64) -> i64 {
    i64::from((actual - predicted) as i16)
}

/// Deflates `raw` behind its length, for chunks that compress (events, the scenario text).
pub fn pack(raw: &[u8], level: u32) -> Vec<u8> {
    let mut out = Enc::default();
    out.u32(raw.len() as u32);
    let mut z = flate2::write::DeflateEncoder::new(out.buf, flate2::Compression::new(level));
    z.write_all(raw).expect("writing to a Vec cannot fail");
    z.finish().expect("writing to a Vec cannot fail")
}

/// Inflates what [`pack`] wrote, refusing more than `MAX_RAW_BYTES`.
pub fn unpack(packed: &[u8]) -> Result<Vec<u8>, ReadError> {
    let mut d = Dec::new(packed);
    let raw_len = d.u32()? as usize;
    if raw_len > MAX_RAW_BYTES {
        return Err(ReadError::Corrupt(format!("a block claims {raw_len} bytes unpacked")));
    }
    let mut raw = Vec::with_capacity(raw_len);
    flate2::read::DeflateDecoder::new(d.take(d.remaining())?)
        .take(raw_len as u64 + 1)
        .read_to_end(&mut raw)
        .map_err(|e| ReadError::Corrupt(format!("a block does not unpack: {e}")))?;
    if raw.len() != raw_len {
        return Err(ReadError::Corrupt("a block unpacks to the wrong size".into()));
    }
    Ok(raw)
}

/// Encodes samples (all with the same entity count) into the segment payload body.
pub fn encode(samples: &[Sample], level: u32) -> Vec<u8> {
    let mut raw = Vec::with_capacity(samples.len() * samples.first().map_or(0, |s| s.states.len()) * 4);
    let t0 = samples.first().map_or(0, |s| s.t_ms);
    put_varint(&mut raw, samples.len() as u64);
    let mut last_t = t0;
    for s in samples {
        put_varint(&mut raw, s.t_ms - last_t);
        last_t = s.t_ms;
    }
    // Read column by column from the samples themselves: a table of every sample's fields (a
    // city's segment is megabytes) cost more in fresh pages than the encoding did.
    for (i, sample) in samples.iter().enumerate() {
        // Column-major within a sample: all x, then all y, ... so like values sit together.
        for c in 0..6 {
            for (e, state) in sample.states.iter().enumerate() {
                let f = field(state, c);
                let value = if i == 0 {
                    f
                } else {
                    let prev2 = i.checked_sub(2).map(|j| field(&samples[j].states[e], c));
                    let predicted = predict(c, field(&samples[i - 1].states[e], c), prev2);
                    if c == 3 { heading_residual(f, predicted) } else { f - predicted }
                };
                put_varint(&mut raw, zigzag(value));
            }
        }
    }
    let mut out = Enc::default();
    out.u64(t0);
    out.buf.extend_from_slice(&pack(&raw, level));
    out.buf
}

/// Decodes a segment payload body written by [`encode`] for `entities` entities.
pub fn decode(payload: &[u8], entities: usize) -> Result<Vec<Sample>, ReadError> {
    let mut d = Dec::new(payload);
    let t0 = d.u64()?;
    let raw = unpack(d.take(d.remaining())?)?;
    let mut d = Dec::new(&raw);
    let n = get_varint(&mut d)? as usize;
    // Every sample takes at least one byte per entity and column.
    if n.saturating_mul(entities.max(1)).saturating_mul(6) > raw.len() + 6 {
        return Err(ReadError::Corrupt(format!("a segment claims {n} samples, more than its bytes hold")));
    }
    let mut times = Vec::with_capacity(n);
    let mut t = t0;
    for _ in 0..n {
        t = t.checked_add(get_varint(&mut d)?).ok_or_else(|| ReadError::Corrupt("sample times overflow".into()))?;
        times.push(t);
    }
    let mut table: Vec<Vec<[i64; 6]>> = Vec::with_capacity(n);
    for i in 0..n {
        let mut row = vec![[0i64; 6]; entities];
        for c in 0..6 {
            for (e, f) in row.iter_mut().enumerate() {
                let v = get_signed(&mut d)?;
                f[c] = if i == 0 {
                    v
                } else {
                    let predicted = predict(c, table[i - 1][e][c], i.checked_sub(2).map(|j| table[j][e][c]));
                    if c == 3 { (predicted + v) & 0xffff } else { predicted.saturating_add(v) }
                };
            }
        }
        table.push(row);
    }
    table
        .into_iter()
        .zip(times)
        .map(|(row, t_ms)| Ok(Sample { t_ms, states: row.into_iter().map(from_fields).collect::<Result<_, _>>()? }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_and_zigzag_round_trip() {
        for v in [0i64, 1, -1, 63, -64, 300, -300, i64::from(i32::MAX), i64::from(i32::MIN)] {
            let mut buf = Vec::new();
            put_varint(&mut buf, zigzag(v));
            assert_eq!(get_signed(&mut Dec::new(&buf)).expect("decodes"), v);
        }
    }

    #[test]
    fn moving_and_turning_entities_round_trip_exactly() {
        let samples: Vec<Sample> = (0..20u64)
            .map(|i| Sample {
                t_ms: 10_000 + i * 500,
                states: (0..5)
                    .map(|e| EntityState {
                        x_cm: (i as i32) * 550 * e,
                        y_cm: if i > 10 { (i as i32 - 10) * 400 } else { 0 },
                        z_cm: 6000,
                        heading: (65_000u32 + i as u32 * 97 * e as u32) as u16,
                        speed_cms: (i * 37 % 1200) as u16,
                        status: (i / 7) as u8,
                    })
                    .collect(),
            })
            .collect();
        let bytes = encode(&samples, 1);
        assert_eq!(decode(&bytes, 5).expect("decodes"), samples);
    }
}

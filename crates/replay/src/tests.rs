//! Round trips, seeking, and damaged files.

use super::*;

fn header() -> Header {
    Header {
        engine_version: "0.1.0".into(),
        scenario_name: "t".into(),
        scenario_text: "Scenario()".into(),
        scenario_hash: 7,
        seed: 42,
        tick_ms: 100,
        record_ms: 500,
        segment_ms: 2000,
        start_time_of_day_s: 7 * 3600,
        status_names: vec!["idle".into(), "to_pickup".into()],
        entities: vec![
            EntityInfo { id: 0, kind: EntityKind::Taxi, fleet: "cab".into() },
            EntityInfo { id: 1, kind: EntityKind::Drone, fleet: "air".into() },
            EntityInfo { id: 2, kind: EntityKind::Taxi, fleet: "cab".into() },
        ],
    }
}

fn state(k: u64, e: i32) -> EntityState {
    let k = k as i32;
    EntityState {
        x_cm: k * 550 * e - 5,
        y_cm: if k > 7 { -k * 300 } else { 12 },
        z_cm: e * k % 4000,
        heading: (k as u32 * 4099 * e as u32) as u16,
        speed_cms: (k * e % 1500) as u16,
        status: (k / 5 % 2) as u8,
    }
}

pub(crate) struct Written {
    pub bytes: Vec<u8>,
    pub samples: Vec<Sample>,
    pub events: Vec<Event>,
    hashes: Vec<(u64, u32)>,
}

/// 5 simulated seconds: a tick every 100 ms, a sample every 500 ms, an event every 300 ms.
pub(crate) fn write() -> Written {
    let mut w = Writer::new(&header());
    let (mut samples, mut events, mut hashes) = (Vec::new(), Vec::new(), Vec::new());
    for tick in 0..=50u64 {
        let t_ms = tick * 100;
        if tick % 3 == 0 {
            // Every other event is an incident, so both encodings round-trip.
            let incident = (tick % 2 == 0).then(|| IncidentInfo {
                rule: "school-run-20".into(),
                other: (tick % 4 == 0).then_some(7),
                value: 23.5 + tick as f64,
                limit: 20.0,
                severity: 2,
            });
            let ev = Event {
                t_ms,
                kind: EventKind::Pickup,
                entity: 2,
                at_cm: [1, -2, 3],
                detail: format!("request {tick}"),
                incident,
            };
            w.event(ev.clone());
            events.push(ev);
        }
        let hash = (tick as u32).wrapping_mul(2_654_435_761);
        w.tick(t_ms, hash);
        hashes.push((t_ms, hash));
        if t_ms % 500 == 0 {
            let states: Vec<EntityState> = (1..=3).map(|e| state(tick / 5, e)).collect();
            w.sample(t_ms, &states);
            samples.push(Sample { t_ms, states });
        }
    }
    Written { bytes: w.finish(5000), samples, events, hashes }
}

/// A deterministic pseudo-random stream for picking offsets (SplitMix64).
pub(crate) fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[test]
fn what_is_written_is_read_back() {
    let w = write();
    let r = Replay::read(&w.bytes).expect("a whole replay reads");
    assert!(r.indexed(), "the trailing index is used");
    assert_eq!(r.header(), &header());
    assert_eq!(r.samples().expect("samples decode"), w.samples);
    assert_eq!(r.events(), w.events.as_slice());
    assert_eq!(r.tick_hashes().expect("hashes decode"), w.hashes);
    assert_eq!(r.duration_ms(), 5000);
    assert_eq!(r.damage(), None);
    assert_eq!(r.segments().len(), 3, "2 s segments over 5 s");
    for s in &w.samples {
        assert_eq!(r.state_at(s.t_ms).expect("seek"), s.states, "exact at sample time {}", s.t_ms);
    }
    assert_eq!(r.events_between(0, 1000).len(), 4, "events at 0, 300, 600 and 900 ms");
}

#[test]
fn state_at_interpolates_between_samples_across_segments() {
    let w = write();
    let r = Replay::read(&w.bytes).expect("reads");
    // 1750 ms lies between the samples at 1500 (segment 0) and 2000 (segment 1).
    let mid = r.state_at(1750).expect("seek");
    let (a, b) = (&w.samples[3].states, &w.samples[4].states);
    for ((m, a), b) in mid.iter().zip(a).zip(b) {
        assert_eq!(m.x_cm, ((f64::from(a.x_cm) + f64::from(b.x_cm)) / 2.0).round() as i32);
        assert_eq!(m.status, a.status, "status is not interpolated");
    }
    assert_eq!(r.state_at(60_000).expect("past the end"), w.samples.last().expect("samples").states);
}

#[test]
fn headings_interpolate_the_short_way_round() {
    let a = EntityState { heading: 65_000, ..EntityState::default() };
    let b = EntityState { heading: 500, ..EntityState::default() };
    assert_eq!(a.lerp(&b, 0.5).heading, 65_518, "through east (1036 units), not the long way round");
}

#[test]
fn truncated_files_open_to_their_last_good_chunk() {
    let w = write();
    let mut rng = 0xC0FFEE;
    for _ in 0..50 {
        let cut = 10 + (splitmix(&mut rng) % (w.bytes.len() as u64 - 26)) as usize;
        match Replay::read(&w.bytes[..cut]) {
            Ok(r) => {
                assert!(r.damage().is_some(), "cut at {cut} of {} is reported", w.bytes.len());
                let kept = r.samples().expect("what opened decodes");
                assert_eq!(kept[..], w.samples[..kept.len()], "cut at {cut}: kept samples are intact");
                assert!(w.events.starts_with(r.events()), "cut at {cut}: kept events are intact");
            }
            Err(ReadError::BadHeader(msg)) => {
                assert!(cut < 200, "cut at {cut}: only a cut header fails outright: {msg}")
            }
            Err(e) => panic!("cut at {cut}: unexpected error {e}"),
        }
    }
}

#[test]
fn flipped_bytes_are_caught_or_harmless() {
    let w = write();
    let mut rng = 0xBADC0DE;
    for _ in 0..200 {
        let i = (splitmix(&mut rng) % w.bytes.len() as u64) as usize;
        let mut damaged = w.bytes.clone();
        damaged[i] ^= 1 << (splitmix(&mut rng) % 8);
        match Replay::read(&damaged) {
            Ok(r) => {
                let kept = r.samples().expect("what opened decodes");
                if r.damage().is_none() {
                    // Only the trailer or index was hit, and the scan recovered everything.
                    assert_eq!(kept, w.samples, "byte {i}: undamaged replays are whole");
                } else {
                    assert_eq!(kept[..], w.samples[..kept.len()], "byte {i}: kept samples are intact");
                }
            }
            Err(e) => assert!(i < 200 && !matches!(e, ReadError::Corrupt(_)), "byte {i}: {e}"),
        }
    }
}

#[test]
fn foreign_and_newer_files_are_refused_clearly() {
    let w = write();
    assert_eq!(Replay::read(b"hello world").expect_err("not a replay"), ReadError::NotAReplay);
    let mut newer = w.bytes.clone();
    newer[8] = 9;
    assert_eq!(
        Replay::read(&newer).expect_err("newer"),
        ReadError::NewerVersion { found: 9, supported: FORMAT_VERSION }
    );
}

#[test]
fn huge_length_fields_do_not_allocate() {
    let mut d = Dec::new(&[0xff, 0xff, 0xff, 0xff, 1, 2]);
    assert!(d.count(1).is_err());
    let mut d = Dec::new(&[0xff, 0xff, 0xff, 0x7f]);
    assert!(d.str().is_err());
}

#[test]
fn a_new_header_keeps_everything_else() {
    let w = write();
    let r = Replay::read(&w.bytes).expect("reads");
    let mut h = header();
    h.seed = 99;
    let bytes = r.with_header(h.clone()).expect("re-encodes");
    let r2 = Replay::read(&bytes).expect("reads");
    assert_eq!(r2.header(), &h);
    assert_eq!(r2.samples().expect("samples"), w.samples);
    assert_eq!(r2.events(), w.events.as_slice());
    assert_eq!(r2.tick_hashes().expect("hashes"), w.hashes);
}

#[test]
fn statuses_are_read_through_the_vocabulary() {
    let w = write();
    let r = Replay::read(&w.bytes).expect("reads");
    assert_eq!(r.status(1), Some(Status::ToPickup));
    assert_eq!(r.status(2), None, "the header names two statuses");
    let mut h = header();
    h.status_names[1] = "levitating".into();
    let foreign = r.with_header(h).expect("re-encodes");
    let err = Replay::read(&foreign).expect_err("an unknown status is refused");
    assert!(err.to_string().contains("\"levitating\""), "{err}");
}

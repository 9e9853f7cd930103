//! Round trips and damaged files.

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
        start_time_of_day_s: 7 * 3600,
        status_names: vec!["idle".into(), "busy".into()],
        entities: vec![
            EntityInfo { id: 0, kind: EntityKind::Taxi, fleet: "cab".into() },
            EntityInfo { id: 1, kind: EntityKind::Drone, fleet: "air".into() },
        ],
    }
}

fn state(i: i32) -> EntityState {
    EntityState {
        x_cm: i * 100 - 5,
        y_cm: -i,
        z_cm: i * 3,
        heading: (i * 1000) as u16,
        speed_cms: i as u16,
        status: (i % 2) as u8,
    }
}

fn write(samples: u32) -> (Vec<u8>, Vec<Sample>, Vec<Event>) {
    let mut w = Writer::new(&header(), 4);
    let mut written = Vec::new();
    let mut events = Vec::new();
    for k in 0..samples {
        let t_ms = u64::from(k) * 500;
        let states = vec![state(k as i32), state(-(k as i32))];
        w.sample(t_ms, &states);
        written.push(Sample { t_ms, states });
        if k % 3 == 0 {
            let ev = Event { t_ms, kind: "pickup".into(), entity: 0, at_cm: [1, 2, 3], detail: format!("request {k}") };
            w.event(ev.clone());
            events.push(ev);
        }
    }
    (w.finish(u64::from(samples) * 500), written, events)
}

#[test]
fn what_is_written_is_read_back() {
    let (bytes, samples, events) = write(10);
    let r = Replay::read(&bytes).expect("a whole replay reads");
    assert_eq!(r.header, header());
    assert_eq!(r.samples, samples);
    assert_eq!(r.events, events);
    assert_eq!(r.end_t_ms, Some(5000));
    assert_eq!(r.damage, None);
    assert_eq!(r.sample_at(1200).map(|s| s.t_ms), Some(1000));
    assert_eq!(r.events_between(0, 1600).len(), 2);
}

#[test]
fn truncated_files_read_up_to_the_last_good_chunk() {
    let (bytes, samples, _) = write(10);
    let mut shown = Vec::new();
    for cut in (10..bytes.len()).step_by(7) {
        match Replay::read(&bytes[..cut]) {
            Ok(r) => {
                assert!(r.damage.is_some(), "cut at {cut} is reported");
                assert_eq!(r.samples[..], samples[..r.samples.len()], "kept samples are intact");
                shown.push(r.samples.len());
            }
            Err(ReadError::BadHeader(_)) => assert!(shown.is_empty(), "only a cut header fails outright"),
            Err(e) => panic!("unexpected error at cut {cut}: {e}"),
        }
    }
    assert!(
        shown.windows(2).all(|w| w[0] <= w[1]) && shown.last() == Some(&10),
        "longer prefixes show more: {shown:?}"
    );
}

#[test]
fn corruption_is_caught_by_checksums_and_bounds() {
    let (bytes, _, _) = write(10);
    for i in (10..bytes.len()).step_by(13) {
        let mut damaged = bytes.clone();
        damaged[i] ^= 0x5a;
        match Replay::read(&damaged) {
            Ok(r) => assert!(r.damage.is_some(), "flipping byte {i} is noticed"),
            Err(e) => assert!(matches!(e, ReadError::BadHeader(_)), "byte {i}: {e}"),
        }
    }
    assert_eq!(Replay::read(b"hello world").unwrap_err(), ReadError::NotAReplay);
    let mut newer = bytes.clone();
    newer[8] = 9;
    assert_eq!(Replay::read(&newer).unwrap_err(), ReadError::NewerVersion { found: 9, supported: FORMAT_VERSION });
}

#[test]
fn huge_length_fields_do_not_allocate() {
    let mut d = Dec::new(&[0xff, 0xff, 0xff, 0xff, 1, 2]);
    assert!(d.count(1).is_err());
    let mut d = Dec::new(&[0xff, 0xff, 0xff, 0x7f]);
    assert!(d.str().is_err());
}

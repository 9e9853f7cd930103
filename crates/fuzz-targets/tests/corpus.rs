//! Every input kept in `fuzz/corpus/TARGET/` and every crash reproducer in
//! `fuzz/regressions/TARGET/` goes through its target again: a finding once fixed stays fixed.

use std::path::Path;

#[test]
fn the_kept_corpus_and_every_reproducer_pass_their_targets() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut total = 0;
    for (name, target) in pilotzone_fuzz_targets::TARGETS {
        let mut inputs = 0;
        for folder in ["corpus", "regressions"] {
            let Ok(entries) = std::fs::read_dir(fuzz.join(folder).join(name)) else { continue };
            for entry in entries {
                let path = entry.expect("entry").path();
                let data = std::fs::read(&path).expect("read");
                // A panic names the input: the test harness prints it with the message.
                let outcome = std::panic::catch_unwind(|| target(&data));
                assert!(outcome.is_ok(), "{name}: {} fails again", path.display());
                inputs += 1;
            }
        }
        assert!(inputs > 0, "fuzz/corpus/{name}/ is empty: seed it (fuzz/README.md)");
        total += inputs;
    }
    assert!(total >= 6);
}

//! Fuzz target `replay`: see `pilotzone_fuzz_targets::replay`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pilotzone_fuzz_targets::replay(data));

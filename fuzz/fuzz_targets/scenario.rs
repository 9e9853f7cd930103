//! Fuzz target `scenario`: see `pilotzone_fuzz_targets::scenario`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pilotzone_fuzz_targets::scenario(data));

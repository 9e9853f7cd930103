//! Fuzz target `comments`: see `pilotzone_fuzz_targets::comments`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pilotzone_fuzz_targets::comments(data));

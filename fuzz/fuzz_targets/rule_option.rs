//! Fuzz target `rule_option`: see `pilotzone_fuzz_targets::rule_option`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pilotzone_fuzz_targets::rule_option(data));

//! Fuzz target `osm_pbf`: see `pilotzone_fuzz_targets::osm_pbf`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pilotzone_fuzz_targets::osm_pbf(data));

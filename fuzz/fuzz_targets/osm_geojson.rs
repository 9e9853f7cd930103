//! Fuzz target `osm_geojson`: see `pilotzone_fuzz_targets::osm_geojson`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pilotzone_fuzz_targets::osm_geojson(data));

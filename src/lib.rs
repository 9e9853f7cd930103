//! The `pilotzone` command line's library: run outputs, batch studies and their tables, shared
//! by the binary, the integration tests and the benchmarks.

pub mod batch;
pub mod output;
pub mod study;
pub mod sumo;

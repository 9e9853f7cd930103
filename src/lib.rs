//! The `pilotzone` command line's library: run outputs and batch studies (their tables live in
//! `pilotzone-study`), shared by the binary, the integration tests and the benchmarks.

pub mod batch;
pub mod output;
pub mod sumo;

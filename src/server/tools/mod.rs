//! The `marquee` command line and what only it uses: benchmarks, and the demo and synthetic data.

pub mod bench;
pub mod cli;
pub mod demo;
pub mod gen;

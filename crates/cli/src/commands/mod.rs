//! One module per subcommand.

pub mod audit;
pub mod augment;
pub mod draft;
pub mod embed;
pub mod eval;
pub mod gaps;
pub mod index;
pub mod jobs;
pub mod market;
pub mod predict;
pub mod recommend;
pub mod retrieve;
pub mod screen;
pub mod serve;
pub mod train;

//! One module per subcommand.

pub mod embed;
pub mod eval;
pub mod index;
pub mod jobs;
pub mod predict;
pub mod recommend;
pub mod retrieve;
pub mod screen;
pub mod train;

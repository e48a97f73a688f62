//! The conference schedule.

pub mod model;
pub mod parse;

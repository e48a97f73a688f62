//! Conference schedule parsers: every real exporter's format into one normalized model.
//!
//! Pure: no HTTP framework, no database, no templates. The portal's `schedule` feature folder
//! imports, diffs, stores and shows what these parsers return; the fuzz targets drive them
//! alone.
//!
//! The entry point is [`parse_schedule`], which detects the format by content; each format's
//! parser is also callable on its own. All of them take [`ParseOptions`] and return a
//! [`model::ParsedSchedule`] or a [`ParseError`].

mod common;
pub mod detect;
pub mod error;
pub mod frab_xml;
pub mod ical;
pub mod indico;
pub mod json;
pub mod model;
pub mod options;

#[cfg(test)]
mod format_tests;
#[cfg(test)]
mod test_support;

pub use detect::{detect_format, parse_schedule, read_limited};
pub use error::ParseError;
pub use frab_xml::parse_frab_xml;
pub use ical::parse_ical;
pub use indico::{parse_indico_event, parse_indico_timetable};
pub use json::parse_frab_json;
pub use options::ParseOptions;

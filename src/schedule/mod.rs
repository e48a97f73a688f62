//! The conference schedule: parsing exported timetables, storing them, and the pages that show
//! what is on now and next.
//!
//! The parsers (`parse` for frab XML, `json`, `indico`, `ical`, dispatched by `detect`) and
//! `model` are pure (no HTTP, no database) and could live in a crate of their own.

pub mod admin;
pub(crate) mod common;
pub mod detect;
pub mod diff;
pub mod export;
#[cfg(test)]
mod format_tests;
pub mod handlers;
pub mod ical;
pub mod import;
pub mod index;
pub mod indico;
pub mod json;
pub mod model;
pub mod parse;
pub mod pull;
pub mod store;
pub mod stored;
#[cfg(test)]
mod test_support;

//! The conference schedule: parsing exported timetables, storing them, and the pages that show
//! what is on now and next.
//!
//! `model` and `parse` are pure (no HTTP, no database) and could live in a crate of their own.

pub mod admin;
pub mod diff;
pub mod export;
pub mod handlers;
pub mod import;
pub mod model;
pub mod parse;
pub mod pull;
pub mod store;

//! hallway: a conference portal for BigBlueButton.

#![forbid(unsafe_code)]

/// BigBlueButton API client; knows nothing of HTTP frameworks or databases.
pub mod bbb;
/// BigBlueButton API simulator (`hallway bbb-sim`).
pub mod sim;
/// Schedule: parsing.
pub mod schedule;

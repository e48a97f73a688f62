//! hallway: a conference portal for BigBlueButton.
//!
//! Organizers import the timetable, attendees see what is on now and join with one click,
//! moderators run sessions, staff watch every BBB server and room. See README.md.

#![forbid(unsafe_code)]

/// A hash map keyed by hallway's own names (room slugs, server names, meeting IDs) that the
/// join path looks up several times per request: foldhash, randomly seeded per process,
/// instead of SipHash, whose resistance to chosen keys matters only where strangers insert.
pub type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// The set of [`FastMap`].
pub type FastSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

/// The personal agenda: stars, `/agenda`, the calendar feed and its join links.
pub mod agenda;
/// Building and running the portal (`Application::build`).
pub mod app;
/// Authentication: guest login, admin links, the session cookie.
pub mod auth;
/// The BigBlueButton API (the `hallway-bbb` crate), re-exported under its old name so that
/// `crate::bbb::…` and `hallway::bbb::…` paths keep working until they are rewritten.
pub use hallway_bbb as bbb;
/// Command-line interface.
pub mod cli;
/// The one source of "now" (pinned in tests).
pub mod clock;
/// Configuration, parsed once into typed settings.
pub mod config;
/// Database handle and migrations.
pub mod db;
/// `hallway demo`: portal, sample conference and simulated BBB servers in one process.
pub mod demo;
/// The one HTTP error type.
pub mod error;
/// Lobby: waiting for the moderator, and live notices to open pages of a room.
pub mod lobby;
/// Recordings: BBB's recordings cached per session and room.
pub mod recordings;
/// Rooms: configuration, pins, join.
pub mod rooms;
/// Schedule: parsing, storage, pages.
pub mod schedule;
/// Server states, health decisions, failover and the audit log.
pub mod servers;
/// BigBlueButton API simulator (`hallway bbb-sim`).
pub mod sim;
/// What every request handler shares (`AppState`).
pub mod state;
/// Status poller and dashboard.
pub mod status;
/// How instances and caches stay in step (the change mechanism).
pub mod sync;
/// Logging.
pub mod telemetry;
/// Shared web plumbing.
pub mod web;

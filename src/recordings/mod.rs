//! Recordings: which BBB recordings belong to which session and room, without a page ever
//! calling BBB.
//!
//! Every create hallway sends tags the meeting (`meta_hallway-room`, `meta_hallway-session-key`,
//! `meta_hallway-session-guid`, see `rooms::meeting`), and BBB copies those tags into the
//! recordings of the meeting. One instance at a time (the `recordings` job lease) runs
//! [`fetch::recordings_once`] every [`fetch::INTERVAL`]: one getRecordings per server, filtered
//! on `meta_bbb-origin=hallway`, written to the `recordings` table ([`store`]) with a bump of
//! the `recordings` topic when something changed. Every instance keeps the rows in memory
//! ([`cache::RecordingsCache`]) and reloads them through the change feed; pages ask the cache
//! only ([`view`]). A session's recordings are those of its own meeting (one meeting per
//! session, so a recording belongs to exactly one session): its meetingID, or its key or guid
//! tag. Unpublished recordings are listed for those `auth::access` lets see them (staff).
//!
//! `cache` and `view` are pure; `store` holds the SQL; `fetch` talks to BBB.

pub mod cache;
pub mod fetch;
pub mod store;
pub mod view;

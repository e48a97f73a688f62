//! The lobby: attendees of a room whose kind starts only with a moderator wait on a page that
//! goes in by itself once a moderator is inside, and every open room, session and lobby page
//! hears when its room moved to another BBB server.
//!
//! - [`policy`]: the start policy per room kind (`[lobby.start]` in the configuration).
//! - [`hub`]: this instance's subscriptions (one `tokio::sync::broadcast` per room, one
//!   receiver per open page), which meetings are started, and the moves it has seen. No actix,
//!   no SQL.
//! - [`store`]: the `meeting_starts` rows every instance agrees on (the `meeting_starts` topic
//!   of the change mechanism tells the others).
//! - [`handlers`]: `GET /rooms/{slug}/lobby`, `GET /rooms/{slug}/events` (server-sent events),
//!   the join path's hold ([`handlers::hold`]) and the moderator-join note
//!   ([`handlers::moderator_joined`]), and the rejoin notice of room and session pages
//!   ([`handlers::watch_for`]).

pub mod handlers;
pub mod hub;
pub mod policy;
pub mod store;

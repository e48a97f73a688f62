//! The staff status dashboard: a background poller asks every BBB server for its meetings,
//! and `/admin/status` renders the latest snapshot. Rendering never calls BBB.

pub mod handlers;
pub mod poller;
pub mod snapshot;

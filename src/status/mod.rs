//! The staff status dashboard: a background poller asks every BBB server for its meetings,
//! and `/admin/status`, `/api/v1/status` and `/metrics` render the latest snapshot. Rendering
//! never calls BBB.

pub mod explain;
pub mod handlers;
pub mod health;
pub mod metrics;
pub mod poller;
pub mod snapshot;

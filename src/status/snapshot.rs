//! The latest picture of every BBB server, shared between the poller and the pages.
//!
//! This is a per-instance cache: every instance polls on its own, so nothing here needs to be
//! shared between instances. A snapshot only replaces an older one (by poll start time), so a
//! slow poll finishing late can never overwrite fresher data.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};

use crate::bbb::Meeting;

/// One server's answer in one poll.
#[derive(Clone, Debug)]
pub struct ServerStatus {
    /// Server name from the configuration.
    pub name: String,
    /// What went wrong, if the server did not answer properly.
    pub error: Option<String>,
    /// Meetings on the server (empty when down).
    pub meetings: Vec<Meeting>,
    /// How long getMeetings took, in milliseconds.
    pub took_ms: u64,
}

impl ServerStatus {
    /// True when the server answered.
    pub fn is_up(&self) -> bool {
        self.error.is_none()
    }
}

/// One poll of every server.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// When the poll started.
    pub started_at: DateTime<Utc>,
    /// When the last server answered or timed out.
    pub finished_at: DateTime<Utc>,
    /// Servers in configuration order.
    pub servers: Vec<ServerStatus>,
}

/// Holder of the latest snapshot.
#[derive(Clone, Debug, Default)]
pub struct StatusStore(Arc<RwLock<Option<Arc<Snapshot>>>>);

impl StatusStore {
    /// The latest snapshot, if a poll has finished.
    pub fn latest(&self) -> Option<Arc<Snapshot>> {
        self.0.read().ok().and_then(|g| g.clone())
    }

    /// Publishes `snap` unless a snapshot from a later poll is already there.
    pub fn publish(&self, snap: Snapshot) {
        if let Ok(mut g) = self.0.write() {
            let newer = g
                .as_ref()
                .is_none_or(|cur| cur.started_at <= snap.started_at);
            if newer {
                *g = Some(Arc::new(snap));
            }
        }
    }
}

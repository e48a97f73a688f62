//! The latest picture of every BBB server, shared between the poller and the pages.
//!
//! This is a per-instance cache: every instance polls on its own, so nothing here needs to be
//! shared between instances (health decisions that move rooms are the leader's, stored in the
//! database by `servers`). Snapshots are published through a `tokio::sync::watch` channel:
//! pages read the latest one without waiting, and the dashboard's live view subscribes to it.
//! A snapshot only replaces an older one (by poll start time), so a slow poll finishing late
//! can never overwrite fresher data.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use crate::bbb::Meeting;
use crate::status::health::Health;

/// One server's answer in one poll.
#[derive(Clone, Debug)]
pub struct ServerStatus {
    /// Server name from the configuration.
    pub name: String,
    /// What went wrong, in words, if the server did not answer properly in this poll.
    pub error: Option<String>,
    /// Meetings on the server (empty when the poll failed).
    pub meetings: Vec<Meeting>,
    /// How long getMeetings took, in milliseconds (the API latency).
    pub took_ms: u64,
    /// The BBB version the server reports ("3.0"), once known.
    pub version: Option<String>,
    /// This instance's health view after this poll (hysteresis applied).
    pub health: Health,
    /// Why `meetings` is not the server's own list: a balancer whose getMeetings failed
    /// (BBBLB 0.0.18 answers it with internalError), polled with getMeetingInfo per meeting
    /// hallway knows there instead.
    pub list_note: Option<String>,
}

impl ServerStatus {
    /// True when the server answered this poll.
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
    /// How long the round took (wall time), in milliseconds.
    pub round_ms: u64,
    /// True when the round took longer than the poll interval.
    pub overran: bool,
    /// Servers in configuration order.
    pub servers: Vec<ServerStatus>,
}

/// Holder of the latest snapshot: the sending side of the channel.
#[derive(Clone, Debug)]
pub struct StatusStore(Arc<watch::Sender<Option<Arc<Snapshot>>>>);

impl Default for StatusStore {
    fn default() -> Self {
        Self(Arc::new(watch::Sender::new(None)))
    }
}

impl StatusStore {
    /// The latest snapshot, if a poll has finished.
    pub fn latest(&self) -> Option<Arc<Snapshot>> {
        self.0.borrow().clone()
    }

    /// A receiver that wakes on every newer snapshot.
    pub fn subscribe(&self) -> watch::Receiver<Option<Arc<Snapshot>>> {
        self.0.subscribe()
    }

    /// Publishes `snap` unless a snapshot from a later poll is already there.
    pub fn publish(&self, snap: Snapshot) {
        self.0.send_if_modified(|cur| {
            let newer = cur.as_ref().is_none_or(|c| c.started_at <= snap.started_at);
            if newer {
                *cur = Some(Arc::new(snap));
            }
            newer
        });
    }
}

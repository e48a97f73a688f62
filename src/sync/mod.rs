//! How instances stay in step: one change mechanism for every cache of shared state.
//!
//! Writers bump a topic's version row in the same transaction as their change
//! ([`store::bump`]); every instance's [`ChangeFeed::changed_once`] reads all version rows in one
//! query and says which topics moved since it last looked. `AppState::refresh_once` reloads
//! those caches. The same code runs on SQLite (a CLI import beside `serve`) and PostgreSQL
//! (several instances); tests call the refresh step instead of waiting for the 1-second loop.

pub mod store;

use std::collections::HashMap;
use std::sync::Mutex;

use crate::db::Db;

/// A kind of shared state with a cache in front of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Topic {
    /// The imported schedule (the in-memory schedule index).
    Schedule,
    /// Where rooms are placed (pins).
    Placements,
    /// The meeting registry.
    Meetings,
    /// Revoked login sessions (logout, an admin ending someone's sessions).
    Sessions,
    /// Guest mode, switched by an admin at run time.
    GuestMode,
    /// Server states and the leader's health decisions.
    Servers,
    /// The recordings cache (what getRecordings listed at the last fetch).
    Recordings,
    /// Meetings a moderator has started (the lobby's waiting pages go in).
    MeetingStarts,
}

impl Topic {
    /// Every topic.
    pub const ALL: [Topic; 8] = [
        Topic::Schedule,
        Topic::Placements,
        Topic::Meetings,
        Topic::Sessions,
        Topic::GuestMode,
        Topic::Servers,
        Topic::Recordings,
        Topic::MeetingStarts,
    ];

    /// The topic's row name.
    pub fn as_str(self) -> &'static str {
        match self {
            Topic::Schedule => "schedule",
            Topic::Placements => "placements",
            Topic::Meetings => "meetings",
            Topic::Sessions => "sessions",
            Topic::GuestMode => "guest_mode",
            Topic::Servers => "servers",
            Topic::Recordings => "recordings",
            Topic::MeetingStarts => "meeting_starts",
        }
    }

    fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// One instance's view of the version rows.
#[derive(Debug, Default)]
pub struct ChangeFeed {
    seen: Mutex<HashMap<Topic, i64>>,
}

impl ChangeFeed {
    /// A feed that has seen nothing yet (the first call reports every topic with a row).
    pub fn new() -> Self {
        Self::default()
    }

    /// The topics whose version moved since the last call (one query).
    pub async fn changed_once(&self, db: &Db) -> Result<Vec<Topic>, sqlx::Error> {
        let rows = store::versions(db).await?;
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let mut changed = Vec::new();
        for (name, version) in rows {
            let Some(topic) = Topic::from_name(&name) else {
                continue;
            };
            if seen.insert(topic, version) != Some(version) {
                changed.push(topic);
            }
        }
        Ok(changed)
    }
}

//! The meeting registry in memory: what every instance knows about the BBB meetings hallway
//! made or found, so that a join to a live meeting is signed locally with no BBB call and no
//! database round trip.
//!
//! The truth is the `meetings` table (shared by all instances); this cache is filled at start,
//! updated by this instance's own creates and by the status poller, and reloaded when the
//! `meetings` topic of the change mechanism moves (another instance created or ended one).
//! It also counts the joins sent since the last poll snapshot, for room caps.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use futures::future::{BoxFuture, Shared};

use crate::rooms::store::MeetingRow;
use crate::FastMap;

/// Where a meeting is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MeetingState {
    /// An instance holds the create lease and is calling BBB.
    Creating,
    /// BBB has it (listed and not ended, even while nobody has connected yet).
    Live,
    /// Ended, expired or never created.
    Ended,
}

impl MeetingState {
    /// The state as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            MeetingState::Creating => "creating",
            MeetingState::Live => "live",
            MeetingState::Ended => "ended",
        }
    }

    /// Parses a stored state (anything unknown counts as ended).
    pub fn parse(s: &str) -> Self {
        match s {
            "creating" => MeetingState::Creating,
            "live" => MeetingState::Live,
            _ => MeetingState::Ended,
        }
    }
}

/// What the registry knows of one meeting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeetingRecord {
    /// BBB meetingID.
    pub meeting_id: String,
    /// Room slug.
    pub room: String,
    /// The session's stable key, for per-session meetings.
    pub session_key: Option<String>,
    /// The server that hosts it.
    pub server: String,
    /// State.
    pub state: MeetingState,
    /// BBB createTime (ms): join URLs carry it, so they cannot enter a later meeting.
    pub create_time: Option<i64>,
    /// Attendee password, when BBB reported one (servers before 2.4 join by password).
    pub attendee_pw: Option<String>,
    /// Moderator password, likewise.
    pub moderator_pw: Option<String>,
}

impl MeetingRecord {
    /// The record of a stored row.
    pub fn from_row(r: MeetingRow) -> Self {
        Self {
            state: MeetingState::parse(&r.state),
            meeting_id: r.meeting_id,
            room: r.room,
            session_key: r.session_key,
            server: r.server,
            create_time: r.create_time,
            attendee_pw: r.attendee_pw,
            moderator_pw: r.moderator_pw,
        }
    }

    /// The row to store at `now`.
    pub fn to_row(&self, now: i64) -> MeetingRow {
        MeetingRow {
            meeting_id: self.meeting_id.clone(),
            room: self.room.clone(),
            session_key: self.session_key.clone(),
            server: self.server.clone(),
            state: self.state.as_str().to_owned(),
            create_time: self.create_time,
            attendee_pw: self.attendee_pw.clone(),
            moderator_pw: self.moderator_pw.clone(),
            updated_at: now,
        }
    }
}

/// The cache.
#[derive(Debug, Default)]
pub struct Registry {
    /// Shared records: a join reads one without copying its strings, and without a lock (the
    /// map is swapped whole on a change, copy on write: creates and polls change it, every
    /// join reads it). Keys are hallway's own meeting IDs, so a fast hasher is safe.
    records: arc_swap::ArcSwap<FastMap<String, Arc<MeetingRecord>>>,
    /// Joins sent per meeting since the snapshot that started at the given instant.
    sent: Mutex<FastMap<String, (DateTime<Utc>, u32)>>,
}

impl Registry {
    /// The live meeting `meeting_id` on `server`, if known.
    pub fn live_on(&self, meeting_id: &str, server: &str) -> Option<Arc<MeetingRecord>> {
        self.records
            .load()
            .get(meeting_id)
            .filter(|r| {
                r.state == MeetingState::Live && r.server == server && r.create_time.is_some()
            })
            .cloned()
    }

    /// What is known of `meeting_id`.
    pub fn get(&self, meeting_id: &str) -> Option<Arc<MeetingRecord>> {
        self.records.load().get(meeting_id).cloned()
    }

    /// Every live meeting.
    pub fn live(&self) -> Vec<MeetingRecord> {
        self.records
            .load()
            .values()
            .filter(|r| r.state == MeetingState::Live)
            .map(|r| MeetingRecord::clone(r))
            .collect()
    }

    /// Replaces everything with the stored rows (a reload).
    pub fn replace_all(&self, rows: Vec<MeetingRow>) {
        let map = rows
            .into_iter()
            .map(|r| (r.meeting_id.clone(), Arc::new(MeetingRecord::from_row(r))))
            .collect();
        self.records.store(Arc::new(map));
    }

    /// Records what this instance just learned.
    pub fn put(&self, record: Arc<MeetingRecord>) {
        self.records.rcu(|map| {
            let mut map = FastMap::clone(map);
            map.insert(record.meeting_id.clone(), record.clone());
            map
        });
    }

    /// Forgets a meeting (it ended).
    pub fn forget(&self, meeting_id: &str) {
        // Copy the map only when there is something to take out of it.
        if !self.records.load().contains_key(meeting_id) {
            return;
        }
        self.records.rcu(|map| {
            let mut map = FastMap::clone(map);
            map.remove(meeting_id);
            map
        });
    }

    /// Counts a join sent to `meeting_id`, against the snapshot that started at `snapshot_at`.
    pub fn note_join(&self, meeting_id: &str, snapshot_at: Option<DateTime<Utc>>) {
        let at = snapshot_at.unwrap_or(DateTime::<Utc>::MIN_UTC);
        if let Ok(mut g) = self.sent.lock() {
            // The key is copied only for a meeting's first join.
            match g.get_mut(meeting_id) {
                Some(e) if e.0 == at => e.1 += 1,
                Some(e) => *e = (at, 1),
                None => {
                    g.insert(meeting_id.to_owned(), (at, 1));
                }
            }
        }
    }

    /// Joins sent to `meeting_id` since the snapshot that started at `snapshot_at`.
    pub fn joins_since(&self, meeting_id: &str, snapshot_at: Option<DateTime<Utc>>) -> u32 {
        let at = snapshot_at.unwrap_or(DateTime::<Utc>::MIN_UTC);
        self.sent
            .lock()
            .ok()
            .and_then(|g| g.get(meeting_id).filter(|e| e.0 == at).map(|e| e.1))
            .unwrap_or(0)
    }
}

/// Why a meeting could not be made live.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CreateFailure {
    /// The server did not answer, or answered nonsense.
    #[error("BBB server {server} is not answering: {detail}")]
    ServerDown {
        /// Server name.
        server: String,
        /// What went wrong (for logs).
        detail: String,
    },
    /// Another request or instance is still creating it after the wait.
    #[error("the meeting is still being created")]
    StillCreating,
    /// BBB refused the create.
    #[error("BBB refused to create the meeting: {0}")]
    Refused(String),
    /// Our own failure (database).
    #[error("{0}")]
    Internal(String),
}

impl From<sqlx::Error> for CreateFailure {
    fn from(e: sqlx::Error) -> Self {
        CreateFailure::Internal(format!("database: {e}"))
    }
}

/// A create in flight, awaited by every join that needs its meeting.
pub type Flight = Shared<BoxFuture<'static, Result<Arc<MeetingRecord>, CreateFailure>>>;

/// Creates in flight on this instance, by meetingID.
#[derive(Default)]
pub struct Flights(pub(crate) Mutex<HashMap<String, Flight>>);

impl std::fmt::Debug for Flights {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Flights")
    }
}

//! The stored schedule in memory: what the pages and the join check read, so neither costs a
//! database round trip.
//!
//! Built from the database at start and rebuilt whenever the `schedule` topic of the change
//! mechanism moves (an import on this or another instance, or a CLI import beside `serve`).
//! Readers take an `Arc` snapshot and never wait for a rebuild.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use crate::db::Db;
use crate::rooms::RoomDirectory;
use crate::schedule::store::{self, ConferenceInfo};
use crate::schedule::stored::StoredSession;

/// An immutable snapshot of the schedule.
#[derive(Debug, Default)]
pub struct ScheduleIndex {
    /// By start, then schedule room, then id.
    sessions: Vec<StoredSession>,
    by_id: HashMap<i64, usize>,
    /// Positions in `sessions`, by hallway room slug (sessions of unmapped rooms are absent).
    by_room: HashMap<String, Vec<usize>>,
    /// The longest session, to bound searches by time.
    longest: Duration,
    conference: Option<ConferenceInfo>,
}

impl ScheduleIndex {
    /// Builds the index from `sessions` (any order) and the last import's conference data;
    /// `rooms` maps schedule rooms to hallway rooms.
    pub fn new(
        mut sessions: Vec<StoredSession>,
        conference: Option<ConferenceInfo>,
        rooms: &RoomDirectory,
    ) -> Self {
        sessions.sort_by(|a, b| (a.start, &a.room, a.id).cmp(&(b.start, &b.room, b.id)));
        let by_id = sessions
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id, i))
            .collect();
        let mut by_room: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, s) in sessions.iter().enumerate() {
            if let Some(r) = rooms.for_schedule_room(&s.room) {
                by_room.entry(r.slug.to_string()).or_default().push(i);
            }
        }
        let longest = sessions
            .iter()
            .map(|s| s.end - s.start)
            .max()
            .unwrap_or_else(Duration::zero);
        Self {
            sessions,
            by_id,
            by_room,
            longest,
            conference,
        }
    }

    /// Loads the stored schedule (two queries).
    pub async fn load(db: &Db, rooms: &RoomDirectory) -> Result<Self, sqlx::Error> {
        let sessions = store::all_sessions(db).await?;
        let conference = store::conference_info(db).await?;
        Ok(Self::new(sessions, conference, rooms))
    }

    /// Every session, by start time.
    pub fn all(&self) -> &[StoredSession] {
        &self.sessions
    }

    /// The session with this id.
    pub fn session(&self, id: i64) -> Option<&StoredSession> {
        self.by_id.get(&id).map(|&i| &self.sessions[i])
    }

    /// Sessions overlapping `[from, to)`, by start time.
    pub fn between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<&StoredSession> {
        let first = self
            .sessions
            .partition_point(|s| s.start < from - self.longest);
        let last = self.sessions.partition_point(|s| s.start < to);
        self.sessions[first..last.max(first)]
            .iter()
            .filter(|s| s.end > from)
            .collect()
    }

    /// The first session starting at or after `t` (of several at once, the lowest id: the
    /// first one the schedule listed).
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<&StoredSession> {
        let i = self.sessions.partition_point(|s| s.start < t);
        let first = self.sessions.get(i)?;
        self.sessions[i..]
            .iter()
            .take_while(|s| s.start == first.start)
            .min_by_key(|s| s.id)
    }

    /// Sessions of the hallway room `slug` overlapping `[from, to)`, by start time.
    pub fn in_room_between(
        &self,
        slug: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Vec<&StoredSession> {
        self.by_room
            .get(slug)
            .map(|list| {
                list.iter()
                    .map(|&i| &self.sessions[i])
                    .filter(|s| s.start < to && s.end > from)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The last import's conference data.
    pub fn conference(&self) -> Option<&ConferenceInfo> {
        self.conference.as_ref()
    }
}

/// The current snapshot, swapped whole on reload.
#[derive(Debug, Default)]
pub struct SharedIndex(arc_swap::ArcSwap<ScheduleIndex>);

impl SharedIndex {
    /// Starts with `index`.
    pub fn new(index: ScheduleIndex) -> Self {
        Self(arc_swap::ArcSwap::from_pointee(index))
    }

    /// The current snapshot.
    pub fn get(&self) -> Arc<ScheduleIndex> {
        self.0.load_full()
    }

    /// Replaces the snapshot.
    pub fn set(&self, index: ScheduleIndex) {
        self.0.store(Arc::new(index));
    }
}

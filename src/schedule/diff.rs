//! What a re-import changes, session by session, so organizers can check an upload before and
//! after it goes live: added, removed, moved in time, moved to another room, retitled.
//!
//! Sessions are matched by their stable key (see `parse`), so a talk that moves keeps its
//! identity and shows up as "moved", not as removed + added.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use hallway_schedule::model::ParsedSession;

use crate::schedule::stored::StoredSession;

/// One session named in a diff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffEntry {
    /// The session's stable key.
    pub key: String,
    /// Title (the new one where it changed).
    pub title: String,
    /// Start (the new one where it changed).
    pub start: DateTime<Utc>,
    /// Schedule room (the new one where it changed).
    pub room: String,
}

/// A session that moved in time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MovedTime {
    /// The session after the change.
    pub session: DiffEntry,
    /// Old start.
    pub old_start: DateTime<Utc>,
    /// Old end.
    pub old_end: DateTime<Utc>,
    /// New end.
    pub new_end: DateTime<Utc>,
}

/// A session that moved to another room.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MovedRoom {
    /// The session after the change.
    pub session: DiffEntry,
    /// Old schedule room.
    pub old_room: String,
}

/// A session whose title changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Retitled {
    /// The session after the change.
    pub session: DiffEntry,
    /// Old title.
    pub old_title: String,
}

/// Everything a new schedule changes against the stored one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScheduleDiff {
    /// New sessions.
    pub added: Vec<DiffEntry>,
    /// Sessions that are gone.
    pub removed: Vec<DiffEntry>,
    /// Sessions with a new start or end.
    pub moved_time: Vec<MovedTime>,
    /// Sessions in another room.
    pub moved_room: Vec<MovedRoom>,
    /// Sessions with a new title.
    pub retitled: Vec<Retitled>,
    /// Sessions where only other details changed (speakers, abstract, track, …).
    pub other_changes: usize,
    /// Sessions that did not change at all.
    pub unchanged: usize,
}

impl ScheduleDiff {
    /// True when nothing changes.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.moved_time.is_empty()
            && self.moved_room.is_empty()
            && self.retitled.is_empty()
            && self.other_changes == 0
    }

    /// Sessions touched in any way (a session moved in time and room counts once).
    pub fn changed_sessions(&self) -> usize {
        let mut keys: HashSet<&str> = HashSet::new();
        for e in self
            .moved_time
            .iter()
            .map(|m| &m.session)
            .chain(self.moved_room.iter().map(|m| &m.session))
            .chain(self.retitled.iter().map(|m| &m.session))
        {
            keys.insert(e.key.as_str());
        }
        keys.len() + self.other_changes
    }

    /// One line for logs and the CLI.
    pub fn summary(&self) -> String {
        format!(
            "{} added, {} removed, {} moved in time, {} moved room, {} retitled, {} otherwise changed, {} unchanged",
            self.added.len(),
            self.removed.len(),
            self.moved_time.len(),
            self.moved_room.len(),
            self.retitled.len(),
            self.other_changes,
            self.unchanged
        )
    }
}

/// One line per change, as (kind, text), in the order added, removed, moved in time, moved
/// room, retitled; `when` writes instants. Shared by the CLI report and the admin page.
pub fn change_lines(
    d: &ScheduleDiff,
    when: impl Fn(DateTime<Utc>) -> String,
) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = Vec::new();
    for e in &d.added {
        out.push((
            "added",
            format!("{} ({}, {})", e.title, when(e.start), e.room),
        ));
    }
    for e in &d.removed {
        out.push((
            "removed",
            format!("{} ({}, {})", e.title, when(e.start), e.room),
        ));
    }
    for m in &d.moved_time {
        let text = format!(
            "{}: {} -> {}",
            m.session.title,
            when(m.old_start),
            when(m.session.start)
        );
        out.push(("moved in time", text));
    }
    for m in &d.moved_room {
        let text = format!("{}: {} -> {}", m.session.title, m.old_room, m.session.room);
        out.push(("moved room", text));
    }
    for m in &d.retitled {
        out.push((
            "retitled",
            format!("{} -> {}", m.old_title, m.session.title),
        ));
    }
    out
}

fn entry_new(s: &ParsedSession) -> DiffEntry {
    DiffEntry {
        key: s.key.clone(),
        title: s.title.clone(),
        start: s.start,
        room: s.room.clone(),
    }
}

/// Compares the stored schedule with a parsed one.
pub fn diff(old: &[StoredSession], new: &[ParsedSession]) -> ScheduleDiff {
    let by_key: HashMap<&str, &StoredSession> = old.iter().map(|s| (s.key.as_str(), s)).collect();
    let mut seen: HashSet<&str> = HashSet::new();
    let mut d = ScheduleDiff::default();
    for n in new {
        seen.insert(n.key.as_str());
        let Some(o) = by_key.get(n.key.as_str()) else {
            d.added.push(entry_new(n));
            continue;
        };
        let mut notable = false;
        if o.start != n.start || o.end != n.end {
            d.moved_time.push(MovedTime {
                session: entry_new(n),
                old_start: o.start,
                old_end: o.end,
                new_end: n.end,
            });
            notable = true;
        }
        if o.room != n.room {
            d.moved_room.push(MovedRoom {
                session: entry_new(n),
                old_room: o.room.clone(),
            });
            notable = true;
        }
        if o.title != n.title {
            d.retitled.push(Retitled {
                session: entry_new(n),
                old_title: o.title.clone(),
            });
            notable = true;
        }
        let other = o.subtitle != n.subtitle
            || o.track != n.track
            || o.kind != n.kind
            || o.language != n.language
            || o.abstract_text != n.abstract_text
            || o.description != n.description
            || o.url != n.url
            || o.persons != n.persons
            || o.guid != n.guid
            || o.day != n.day.map(|d| d.to_string());
        if notable {
            continue;
        }
        if other {
            d.other_changes += 1;
        } else {
            d.unchanged += 1;
        }
    }
    for o in old {
        if !seen.contains(o.key.as_str()) {
            d.removed.push(DiffEntry {
                key: o.key.clone(),
                title: o.title.clone(),
                start: o.start,
                room: o.room.clone(),
            });
        }
    }
    d
}

//! The recordings in memory: every instance's copy of the `recordings` table, indexed by
//! meetingID, session key, session guid and room, so that a page finds a session's recordings
//! without the database or BBB. Replaced as a whole (behind an `ArcSwap`) when the
//! `recordings` topic moves.

use std::collections::HashMap;
use std::sync::Arc;

use arc_swap::ArcSwap;

/// One playback format of a recording.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Format {
    /// `presentation`, `podcast`, `video`, ...
    #[serde(rename = "type")]
    pub format_type: String,
    /// The playback URL as BBB reports it (pages show only http(s) ones).
    pub url: String,
    /// Length in minutes, if BBB reports it.
    pub length: Option<u64>,
}

/// A recording as stored and cached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredRecording {
    /// The server that listed it.
    pub server: String,
    /// BBB's recordID.
    pub record_id: String,
    /// The meetingID it recorded.
    pub meeting_id: String,
    /// BBB's name for it (the meeting's name).
    pub name: String,
    /// Published (everyone sees it) or not (staff only).
    pub published: bool,
    /// BBB's state (`published`, `unpublished`, ...).
    pub state: String,
    /// Start, epoch ms.
    pub start_ms: i64,
    /// End, epoch ms.
    pub end_ms: i64,
    /// The hallway room it belongs to (tag or meetingID).
    pub room: Option<String>,
    /// The session key tag.
    pub session_key: Option<String>,
    /// The session guid tag.
    pub session_guid: Option<String>,
    /// Playback formats, in BBB's order.
    pub formats: Vec<Format>,
}

#[derive(Default)]
struct Index {
    all: Vec<Arc<StoredRecording>>,
    by_meeting: HashMap<String, Vec<usize>>,
    by_key: HashMap<String, Vec<usize>>,
    by_guid: HashMap<String, Vec<usize>>,
    by_room: HashMap<String, Vec<usize>>,
}

impl Index {
    fn build(mut rows: Vec<StoredRecording>) -> Self {
        rows.sort_by(|a, b| {
            (a.start_ms, &a.record_id, &a.server).cmp(&(b.start_ms, &b.record_id, &b.server))
        });
        let mut ix = Index::default();
        for (i, r) in rows.into_iter().enumerate() {
            ix.by_meeting
                .entry(r.meeting_id.clone())
                .or_default()
                .push(i);
            if let Some(k) = &r.session_key {
                ix.by_key.entry(k.clone()).or_default().push(i);
            }
            if let Some(g) = &r.session_guid {
                ix.by_guid.entry(g.clone()).or_default().push(i);
            }
            if let Some(room) = &r.room {
                ix.by_room.entry(room.clone()).or_default().push(i);
            }
            ix.all.push(Arc::new(r));
        }
        ix
    }

    /// The recordings at these positions, in start order, each once.
    fn pick<'a>(
        &self,
        lists: impl Iterator<Item = Option<&'a Vec<usize>>>,
    ) -> Vec<Arc<StoredRecording>> {
        let mut at: Vec<usize> = lists.flatten().flatten().copied().collect();
        at.sort_unstable();
        at.dedup();
        at.into_iter().map(|i| self.all[i].clone()).collect()
    }
}

/// Which recordings a visitor may see.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Visible {
    /// Published ones only.
    Published,
    /// Unpublished ones too (staff).
    All,
}

impl Visible {
    fn admits(self, r: &StoredRecording) -> bool {
        r.published || self == Visible::All
    }
}

/// The recordings of one instance, in memory.
#[derive(Default)]
pub struct RecordingsCache {
    index: ArcSwap<Index>,
}

impl std::fmt::Debug for RecordingsCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordingsCache")
            .field("recordings", &self.len())
            .finish()
    }
}

impl RecordingsCache {
    /// A cache holding `rows`.
    pub fn new(rows: Vec<StoredRecording>) -> Self {
        let c = Self::default();
        c.replace(rows);
        c
    }

    /// Replaces everything (after a reload from the database).
    pub fn replace(&self, rows: Vec<StoredRecording>) {
        self.index.store(Arc::new(Index::build(rows)));
    }

    /// How many recordings are cached.
    pub fn len(&self) -> usize {
        self.index.load().all.len()
    }

    /// True when none are.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The recordings of one session: those of its meeting (`meeting_id`, when its schedule
    /// room is a hallway room) and those tagged with its key or guid; in start order.
    pub fn of_session(
        &self,
        meeting_id: Option<&str>,
        key: &str,
        guid: Option<&str>,
        visible: Visible,
    ) -> Vec<Arc<StoredRecording>> {
        let ix = self.index.load();
        let lists = [
            meeting_id.and_then(|m| ix.by_meeting.get(m)),
            ix.by_key.get(key),
            guid.and_then(|g| ix.by_guid.get(g)),
        ];
        let mut out = ix.pick(lists.into_iter());
        out.retain(|r| visible.admits(r));
        out
    }

    /// The recordings of a room (its tag or its meetingIDs), in start order.
    pub fn of_room(&self, slug: &str, visible: Visible) -> Vec<Arc<StoredRecording>> {
        let ix = self.index.load();
        let mut out = ix.pick(std::iter::once(ix.by_room.get(slug)));
        out.retain(|r| visible.admits(r));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(
        id: &str,
        meeting: &str,
        key: Option<&str>,
        published: bool,
        start: i64,
    ) -> StoredRecording {
        StoredRecording {
            server: "bbb1".into(),
            record_id: id.into(),
            meeting_id: meeting.into(),
            name: id.into(),
            published,
            state: if published {
                "published"
            } else {
                "unpublished"
            }
            .into(),
            start_ms: start,
            end_ms: start + 60_000,
            room: Some("mc1".into()),
            session_key: key.map(str::to_owned),
            session_guid: None,
            formats: vec![],
        }
    }

    #[test]
    fn a_session_gets_its_meetings_and_its_tagged_recordings_once_each_in_start_order() {
        let c = RecordingsCache::new(vec![
            rec("b", "hw-mc1-bbbb", Some("key-b"), true, 2),
            rec("a2", "hw-mc1-aaaa", Some("key-a"), true, 3),
            rec("a1", "hw-mc1-aaaa", Some("key-a"), true, 1),
            rec("a-tag-only", "elsewhere", Some("key-a"), true, 4),
            rec("a-hidden", "hw-mc1-aaaa", None, false, 5),
        ]);
        let ids = |v: Vec<Arc<StoredRecording>>| {
            v.iter().map(|r| r.record_id.clone()).collect::<Vec<_>>()
        };
        assert_eq!(
            ids(c.of_session(Some("hw-mc1-aaaa"), "key-a", None, Visible::Published)),
            ["a1", "a2", "a-tag-only"]
        );
        assert_eq!(
            ids(c.of_session(Some("hw-mc1-aaaa"), "key-a", None, Visible::All)),
            ["a1", "a2", "a-tag-only", "a-hidden"]
        );
        assert_eq!(ids(c.of_session(None, "key-b", None, Visible::All)), ["b"]);
        assert_eq!(c.of_room("mc1", Visible::Published).len(), 4);
        assert!(c.of_room("mc2", Visible::All).is_empty());
        assert_eq!(c.len(), 5);
    }
}

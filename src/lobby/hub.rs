//! This instance's side of the lobby: one `tokio::sync::broadcast` channel per room, one
//! receiver per open page (lobby, room or session page), so a moderator's join reaches 2 000
//! waiting pages as one send, with no BBB call and no database query per page.
//!
//! What it knows: which meetings a moderator has started (a copy of the `meeting_starts` rows,
//! keyed by meetingID and valid only for the createTime it was started with, so a meeting
//! created again is not started), how many lobby streams wait per room (a counter each stream
//! holds a share of), and the server each watched room was on (so a reload of the placements
//! can say which rooms moved).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use tokio::sync::broadcast;

use crate::rooms::placement::Placements;
use crate::rooms::RoomDirectory;
use crate::status::snapshot::Snapshot;

/// How many events a slow page may fall behind before it skips some (it only needs the last).
const BACKLOG: usize = 64;

/// What an open page hears.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LobbyEvent {
    /// A moderator is in this meeting: waiting pages submit their join form.
    Started {
        /// The BBB meetingID.
        meeting_id: String,
    },
    /// The room was re-placed on another server: open pages offer the rejoin.
    Moved {
        /// The room's slug.
        room: String,
    },
}

impl LobbyEvent {
    /// The event as server-sent-event text.
    pub fn to_sse(&self) -> String {
        match self {
            LobbyEvent::Started { meeting_id } => format!("event: started\ndata: {meeting_id}\n\n"),
            LobbyEvent::Moved { room } => format!("event: moved\ndata: {room}\n\n"),
        }
    }
}

/// A meeting a moderator started, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StartRow {
    /// BBB meetingID.
    pub meeting_id: String,
    /// Room slug.
    pub room: String,
    /// The createTime of the meeting the moderator joined.
    pub create_time: i64,
}

struct Channel {
    tx: broadcast::Sender<LobbyEvent>,
    waiting: Arc<AtomicUsize>,
}

/// One open page's subscription; dropping it (the page closed) ends its share of the
/// waiting count.
pub struct Subscription {
    /// The events of the room.
    pub rx: broadcast::Receiver<LobbyEvent>,
    _waiting: Option<Waiting>,
}

struct Waiting(Arc<AtomicUsize>);

impl Drop for Waiting {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The hub (one per instance, in `AppState`).
#[derive(Default)]
pub struct Hub {
    rooms: Mutex<HashMap<String, Channel>>,
    started: RwLock<HashMap<String, StartRow>>,
    placed: Mutex<HashMap<String, String>>,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("lobby::Hub")
    }
}

impl Hub {
    /// Subscribes an open page of `room` (now on `server`); `waiting` for a lobby page.
    pub fn subscribe(&self, room: &str, server: &str, waiting: bool) -> Subscription {
        self.placed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(room.to_owned())
            .or_insert_with(|| server.to_owned());
        let mut rooms = self.rooms.lock().unwrap_or_else(|e| e.into_inner());
        let ch = rooms.entry(room.to_owned()).or_insert_with(|| Channel {
            tx: broadcast::channel(BACKLOG).0,
            waiting: Arc::default(),
        });
        let share = waiting.then(|| {
            ch.waiting.fetch_add(1, Ordering::Relaxed);
            Waiting(ch.waiting.clone())
        });
        Subscription {
            rx: ch.tx.subscribe(),
            _waiting: share,
        }
    }

    /// How many lobby pages of `room` are open on this instance.
    pub fn waiting(&self, room: &str) -> usize {
        self.rooms
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(room)
            .map_or(0, |c| c.waiting.load(Ordering::Relaxed))
    }

    /// How many pages of `room` are subscribed on this instance.
    pub fn subscribers(&self, room: &str) -> usize {
        self.rooms
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(room)
            .map_or(0, |c| c.tx.receiver_count())
    }

    /// Sends `event` to every open page of `room`; returns how many pages it reached.
    pub fn publish(&self, room: &str, event: LobbyEvent) -> usize {
        let rooms = self.rooms.lock().unwrap_or_else(|e| e.into_inner());
        rooms
            .get(room)
            .and_then(|c| c.tx.send(event).ok())
            .unwrap_or(0)
    }

    /// Whether a moderator started `meeting_id` as created at `create_time` (the live one).
    pub fn is_started(&self, meeting_id: &str, create_time: Option<i64>) -> bool {
        let Some(ct) = create_time else {
            return false;
        };
        self.started
            .read()
            .map(|g| g.get(meeting_id).is_some_and(|s| s.create_time == ct))
            .unwrap_or(false)
    }

    /// Records that a moderator started a meeting, and tells the room's pages at once.
    /// False when it was already known.
    pub fn note_started(&self, row: StartRow) -> bool {
        if self.is_started(&row.meeting_id, Some(row.create_time)) {
            return false;
        }
        let (room, meeting_id) = (row.room.clone(), row.meeting_id.clone());
        if let Ok(mut g) = self.started.write() {
            g.insert(row.meeting_id.clone(), row);
        }
        self.publish(&room, LobbyEvent::Started { meeting_id });
        true
    }

    /// Replaces the started meetings with the stored rows (another instance's moderator
    /// joins), telling the pages of every newly started one. Returns how many were new.
    pub fn replace_starts(&self, rows: Vec<StartRow>) -> usize {
        let fresh: Vec<StartRow> = rows
            .iter()
            .filter(|r| !self.is_started(&r.meeting_id, Some(r.create_time)))
            .cloned()
            .collect();
        if let Ok(mut g) = self.started.write() {
            *g = rows
                .into_iter()
                .map(|r| (r.meeting_id.clone(), r))
                .collect();
        }
        for r in &fresh {
            self.publish(
                &r.room,
                LobbyEvent::Started {
                    meeting_id: r.meeting_id.clone(),
                },
            );
        }
        fresh.len()
    }

    /// After a status poll: a meeting in which BBB lists a moderator (one who came in some
    /// other way) is started too; its room's waiting pages hear it.
    pub fn after_poll(&self, snap: &Snapshot, rooms: &RoomDirectory) {
        for m in snap.servers.iter().flat_map(|s| s.meetings.iter()) {
            if m.moderator_count == 0 {
                continue;
            }
            if let Some(room) = rooms.room_of_meeting(&m.meeting_id) {
                if self.waiting(room.slug.as_str()) > 0 {
                    self.publish(
                        room.slug.as_str(),
                        LobbyEvent::Started {
                            meeting_id: m.meeting_id.clone(),
                        },
                    );
                }
            }
        }
    }

    /// After the placements were reloaded: every watched room whose server changed since its
    /// pages subscribed (or since the last check) gets `moved`. Returns the rooms that moved.
    pub fn check_moves(&self, rooms: &RoomDirectory, placements: &Placements) -> Vec<String> {
        let mut moved = Vec::new();
        let mut placed = self.placed.lock().unwrap_or_else(|e| e.into_inner());
        for (slug, server) in placed.iter_mut() {
            let Some(room) = rooms.get(slug) else {
                continue;
            };
            let now = placements.stored(room);
            if now.as_str() != server {
                *server = now.to_string();
                moved.push(slug.clone());
            }
        }
        drop(placed);
        for slug in &moved {
            self.publish(slug, LobbyEvent::Moved { room: slug.clone() });
        }
        moved
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(ct: i64) -> StartRow {
        StartRow {
            meeting_id: "hallway-mc-abc".into(),
            room: "mc".into(),
            create_time: ct,
        }
    }

    #[test]
    fn a_start_holds_only_for_the_meeting_it_was_made_in_and_reaches_every_page() {
        let hub = Hub::default();
        let mut a = hub.subscribe("mc", "bbb1", true);
        let mut b = hub.subscribe("mc", "bbb1", false);
        assert_eq!((hub.waiting("mc"), hub.subscribers("mc")), (1, 2));
        assert!(hub.note_started(row(7)));
        assert!(!hub.note_started(row(7)), "known already");
        assert!(hub.is_started("hallway-mc-abc", Some(7)));
        assert!(!hub.is_started("hallway-mc-abc", Some(8)), "created again");
        assert!(!hub.is_started("hallway-mc-abc", None));
        for rx in [&mut a.rx, &mut b.rx] {
            assert_eq!(
                rx.try_recv().unwrap(),
                LobbyEvent::Started {
                    meeting_id: "hallway-mc-abc".into()
                }
            );
        }
        drop(a);
        assert_eq!(hub.waiting("mc"), 0);
        assert_eq!(hub.replace_starts(vec![row(7)]), 0);
        assert_eq!(hub.replace_starts(vec![row(9)]), 1);
        assert!(b.rx.try_recv().is_ok());
    }
}

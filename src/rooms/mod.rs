//! Video rooms: the configured rooms, where each is pinned, and joining one.
//!
//! Rooms come from the configuration; their current BBB server lives in the database so that a
//! later failover (moving a room off a dead server) is shared by every instance and survives
//! restarts.

pub mod handlers;
pub mod lifecycle;
pub mod meeting;
pub mod model;
pub mod placement;
pub mod registry;
pub mod store;
pub mod token;

use std::ops::Deref;
use std::sync::Arc;

use crate::rooms::model::{Room, ServerName};

/// A room held by a request without copying it: the shared directory and the room's place.
#[derive(Clone, Debug)]
pub struct RoomRef {
    directory: Arc<RoomDirectory>,
    index: usize,
}

impl Deref for RoomRef {
    type Target = Room;

    fn deref(&self) -> &Room {
        &self.directory.rooms[self.index]
    }
}

/// Lookup tables over the configured rooms.
#[derive(Debug, Default)]
pub struct RoomDirectory {
    rooms: Vec<Room>,
    by_slug: crate::FastMap<String, usize>,
    by_schedule_room: crate::FastMap<String, usize>,
    servers: Vec<ServerName>,
    meeting_prefix: String,
}

/// How schedule room names are compared: case and runs of white space do not matter.
pub fn normalise(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl RoomDirectory {
    /// Indexes `rooms` hosted on `servers`; `meeting_prefix` forms BBB meeting IDs.
    pub fn new(rooms: Vec<Room>, servers: Vec<ServerName>, meeting_prefix: &str) -> Self {
        let mut by_slug = crate::FastMap::default();
        let mut by_schedule_room = crate::FastMap::default();
        for (i, r) in rooms.iter().enumerate() {
            by_slug.insert(r.slug.as_str().to_owned(), i);
            for name in &r.schedule_rooms {
                by_schedule_room.insert(normalise(name), i);
            }
        }
        Self {
            rooms,
            by_slug,
            by_schedule_room,
            servers,
            meeting_prefix: meeting_prefix.to_owned(),
        }
    }

    /// Every room, in configuration order.
    pub fn all(&self) -> &[Room] {
        &self.rooms
    }

    /// The configured server of this name.
    pub fn server_named(&self, name: &str) -> Option<&ServerName> {
        self.servers.iter().find(|s| s.as_str() == name)
    }

    /// The room with this slug.
    pub fn get(&self, slug: &str) -> Option<&Room> {
        self.by_slug.get(slug).map(|&i| &self.rooms[i])
    }

    /// The room with this slug, held without a copy (the join path).
    pub fn shared(directory: &Arc<Self>, slug: &str) -> Option<RoomRef> {
        directory.by_slug.get(slug).map(|&index| RoomRef {
            directory: directory.clone(),
            index,
        })
    }

    /// The room hosting sessions of this schedule room (matched ignoring case and spacing).
    pub fn for_schedule_room(&self, name: &str) -> Option<&Room> {
        self.by_schedule_room
            .get(&normalise(name))
            .map(|&i| &self.rooms[i])
    }

    /// Position of a room in configuration order (for sorting grid columns).
    pub fn position(&self, slug: &str) -> Option<usize> {
        self.by_slug.get(slug).copied()
    }

    /// The room a meeting of hallway's belongs to: `{prefix}-{slug}` (the room's own meeting)
    /// or `{prefix}-{slug}-{12 hex}` (one of its sessions).
    pub fn room_of_meeting(&self, meeting_id: &str) -> Option<&Room> {
        let rest = meeting_id
            .strip_prefix(&self.meeting_prefix)?
            .strip_prefix('-')?;
        self.get(rest).or_else(|| {
            let (slug, hash) = rest.rsplit_once('-')?;
            (hash.len() == 12 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
                .then(|| self.get(slug))
                .flatten()
        })
    }

    /// The prefix of hallway's meeting IDs.
    pub fn meeting_prefix(&self) -> &str {
        &self.meeting_prefix
    }
}

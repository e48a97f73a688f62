//! Video rooms: the configured rooms, where each is pinned, and joining one.
//!
//! Rooms come from the configuration; their current BBB server lives in the database so that a
//! later failover (moving a room off a dead server) is shared by every instance and survives
//! restarts.

pub mod handlers;
pub mod meeting;
pub mod model;
pub mod placement;
pub mod store;

use std::collections::HashMap;

use crate::rooms::model::{Room, ServerName};

/// Lookup tables over the configured rooms.
#[derive(Debug, Default)]
pub struct RoomDirectory {
    rooms: Vec<Room>,
    by_slug: HashMap<String, usize>,
    by_schedule_room: HashMap<String, usize>,
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
        let mut by_slug = HashMap::new();
        let mut by_schedule_room = HashMap::new();
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

    /// The BBB meeting ID of a room.
    pub fn meeting_id(&self, slug: &str) -> String {
        format!("{}-{}", self.meeting_prefix, slug)
    }

    /// The room whose meeting ID this is.
    pub fn by_meeting_id(&self, meeting_id: &str) -> Option<&Room> {
        meeting_id
            .strip_prefix(&self.meeting_prefix)
            .and_then(|rest| rest.strip_prefix('-'))
            .and_then(|slug| self.get(slug))
    }
}

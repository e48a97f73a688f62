//! Where each room is hosted right now: the configured pin, unless a move at run time (a
//! failover, a staff action) placed it elsewhere.
//!
//! The truth lives in the `rooms` table so every instance agrees; this is the in-memory copy
//! that the join path and the pages read, so a click costs no database round trip. It only
//! ever holds names of configured servers (the configuration refuses unknown pins and
//! `store::sync_from_config` resets stored pins to servers that are gone).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::rooms::model::{Room, ServerName};
use crate::rooms::RoomDirectory;

/// The current server of every room.
#[derive(Debug, Default)]
pub struct Placements(RwLock<Arc<HashMap<String, ServerName>>>);

impl Placements {
    /// Placements from stored `(slug, server)` pairs; pairs naming an unknown room or server are
    /// ignored (the room then falls back to its configured pin).
    pub fn from_stored(rooms: &RoomDirectory, stored: Vec<(String, String)>) -> Self {
        let p = Self::default();
        p.replace(rooms, stored);
        p
    }

    /// Replaces the whole table (after a reload from the database).
    pub fn replace(&self, rooms: &RoomDirectory, stored: Vec<(String, String)>) {
        let map: HashMap<String, ServerName> = stored
            .into_iter()
            .filter(|(slug, _)| rooms.get(slug).is_some())
            .filter_map(|(slug, server)| {
                rooms.server_named(&server).map(|name| (slug, name.clone()))
            })
            .collect();
        if let Ok(mut g) = self.0.write() {
            *g = Arc::new(map);
        }
    }

    /// The server hosting `room` now: its stored placement, else its configured pin.
    pub fn server_of(&self, room: &Room) -> ServerName {
        self.0
            .read()
            .ok()
            .and_then(|g| g.get(room.slug.as_str()).cloned())
            .unwrap_or_else(|| room.server.clone())
    }
}

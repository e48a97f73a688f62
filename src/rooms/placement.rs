//! Where each room is hosted right now: the configured pin, unless a move at run time (a
//! failover, a staff action) placed it elsewhere; and where a join goes when that server
//! cannot take it.
//!
//! The truth lives in the `rooms` table so every instance agrees; this is the in-memory copy
//! that the join path and the pages read, so a click costs no database round trip. It only
//! ever holds names of configured servers (the configuration refuses unknown pins and
//! `store::sync_from_config` resets stored pins to servers that are gone).
//!
//! [`Placements::server_of`] respects server states and the leader's health decisions: a
//! room stays on its server while that server accepts it (enabled and not DOWN, or draining
//! while the room has a meeting running there: late joiners still get in); otherwise the
//! join goes to the least-loaded server that accepts new meetings, and the cold half of the
//! join path records that move (`servers::failover::admit`).

use std::collections::HashMap;
use std::sync::Arc;

use crate::rooms::model::{Room, ServerName};
use crate::rooms::registry::Registry;
use crate::rooms::RoomDirectory;
use crate::servers::view::{ServerState, ServerView};

/// The current server of every room.
#[derive(Debug)]
pub struct Placements {
    pins: arc_swap::ArcSwap<crate::FastMap<String, ServerName>>,
    servers: Arc<ServerView>,
    registry: Arc<Registry>,
}

impl Placements {
    /// Placements from stored `(slug, server)` pairs; pairs naming an unknown room or server are
    /// ignored (the room then falls back to its configured pin).
    pub fn from_stored(
        rooms: &RoomDirectory,
        stored: Vec<(String, String)>,
        servers: Arc<ServerView>,
        registry: Arc<Registry>,
    ) -> Self {
        let p = Self {
            pins: arc_swap::ArcSwap::from_pointee(crate::FastMap::default()),
            servers,
            registry,
        };
        p.replace(rooms, stored);
        p
    }

    /// Replaces the whole table (after a reload from the database).
    pub fn replace(&self, rooms: &RoomDirectory, stored: Vec<(String, String)>) {
        let map: crate::FastMap<String, ServerName> = stored
            .into_iter()
            .filter(|(slug, _)| rooms.get(slug).is_some())
            .filter_map(|(slug, server)| {
                rooms.server_named(&server).map(|name| (slug, name.clone()))
            })
            .collect();
        self.pins.store(Arc::new(map));
    }

    /// Where `room` is placed: its stored placement, else its configured pin. What the
    /// dashboard calls "actual placement"; joins use [`Placements::server_of`].
    pub fn stored(&self, room: &Room) -> ServerName {
        self.pins
            .load()
            .get(room.slug.as_str())
            .cloned()
            .unwrap_or_else(|| room.server.clone())
    }

    /// True when `room` has a live meeting on `server`.
    pub fn has_live_meeting(&self, room: &Room, server: &str) -> bool {
        self.registry
            .live()
            .iter()
            .any(|r| r.room == room.slug.as_str() && r.server == server)
    }

    /// True when `server` may host `room` now: it is an upstream load balancer, it accepts new
    /// meetings, or it is draining (and not DOWN) while the room's meeting runs there.
    pub fn keeps(&self, room: &Room, server: &str) -> bool {
        // A balancer places and fails over itself: its rooms stay whatever its health.
        self.servers.is_balancer(server)
            || self.servers.accepts_new(server)
            || (self.servers.state(server) == ServerState::Draining
                && self.servers.accepts_joins(server)
                && self.has_live_meeting(room, server))
    }

    /// The server a join to `room` goes to now: its placement while that server keeps it,
    /// else the least-loaded server accepting new meetings (else, with none left, still its
    /// placement: the join path then says the room is unavailable).
    pub fn server_of(&self, room: &Room) -> ServerName {
        let placed = self.stored(room);
        if self.keeps(room, placed.as_str()) {
            return placed;
        }
        self.servers
            .least_loaded(placed.as_str(), &HashMap::new())
            .and_then(|n: String| ServerName::parse(&n).ok())
            .unwrap_or(placed)
    }
}

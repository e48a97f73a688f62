//! The leader's job after every status round, and the join path's check before a create.
//!
//! Every instance polls, but only the holder of the `operations` lease writes: it turns its
//! hysteresis view into stored health decisions (audited: "bbb2 DOWN: …"), then re-places at
//! once every room that matters (a meeting running, or a session running or starting soon)
//! whose server no longer keeps it: DOWN, disabled, or draining without the room's meeting.
//! The target is the least-loaded server accepting new meetings, load being people + weighted
//! webcams + meetings created in the last minute + the rooms this round already sent there,
//! so a storm spreads. Each move is one conditional transaction (`store::move_room`), so two
//! instances never place a room twice; other instances learn of it through the `placements`
//! and `servers` topics. When a server comes back, nothing moves back by itself: the
//! dashboard offers the original pin as "move back".

use std::collections::HashMap;

use chrono::Duration;

use crate::db::to_db_time;
use crate::rooms::model::Room;
use crate::rooms::registry::CreateFailure;
use crate::rooms::store as room_store;
use crate::servers::store::{self, RoomMove};
use crate::servers::view::{ServerState, RESERVATION_WEIGHT};
use crate::state::AppState;
use crate::status::health::Health;
use crate::status::snapshot::Snapshot;

/// The lease of the instance that writes health decisions and placements.
pub const LEADER_LEASE: &str = "operations";
/// How long the leader's lease lasts without renewal (a few poll rounds).
const LEASE_SECS: i64 = 60;
/// Rooms whose session starts within this (or the pre-warm lead, if longer) are re-placed.
const IMMINENT_MINUTES: i64 = 15;

/// A move that happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Moved {
    /// Room slug.
    pub room: String,
    /// From.
    pub from: String,
    /// To.
    pub to: String,
    /// Why.
    pub reason: String,
}

/// True while this instance holds (or just took) the leader lease.
pub async fn lead(state: &AppState) -> Result<bool, sqlx::Error> {
    let now = to_db_time(state.clock.now());
    room_store::try_job_lease(
        &state.db,
        LEADER_LEASE,
        &state.instance_id,
        now,
        now + LEASE_SECS,
    )
    .await
}

/// Reloads the stored server rows and pins into this instance's caches.
async fn reload(state: &AppState) -> Result<(), sqlx::Error> {
    state.servers.replace(store::load(&state.db).await?);
    state
        .placements
        .replace(&state.rooms, room_store::all_pins(&state.db).await?);
    state.lobby.check_moves(&state.rooms, &state.placements);
    Ok(())
}

/// After a poll: loads for placement (every instance); health decisions and failover (the
/// leader). Returns the moves made.
pub async fn after_poll(state: &AppState, snap: &Snapshot) -> Result<Vec<Moved>, sqlx::Error> {
    state.servers.set_loads(snap);
    if !lead(state).await? {
        return Ok(Vec::new());
    }
    let now = to_db_time(state.clock.now());
    let mut changed = false;
    for s in &snap.servers {
        if s.health == Health::Unknown || state.servers.health(&s.name) == s.health {
            continue;
        }
        let error = if s.health == Health::Down {
            s.error.as_deref()
        } else {
            None
        };
        if store::set_health(&state.db, &s.name, s.health, error, "health check", now).await? {
            tracing::warn!(server = %s.name, health = s.health.as_str(), error = ?error, "server health changed");
            changed = true;
        }
    }
    if changed {
        state.servers.replace(store::load(&state.db).await?);
    }
    failover_once(state).await
}

fn why(state: &AppState, server: &str) -> String {
    let info = state.servers.info(server);
    if info.health == Health::Down {
        format!("{server} DOWN")
    } else {
        match info.state {
            ServerState::Disabled => format!("{server} disabled"),
            ServerState::Draining => format!("{server} draining"),
            ServerState::Enabled => format!("{server} unavailable"),
        }
    }
}

/// Does `room` need a server right now: a meeting running on `server`, or a session running
/// or starting soon?
fn matters(state: &AppState, room: &Room, server: &str) -> bool {
    if state.placements.has_live_meeting(room, server) {
        return true;
    }
    let now = state.clock.now();
    let horizon = now
        + state
            .settings
            .status
            .prewarm_lead
            .max(Duration::minutes(IMMINENT_MINUTES));
    state
        .schedule
        .get()
        .in_room_between(room.slug.as_str(), now, horizon)
        .iter()
        .any(|s| s.end > now && s.start <= horizon)
}

/// The leader's re-placement: every room that matters and whose server no longer keeps it
/// moves to the least-loaded server accepting new meetings. Does nothing on other instances.
pub async fn failover_once(state: &AppState) -> Result<Vec<Moved>, sqlx::Error> {
    if !lead(state).await? {
        return Ok(Vec::new());
    }
    let now = to_db_time(state.clock.now());
    // Reservations: meetings created in the last minute, on every instance.
    let mut extra: HashMap<String, i64> = store::recent_creates(&state.db, now - 60)
        .await?
        .into_iter()
        .map(|(server, n)| (server, n * RESERVATION_WEIGHT))
        .collect();
    let mut moved = Vec::new();
    for room in state.rooms.all() {
        let from = state.placements.stored(room);
        if state.placements.keeps(room, from.as_str()) || !matters(state, room, from.as_str()) {
            continue;
        }
        let Some(to) = state.servers.least_loaded(from.as_str(), &extra) else {
            tracing::error!(room = %room.slug, from = %from, "no server accepts new meetings; the room stays");
            continue;
        };
        let reason = why(state, from.as_str());
        let m = RoomMove {
            room: room.slug.as_str(),
            from: from.as_str(),
            to: &to,
            reason: &reason,
            actor: "failover",
            now,
        };
        if store::move_room(&state.db, &m).await? {
            tracing::warn!(room = %room.slug, from = %from, to = %to, reason = %reason, "room re-placed");
            *extra.entry(to.clone()).or_default() += RESERVATION_WEIGHT;
            moved.push(Moved {
                room: room.slug.to_string(),
                from: from.to_string(),
                to,
                reason,
            });
        }
    }
    if !moved.is_empty() {
        state.metrics.count_failovers(moved.len() as u64);
        reload(state).await?;
    }
    Ok(moved)
}

/// The join path's check before it creates a meeting of `room` on `server` (the server
/// `Placements::server_of` chose): records the move when `server` is not the room's stored
/// placement (its server was DOWN, disabled or draining), and refuses when `server` itself
/// takes no new meetings (nothing else was left).
pub async fn admit(state: &AppState, room: &Room, server: &str) -> Result<(), CreateFailure> {
    if !state.servers.accepts_new(server) {
        return Err(CreateFailure::ServerDown {
            server: server.to_owned(),
            detail: format!(
                "{}, and no other server accepts new meetings",
                why(state, server)
            ),
        });
    }
    let from = state.placements.stored(room);
    if from.as_str() != server {
        let reason = why(state, from.as_str());
        let m = RoomMove {
            room: room.slug.as_str(),
            from: from.as_str(),
            to: server,
            reason: &reason,
            actor: "join",
            now: to_db_time(state.clock.now()),
        };
        if store::move_room(&state.db, &m).await? {
            tracing::warn!(room = %room.slug, from = %from, to = %server, reason = %reason, "room re-placed by a join");
            state.metrics.count_failovers(1);
        }
        reload(state).await?;
    }
    state.servers.reserve(server);
    state.metrics.count_create();
    Ok(())
}

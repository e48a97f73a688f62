//! SQL of operations: server states and health decisions, room moves, the audit log.
//!
//! Every write that other instances must see bumps its topic in the same transaction
//! (`servers` for states and health, `placements` for moves). A move is conditional on the
//! room still being where the mover saw it, so two instances can never place a room twice.

use sqlx::Row;

use crate::db::Db;
use crate::servers::view::{ServerInfo, ServerState};
use crate::status::health::Health;
use crate::sync::store::bump;
use crate::sync::Topic;

/// Every stored server row.
pub async fn load(db: &Db) -> Result<Vec<ServerInfo>, sqlx::Error> {
    let rows = sqlx::query(
        "select name, state, changed_by, changed_at, health, health_since, health_error \
         from server_states order by name",
    )
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let state: String = r.try_get("state")?;
            let health: String = r.try_get("health")?;
            Ok(ServerInfo {
                name: r.try_get("name")?,
                state: ServerState::parse(&state).unwrap_or(ServerState::Enabled),
                changed_by: r.try_get("changed_by")?,
                changed_at: r.try_get("changed_at")?,
                health: Health::parse(&health),
                health_since: r.try_get("health_since")?,
                health_error: r.try_get("health_error")?,
            })
        })
        .collect()
}

async fn audit(
    conn: &mut sqlx::AnyConnection,
    at: i64,
    actor: &str,
    action: &str,
    target: &str,
    detail: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into audit_log (at, actor, action, target, detail) values ($1, $2, $3, $4, $5)",
    )
    .bind(at)
    .bind(actor)
    .bind(action)
    .bind(target)
    .bind(detail)
    .execute(conn)
    .await?;
    Ok(())
}

/// Sets a server's state, audited; true when it changed.
pub async fn set_state(
    db: &Db,
    name: &str,
    state: ServerState,
    actor: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let mut tx = db.pool().begin().await?;
    let done = sqlx::query(
        "insert into server_states (name, state, changed_by, changed_at) values ($1, $2, $3, $4) \
         on conflict (name) do update set state = excluded.state, \
         changed_by = excluded.changed_by, changed_at = excluded.changed_at \
         where server_states.state <> excluded.state",
    )
    .bind(name)
    .bind(state.as_str())
    .bind(actor)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let changed = done.rows_affected() == 1;
    if changed {
        audit(
            &mut tx,
            now,
            actor,
            "server-state",
            name,
            &format!("{name} {}", state.as_str()),
        )
        .await?;
        bump(&mut tx, Topic::Servers).await?;
    }
    tx.commit().await?;
    Ok(changed)
}

/// Records the leader's health decision, audited; true when it changed.
pub async fn set_health(
    db: &Db,
    name: &str,
    health: Health,
    error: Option<&str>,
    actor: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let mut tx = db.pool().begin().await?;
    let done = sqlx::query(
        "insert into server_states (name, health, health_since, health_error) \
         values ($1, $2, $3, $4) \
         on conflict (name) do update set health = excluded.health, \
         health_since = excluded.health_since, health_error = excluded.health_error \
         where server_states.health <> excluded.health",
    )
    .bind(name)
    .bind(health.as_str())
    .bind(now)
    .bind(error)
    .execute(&mut *tx)
    .await?;
    let changed = done.rows_affected() == 1;
    if changed {
        let detail = match error {
            Some(e) => format!("{name} {}: {e}", health.as_str().to_uppercase()),
            None => format!("{name} {}", health.as_str().to_uppercase()),
        };
        audit(&mut tx, now, actor, "server-health", name, &detail).await?;
        bump(&mut tx, Topic::Servers).await?;
    }
    tx.commit().await?;
    Ok(changed)
}

/// A room move to make.
#[derive(Clone, Debug)]
pub struct RoomMove<'a> {
    /// Room slug.
    pub room: &'a str,
    /// Where the mover saw it.
    pub from: &'a str,
    /// Where it goes.
    pub to: &'a str,
    /// Why ("bbb2 DOWN").
    pub reason: &'a str,
    /// Who (a user name, `failover`, `cli:…`).
    pub actor: &'a str,
    /// When, Unix seconds.
    pub now: i64,
}

/// Moves a room if it is still on `from`: pin, last move and audit entry in one transaction,
/// bumping the placements topic. False when someone moved it first.
pub async fn move_room(db: &Db, m: &RoomMove<'_>) -> Result<bool, sqlx::Error> {
    let mut tx = db.pool().begin().await?;
    let done = sqlx::query(
        "update rooms set server = $1, updated_at = $2 where slug = $3 and server = $4",
    )
    .bind(m.to)
    .bind(m.now)
    .bind(m.room)
    .bind(m.from)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        tx.rollback().await?;
        return Ok(false);
    }
    sqlx::query(
        "insert into room_moves (room, from_server, to_server, moved_at, reason) \
         values ($1, $2, $3, $4, $5) on conflict (room) do update set \
         from_server = excluded.from_server, to_server = excluded.to_server, \
         moved_at = excluded.moved_at, reason = excluded.reason",
    )
    .bind(m.room)
    .bind(m.from)
    .bind(m.to)
    .bind(m.now)
    .bind(m.reason)
    .execute(&mut *tx)
    .await?;
    audit(
        &mut tx,
        m.now,
        m.actor,
        "room-move",
        m.room,
        &format!("{} moved from {} to {}: {}", m.room, m.from, m.to, m.reason),
    )
    .await?;
    bump(&mut tx, Topic::Placements).await?;
    tx.commit().await?;
    Ok(true)
}

/// A room's last move.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MoveRow {
    /// Room slug.
    pub room: String,
    /// From.
    pub from_server: String,
    /// To.
    pub to_server: String,
    /// When.
    pub moved_at: i64,
    /// Why.
    pub reason: String,
}

/// Every room's last move.
pub async fn moves(db: &Db) -> Result<Vec<MoveRow>, sqlx::Error> {
    let rows = sqlx::query(
        "select room, from_server, to_server, moved_at, reason from room_moves order by room",
    )
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(MoveRow {
                room: r.try_get("room")?,
                from_server: r.try_get("from_server")?,
                to_server: r.try_get("to_server")?,
                moved_at: r.try_get("moved_at")?,
                reason: r.try_get("reason")?,
            })
        })
        .collect()
}

/// An audit entry.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AuditRow {
    /// Id.
    pub id: i64,
    /// When, Unix seconds.
    pub at: i64,
    /// Who.
    pub actor: String,
    /// What kind.
    pub action: String,
    /// On what.
    pub target: String,
    /// What happened, in words.
    pub detail: String,
}

fn audit_row(r: &sqlx::any::AnyRow) -> Result<AuditRow, sqlx::Error> {
    Ok(AuditRow {
        id: r.try_get("id")?,
        at: r.try_get("at")?,
        actor: r.try_get("actor")?,
        action: r.try_get("action")?,
        target: r.try_get("target")?,
        detail: r.try_get("detail")?,
    })
}

/// The newest `limit` audit entries, newest first.
pub async fn recent_audit(db: &Db, limit: i64) -> Result<Vec<AuditRow>, sqlx::Error> {
    let rows = sqlx::query(
        "select id, at, actor, action, target, detail from audit_log \
         order by id desc limit $1",
    )
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(audit_row).collect()
}

/// Records a staff action that changes no stored state (start, end a meeting); returns its id.
pub async fn record_action(
    db: &Db,
    at: i64,
    actor: &str,
    action: &str,
    target: &str,
    detail: &str,
) -> Result<(), sqlx::Error> {
    let mut conn = db.pool().acquire().await?;
    audit(&mut conn, at, actor, action, target, detail).await
}

/// Meetings created (or being created) per server since `since`: the reservations that keep a
/// join storm from piling onto one server before the next poll sees its people.
pub async fn recent_creates(db: &Db, since: i64) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let rows = sqlx::query(
        "select server, count(*) as n from meetings \
         where state <> 'ended' and updated_at >= $1 group by server",
    )
    .bind(since)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("server")?, r.try_get("n")?)))
        .collect()
}

// --- Retiring the old meeting of a room moved on purpose (migration 0009) --------------------

/// A meeting left behind by a move, to be ended at `end_at`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Retirement {
    /// The meeting (external ID).
    pub meeting_id: String,
    /// The server it runs on (the room's old one).
    pub server: String,
    /// BBB's createTime of the session that was left.
    pub create_time: i64,
    /// Room slug.
    pub room: String,
    /// When to end it, Unix seconds.
    pub end_at: i64,
    /// What was said in the meeting before the end, or why nothing was.
    pub announcement: String,
    /// When it was ended, once it was.
    pub ended_at: Option<i64>,
}

fn retirement_row(r: &sqlx::any::AnyRow) -> Result<Retirement, sqlx::Error> {
    Ok(Retirement {
        meeting_id: r.try_get("meeting_id")?,
        server: r.try_get("server")?,
        create_time: r.try_get("create_time")?,
        room: r.try_get("room")?,
        end_at: r.try_get("end_at")?,
        announcement: r.try_get("announcement")?,
        ended_at: r.try_get("ended_at")?,
    })
}

/// Schedules the end of a left-behind meeting (again, if the same session was scheduled
/// before: the later end wins) and audits it, in one transaction.
pub async fn schedule_retirement(
    db: &Db,
    r: &Retirement,
    actor: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    let mut tx = db.pool().begin().await?;
    sqlx::query(
        "insert into meeting_retirements (meeting_id, server, create_time, room, end_at, \
         announcement, ended_at) values ($1, $2, $3, $4, $5, $6, null) \
         on conflict (meeting_id, server, create_time) do update set end_at = excluded.end_at, \
         announcement = excluded.announcement, ended_at = null",
    )
    .bind(&r.meeting_id)
    .bind(&r.server)
    .bind(r.create_time)
    .bind(&r.room)
    .bind(r.end_at)
    .bind(&r.announcement)
    .execute(&mut *tx)
    .await?;
    let detail = format!(
        "{}: meeting {} on {} ends in {} s; {}",
        r.room,
        r.meeting_id,
        r.server,
        (r.end_at - now).max(0),
        r.announcement
    );
    audit(&mut tx, now, actor, "room-retire", &r.room, &detail).await?;
    tx.commit().await
}

/// Left-behind meetings whose end is due at `now` and not done yet.
pub async fn due_retirements(db: &Db, now: i64) -> Result<Vec<Retirement>, sqlx::Error> {
    let rows = sqlx::query(
        "select meeting_id, server, create_time, room, end_at, announcement, ended_at \
         from meeting_retirements where ended_at is null and end_at <= $1 order by end_at",
    )
    .bind(now)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(retirement_row).collect()
}

/// Every left-behind meeting (ended or not) of the last `since` seconds: the poll must not
/// adopt them again, and the dashboard shows the pending ones.
pub async fn recent_retirements(db: &Db, since: i64) -> Result<Vec<Retirement>, sqlx::Error> {
    let rows = sqlx::query(
        "select meeting_id, server, create_time, room, end_at, announcement, ended_at \
         from meeting_retirements where ended_at is null or ended_at >= $1 order by end_at",
    )
    .bind(since)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(retirement_row).collect()
}

/// Marks a left-behind meeting ended and audits it; false if another instance did already.
pub async fn finish_retirement(
    db: &Db,
    r: &Retirement,
    detail: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let mut tx = db.pool().begin().await?;
    let done = sqlx::query(
        "update meeting_retirements set ended_at = $1 \
         where meeting_id = $2 and server = $3 and create_time = $4 and ended_at is null",
    )
    .bind(now)
    .bind(&r.meeting_id)
    .bind(&r.server)
    .bind(r.create_time)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        tx.rollback().await?;
        return Ok(false);
    }
    audit(&mut tx, now, "move", "room-end", &r.room, detail).await?;
    tx.commit().await?;
    Ok(true)
}

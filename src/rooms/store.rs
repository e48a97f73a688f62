//! SQL for rooms: which BBB server each room is pinned to right now, the meeting registry
//! (every BBB meeting hallway made or found, with the create lease that makes instances create
//! a meeting once), and job leases.
//!
//! `config_server` remembers what the configuration said at the last sync, so a changed pin in
//! the configuration wins, while a pin moved at run time would survive a restart. (Moving rooms
//! off a dead server is not built yet; `server` is where it will write.)

use chrono::Utc;
use sqlx::Row;

use crate::db::{to_db_time, Db};
use crate::rooms::model::Room;
use crate::sync::store::bump;
use crate::sync::Topic;

/// Brings the rooms table in line with the configuration, in one transaction.
pub async fn sync_from_config(db: &Db, rooms: &[Room]) -> Result<(), sqlx::Error> {
    let now = to_db_time(Utc::now());
    let mut tx = db.pool().begin().await?;
    for r in rooms {
        sqlx::query(
            "insert into rooms (slug, name, kind, server, config_server, updated_at) \
             values ($1, $2, $3, $4, $4, $5) \
             on conflict (slug) do update set name = excluded.name, kind = excluded.kind, \
             server = case when rooms.config_server = excluded.config_server \
                           then rooms.server else excluded.server end, \
             config_server = excluded.config_server, updated_at = excluded.updated_at",
        )
        .bind(r.slug.as_str())
        .bind(r.name.as_str())
        .bind(r.kind.as_str())
        .bind(r.server.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// Every room's current server, as (slug, server).
pub async fn all_pins(db: &Db) -> Result<Vec<(String, String)>, sqlx::Error> {
    let rows = sqlx::query("select slug, server from rooms order by slug")
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("slug")?, r.try_get("server")?)))
        .collect()
}

/// A row of the meeting registry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeetingRow {
    /// BBB meetingID.
    pub meeting_id: String,
    /// Room slug.
    pub room: String,
    /// The session's stable key, for per-session meetings.
    pub session_key: Option<String>,
    /// Server name.
    pub server: String,
    /// `creating`, `live` or `ended`.
    pub state: String,
    /// BBB createTime (ms).
    pub create_time: Option<i64>,
    /// Attendee password (for servers before 2.4).
    pub attendee_pw: Option<String>,
    /// Moderator password.
    pub moderator_pw: Option<String>,
    /// Last change, Unix seconds.
    pub updated_at: i64,
}

const MEETING_COLUMNS: &str = "meeting_id, room, session_key, server, state, create_time, \
                               attendee_pw, moderator_pw, updated_at";

fn meeting_from_row(r: &sqlx::any::AnyRow) -> Result<MeetingRow, sqlx::Error> {
    Ok(MeetingRow {
        meeting_id: r.try_get("meeting_id")?,
        room: r.try_get("room")?,
        session_key: r.try_get("session_key")?,
        server: r.try_get("server")?,
        state: r.try_get("state")?,
        create_time: r.try_get("create_time")?,
        attendee_pw: r.try_get("attendee_pw")?,
        moderator_pw: r.try_get("moderator_pw")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// Every meeting not ended.
pub async fn open_meetings(db: &Db) -> Result<Vec<MeetingRow>, sqlx::Error> {
    let sql = format!("select {MEETING_COLUMNS} from meetings where state <> 'ended'");
    let rows = sqlx::query(&sql).fetch_all(db.pool()).await?;
    rows.iter().map(meeting_from_row).collect()
}

/// One meeting.
pub async fn meeting(db: &Db, meeting_id: &str) -> Result<Option<MeetingRow>, sqlx::Error> {
    let sql = format!("select {MEETING_COLUMNS} from meetings where meeting_id = $1");
    let row = sqlx::query(&sql)
        .bind(meeting_id)
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(meeting_from_row).transpose()
}

/// Takes the create lease of a meeting: succeeds (true) when the meeting is unknown, ended,
/// known on another server, or being created by someone whose lease ran out. Nobody else can
/// hold it at the same time, so instances sharing a database create a meeting once.
#[allow(clippy::too_many_arguments)]
pub async fn try_lease_create(
    db: &Db,
    meeting_id: &str,
    room: &str,
    session_key: Option<&str>,
    server: &str,
    owner: &str,
    now: i64,
    until: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "insert into meetings (meeting_id, room, session_key, server, state, create_time, \
         attendee_pw, moderator_pw, lease_owner, lease_until, updated_at) \
         values ($1, $2, $3, $4, 'creating', null, null, null, $5, $6, $7) \
         on conflict (meeting_id) do update set room = excluded.room, \
         session_key = excluded.session_key, server = excluded.server, state = 'creating', \
         create_time = null, attendee_pw = null, moderator_pw = null, \
         lease_owner = excluded.lease_owner, lease_until = excluded.lease_until, \
         updated_at = excluded.updated_at \
         where meetings.state = 'ended' or meetings.server <> excluded.server \
         or (meetings.state = 'creating' and meetings.lease_until < excluded.updated_at)",
    )
    .bind(meeting_id)
    .bind(room)
    .bind(session_key)
    .bind(server)
    .bind(owner)
    .bind(until)
    .bind(now)
    .execute(db.pool())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records a meeting as live on `server` (after a create, or when BBB lists it), clearing any
/// lease, and bumps the meetings topic, in one transaction.
pub async fn mark_live(db: &Db, row: &MeetingRow) -> Result<(), sqlx::Error> {
    let mut tx = db.pool().begin().await?;
    sqlx::query(
        "insert into meetings (meeting_id, room, session_key, server, state, create_time, \
         attendee_pw, moderator_pw, lease_owner, lease_until, updated_at) \
         values ($1, $2, $3, $4, 'live', $5, $6, $7, null, null, $8) \
         on conflict (meeting_id) do update set room = excluded.room, \
         session_key = excluded.session_key, server = excluded.server, state = 'live', \
         create_time = excluded.create_time, attendee_pw = excluded.attendee_pw, \
         moderator_pw = excluded.moderator_pw, lease_owner = null, lease_until = null, \
         updated_at = excluded.updated_at",
    )
    .bind(row.meeting_id.as_str())
    .bind(row.room.as_str())
    .bind(row.session_key.as_deref())
    .bind(row.server.as_str())
    .bind(row.create_time)
    .bind(row.attendee_pw.as_deref())
    .bind(row.moderator_pw.as_deref())
    .bind(row.updated_at)
    .execute(&mut *tx)
    .await?;
    bump(&mut tx, Topic::Meetings).await?;
    tx.commit().await
}

/// Gives up a create lease this owner holds (the create failed): the meeting counts as ended.
pub async fn release_create(
    db: &Db,
    meeting_id: &str,
    owner: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "update meetings set state = 'ended', lease_owner = null, lease_until = null, \
         updated_at = $3 where meeting_id = $1 and state = 'creating' and lease_owner = $2",
    )
    .bind(meeting_id)
    .bind(owner)
    .bind(now)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Marks a live meeting ended, when it still has `create_time` (so a newer meeting of the
/// same ID is not ended by a stale report). True when a row changed; bumps the topic then.
pub async fn mark_ended(
    db: &Db,
    meeting_id: &str,
    create_time: Option<i64>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let mut tx = db.pool().begin().await?;
    let done = sqlx::query(
        "update meetings set state = 'ended', updated_at = $3 where meeting_id = $1 \
         and state = 'live' and ($2 is null or create_time = $2)",
    )
    .bind(meeting_id)
    .bind(create_time)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let changed = done.rows_affected() > 0;
    if changed {
        bump(&mut tx, Topic::Meetings).await?;
    }
    tx.commit().await?;
    Ok(changed)
}

/// Takes or renews the job lease `name` for `owner` until `until`: true while this owner
/// holds it. One instance runs a leased job at a time; a dead holder's lease runs out.
pub async fn try_job_lease(
    db: &Db,
    name: &str,
    owner: &str,
    now: i64,
    until: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "insert into leases (name, owner, until) values ($1, $2, $3) \
         on conflict (name) do update set owner = excluded.owner, until = excluded.until \
         where leases.owner = excluded.owner or leases.until < $4",
    )
    .bind(name)
    .bind(owner)
    .bind(until)
    .bind(now)
    .execute(db.pool())
    .await?;
    Ok(done.rows_affected() == 1)
}

//! SQL of the recordings cache: a server's recordings replaced as a whole, every recording
//! read back.

use sqlx::Row;

use crate::db::Db;
use crate::recordings::cache::{Format, StoredRecording};
use crate::sync::store::bump;
use crate::sync::Topic;

const COLUMNS: &str = "server, record_id, meeting_id, name, published, state, start_ms, \
                       end_ms, room, session_key, session_guid, formats";

fn from_row(r: &sqlx::any::AnyRow) -> Result<StoredRecording, sqlx::Error> {
    let formats: String = r.try_get("formats")?;
    Ok(StoredRecording {
        server: r.try_get("server")?,
        record_id: r.try_get("record_id")?,
        meeting_id: r.try_get("meeting_id")?,
        name: r.try_get("name")?,
        published: r.try_get::<i64, _>("published")? != 0,
        state: r.try_get("state")?,
        start_ms: r.try_get("start_ms")?,
        end_ms: r.try_get("end_ms")?,
        room: r.try_get("room")?,
        session_key: r.try_get("session_key")?,
        session_guid: r.try_get("session_guid")?,
        formats: serde_json::from_str::<Vec<Format>>(&formats)
            .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
    })
}

/// Every cached recording.
pub async fn all(db: &Db) -> Result<Vec<StoredRecording>, sqlx::Error> {
    let sql = format!("select {COLUMNS} from recordings order by start_ms, record_id");
    let rows = sqlx::query(&sql).fetch_all(db.pool()).await?;
    rows.iter().map(from_row).collect()
}

/// The servers that have stored recordings.
pub async fn servers(db: &Db) -> Result<Vec<String>, sqlx::Error> {
    let rows = sqlx::query("select distinct server from recordings")
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(|r| r.try_get("server")).collect()
}

fn sorted(mut v: Vec<StoredRecording>) -> Vec<StoredRecording> {
    v.sort_by(|a, b| a.record_id.cmp(&b.record_id));
    v
}

/// Makes `listed` the recordings of `server`, in one transaction, bumping the `recordings`
/// topic when that changed anything. True when it did.
pub async fn replace_server(
    db: &Db,
    server: &str,
    listed: Vec<StoredRecording>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let mut tx = db.pool().begin().await?;
    let sql = format!("select {COLUMNS} from recordings where server = $1");
    let before = sqlx::query(&sql)
        .bind(server)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(from_row)
        .collect::<Result<Vec<_>, _>>()?;
    let listed = sorted(listed);
    if sorted(before) == listed {
        tx.rollback().await?;
        return Ok(false);
    }
    sqlx::query("delete from recordings where server = $1")
        .bind(server)
        .execute(&mut *tx)
        .await?;
    for r in &listed {
        let formats =
            serde_json::to_string(&r.formats).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        sqlx::query(
            "insert into recordings (server, record_id, meeting_id, name, published, state, \
             start_ms, end_ms, room, session_key, session_guid, formats, updated_at) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(server)
        .bind(r.record_id.as_str())
        .bind(r.meeting_id.as_str())
        .bind(r.name.as_str())
        .bind(i64::from(r.published))
        .bind(r.state.as_str())
        .bind(r.start_ms)
        .bind(r.end_ms)
        .bind(r.room.as_deref())
        .bind(r.session_key.as_deref())
        .bind(r.session_guid.as_deref())
        .bind(formats)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    bump(&mut tx, Topic::Recordings).await?;
    tx.commit().await?;
    Ok(true)
}

//! SQL for rooms: which BBB server each room is pinned to right now.
//!
//! `config_server` remembers what the configuration said at the last sync, so a changed pin in
//! the configuration wins, while a pin moved at run time would survive a restart. (Moving rooms
//! off a dead server is not built yet; `server` is where it will write.)

use chrono::Utc;
use sqlx::Row;

use crate::db::{to_db_time, Db};
use crate::rooms::model::Room;

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

/// The server a room is pinned to now.
pub async fn current_server(db: &Db, slug: &str) -> Result<Option<String>, sqlx::Error> {
    let row = sqlx::query("select server from rooms where slug = $1")
        .bind(slug)
        .fetch_optional(db.pool())
        .await?;
    row.map(|r| r.try_get("server")).transpose()
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

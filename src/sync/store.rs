//! SQL of the change mechanism: bump a topic's version, read all versions.

use sqlx::{AnyConnection, Row};

use crate::db::Db;
use crate::sync::Topic;

/// Bumps `topic`'s version; call it inside the transaction that makes the change.
pub async fn bump(conn: &mut AnyConnection, topic: Topic) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into changes (topic, version) values ($1, 1) \
         on conflict (topic) do update set version = changes.version + 1",
    )
    .bind(topic.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

/// Every topic's version.
pub async fn versions(db: &Db) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let rows = sqlx::query("select topic, version from changes")
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("topic")?, r.try_get("version")?)))
        .collect()
}

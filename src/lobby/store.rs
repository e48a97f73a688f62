//! SQL of the lobby: which meetings a moderator has started.

use sqlx::Row;

use crate::db::Db;
use crate::lobby::hub::StartRow;
use crate::sync::store::bump;
use crate::sync::Topic;

/// Records that a moderator joined `row`'s meeting at `now`, bumping `meeting_starts` when
/// that is news (a first start, or a start of a meeting created again).
pub async fn record_start(db: &Db, row: &StartRow, now: i64) -> Result<bool, sqlx::Error> {
    let mut tx = db.pool().begin().await?;
    let done = sqlx::query(
        "insert into meeting_starts (meeting_id, room, create_time, started_at) \
         values ($1, $2, $3, $4) on conflict (meeting_id) do update set \
         room = excluded.room, create_time = excluded.create_time, \
         started_at = excluded.started_at \
         where meeting_starts.create_time <> excluded.create_time",
    )
    .bind(&row.meeting_id)
    .bind(&row.room)
    .bind(row.create_time)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let news = done.rows_affected() == 1;
    if news {
        bump(&mut tx, Topic::MeetingStarts).await?;
    }
    tx.commit().await?;
    Ok(news)
}

/// Every started meeting.
pub async fn starts(db: &Db) -> Result<Vec<StartRow>, sqlx::Error> {
    let rows = sqlx::query("select meeting_id, room, create_time from meeting_starts")
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(StartRow {
                meeting_id: r.try_get("meeting_id")?,
                room: r.try_get("room")?,
                create_time: r.try_get("create_time")?,
            })
        })
        .collect()
}

//! All SQL of the personal agenda: registered people's stars and their calendar feeds.
//! Portable on SQLite and PostgreSQL (`$N` placeholders, instants as UTC Unix seconds).

use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::db::{to_db_time, Db};

/// The most stars one person keeps (a conference has a few hundred sessions).
pub const MAX_STARS: usize = 500;

/// The sessions `user_id` starred, by id.
pub async fn stars(db: &Db, user_id: &str) -> Result<Vec<i64>, sqlx::Error> {
    let rows = sqlx::query(
        "select session_id from agenda_stars where user_id = $1 order by session_id limit $2",
    )
    .bind(user_id)
    .bind(MAX_STARS as i64)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| r.try_get::<i64, _>("session_id"))
        .collect()
}

/// Stars `session_ids` for `user_id` (already starred ones stay as they are).
pub async fn star(
    db: &Db,
    user_id: &str,
    session_ids: &[i64],
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let mut tx = db.pool().begin().await?;
    for id in session_ids {
        sqlx::query(
            "insert into agenda_stars (user_id, session_id, created_at) values ($1, $2, $3) \
             on conflict (user_id, session_id) do nothing",
        )
        .bind(user_id)
        .bind(*id)
        .bind(to_db_time(now))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// Removes the star of `session_id`.
pub async fn unstar(db: &Db, user_id: &str, session_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("delete from agenda_stars where user_id = $1 and session_id = $2")
        .bind(user_id)
        .bind(session_id)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// A calendar feed as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Feed {
    /// Whose.
    pub user_id: String,
    /// The public part of the token (the lookup key, named in join links).
    pub feed_id: String,
    /// SHA-256 (hex) of the whole token.
    pub token_hash: String,
}

fn feed_of(r: &sqlx::any::AnyRow) -> Result<Feed, sqlx::Error> {
    Ok(Feed {
        user_id: r.try_get("user_id")?,
        feed_id: r.try_get("feed_id")?,
        token_hash: r.try_get("token_hash")?,
    })
}

/// The feed whose public id is `feed_id`.
pub async fn feed_by_id(db: &Db, feed_id: &str) -> Result<Option<Feed>, sqlx::Error> {
    let row =
        sqlx::query("select user_id, feed_id, token_hash from agenda_feeds where feed_id = $1")
            .bind(feed_id)
            .fetch_optional(db.pool())
            .await?;
    row.as_ref().map(feed_of).transpose()
}

/// Whether `user_id` has a feed.
pub async fn has_feed(db: &Db, user_id: &str) -> Result<bool, sqlx::Error> {
    let row = sqlx::query("select feed_id from agenda_feeds where user_id = $1")
        .bind(user_id)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.is_some())
}

/// Makes `feed` the feed of its user, replacing (revoking) the one they had.
pub async fn replace_feed(db: &Db, feed: &Feed, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    let mut tx = db.pool().begin().await?;
    sqlx::query("delete from agenda_feeds where user_id = $1")
        .bind(&feed.user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "insert into agenda_feeds (user_id, feed_id, token_hash, created_at) \
         values ($1, $2, $3, $4)",
    )
    .bind(&feed.user_id)
    .bind(&feed.feed_id)
    .bind(&feed.token_hash)
    .bind(to_db_time(now))
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Revokes the feed of `user_id` (and with it every join link it carried); true if there was
/// one.
pub async fn delete_feed(db: &Db, user_id: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("delete from agenda_feeds where user_id = $1")
        .bind(user_id)
        .execute(db.pool())
        .await?;
    Ok(done.rows_affected() > 0)
}

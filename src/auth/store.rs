//! SQL for one-time admin login tokens. Only a SHA-256 of each token is stored.

use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::db::{to_db_time, Db};

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Makes a new token for an admin called `name`, valid for `ttl`; returns the token.
pub async fn create_admin_token(
    db: &Db,
    name: &str,
    ttl: Duration,
    now: DateTime<Utc>,
) -> Result<String, sqlx::Error> {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    sqlx::query(
        "insert into admin_tokens (token_hash, name, created_at, expires_at, used_at) \
         values ($1, $2, $3, $4, null)",
    )
    .bind(hash(&token))
    .bind(name)
    .bind(to_db_time(now))
    .bind(to_db_time(now + ttl))
    .execute(db.pool())
    .await?;
    Ok(token)
}

/// The admin name of a token that is still unused and unexpired.
pub async fn peek_admin_token(
    db: &Db,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, sqlx::Error> {
    let row = sqlx::query(
        "select name from admin_tokens where token_hash = $1 and used_at is null \
         and expires_at > $2",
    )
    .bind(hash(token))
    .bind(to_db_time(now))
    .fetch_optional(db.pool())
    .await?;
    row.map(|r| r.try_get("name")).transpose()
}

/// Marks a token used, atomically; returns the admin name if this call redeemed it.
pub async fn redeem_admin_token(
    db: &Db,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, sqlx::Error> {
    let name = peek_admin_token(db, token, now).await?;
    let done = sqlx::query(
        "update admin_tokens set used_at = $1 where token_hash = $2 and used_at is null \
         and expires_at > $1",
    )
    .bind(to_db_time(now))
    .bind(hash(token))
    .execute(db.pool())
    .await?;
    Ok(if done.rows_affected() == 1 {
        name
    } else {
        None
    })
}

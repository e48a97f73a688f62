//! The database handle: one `sqlx::AnyPool` for SQLite (default) or PostgreSQL.
//!
//! The backend is chosen at run time from the URL scheme. Each backend has its own migration
//! folder (`migrations/sqlite`, `migrations/postgres`, same numbers and names), both embedded in
//! the binary. All SQL lives in the features' `store.rs` files and is written to run unchanged
//! on both: `$N` placeholders, explicit columns, instants bound from Rust as UTC Unix seconds.

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, TimeZone, Utc};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor};

use crate::config::DatabaseUrl;

static SQLITE_MIGRATOR: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATOR: Migrator = sqlx::migrate!("migrations/postgres");

/// Which engine the pool talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// SQLite, a file next to the process.
    Sqlite,
    /// PostgreSQL, shared by several instances.
    Postgres,
}

/// A connected, migrated database.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
}

impl Db {
    /// Connects to `url` (creating a SQLite file if needed) and applies pending migrations.
    pub async fn connect(url: &DatabaseUrl) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let (backend, raw) = if url.is_sqlite() {
            let mut u = url.expose().to_owned();
            if !u.contains("mode=") && !u.contains(":memory:") {
                u.push_str(if u.contains('?') {
                    "&mode=rwc"
                } else {
                    "?mode=rwc"
                });
            }
            (Backend::Sqlite, u)
        } else {
            (Backend::Postgres, url.expose().to_owned())
        };
        let options = AnyConnectOptions::from_str(&raw)
            .with_context(|| format!("database.url {} is not a valid URL", url.redacted()))?;
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 10 })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute("pragma journal_mode = wal").await?;
                        conn.execute("pragma busy_timeout = 5000").await?;
                        conn.execute("pragma foreign_keys = on").await?;
                        conn.execute("pragma synchronous = normal").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .with_context(|| format!("connecting to database {}", url.redacted()))?;
        let migrator = match backend {
            Backend::Sqlite => &SQLITE_MIGRATOR,
            Backend::Postgres => &POSTGRES_MIGRATOR,
        };
        migrator
            .run(&pool)
            .await
            .with_context(|| format!("migrating database {}", url.redacted()))?;
        Ok(Self { pool, backend })
    }

    /// The pool, for store functions.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The engine in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes every connection (tests, shutdown).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Stores an instant: UTC Unix seconds.
pub fn to_db_time(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

/// Reads an instant stored by [`to_db_time`].
pub fn from_db_time(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

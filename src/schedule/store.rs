//! SQL for the schedule: sessions, their speakers, and the import history.
//!
//! Portable SQL only (`$N` placeholders, explicit columns, instants as UTC Unix seconds bound
//! from Rust), so the same strings run on SQLite and PostgreSQL. A schedule is replaced in one
//! transaction: session rows are matched by their stable key, so ids (and `/sessions/{id}`
//! links) survive re-imports, and a failed import leaves the previous schedule untouched.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::db::{from_db_time, to_db_time, Db};
use crate::schedule::model::{ParsedSchedule, ParsedSession};

/// What the last import said about the conference.
#[derive(Clone, Debug)]
pub struct ConferenceInfo {
    /// Conference title.
    pub title: String,
    /// The conference zone, when the schedule named one.
    pub time_zone: Option<Tz>,
    /// When it was imported.
    pub imported_at: DateTime<Utc>,
    /// File or URL it came from.
    pub source: String,
}

/// A session as stored.
#[derive(Clone, Debug, serde::Serialize)]
pub struct StoredSession {
    /// Row id, stable across re-imports of the same session.
    pub id: i64,
    /// Stable identity key from the importer.
    pub key: String,
    /// The schedule's guid, if it had one.
    pub guid: Option<String>,
    /// Title.
    pub title: String,
    /// Subtitle.
    pub subtitle: Option<String>,
    /// Start instant.
    pub start: DateTime<Utc>,
    /// End instant.
    pub end: DateTime<Utc>,
    /// Schedule room name, as written in the schedule.
    pub room: String,
    /// Track.
    pub track: Option<String>,
    /// Event type.
    pub kind: Option<String>,
    /// Language.
    pub language: Option<String>,
    /// Abstract as given (may contain HTML; sanitise before rendering).
    pub abstract_text: Option<String>,
    /// Description as given.
    pub description: Option<String>,
    /// Link to the session's page in the source system.
    pub url: Option<String>,
    /// Speaker names, in schedule order.
    pub persons: Vec<String>,
}

/// Counts of what an import changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportCounts {
    /// Sessions new in this import.
    pub added: usize,
    /// Sessions no longer in the schedule.
    pub removed: usize,
    /// Sessions whose title, time, room, track or speakers changed.
    pub updated: usize,
    /// Sessions in the new schedule in total.
    pub total: usize,
}

const SESSION_COLUMNS: &str = "id, key, guid, title, subtitle, starts_at, ends_at, room, track, \
                               kind, language, abstract, description, url";

fn session_from_row(row: &AnyRow) -> Result<StoredSession, sqlx::Error> {
    Ok(StoredSession {
        id: row.try_get("id")?,
        key: row.try_get("key")?,
        guid: row.try_get("guid")?,
        title: row.try_get("title")?,
        subtitle: row.try_get("subtitle")?,
        start: from_db_time(row.try_get("starts_at")?),
        end: from_db_time(row.try_get("ends_at")?),
        room: row.try_get("room")?,
        track: row.try_get("track")?,
        kind: row.try_get("kind")?,
        language: row.try_get("language")?,
        abstract_text: row.try_get("abstract")?,
        description: row.try_get("description")?,
        url: row.try_get("url")?,
        persons: Vec::new(),
    })
}

async fn attach_persons(db: &Db, sessions: &mut [StoredSession]) -> Result<(), sqlx::Error> {
    let mut index: HashMap<i64, usize> = HashMap::new();
    for (i, s) in sessions.iter().enumerate() {
        index.insert(s.id, i);
    }
    for chunk in sessions
        .iter()
        .map(|s| s.id)
        .collect::<Vec<_>>()
        .chunks(500)
    {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "select session_id, position, name from session_persons \
             where session_id in ({}) order by session_id, position",
            placeholders.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        for row in q.fetch_all(db.pool()).await? {
            let sid: i64 = row.try_get("session_id")?;
            if let Some(&i) = index.get(&sid) {
                sessions[i].persons.push(row.try_get("name")?);
            }
        }
    }
    Ok(())
}

/// Sessions overlapping `[from, to)`, by start time then room.
pub async fn sessions_between(
    db: &Db,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<StoredSession>, sqlx::Error> {
    let sql = format!(
        "select {SESSION_COLUMNS} from sessions where starts_at < $1 and ends_at > $2 \
         order by starts_at, room, id"
    );
    let rows = sqlx::query(&sql)
        .bind(to_db_time(to))
        .bind(to_db_time(from))
        .fetch_all(db.pool())
        .await?;
    let mut out = rows
        .iter()
        .map(session_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    attach_persons(db, &mut out).await?;
    Ok(out)
}

/// The first session starting at or after `t`.
pub async fn next_session_after(
    db: &Db,
    t: DateTime<Utc>,
) -> Result<Option<StoredSession>, sqlx::Error> {
    let sql = format!(
        "select {SESSION_COLUMNS} from sessions where starts_at >= $1 order by starts_at, id limit 1"
    );
    let row = sqlx::query(&sql)
        .bind(to_db_time(t))
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(session_from_row).transpose()
}

/// One session by id.
pub async fn session_by_id(db: &Db, id: i64) -> Result<Option<StoredSession>, sqlx::Error> {
    let sql = format!("select {SESSION_COLUMNS} from sessions where id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(db.pool()).await?;
    match row {
        None => Ok(None),
        Some(row) => {
            let mut s = [session_from_row(&row)?];
            attach_persons(db, &mut s).await?;
            let [s] = s;
            Ok(Some(s))
        }
    }
}

/// Every session, by start time then room.
pub async fn all_sessions(db: &Db) -> Result<Vec<StoredSession>, sqlx::Error> {
    let sql = format!("select {SESSION_COLUMNS} from sessions order by starts_at, room, id");
    let rows = sqlx::query(&sql).fetch_all(db.pool()).await?;
    let mut out = rows
        .iter()
        .map(session_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    attach_persons(db, &mut out).await?;
    Ok(out)
}

/// True when a session in one of `rooms` runs at some instant of `[from, to)`.
pub async fn any_session_in_rooms_between(
    db: &Db,
    rooms: &[String],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    if rooms.is_empty() {
        return Ok(false);
    }
    let placeholders: Vec<String> = (3..3 + rooms.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "select count(*) as n from sessions where starts_at < $1 and ends_at > $2 and room in ({})",
        placeholders.join(", ")
    );
    let mut q = sqlx::query(&sql)
        .bind(to_db_time(to))
        .bind(to_db_time(from));
    for r in rooms {
        q = q.bind(r.as_str());
    }
    let n: i64 = q.fetch_one(db.pool()).await?.try_get("n")?;
    Ok(n > 0)
}

/// The latest import's conference data, if anything was imported.
pub async fn conference_info(db: &Db) -> Result<Option<ConferenceInfo>, sqlx::Error> {
    let row = sqlx::query(
        "select conference_title, time_zone, imported_at, source from schedule_imports \
         order by id desc limit 1",
    )
    .fetch_optional(db.pool())
    .await?;
    row.map(|r| {
        let tz: Option<String> = r.try_get("time_zone")?;
        Ok(ConferenceInfo {
            title: r.try_get("conference_title")?,
            time_zone: tz.and_then(|z| z.parse().ok()),
            imported_at: from_db_time(r.try_get("imported_at")?),
            source: r.try_get("source")?,
        })
    })
    .transpose()
}

fn same_content(old: &StoredSession, new: &ParsedSession) -> bool {
    old.title == new.title
        && old.start == new.start
        && old.end == new.end
        && old.room == new.room
        && old.track == new.track
        && old.subtitle == new.subtitle
        && old.abstract_text == new.abstract_text
        && old.persons == new.persons
}

/// Replaces the stored schedule with `parsed` in one transaction.
///
/// Sessions keep their row id when their key is unchanged. On any error the transaction is
/// rolled back and the previous schedule stays live.
pub async fn replace_schedule(
    db: &Db,
    parsed: &ParsedSchedule,
    source: &str,
    now: DateTime<Utc>,
) -> Result<ImportCounts, sqlx::Error> {
    let existing = all_sessions(db).await?;
    let existing: HashMap<&str, &StoredSession> =
        existing.iter().map(|s| (s.key.as_str(), s)).collect();
    let mut counts = ImportCounts {
        total: parsed.sessions.len(),
        ..Default::default()
    };
    let mut tx = db.pool().begin().await?;
    let mut seen: HashSet<&str> = HashSet::new();
    for s in &parsed.sessions {
        seen.insert(s.key.as_str());
        match existing.get(s.key.as_str()) {
            None => counts.added += 1,
            Some(old) if !same_content(old, s) => counts.updated += 1,
            Some(_) => {}
        }
        let row = sqlx::query(
            "insert into sessions (key, guid, title, subtitle, starts_at, ends_at, room, track, \
             kind, language, abstract, description, url) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
             on conflict (key) do update set guid = excluded.guid, title = excluded.title, \
             subtitle = excluded.subtitle, starts_at = excluded.starts_at, \
             ends_at = excluded.ends_at, room = excluded.room, track = excluded.track, \
             kind = excluded.kind, language = excluded.language, abstract = excluded.abstract, \
             description = excluded.description, url = excluded.url \
             returning id",
        )
        .bind(s.key.as_str())
        .bind(s.guid.as_deref())
        .bind(s.title.as_str())
        .bind(s.subtitle.as_deref())
        .bind(to_db_time(s.start))
        .bind(to_db_time(s.end))
        .bind(s.room.as_str())
        .bind(s.track.as_deref())
        .bind(s.kind.as_deref())
        .bind(s.language.as_deref())
        .bind(s.abstract_text.as_deref())
        .bind(s.description.as_deref())
        .bind(s.url.as_deref())
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = row.try_get("id")?;
        sqlx::query("delete from session_persons where session_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        for (pos, name) in s.persons.iter().enumerate() {
            sqlx::query(
                "insert into session_persons (session_id, position, name) values ($1, $2, $3)",
            )
            .bind(id)
            .bind(pos as i64)
            .bind(name.as_str())
            .execute(&mut *tx)
            .await?;
        }
    }
    for (key, old) in &existing {
        if !seen.contains(key) {
            counts.removed += 1;
            sqlx::query("delete from session_persons where session_id = $1")
                .bind(old.id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("delete from sessions where id = $1")
                .bind(old.id)
                .execute(&mut *tx)
                .await?;
        }
    }
    sqlx::query(
        "insert into schedule_imports (imported_at, source, conference_title, time_zone, \
         session_count, added, removed, updated) values ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(to_db_time(now))
    .bind(source)
    .bind(parsed.conference.title.as_str())
    .bind(parsed.conference.time_zone.map(|z| z.name().to_owned()))
    .bind(counts.total as i64)
    .bind(counts.added as i64)
    .bind(counts.removed as i64)
    .bind(counts.updated as i64)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(counts)
}

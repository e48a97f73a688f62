//! SQL for the schedule: sessions, their speakers, and the import history.
//!
//! Portable SQL only (`$N` placeholders, explicit columns, instants as UTC Unix seconds bound
//! from Rust), so the same strings run on SQLite and PostgreSQL. A schedule is replaced in one
//! transaction: session rows are matched by their stable key, so ids (and `/sessions/{id}`
//! links) survive re-imports, and a failed import leaves the previous schedule untouched.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use hallway_schedule::model::{ParsedSchedule, ParsedSession};
use sqlx::any::AnyRow;
use sqlx::AnyConnection;
use sqlx::Row;

use crate::db::{from_db_time, to_db_time, Db};
use crate::schedule::diff::{diff, ScheduleDiff};
use crate::schedule::stored::StoredSession;

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
    /// Conference acronym, if the schedule had one.
    pub acronym: Option<String>,
    /// Format name of the import.
    pub format: Option<String>,
    /// Sessions imported.
    pub session_count: i64,
    /// Sessions added by that import.
    pub added: i64,
    /// Sessions removed by that import.
    pub removed: i64,
    /// Sessions changed by that import.
    pub updated: i64,
}

/// Rows per multi-row statement.
const CHUNK: usize = 100;

/// `($1, $2), ($3, $4)` for `rows` rows of `width` values starting at `$first`; for
/// `width == 1`, a plain list `$1, $2, …` (for `in (...)`).
fn placeholders(first: usize, rows: usize, width: usize) -> String {
    let mut out = String::new();
    for r in 0..rows {
        if r > 0 {
            out.push_str(", ");
        }
        let cols: Vec<String> = (0..width)
            .map(|c| format!("${}", first + r * width + c))
            .collect();
        if width == 1 {
            out.push_str(&cols[0]);
        } else {
            out.push('(');
            out.push_str(&cols.join(", "));
            out.push(')');
        }
    }
    out
}

/// Binds a list of ids in order.
trait BindAll<'q> {
    fn bind_all_i64(self, values: &[i64]) -> Self;
}

impl<'q> BindAll<'q> for sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    fn bind_all_i64(mut self, values: &[i64]) -> Self {
        for v in values {
            self = self.bind(*v);
        }
        self
    }
}

const SESSION_COLUMNS: &str = "id, key, guid, title, subtitle, starts_at, ends_at, room, track, \
                               kind, language, abstract, description, url, day, do_not_record";

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
        day: row.try_get("day")?,
        do_not_record: row.try_get::<i64, _>("do_not_record")? != 0,
    })
}

async fn attach_persons(
    conn: &mut AnyConnection,
    sessions: &mut [StoredSession],
) -> Result<(), sqlx::Error> {
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
        let sql = format!(
            "select session_id, position, name from session_persons \
             where session_id in ({}) order by session_id, position",
            placeholders(1, chunk.len(), 1)
        );
        let q = sqlx::query(&sql).bind_all_i64(chunk);
        for row in q.fetch_all(&mut *conn).await? {
            let sid: i64 = row.try_get("session_id")?;
            if let Some(&i) = index.get(&sid) {
                sessions[i].persons.push(row.try_get("name")?);
            }
        }
    }
    Ok(())
}

async fn decode_with_persons(
    conn: &mut AnyConnection,
    rows: &[AnyRow],
) -> Result<Vec<StoredSession>, sqlx::Error> {
    let mut out = rows
        .iter()
        .map(session_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    attach_persons(conn, &mut out).await?;
    Ok(out)
}

/// Every session, read on `conn` (inside an import's transaction).
async fn all_sessions_on(conn: &mut AnyConnection) -> Result<Vec<StoredSession>, sqlx::Error> {
    let sql = format!("select {SESSION_COLUMNS} from sessions order by starts_at, room, id");
    let rows = sqlx::query(&sql).fetch_all(&mut *conn).await?;
    decode_with_persons(conn, &rows).await
}

/// Every session, by start time then room.
pub async fn all_sessions(db: &Db) -> Result<Vec<StoredSession>, sqlx::Error> {
    let mut conn = db.pool().acquire().await?;
    all_sessions_on(&mut conn).await
}

/// The latest import's conference data, if anything was imported.
pub async fn conference_info(db: &Db) -> Result<Option<ConferenceInfo>, sqlx::Error> {
    let row = sqlx::query(
        "select conference_title, time_zone, imported_at, source, acronym, format, \
         session_count, added, removed, updated from schedule_imports order by id desc limit 1",
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
            acronym: r.try_get("acronym")?,
            format: r.try_get("format")?,
            session_count: r.try_get("session_count")?,
            added: r.try_get("added")?,
            removed: r.try_get("removed")?,
            updated: r.try_get("updated")?,
        })
    })
    .transpose()
}

fn same_content(old: &StoredSession, new: &ParsedSession) -> bool {
    old.title == new.title
        && old.guid == new.guid
        && old.start == new.start
        && old.end == new.end
        && old.room == new.room
        && old.track == new.track
        && old.subtitle == new.subtitle
        && old.kind == new.kind
        && old.language == new.language
        && old.abstract_text == new.abstract_text
        && old.description == new.description
        && old.url == new.url
        && old.persons == new.persons
        && old.day == new.day.map(|d| d.to_string())
        && old.do_not_record == new.do_not_record
}

/// Where an import came from, for the import history.
#[derive(Clone, Copy, Debug)]
pub struct ImportSource<'a> {
    /// File name or URL.
    pub name: &'a str,
    /// Format name ("frab XML", …).
    pub format: &'a str,
}

/// The stored sessions and what replacing them with `parsed` would change.
pub async fn preview(db: &Db, parsed: &ParsedSchedule) -> Result<ScheduleDiff, sqlx::Error> {
    let existing = all_sessions(db).await?;
    Ok(diff(&existing, &parsed.sessions))
}

/// Replaces the stored schedule with `parsed` in one transaction.
///
/// Sessions keep their row id when their key is unchanged; unchanged sessions are not
/// rewritten. Imports are serialised by updating the `schedule_lock` row first, and the stored
/// schedule is read inside the transaction, so concurrent imports each see the previous one's
/// result. On any error the transaction is rolled back and the previous schedule stays live.
pub async fn replace_schedule(
    db: &Db,
    parsed: &ParsedSchedule,
    source: ImportSource<'_>,
    now: DateTime<Utc>,
) -> Result<ScheduleDiff, sqlx::Error> {
    let mut tx = db.pool().begin().await?;
    sqlx::query("update schedule_lock set generation = generation + 1 where id = 1")
        .execute(&mut *tx)
        .await?;
    let existing = all_sessions_on(&mut tx).await?;
    let changes = diff(&existing, &parsed.sessions);
    let existing: HashMap<&str, &StoredSession> =
        existing.iter().map(|s| (s.key.as_str(), s)).collect();
    let mut seen: HashSet<&str> = HashSet::new();
    let mut to_write: Vec<&ParsedSession> = Vec::new();
    let mut rewritten_ids: Vec<i64> = Vec::new();
    for s in &parsed.sessions {
        seen.insert(s.key.as_str());
        match existing.get(s.key.as_str()) {
            Some(old) if same_content(old, s) => {}
            Some(old) => {
                rewritten_ids.push(old.id);
                to_write.push(s);
            }
            None => to_write.push(s),
        }
    }
    let removed_ids: Vec<i64> = existing
        .iter()
        .filter(|(key, _)| !seen.contains(*key))
        .map(|(_, old)| old.id)
        .collect();

    // Speakers of changed and removed sessions are rewritten or dropped.
    for chunk in rewritten_ids.chunks(CHUNK).chain(removed_ids.chunks(CHUNK)) {
        sqlx::query(&format!(
            "delete from session_persons where session_id in ({})",
            placeholders(1, chunk.len(), 1)
        ))
        .bind_all_i64(chunk)
        .execute(&mut *tx)
        .await?;
    }
    for chunk in removed_ids.chunks(CHUNK) {
        sqlx::query(&format!(
            "delete from sessions where id in ({})",
            placeholders(1, chunk.len(), 1)
        ))
        .bind_all_i64(chunk)
        .execute(&mut *tx)
        .await?;
    }
    // Sessions: multi-row upserts, 15 values each (well below both engines' bind limits).
    let mut ids: HashMap<String, i64> = HashMap::new();
    for chunk in to_write.chunks(CHUNK) {
        let sql = format!(
            "insert into sessions (key, guid, title, subtitle, starts_at, ends_at, room, track, \
             kind, language, abstract, description, url, day, do_not_record) values {} \
             on conflict (key) do update set guid = excluded.guid, title = excluded.title, \
             subtitle = excluded.subtitle, starts_at = excluded.starts_at, \
             ends_at = excluded.ends_at, room = excluded.room, track = excluded.track, \
             kind = excluded.kind, language = excluded.language, abstract = excluded.abstract, \
             description = excluded.description, url = excluded.url, day = excluded.day, \
             do_not_record = excluded.do_not_record \
             returning id, key",
            placeholders(1, chunk.len(), 15)
        );
        let mut q = sqlx::query(&sql);
        for s in chunk {
            q = q
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
                .bind(s.day.map(|d| d.to_string()))
                .bind(i64::from(s.do_not_record));
        }
        for row in q.fetch_all(&mut *tx).await? {
            ids.insert(row.try_get("key")?, row.try_get("id")?);
        }
    }
    // Speakers: multi-row inserts.
    let persons: Vec<(i64, i64, &str)> = to_write
        .iter()
        .filter_map(|s| ids.get(&s.key).map(|id| (*id, s)))
        .flat_map(|(id, s)| {
            s.persons
                .iter()
                .enumerate()
                .map(move |(pos, name)| (id, pos as i64, name.as_str()))
        })
        .collect();
    for chunk in persons.chunks(CHUNK * 2) {
        let sql = format!(
            "insert into session_persons (session_id, position, name) values {}",
            placeholders(1, chunk.len(), 3)
        );
        let mut q = sqlx::query(&sql);
        for (id, pos, name) in chunk {
            q = q.bind(*id).bind(*pos).bind(*name);
        }
        q.execute(&mut *tx).await?;
    }
    sqlx::query(
        "insert into schedule_imports (imported_at, source, conference_title, time_zone, \
         session_count, added, removed, updated, acronym, format) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(to_db_time(now))
    .bind(source.name)
    .bind(parsed.conference.title.as_str())
    .bind(parsed.conference.time_zone.map(|z| z.name().to_owned()))
    .bind(parsed.sessions.len() as i64)
    .bind(changes.added.len() as i64)
    .bind(changes.removed.len() as i64)
    .bind(changes.changed_sessions() as i64)
    .bind(parsed.conference.acronym.as_deref())
    .bind(source.format)
    .execute(&mut *tx)
    .await?;
    crate::sync::store::bump(&mut tx, crate::sync::Topic::Schedule).await?;
    tx.commit().await?;
    Ok(changes)
}

/// Distinct schedule room names with their session counts, in first-use order.
pub async fn schedule_rooms(db: &Db) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let rows = sqlx::query(
        "select room, count(*) as n, min(starts_at) as first from sessions group by room \
         order by first, room",
    )
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("room")?, r.try_get("n")?)))
        .collect()
}

/// The state of periodic pulls of one schedule URL.
#[derive(Clone, Debug)]
pub struct PullState {
    /// The URL.
    pub url: String,
    /// ETag of the last successfully imported response.
    pub etag: Option<String>,
    /// Last-Modified of the last successfully imported response.
    pub last_modified: Option<String>,
    /// When it was last checked.
    pub checked_at: DateTime<Utc>,
    /// Whether the last check succeeded (imported or not modified).
    pub ok: bool,
    /// What the last check found.
    pub message: String,
    /// When a pull last changed the schedule.
    pub changed_at: Option<DateTime<Utc>>,
}

/// The pull state of `url`, if it was ever pulled.
pub async fn pull_state(db: &Db, url: &str) -> Result<Option<PullState>, sqlx::Error> {
    let row = sqlx::query(
        "select url, etag, last_modified, checked_at, ok, message, changed_at \
         from schedule_pulls where url = $1",
    )
    .bind(url)
    .fetch_optional(db.pool())
    .await?;
    row.map(|r| {
        let changed: Option<i64> = r.try_get("changed_at")?;
        let ok: i64 = r.try_get("ok")?;
        Ok(PullState {
            url: r.try_get("url")?,
            etag: r.try_get("etag")?,
            last_modified: r.try_get("last_modified")?,
            checked_at: from_db_time(r.try_get("checked_at")?),
            ok: ok != 0,
            message: r.try_get("message")?,
            changed_at: changed.map(from_db_time),
        })
    })
    .transpose()
}

/// Records the outcome of a pull.
pub async fn record_pull(db: &Db, p: &PullState) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into schedule_pulls (url, etag, last_modified, checked_at, ok, message, changed_at) \
         values ($1, $2, $3, $4, $5, $6, $7) \
         on conflict (url) do update set etag = excluded.etag, \
         last_modified = excluded.last_modified, checked_at = excluded.checked_at, \
         ok = excluded.ok, message = excluded.message, changed_at = excluded.changed_at",
    )
    .bind(p.url.as_str())
    .bind(p.etag.as_deref())
    .bind(p.last_modified.as_deref())
    .bind(to_db_time(p.checked_at))
    .bind(i64::from(p.ok))
    .bind(p.message.as_str())
    .bind(p.changed_at.map(to_db_time))
    .execute(db.pool())
    .await?;
    Ok(())
}

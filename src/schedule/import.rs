//! Importing a schedule: read (size-limited), parse (pure), compare, then replace the stored
//! schedule in one transaction.
//!
//! Parsing happens completely before the database is touched, so a bad file can never leave
//! a half-imported schedule behind: it is reported with its position and the previous schedule
//! stays live. A dry run stops after the comparison. The same path serves the CLI, the admin
//! upload page and the periodic URL pull.

use std::path::Path;

use chrono::{DateTime, Duration, DurationRound, Utc};
use chrono_tz::Tz;
use hallway_schedule::model::{ParsedSchedule, Warning};
use hallway_schedule::parse_schedule as parse_schedule_bytes;
use hallway_schedule::{ParseError, ParseOptions};
use url::Url;

use crate::db::Db;
use crate::rooms::RoomDirectory;
use crate::schedule::diff::{change_lines, ScheduleDiff};
use crate::schedule::store::{self, ImportSource};

/// Why an import was refused. Nothing was changed in every case.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file or URL could not be read.
    #[error("cannot read {source_name}: {cause}")]
    Read {
        /// File name or URL.
        source_name: String,
        /// What went wrong.
        cause: String,
    },
    /// The input is larger than allowed.
    #[error(
        "{source_name}: file: input is more than the limit of {limit} bytes (schedule.max_bytes)"
    )]
    TooLarge {
        /// File name or URL.
        source_name: String,
        /// The limit.
        limit: usize,
    },
    /// The file is not a schedule we accept; carries the position.
    #[error("{source_name}: {error}")]
    Parse {
        /// File name or URL.
        source_name: String,
        /// What and where.
        error: ParseError,
    },
    /// Storing failed.
    #[error("storing the schedule failed: {0:#}")]
    Store(anyhow::Error),
}

/// What an import did (or, for a dry run, would do).
#[derive(Debug)]
pub struct ImportReport {
    /// Where it came from.
    pub source_name: String,
    /// Detected format.
    pub format: &'static str,
    /// Conference title from the file.
    pub title: String,
    /// Conference zone used.
    pub time_zone: Option<Tz>,
    /// Sessions in the new schedule.
    pub total: usize,
    /// Changes against the stored schedule.
    pub diff: ScheduleDiff,
    /// Accepted oddities, with positions (including unmapped rooms).
    pub warnings: Vec<Warning>,
    /// Schedule rooms with no hallway room, with their session counts.
    pub unmapped_rooms: Vec<(String, usize)>,
    /// True when nothing was stored.
    pub dry_run: bool,
}

/// Options of an import.
#[derive(Clone, Debug)]
pub struct ImportOptions {
    /// Zone for files that give local times without naming a zone.
    pub fallback_time_zone: Option<Tz>,
    /// Size limit in bytes.
    pub max_bytes: usize,
    /// Compare only; store nothing.
    pub dry_run: bool,
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self {
            fallback_time_zone: None,
            max_bytes: ParseOptions::default().max_bytes,
            dry_run: false,
        }
    }
}

/// Parses a schedule without storing it; returns it with its format name.
pub fn parse_schedule(
    bytes: &[u8],
    source_name: &str,
    opts: &ImportOptions,
) -> Result<(ParsedSchedule, &'static str), ImportError> {
    if bytes.len() > opts.max_bytes {
        return Err(ImportError::TooLarge {
            source_name: source_name.to_owned(),
            limit: opts.max_bytes,
        });
    }
    let parse_opts = ParseOptions {
        fallback_time_zone: opts.fallback_time_zone,
        max_bytes: opts.max_bytes,
        ..ParseOptions::default()
    };
    parse_schedule_bytes(bytes, &parse_opts)
        .map(|p| {
            let format = p.format.name();
            (p, format)
        })
        .map_err(|error| ImportError::Parse {
            source_name: source_name.to_owned(),
            error,
        })
}

/// Reads a file, refusing to read past `max_bytes`.
pub async fn read_file_limited(path: &Path, max_bytes: usize) -> Result<Vec<u8>, ImportError> {
    use tokio::io::AsyncReadExt;
    let source_name = path.display().to_string();
    let read_err = |e: std::io::Error| ImportError::Read {
        source_name: source_name.clone(),
        cause: e.to_string(),
    };
    let file = tokio::fs::File::open(path).await.map_err(read_err)?;
    let mut buf = Vec::new();
    file.take(max_bytes as u64 + 1)
        .read_to_end(&mut buf)
        .await
        .map_err(read_err)?;
    if buf.len() > max_bytes {
        return Err(ImportError::TooLarge {
            source_name,
            limit: max_bytes,
        });
    }
    Ok(buf)
}

/// Reads an HTTP response body, refusing to read past `max_bytes`.
pub async fn read_body_limited(
    resp: reqwest::Response,
    source_name: &str,
    max_bytes: usize,
) -> Result<Vec<u8>, ImportError> {
    let too_large = || ImportError::TooLarge {
        source_name: source_name.to_owned(),
        limit: max_bytes,
    };
    if resp.content_length().is_some_and(|n| n > max_bytes as u64) {
        return Err(too_large());
    }
    let mut buf = Vec::new();
    let mut resp = resp;
    while let Some(chunk) = resp.chunk().await.map_err(|e| ImportError::Read {
        source_name: source_name.to_owned(),
        cause: crate::telemetry::error_chain(&e.without_url()),
    })? {
        if buf.len() + chunk.len() > max_bytes {
            return Err(too_large());
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}

/// Fetches a schedule URL (no conditional headers).
pub async fn fetch_url(url: &Url, max_bytes: usize) -> Result<Vec<u8>, ImportError> {
    let source_name = crate::config::redact_url(url.as_str());
    let client = http_client().map_err(|e| ImportError::Read {
        source_name: source_name.clone(),
        cause: e.to_string(),
    })?;
    let resp = client
        .get(url.clone())
        .send()
        .await
        .map_err(|e| ImportError::Read {
            source_name: source_name.clone(),
            cause: crate::telemetry::error_chain(&e.without_url()),
        })?;
    if !resp.status().is_success() {
        return Err(ImportError::Read {
            source_name,
            cause: format!("the server answered HTTP {}", resp.status()),
        });
    }
    read_body_limited(resp, &source_name, max_bytes).await
}

/// The HTTP client for schedule downloads: bounded in time, following a few redirects.
pub fn http_client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(10))
        .timeout(std::time::Duration::from_secs(60))
        .redirect(reqwest::redirect::Policy::limited(5))
        .user_agent(concat!("hallway/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Reads `source` (a file path or an http(s) URL), parses it and stores it (unless a dry run).
pub async fn import_source(
    db: &Db,
    source: &str,
    opts: &ImportOptions,
    rooms: Option<&RoomDirectory>,
) -> Result<ImportReport, ImportError> {
    let (bytes, shown) = match Url::parse(source) {
        Ok(url) if url.scheme() == "http" || url.scheme() == "https" => (
            fetch_url(&url, opts.max_bytes).await?,
            crate::config::redact_url(source),
        ),
        _ => (
            read_file_limited(Path::new(source), opts.max_bytes).await?,
            source.to_owned(),
        ),
    };
    import_bytes(db, &bytes, &shown, opts, rooms).await
}

/// Reads, parses and stores the schedule file at `path`.
pub async fn import_file(
    db: &Db,
    path: &Path,
    opts: &ImportOptions,
) -> Result<ImportReport, ImportError> {
    let bytes = read_file_limited(path, opts.max_bytes).await?;
    import_bytes(db, &bytes, &path.display().to_string(), opts, None).await
}

/// Parses and stores (unless a dry run) schedule bytes.
pub async fn import_bytes(
    db: &Db,
    bytes: &[u8],
    source_name: &str,
    opts: &ImportOptions,
    rooms: Option<&RoomDirectory>,
) -> Result<ImportReport, ImportError> {
    let (parsed, format) = parse_schedule(bytes, source_name, opts)?;
    store_parsed(db, parsed, format, source_name, opts.dry_run, rooms).await
}

/// The report as plain text, for the command line and logs.
pub fn report_text(r: &ImportReport) -> String {
    use std::fmt::Write;
    const MAX: usize = 50;
    let mut out = String::new();
    let verb = if r.dry_run {
        "would import"
    } else {
        "imported"
    };
    let _ = writeln!(
        out,
        "{verb} {} sessions of \"{}\" ({}, {}) from {}",
        r.total,
        r.title,
        r.format,
        r.time_zone.map(|z| z.name()).unwrap_or("zone not named"),
        r.source_name
    );
    let _ = writeln!(out, "changes: {}", r.diff.summary());
    let lines: Vec<String> = change_lines(&r.diff, |t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .into_iter()
        .map(|(kind, text)| format!("{kind}: {text}"))
        .collect();
    let more = lines.len().saturating_sub(MAX);
    for l in lines.into_iter().take(MAX) {
        let _ = writeln!(out, "  {l}");
    }
    if more > 0 {
        let _ = writeln!(out, "  … and {more} more changes");
    }
    for w in &r.warnings {
        let _ = writeln!(out, "warning: {}: {}", w.position, w.message);
    }
    if r.dry_run {
        let _ = writeln!(out, "dry run: nothing was stored");
    }
    out
}

/// Schedule rooms of `parsed` that no hallway room hosts, with session counts.
pub fn unmapped_rooms(parsed: &ParsedSchedule, rooms: &RoomDirectory) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = Vec::new();
    for s in &parsed.sessions {
        if rooms.for_schedule_room(&s.room).is_some() {
            continue;
        }
        match out.iter_mut().find(|(name, _)| *name == s.room) {
            Some((_, n)) => *n += 1,
            None => out.push((s.room.clone(), 1)),
        }
    }
    out
}

/// Compares and (unless `dry_run`) stores an already parsed schedule.
pub async fn store_parsed(
    db: &Db,
    parsed: ParsedSchedule,
    format: &'static str,
    source_name: &str,
    dry_run: bool,
    rooms: Option<&RoomDirectory>,
) -> Result<ImportReport, ImportError> {
    let unmapped = rooms
        .map(|r| unmapped_rooms(&parsed, r))
        .unwrap_or_default();
    let store_err = |e: sqlx::Error| ImportError::Store(anyhow::Error::new(e));
    let diff = if dry_run {
        store::preview(db, &parsed).await.map_err(store_err)?
    } else {
        store::replace_schedule(
            db,
            &parsed,
            ImportSource {
                name: source_name,
                format,
            },
            Utc::now(),
        )
        .await
        .map_err(store_err)?
    };
    let mut warnings = parsed.warnings;
    for (room, n) in &unmapped {
        warnings.push(Warning {
            position: hallway_schedule::model::Position::Whole,
            message: format!(
                "schedule room '{room}' ({n} sessions) is not mapped to a hallway room: its \
                 sessions get no Join button (add it to a room's schedule_rooms)"
            ),
        });
    }
    Ok(ImportReport {
        source_name: source_name.to_owned(),
        format,
        title: parsed.conference.title,
        time_zone: parsed.conference.time_zone,
        total: parsed.sessions.len(),
        diff,
        warnings,
        unmapped_rooms: unmapped,
        dry_run,
    })
}

/// Moves every session by the same amount so that the schedule's first session began about
/// 20 minutes before `now` (on a 15-minute grid). The demo uses this to have sessions running.
pub fn shift_to_now(parsed: &mut ParsedSchedule, now: DateTime<Utc>) {
    let Some(first) = parsed.sessions.iter().map(|s| s.start).min() else {
        return;
    };
    let target = (now - Duration::minutes(20))
        .duration_trunc(Duration::minutes(15))
        .unwrap_or(now);
    let delta = target - first;
    for s in &mut parsed.sessions {
        let days = ((s.start + delta).date_naive() - s.start.date_naive()).num_days();
        s.start += delta;
        s.end += delta;
        if let Some(day) = s.day.as_mut() {
            *day += Duration::days(days);
        }
    }
}

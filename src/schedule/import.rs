//! Importing a schedule: read, parse (pure), then replace the stored schedule in one transaction.
//!
//! Parsing happens completely before the database is touched, so a bad file can never leave
//! a half-imported schedule behind: it is reported with its position and the previous schedule
//! stays live.

use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, Duration, DurationRound, Utc};
use chrono_tz::Tz;

use crate::db::Db;
use crate::schedule::model::{ParsedSchedule, Warning};
use crate::schedule::parse::{parse_frab_xml, ParseError, ParseOptions};
use crate::schedule::store::{self, ImportCounts};

/// Why an import was refused.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be read.
    #[error("cannot read {source_name}: {cause}")]
    Read {
        /// File name.
        source_name: String,
        /// OS error.
        cause: std::io::Error,
    },
    /// The file is not a schedule we accept; carries the position.
    #[error("{source_name}: {error}")]
    Parse {
        /// File name.
        source_name: String,
        /// What and where.
        error: ParseError,
    },
    /// Storing failed; nothing was changed.
    #[error("storing the schedule failed, the previous schedule is unchanged: {0:#}")]
    Store(anyhow::Error),
}

/// What an import did.
#[derive(Debug)]
pub struct ImportReport {
    /// Conference title from the file.
    pub title: String,
    /// Conference zone used.
    pub time_zone: Option<Tz>,
    /// Counts of changes.
    pub counts: ImportCounts,
    /// Accepted oddities, with positions.
    pub warnings: Vec<Warning>,
}

/// Options of an import.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// Zone for files that give local times without naming a zone.
    pub fallback_time_zone: Option<Tz>,
}

/// Parses a schedule without storing it.
pub fn parse_schedule(
    bytes: &[u8],
    source_name: &str,
    opts: &ImportOptions,
) -> Result<ParsedSchedule, ImportError> {
    let parse_opts = ParseOptions {
        fallback_time_zone: opts.fallback_time_zone,
        ..ParseOptions::default()
    };
    parse_frab_xml(bytes, &parse_opts).map_err(|error| ImportError::Parse {
        source_name: source_name.to_owned(),
        error,
    })
}

/// Reads, parses and stores the schedule file at `path`.
pub async fn import_file(
    db: &Db,
    path: &Path,
    opts: &ImportOptions,
) -> Result<ImportReport, ImportError> {
    let source_name = path.display().to_string();
    let bytes = tokio::fs::read(path)
        .await
        .map_err(|cause| ImportError::Read {
            source_name: source_name.clone(),
            cause,
        })?;
    let parsed = parse_schedule(&bytes, &source_name, opts)?;
    store_parsed(db, parsed, &source_name).await
}

/// Stores an already parsed schedule.
pub async fn store_parsed(
    db: &Db,
    parsed: ParsedSchedule,
    source_name: &str,
) -> Result<ImportReport, ImportError> {
    let counts = store::replace_schedule(db, &parsed, source_name, Utc::now())
        .await
        .context("replacing the schedule")
        .map_err(ImportError::Store)?;
    Ok(ImportReport {
        title: parsed.conference.title,
        time_zone: parsed.conference.time_zone,
        counts,
        warnings: parsed.warnings,
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
        s.start += delta;
        s.end += delta;
        if let Some(day) = s.day.as_mut() {
            *day += Duration::days(delta.num_days());
        }
    }
}

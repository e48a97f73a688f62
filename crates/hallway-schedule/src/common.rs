//! Helpers shared by the schedule parsers, so each rule exists once: the input guard
//! ([`checked_utf8`]), byte offsets as line and column, identity keys, time zone inference from
//! UTC offsets, local-time resolution and small text utilities.
//!
//! # Key rule (all formats)
//! Each parser gives every session a *primary* identity (frab/pretalx
//! `guid`, iCalendar `UID`, Indico `indico:contribution:<id>`) and a
//! *composite* fallback (documented per format). [`assign_keys`] then:
//! 1. uses the primary identity when it is non-empty and used by exactly one
//!    session in the file;
//! 2. otherwise uses the composite; if two sessions share a composite, both
//!    get `/<h>` appended, `<h>` being the first 16 hex digits of SHA-256 over
//!    `room ␟ title` (`␟` = U+001F);
//! 3. if keys still collide, the file is rejected (the same slot twice).

use std::collections::HashMap;

use chrono::{DateTime, Datelike, LocalResult, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use sha2::{Digest, Sha256};

use crate::error::ParseError;
use crate::model::{ParsedSession, Position, Warning};
use crate::options::ParseOptions;

/// Longest accepted event duration, in days.
pub(crate) const MAX_EVENT_DAYS: i64 = 7;
/// Accepted range of years for event instants.
pub(crate) const YEARS: std::ops::RangeInclusive<i32> = 1990..=2200;

/// Builds a [`ParseError`].
pub(crate) fn error(position: Position, message: impl Into<String>) -> ParseError {
    ParseError {
        position,
        message: message.into(),
    }
}

/// The guard every parser runs first: the input may be at most [`ParseOptions::max_bytes`]
/// long and must be UTF-8 (the error points at the first bad byte). Returns the text as it is,
/// byte order mark included.
pub(crate) fn checked_utf8<'a>(
    input: &'a [u8],
    opts: &ParseOptions,
) -> Result<&'a str, ParseError> {
    if input.len() > opts.max_bytes {
        return Err(error(
            Position::Whole,
            format!(
                "input is {} bytes, more than the limit of {} bytes",
                input.len(),
                opts.max_bytes
            ),
        ));
    }
    std::str::from_utf8(input).map_err(|e| {
        error(
            line_column(input, e.valid_up_to()),
            "input is not valid UTF-8",
        )
    })
}

/// 1-based line and character column of a byte offset.
pub(crate) fn line_column(bytes: &[u8], offset: usize) -> Position {
    let offset = offset.min(bytes.len());
    let before = &bytes[..offset];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |p| p + 1);
    let column = before[line_start..]
        .iter()
        .filter(|b| (**b & 0xC0) != 0x80)
        .count()
        + 1;
    Position::LineColumn {
        line: u32::try_from(line).unwrap_or(u32::MAX),
        column: u32::try_from(column).unwrap_or(u32::MAX),
    }
}

/// Identity candidates for one session (see the module docs).
pub(crate) struct KeyParts {
    /// Used when unique in the file (guid, UID, Indico contribution id).
    pub primary: Option<String>,
    /// Used otherwise.
    pub composite: String,
    /// Name of the primary identity in messages ("guid", "UID", ...).
    pub primary_name: &'static str,
}

/// Assigns `session.key` by the rule in the module docs. `positions[i]` is
/// where session `i` is written. Duplicate primaries become warnings.
pub(crate) fn assign_keys(
    sessions: &mut [ParsedSession],
    parts: Vec<KeyParts>,
    positions: &[Position],
    warnings: &mut Vec<Warning>,
) -> Result<(), ParseError> {
    let mut primary_count: HashMap<&str, (usize, usize)> = HashMap::new();
    for (i, p) in parts.iter().enumerate() {
        if let Some(g) = p.primary.as_deref().filter(|g| !g.is_empty()) {
            primary_count.entry(g).or_insert((0, i)).0 += 1;
        }
    }
    let mut chosen: Vec<(bool, String)> = Vec::with_capacity(parts.len());
    for (i, p) in parts.iter().enumerate() {
        match p.primary.as_deref().filter(|g| !g.is_empty()) {
            Some(g) => match primary_count.get(g) {
                Some((1, _)) => chosen.push((true, g.to_owned())),
                Some((_, first)) => {
                    if *first != i {
                        warnings.push(Warning {
                            position: pos(positions, i),
                            message: format!(
                                "'{}': {} '{g}' is also used by the entry {}; both are keyed by a composite key instead",
                                sessions[i].title,
                                p.primary_name,
                                pos(positions, *first)
                            ),
                        });
                    }
                    chosen.push((false, p.composite.clone()));
                }
                None => chosen.push((false, p.composite.clone())),
            },
            None => chosen.push((false, p.composite.clone())),
        }
    }
    let mut composite_count: HashMap<String, usize> = HashMap::new();
    for (primary, k) in &chosen {
        if !primary {
            *composite_count.entry(k.clone()).or_insert(0) += 1;
        }
    }
    let keys: Vec<String> = chosen
        .into_iter()
        .zip(sessions.iter())
        .map(|((primary, k), s)| {
            if !primary && composite_count.get(&k).copied().unwrap_or(0) > 1 {
                format!("{k}/{}", short_hash(&[&s.room, &s.title]))
            } else {
                k
            }
        })
        .collect();
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(keys.len());
    for (i, k) in keys.iter().enumerate() {
        if let Some(&first) = seen.get(k.as_str()) {
            return Err(error(
                pos(positions, i),
                format!(
                    "'{}' duplicates the entry {} (same identity, start, room and title); cannot give it a distinct key",
                    sessions[i].title,
                    pos(positions, first)
                ),
            ));
        }
        seen.insert(k, i);
    }
    drop(seen);
    for (s, k) in sessions.iter_mut().zip(keys) {
        s.key = k;
    }
    Ok(())
}

fn pos(positions: &[Position], i: usize) -> Position {
    positions.get(i).cloned().unwrap_or(Position::Whole)
}

/// `YYYY-MM-DDTHH:MM:SSZ`.
pub(crate) fn utc_stamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// First 16 hex digits of SHA-256 over the parts joined by U+001F.
pub(crate) fn short_hash(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            h.update([0x1f]);
        }
        h.update(p.as_bytes());
    }
    hex::encode(&h.finalize()[..8])
}

/// Checks that start and end lie within [`YEARS`]; `what` names the value.
pub(crate) fn check_years(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    position: &Position,
    what: &str,
) -> Result<(), ParseError> {
    if !YEARS.contains(&start.year()) || !YEARS.contains(&end.year()) {
        return Err(error(
            position.clone(),
            format!(
                "{what} is outside the years {}–{}",
                YEARS.start(),
                YEARS.end()
            ),
        ));
    }
    Ok(())
}

/// Checks `0 <= end - start <= MAX_EVENT_DAYS`.
pub(crate) fn check_length(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    position: &Position,
    label: &str,
) -> Result<(), ParseError> {
    let len = end - start;
    if len < chrono::Duration::zero() {
        return Err(error(
            position.clone(),
            format!(
                "{label}: ends before it starts ({} < {})",
                utc_stamp(end),
                utc_stamp(start)
            ),
        ));
    }
    if len > chrono::Duration::days(MAX_EVENT_DAYS) {
        return Err(error(
            position.clone(),
            format!(
                "{label}: lasts {} hours, longer than {MAX_EVENT_DAYS} days",
                len.num_hours()
            ),
        ));
    }
    Ok(())
}

/// Resolves a local time in `tz`: DST gaps are errors, repeated times take
/// the earlier instant with a warning.
pub(crate) fn resolve_local(
    tz: Tz,
    local: NaiveDateTime,
    position: &Position,
    label: &str,
    warnings: &mut Vec<Warning>,
) -> Result<DateTime<Utc>, ParseError> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, b) => {
            let earlier = a.min(b).with_timezone(&Utc);
            warnings.push(Warning {
                position: position.clone(),
                message: format!(
                    "{label}: local time {} occurs twice in {tz} (DST change); using the earlier one, {}",
                    local.format("%Y-%m-%d %H:%M"),
                    utc_stamp(earlier)
                ),
            });
            Ok(earlier)
        }
        LocalResult::None => Err(error(
            position.clone(),
            format!(
                "{label}: local time {} does not exist in {tz} (skipped by a DST change)",
                local.format("%Y-%m-%d %H:%M")
            ),
        )),
    }
}

/// Zones tried first when inferring a zone from offsets (common conference
/// locations); the rest of the tz database is tried afterwards.
const PREFERRED: &[Tz] = &[
    chrono_tz::Europe::Berlin,
    chrono_tz::Europe::London,
    chrono_tz::Europe::Helsinki,
    chrono_tz::Europe::Lisbon,
    chrono_tz::America::New_York,
    chrono_tz::America::Chicago,
    chrono_tz::America::Denver,
    chrono_tz::America::Los_Angeles,
    chrono_tz::America::Sao_Paulo,
    chrono_tz::Asia::Tokyo,
    chrono_tz::Asia::Kolkata,
    chrono_tz::Asia::Shanghai,
    chrono_tz::Australia::Sydney,
    chrono_tz::Pacific::Auckland,
    chrono_tz::UTC,
];

/// Infers a conference zone from `(instant, written UTC offset in seconds)`
/// pairs. Returns the zone and a warning text, or `None` when no pairs exist.
///
/// One constant whole-hour offset gives the fixed zone `Etc/GMT∓N` ("assumed
/// UTC+01:00"). Otherwise the first zone (preferred list, then the whole tz
/// database) whose offset matches every written one is chosen; if none
/// matches, the offset of the first entry is used as a fixed zone when it is
/// a whole hour.
pub(crate) fn infer_zone(offsets: &[(DateTime<Utc>, i32)]) -> Option<(Tz, String)> {
    let first = offsets.first()?;
    // For every distinct offset keep the earliest and latest instant.
    let mut spans: Vec<(i32, DateTime<Utc>, DateTime<Utc>)> = Vec::new();
    for &(t, off) in offsets {
        match spans.iter_mut().find(|s| s.0 == off) {
            Some(s) => {
                s.1 = s.1.min(t);
                s.2 = s.2.max(t);
            }
            None => spans.push((off, t, t)),
        }
    }
    let written: Vec<String> = spans.iter().map(|s| fmt_offset(s.0)).collect();
    let written = written.join(", ");
    if spans.len() == 1 && spans[0].0 % 3600 == 0 {
        if let Some(tz) = etc_zone(spans[0].0) {
            return Some((
                tz,
                format!(
                    "the file names no time zone; its times are all written with offset {written}, so the conference zone is assumed to be UTC{written} ({tz}); pass --timezone ZONE to name the real one"
                ),
            ));
        }
    }
    let matches = |tz: &Tz| {
        spans.iter().all(|&(off, a, b)| {
            [a, b].iter().all(|t| {
                tz.offset_from_utc_datetime(&t.naive_utc())
                    .fix()
                    .local_minus_utc()
                    == off
            })
        })
    };
    let found = PREFERRED
        .iter()
        .copied()
        .find(matches)
        .or_else(|| chrono_tz::TZ_VARIANTS.iter().copied().find(matches));
    match found {
        Some(tz) => Some((
            tz,
            format!(
                "the file names no time zone; its offsets ({written}) match {tz}, which is assumed; pass --timezone ZONE to name the real one"
            ),
        )),
        None => etc_zone(first.1).map(|tz| {
            (
                tz,
                format!(
                    "the file names no time zone and no zone matches its offsets ({written}); assumed UTC{} ({tz}); pass --timezone ZONE to name the real one",
                    fmt_offset(first.1)
                ),
            )
        }),
    }
}

/// `Etc/GMT-1` for +01:00 (the Etc names have inverted signs).
fn etc_zone(offset: i32) -> Option<Tz> {
    if offset % 3600 != 0 {
        return None;
    }
    let h = -offset / 3600;
    let name = match h {
        0 => "Etc/UTC".to_owned(),
        h if h > 0 => format!("Etc/GMT+{h}"),
        h => format!("Etc/GMT{h}"),
    };
    name.parse().ok()
}

/// `+01:00`.
pub(crate) fn fmt_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.unsigned_abs();
    format!("{sign}{:02}:{:02}", s / 3600, (s % 3600) / 60)
}

/// Trims; `None` when nothing is left.
pub(crate) fn non_empty(s: Option<&str>) -> Option<String> {
    let t = s?.trim();
    if t.is_empty() {
        None
    } else {
        Some(t.to_owned())
    }
}

/// Keeps the text untouched unless it is blank.
pub(crate) fn non_blank(s: Option<&str>) -> Option<String> {
    let s = s?;
    if s.trim().is_empty() {
        None
    } else {
        Some(s.to_owned())
    }
}

/// Pushes `room` onto `rooms` unless already present.
pub(crate) fn note_room(rooms: &mut Vec<String>, index: &mut HashMap<String, ()>, room: &str) {
    if !index.contains_key(room) {
        index.insert(room.to_owned(), ());
        rooms.push(room.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("ts")
            .with_timezone(&Utc)
    }

    #[test]
    fn infers_zones() {
        let (tz, msg) = infer_zone(&[(utc("2020-12-27T10:00:00Z"), 3600)]).expect("zone");
        assert_eq!(tz.name(), "Etc/GMT-1");
        assert!(msg.contains("assumed to be UTC+01:00"), "{msg}");
        let (tz, msg) = infer_zone(&[
            (utc("2026-10-24T08:00:00Z"), 7200),
            (utc("2026-10-25T09:00:00Z"), 3600),
        ])
        .expect("zone");
        assert_eq!(tz, chrono_tz::Europe::Berlin);
        assert!(msg.contains("+02:00, +01:00"), "{msg}");
        let (tz, _) = infer_zone(&[(utc("2026-01-01T08:00:00Z"), 19800)]).expect("zone");
        assert_eq!(tz, chrono_tz::Asia::Kolkata);
        assert_eq!(infer_zone(&[]), None);
        assert_eq!(fmt_offset(-12600), "-03:30");
    }
}

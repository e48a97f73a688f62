//! Format detection and the single entry point [`parse_schedule`].
//!
//! Detection looks at content, never at file names:
//! * first non-blank byte `<` (after an optional BOM) → frab XML;
//! * first line `BEGIN:VCALENDAR` → iCalendar;
//! * `{`/`[` → JSON, then by structure: `schedule.conference` object →
//!   frab/pretalx JSON; an Indico HTTP API envelope with `results` object →
//!   timetable export, `results` array → event export.

use std::io::Read;

use crate::common::{checked_utf8, error, line_column};
use crate::error::ParseError;
use crate::frab_xml::parse_frab_xml;
use crate::ical::parse_ical;
use crate::indico::{event_from_value, indico_kind, timetable_from_value};
use crate::json::{frab_json_from_value, load_json, looks_like_frab_json};
use crate::model::{ParsedSchedule, Position, ScheduleFormat};
use crate::options::ParseOptions;

/// The start of every "unknown format" message.
const NOT_A_SCHEDULE: &str = "not a frab XML, frab/pretalx JSON, Indico JSON or iCalendar file";

/// Reads at most `max` bytes; more is an error raised as soon as byte
/// `max + 1` arrives (the rest is never read).
pub fn read_limited(r: impl Read, max: usize) -> Result<Vec<u8>, ParseError> {
    let mut buf = Vec::new();
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    r.take(limit)
        .read_to_end(&mut buf)
        .map_err(|e| error(Position::Whole, format!("could not read the input: {e}")))?;
    if buf.len() > max {
        return Err(error(
            Position::Whole,
            format!("input is more than the limit of {max} bytes"),
        ));
    }
    Ok(buf)
}

/// What the bytes look like before any parsing.
enum Shape {
    Xml,
    Ical,
    Json,
}

fn shape(input: &[u8]) -> Result<Shape, ParseError> {
    let body = input.strip_prefix(b"\xef\xbb\xbf").unwrap_or(input);
    let skipped = body.iter().take_while(|b| b.is_ascii_whitespace()).count();
    let rest = &body[skipped..];
    let lower: Vec<u8> = rest.iter().take(64).map(u8::to_ascii_lowercase).collect();
    if lower.starts_with(b"<!doctype html") || lower.starts_with(b"<html") {
        return Err(error(
            line_column(input, input.len() - rest.len()),
            format!("{NOT_A_SCHEDULE}: it is an HTML page (a login or error page instead of the export?)"),
        ));
    }
    match rest.first() {
        Some(b'<') => Ok(Shape::Xml),
        Some(b'{' | b'[') => Ok(Shape::Json),
        Some(_) if rest.len() >= 15 && rest[..15].eq_ignore_ascii_case(b"BEGIN:VCALENDAR") => {
            Ok(Shape::Ical)
        }
        Some(_) => {
            let head: String = String::from_utf8_lossy(&rest[..rest.len().min(24)])
                .chars()
                .filter(|c| !c.is_control())
                .collect();
            Err(error(
                line_column(input, input.len() - rest.len()),
                format!("{NOT_A_SCHEDULE}: it starts with '{head}'"),
            ))
        }
        None => Err(error(
            Position::Whole,
            format!("{NOT_A_SCHEDULE}: the input is empty"),
        )),
    }
}

fn json_format(v: &serde_json::Value) -> Result<ScheduleFormat, ParseError> {
    if looks_like_frab_json(v) {
        return Ok(ScheduleFormat::FrabJson);
    }
    match indico_kind(v) {
        Some(true) => Ok(ScheduleFormat::IndicoTimetable),
        Some(false) => Ok(ScheduleFormat::IndicoEvent),
        None => {
            let keys: Vec<&str> = v
                .as_object()
                .map(|o| o.keys().take(5).map(String::as_str).collect())
                .unwrap_or_default();
            Err(error(
                Position::JsonPath("$".to_owned()),
                format!(
                    "{NOT_A_SCHEDULE}: JSON without 'schedule.conference' or an Indico 'results' envelope (top-level keys: {})",
                    if keys.is_empty() { "none".to_owned() } else { keys.join(", ") }
                ),
            ))
        }
    }
}

/// Detects the format of `input` by content (see the module docs).
///
/// JSON input is parsed to tell its variants apart (with the default size
/// and depth limits), so syntax errors surface here too.
pub fn detect_format(input: &[u8]) -> Result<ScheduleFormat, ParseError> {
    match shape(input)? {
        Shape::Xml => Ok(ScheduleFormat::FrabXml),
        Shape::Ical => Ok(ScheduleFormat::ICalendar),
        Shape::Json => json_format(&load_json(input, &ParseOptions::default())?),
    }
}

/// Detects the format and parses with the matching parser; the result's
/// `format` says which one.
pub fn parse_schedule(input: &[u8], opts: &ParseOptions) -> Result<ParsedSchedule, ParseError> {
    // The entry point words the size limit its own way (the hostile corpus's EXPECTED.tsv
    // asserts it), so it checks the size before `checked_utf8` would.
    if input.len() > opts.max_bytes {
        return Err(error(
            Position::Whole,
            format!(
                "input is more than the limit of {} bytes ({} bytes)",
                opts.max_bytes,
                input.len()
            ),
        ));
    }
    checked_utf8(input, opts)?;
    match shape(input)? {
        Shape::Xml => parse_frab_xml(input, opts),
        Shape::Ical => parse_ical(input, opts),
        Shape::Json => {
            let v = load_json(input, opts)?;
            match json_format(&v)? {
                ScheduleFormat::FrabJson => frab_json_from_value(&v, opts),
                ScheduleFormat::IndicoTimetable => timetable_from_value(&v, opts),
                _ => event_from_value(&v, opts),
            }
        }
    }
}

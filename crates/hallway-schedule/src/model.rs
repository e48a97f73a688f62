//! Format-independent result of parsing a conference schedule.
//!
//! The parsers (frab/pentabarf XML, frab/pretalx JSON, Indico JSON, iCalendar) all produce a
//! [`ParsedSchedule`]; the importer diffs it against the database by
//! [`ParsedSession::key`]. Times are UTC instants; text fields are exactly as
//! found in the source after format decoding (they may contain HTML source and
//! must be sanitised before rendering).

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};

/// A whole schedule file: conference metadata, every session, and the
/// non-fatal problems noticed while reading it.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedSchedule {
    /// Conference-level metadata.
    pub conference: Conference,
    /// Sessions in document order.
    pub sessions: Vec<ParsedSession>,
    /// Accepted oddities the organisers should see (missing zone name, room
    /// mismatches, duplicate guids, ...).
    pub warnings: Vec<Warning>,
    /// The format the schedule was read from.
    pub format: ScheduleFormat,
    /// Room names as written, in the order the file first mentions them
    /// (room elements / keys, then event rooms); rooms without events that
    /// the file lists per day are included.
    pub rooms: Vec<String>,
}

/// The schedule formats the importer understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScheduleFormat {
    /// frab / pentabarf / pretalx / c3voc `schedule.xml`.
    FrabXml,
    /// frab / pretalx `schedule.json`.
    FrabJson,
    /// Indico `/export/timetable/<id>.json`.
    IndicoTimetable,
    /// Indico `/export/event/<id>.json?detail=contributions`.
    IndicoEvent,
    /// iCalendar (`.ics`), e.g. pretalx `schedule.ics`.
    ICalendar,
}

impl ScheduleFormat {
    /// A short human-readable name ("frab XML", "Indico timetable JSON", ...).
    pub fn name(&self) -> &'static str {
        match self {
            ScheduleFormat::FrabXml => "frab XML",
            ScheduleFormat::FrabJson => "frab/pretalx JSON",
            ScheduleFormat::IndicoTimetable => "Indico timetable JSON",
            ScheduleFormat::IndicoEvent => "Indico event JSON",
            ScheduleFormat::ICalendar => "iCalendar",
        }
    }
}

impl fmt::Display for ScheduleFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Conference metadata (`<conference>`, `schedule.conference`, the Indico
/// event, the calendar's `X-WR-*` properties).
#[derive(Clone, Debug, PartialEq)]
pub struct Conference {
    /// `<title>`, trimmed; empty if the file has none (a warning is emitted).
    pub title: String,
    /// `<acronym>`, `None` when absent or empty.
    pub acronym: Option<String>,
    /// The zone named by the file (`time_zone_name`, Indico `timezone`/`tz`,
    /// `X-WR-TIMEZONE`/IANA `TZID`), else the fallback zone the caller
    /// supplied, else one inferred from the written UTC offsets (with a
    /// warning); `None` only when nothing tells.
    pub time_zone: Option<chrono_tz::Tz>,
}

/// One scheduled slot (a talk, workshop, microconference, ...).
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedSession {
    /// Stable identity across re-imports; see the module docs of
    /// `crate::common` and of each parser for the rule.
    pub key: String,
    /// The `guid` attribute as written (not necessarily a UUID).
    pub guid: Option<String>,
    /// The `id` attribute as written (not unique in merged files).
    pub source_id: Option<String>,
    /// The pretalx submission `code` attribute.
    pub code: Option<String>,
    /// `<title>`, trimmed, never empty.
    pub title: String,
    /// `<subtitle>`, trimmed, `None` when empty.
    pub subtitle: Option<String>,
    /// Start instant.
    pub start: DateTime<Utc>,
    /// End instant (start + duration; equal to start for zero-length slots).
    pub end: DateTime<Utc>,
    /// Room name as written: the event's `<room>` child, else the enclosing
    /// `<room name>`; may be empty (a warning is emitted).
    pub room: String,
    /// `<track>`, trimmed, `None` when empty.
    pub track: Option<String>,
    /// `<type>`, trimmed, `None` when empty.
    pub kind: Option<String>,
    /// `<language>`, trimmed, `None` when empty.
    pub language: Option<String>,
    /// Speaker display names in document order (empty names dropped).
    pub persons: Vec<String>,
    /// `<abstract>` exactly as given after XML decoding; `None` when blank.
    pub abstract_text: Option<String>,
    /// `<description>` exactly as given after XML decoding; `None` when blank.
    pub description: Option<String>,
    /// The event's own `<url>`, trimmed, `None` when empty.
    pub url: Option<String>,
    /// The `<day date>` the event was listed under (a conference-day label,
    /// not necessarily the calendar date of `start`).
    pub day: Option<NaiveDate>,
    /// The speakers opted out of recording (frab `<recording><optout>`, schedule.json
    /// `do_not_record`): the session's meeting is created with `record=false`.
    pub do_not_record: bool,
}

/// A non-fatal problem found while parsing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// Where in the input the problem is.
    pub position: Position,
    /// Human-readable explanation.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.position, self.message)
    }
}

/// A location in an input document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Position {
    /// 1-based line and 1-based column counted in characters (XML, ICS).
    LineColumn {
        /// Line number, starting at 1.
        line: u32,
        /// Column in characters, starting at 1.
        column: u32,
    },
    /// A JSONPath-like location such as `$.schedule.conference.days[0]`.
    JsonPath(String),
    /// The input as a whole (size limits, "no events", ...).
    Whole,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Position::LineColumn { line, column } => write!(f, "line {line}, column {column}"),
            Position::JsonPath(path) => write!(f, "at {path}"),
            Position::Whole => f.write_str("file"),
        }
    }
}

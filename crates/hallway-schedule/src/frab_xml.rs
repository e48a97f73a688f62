//! Streaming parser for frab / pentabarf `schedule.xml` files (frab, pretalx,
//! FOSDEM, c3voc merges, hand-made exports) into a [`ParsedSchedule`].
//!
//! It exists because real files break naive parsers (see
//! `shared/reference/schedule-formats.md` §6): missing `<date>`s and zone
//! names, after-midnight events, DST changes, duplicated guids and ids, parent
//! and child room names that disagree, five duration spellings. It uses
//! quick-xml's pull reader over the whole input (no serde, no DTDs, no
//! external entities) and knows nothing of HTTP or databases.
//!
//! # Time rules
//! * The start instant is the event's `<date>` (ISO 8601 with offset). A
//!   `<date>` without an offset is read as wall-clock time in the conference
//!   zone, with a warning.
//! * Without `<date>` (FOSDEM 2021) the start is `<day date>` + `<start>` read
//!   in the conference zone: `<time_zone_name>`, else
//!   [`ParseOptions::fallback_time_zone`], else an error asking for
//!   `--timezone ZONE`. A `<start>` earlier than the day's start time
//!   (`<day start>`, else the conference `<day_change>`) is rolled to the next
//!   calendar day. Local times skipped by a DST change are errors; repeated
//!   (ambiguous) ones take the earlier instant, with a warning.
//! * `end = start + <duration>`; events after midnight keep their `<day>`.
//!   Three-part durations are pentabarf `H:MM:SS`, or pretalx `D:HH:MM` when
//!   the file comes from pretalx (`<generator name="pretalx">`, or a comment
//!   mentioning pretalx before the root element).
//! * Conference zone: `<time_zone_name>`, else the fallback zone, else one
//!   inferred from the `<date>` offsets with a warning (one constant offset
//!   gives `Etc/GMT∓N`, "assumed UTC+01:00"; changing offsets the first zone
//!   that matches them all).
//!
//! # Session keys (identity across re-imports)
//! 1. The `guid` attribute, when it is non-empty and used by exactly one event
//!    in the file.
//! 2. Otherwise a composite: `id:<id>@<start>` when the event has an `id`
//!    attribute, else `slot:<h>` where `<h>` is the first 16 hex digits of
//!    SHA-256 over `room ␟ start ␟ title` (`␟` = U+001F). `<start>` is the UTC
//!    start as `YYYY-MM-DDTHH:MM:SSZ`.
//! 3. If two events get the same composite, both get `/<h2>` appended, `<h2>`
//!    being the first 16 hex digits of SHA-256 over `room ␟ title`.
//! 4. If keys still collide (the same event listed twice), parsing fails.
//!
//! Composite keys change when an event moves; guid keys do not. A guid that
//! becomes duplicated in a later version switches those events to composites.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::HashMap;

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime,
    TimeZone, Utc,
};
use chrono_tz::Tz;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::Reader;

use crate::common::{self, MAX_EVENT_DAYS, YEARS};
use crate::error::ParseError;
use crate::model::{Conference, ParsedSchedule, ParsedSession, Position, ScheduleFormat, Warning};
use crate::options::ParseOptions;

/// Parses a frab/pentabarf `schedule.xml` document.
///
/// See the module documentation for the time and key rules.
pub fn parse_frab_xml(input: &[u8], opts: &ParseOptions) -> Result<ParsedSchedule, ParseError> {
    let text = common::checked_utf8(input, opts)?;
    // quick-xml reports offsets after a byte order mark; count from there too.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut parser = Parser::new(text, opts);
    parser.run()?;
    parser.finish()
}

/// Parses an event duration.
///
/// Accepts `H:MM` and `HH:MM` (hours may exceed 99, minutes are two digits
/// below 60) and pentabarf `HH:MM:SS`. When `pretalx` is true a three-part
/// value is pretalx's `D:HH:MM` instead (`1:02:00` = 26 hours). Surrounding
/// whitespace is ignored. Negative or malformed values give `None`.
pub fn parse_duration(s: &str, pretalx: bool) -> Option<Duration> {
    let mut parts = s.trim().split(':');
    let first = parts.next()?;
    let second = parts.next()?;
    let third = parts.next();
    if parts.next().is_some() {
        return None;
    }
    let big = digits(first, 1, 6)?;
    let mid = digits(second, 2, 2)?;
    let seconds = match third {
        None => {
            if mid >= 60 {
                return None;
            }
            big * 3600 + mid * 60
        }
        Some(third) if pretalx => {
            let minutes = digits(third, 2, 2)?;
            if mid >= 24 || minutes >= 60 {
                return None;
            }
            big * 86_400 + mid * 3600 + minutes * 60
        }
        Some(third) => {
            let secs = digits(third, 2, 2)?;
            if mid >= 60 || secs >= 60 {
                return None;
            }
            big * 3600 + mid * 60 + secs
        }
    };
    Some(Duration::seconds(seconds))
}

/// Parses an all-ASCII-digit string of `min..=max` digits.
fn digits(s: &str, min: usize, max: usize) -> Option<i64> {
    if s.len() < min || s.len() > max || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Converts byte offsets into 1-based line and character column numbers.
/// The line table is only built when a position is first needed.
struct Lines<'a> {
    bytes: &'a [u8],
    starts: OnceCell<Vec<usize>>,
}

impl<'a> Lines<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            starts: OnceCell::new(),
        }
    }

    fn position(&self, offset: usize) -> Position {
        let starts = self.starts.get_or_init(|| {
            std::iter::once(0)
                .chain(
                    self.bytes
                        .iter()
                        .enumerate()
                        .filter(|(_, b)| **b == b'\n')
                        .map(|(i, _)| i + 1),
                )
                .collect()
        });
        let offset = offset.min(self.bytes.len());
        let index = starts.partition_point(|&s| s <= offset).saturating_sub(1);
        let line_start = starts.get(index).copied().unwrap_or(0).min(offset);
        let column = self.bytes[line_start..offset]
            .iter()
            .filter(|b| (**b & 0xC0) != 0x80)
            .count()
            + 1;
        Position::LineColumn {
            line: u32::try_from(index + 1).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
        }
    }
}

/// What an open element means to the parser.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ctx {
    Schedule,
    Conference,
    Day,
    Room,
    Event,
    Persons,
    Recording,
    Other,
}

/// Elements whose text content is collected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    ConfTitle,
    ConfAcronym,
    ConfTimeZone,
    ConfDayChange,
    Date,
    Start,
    Duration,
    Room,
    Title,
    Subtitle,
    Track,
    Kind,
    Language,
    Abstract,
    Description,
    Url,
    Person,
    Optout,
}

/// Text collection in progress for a [`Field`] element.
#[derive(Clone, Copy, Debug)]
struct Capture {
    field: Field,
    depth: usize,
    offset: usize,
}

/// A value with the byte offset of the element it came from.
#[derive(Clone, Debug, Default)]
struct Located {
    text: String,
    offset: usize,
}

/// The `<day>` being read.
#[derive(Clone, Debug, Default)]
struct DayCtx {
    date: Option<NaiveDate>,
    start: Option<DateTime<FixedOffset>>,
}

/// Everything collected for one `<event>` before it is validated.
#[derive(Debug, Default)]
struct EventDraft {
    offset: usize,
    guid: Option<String>,
    id: Option<String>,
    code: Option<String>,
    date: Option<Located>,
    start: Option<Located>,
    duration: Option<Located>,
    room: Option<Located>,
    title: Option<String>,
    subtitle: Option<String>,
    track: Option<String>,
    kind: Option<String>,
    language: Option<String>,
    abstract_text: Option<String>,
    description: Option<String>,
    url: Option<String>,
    persons: Vec<String>,
    do_not_record: bool,
}

/// Parser state for one document.
struct Parser<'a> {
    text: &'a str,
    opts: &'a ParseOptions,
    lines: Lines<'a>,
    stack: Vec<Ctx>,
    root_seen: bool,
    root_offset: usize,
    pretalx: bool,
    capture: Option<Capture>,
    buf: String,
    conference_offset: Option<usize>,
    title: Option<String>,
    acronym: Option<String>,
    file_zone: Option<Tz>,
    zone_name_seen: bool,
    day_change: Option<NaiveTime>,
    day: DayCtx,
    room_name: Option<String>,
    event: Option<EventDraft>,
    sessions: Vec<ParsedSession>,
    offsets: Vec<usize>,
    warnings: Vec<Warning>,
    undated: usize,
    first_undated: usize,
    written_offsets: Vec<(DateTime<Utc>, i32)>,
    rooms: Vec<String>,
    room_index: HashMap<String, ()>,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str, opts: &'a ParseOptions) -> Self {
        Self {
            text,
            opts,
            lines: Lines::new(text.as_bytes()),
            stack: Vec::with_capacity(16),
            root_seen: false,
            root_offset: 0,
            pretalx: false,
            capture: None,
            buf: String::new(),
            conference_offset: None,
            title: None,
            acronym: None,
            file_zone: None,
            zone_name_seen: false,
            day_change: None,
            day: DayCtx::default(),
            room_name: None,
            event: None,
            sessions: Vec::new(),
            offsets: Vec::new(),
            warnings: Vec::new(),
            undated: 0,
            first_undated: 0,
            written_offsets: Vec::new(),
            rooms: Vec::new(),
            room_index: HashMap::new(),
        }
    }

    fn err(&self, offset: usize, message: impl Into<String>) -> ParseError {
        ParseError {
            position: self.lines.position(offset),
            message: message.into(),
        }
    }

    fn warn(&mut self, offset: usize, message: impl Into<String>) {
        let position = self.lines.position(offset);
        self.warnings.push(Warning {
            position,
            message: message.into(),
        });
    }

    /// Reads every XML event of the document.
    fn run(&mut self) -> Result<(), ParseError> {
        let mut reader = Reader::from_str(self.text);
        let config = reader.config_mut();
        config.expand_empty_elements = true;
        config.check_end_names = true;
        config.trim_text(false);
        loop {
            let offset = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
            let event = match reader.read_event() {
                Ok(event) => event,
                Err(e) => {
                    let at = usize::try_from(reader.error_position()).unwrap_or(usize::MAX);
                    return Err(self.err(at, format!("malformed XML: {e}")));
                }
            };
            match event {
                Event::Start(e) => self.start(&e, offset)?,
                Event::Empty(e) => {
                    self.start(&e, offset)?;
                    self.end(offset)?;
                }
                Event::End(_) => self.end(offset)?,
                Event::Text(t) => {
                    let content = t
                        .xml_content()
                        .map_err(|e| self.err(offset, format!("malformed text: {e}")))?;
                    if self.capture.is_some() {
                        self.buf.push_str(&content);
                    } else if self.stack.is_empty() && !content.trim().is_empty() {
                        return Err(self.err(offset, "text outside the root element"));
                    }
                }
                Event::CData(c) => {
                    if self.capture.is_some() {
                        let content = c
                            .decode()
                            .map_err(|e| self.err(offset, format!("malformed CDATA: {e}")))?;
                        self.buf.push_str(&content);
                    }
                }
                Event::GeneralRef(r) => {
                    let resolved = self.resolve_ref(&r, offset)?;
                    if self.capture.is_some() {
                        self.buf.push_str(&resolved);
                    } else if self.stack.is_empty() {
                        return Err(self.err(offset, "text outside the root element"));
                    }
                }
                Event::DocType(_) => {
                    return Err(self.err(
                        offset,
                        "DOCTYPE declarations are not allowed (no DTDs or entity declarations)",
                    ))
                }
                Event::Comment(c) => {
                    // pretalx writes "Made with love by pretalx vX" before the root.
                    if !self.root_seen && c.windows(7).any(|w| w.eq_ignore_ascii_case(b"pretalx")) {
                        self.pretalx = true;
                    }
                }
                Event::Decl(_) | Event::PI(_) => {}
                Event::Eof => break,
            }
        }
        if !self.stack.is_empty() {
            return Err(self.err(
                self.text.len(),
                format!(
                    "unexpected end of input: {} element(s) not closed",
                    self.stack.len()
                ),
            ));
        }
        if !self.root_seen {
            return Err(self.err(self.text.len(), "no root element"));
        }
        Ok(())
    }

    /// Resolves `&name;` / `&#n;` (only the five predefined XML entities exist).
    fn resolve_ref(
        &self,
        r: &BytesRef<'_>,
        offset: usize,
    ) -> Result<Cow<'static, str>, ParseError> {
        let name = String::from_utf8_lossy(r);
        if r.is_char_ref() {
            return match r.resolve_char_ref() {
                Ok(Some(c)) => Ok(Cow::Owned(c.to_string())),
                _ => Err(self.err(offset, format!("invalid character reference '&{name};'"))),
            };
        }
        match quick_xml::escape::resolve_predefined_entity(&name) {
            Some(s) => Ok(Cow::Borrowed(s)),
            None => Err(self.err(
                offset,
                format!(
                    "undefined entity '&{name};' (only the predefined XML entities are allowed)"
                ),
            )),
        }
    }

    fn start(&mut self, e: &BytesStart<'_>, offset: usize) -> Result<(), ParseError> {
        if self.stack.len() + 1 > self.opts.max_depth {
            return Err(self.err(
                offset,
                format!("elements nested deeper than {} levels", self.opts.max_depth),
            ));
        }
        // Well-formedness of every attribute list (duplicates, bad quoting).
        for attr in e.attributes() {
            attr.map_err(|err| self.err(offset, format!("malformed attribute: {err}")))?;
        }
        let name = e.local_name();
        let name = name.as_ref();
        let parent = self.stack.last().copied();
        let mut field = None;
        let ctx = match parent {
            None => {
                if self.root_seen {
                    return Err(self.err(offset, "more than one root element"));
                }
                self.root_seen = true;
                self.root_offset = offset;
                if name != b"schedule" {
                    return Err(self.err(
                        offset,
                        format!(
                            "root element is <{}>, expected <schedule> (not a frab/pentabarf schedule)",
                            String::from_utf8_lossy(name)
                        ),
                    ));
                }
                Ctx::Schedule
            }
            Some(Ctx::Schedule) => match name {
                b"generator" => {
                    if let Some(gen) = self.attr(e, b"name", offset)? {
                        if gen.trim().eq_ignore_ascii_case("pretalx") {
                            self.pretalx = true;
                        }
                    }
                    Ctx::Other
                }
                b"conference" => {
                    self.conference_offset = Some(offset);
                    Ctx::Conference
                }
                b"day" => {
                    self.start_day(e, offset)?;
                    Ctx::Day
                }
                _ => Ctx::Other,
            },
            Some(Ctx::Conference) => {
                field = match name {
                    b"title" => Some(Field::ConfTitle),
                    b"acronym" => Some(Field::ConfAcronym),
                    b"time_zone_name" => Some(Field::ConfTimeZone),
                    b"day_change" => Some(Field::ConfDayChange),
                    _ => None,
                };
                Ctx::Other
            }
            Some(Ctx::Day) => match name {
                b"room" => {
                    self.room_name = self.attr(e, b"name", offset)?;
                    if let Some(name) = self.room_name.as_deref() {
                        common::note_room(&mut self.rooms, &mut self.room_index, name.trim());
                    }
                    Ctx::Room
                }
                _ => Ctx::Other,
            },
            Some(Ctx::Room) => match name {
                b"event" => {
                    self.event = Some(EventDraft {
                        offset,
                        guid: non_empty(self.attr(e, b"guid", offset)?),
                        id: non_empty(self.attr(e, b"id", offset)?),
                        code: non_empty(self.attr(e, b"code", offset)?),
                        ..EventDraft::default()
                    });
                    Ctx::Event
                }
                _ => Ctx::Other,
            },
            Some(Ctx::Event) => {
                field = match name {
                    b"date" => Some(Field::Date),
                    b"start" => Some(Field::Start),
                    b"duration" => Some(Field::Duration),
                    b"room" => Some(Field::Room),
                    b"title" => Some(Field::Title),
                    b"subtitle" => Some(Field::Subtitle),
                    b"track" => Some(Field::Track),
                    b"type" => Some(Field::Kind),
                    b"language" => Some(Field::Language),
                    b"abstract" => Some(Field::Abstract),
                    b"description" => Some(Field::Description),
                    b"url" => Some(Field::Url),
                    _ => None,
                };
                match name {
                    b"persons" => Ctx::Persons,
                    b"recording" => Ctx::Recording,
                    _ => Ctx::Other,
                }
            }
            Some(Ctx::Recording) => {
                if name == b"optout" {
                    field = Some(Field::Optout);
                }
                Ctx::Other
            }
            Some(Ctx::Persons) => {
                if name == b"person" {
                    field = Some(Field::Person);
                }
                Ctx::Other
            }
            Some(Ctx::Other) => Ctx::Other,
        };
        self.stack.push(ctx);
        if let (Some(field), None) = (field, self.capture) {
            self.buf.clear();
            self.capture = Some(Capture {
                field,
                depth: self.stack.len(),
                offset,
            });
        }
        Ok(())
    }

    fn end(&mut self, offset: usize) -> Result<(), ParseError> {
        if let Some(capture) = self.capture {
            if capture.depth == self.stack.len() {
                self.capture = None;
                let text = std::mem::take(&mut self.buf);
                self.store(capture, text)?;
            }
        }
        match self.stack.pop() {
            Some(Ctx::Event) => {
                if let Some(draft) = self.event.take() {
                    self.finish_event(draft)?;
                }
            }
            Some(Ctx::Room) => self.room_name = None,
            Some(Ctx::Day) => self.day = DayCtx::default(),
            Some(_) => {}
            None => return Err(self.err(offset, "unexpected end tag")),
        }
        Ok(())
    }

    fn attr(
        &self,
        e: &BytesStart<'_>,
        key: &[u8],
        offset: usize,
    ) -> Result<Option<String>, ParseError> {
        for attr in e.attributes() {
            let attr =
                attr.map_err(|err| self.err(offset, format!("malformed attribute: {err}")))?;
            if attr.key.local_name().as_ref() == key {
                let value = attr.unescape_value().map_err(|err| {
                    self.err(
                        offset,
                        format!("attribute '{}': {err}", String::from_utf8_lossy(key)),
                    )
                })?;
                return Ok(Some(value.into_owned()));
            }
        }
        Ok(None)
    }

    fn start_day(&mut self, e: &BytesStart<'_>, offset: usize) -> Result<(), ParseError> {
        let mut day = DayCtx::default();
        if let Some(date) = self.attr(e, b"date", offset)? {
            match NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d") {
                Ok(d) => day.date = Some(d),
                Err(_) => self.warn(
                    offset,
                    format!("<day date='{date}'> is not YYYY-MM-DD; ignored"),
                ),
            }
        }
        if let Some(start) = self.attr(e, b"start", offset)? {
            match parse_datetime(&start) {
                Some(Instant::Offset(t)) => day.start = Some(t),
                _ => self.warn(
                    offset,
                    format!("<day start='{start}'> is not a date-time with offset; ignored"),
                ),
            }
        }
        self.day = day;
        Ok(())
    }

    /// Stores the collected text of a finished field element.
    fn store(&mut self, capture: Capture, text: String) -> Result<(), ParseError> {
        let offset = capture.offset;
        match capture.field {
            Field::ConfTitle => self.title = Some(text.trim().to_owned()),
            Field::ConfAcronym => self.acronym = non_empty(Some(text)),
            Field::ConfTimeZone => {
                self.zone_name_seen = true;
                let name = text.trim();
                match name.parse::<Tz>() {
                    Ok(tz) => self.file_zone = Some(tz),
                    Err(_) => {
                        let used = match self.opts.fallback_time_zone {
                            Some(tz) => format!("using {tz} instead"),
                            None => "ignored".to_owned(),
                        };
                        self.warn(
                            offset,
                            format!("<time_zone_name> '{name}' is not a known IANA zone; {used}"),
                        );
                    }
                }
            }
            Field::ConfDayChange => match parse_clock(&text) {
                Some(t) => self.day_change = Some(t),
                None => self.warn(
                    offset,
                    format!("<day_change> '{}' is not HH:MM[:SS]; ignored", text.trim()),
                ),
            },
            field => {
                let Some(ev) = self.event.as_mut() else {
                    return Ok(());
                };
                let located = || Located {
                    text: text.trim().to_owned(),
                    offset,
                };
                match field {
                    Field::Date => ev.date = Some(located()),
                    Field::Start => ev.start = Some(located()),
                    Field::Duration => ev.duration = Some(located()),
                    Field::Room => ev.room = Some(located()),
                    Field::Title => ev.title = non_empty(Some(text)),
                    Field::Subtitle => ev.subtitle = non_empty(Some(text)),
                    Field::Track => ev.track = non_empty(Some(text)),
                    Field::Kind => ev.kind = non_empty(Some(text)),
                    Field::Language => ev.language = non_empty(Some(text)),
                    Field::Abstract => ev.abstract_text = non_blank(text),
                    Field::Description => ev.description = non_blank(text),
                    Field::Url => ev.url = non_empty(Some(text)),
                    Field::Optout => ev.do_not_record = text.trim().eq_ignore_ascii_case("true"),
                    Field::Person => {
                        let name = text.trim();
                        if !name.is_empty() {
                            ev.persons.push(name.to_owned());
                        }
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }

    /// The zone for local wall-clock times.
    fn zone(&self) -> Option<Tz> {
        self.file_zone.or(self.opts.fallback_time_zone)
    }

    /// Resolves a local time in `tz`, reporting DST gaps and overlaps.
    fn resolve_local(
        &mut self,
        tz: Tz,
        local: NaiveDateTime,
        offset: usize,
        label: &str,
    ) -> Result<DateTime<Utc>, ParseError> {
        match tz.from_local_datetime(&local) {
            LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
            LocalResult::Ambiguous(a, b) => {
                let earlier = a.min(b);
                self.warn(
                    offset,
                    format!(
                        "{label}: local time {} occurs twice in {tz} (DST change); using the earlier one, {}",
                        local.format("%Y-%m-%d %H:%M"),
                        earlier.with_timezone(&Utc).format("%Y-%m-%dT%H:%M:%SZ")
                    ),
                );
                Ok(earlier.with_timezone(&Utc))
            }
            LocalResult::None => Err(self.err(
                offset,
                format!(
                    "{label}: local time {} does not exist in {tz} (skipped by a DST change)",
                    local.format("%Y-%m-%d %H:%M")
                ),
            )),
        }
    }

    /// Validates a finished `<event>` and appends it to the sessions.
    fn finish_event(&mut self, d: EventDraft) -> Result<(), ParseError> {
        let Some(title) = d.title.as_deref().map(str::trim).map(str::to_owned) else {
            let which = match &d.id {
                Some(id) => format!("event id='{id}'"),
                None => "event".to_owned(),
            };
            return Err(self.err(d.offset, format!("{which} has no <title>")));
        };
        let label = format!("event '{title}'");

        // Length.
        let Some(dur) = &d.duration else {
            return Err(self.err(d.offset, format!("{label} has no <duration>")));
        };
        if dur.text.starts_with('-') {
            return Err(self.err(
                dur.offset,
                format!("{label}: negative duration '{}'", dur.text),
            ));
        }
        let Some(length) = parse_duration(&dur.text, self.pretalx) else {
            let forms = if self.pretalx {
                "H:MM, HH:MM or D:HH:MM (pretalx)"
            } else {
                "H:MM, HH:MM or HH:MM:SS"
            };
            return Err(self.err(
                dur.offset,
                format!("{label}: duration '{}' is not {forms}", dur.text),
            ));
        };
        if length > Duration::days(MAX_EVENT_DAYS) {
            return Err(self.err(
                dur.offset,
                format!(
                    "{label}: duration '{}' is longer than {MAX_EVENT_DAYS} days",
                    dur.text
                ),
            ));
        }
        if self.pretalx && dur.text.matches(':').count() == 2 && length >= Duration::days(1) {
            let (text, at) = (dur.text.clone(), dur.offset);
            self.warn(
                at,
                format!(
                    "{label}: duration '{text}' read as pretalx D:HH:MM = {} hours",
                    length.num_hours()
                ),
            );
        }

        // Start instant.
        let (start, time_offset, time_text) = if let Some(date) = &d.date {
            let (text, at) = (date.text.clone(), date.offset);
            let start = match parse_datetime(&text) {
                Some(Instant::Offset(t)) => {
                    let utc = t.with_timezone(&Utc);
                    self.written_offsets
                        .push((utc, t.offset().local_minus_utc()));
                    utc
                }
                Some(Instant::Naive(local)) => {
                    let Some(tz) = self.zone() else {
                        return Err(self.err(
                            at,
                            format!(
                                "{label}: date '{text}' has no UTC offset and the file names no time zone: pass --timezone ZONE (an IANA name such as Europe/Berlin)"
                            ),
                        ));
                    };
                    self.warn(
                        at,
                        format!(
                            "{label}: date '{text}' has no UTC offset; read as {tz} local time"
                        ),
                    );
                    self.resolve_local(tz, local, at, &label)?
                }
                None => {
                    return Err(self.err(
                        at,
                        format!("{label}: date '{text}' is not an ISO 8601 date-time with offset"),
                    ))
                }
            };
            (start, at, text)
        } else if let Some(st) = &d.start {
            let (text, at) = (st.text.clone(), st.offset);
            let Some(clock) = parse_clock(&text) else {
                return Err(self.err(
                    at,
                    format!("{label}: start '{text}' is not HH:MM or HH:MM:SS"),
                ));
            };
            let Some(day) = self.day.date else {
                return Err(self.err(
                    d.offset,
                    format!("{label} has no <date>, and its <day> has no date to place start '{text}' on"),
                ));
            };
            let Some(tz) = self.zone() else {
                return Err(self.err(
                    d.offset,
                    format!(
                        "{label} has no <date> and the file names no time zone for its local start '{text}': pass --timezone ZONE (an IANA name such as Europe/Brussels)"
                    ),
                ));
            };
            let threshold = self
                .day
                .start
                .map(|t| t.with_timezone(&tz).time())
                .or(self.day_change);
            let rolled = threshold.is_some_and(|th| clock < th);
            let date = if rolled {
                day.succ_opt().unwrap_or(day)
            } else {
                day
            };
            let start = self.resolve_local(tz, date.and_time(clock), at, &label)?;
            if self.undated == 0 {
                self.first_undated = d.offset;
            }
            self.undated += 1;
            (start, at, format!("{} {text}", day.format("%Y-%m-%d")))
        } else {
            return Err(self.err(d.offset, format!("{label} has neither <date> nor <start>")));
        };
        let Some(end) = start.checked_add_signed(length) else {
            return Err(self.err(time_offset, format!("{label}: end time out of range")));
        };
        if !YEARS.contains(&start.year()) || !YEARS.contains(&end.year()) {
            return Err(self.err(
                time_offset,
                format!(
                    "{label}: date '{time_text}' is outside the years {}–{}",
                    YEARS.start(),
                    YEARS.end()
                ),
            ));
        }

        // Room.
        let parent = self.room_name.as_deref().map(str::trim).unwrap_or("");
        let room = match &d.room {
            Some(child) if !child.text.is_empty() => {
                if !parent.is_empty() && parent != child.text {
                    let (msg, at) = (
                        format!(
                            "{label}: <room>{}</room> differs from the enclosing <room name='{parent}'>; using '{}'",
                            child.text, child.text
                        ),
                        child.offset,
                    );
                    self.warn(at, msg);
                }
                child.text.clone()
            }
            _ => parent.to_owned(),
        };
        if room.is_empty() {
            self.warn(d.offset, format!("{label} has an empty room name"));
        }

        common::note_room(&mut self.rooms, &mut self.room_index, &room);
        self.offsets.push(d.offset);
        self.sessions.push(ParsedSession {
            key: String::new(),
            guid: d.guid,
            source_id: d.id,
            code: d.code,
            title,
            subtitle: d.subtitle,
            start,
            end,
            room,
            track: d.track,
            kind: d.kind,
            language: d.language,
            persons: d.persons,
            abstract_text: d.abstract_text,
            description: d.description,
            url: d.url,
            day: self.day.date,
            do_not_record: d.do_not_record,
        });
        Ok(())
    }

    /// Assigns keys, adds document-level warnings and builds the result.
    fn finish(mut self) -> Result<ParsedSchedule, ParseError> {
        if self.sessions.is_empty() {
            return Err(self.err(self.root_offset, "the schedule contains no events"));
        }
        self.assign_keys()?;

        let conference_at = self.conference_offset.unwrap_or(self.root_offset);
        if self.conference_offset.is_none() {
            self.warn(self.root_offset, "no <conference> element");
        }
        let title = self.title.clone().unwrap_or_default();
        if title.is_empty() {
            self.warn(conference_at, "the conference has no <title>");
        }
        let mut zone = self.zone();
        if !self.zone_name_seen {
            let msg = match self.opts.fallback_time_zone {
                Some(tz) => format!("no <time_zone_name> in <conference>; using {tz} as the conference zone"),
                None => match common::infer_zone(&self.written_offsets) {
                    Some((tz, why)) => {
                        zone = Some(tz);
                        format!("no <time_zone_name> in <conference>: {why}")
                    }
                    None => "no <time_zone_name> in <conference>; the conference zone is unknown (pass --timezone ZONE to set it)".to_owned(),
                },
            };
            self.warn(conference_at, msg);
        }
        if self.undated > 0 {
            let msg = format!(
                "{} event(s) have no <date>; their start was computed from <day date> + <start> in {}",
                self.undated,
                self.zone().map(|z| z.to_string()).unwrap_or_default()
            );
            self.warn(self.first_undated, msg);
        }
        Ok(ParsedSchedule {
            conference: Conference {
                title,
                acronym: self.acronym.clone(),
                time_zone: zone,
            },
            sessions: std::mem::take(&mut self.sessions),
            warnings: std::mem::take(&mut self.warnings),
            format: ScheduleFormat::FrabXml,
            rooms: std::mem::take(&mut self.rooms),
        })
    }

    /// Implements the key rule from the module documentation.
    fn assign_keys(&mut self) -> Result<(), ParseError> {
        let mut guid_count: HashMap<&str, (usize, usize)> = HashMap::new();
        for (i, s) in self.sessions.iter().enumerate() {
            if let Some(g) = s.guid.as_deref() {
                guid_count.entry(g).or_insert((0, i)).0 += 1;
            }
        }
        let mut dup_guids = Vec::new();
        let mut bases: Vec<Option<String>> = Vec::with_capacity(self.sessions.len());
        for (i, s) in self.sessions.iter().enumerate() {
            let unique_guid = match s.guid.as_deref() {
                Some(g) => match guid_count.get(g) {
                    Some((1, _)) => true,
                    Some((_, first)) => {
                        if *first != i {
                            dup_guids.push((i, *first, g.to_owned()));
                        }
                        false
                    }
                    None => false,
                },
                None => false,
            };
            bases.push(if unique_guid {
                None
            } else {
                let start = s.start.format("%Y-%m-%dT%H:%M:%SZ").to_string();
                Some(match s.source_id.as_deref() {
                    Some(id) => format!("id:{id}@{start}"),
                    None => format!("slot:{}", common::short_hash(&[&s.room, &start, &s.title])),
                })
            });
        }
        let mut base_count: HashMap<&str, usize> = HashMap::new();
        for b in bases.iter().flatten() {
            *base_count.entry(b.as_str()).or_insert(0) += 1;
        }
        let keys: Vec<String> = bases
            .iter()
            .zip(&self.sessions)
            .map(|(b, s)| match b {
                None => s.guid.clone().unwrap_or_default(),
                Some(b) if base_count.get(b.as_str()).copied().unwrap_or(0) > 1 => {
                    format!("{b}/{}", common::short_hash(&[&s.room, &s.title]))
                }
                Some(b) => b.clone(),
            })
            .collect();
        drop(base_count);
        drop(guid_count);

        for (i, first, guid) in dup_guids {
            let first_pos = self.lines.position(self.offsets[first]);
            let msg = format!(
                "event '{}': guid '{guid}' is also used by the event at {first_pos}; both are keyed by a composite key instead",
                self.sessions[i].title
            );
            self.warn(self.offsets[i], msg);
        }

        let mut seen: HashMap<&str, usize> = HashMap::with_capacity(keys.len());
        for (i, k) in keys.iter().enumerate() {
            if let Some(&first) = seen.get(k.as_str()) {
                let first_pos = self.lines.position(self.offsets[first]);
                return Err(self.err(
                    self.offsets[i],
                    format!(
                        "event '{}' duplicates the event at {first_pos} (same id, start, room and title); cannot give it a distinct key",
                        self.sessions[i].title
                    ),
                ));
            }
            seen.insert(k, i);
        }
        drop(seen);
        for (s, k) in self.sessions.iter_mut().zip(keys) {
            s.key = k;
        }
        Ok(())
    }
}

/// A parsed `<date>`: with an explicit offset, or naive wall-clock time.
pub(crate) enum Instant {
    Offset(DateTime<FixedOffset>),
    Naive(NaiveDateTime),
}

/// Parses ISO 8601 date-times as written by schedule exporters.
pub(crate) fn parse_datetime(s: &str) -> Option<Instant> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(Instant::Offset(t));
    }
    for fmt in [
        "%Y-%m-%dT%H:%M%:z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(s, fmt) {
            return Some(Instant::Offset(t));
        }
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(Instant::Naive(t));
        }
    }
    None
}

/// Parses a wall-clock `HH:MM` or `HH:MM:SS`.
pub(crate) fn parse_clock(s: &str) -> Option<NaiveTime> {
    let s = s.trim();
    NaiveTime::parse_from_str(s, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M"))
        .ok()
}

/// Trims; `None` when nothing is left.
fn non_empty(s: Option<String>) -> Option<String> {
    let s = s?;
    let t = s.trim();
    if t.is_empty() {
        None
    } else if t.len() == s.len() {
        Some(s)
    } else {
        Some(t.to_owned())
    }
}

/// Keeps the text untouched unless it is blank.
fn non_blank(s: String) -> Option<String> {
    if s.trim().is_empty() {
        None
    } else {
        Some(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../schedule/sample-conference.xml"
    );

    use crate::test_support::{fixture, utc};

    fn at(line: u32, column: u32) -> Position {
        Position::LineColumn { line, column }
    }

    fn brussels() -> ParseOptions {
        ParseOptions {
            fallback_time_zone: Some(chrono_tz::Europe::Brussels),
            ..ParseOptions::default()
        }
    }

    fn find<'s>(s: &'s ParsedSchedule, title: &str, start: &str) -> &'s ParsedSession {
        let start = utc(start);
        s.sessions
            .iter()
            .find(|e| e.title == title && e.start == start)
            .unwrap_or_else(|| panic!("no event '{title}' at {start}"))
    }

    fn check(e: &ParsedSession, end: &str, room: &str, track: Option<&str>) {
        assert_eq!(e.end, utc(end), "{}", e.title);
        assert_eq!(e.room, room, "{}", e.title);
        assert_eq!(e.track.as_deref(), track, "{}", e.title);
    }

    fn assert_unique_keys(s: &ParsedSchedule) {
        let mut keys: Vec<&str> = s.sessions.iter().map(|e| e.key.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), s.sessions.len());
    }

    #[test]
    fn fixture_31c3_frab_2014() {
        let Some(xml) = fixture("frab_31c3-2014_schedule.xml") else {
            return;
        };
        let s = parse_frab_xml(&xml, &ParseOptions::default()).expect("31c3 parses");
        assert_eq!(s.sessions.len(), 138);
        assert_eq!(s.conference.title, "31. Chaos Communication Congress");
        assert_eq!(s.conference.acronym.as_deref(), Some("31c3"));
        assert_eq!(s.conference.time_zone.map(|z| z.name()), Some("Etc/GMT-1"));
        assert!(s
            .warnings
            .iter()
            .any(|w| w.message.contains("no <time_zone_name>")
                && w.message.contains("assumed to be UTC+01:00")));
        let opening = find(&s, "31C3 Opening Event", "2014-12-27T10:00:00Z");
        check(opening, "2014-12-27T10:30:00Z", "Saal 1", Some("CCC"));
        assert_eq!(opening.persons, ["erdgeist", "Geraldine de Bastion"]);
        assert_eq!(opening.key, "29aecfd7-2e44-4f49-ab86-29b5e0877325");
        // After midnight, still listed under the first day.
        let citizenfour = find(&s, "Citizenfour", "2014-12-27T23:00:00Z");
        check(
            citizenfour,
            "2014-12-28T01:15:00Z",
            "Saal 1",
            Some("Entertainment"),
        );
        assert_eq!(citizenfour.day, NaiveDate::from_ymd_opt(2014, 12, 27));
        let base64 = s
            .sessions
            .iter()
            .find(|e| e.guid.as_deref() == Some("HOqeNIb6G7M4hYFKFRkCmQ"))
            .expect("base64 guid event");
        assert_eq!(base64.key, "HOqeNIb6G7M4hYFKFRkCmQ");
        assert_eq!(
            base64.title,
            "„Wir beteiligen uns aktiv an den Diskussionen“"
        );
        assert_eq!(base64.track.as_deref(), Some("Ethics, Society & Politics"));
        assert_eq!(base64.start, utc("2014-12-27T11:45:00Z"));
        assert_unique_keys(&s);
    }

    #[test]
    fn fixture_fosdem_2021_needs_a_zone() {
        let Some(xml) = fixture("pentabarf_fosdem-2021_schedule.xml") else {
            return;
        };
        let err = parse_frab_xml(&xml, &ParseOptions::default()).expect_err("no zone");
        assert_eq!(err.position, at(16, 7));
        assert!(err.message.contains("--timezone ZONE"), "{err}");

        let s = parse_frab_xml(&xml, &brussels()).expect("FOSDEM parses with a zone");
        assert_eq!(s.sessions.len(), 773);
        assert_eq!(s.conference.time_zone, Some(chrono_tz::Europe::Brussels));
        // 09:00 CET on the day date = 08:00Z.
        let welcome = find(&s, "Welcome to FOSDEM 2021", "2021-02-06T08:00:00Z");
        check(welcome, "2021-02-06T08:25:00Z", "K.fosdem", Some("FOSDEM"));
        assert_eq!(welcome.key, "id:11795@2021-02-06T08:00:00Z");
        assert_eq!(welcome.guid, None);
        assert_eq!(welcome.language, None);
        assert_eq!(
            welcome.abstract_text.as_deref(),
            Some("<p>FOSDEM welcome and opening talk.</p>")
        );
        let compost = find(
            &s,
            "COMPOST: Exploring artist-centric development through Distributed Press",
            "2021-02-07T16:05:00Z",
        );
        check(
            compost,
            "2021-02-07T17:00:00Z",
            "D.blockchain",
            Some("Beyond Blockchain - Distributed Web"),
        );
        assert!(s
            .warnings
            .iter()
            .any(|w| w.message.starts_with("773 event(s) have no <date>")));
        assert_unique_keys(&s);
    }

    #[test]
    fn fixture_36c3_merged() {
        let Some(xml) = fixture("voc-merged_36c3-2019_schedule.xml") else {
            return;
        };
        let t0 = std::time::Instant::now();
        let s = parse_frab_xml(&xml, &ParseOptions::default()).expect("36c3 parses");
        eprintln!("36C3 ({} bytes) parsed in {:?}", xml.len(), t0.elapsed());
        assert_eq!(s.sessions.len(), 1351);
        let opening = find(&s, "Opening Ceremony", "2019-12-27T10:00:00Z");
        check(opening, "2019-12-27T10:30:00Z", "Ada", Some("CCC"));
        // 00:50 local on the 28th, listed under day 2019-12-27.
        let jeopardy = find(&s, "Hacker Jeopardy", "2019-12-27T23:50:00Z");
        check(
            jeopardy,
            "2019-12-28T01:50:00Z",
            "Ada",
            Some("Entertainment"),
        );
        assert_eq!(jeopardy.day, NaiveDate::from_ymd_opt(2019, 12, 27));
        assert_eq!(jeopardy.subtitle.as_deref(), Some("Zahlenraten für Geeks"));
        // A guid shared by two slots: both fall back to composite keys.
        let shared: Vec<_> = s
            .sessions
            .iter()
            .filter(|e| e.guid.as_deref() == Some("81f5f0c4-3d35-522c-8f1c-c8825b92f00a"))
            .collect();
        assert_eq!(shared.len(), 2);
        assert!(
            shared.iter().all(|e| e.key.starts_with("id:")),
            "{shared:?}"
        );
        let dup_warnings = s
            .warnings
            .iter()
            .filter(|w| w.message.contains("guid '"))
            .count();
        assert_eq!(dup_warnings, 3);
        let mismatches = s
            .warnings
            .iter()
            .filter(|w| w.message.contains("differs from"))
            .count();
        assert_eq!(mismatches, 87);
        assert!(s.sessions.iter().any(|e| e.room == "headnut"));
        assert_unique_keys(&s);
    }

    #[test]
    fn fixture_democon_dst() {
        let Some(xml) = fixture("pretalx-generated_democon-dst_schedule.xml") else {
            return;
        };
        let s = parse_frab_xml(&xml, &ParseOptions::default()).expect("democon parses");
        assert_eq!(s.sessions.len(), 36);
        assert_eq!(s.conference.time_zone, Some(chrono_tz::Europe::Berlin));
        assert!(!s
            .warnings
            .iter()
            .any(|w| w.message.contains("time_zone_name")));
        let before = find(&s, "Adaptive cohesive array", "2026-10-24T08:00:00Z");
        check(
            before,
            "2026-10-24T08:30:00Z",
            "Light Sea Green Room",
            Some("Cross-group"),
        );
        assert_eq!(before.key, "750fc229-fcd1-5a45-8a6d-8573762348b0");
        // After the DST change: 10:00 CET = 09:00Z.
        let after = find(
            &s,
            "Up-sized foreground infrastructure",
            "2026-10-25T09:00:00Z",
        );
        check(
            after,
            "2026-10-25T09:30:00Z",
            "Light Sea Green Room",
            Some("Cross-group"),
        );
        assert_eq!(
            after.url.as_deref(),
            Some("http://localhost/democon/talk/8FD8WR/")
        );
        assert_unique_keys(&s);
    }

    #[test]
    fn sample_conference() {
        let xml = std::fs::read(SAMPLE).expect("schedule/sample-conference.xml is committed");
        let s = parse_frab_xml(&xml, &ParseOptions::default()).expect("sample parses");
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
        assert_eq!(
            s.conference.title,
            "Hallway Plumbers Sample Conference 2026"
        );
        assert_eq!(s.conference.acronym.as_deref(), Some("hpsc2026"));
        assert_eq!(s.conference.time_zone, Some(chrono_tz::Europe::Vienna));
        assert!(s.sessions.len() >= 110, "{}", s.sessions.len());
        let mut days: Vec<_> = s.sessions.iter().filter_map(|e| e.day).collect();
        days.sort_unstable();
        days.dedup();
        assert_eq!(days.len(), 3);
        let mut rooms: Vec<_> = s.sessions.iter().map(|e| e.room.as_str()).collect();
        rooms.sort_unstable();
        rooms.dedup();
        let mut expected = [
            "Refereed Track",
            "Kernel Summit",
            "Networking & BPF",
            "Toolchains",
            "Microconference 1",
            "Microconference 2",
            "Microconference 3",
        ];
        expected.sort_unstable();
        assert_eq!(rooms, expected);
        assert!(s
            .sessions
            .iter()
            .all(|e| !e.persons.is_empty() && e.persons.len() <= 3));
        let t = utc("2026-09-15T07:15:00Z");
        let running: Vec<_> = s
            .sessions
            .iter()
            .filter(|e| e.start <= t && t < e.end)
            .collect();
        for e in &running {
            eprintln!(
                "running at {t}: {} | {} | {} – {}",
                e.room, e.title, e.start, e.end
            );
        }
        assert!(running.len() >= 6, "{}", running.len());
        let ks2 = s
            .sessions
            .iter()
            .filter(|e| e.room == "Kernel Summit" && e.day == NaiveDate::from_ymd_opt(2026, 9, 16))
            .min_by_key(|e| e.start)
            .expect("Kernel Summit on day 2");
        eprintln!(
            "first Kernel Summit day 2: {} | {} – {}",
            ks2.title, ks2.start, ks2.end
        );
        assert_eq!(ks2.start, utc("2026-09-16T07:00:00Z"));
        assert!(s
            .sessions
            .iter()
            .all(|e| e.guid.as_deref() == Some(e.key.as_str())));
        assert!(s.sessions.iter().any(|e| e
            .abstract_text
            .as_deref()
            .is_some_and(|a| a.contains("<script>"))));
    }

    #[test]
    fn durations() {
        let table: &[(&str, bool, Option<i64>)] = &[
            ("00:30", false, Some(30)),
            ("0:30", false, Some(30)),
            ("1:30", false, Some(90)),
            ("12:00", false, Some(720)),
            ("100:00", false, Some(6000)),
            (" 01:15 ", false, Some(75)),
            ("00:05:00", false, Some(5)),
            ("01:02:00", false, Some(62)),
            ("1:02:00", true, Some(26 * 60)),
            ("0:01:30", true, Some(90)),
            ("00:00", false, Some(0)),
            ("1:xx", false, None),
            ("1:5", false, None),
            ("1:60", false, None),
            ("-0:30", false, None),
            ("+1:00", false, None),
            ("30", false, None),
            ("", false, None),
            ("1:00:60", false, None),
            ("1:24:00", true, None),
            ("1:2:3:4", false, None),
            ("１:00", false, None),
        ];
        for &(s, pretalx, minutes) in table {
            let got = parse_duration(s, pretalx).map(|d| d.num_minutes());
            assert_eq!(got, minutes, "parse_duration({s:?}, {pretalx})");
        }
        assert_eq!(
            parse_duration("00:00:30", false),
            Some(Duration::seconds(30))
        );
    }

    // ---- small documents: lines 1-4 are the head, the event opens on line 5.

    const HEAD: &str = "<schedule>\n<conference><title>T</title><time_zone_name>Europe/Berlin</time_zone_name></conference>\n<day index='1' date='2026-05-04'>\n<room name='R'>\n";
    const TAIL: &str = "</room>\n</day>\n</schedule>\n";

    /// Event on line 5; each body line is indented by six spaces (column 7).
    fn doc(body: &[&str]) -> String {
        let mut s = String::from(HEAD);
        s.push_str("<event guid='g1' id='1'>\n");
        for line in body {
            s.push_str("      ");
            s.push_str(line);
            s.push('\n');
        }
        s.push_str("</event>\n");
        s.push_str(TAIL);
        s
    }

    fn ok(xml: &str, opts: &ParseOptions) -> ParsedSchedule {
        parse_frab_xml(xml.as_bytes(), opts).unwrap_or_else(|e| panic!("{e}\n{xml}"))
    }

    fn fails(xml: &[u8], opts: &ParseOptions) -> ParseError {
        match parse_frab_xml(xml, opts) {
            Ok(s) => panic!("accepted: {s:?}"),
            Err(e) => e,
        }
    }

    fn fails_default(xml: &str) -> ParseError {
        fails(xml.as_bytes(), &ParseOptions::default())
    }

    const GOOD: &[&str] = &[
        "<title>Foo</title>",
        "<date>2026-05-04T10:00:00+02:00</date>",
        "<duration>00:30</duration>",
        "<room>R</room>",
    ];

    #[test]
    fn accepts_a_minimal_event() {
        let s = ok(&doc(GOOD), &ParseOptions::default());
        assert_eq!(s.sessions.len(), 1);
        let e = &s.sessions[0];
        assert_eq!(
            (e.key.as_str(), e.title.as_str(), e.room.as_str()),
            ("g1", "Foo", "R")
        );
        assert_eq!(e.start, utc("2026-05-04T08:00:00Z"));
        assert_eq!(e.end, utc("2026-05-04T08:30:00Z"));
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    }

    #[test]
    fn accepts_declaration_comment_quotes_cdata_refs_and_unknown_elements() {
        let xml = "<?xml version='1.0' encoding='utf-8' ?>\n<!-- made by hand -->\n<schedule xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n<conference><title>A &amp; B</title><venue>X</venue><time_zone_name>UTC</time_zone_name></conference>\n<day index='1' date='2026-05-04'><room name='R'>\n<event id='7'><answers><a>1</a></answers><title>Caf&#233; &apos;talk&apos;</title><date>2026-05-04T10:00:00Z</date><duration>1:00</duration>\n<abstract><![CDATA[<p>raw & html</p>]]></abstract><description>&lt;b&gt;x&lt;/b&gt;\r\nline</description><persons><person id='1'> Ann </person><person/></persons><recording><url>https://rec</url></recording><url> https://ev </url></event>\n</room></day></schedule>";
        let s = ok(xml, &ParseOptions::default());
        let e = &s.sessions[0];
        assert_eq!(s.conference.title, "A & B");
        assert_eq!(e.title, "Café 'talk'");
        assert_eq!(e.abstract_text.as_deref(), Some("<p>raw & html</p>"));
        assert_eq!(e.description.as_deref(), Some("<b>x</b>\nline"));
        assert_eq!(e.persons, ["Ann"]);
        assert_eq!(e.url.as_deref(), Some("https://ev"));
        assert_eq!(e.key, "id:7@2026-05-04T10:00:00Z");
        assert_eq!(e.track, None);
    }

    #[test]
    fn accepts_a_byte_order_mark_and_crlf() {
        let xml = format!("\u{feff}{}", doc(GOOD).replace('\n', "\r\n"));
        let s = ok(&xml, &ParseOptions::default());
        assert_eq!(s.sessions[0].title, "Foo");
        let err = fails_default(&xml.replace("00:30", "0:3"));
        assert_eq!(err.position, at(8, 7));
    }

    #[test]
    fn pretalx_generator_reads_three_part_durations_as_days() {
        let xml = doc(GOOD)
            .replace("<schedule>", "<schedule><generator name='pretalx'/>")
            .replace("00:30", "1:02:00");
        let s = ok(&xml, &ParseOptions::default());
        assert_eq!(s.sessions[0].end - s.sessions[0].start, Duration::hours(26));
        assert_eq!(s.warnings.len(), 1);
        assert_eq!(s.warnings[0].position, at(8, 7));
        assert!(s.warnings[0].message.contains("D:HH:MM"));
    }

    #[test]
    fn undated_events_use_day_and_start_rolling_after_midnight() {
        let xml = "<schedule>\n<conference><title>T</title><day_change>06:00:00</day_change></conference>\n<day index='1' date='2026-10-24'>\n<room name='R'>\n<event id='1'><title>Late</title><start>01:30</start><duration>00:30</duration></event>\n<event id='2'><title>Early</title><start>09:00</start><duration>00:30</duration></event>\n</room>\n</day>\n</schedule>";
        let err = fails_default(xml);
        assert_eq!(err.position, at(5, 1));
        assert!(
            err.message.starts_with("event 'Late' has no <date>"),
            "{err}"
        );
        assert!(err.message.contains("pass --timezone ZONE"), "{err}");

        let opts = ParseOptions {
            fallback_time_zone: Some(chrono_tz::Europe::Berlin),
            ..ParseOptions::default()
        };
        let s = ok(xml, &opts);
        // 01:30 is before day_change 06:00 -> next calendar day (still CEST).
        assert_eq!(s.sessions[0].start, utc("2026-10-24T23:30:00Z"));
        assert_eq!(s.sessions[0].day, NaiveDate::from_ymd_opt(2026, 10, 24));
        assert_eq!(s.sessions[1].start, utc("2026-10-24T07:00:00Z"));
        assert!(s
            .warnings
            .iter()
            .any(|w| w.message.contains("using Europe/Berlin")));
    }

    #[test]
    fn dst_gap_is_an_error_and_overlap_a_warning() {
        let mk = |date: &str, start: &str| {
            format!("<schedule>\n<conference><title>T</title><time_zone_name>Europe/Berlin</time_zone_name></conference>\n<day index='1' date='{date}'><room name='R'>\n<event id='1'><title>X</title>\n<start>{start}</start><duration>00:30</duration></event>\n</room></day></schedule>")
        };
        let err = fails_default(&mk("2026-03-29", "02:30"));
        assert_eq!(err.position, at(5, 1));
        assert_eq!(
            err.message,
            "event 'X': local time 2026-03-29 02:30 does not exist in Europe/Berlin (skipped by a DST change)"
        );
        let s = ok(&mk("2026-10-25", "02:30"), &ParseOptions::default());
        assert_eq!(s.sessions[0].start, utc("2026-10-25T00:30:00Z"));
        let w = s
            .warnings
            .iter()
            .find(|w| w.message.contains("occurs twice"))
            .expect("warning");
        assert_eq!(w.position, at(5, 1));
    }

    #[test]
    fn warns_on_room_mismatch_empty_room_and_duplicate_guid() {
        let mut xml = String::from(HEAD);
        xml.push_str("<event guid='same' id='1'><title>A</title><date>2026-05-04T10:00:00+02:00</date><duration>00:30</duration>\n<room>Other</room></event>\n");
        xml.push_str("<event guid='same' id='2'><title>B</title><date>2026-05-04T11:00:00+02:00</date><duration>00:30</duration></event>\n");
        xml.push_str("</room>\n<room name=''>\n<event id='3'><title>C</title><date>2026-05-04T11:00:00+02:00</date><duration>00:30</duration></event>\n");
        xml.push_str(TAIL);
        let s = ok(&xml, &ParseOptions::default());
        let msgs: Vec<String> = s.warnings.iter().map(|w| w.to_string()).collect();
        assert_eq!(
            msgs,
            [
                "line 6, column 1: event 'A': <room>Other</room> differs from the enclosing <room name='R'>; using 'Other'",
                "line 10, column 1: event 'C' has an empty room name",
                "line 7, column 1: event 'B': guid 'same' is also used by the event at line 5, column 1; both are keyed by a composite key instead",
            ]
        );
        let keys: Vec<&str> = s.sessions.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "id:1@2026-05-04T08:00:00Z",
                "id:2@2026-05-04T09:00:00Z",
                "id:3@2026-05-04T09:00:00Z"
            ]
        );
        assert_eq!(s.sessions[0].room, "Other");
    }

    #[test]
    fn composite_keys_disambiguate_then_fail() {
        let ev = |id: &str, title: &str, guid: &str| {
            format!("<event{guid} id='{id}'><title>{title}</title><date>2026-05-04T10:00:00+02:00</date><duration>00:30</duration></event>\n")
        };
        // Same id and start, different titles: hashed suffix.
        let xml = format!("{HEAD}{}{}{TAIL}", ev("1", "A", ""), ev("1", "B", ""));
        let s = ok(&xml, &ParseOptions::default());
        assert!(s.sessions[0].key.starts_with("id:1@2026-05-04T08:00:00Z/"));
        assert_ne!(s.sessions[0].key, s.sessions[1].key);
        assert_eq!(
            s.sessions[0].key.len(),
            "id:1@2026-05-04T08:00:00Z/".len() + 16
        );
        // No id: slot hash.
        let xml = format!("{HEAD}{}{TAIL}", ev("", "A", "").replace(" id=''", ""));
        let s = ok(&xml, &ParseOptions::default());
        assert!(s.sessions[0].key.starts_with("slot:") && s.sessions[0].key.len() == 21);
        // Identical twice: error at the second.
        let xml = format!(
            "{HEAD}{}{}{TAIL}",
            ev("1", "A", " guid='g'"),
            ev("1", "A", " guid='g'")
        );
        let err = fails_default(&xml);
        assert_eq!(
            err.to_string(),
            "line 6, column 1: event 'A' duplicates the event at line 5, column 1 (same id, start, room and title); cannot give it a distinct key"
        );
    }

    #[test]
    fn rejects_oversized_input() {
        let xml = doc(GOOD);
        let opts = ParseOptions {
            max_bytes: 100,
            ..ParseOptions::default()
        };
        let err = fails(xml.as_bytes(), &opts);
        assert_eq!(err.position, Position::Whole);
        assert_eq!(
            err.message,
            format!(
                "input is {} bytes, more than the limit of 100 bytes",
                xml.len()
            )
        );
        assert_eq!(err.to_string(), format!("file: {}", err.message));
    }

    #[test]
    fn rejects_invalid_utf8_at_the_bad_byte() {
        let err = fails(
            b"<schedule>\n  <t\xc3\xa9tle>\xff</t\xc3\xa9tle>",
            &ParseOptions::default(),
        );
        assert_eq!(
            err.to_string(),
            "line 2, column 10: input is not valid UTF-8"
        );
    }

    #[test]
    fn rejects_doctype_and_entity_declarations() {
        let xml = "<?xml version='1.0'?>\n<!DOCTYPE schedule [<!ENTITY boom 'x'>]>\n<schedule/>";
        let err = fails_default(xml);
        assert_eq!(err.position, at(2, 1));
        assert_eq!(
            err.message,
            "DOCTYPE declarations are not allowed (no DTDs or entity declarations)"
        );
        let err = fails_default(&doc(GOOD).replace("<title>Foo", "<title>&boom;Foo"));
        assert_eq!(err.position, at(6, 14));
        assert!(
            err.message.starts_with("undefined entity '&boom;'"),
            "{err}"
        );
    }

    #[test]
    fn rejects_deep_nesting() {
        let opts = ParseOptions {
            max_depth: 4,
            ..ParseOptions::default()
        };
        let err = fails(doc(GOOD).as_bytes(), &opts);
        assert_eq!(
            err.to_string(),
            "line 6, column 7: elements nested deeper than 4 levels"
        );
        let deep = format!("<schedule>\n{}", "<a>".repeat(100));
        let err = fails_default(&deep);
        assert_eq!(err.position, at(2, 190));
    }

    #[test]
    fn rejects_malformed_xml_with_position() {
        let err = fails_default(&doc(GOOD).replace("</room>\n</day>", "</rooms>\n</day>"));
        assert_eq!(err.position, at(11, 1));
        assert!(err.message.starts_with("malformed XML:"), "{err}");
        let err = fails_default("<schedule>\n<conference a='1' a='2'>");
        assert!(err.message.starts_with("malformed attribute:"), "{err}");
        assert_eq!(err.position, at(2, 1));
        let err = fails_default("<schedule>\n<day>");
        assert_eq!(
            err.to_string(),
            "line 2, column 6: unexpected end of input: 2 element(s) not closed"
        );
    }

    #[test]
    fn rejects_wrong_root() {
        let err = fails_default("<!-- x -->\n  <iCalendar/>");
        assert_eq!(err.to_string(), "line 2, column 3: root element is <iCalendar>, expected <schedule> (not a frab/pentabarf schedule)");
    }

    #[test]
    fn rejects_a_schedule_without_events() {
        let err = fails_default(&format!("\n{HEAD}{TAIL}"));
        assert_eq!(
            err.to_string(),
            "line 2, column 1: the schedule contains no events"
        );
    }

    #[test]
    fn rejects_event_without_title() {
        let err = fails_default(&doc(&GOOD[1..]));
        assert_eq!(
            err.to_string(),
            "line 5, column 1: event id='1' has no <title>"
        );
        let err = fails_default(&doc(&["<title>  </title>", GOOD[1], GOOD[2]]));
        assert_eq!(
            err.to_string(),
            "line 5, column 1: event id='1' has no <title>"
        );
    }

    #[test]
    fn rejects_bad_duration() {
        let err = fails_default(&doc(&[GOOD[0], GOOD[1], "<duration>1:xx</duration>"]));
        assert_eq!(
            err.to_string(),
            "line 8, column 7: event 'Foo': duration '1:xx' is not H:MM, HH:MM or HH:MM:SS"
        );
        let err = fails_default(&doc(&[GOOD[0], GOOD[1]]));
        assert_eq!(
            err.to_string(),
            "line 5, column 1: event 'Foo' has no <duration>"
        );
    }

    #[test]
    fn rejects_negative_and_absurd_durations() {
        let err = fails_default(&doc(&[GOOD[0], GOOD[1], "<duration>-0:30</duration>"]));
        assert_eq!(
            err.to_string(),
            "line 8, column 7: event 'Foo': negative duration '-0:30'"
        );
        let err = fails_default(&doc(&[GOOD[0], GOOD[1], "<duration>169:00</duration>"]));
        assert_eq!(
            err.to_string(),
            "line 8, column 7: event 'Foo': duration '169:00' is longer than 7 days"
        );
        assert!(parse_frab_xml(
            doc(&[GOOD[0], GOOD[1], "<duration>168:00</duration>"]).as_bytes(),
            &ParseOptions::default()
        )
        .is_ok());
    }

    #[test]
    fn rejects_bad_dates() {
        let err = fails_default(&doc(&[GOOD[0], "<date>4 May 2026</date>", GOOD[2]]));
        assert_eq!(
            err.to_string(),
            "line 7, column 7: event 'Foo': date '4 May 2026' is not an ISO 8601 date-time with offset"
        );
        let err = fails_default(&doc(&[
            GOOD[0],
            "<date>1970-01-01T00:00:00Z</date>",
            GOOD[2],
        ]));
        assert_eq!(err.to_string(), "line 7, column 7: event 'Foo': date '1970-01-01T00:00:00Z' is outside the years 1990–2200");
        let err = fails_default(&doc(&[
            GOOD[0],
            "<date>2200-12-31T23:50:00Z</date>",
            GOOD[2],
        ]));
        assert!(err.message.contains("outside the years"), "{err}");
        let err = fails_default(&doc(&[GOOD[0], "<start>9h</start>", GOOD[2]]));
        assert_eq!(
            err.to_string(),
            "line 7, column 7: event 'Foo': start '9h' is not HH:MM or HH:MM:SS"
        );
        let err = fails_default(&doc(&[GOOD[0], GOOD[2]]));
        assert_eq!(
            err.to_string(),
            "line 5, column 1: event 'Foo' has neither <date> nor <start>"
        );
    }

    #[test]
    fn naive_date_uses_the_conference_zone_with_a_warning() {
        let s = ok(
            &doc(&[GOOD[0], "<date>2026-05-04T10:00:00</date>", GOOD[2]]),
            &ParseOptions::default(),
        );
        assert_eq!(s.sessions[0].start, utc("2026-05-04T08:00:00Z"));
        assert_eq!(s.warnings[0].position, at(7, 7));
    }
}

//! Parsers for Indico's JSON exports: the timetable export
//! (`/export/timetable/<id>.json`, the shape LPC used) and the event export
//! with contributions (`/export/event/<id>.json?detail=contributions`).
//!
//! # Rules
//! * Times: every `{date, time, tz}` triple is local time in its own `tz`
//!   (never the day key, never a fixed offset). `endDate` wins over
//!   `duration` minutes (which wrap at 24 h in Indico).
//! * Conference zone: event export `timezone`; timetable: the `tz` of the
//!   dates (a warning if they differ); else
//!   [`ParseOptions::fallback_time_zone`]. Each date's own `tz` is always
//!   used for its instant.
//! * Timetable: top-level `Session` blocks contribute their nested
//!   `Contribution`s; top-level `Contribution`s are taken as they are;
//!   `Break`s are skipped (one warning with the count); unknown entry types
//!   are skipped with a warning. A block (or top-level entry) listed under
//!   two day keys (it runs past midnight) is read once.
//! * Track: timetable → the session (block) title, LPC's notion (top-level
//!   contributions have none); event export → the contribution's `track`.
//! * Room (rooms map to video rooms): the contribution's `room`, else the
//!   enclosing block's `room`, else the session title (timetable) / session
//!   name (event export), else empty (warning).
//! * Persons: `presenters`, else `speakers`, else `primaryauthors`
//!   (`authors` for the timetable), "First Last" when both parts are given,
//!   else `name`/`fullName` as written.
//! * Unscheduled contributions (null dates) are skipped with one warning.
//! * Keys: `indico:contribution:<id>` where `<id>` is the contribution's
//!   database id (timetable `contributionId`, event export `db_id`, else its
//!   `id`) — the same in both exports; composite `indico:<entry id>@<UTC
//!   start>` (see `common`).
//! * `day`: the timetable day key of the (first) listing; event export: the
//!   local date of the start in the conference zone.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value};

use crate::common::{self, error, KeyParts};
use crate::error::ParseError;
use crate::json::{
    as_object, index_path, jp, key_path, kind, load_json, person_names, text, trimmed,
};
use crate::model::{Conference, ParsedSchedule, ParsedSession, Position, ScheduleFormat, Warning};
use crate::options::ParseOptions;

/// Parses an Indico timetable export.
pub fn parse_indico_timetable(
    input: &[u8],
    opts: &ParseOptions,
) -> Result<ParsedSchedule, ParseError> {
    let v = load_json(input, opts)?;
    timetable_from_value(&v, opts)
}

/// Parses an Indico event export with `detail=contributions`.
pub fn parse_indico_event(input: &[u8], opts: &ParseOptions) -> Result<ParsedSchedule, ParseError> {
    let v = load_json(input, opts)?;
    event_from_value(&v, opts)
}

/// `Some(true)` for a timetable export, `Some(false)` for an event export.
pub(crate) fn indico_kind(v: &Value) -> Option<bool> {
    let o = v.as_object()?;
    let results = o.get("results")?;
    let is_api = o.get("_type").and_then(Value::as_str) == Some("HTTPAPIResult")
        || o.contains_key("count")
        || o.contains_key("additionalInfo");
    match results {
        Value::Object(_) if is_api => Some(true),
        Value::Array(_) if is_api => Some(false),
        _ => None,
    }
}

/// A start and end instant.
type Span = (DateTime<Utc>, DateTime<Utc>);

/// Shared state of an Indico walk.
struct Acc<'a> {
    opts: &'a ParseOptions,
    warnings: Vec<Warning>,
    sessions: Vec<ParsedSession>,
    positions: Vec<Position>,
    parts: Vec<KeyParts>,
    rooms: Vec<String>,
    room_index: HashMap<String, ()>,
    zones: Vec<Tz>,
    breaks: usize,
    unscheduled: usize,
    first_unscheduled: Option<String>,
}

impl<'a> Acc<'a> {
    fn new(opts: &'a ParseOptions) -> Self {
        Self {
            opts,
            warnings: Vec::new(),
            sessions: Vec::new(),
            positions: Vec::new(),
            parts: Vec::new(),
            rooms: Vec::new(),
            room_index: HashMap::new(),
            zones: Vec::new(),
            breaks: 0,
            unscheduled: 0,
            first_unscheduled: None,
        }
    }

    fn warn(&mut self, path: &str, message: String) {
        self.warnings.push(Warning {
            position: jp(path),
            message,
        });
    }

    /// Reads a `{date, time, tz}` triple; `Ok(None)` when null/absent.
    fn instant(
        &mut self,
        obj: &Map<String, Value>,
        key: &str,
        path: &str,
        label: &str,
    ) -> Result<Option<DateTime<Utc>>, ParseError> {
        let p = key_path(path, key);
        let d = match obj.get(key) {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Object(d)) => d,
            Some(v) => {
                return Err(error(
                    jp(&p),
                    format!(
                        "{label}: expected a {{date, time, tz}} object, found {}",
                        kind(v)
                    ),
                ))
            }
        };
        let date = trimmed(d, "date", &p)?.unwrap_or_default();
        let time = trimmed(d, "time", &p)?.unwrap_or_default();
        let Ok(day) = NaiveDate::parse_from_str(&date, "%Y-%m-%d") else {
            return Err(error(
                jp(&key_path(&p, "date")),
                format!("{label}: date '{date}' is not YYYY-MM-DD"),
            ));
        };
        let Ok(clock) = NaiveTime::parse_from_str(&time, "%H:%M:%S%.f")
            .or_else(|_| NaiveTime::parse_from_str(&time, "%H:%M"))
        else {
            return Err(error(
                jp(&key_path(&p, "time")),
                format!("{label}: time '{time}' is not HH:MM:SS"),
            ));
        };
        let tz = match trimmed(d, "tz", &p)? {
            Some(name) => match name.parse::<Tz>() {
                Ok(tz) => tz,
                Err(_) => match self.opts.fallback_time_zone {
                    Some(tz) => {
                        self.warn(
                            &key_path(&p, "tz"),
                            format!("{label}: tz '{name}' is not a known IANA zone; using {tz}"),
                        );
                        tz
                    }
                    None => {
                        return Err(error(
                            jp(&key_path(&p, "tz")),
                            format!("{label}: tz '{name}' is not a known IANA zone: pass --timezone ZONE (an IANA name such as Europe/Zurich)"),
                        ))
                    }
                },
            },
            None => match self.opts.fallback_time_zone {
                Some(tz) => tz,
                None => {
                    return Err(error(
                        jp(&p),
                        format!("{label}: date has no tz and no time zone is configured: pass --timezone ZONE (an IANA name such as Europe/Zurich)"),
                    ))
                }
            },
        };
        if !self.zones.contains(&tz) {
            self.zones.push(tz);
        }
        let local = NaiveDateTime::new(day, clock);
        let t = common::resolve_local(tz, local, &jp(&p), label, &mut self.warnings)?;
        Ok(Some(t))
    }

    /// Start and end of an entry; `None` if unscheduled.
    fn span(
        &mut self,
        e: &Map<String, Value>,
        path: &str,
        label: &str,
        start_key: &str,
        end_key: &str,
    ) -> Result<Option<Span>, ParseError> {
        let Some(start) = self.instant(e, start_key, path, label)? else {
            return Ok(None);
        };
        let end = match self.instant(e, end_key, path, label)? {
            Some(end) => end,
            None => {
                let dp = key_path(path, "duration");
                let minutes = match e.get("duration") {
                    Some(Value::Number(n)) => n.as_f64().unwrap_or(f64::NAN),
                    None | Some(Value::Null) => {
                        return Err(error(
                            jp(path),
                            format!("{label} has neither {end_key} nor duration"),
                        ))
                    }
                    Some(v) => {
                        return Err(error(
                            jp(&dp),
                            format!("{label}: duration must be minutes, found {}", kind(v)),
                        ))
                    }
                };
                let max = (common::MAX_EVENT_DAYS * 24 * 60) as f64;
                if !minutes.is_finite() || minutes < 0.0 || minutes > max {
                    return Err(error(
                        jp(&dp),
                        format!("{label}: duration {minutes} minutes is negative or absurd"),
                    ));
                }
                // Checked above: 0 <= minutes <= 10 080.
                let secs = (minutes * 60.0).round() as i64;
                start
                    .checked_add_signed(chrono::Duration::seconds(secs))
                    .ok_or_else(|| error(jp(&dp), format!("{label}: end time out of range")))?
            }
        };
        let pos = jp(path);
        common::check_years(start, end, &pos, &format!("{label}: start/end"))?;
        common::check_length(start, end, &pos, label)?;
        Ok(Some((start, end)))
    }

    fn unscheduled(&mut self, path: &str) {
        if self.first_unscheduled.is_none() {
            self.first_unscheduled = Some(path.to_owned());
        }
        self.unscheduled += 1;
    }

    fn push(
        &mut self,
        session: ParsedSession,
        path: &str,
        primary: Option<String>,
        entry_id: &str,
    ) {
        if session.room.is_empty() {
            self.warn(path, format!("'{}' has no room", session.title));
        }
        common::note_room(&mut self.rooms, &mut self.room_index, &session.room);
        self.parts.push(KeyParts {
            primary: primary.map(|id| format!("indico:contribution:{id}")),
            composite: format!("indico:{entry_id}@{}", common::utc_stamp(session.start)),
            primary_name: "contribution id",
        });
        self.positions.push(jp(path));
        self.sessions.push(session);
    }

    fn finish(
        mut self,
        title: String,
        zone: Option<Tz>,
        format: ScheduleFormat,
        root_path: &str,
    ) -> Result<ParsedSchedule, ParseError> {
        if self.breaks > 0 {
            self.warn(
                root_path,
                format!(
                    "{} break(s) skipped (breaks are not joinable sessions)",
                    self.breaks
                ),
            );
        }
        if let Some(first) = self.first_unscheduled.take() {
            self.warn(
                &first,
                format!(
                    "{} unscheduled contribution(s) (no start date) skipped, the first here",
                    self.unscheduled
                ),
            );
        }
        if self.sessions.is_empty() {
            return Err(error(
                jp(root_path),
                "the schedule contains no scheduled contributions",
            ));
        }
        common::assign_keys(
            &mut self.sessions,
            std::mem::take(&mut self.parts),
            &self.positions,
            &mut self.warnings,
        )?;
        let zone = zone
            .or_else(|| self.zones.first().copied())
            .or(self.opts.fallback_time_zone);
        if title.is_empty() {
            self.warn(root_path, "the event has no title".to_owned());
        }
        Ok(ParsedSchedule {
            conference: Conference {
                title,
                acronym: None,
                time_zone: zone,
            },
            sessions: self.sessions,
            warnings: self.warnings,
            format,
            rooms: self.rooms,
        })
    }
}

/// Walks a timetable export value.
pub(crate) fn timetable_from_value(
    root: &Value,
    opts: &ParseOptions,
) -> Result<ParsedSchedule, ParseError> {
    let top = as_object(root, "$")?;
    let results = match top.get("results") {
        Some(Value::Object(r)) => r,
        Some(v) => {
            return Err(error(
                jp("$.results"),
                format!("expected an object keyed by event id, found {}", kind(v)),
            ))
        }
        None => return Err(error(jp("$"), "missing 'results' object")),
    };
    let mut acc = Acc::new(opts);
    let mut seen: HashSet<String> = HashSet::new();
    let mut duplicated = 0usize;
    for (event_id, days) in results {
        let ep = key_path("$.results", event_id);
        let days = as_object(days, &ep)?;
        for (day_key, entries) in days {
            let dp = key_path(&ep, day_key);
            let day = NaiveDate::parse_from_str(day_key, "%Y%m%d").ok();
            let entries = as_object(entries, &dp)?;
            for (entry_key, entry) in entries {
                let xp = key_path(&dp, entry_key);
                let entry = as_object(entry, &xp)?;
                let id = trimmed(entry, "id", &xp)?.unwrap_or_else(|| entry_key.clone());
                if !seen.insert(format!("{event_id}/{id}")) {
                    duplicated += 1;
                    continue;
                }
                let entry_type = trimmed(entry, "entryType", &xp)?.unwrap_or_default();
                match entry_type.as_str() {
                    "Session" => block(&mut acc, entry, &xp, day)?,
                    "Contribution" => contribution(&mut acc, entry, &xp, &id, day, None)?,
                    "Break" => acc.breaks += 1,
                    other => acc.warn(
                        &xp,
                        format!("entry '{id}' has unknown entryType '{other}'; skipped"),
                    ),
                }
            }
        }
    }
    if duplicated > 0 {
        acc.warn(
            "$.results",
            format!("{duplicated} entr(y/ies) listed under more than one day (running past midnight) were read once"),
        );
    }
    let mut zones = acc.zones.clone();
    zones.dedup();
    if let (Some(configured), Some(first)) = (opts.fallback_time_zone, zones.first()) {
        if configured != *first {
            acc.warn(
                "$.results",
                format!("the export's dates are in {first}, the configured zone is {configured}; each date uses its own tz, the conference zone is {first}"),
            );
        }
    }
    if zones.len() > 1 {
        let names: Vec<&str> = zones.iter().map(|z| z.name()).collect();
        acc.warn(
            "$.results",
            format!(
                "dates use several time zones ({}); each date uses its own, the conference zone is {}",
                names.join(", "),
                names[0]
            ),
        );
    }
    acc.finish(
        String::new(),
        None,
        ScheduleFormat::IndicoTimetable,
        "$.results",
    )
}

/// A session block: its nested contributions become sessions.
fn block(
    acc: &mut Acc<'_>,
    b: &Map<String, Value>,
    path: &str,
    day: Option<NaiveDate>,
) -> Result<(), ParseError> {
    let title = trimmed(b, "title", path)?;
    let room = trimmed(b, "room", path)?;
    let entries_path = key_path(path, "entries");
    let entries = match b.get("entries") {
        Some(Value::Object(e)) => e,
        None | Some(Value::Null) => return Ok(()),
        Some(v) => {
            return Err(error(
                jp(&entries_path),
                format!("expected an object of entries, found {}", kind(v)),
            ))
        }
    };
    let ctx = BlockCtx {
        title: title.as_deref(),
        room: room.as_deref(),
    };
    for (key, entry) in entries {
        let xp = key_path(&entries_path, key);
        let entry = as_object(entry, &xp)?;
        let id = trimmed(entry, "id", &xp)?.unwrap_or_else(|| key.clone());
        let entry_type = trimmed(entry, "entryType", &xp)?.unwrap_or_default();
        match entry_type.as_str() {
            "Contribution" => contribution(acc, entry, &xp, &id, day, Some(&ctx))?,
            "Break" => acc.breaks += 1,
            other => acc.warn(
                &xp,
                format!("entry '{id}' inside a session block has unexpected entryType '{other}'; skipped"),
            ),
        }
    }
    Ok(())
}

/// What a nested contribution inherits from its block.
struct BlockCtx<'b> {
    title: Option<&'b str>,
    room: Option<&'b str>,
}

/// A timetable contribution (top level or nested).
fn contribution(
    acc: &mut Acc<'_>,
    c: &Map<String, Value>,
    path: &str,
    id: &str,
    day: Option<NaiveDate>,
    block: Option<&BlockCtx<'_>>,
) -> Result<(), ParseError> {
    let Some(title) = trimmed(c, "title", path)? else {
        return Err(error(jp(path), format!("contribution '{id}' has no title")));
    };
    let label = format!("contribution '{title}'");
    let Some((start, end)) = acc.span(c, path, &label, "startDate", "endDate")? else {
        acc.unscheduled(path);
        return Ok(());
    };
    let track = block.and_then(|b| b.title).map(str::to_owned);
    let room = trimmed(c, "room", path)?
        .or_else(|| block.and_then(|b| b.room).map(str::to_owned))
        .or_else(|| track.clone())
        .unwrap_or_default();
    let mut persons = person_names(c, "presenters", path)?;
    if persons.is_empty() {
        persons = person_names(c, "speakers", path)?;
    }
    if persons.is_empty() {
        persons = person_names(c, "authors", path)?;
    }
    let contribution_id = trimmed(c, "contributionId", path)?;
    let session = ParsedSession {
        key: String::new(),
        guid: None,
        source_id: Some(id.to_owned()),
        code: trimmed(c, "code", path)?,
        title,
        subtitle: None,
        start,
        end,
        room,
        track,
        kind: None,
        language: None,
        persons,
        abstract_text: None,
        description: common::non_blank(text(c, "description", path)?.as_deref()),
        url: trimmed(c, "url", path)?,
        day,
        do_not_record: false,
    };
    acc.push(session, path, contribution_id, id);
    Ok(())
}

/// Walks an event export value.
pub(crate) fn event_from_value(
    root: &Value,
    opts: &ParseOptions,
) -> Result<ParsedSchedule, ParseError> {
    let top = as_object(root, "$")?;
    let results = match top.get("results") {
        Some(Value::Array(r)) => r,
        Some(v) => {
            return Err(error(
                jp("$.results"),
                format!("expected an array of events, found {}", kind(v)),
            ))
        }
        None => return Err(error(jp("$"), "missing 'results' array")),
    };
    let mut acc = Acc::new(opts);
    let mut title = String::new();
    let mut zone: Option<Tz> = None;
    for (ei, event) in results.iter().enumerate() {
        let ep = index_path("$.results", ei);
        let event = as_object(event, &ep)?;
        if title.is_empty() {
            title = trimmed(event, "title", &ep)?.unwrap_or_default();
        }
        let event_zone = match trimmed(event, "timezone", &ep)? {
            Some(name) => match name.parse::<Tz>() {
                Ok(tz) => Some(tz),
                Err(_) => {
                    acc.warn(
                        &key_path(&ep, "timezone"),
                        format!("timezone '{name}' is not a known IANA zone; ignored"),
                    );
                    None
                }
            },
            None => None,
        };
        zone = zone.or(event_zone);
        let cp = key_path(&ep, "contributions");
        let list = match event.get("contributions") {
            Some(Value::Array(c)) => c,
            None | Some(Value::Null) => continue,
            Some(v) => {
                return Err(error(
                    jp(&cp),
                    format!("expected an array of contributions, found {}", kind(v)),
                ))
            }
        };
        let day_zone = event_zone.or(opts.fallback_time_zone);
        for (ci, c) in list.iter().enumerate() {
            let xp = index_path(&cp, ci);
            let c = as_object(c, &xp)?;
            event_contribution(&mut acc, c, &xp, day_zone)?;
        }
    }
    acc.finish(title, zone, ScheduleFormat::IndicoEvent, "$.results")
}

/// One contribution of the event export.
fn event_contribution(
    acc: &mut Acc<'_>,
    c: &Map<String, Value>,
    path: &str,
    day_zone: Option<Tz>,
) -> Result<(), ParseError> {
    let id = trimmed(c, "id", path)?.unwrap_or_default();
    let Some(title) = trimmed(c, "title", path)? else {
        return Err(error(jp(path), format!("contribution '{id}' has no title")));
    };
    let label = format!("contribution '{title}'");
    let Some((start, end)) = acc.span(c, path, &label, "startDate", "endDate")? else {
        acc.unscheduled(path);
        return Ok(());
    };
    let session_name = trimmed(c, "session", path)?;
    let room = trimmed(c, "room", path)?
        .or(trimmed(c, "roomFullname", path)?)
        .or_else(|| session_name.clone())
        .unwrap_or_default();
    let mut persons = person_names(c, "presenters", path)?;
    if persons.is_empty() {
        persons = person_names(c, "speakers", path)?;
    }
    if persons.is_empty() {
        persons = person_names(c, "primaryauthors", path)?;
    }
    let db_id = trimmed(c, "db_id", path)?.or_else(|| Some(id.clone()).filter(|s| !s.is_empty()));
    let day = day_zone.map(|tz| start.with_timezone(&tz).date_naive());
    let session = ParsedSession {
        key: String::new(),
        guid: None,
        source_id: Some(id.clone()).filter(|s| !s.is_empty()),
        code: trimmed(c, "code", path)?,
        title,
        subtitle: None,
        start,
        end,
        room,
        track: trimmed(c, "track", path)?,
        kind: trimmed(c, "type", path)?,
        language: None,
        persons,
        abstract_text: None,
        description: common::non_blank(text(c, "description", path)?.as_deref()),
        url: trimmed(c, "url", path)?,
        day,
        do_not_record: false,
    };
    acc.push(session, path, db_id, &format!("c{id}"));
    Ok(())
}

//! Parser for frab / pretalx `schedule.json` (c3voc schema, advisory only),
//! plus the JSON plumbing shared with the Indico parsers.
//!
//! Positions: syntax errors carry line:column; everything found while walking
//! the document carries a JSON path such as
//! `$.schedule.conference.days[0].rooms['Saal 1'][3].duration`.
//!
//! # Rules
//! * Start: the event's `date` (ISO 8601 with offset). A `date` without offset
//!   is local time in the conference zone (warning). Without `date`, the
//!   day's `date` + the event's `start` in the conference zone, rolled to the
//!   next calendar day when earlier than the local time of `day_start`.
//! * End: `end` when given (a warning when it disagrees with `duration`),
//!   else start + `duration` (`H:MM`, `HH:MM`, pentabarf `HH:MM:SS`, or
//!   pretalx `D:HH:MM` when `generator.name` is pretalx).
//! * Zone: `conference.time_zone_name`, else
//!   [`ParseOptions::fallback_time_zone`], else inferred from the written
//!   offsets with a warning (see `common::infer_zone`).
//! * Room: the event's `room` field, else the room key; the room order is the
//!   key order of `days[].rooms` (serde_json `preserve_order`).
//! * Persons: `public_name`, else `name`, else `full_name` of each entry
//!   (frab `{id, public_name}` and pretalx `{code, name, ...}` shapes).
//! * `null` is accepted wherever a string is expected.
//! * Keys: as for XML — the `guid` when unique, else `id:<id>@<UTC start>`,
//!   else `slot:<hash of room, start, title>` (see `common`).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value};

use crate::common::{self, error, line_column, KeyParts};
use crate::error::ParseError;
use crate::frab_xml::{parse_clock, parse_datetime, parse_duration, Instant};
use crate::model::{Conference, ParsedSchedule, ParsedSession, Position, ScheduleFormat, Warning};
use crate::options::ParseOptions;

/// Parses a frab / pretalx `schedule.json` document.
pub fn parse_frab_json(input: &[u8], opts: &ParseOptions) -> Result<ParsedSchedule, ParseError> {
    let value = load_json(input, opts)?;
    frab_json_from_value(&value, opts)
}

/// Size, UTF-8, nesting-depth and syntax checks, then the parsed value.
pub(crate) fn load_json(input: &[u8], opts: &ParseOptions) -> Result<Value, ParseError> {
    let text = common::checked_utf8(input, opts)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    check_depth(text.as_bytes(), opts.max_depth)?;
    serde_json::from_str(text).map_err(|e| {
        let what = match e.classify() {
            serde_json::error::Category::Eof => "truncated JSON (unexpected end of input)",
            _ => "malformed JSON",
        };
        let line = u32::try_from(e.line()).unwrap_or(u32::MAX);
        let column = u32::try_from(e.column()).unwrap_or(u32::MAX);
        error(
            Position::LineColumn {
                line: line.max(1),
                column: column.max(1),
            },
            format!("{what}: {e}"),
        )
    })
}

/// Rejects arrays/objects nested deeper than `max` (root = 1) before
/// serde_json recurses into them.
fn check_depth(bytes: &[u8], max: usize) -> Result<(), ParseError> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return Err(error(
                        line_column(bytes, i),
                        format!("JSON nested deeper than {max} levels"),
                    ));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// `path.key` or `path['odd key']`.
pub(crate) fn key_path(path: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$')
        && !key.as_bytes()[0].is_ascii_digit();
    if plain {
        format!("{path}.{key}")
    } else {
        format!(
            "{path}['{}']",
            key.replace('\\', "\\\\").replace('\'', "\\'")
        )
    }
}

/// `path[i]`.
pub(crate) fn index_path(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

/// A JSON-path position.
pub(crate) fn jp(path: &str) -> Position {
    Position::JsonPath(path.to_owned())
}

/// Name of a JSON value's type for messages.
pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The object at `path`, or an error naming what was found.
pub(crate) fn as_object<'v>(
    v: &'v Value,
    path: &str,
) -> Result<&'v Map<String, Value>, ParseError> {
    v.as_object()
        .ok_or_else(|| error(jp(path), format!("expected an object, found {}", kind(v))))
}

/// The member `key` of `obj` that must be an object.
pub(crate) fn member_object<'v>(
    obj: &'v Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<&'v Map<String, Value>, ParseError> {
    let p = key_path(path, key);
    match obj.get(key) {
        Some(v) => as_object(v, &p),
        None => Err(error(jp(path), format!("missing '{key}' object"))),
    }
}

/// A scalar member as text: strings as written, numbers and booleans
/// printed, `null`/absent as `None`; arrays and objects are errors.
pub(crate) fn text<'v>(
    obj: &'v Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<std::borrow::Cow<'v, str>>, ParseError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(std::borrow::Cow::Borrowed(s.as_str()))),
        Some(Value::Number(n)) => Ok(Some(std::borrow::Cow::Owned(n.to_string()))),
        Some(Value::Bool(b)) => Ok(Some(std::borrow::Cow::Owned(b.to_string()))),
        Some(v) => Err(error(
            jp(&key_path(path, key)),
            format!("expected a string, found {}", kind(v)),
        )),
    }
}

/// Trimmed non-empty text of a member.
pub(crate) fn trimmed(
    obj: &Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<String>, ParseError> {
    Ok(common::non_empty(text(obj, key, path)?.as_deref()))
}

/// Person display names from an array of frab/pretalx/Indico person objects
/// (or plain strings).
pub(crate) fn person_names(
    obj: &Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Vec<String>, ParseError> {
    let p = key_path(path, key);
    let list = match obj.get(key) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(a)) => a,
        Some(v) => {
            return Err(error(
                jp(&p),
                format!("expected an array of persons, found {}", kind(v)),
            ))
        }
    };
    let mut names = Vec::new();
    for (i, person) in list.iter().enumerate() {
        let pp = index_path(&p, i);
        let name = match person {
            Value::String(s) => common::non_empty(Some(s)),
            Value::Object(o) => {
                let first = trimmed(o, "firstName", &pp)?.or(trimmed(o, "first_name", &pp)?);
                let last = trimmed(o, "familyName", &pp)?.or(trimmed(o, "last_name", &pp)?);
                match (first, last) {
                    (Some(f), Some(l)) => Some(format!("{f} {l}")),
                    _ => {
                        let mut found = None;
                        for k in ["public_name", "name", "full_name", "fullName"] {
                            if let Some(n) = trimmed(o, k, &pp)? {
                                found = Some(n);
                                break;
                            }
                        }
                        found
                    }
                }
            }
            Value::Null => None,
            v => {
                return Err(error(
                    jp(&pp),
                    format!("expected a person object, found {}", kind(v)),
                ))
            }
        };
        if let Some(n) = name {
            names.push(n);
        }
    }
    Ok(names)
}

/// Does the top-level value look like a frab/pretalx schedule.json?
pub(crate) fn looks_like_frab_json(v: &Value) -> bool {
    v.get("schedule")
        .and_then(|s| s.get("conference"))
        .is_some_and(Value::is_object)
}

/// Walks a parsed schedule.json value.
pub(crate) fn frab_json_from_value(
    root: &Value,
    opts: &ParseOptions,
) -> Result<ParsedSchedule, ParseError> {
    let root_obj = as_object(root, "$")?;
    let schedule = member_object(root_obj, "schedule", "$")?;
    let conf_path = "$.schedule.conference";
    let conf = member_object(schedule, "conference", "$.schedule")?;
    let pretalx = root_obj
        .get("generator")
        .and_then(|g| g.get("name"))
        .and_then(Value::as_str)
        .is_some_and(|n| n.trim().eq_ignore_ascii_case("pretalx"));

    let mut warnings = Vec::new();
    let title = trimmed(conf, "title", conf_path)?.unwrap_or_default();
    if title.is_empty() {
        warnings.push(Warning {
            position: jp(conf_path),
            message: "the conference has no title".to_owned(),
        });
    }
    let acronym = trimmed(conf, "acronym", conf_path)?;
    let zone_path = key_path(conf_path, "time_zone_name");
    let zone_name = trimmed(conf, "time_zone_name", conf_path)?;
    let file_zone: Option<Tz> = match &zone_name {
        Some(name) => match name.parse::<Tz>() {
            Ok(tz) => Some(tz),
            Err(_) => {
                warnings.push(Warning {
                    position: jp(&zone_path),
                    message: format!("time_zone_name '{name}' is not a known IANA zone; ignored"),
                });
                None
            }
        },
        None => None,
    };
    let zone = file_zone.or(opts.fallback_time_zone);

    let days_path = key_path(conf_path, "days");
    let days = match conf.get("days") {
        Some(Value::Array(d)) => d,
        Some(v) => {
            return Err(error(
                jp(&days_path),
                format!("expected an array of days, found {}", kind(v)),
            ))
        }
        None => return Err(error(jp(conf_path), "missing 'days' array")),
    };

    let mut w = Walk {
        opts,
        pretalx,
        zone,
        warnings,
        sessions: Vec::new(),
        positions: Vec::new(),
        parts: Vec::new(),
        rooms: Vec::new(),
        room_index: HashMap::new(),
        offsets: Vec::new(),
        undated: 0,
    };
    for (di, day) in days.iter().enumerate() {
        let dp = index_path(&days_path, di);
        let day = as_object(day, &dp)?;
        let date = match trimmed(day, "date", &dp)? {
            Some(d) => match NaiveDate::parse_from_str(&d, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    w.warnings.push(Warning {
                        position: jp(&key_path(&dp, "date")),
                        message: format!("day date '{d}' is not YYYY-MM-DD; ignored"),
                    });
                    None
                }
            },
            None => None,
        };
        let day_start = match trimmed(day, "day_start", &dp)?
            .as_deref()
            .map(parse_datetime)
        {
            Some(Some(Instant::Offset(t))) => Some(t),
            _ => None,
        };
        let rooms_path = key_path(&dp, "rooms");
        let rooms = match day.get("rooms") {
            Some(Value::Object(r)) => r,
            None | Some(Value::Null) => continue,
            Some(v) => {
                return Err(error(
                    jp(&rooms_path),
                    format!("expected an object of rooms, found {}", kind(v)),
                ))
            }
        };
        for (room_key, events) in rooms {
            let rp = key_path(&rooms_path, room_key);
            common::note_room(&mut w.rooms, &mut w.room_index, room_key.trim());
            let events = match events {
                Value::Array(e) => e,
                Value::Null => continue,
                v => {
                    return Err(error(
                        jp(&rp),
                        format!("expected an array of events, found {}", kind(v)),
                    ))
                }
            };
            for (ei, ev) in events.iter().enumerate() {
                let ep = index_path(&rp, ei);
                w.event(as_object(ev, &ep)?, &ep, room_key.trim(), date, day_start)?;
            }
        }
    }
    w.finish(title, acronym, zone_name.is_some() && file_zone.is_some())
}

/// State of one schedule.json walk.
struct Walk<'a> {
    opts: &'a ParseOptions,
    pretalx: bool,
    zone: Option<Tz>,
    warnings: Vec<Warning>,
    sessions: Vec<ParsedSession>,
    positions: Vec<Position>,
    parts: Vec<KeyParts>,
    rooms: Vec<String>,
    room_index: HashMap<String, ()>,
    offsets: Vec<(DateTime<Utc>, i32)>,
    undated: usize,
}

impl Walk<'_> {
    fn warn(&mut self, path: &str, message: String) {
        self.warnings.push(Warning {
            position: jp(path),
            message,
        });
    }

    fn event(
        &mut self,
        ev: &Map<String, Value>,
        ep: &str,
        room_key: &str,
        day_date: Option<NaiveDate>,
        day_start: Option<DateTime<chrono::FixedOffset>>,
    ) -> Result<(), ParseError> {
        let id = trimmed(ev, "id", ep)?;
        let Some(title) = trimmed(ev, "title", ep)? else {
            let which = match &id {
                Some(id) => format!("event id {id}"),
                None => "event".to_owned(),
            };
            return Err(error(jp(ep), format!("{which} has no title")));
        };
        let label = format!("event '{title}'");

        // Start.
        let date_path = key_path(ep, "date");
        let start = match trimmed(ev, "date", ep)? {
            Some(text) => match parse_datetime(&text) {
                Some(Instant::Offset(t)) => {
                    let utc = t.with_timezone(&Utc);
                    self.offsets.push((utc, t.offset().local_minus_utc()));
                    utc
                }
                Some(Instant::Naive(local)) => {
                    let Some(tz) = self.zone else {
                        return Err(error(jp(&date_path), format!("{label}: date '{text}' has no UTC offset and the file names no time zone: pass --timezone ZONE (an IANA name such as Europe/Berlin)")));
                    };
                    self.warn(
                        &date_path,
                        format!(
                            "{label}: date '{text}' has no UTC offset; read as {tz} local time"
                        ),
                    );
                    common::resolve_local(tz, local, &jp(&date_path), &label, &mut self.warnings)?
                }
                None => {
                    return Err(error(
                        jp(&date_path),
                        format!("{label}: date '{text}' is not an ISO 8601 date-time with offset"),
                    ))
                }
            },
            None => {
                let start_path = key_path(ep, "start");
                let Some(text) = trimmed(ev, "start", ep)? else {
                    return Err(error(
                        jp(ep),
                        format!("{label} has neither 'date' nor 'start'"),
                    ));
                };
                let Some(clock) = parse_clock(&text) else {
                    return Err(error(
                        jp(&start_path),
                        format!("{label}: start '{text}' is not HH:MM or HH:MM:SS"),
                    ));
                };
                let Some(day) = day_date else {
                    return Err(error(jp(ep), format!("{label} has no 'date', and its day has no date to place start '{text}' on")));
                };
                let Some(tz) = self.zone else {
                    return Err(error(jp(ep), format!("{label} has no 'date' and the file names no time zone for its local start '{text}': pass --timezone ZONE (an IANA name such as Europe/Berlin)")));
                };
                let rolled = day_start.is_some_and(|t| clock < t.with_timezone(&tz).time());
                let date = if rolled {
                    day.succ_opt().unwrap_or(day)
                } else {
                    day
                };
                self.undated += 1;
                common::resolve_local(
                    tz,
                    date.and_time(clock),
                    &jp(&start_path),
                    &label,
                    &mut self.warnings,
                )?
            }
        };

        // End.
        let dur_path = key_path(ep, "duration");
        let by_duration = match trimmed(ev, "duration", ep)? {
            Some(text) => {
                if text.starts_with('-') {
                    return Err(error(
                        jp(&dur_path),
                        format!("{label}: negative duration '{text}'"),
                    ));
                }
                let Some(length) = parse_duration(&text, self.pretalx) else {
                    let forms = if self.pretalx {
                        "H:MM, HH:MM or D:HH:MM (pretalx)"
                    } else {
                        "H:MM, HH:MM or HH:MM:SS"
                    };
                    return Err(error(
                        jp(&dur_path),
                        format!("{label}: duration '{text}' is not {forms}"),
                    ));
                };
                if length > chrono::Duration::days(common::MAX_EVENT_DAYS) {
                    return Err(error(
                        jp(&dur_path),
                        format!(
                            "{label}: duration '{text}' is longer than {} days",
                            common::MAX_EVENT_DAYS
                        ),
                    ));
                }
                if self.pretalx
                    && text.matches(':').count() == 2
                    && length >= chrono::Duration::days(1)
                {
                    self.warn(
                        &dur_path,
                        format!(
                            "{label}: duration '{text}' read as pretalx D:HH:MM = {} hours",
                            length.num_hours()
                        ),
                    );
                }
                Some(start.checked_add_signed(length).ok_or_else(|| {
                    error(jp(&dur_path), format!("{label}: end time out of range"))
                })?)
            }
            None => None,
        };
        let end_path = key_path(ep, "end");
        let by_end = match trimmed(ev, "end", ep)? {
            Some(text) => match parse_datetime(&text) {
                Some(Instant::Offset(t)) => Some(t.with_timezone(&Utc)),
                Some(Instant::Naive(local)) => match self.zone {
                    Some(tz) => Some(common::resolve_local(
                        tz,
                        local,
                        &jp(&end_path),
                        &label,
                        &mut self.warnings,
                    )?),
                    None => {
                        return Err(error(jp(&end_path), format!("{label}: end '{text}' has no UTC offset and the file names no time zone: pass --timezone ZONE")))
                    }
                },
                None => {
                    return Err(error(
                        jp(&end_path),
                        format!("{label}: end '{text}' is not an ISO 8601 date-time"),
                    ))
                }
            },
            None => None,
        };
        let (end, end_at) = match (by_end, by_duration) {
            (Some(e), Some(d)) => {
                if e != d {
                    self.warn(
                        &end_path,
                        format!(
                            "{label}: 'end' {} disagrees with start + duration {}; using 'end'",
                            common::utc_stamp(e),
                            common::utc_stamp(d)
                        ),
                    );
                }
                (e, end_path)
            }
            (Some(e), None) => (e, end_path),
            (None, Some(d)) => (d, dur_path),
            (None, None) => {
                return Err(error(
                    jp(ep),
                    format!("{label} has neither 'duration' nor 'end'"),
                ))
            }
        };
        common::check_years(start, end, &jp(&date_path), &format!("{label}: start/end"))?;
        common::check_length(start, end, &jp(&end_at), &label)?;

        // Room.
        let room = match trimmed(ev, "room", ep)? {
            Some(r) => {
                if !room_key.is_empty() && r != room_key {
                    self.warn(
                        &key_path(ep, "room"),
                        format!("{label}: room '{r}' differs from the room key '{room_key}'; using '{r}'"),
                    );
                }
                r
            }
            None => room_key.to_owned(),
        };
        if room.is_empty() {
            self.warn(ep, format!("{label} has an empty room name"));
        }
        common::note_room(&mut self.rooms, &mut self.room_index, &room);

        let guid = trimmed(ev, "guid", ep)?;
        let stamp = common::utc_stamp(start);
        let composite = match &id {
            Some(id) => format!("id:{id}@{stamp}"),
            None => format!("slot:{}", common::short_hash(&[&room, &stamp, &title])),
        };
        self.parts.push(KeyParts {
            primary: guid.clone(),
            composite,
            primary_name: "guid",
        });
        self.positions.push(jp(ep));
        self.sessions.push(ParsedSession {
            key: String::new(),
            guid,
            source_id: id,
            code: trimmed(ev, "code", ep)?,
            title,
            subtitle: trimmed(ev, "subtitle", ep)?,
            start,
            end,
            room,
            track: trimmed(ev, "track", ep)?,
            kind: trimmed(ev, "type", ep)?,
            language: trimmed(ev, "language", ep)?,
            persons: person_names(ev, "persons", ep)?,
            abstract_text: common::non_blank(text(ev, "abstract", ep)?.as_deref()),
            description: common::non_blank(text(ev, "description", ep)?.as_deref()),
            url: trimmed(ev, "url", ep)?,
            day: day_date,
            do_not_record: ev
                .get("do_not_record")
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false),
        });
        Ok(())
    }

    fn finish(
        mut self,
        title: String,
        acronym: Option<String>,
        zone_named: bool,
    ) -> Result<ParsedSchedule, ParseError> {
        if self.sessions.is_empty() {
            return Err(error(
                jp("$.schedule.conference.days"),
                "the schedule contains no events",
            ));
        }
        common::assign_keys(
            &mut self.sessions,
            std::mem::take(&mut self.parts),
            &self.positions,
            &mut self.warnings,
        )?;
        let mut zone = self.zone;
        if !zone_named {
            let message = match self.opts.fallback_time_zone {
                Some(tz) => format!(
                    "no usable conference.time_zone_name; using {tz} as the conference zone"
                ),
                None => match common::infer_zone(&self.offsets) {
                    Some((tz, why)) => {
                        zone = Some(tz);
                        format!("no conference.time_zone_name: {why}")
                    }
                    None => "no conference.time_zone_name; the conference zone is unknown (pass --timezone ZONE to set it)".to_owned(),
                },
            };
            self.warnings.push(Warning {
                position: jp("$.schedule.conference"),
                message,
            });
        }
        if self.undated > 0 {
            self.warnings.push(Warning {
                position: jp("$.schedule.conference.days"),
                message: format!(
                    "{} event(s) have no 'date'; their start was computed from the day date + 'start'",
                    self.undated
                ),
            });
        }
        Ok(ParsedSchedule {
            conference: Conference {
                title,
                acronym,
                time_zone: zone,
            },
            sessions: self.sessions,
            warnings: self.warnings,
            format: ScheduleFormat::FrabJson,
            rooms: self.rooms,
        })
    }
}

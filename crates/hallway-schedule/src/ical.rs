//! A small iCalendar (RFC 5545) reader for schedule imports (pretalx
//! `schedule.ics`, Indico and CMS exports). No dependency: it unfolds lines,
//! reads components, resolves `TZID`s through embedded `VTIMEZONE`s and maps
//! each `VEVENT` to a session.
//!
//! # Rules
//! * `DTSTART`/`DTEND` in UTC (`Z`), with `TZID` (resolved through the
//!   file's `VTIMEZONE` — its `STANDARD`/`DAYLIGHT` rules with yearly
//!   `RRULE`s are expanded, so `TZID=CET` with daylight rules gives CEST in
//!   summer — else as an IANA name), or floating (read in `X-WR-TIMEZONE`,
//!   else [`ParseOptions::fallback_time_zone`], else an error asking for
//!   `--timezone ZONE`). No `DTEND`: `DURATION`, else zero length.
//! * All-day events (`VALUE=DATE`) are skipped with a warning; `RRULE`s on
//!   events are not expanded (warning; the first occurrence is imported).
//! * `SUMMARY` = title (pretalx appends " - speakers"; kept as written),
//!   `LOCATION` = room, `CATEGORIES` = track, `DESCRIPTION` = description,
//!   `URL` = url, `UID` = key.
//! * Conference zone: `X-WR-TIMEZONE`, else the TZID used by the events when
//!   it is an IANA name, else the fallback zone, else inferred from the
//!   resolved offsets (warning).
//! * `day`: the local date of the start in the conference zone, minus one
//!   day before 04:00 (pretalx's day cut-over), so after-midnight events stay
//!   in their conference day.
//! * Keys: the `UID` when unique, else `uid:<UID>@<UTC start>` (recurrence
//!   instances share a UID), else `slot:<hash>` (see `common`).

use std::collections::HashMap;

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Offset,
    TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;

use crate::common::{self, error, KeyParts};
use crate::error::ParseError;
use crate::model::{Conference, ParsedSchedule, ParsedSession, Position, ScheduleFormat, Warning};
use crate::options::ParseOptions;

/// Parses an iCalendar file.
pub fn parse_ical(input: &[u8], opts: &ParseOptions) -> Result<ParsedSchedule, ParseError> {
    let text = common::checked_utf8(input, opts)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines = unfold(text)?;
    let root = components(&lines, opts.max_depth)?;
    Reader::new(opts).run(&root)
}

/// One unfolded content line.
#[derive(Debug)]
struct Line {
    line: u32,
    name: String,
    params: Vec<(String, String)>,
    value: String,
}

impl Line {
    fn pos(&self) -> Position {
        at(self.line)
    }
    fn param(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }
}

fn at(line: u32) -> Position {
    Position::LineColumn { line, column: 1 }
}

/// Unfolds continuation lines and splits each into name, parameters, value.
fn unfold(text: &str) -> Result<Vec<Line>, ParseError> {
    let mut raw: Vec<(u32, String)> = Vec::new();
    for (i, l) in text.split('\n').enumerate() {
        let l = l.strip_suffix('\r').unwrap_or(l);
        let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if let Some(rest) = l.strip_prefix([' ', '\t']) {
            match raw.last_mut() {
                Some((_, prev)) => prev.push_str(rest),
                None => return Err(error(at(n), "continuation line before any content line")),
            }
        } else if !l.is_empty() {
            raw.push((n, l.to_owned()));
        }
    }
    raw.into_iter().map(|(n, l)| split_line(n, &l)).collect()
}

fn split_line(n: u32, l: &str) -> Result<Line, ParseError> {
    // Find the ':' that ends name+params, skipping quoted parameter values.
    let mut quoted = false;
    let mut colon = None;
    for (i, c) in l.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ':' if !quoted => {
                colon = Some(i);
                break;
            }
            _ => {}
        }
    }
    let Some(colon) = colon else {
        return Err(error(
            at(n),
            format!("not an iCalendar content line (no ':'): '{}'", preview(l)),
        ));
    };
    let head = &l[..colon];
    let value = l[colon + 1..].to_owned();
    let mut parts = head.split(';');
    let name = parts.next().unwrap_or("").trim().to_ascii_uppercase();
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(error(
            at(n),
            format!("invalid property name in '{}'", preview(l)),
        ));
    }
    let mut params = Vec::new();
    for p in parts {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        params.push((k.trim().to_owned(), v.trim_matches('"').to_owned()));
    }
    Ok(Line {
        line: n,
        name,
        params,
        value,
    })
}

fn preview(s: &str) -> String {
    s.chars().take(40).collect()
}

/// A component with its properties and children.
#[derive(Debug, Default)]
struct Component<'l> {
    name: String,
    line: u32,
    props: Vec<&'l Line>,
    children: Vec<Component<'l>>,
}

impl<'l> Component<'l> {
    fn prop(&self, name: &str) -> Option<&'l Line> {
        self.props.iter().copied().find(|p| p.name == name)
    }
}

/// Builds the component tree; the single root must be `VCALENDAR`.
fn components(lines: &[Line], max_depth: usize) -> Result<Component<'_>, ParseError> {
    let mut stack: Vec<Component<'_>> = Vec::new();
    let mut root: Option<Component<'_>> = None;
    for l in lines {
        match l.name.as_str() {
            "BEGIN" => {
                let name = l.value.trim().to_ascii_uppercase();
                if stack.is_empty() {
                    if root.is_some() {
                        return Err(error(l.pos(), "content after END:VCALENDAR"));
                    }
                    if name != "VCALENDAR" {
                        return Err(error(
                            l.pos(),
                            format!("BEGIN:{name} at the top level; expected BEGIN:VCALENDAR (not an iCalendar file)"),
                        ));
                    }
                }
                if stack.len() + 1 > max_depth {
                    return Err(error(
                        l.pos(),
                        format!("components nested deeper than {max_depth} levels"),
                    ));
                }
                stack.push(Component {
                    name,
                    line: l.line,
                    ..Component::default()
                });
            }
            "END" => {
                let name = l.value.trim().to_ascii_uppercase();
                let Some(c) = stack.pop() else {
                    return Err(error(l.pos(), format!("END:{name} without BEGIN")));
                };
                if c.name != name {
                    return Err(error(
                        l.pos(),
                        format!(
                            "END:{name} does not match BEGIN:{} at line {}",
                            c.name, c.line
                        ),
                    ));
                }
                match stack.last_mut() {
                    Some(parent) => parent.children.push(c),
                    None => root = Some(c),
                }
            }
            _ => match stack.last_mut() {
                Some(c) => c.props.push(l),
                None => {
                    return Err(error(
                        l.pos(),
                        format!("property {} outside BEGIN:VCALENDAR", l.name),
                    ))
                }
            },
        }
    }
    if let Some(open) = stack.last() {
        let last = lines.last().map_or(1, |l| l.line);
        return Err(error(
            at(last),
            format!(
                "truncated iCalendar: BEGIN:{} at line {} is never closed",
                open.name, open.line
            ),
        ));
    }
    root.ok_or_else(|| error(at(1), "no BEGIN:VCALENDAR (not an iCalendar file)"))
}

/// An observance of a `VTIMEZONE` (`STANDARD` or `DAYLIGHT`).
#[derive(Debug)]
struct Observance {
    start: NaiveDateTime,
    from: i32,
    to: i32,
    rule: Option<YearlyRule>,
    until: Option<NaiveDateTime>,
    rdates: Vec<NaiveDateTime>,
}

/// `FREQ=YEARLY;BYMONTH=m;BYDAY=[±n]DD`.
#[derive(Debug)]
struct YearlyRule {
    month: u32,
    nth: i32,
    weekday: Weekday,
}

/// A `VTIMEZONE` as a list of observances.
#[derive(Debug)]
struct VTimeZone {
    observances: Vec<Observance>,
}

impl VTimeZone {
    /// Transitions (UTC instant, offset after) in the years around `year`.
    fn transitions(&self, year: i32) -> Vec<(NaiveDateTime, i32)> {
        let mut out = Vec::new();
        for o in &self.observances {
            let mut onsets = vec![o.start];
            onsets.extend(o.rdates.iter().copied());
            if let Some(rule) = &o.rule {
                for y in (year - 1)..=(year + 1) {
                    if y < o.start.year() {
                        continue;
                    }
                    if let Some(d) = nth_weekday(y, rule.month, rule.nth, rule.weekday) {
                        let onset = d.and_time(o.start.time());
                        if o.until.is_none_or(|u| onset <= u) {
                            onsets.push(onset);
                        }
                    }
                }
            }
            for onset in onsets {
                // The onset is written in the local time before the change.
                if let Some(t) = onset.checked_sub_signed(Duration::seconds(i64::from(o.from))) {
                    out.push((t, o.to));
                }
            }
        }
        out.sort();
        out
    }

    /// Offset in effect at a UTC instant.
    fn offset_at(&self, transitions: &[(NaiveDateTime, i32)], utc: NaiveDateTime) -> Option<i32> {
        match transitions.iter().rev().find(|(t, _)| *t <= utc) {
            Some((_, to)) => Some(*to),
            None => self
                .observances
                .iter()
                .min_by_key(|o| o.start)
                .map(|o| o.from),
        }
    }

    /// Resolves a local time: `Ok(list of matching offsets)`.
    fn resolve(&self, local: NaiveDateTime) -> Vec<i32> {
        let transitions = self.transitions(local.year());
        let mut candidates: Vec<i32> = self
            .observances
            .iter()
            .flat_map(|o| [o.from, o.to])
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        candidates
            .into_iter()
            .filter(|&off| {
                local
                    .checked_sub_signed(Duration::seconds(i64::from(off)))
                    .is_some_and(|utc| self.offset_at(&transitions, utc) == Some(off))
            })
            .collect()
    }
}

/// The `nth` (1-based; negative counts from the month's end) `weekday`.
fn nth_weekday(year: i32, month: u32, nth: i32, weekday: Weekday) -> Option<NaiveDate> {
    if nth > 0 {
        NaiveDate::from_weekday_of_month_opt(year, month, weekday, u8::try_from(nth).ok()?)
    } else {
        let first_next = if month == 12 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)?
        } else {
            NaiveDate::from_ymd_opt(year, month + 1, 1)?
        };
        let last = first_next.pred_opt()?;
        let back = (7 + last.weekday().num_days_from_monday() - weekday.num_days_from_monday()) % 7;
        let d = last - Duration::days(i64::from(back));
        d.checked_sub_signed(Duration::weeks(i64::from(-nth - 1)))
            .filter(|d| d.month() == month)
    }
}

fn parse_offset(s: &str) -> Option<i32> {
    let s = s.trim();
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    if !(rest.len() == 4 || rest.len() == 6) || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let h: i32 = rest[0..2].parse().ok()?;
    let m: i32 = rest[2..4].parse().ok()?;
    let sec: i32 = if rest.len() == 6 {
        rest[4..6].parse().ok()?
    } else {
        0
    };
    if h > 23 || m > 59 || sec > 59 {
        return None;
    }
    Some(sign * (h * 3600 + m * 60 + sec))
}

fn parse_local(s: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(s.trim(), "%Y%m%dT%H%M%S").ok()
}

fn parse_rule(s: &str) -> Option<(YearlyRule, Option<NaiveDateTime>)> {
    let mut freq = None;
    let mut month = None;
    let mut byday = None;
    let mut until = None;
    for part in s.split(';') {
        let (k, v) = part.split_once('=')?;
        match k.to_ascii_uppercase().as_str() {
            "FREQ" => freq = Some(v.to_ascii_uppercase()),
            "BYMONTH" => month = v.parse::<u32>().ok(),
            "BYDAY" => byday = Some(v.to_ascii_uppercase()),
            "UNTIL" => until = parse_local(v.trim_end_matches('Z')),
            _ => {}
        }
    }
    if freq.as_deref() != Some("YEARLY") {
        return None;
    }
    let byday = byday?;
    if byday.len() < 2 || !byday.is_char_boundary(byday.len() - 2) {
        return None;
    }
    let (n, wd) = byday.split_at(byday.len() - 2);
    let weekday = match wd {
        "MO" => Weekday::Mon,
        "TU" => Weekday::Tue,
        "WE" => Weekday::Wed,
        "TH" => Weekday::Thu,
        "FR" => Weekday::Fri,
        "SA" => Weekday::Sat,
        "SU" => Weekday::Sun,
        _ => return None,
    };
    let nth: i32 = if n.is_empty() { 1 } else { n.parse().ok()? };
    if nth == 0 || !(-5..=5).contains(&nth) {
        return None;
    }
    let month = month.filter(|m| (1..=12).contains(m))?;
    Some((
        YearlyRule {
            month,
            nth,
            weekday,
        },
        until,
    ))
}

/// Undoes RFC 5545 TEXT escaping.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(c) => out.push(c),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Parses an RFC 5545 DURATION (`PT1H30M`, `P1D`, `P1W`, `-PT5M`).
fn parse_ics_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let s = s.strip_prefix('P')?;
    let mut total: i64 = 0;
    let mut num = String::new();
    let mut in_time = false;
    let mut any = false;
    for c in s.chars() {
        match c {
            '0'..='9' => {
                if num.len() >= 9 {
                    return None;
                }
                num.push(c);
            }
            'T' if !in_time && num.is_empty() => in_time = true,
            'W' | 'D' | 'H' | 'M' | 'S' => {
                let n: i64 = num.parse().ok()?;
                num.clear();
                any = true;
                let unit = match (c, in_time) {
                    ('W', false) => 604_800,
                    ('D', false) => 86_400,
                    ('H', true) => 3600,
                    ('M', true) => 60,
                    ('S', true) => 1,
                    _ => return None,
                };
                total = total.checked_add(n.checked_mul(unit)?)?;
            }
            _ => return None,
        }
    }
    if !any || !num.is_empty() {
        return None;
    }
    let d = Duration::try_seconds(total)?;
    Some(if neg { -d } else { d })
}

/// Walks the component tree.
struct Reader<'a> {
    opts: &'a ParseOptions,
    zones: HashMap<String, VTimeZone>,
    floating_zone: Option<Tz>,
    warnings: Vec<Warning>,
    offsets: Vec<(DateTime<Utc>, i32)>,
    used_tzids: Vec<String>,
}

impl<'a> Reader<'a> {
    fn new(opts: &'a ParseOptions) -> Self {
        Self {
            opts,
            zones: HashMap::new(),
            floating_zone: None,
            warnings: Vec::new(),
            offsets: Vec::new(),
            used_tzids: Vec::new(),
        }
    }

    fn warn(&mut self, position: Position, message: String) {
        self.warnings.push(Warning { position, message });
    }

    fn run(mut self, root: &Component<'_>) -> Result<ParsedSchedule, ParseError> {
        for c in root.children.iter().filter(|c| c.name == "VTIMEZONE") {
            self.vtimezone(c)?;
        }
        let x_wr_tz = match root.prop("X-WR-TIMEZONE") {
            Some(p) => match p.value.trim().parse::<Tz>() {
                Ok(tz) => Some(tz),
                Err(_) => {
                    self.warn(
                        p.pos(),
                        format!(
                            "X-WR-TIMEZONE '{}' is not a known IANA zone; ignored",
                            p.value.trim()
                        ),
                    );
                    None
                }
            },
            None => None,
        };
        self.floating_zone = x_wr_tz.or(self.opts.fallback_time_zone);
        let title = root
            .prop("X-WR-CALNAME")
            .map(|p| unescape(p.value.trim()))
            .unwrap_or_default();

        let mut sessions = Vec::new();
        let mut parts = Vec::new();
        let mut positions = Vec::new();
        let mut rooms = Vec::new();
        let mut room_index = HashMap::new();
        let mut all_day = 0usize;
        let mut first_all_day = None;
        for ev in root.children.iter().filter(|c| c.name == "VEVENT") {
            let pos = at(ev.line);
            let Some(summary) = ev
                .prop("SUMMARY")
                .and_then(|p| common::non_empty(Some(&unescape(&p.value))))
            else {
                return Err(error(pos, "VEVENT has no SUMMARY (title)"));
            };
            let label = format!("event '{summary}'");
            let Some(dtstart) = ev.prop("DTSTART") else {
                return Err(error(pos, format!("{label} has no DTSTART")));
            };
            if dtstart
                .param("VALUE")
                .is_some_and(|v| v.eq_ignore_ascii_case("DATE"))
                || dtstart.value.trim().len() == 8
            {
                all_day += 1;
                first_all_day.get_or_insert(dtstart.pos());
                continue;
            }
            let start = self.instant(dtstart, &label)?;
            let end = match (ev.prop("DTEND"), ev.prop("DURATION")) {
                (Some(dtend), _) => self.instant(dtend, &label)?,
                (None, Some(d)) => {
                    let Some(len) = parse_ics_duration(&d.value) else {
                        return Err(error(
                            d.pos(),
                            format!(
                                "{label}: DURATION '{}' is not an RFC 5545 duration",
                                preview(&d.value)
                            ),
                        ));
                    };
                    start
                        .checked_add_signed(len)
                        .ok_or_else(|| error(d.pos(), format!("{label}: end time out of range")))?
                }
                (None, None) => start,
            };
            common::check_years(start, end, &dtstart.pos(), &format!("{label}: start/end"))?;
            common::check_length(
                start,
                end,
                &ev.prop("DTEND")
                    .or(ev.prop("DURATION"))
                    .map_or(pos.clone(), |p| p.pos()),
                &label,
            )?;
            if let Some(r) = ev.prop("RRULE") {
                self.warn(
                    r.pos(),
                    format!("{label} has an RRULE; recurrences are not expanded, only the first occurrence is imported"),
                );
            }
            let room = ev
                .prop("LOCATION")
                .and_then(|p| common::non_empty(Some(&unescape(&p.value))))
                .unwrap_or_default();
            if room.is_empty() {
                self.warn(pos.clone(), format!("{label} has no LOCATION (room)"));
            }
            common::note_room(&mut rooms, &mut room_index, &room);
            let uid = ev
                .prop("UID")
                .and_then(|p| common::non_empty(Some(&p.value)));
            let stamp = common::utc_stamp(start);
            parts.push(KeyParts {
                primary: uid.clone(),
                composite: match &uid {
                    Some(u) => format!("uid:{u}@{stamp}"),
                    None => format!("slot:{}", common::short_hash(&[&room, &stamp, &summary])),
                },
                primary_name: "UID",
            });
            positions.push(pos);
            let text_prop = |name: &str| ev.prop(name).map(|p| unescape(&p.value));
            sessions.push(ParsedSession {
                key: String::new(),
                guid: uid,
                source_id: None,
                code: None,
                title: summary,
                subtitle: None,
                start,
                end,
                room,
                track: common::non_empty(text_prop("CATEGORIES").as_deref()),
                kind: None,
                language: None,
                persons: Vec::new(),
                abstract_text: None,
                description: common::non_blank(text_prop("DESCRIPTION").as_deref()),
                url: common::non_empty(text_prop("URL").as_deref()),
                day: None,
                do_not_record: false,
            });
        }
        if let Some(p) = first_all_day {
            self.warn(
                p,
                format!("{all_day} all-day event(s) skipped (no time of day)"),
            );
        }
        if sessions.is_empty() {
            return Err(error(
                at(root.line),
                "the calendar contains no timed events",
            ));
        }
        common::assign_keys(&mut sessions, parts, &positions, &mut self.warnings)?;

        let named = self
            .used_tzids
            .first()
            .and_then(|id| id.trim_start_matches('/').parse::<Tz>().ok());
        let mut zone = x_wr_tz.or(named).or(self.opts.fallback_time_zone);
        if zone.is_none() {
            if let Some((tz, why)) = common::infer_zone(&self.offsets) {
                self.warn(at(root.line), why);
                zone = Some(tz);
            }
        }
        if let Some(tz) = zone {
            let cut = NaiveTime::from_hms_opt(4, 0, 0).unwrap_or(NaiveTime::MIN);
            for s in &mut sessions {
                let local = s.start.with_timezone(&tz).naive_local();
                let d = local.date();
                s.day = Some(if local.time() < cut {
                    d.pred_opt().unwrap_or(d)
                } else {
                    d
                });
            }
        }
        Ok(ParsedSchedule {
            conference: Conference {
                title,
                acronym: None,
                time_zone: zone,
            },
            sessions,
            warnings: self.warnings,
            format: ScheduleFormat::ICalendar,
            rooms,
        })
    }

    fn vtimezone(&mut self, c: &Component<'_>) -> Result<(), ParseError> {
        let Some(tzid) = c.prop("TZID").map(|p| p.value.trim().to_owned()) else {
            return Err(error(at(c.line), "VTIMEZONE has no TZID"));
        };
        let mut observances = Vec::new();
        for o in c
            .children
            .iter()
            .filter(|o| o.name == "STANDARD" || o.name == "DAYLIGHT")
        {
            let get = |name: &str| {
                o.prop(name).ok_or_else(|| {
                    error(
                        at(o.line),
                        format!("VTIMEZONE {tzid}: {} has no {name}", o.name),
                    )
                })
            };
            let dt = get("DTSTART")?;
            let start = parse_local(&dt.value).ok_or_else(|| {
                error(
                    dt.pos(),
                    format!(
                        "VTIMEZONE {tzid}: DTSTART '{}' is not a local date-time",
                        preview(&dt.value)
                    ),
                )
            })?;
            let from_p = get("TZOFFSETFROM")?;
            let to_p = get("TZOFFSETTO")?;
            let from = parse_offset(&from_p.value).ok_or_else(|| {
                error(
                    from_p.pos(),
                    format!(
                        "VTIMEZONE {tzid}: bad TZOFFSETFROM '{}'",
                        preview(&from_p.value)
                    ),
                )
            })?;
            let to = parse_offset(&to_p.value).ok_or_else(|| {
                error(
                    to_p.pos(),
                    format!(
                        "VTIMEZONE {tzid}: bad TZOFFSETTO '{}'",
                        preview(&to_p.value)
                    ),
                )
            })?;
            let (rule, until) = match o.prop("RRULE") {
                Some(r) => match parse_rule(&r.value) {
                    Some((rule, until)) => (Some(rule), until),
                    None => {
                        // Not expandable here: fall back to the TZID as an
                        // IANA name (or an error when an event uses it).
                        self.warn(
                            r.pos(),
                            format!("VTIMEZONE {tzid}: unsupported RRULE '{}' (only FREQ=YEARLY;BYMONTH;BYDAY); the VTIMEZONE is ignored", preview(&r.value)),
                        );
                        return Ok(());
                    }
                },
                None => (None, None),
            };
            let rdates = o
                .props
                .iter()
                .filter(|p| p.name == "RDATE")
                .flat_map(|p| p.value.split(','))
                .filter_map(parse_local)
                .collect();
            observances.push(Observance {
                start,
                from,
                to,
                rule,
                until,
                rdates,
            });
        }
        if observances.is_empty() {
            return Err(error(
                at(c.line),
                format!("VTIMEZONE {tzid} has no STANDARD or DAYLIGHT rules"),
            ));
        }
        self.zones.insert(tzid, VTimeZone { observances });
        Ok(())
    }

    /// Resolves a DTSTART/DTEND property to an instant.
    fn instant(&mut self, p: &Line, label: &str) -> Result<DateTime<Utc>, ParseError> {
        let v = p.value.trim();
        if let Some(z) = v.strip_suffix('Z').or_else(|| v.strip_suffix('z')) {
            let Some(local) = parse_local(z) else {
                return Err(error(
                    p.pos(),
                    format!(
                        "{label}: {} '{}' is not YYYYMMDDTHHMMSSZ",
                        p.name,
                        preview(v)
                    ),
                ));
            };
            return Ok(Utc.from_utc_datetime(&local));
        }
        let Some(local) = parse_local(v) else {
            return Err(error(
                p.pos(),
                format!(
                    "{label}: {} '{}' is not YYYYMMDDTHHMMSS",
                    p.name,
                    preview(v)
                ),
            ));
        };
        if let Some(tzid) = p.param("TZID") {
            if !self.used_tzids.iter().any(|t| t == tzid) {
                self.used_tzids.push(tzid.to_owned());
            }
            if let Some(vtz) = self.zones.get(tzid) {
                let offs = vtz.resolve(local);
                let off = match offs.as_slice() {
                    [one] => *one,
                    [] => {
                        return Err(error(
                            p.pos(),
                            format!("{label}: local time {} does not exist in {tzid} (skipped by a DST change)", local.format("%Y-%m-%d %H:%M")),
                        ))
                    }
                    many => {
                        // Earlier instant = larger offset.
                        let off = many.iter().copied().max().unwrap_or(0);
                        self.warn(p.pos(), format!("{label}: local time {} occurs twice in {tzid} (DST change); using the earlier one", local.format("%Y-%m-%d %H:%M")));
                        off
                    }
                };
                let fixed = FixedOffset::east_opt(off)
                    .ok_or_else(|| error(p.pos(), format!("{label}: offset out of range")))?;
                let t = fixed
                    .from_local_datetime(&local)
                    .single()
                    .ok_or_else(|| error(p.pos(), format!("{label}: time out of range")))?
                    .with_timezone(&Utc);
                self.offsets.push((t, off));
                return Ok(t);
            }
            return match tzid.trim_start_matches('/').parse::<Tz>() {
                Ok(tz) => {
                    let t = common::resolve_local(tz, local, &p.pos(), label, &mut self.warnings)?;
                    self.offsets.push((t, tz.offset_from_utc_datetime(&t.naive_utc()).fix().local_minus_utc()));
                    Ok(t)
                }
                Err(_) => Err(error(
                    p.pos(),
                    format!("{label}: TZID '{tzid}' has no VTIMEZONE in the file and is not an IANA zone name"),
                )),
            };
        }
        let Some(tz) = self.floating_zone else {
            return Err(error(
                p.pos(),
                format!("{label}: {} '{v}' is a floating local time and the file names no time zone: pass --timezone ZONE (an IANA name such as Europe/Berlin)", p.name),
            ));
        };
        common::resolve_local(tz, local, &p.pos(), label, &mut self.warnings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_and_durations() {
        assert_eq!(
            nth_weekday(2026, 10, -1, Weekday::Sun),
            NaiveDate::from_ymd_opt(2026, 10, 25)
        );
        assert_eq!(
            nth_weekday(2026, 3, -1, Weekday::Sun),
            NaiveDate::from_ymd_opt(2026, 3, 29)
        );
        assert_eq!(
            nth_weekday(2026, 11, 1, Weekday::Sun),
            NaiveDate::from_ymd_opt(2026, 11, 1)
        );
        assert_eq!(parse_ics_duration("PT1H30M"), Some(Duration::minutes(90)));
        assert_eq!(parse_ics_duration("P1DT2H"), Some(Duration::hours(26)));
        assert_eq!(parse_ics_duration("-PT5M"), Some(Duration::minutes(-5)));
        assert_eq!(parse_ics_duration("PT"), None);
        assert_eq!(parse_offset("+0530"), Some(19800));
        assert_eq!(parse_offset("-0100"), Some(-3600));
        assert_eq!(unescape("a\\, b\\nc\\;"), "a, b\nc;");
    }
}

//! The schedule as iCalendar (RFC 5545), so attendees can put the whole conference, one track
//! or one session into their own calendar: `/schedule.ics`, `/tracks/{slug}.ics`,
//! `/sessions/{id}.ics`.
//!
//! The `icalendar` crate writes the file (TEXT escaping, CRLF); its line folding can leave the
//! last piece of a long line at 76 octets, so the lines are folded again here ([`fold`]).
//! Times are UTC (`DTSTART:…Z`), so no VTIMEZONE is needed and no client has to know the
//! conference zone. Each VEVENT's UID is the session's export guid at the public host, the same
//! in every file, on every instance and across re-imports, so a client that subscribed to two
//! files sees one event. DTSTAMP is the time of the last import, so the file only changes when
//! the schedule does (and its ETag stays valid).

use chrono::{DateTime, Utc};
use icalendar::{Calendar, Component, EventLike, Property};

use crate::schedule::export::ExportMeta;
use crate::schedule::published::{plain_text, without_emails};
use crate::schedule::stored::StoredSession;

/// How often subscribed clients should refetch the file.
const REFRESH: &str = "PT1H";

/// `text` on one line for SUMMARY or LOCATION: line breaks and other control characters
/// become spaces (the crate escapes `\n`, but a raw `\r` or control character would break the
/// content line).
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The host part of the public URL, for UIDs.
fn host(meta: &ExportMeta) -> String {
    url::Url::parse(&meta.base_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "hallway".into())
}

/// The stable UID of a session.
pub fn uid(meta: &ExportMeta, s: &StoredSession) -> String {
    format!("{}@{}", meta.guid(s), host(meta))
}

/// A calendar named `name` with one VEVENT per session in `sessions`: SUMMARY the title,
/// DESCRIPTION the abstract as plain text with the speakers and the session's link, LOCATION the
/// room, URL the session's hallway page, CATEGORIES the track. `location` names a
/// session's room (the hallway room's name where the schedule room is mapped); `dtstamp` is when
/// the schedule was last imported.
pub fn calendar<'s>(
    meta: &ExportMeta,
    name: &str,
    sessions: impl IntoIterator<Item = &'s StoredSession>,
    location: impl Fn(&StoredSession) -> String,
    dtstamp: DateTime<Utc>,
) -> String {
    calendar_with(meta, name, sessions, location, |_| None, dtstamp)
}

/// [`calendar`], where `join` may give a session a personal join link (the agenda feed): it is
/// added to the DESCRIPTION and as an RFC 7986 `CONFERENCE` property, which calendar apps show
/// as a "join" button.
pub fn calendar_with<'s>(
    meta: &ExportMeta,
    name: &str,
    sessions: impl IntoIterator<Item = &'s StoredSession>,
    location: impl Fn(&StoredSession) -> String,
    join: impl Fn(&StoredSession) -> Option<String>,
    dtstamp: DateTime<Utc>,
) -> String {
    let name = one_line(&without_emails(name));
    let mut cal = Calendar::empty();
    cal.append_property(Property::new("VERSION", "2.0"))
        .append_property(Property::new(
            "PRODID",
            format!("-//hallway//hallway {}//EN", env!("CARGO_PKG_VERSION")),
        ))
        .append_property(Property::new("CALSCALE", "GREGORIAN"))
        .append_property(Property::new("METHOD", "PUBLISH"))
        .append_property(Property::new("NAME", name.as_str()))
        .append_property(Property::new("X-WR-CALNAME", name.as_str()))
        .append_property(
            Property::new("REFRESH-INTERVAL", REFRESH)
                .add_parameter("VALUE", "DURATION")
                .done(),
        )
        .append_property(Property::new("X-PUBLISHED-TTL", REFRESH));
    for s in sessions {
        let url = meta.session_url(s);
        // The abstract, or the description when there is no abstract.
        let mut description = plain_text(s.abstract_text.as_deref());
        if description.is_empty() {
            description = plain_text(s.description.as_deref());
        }
        if !s.persons.is_empty() {
            let names: Vec<String> = s.persons.iter().map(|p| without_emails(p)).collect();
            if !description.is_empty() {
                description.push_str("\n\n");
            }
            description.push_str(&format!("Speakers: {}", names.join(", ")));
        }
        if !description.is_empty() {
            description.push_str("\n\n");
        }
        description.push_str(&url);
        let join = join(s);
        if let Some(link) = &join {
            description.push_str(&format!(
                "\n\nJoin the video room (as a viewer, while it is open): {link}"
            ));
        }
        let mut event = icalendar::Event::new();
        event
            .uid(&uid(meta, s))
            .timestamp(dtstamp)
            .starts(s.start)
            .ends(s.end)
            .summary(&one_line(&without_emails(&s.title)))
            .location(&one_line(&location(s)))
            .description(&description)
            .url(&url);
        if let Some(track) = s.track.as_deref().map(one_line).filter(|t| !t.is_empty()) {
            event.categories([track]);
        }
        if let Some(link) = join {
            event.append_property(
                Property::new("CONFERENCE", link)
                    .add_parameter("VALUE", "URI")
                    .add_parameter("FEATURE", "VIDEO")
                    .add_parameter("LABEL", "Join the video room")
                    .done(),
            );
        }
        cal.push(event.done());
    }
    fold(&cal.to_string())
}

/// Folds content lines at 75 octets (RFC 5545 3.1), on character boundaries: `ics` is unfolded
/// first (a CRLF followed by a space only ever is a fold: text values are escaped and control
/// characters removed before they get here), then every line longer than 75 octets is broken,
/// each continuation starting with one space.
pub fn fold(ics: &str) -> String {
    let unfolded = ics.replace("\r\n ", "");
    let mut out = String::with_capacity(unfolded.len() + unfolded.len() / 37);
    for line in unfolded.split_terminator("\r\n") {
        let mut width = 0;
        for c in line.chars() {
            if width + c.len_utf8() > 75 {
                out.push_str("\r\n ");
                width = 1;
            }
            out.push(c);
            width += c.len_utf8();
        }
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn session(id: i64, title: &str, abstract_text: &str) -> StoredSession {
        StoredSession {
            id,
            key: format!("key-{id}"),
            guid: Some("e31f2bf9-432f-5a8f-ba21-2fd5cc2cb1d6".into()),
            title: title.into(),
            subtitle: None,
            start: Utc.with_ymd_and_hms(2026, 9, 15, 7, 0, 0).unwrap(),
            end: Utc.with_ymd_and_hms(2026, 9, 15, 7, 45, 0).unwrap(),
            room: "Refereed Track".into(),
            track: Some("Networking & BPF, eBPF; XDP".into()),
            kind: None,
            language: None,
            abstract_text: Some(abstract_text.into()),
            description: None,
            url: None,
            persons: vec!["Sølvi Ångström".into()],
            day: None,
            do_not_record: false,
        }
    }

    fn meta() -> ExportMeta {
        ExportMeta {
            title: "Sample".into(),
            acronym: None,
            tz: chrono_tz::Europe::Vienna,
            base_url: "https://hallway.example.org/".into(),
            version: "v".into(),
            room_order: vec![],
            imported_at: None,
            guids: Default::default(),
        }
    }

    #[test]
    fn a_calendar_has_utc_times_escaped_text_and_folded_lines() {
        let long = "Word, with; special\\chars and a very long line. ".repeat(10);
        let s = session(7, "Keynote:\r\nThirty years", &long);
        let stamp = Utc.with_ymd_and_hms(2026, 9, 1, 10, 0, 0).unwrap();
        let ics = calendar(&meta(), "Sample", [&s], |_| "Main hall".into(), stamp);
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"), "{ics}");
        assert!(ics.contains("\r\nDTSTART:20260915T070000Z\r\n"), "{ics}");
        assert!(ics.contains("\r\nDTEND:20260915T074500Z\r\n"), "{ics}");
        assert!(ics.contains("\r\nDTSTAMP:20260901T100000Z\r\n"), "{ics}");
        assert!(
            ics.contains("\r\nUID:e31f2bf9-432f-5a8f-ba21-2fd5cc2cb1d6@hallway.example.org\r\n"),
            "{ics}"
        );
        assert!(
            ics.contains("\r\nSUMMARY:Keynote: Thirty years\r\n"),
            "{ics}"
        );
        assert!(
            ics.contains("\r\nURL:https://hallway.example.org/sessions/7\r\n"),
            "{ics}"
        );
        assert!(
            ics.contains("\r\nCATEGORIES:Networking & BPF\\, eBPF\\; XDP\r\n"),
            "{ics}"
        );
        assert!(ics.contains("Word\\, with\\; special\\\\chars"), "{ics}");
        for line in ics.split("\r\n") {
            assert!(line.len() <= 75, "an unfolded line: {line:?}");
            assert!(!line.contains('\r') && !line.contains('\n'));
        }
    }
}

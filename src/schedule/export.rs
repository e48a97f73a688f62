//! Re-exporting the stored schedule: frab XML and frab JSON (so schedule apps such as Giggity
//! and EventFahrplan can follow hallway), and hallway's own normalized JSON.
//!
//! Times are written with the conference zone's offset (`<date>`), local wall clock (`<start>`)
//! and `HH:MM` durations, as frab does. Sessions are grouped by the conference day the source
//! listed them under, else by their local date. Events without a UUID guid get a stable one
//! derived from their key.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use quick_xml::escape::escape;
use serde_json::{json, Map, Value};
use sha1::{Digest, Sha1};

use crate::schedule::stored::StoredSession;

/// What the export needs to know about the conference.
pub struct ExportMeta {
    /// Title.
    pub title: String,
    /// Acronym (derived from the title when missing).
    pub acronym: Option<String>,
    /// Conference zone.
    pub tz: Tz,
    /// Public base URL of hallway.
    pub base_url: String,
    /// Version marker (the last import's time).
    pub version: String,
    /// Room display order: schedule room names, configured first.
    pub room_order: Vec<String>,
}

/// hallway's normalized JSON for one session (`schedule show --json`, `/api/v1/schedule`).
pub fn normalized(s: &StoredSession) -> Value {
    json!({
        "id": s.id,
        "key": s.key,
        "guid": s.guid,
        "title": s.title,
        "subtitle": s.subtitle,
        "start": crate::web::time::iso(s.start),
        "end": crate::web::time::iso(s.end),
        "room": s.room,
        "track": s.track,
        "type": s.kind,
        "language": s.language,
        "persons": s.persons,
        "url": s.url,
        "day": s.day,
    })
}

fn looks_like_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && parts
            .iter()
            .all(|p| p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// The session's guid if it is a UUID, else a name-based UUID (version 5 layout) of its key.
pub fn export_guid(s: &StoredSession) -> String {
    match s.guid.as_deref().filter(|g| looks_like_uuid(g)) {
        Some(g) => g.to_lowercase(),
        None => name_uuid(&s.key),
    }
}

/// A stable UUID (version 5 layout, SHA-1 of a hallway namespace and `name`).
fn name_uuid(name: &str) -> String {
    let mut b: [u8; 20] = Sha1::digest(format!("hallway:{name}").as_bytes()).into();
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(&b[..16]);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn hhmm(d: chrono::Duration) -> String {
    let m = d.num_minutes().max(0);
    format!("{:02}:{:02}", m / 60, m % 60)
}

fn with_offset(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz)
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

fn slug(meta: &ExportMeta, s: &StoredSession) -> String {
    let words: String = s
        .title
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let words: Vec<&str> = words.split('-').filter(|w| !w.is_empty()).take(8).collect();
    format!("{}-{}-{}", acronym(meta), s.id, words.join("-"))
}

fn acronym(meta: &ExportMeta) -> String {
    meta.acronym.clone().unwrap_or_else(|| {
        meta.title
            .to_lowercase()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .take(16)
            .collect()
    })
}

/// One room's sessions on one day.
type RoomSessions<'s> = (String, Vec<&'s StoredSession>);
/// One day's rooms.
type Day<'s> = (String, Vec<RoomSessions<'s>>);

/// Sessions grouped by conference day, each day's sessions grouped by room in display order.
fn days<'s>(meta: &ExportMeta, sessions: &'s [StoredSession]) -> Vec<Day<'s>> {
    let mut by_day: BTreeMap<String, Vec<&StoredSession>> = BTreeMap::new();
    for s in sessions {
        let day = s.day.clone().unwrap_or_else(|| {
            s.start
                .with_timezone(&meta.tz)
                .format("%Y-%m-%d")
                .to_string()
        });
        by_day.entry(day).or_default().push(s);
    }
    let order = |room: &str| {
        meta.room_order
            .iter()
            .position(|r| r == room)
            .unwrap_or(usize::MAX)
    };
    by_day
        .into_iter()
        .map(|(day, list)| {
            let mut rooms: Vec<RoomSessions<'_>> = Vec::new();
            for s in list {
                match rooms.iter_mut().find(|(r, _)| *r == s.room) {
                    Some((_, v)) => v.push(s),
                    None => rooms.push((s.room.clone(), vec![s])),
                }
            }
            rooms.sort_by_key(|(r, _)| (order(r), r.clone()));
            for (_, v) in rooms.iter_mut() {
                v.sort_by_key(|s| (s.start, s.id));
            }
            (day, rooms)
        })
        .collect()
}

fn opt(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or("")
}

/// The schedule as frab/pentabarf XML.
pub fn frab_xml(meta: &ExportMeta, sessions: &[StoredSession]) -> String {
    let mut x = String::with_capacity(sessions.len() * 1200 + 1024);
    let days = days(meta, sessions);
    let first = days.first().map(|d| d.0.clone()).unwrap_or_default();
    let last = days.last().map(|d| d.0.clone()).unwrap_or_default();
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<schedule>\n");
    x.push_str(&format!(
        "  <generator name=\"hallway\" version=\"{}\"/>\n  <version>{}</version>\n",
        env!("CARGO_PKG_VERSION"),
        escape(meta.version.as_str())
    ));
    x.push_str(&format!(
        "  <conference>\n    <title>{}</title>\n    <acronym>{}</acronym>\n    <start>{first}</start>\n    <end>{last}</end>\n    <days>{}</days>\n    <timeslot_duration>00:05</timeslot_duration>\n    <base_url>{}</base_url>\n    <time_zone_name>{}</time_zone_name>\n  </conference>\n",
        escape(meta.title.as_str()),
        escape(acronym(meta).as_str()),
        days.len(),
        escape(meta.base_url.as_str()),
        meta.tz.name()
    ));
    for (i, (day, rooms)) in days.iter().enumerate() {
        let all = rooms.iter().flat_map(|(_, v)| v.iter());
        let start = all.clone().map(|s| s.start).min();
        let end = all.map(|s| s.end).max();
        x.push_str(&format!(
            "  <day index=\"{}\" date=\"{day}\" start=\"{}\" end=\"{}\">\n",
            i + 1,
            start.map(|t| with_offset(t, meta.tz)).unwrap_or_default(),
            end.map(|t| with_offset(t, meta.tz)).unwrap_or_default()
        ));
        for (room, list) in rooms {
            x.push_str(&format!("    <room name=\"{}\">\n", escape(room.as_str())));
            for s in list {
                x.push_str(&format!(
                    "      <event guid=\"{}\" id=\"{}\">\n        <date>{}</date>\n        <start>{}</start>\n        <duration>{}</duration>\n        <room>{}</room>\n        <slug>{}</slug>\n        <url>{}</url>\n        <title>{}</title>\n        <subtitle>{}</subtitle>\n        <track>{}</track>\n        <type>{}</type>\n        <language>{}</language>\n        <abstract>{}</abstract>\n        <description>{}</description>\n        <persons>\n",
                    export_guid(s),
                    s.id,
                    with_offset(s.start, meta.tz),
                    s.start.with_timezone(&meta.tz).format("%H:%M"),
                    hhmm(s.end - s.start),
                    escape(s.room.as_str()),
                    escape(slug(meta, s).as_str()),
                    escape(opt(&s.url)),
                    escape(s.title.as_str()),
                    escape(opt(&s.subtitle)),
                    escape(opt(&s.track)),
                    escape(opt(&s.kind)),
                    escape(opt(&s.language)),
                    escape(opt(&s.abstract_text)),
                    escape(opt(&s.description)),
                ));
                for p in &s.persons {
                    x.push_str(&format!(
                        "          <person>{}</person>\n",
                        escape(p.as_str())
                    ));
                }
                x.push_str("        </persons>\n        <links/>\n        <attachments/>\n      </event>\n");
            }
            x.push_str("    </room>\n");
        }
        x.push_str("  </day>\n");
    }
    x.push_str("</schedule>\n");
    x
}

/// The schedule as frab/pretalx `schedule.json`.
pub fn frab_json(meta: &ExportMeta, sessions: &[StoredSession]) -> Value {
    let days = days(meta, sessions);
    let mut room_names: Vec<String> = Vec::new();
    for (_, rooms) in &days {
        for (r, _) in rooms {
            if !room_names.contains(r) {
                room_names.push(r.clone());
            }
        }
    }
    room_names.sort_by_key(|r| {
        (
            meta.room_order
                .iter()
                .position(|o| o == r)
                .unwrap_or(usize::MAX),
            r.clone(),
        )
    });
    let day_values: Vec<Value> = days
        .iter()
        .enumerate()
        .map(|(i, (day, rooms))| {
            let all = rooms.iter().flat_map(|(_, v)| v.iter());
            let start = all.clone().map(|s| s.start).min();
            let end = all.map(|s| s.end).max();
            let mut room_map = Map::new();
            for (room, list) in rooms {
                let events: Vec<Value> = list
                    .iter()
                    .map(|s| {
                        json!({
                            "guid": export_guid(s),
                            "id": s.id,
                            "date": with_offset(s.start, meta.tz),
                            "start": s.start.with_timezone(&meta.tz).format("%H:%M").to_string(),
                            "duration": hhmm(s.end - s.start),
                            "room": s.room,
                            "slug": slug(meta, s),
                            "url": s.url,
                            "title": s.title,
                            "subtitle": s.subtitle.clone().unwrap_or_default(),
                            "track": s.track,
                            "type": s.kind.clone().unwrap_or_default(),
                            "language": s.language,
                            "abstract": s.abstract_text,
                            "description": s.description,
                            "logo": null,
                            "recording_license": "",
                            "do_not_record": false,
                            "persons": s.persons.iter().map(|p| json!({"public_name": p})).collect::<Vec<_>>(),
                            "links": [],
                            "attachments": [],
                        })
                    })
                    .collect();
                room_map.insert(room.clone(), Value::Array(events));
            }
            json!({
                "index": i + 1,
                "date": day,
                "day_start": start.map(|t| with_offset(t, meta.tz)),
                "day_end": end.map(|t| with_offset(t, meta.tz)),
                "rooms": Value::Object(room_map),
            })
        })
        .collect();
    json!({
        "$schema": "https://c3voc.de/schedule/schema.json",
        "generator": {"name": "hallway", "version": env!("CARGO_PKG_VERSION")},
        "schedule": {
            "version": meta.version,
            "base_url": meta.base_url,
            "conference": {
                "acronym": acronym(meta),
                "title": meta.title,
                "start": days.first().map(|d| d.0.clone()),
                "end": days.last().map(|d| d.0.clone()),
                "daysCount": days.len(),
                "timeslot_duration": "00:05",
                "time_zone_name": meta.tz.name(),
                "rooms": room_names
                    .iter()
                    .map(|r| json!({"name": r, "guid": name_uuid(&format!("room:{r}"))}))
                    .collect::<Vec<_>>(),
                "days": day_values,
            }
        }
    })
}

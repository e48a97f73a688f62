//! The public machine-readable schedule: frab XML and JSON for schedule apps
//! (`/schedule.xml`, `/schedule.json`), hallway's own JSON (`/api/v1/schedule`) and iCalendar
//! for attendees' calendars (`/schedule.ics`, `/tracks/{slug}.ics`, `/sessions/{id}.ics`).
//!
//! Everything is written from the schedule in memory, never the database, and is the same for
//! every visitor, so each response carries `Cache-Control: public, max-age=60` and an `ETag`
//! (a hash of the body); `If-None-Match` gets `304 Not Modified`. Apps poll these files all
//! week, and most polls then cost a few bytes.
//!
//! The ETag is weak (`W/"…"`): the `Compress` middleware sends the same content as identity,
//! gzip or brotli bytes, and a strong validator would have to differ between those. One weak
//! tag names the content in every encoding, and `If-None-Match` compares weakly anyway.

use std::sync::Arc;

use actix_web::http::header::{self, EntityTag, IfNoneMatch};
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

use crate::error::{AppError, AppResult};
use crate::schedule::export::{self, ExportMeta};
use crate::schedule::ical_export;
use crate::schedule::index::ScheduleIndex;
use crate::schedule::slug::track_matches;
use crate::schedule::stored::StoredSession;
use crate::state::AppState;
use crate::web::routes::Routes;
use crate::web::time;

/// How long shared caches and apps may reuse an export without asking again.
pub const CACHE_CONTROL: &str = "public, max-age=60";

/// Registers the export routes. They must come before the attendee pages: `/tracks/{slug}` and
/// `/sessions/{id}` would otherwise also match `….ics`.
pub fn configure(r: &mut Routes<'_>) {
    r.get_head("/schedule.xml", "the schedule as frab XML", schedule_xml)
        .get_head("/schedule.json", "the schedule as frab JSON", schedule_json)
        .get_head(
            "/api/v1/schedule",
            "the schedule as hallway JSON",
            api_schedule,
        )
        .get_head(
            "/schedule.ics",
            "the whole schedule as a calendar",
            schedule_ics,
        )
        .get_head("/tracks/{slug}.ics", "one track as a calendar", track_ics)
        .get_head(
            "/sessions/{id}.ics",
            "one session as a calendar",
            session_ics,
        );
}

/// The schedule snapshot and what the exports say about the conference.
fn export_data(state: &AppState) -> (ExportMeta, Arc<ScheduleIndex>) {
    let conference = state.conference();
    let info = conference.info;
    let index = state.schedule.get();
    let mut room_order: Vec<String> = state
        .rooms
        .all()
        .iter()
        .flat_map(|r| r.schedule_rooms.iter().cloned())
        .collect();
    for s in index.all() {
        if !room_order.contains(&s.room) {
            room_order.push(s.room.clone());
        }
    }
    let meta = ExportMeta {
        title: conference.title,
        acronym: info.as_ref().and_then(|i| i.acronym.clone()),
        tz: conference.tz,
        base_url: state.settings.public_link("/"),
        version: info
            .as_ref()
            .map(|i| format!("hallway import {}", time::iso(i.imported_at)))
            .unwrap_or_else(|| "empty".into()),
        room_order,
        imported_at: info.as_ref().map(|i| i.imported_at),
        guids: export::unique_guids(index.all()),
    };
    (meta, index)
}

/// `body` as a cacheable response: a (weak) ETag of its bytes, `Cache-Control: public`, and
/// `304 Not Modified` when the client already has it.
fn cacheable(req: &HttpRequest, content_type: &str, body: Vec<u8>) -> HttpResponse {
    let digest = Sha256::digest(&body);
    let tag = EntityTag::new_weak(hex::encode(&digest[..16]));
    let fresh = match req.get_header::<IfNoneMatch>() {
        Some(IfNoneMatch::Any) => true,
        Some(IfNoneMatch::Items(items)) => items.iter().any(|t| t.weak_eq(&tag)),
        None => false,
    };
    let mut response = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header(header::ETag(tag))
        .insert_header((header::CACHE_CONTROL, CACHE_CONTROL))
        // Compress adds this only to the bodies it encodes; caches must know for all of them.
        .insert_header((header::VARY, "accept-encoding"));
    if fresh {
        response.finish()
    } else {
        response.content_type(content_type).body(body)
    }
}

const XML: &str = "application/xml; charset=utf-8";
const JSON: &str = "application/json";
const ICS: &str = "text/calendar; charset=utf-8";

fn json_bytes(v: &impl serde::Serialize) -> AppResult<Vec<u8>> {
    serde_json::to_vec(v).map_err(|e| AppError::Internal(e.into()))
}

/// `GET /schedule.xml`: frab XML for schedule apps.
pub async fn schedule_xml(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let (meta, index) = export_data(&state);
    cacheable(&req, XML, export::frab_xml(&meta, index.all()).into_bytes())
}

/// `GET /schedule.json`: frab/pretalx schedule.json for schedule apps.
pub async fn schedule_json(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let (meta, index) = export_data(&state);
    let body = json_bytes(&export::frab_json(&meta, index.all()))?;
    Ok(cacheable(&req, JSON, body))
}

/// `GET /api/v1/schedule`: hallway's normalized JSON (as `hallway schedule show --json`).
pub async fn api_schedule(req: HttpRequest, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let index = state.schedule.get();
    let list: Vec<serde_json::Value> = index.all().iter().map(export::normalized).collect();
    Ok(cacheable(&req, JSON, json_bytes(&list)?))
}

/// An iCalendar response for `sessions`, named `name`.
fn ics<'s>(
    req: &HttpRequest,
    state: &AppState,
    meta: &ExportMeta,
    name: &str,
    sessions: impl IntoIterator<Item = &'s StoredSession>,
) -> HttpResponse {
    let location = |s: &StoredSession| {
        state
            .rooms
            .for_schedule_room(&s.room)
            .map(|r| r.name.clone())
            .unwrap_or_else(|| s.room.clone())
    };
    let dtstamp = meta.imported_at.unwrap_or_default();
    let body = ical_export::calendar(meta, name, sessions, location, dtstamp);
    cacheable(req, ICS, body.into_bytes())
}

/// `GET /schedule.ics`: every session.
pub async fn schedule_ics(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let (meta, index) = export_data(&state);
    let name = meta.title.clone();
    ics(&req, &state, &meta, &name, index.all())
}

/// `GET /tracks/{slug}.ics`: the sessions of one track (slug as in
/// [`crate::schedule::slug::track_slug`]); 404 when no session has that track.
pub async fn track_ics(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> AppResult<HttpResponse> {
    let (meta, index) = export_data(&state);
    let sessions: Vec<&StoredSession> = index
        .all()
        .iter()
        .filter(|s| track_matches(s.track.as_deref(), &slug))
        .collect();
    let track = sessions
        .first()
        .and_then(|s| s.track.clone())
        .ok_or(AppError::NotFound)?;
    let name = format!("{}: {track}", meta.title);
    Ok(ics(&req, &state, &meta, &name, sessions))
}

/// `GET /sessions/{id}.ics`: one session; 404 when there is no such session.
pub async fn session_ics(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let (meta, index) = export_data(&state);
    let s = index.session(id).ok_or(AppError::NotFound)?;
    let name = format!("{}: {}", meta.title, s.title);
    Ok(ics(&req, &state, &meta, &name, [s]))
}

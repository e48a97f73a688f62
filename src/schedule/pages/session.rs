//! `GET /sessions/{id}`: one session: title, speakers, sanitised abstract, room and track,
//! times (UTC and the visitor's zone, once for a visitor in UTC, and the conference's), the
//! join button or its state, the room's chat and stream links, the session's `.ics`, and its
//! recordings (from the recordings cache: a page never calls BBB; unpublished ones only for
//! those `auth::access` lets see them).

use actix_web::{web, HttpResponse};
use askama::Template;

use super::common::{sanitise, Card, CardMaker};
use crate::auth::access;
use crate::error::{AppError, AppResult};
use crate::recordings::cache::Visible;
use crate::recordings::view::{self as recordings_view, RecordingLine};
use crate::rooms::meeting::session_meeting_id;
use crate::schedule::published::http_link;
use crate::web::layout::Layout;
use crate::web::page::PageCtx;
use crate::web::render;
use crate::web::routes::Routes;
use crate::web::time::{self, Shown};

/// Registers the page.
pub fn configure(r: &mut Routes<'_>) {
    r.get("/sessions/{id:[0-9]{1,18}}", "one session", session_page);
}

/// The session page.
#[derive(Template)]
#[template(path = "schedule/session.html")]
pub struct SessionPage {
    /// Header.
    pub layout: Layout,
    /// The session as a card (speakers, track, room, times, join state).
    pub card: Card,
    /// Subtitle.
    pub subtitle: String,
    /// Date and start in UTC and the visitor's zone.
    pub start: Shown,
    /// Date and start in the conference zone.
    pub start_conference: String,
    /// Whether the visitor's zone differs from the conference's.
    pub show_conference_time: bool,
    /// Length in minutes.
    pub minutes: i64,
    /// Sanitised abstract HTML.
    pub abstract_html: String,
    /// Sanitised description HTML.
    pub description_html: String,
    /// Hallway room name, if the schedule room is mapped.
    pub room_name: String,
    /// Chat link.
    pub chat_url: String,
    /// Stream link.
    pub stream_url: String,
    /// Link to the source system (http/https only; empty otherwise).
    pub url: String,
    /// The session's recordings the visitor may see.
    pub recordings: Vec<RecordingLine>,
    /// The speakers opted out of recording (its meeting is created with `record=false`).
    pub not_recorded: bool,
    /// The live notice ("the room moved, rejoin here") and, for moderators, the waiting count.
    pub lobby: Option<crate::lobby::handlers::Watch>,
}

/// `GET /sessions/{id}` (digits only, so `/sessions/{id}.ics` is another route).
pub async fn session_page(ctx: PageCtx, id: web::Path<String>) -> AppResult<HttpResponse> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let index = ctx.state.schedule.get();
    let s = index.session(id).ok_or(AppError::NotFound)?;
    let room = ctx.state.rooms.for_schedule_room(&s.room);
    let maker = CardMaker::new(&ctx, &index, ctx.shown_now, s.start);
    let card = maker.card(s);
    let visible = if access::sees_unpublished_recordings(ctx.layout.user.as_ref(), ctx.real_now) {
        Visible::All
    } else {
        Visible::Published
    };
    let meeting_id = room.map(|r| session_meeting_id(ctx.state.rooms.meeting_prefix(), r, &s.key));
    let recordings =
        ctx.state
            .recordings
            .of_session(meeting_id.as_deref(), &s.key, s.guid.as_deref(), visible);
    let page = SessionPage {
        not_recorded: s.do_not_record,
        recordings: recordings_view::lines(&recordings, maker.times(), |_| None),
        subtitle: s.subtitle.clone().unwrap_or_default(),
        start: maker.times().full(s.start),
        start_conference: time::local_full(s.start, ctx.conference_tz),
        show_conference_time: ctx.zone.tz != ctx.conference_tz,
        minutes: (s.end - s.start).num_minutes(),
        abstract_html: sanitise(s.abstract_text.as_deref()),
        description_html: sanitise(s.description.as_deref()),
        room_name: room.map(|r| r.name.clone()).unwrap_or_default(),
        chat_url: room
            .and_then(|r| r.chat_url.as_ref())
            .map(|u| u.to_string())
            .unwrap_or_default(),
        stream_url: room
            .and_then(|r| r.stream_url.as_ref())
            .map(|u| u.to_string())
            .unwrap_or_default(),
        url: http_link(s.url.as_deref()),
        lobby: crate::lobby::handlers::watch_for(&ctx, room, Some(s.id)),
        card,
        layout: ctx.layout.clone(),
    };
    render::page(&ctx, &page)
}

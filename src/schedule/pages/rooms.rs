//! Room pages. `GET /rooms/{slug}`: what runs in a room now and what comes next, its chat and
//! stream, and the live participant count; BBB sends people here when a meeting ends, so it
//! leads with "next in this room", then the room's recordings (from the recordings cache, each
//! with its session; unpublished ones only for staff). `GET /hackrooms`: every hackroom with who is inside (names
//! for logged-in visitors only). `GET /staff`: the private rooms, for staff only (the
//! `StaffPage` guard asks `auth::access`).

use actix_web::{web, HttpResponse};
use askama::Template;

use super::common::{live, open_rooms, Card, CardMaker, Live, OpenRoom};
use crate::auth::access::{self, Denied};
use crate::auth::guard::{refusal, StaffPage};
use crate::error::{AppError, AppResult};
use crate::recordings::cache::{StoredRecording, Visible};
use crate::recordings::view::{self as recordings_view, RecordingLine};
use crate::rooms::meeting::session_meeting_id;
use crate::rooms::model::RoomKind;
use crate::web::layout::Layout;
use crate::web::page::PageCtx;
use crate::web::render;
use crate::web::routes::Routes;
use crate::web::time::Shown;

/// How many later sessions a room page lists.
const UPCOMING: usize = 6;

/// Registers the pages.
pub fn configure(r: &mut Routes<'_>) {
    r.get(
        "/rooms/{slug:[a-z0-9-]{1,90}}",
        "a room: now, next, join",
        room_page,
    )
    .get("/hackrooms", "the hackrooms", hackrooms_page)
    .get("/staff", "staff: the private rooms", staff_page);
}

/// One room.
#[derive(Template)]
#[template(path = "schedule/room.html")]
pub struct RoomPage {
    /// Header.
    pub layout: Layout,
    /// Display name.
    pub name: String,
    /// "session", "hack", "private", or "" for a schedule room no hallway room hosts.
    pub kind: &'static str,
    /// The hallway room's slug (empty when unmapped).
    pub slug: String,
    /// As of.
    pub at: Shown,
    /// Running now.
    pub running: Vec<Card>,
    /// Coming up.
    pub upcoming: Vec<Card>,
    /// Chat link.
    pub chat_url: String,
    /// Stream link.
    pub stream_url: String,
    /// Live participants.
    pub live: Option<Live>,
    /// For rooms without sessions: offer Join.
    pub open_joinable: bool,
    /// The room's recordings the visitor may see, with their sessions.
    pub recordings: Vec<RecordingLine>,
    /// The live notice ("the room moved, rejoin here") and, for moderators, the waiting count.
    pub lobby: Option<crate::lobby::handlers::Watch>,
}

/// `GET /rooms/{slug}`.
pub async fn room_page(ctx: PageCtx, slug: web::Path<String>) -> AppResult<HttpResponse> {
    let index = ctx.state.schedule.get();
    let room = ctx.state.rooms.get(&slug).cloned();
    if room.as_ref().is_some_and(|r| r.kind == RoomKind::Private)
        && !access::sees_staff_pages(ctx.layout.user.as_ref(), ctx.real_now)
    {
        let denied = if ctx.layout.user.is_some() {
            Denied::StaffOnly
        } else {
            Denied::LoginRequired
        };
        return Err(refusal(denied, &ctx.layout.here, ctx.zone.tz));
    }
    let group = index.room(&slug);
    if room.is_none() && group.is_none() {
        return Err(AppError::NotFound);
    }
    let at = ctx.shown_now;
    let maker = CardMaker::new(&ctx, &index, at, at);
    let (running, upcoming) = match group {
        Some(g) => {
            let (running, _) = index.now_and_next(g, at);
            (
                running.into_iter().map(|s| maker.card(s)).collect(),
                index
                    .upcoming(g, at, UPCOMING)
                    .map(|s| maker.card(s))
                    .collect(),
            )
        }
        None => (Vec::new(), Vec::new()),
    };
    let logged_in = ctx.layout.user.is_some();
    let recordings = match &room {
        Some(r) => {
            let visible =
                if access::sees_unpublished_recordings(ctx.layout.user.as_ref(), ctx.real_now) {
                    Visible::All
                } else {
                    Visible::Published
                };
            let listed = ctx.state.recordings.of_room(r.slug.as_str(), visible);
            if listed.is_empty() {
                // Nothing to match: no meetingID per session is worked out.
                Vec::new()
            } else {
                // Which of the room's sessions each recording belongs to: its meeting, key or guid.
                let sessions: Vec<_> = group
                    .map(|g| index.sessions_of(g).collect())
                    .unwrap_or_default();
                let prefix = ctx.state.rooms.meeting_prefix();
                let meetings: Vec<String> = sessions
                    .iter()
                    .map(|s| session_meeting_id(prefix, r, &s.key))
                    .collect();
                let session_of = |rec: &StoredRecording| {
                    sessions
                        .iter()
                        .zip(&meetings)
                        .find(|(s, m)| {
                            **m == rec.meeting_id
                                || rec.session_key.as_deref() == Some(s.key.as_str())
                                || (s.guid.is_some() && rec.session_guid == s.guid)
                        })
                        .map(|(s, _)| (s.id, s.title.clone()))
                };
                recordings_view::lines(&listed, maker.times(), session_of)
            }
        }
        None => Vec::new(),
    };
    let page = RoomPage {
        recordings,
        name: room
            .as_ref()
            .map(|r| r.name.clone())
            .or(group.map(|g| g.name.clone()))
            .unwrap_or_default(),
        kind: room.as_ref().map(|r| r.kind.as_str()).unwrap_or(""),
        slug: room
            .as_ref()
            .map(|r| r.slug.to_string())
            .unwrap_or_default(),
        at: maker.times().full(at),
        running,
        upcoming,
        chat_url: room
            .as_ref()
            .and_then(|r| r.chat_url.as_ref())
            .map(|u| u.to_string())
            .unwrap_or_default(),
        stream_url: room
            .as_ref()
            .and_then(|r| r.stream_url.as_ref())
            .map(|u| u.to_string())
            .unwrap_or_default(),
        live: room
            .as_ref()
            .and_then(|r| live(&ctx, r, logged_in, maker.times())),
        open_joinable: room
            .as_ref()
            .is_some_and(|r| access::offers_open_room(ctx.layout.user.as_ref(), r, ctx.real_now)),
        lobby: crate::lobby::handlers::watch_for(&ctx, room.as_ref(), None),
        layout: ctx.layout.clone(),
    };
    render::page(&ctx, &page)
}

/// Every hackroom.
#[derive(Template)]
#[template(path = "schedule/hackrooms.html")]
pub struct HackroomsPage {
    /// Header.
    pub layout: Layout,
    /// The rooms.
    pub rooms: Vec<OpenRoom>,
    /// True when participant names are shown (logged in).
    pub names_shown: bool,
    /// True before the first status poll.
    pub no_poll_yet: bool,
}

/// `GET /hackrooms`.
pub async fn hackrooms_page(ctx: PageCtx) -> AppResult<HttpResponse> {
    let times = ctx.times(ctx.shown_now);
    let page = HackroomsPage {
        rooms: open_rooms(&ctx, RoomKind::Hack, &times),
        names_shown: ctx.layout.user.is_some(),
        no_poll_yet: ctx.state.status.latest().is_none(),
        layout: ctx.layout.clone(),
    };
    render::page(&ctx, &page)
}

/// The staff's private rooms.
#[derive(Template)]
#[template(path = "schedule/staff.html")]
pub struct StaffRoomsPage {
    /// Header.
    pub layout: Layout,
    /// The rooms.
    pub rooms: Vec<OpenRoom>,
    /// True before the first status poll.
    pub no_poll_yet: bool,
}

/// `GET /staff`: staff only.
pub async fn staff_page(staff: StaffPage) -> AppResult<HttpResponse> {
    let ctx = staff.0;
    let times = ctx.times(ctx.shown_now);
    let page = StaffRoomsPage {
        rooms: open_rooms(&ctx, RoomKind::Private, &times),
        no_poll_yet: ctx.state.status.latest().is_none(),
        layout: ctx.layout.clone(),
    };
    render::page(&ctx, &page)
}

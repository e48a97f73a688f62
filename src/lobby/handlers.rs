//! The lobby's pages and stream, and its two hooks in the join path.
//!
//! - [`hold`]: a viewer's join to a room whose kind starts with a moderator, before one is
//!   inside, goes to `GET /rooms/{slug}/lobby` instead of BBB (no create is made for them).
//! - [`moderator_joined`]: hallway just sent a moderator into a meeting: the meeting is
//!   started, this instance's waiting pages hear it at once, and the `meeting_starts` row
//!   (with its topic bump) tells the other instances.
//! - `GET /rooms/{slug}/events`: server-sent events for one open page, `started` and `moved`,
//!   from one broadcast receiver (no BBB call, no database query). Lobby pages count as
//!   waiting.
//! - [`watch_for`]: what room and session pages need to show "the room moved, rejoin here"
//!   (and, for moderators, how many wait).

use std::time::Duration;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

use crate::auth::access;
use crate::auth::access::Denied;
use crate::auth::guard::{join_decision, refusal};
use crate::bbb::Role;
use crate::db::to_db_time;
use crate::error::{AppError, AppResult};
use crate::lobby::hub::{LobbyEvent, StartRow, Subscription};
use crate::lobby::policy::StartPolicy;
use crate::lobby::store;
use crate::rooms::meeting::MeetingTarget;
use crate::rooms::model::{Room, RoomKind};
use crate::rooms::registry::{MeetingRecord, MeetingState};
use crate::state::AppState;
use crate::web::layout::Layout;
use crate::web::page::{PageCtx, Visitor};
use crate::web::render::{self, see_other};
use crate::web::routes::Routes;

/// An idle stream sends a comment this often, so proxies keep it open and a closed page is
/// noticed (its write fails and its waiting share ends).
const KEEPALIVE: Duration = Duration::from_secs(25);

/// Registers the lobby's routes.
pub fn configure(r: &mut Routes<'_>) {
    r.get(
        "/rooms/{slug}/lobby",
        "waiting for the moderator, then in by itself",
        lobby_page,
    )
    .get(
        "/rooms/{slug}/events",
        "a room's live events for open pages (started, moved)",
        events,
    );
}

/// Whether a moderator is in `meeting_id`: hallway sent one into the live meeting, or the last
/// poll lists one. A pre-warmed meeting, or one with only viewers, is not started.
pub fn started(state: &AppState, meeting_id: &str) -> bool {
    let live = state
        .registry
        .get(meeting_id)
        .filter(|r| r.state == MeetingState::Live)
        .and_then(|r| r.create_time);
    state.lobby.is_started(meeting_id, live)
        || state.status.latest().is_some_and(|snap| {
            snap.servers
                .iter()
                .flat_map(|s| s.meetings.iter())
                .any(|m| m.meeting_id == meeting_id && m.moderator_count > 0)
        })
}

/// Whether viewers of `room` wait for a moderator.
fn waits(state: &AppState, room: &Room) -> bool {
    state.settings.start_policies.of(room.kind) == StartPolicy::Moderator
}

/// The join path's hold: a viewer's join to a not-started room of a `moderator` kind answers
/// the lobby instead.
pub fn hold(
    ctx: &Visitor,
    room: &Room,
    target: &MeetingTarget,
    role: Role,
) -> Option<HttpResponse> {
    let state = &ctx.state;
    if role != Role::Viewer || !waits(state, room) || started(state, &target.meeting_id) {
        return None;
    }
    let session = session_id(ctx, target).unwrap_or(0);
    Some(see_other(&format!(
        "/rooms/{}/lobby?{}",
        room.slug,
        serde_urlencoded::to_string([("session", session)]).unwrap_or_default()
    )))
}

/// Hallway just sent a moderator into `record`'s meeting: it is started from now on.
pub async fn moderator_joined(state: &AppState, record: &MeetingRecord) {
    let Some(create_time) = record.create_time else {
        return;
    };
    let row = StartRow {
        meeting_id: record.meeting_id.clone(),
        room: record.room.clone(),
        create_time,
    };
    if !state.lobby.note_started(row.clone()) {
        return;
    }
    if let Err(e) = store::record_start(&state.db, &row, to_db_time(state.clock.now())).await {
        tracing::error!(meeting = %row.meeting_id, error = %e, "lobby: storing a moderator's start failed");
    }
}

/// The schedule id of the target's session, if it has one.
fn session_id(ctx: &Visitor, target: &MeetingTarget) -> Option<i64> {
    let key = &target.session.as_ref()?.key;
    let index = ctx.state.schedule.get();
    index.all().iter().find(|s| &s.key == key).map(|s| s.id)
}

/// `?session=`
#[derive(Deserialize)]
pub struct LobbyQuery {
    session: Option<i64>,
}

/// The lobby page.
#[derive(Template)]
#[template(path = "lobby/lobby.html")]
pub struct LobbyPage {
    /// Header.
    pub layout: Layout,
    /// Room name.
    pub room_name: String,
    /// Room slug.
    pub slug: String,
    /// The session the visitor waits for (0: the room's own meeting).
    pub session_id: i64,
    /// Its title (the room's name without a session).
    pub title: String,
    /// Its speakers.
    pub speakers: Vec<String>,
    /// Open lobby pages of this room (this one included).
    pub waiting: usize,
    /// The room's public stream, if any.
    pub stream_url: String,
    /// A moderator is inside: the Join button shows (and the script goes in).
    pub started: bool,
    /// The meeting waited for (the event stream says which one started).
    pub meeting_id: String,
}

/// `GET /rooms/{slug}/lobby?session=ID`.
pub async fn lobby_page(
    ctx: PageCtx,
    slug: web::Path<String>,
    q: web::Query<LobbyQuery>,
) -> AppResult<HttpResponse> {
    if ctx.layout.user.is_none() {
        return Err(AppError::LoginRequired {
            next: ctx.layout.here.clone(),
        });
    }
    let state = &ctx.state;
    let room = state.rooms.get(&slug).cloned().ok_or(AppError::NotFound)?;
    let (role, target) = join_decision(&ctx, &room, q.session)?;
    let started =
        role == Role::Moderator || !waits(state, &room) || started(state, &target.meeting_id);
    let session = target.session.as_ref().and_then(|s| {
        state
            .schedule
            .get()
            .all()
            .iter()
            .find(|x| x.key == s.key)
            .map(|x| (x.id, x.title.clone(), x.persons.clone()))
    });
    let (session_id, title, speakers) = session.unwrap_or((0, room.name.clone(), Vec::new()));
    let page = LobbyPage {
        room_name: room.name.clone(),
        slug: room.slug.to_string(),
        session_id,
        title,
        speakers,
        // This page's own stream opens after it loads: count it.
        waiting: state.lobby.waiting(room.slug.as_str()) + usize::from(!started),
        stream_url: room
            .stream_url
            .as_ref()
            .map(|u| u.to_string())
            .unwrap_or_default(),
        started,
        meeting_id: target.meeting_id,
        layout: ctx.layout.clone(),
    };
    render::page(&ctx, &page)
}

/// `?lobby=1&meeting=ID`
#[derive(Deserialize)]
pub struct EventsQuery {
    /// Set by lobby pages: the stream counts as waiting.
    #[serde(default)]
    lobby: Option<String>,
    /// The meeting a lobby page waits for: `started` at once when it already is.
    #[serde(default)]
    meeting: Option<String>,
}

/// Who may watch `room`'s events: whoever may see its page (private rooms: staff).
fn may_watch(ctx: &PageCtx, room: &Room) -> Result<(), AppError> {
    if room.kind == RoomKind::Private
        && !access::sees_staff_pages(ctx.layout.user.as_ref(), ctx.real_now)
    {
        let denied = if ctx.layout.user.is_some() {
            Denied::StaffOnly
        } else {
            Denied::LoginRequired
        };
        return Err(refusal(denied, &ctx.layout.here, ctx.zone.tz));
    }
    Ok(())
}

/// `GET /rooms/{slug}/events`: `event: started` / `event: moved` for one open page.
pub async fn events(
    ctx: PageCtx,
    slug: web::Path<String>,
    q: web::Query<EventsQuery>,
) -> AppResult<HttpResponse> {
    let state = &ctx.state;
    let room = state.rooms.get(&slug).cloned().ok_or(AppError::NotFound)?;
    may_watch(&ctx, &room)?;
    let waiting = q.lobby.is_some() && ctx.layout.user.is_some();
    let sub = state.lobby.subscribe(
        room.slug.as_str(),
        state.placements.stored(&room).as_str(),
        waiting,
    );
    let mut hello = String::from(": connected\nretry: 3000\n\n");
    if let Some(m) = q.meeting.as_deref().filter(|m| started(state, m)) {
        hello.push_str(
            &LobbyEvent::Started {
                meeting_id: m.to_owned(),
            }
            .to_sse(),
        );
    }
    let hello =
        futures::stream::once(async move { Ok::<_, actix_web::Error>(web::Bytes::from(hello)) });
    let stream = futures::stream::unfold(sub, |mut sub: Subscription| async move {
        loop {
            let text = match tokio::time::timeout(KEEPALIVE, sub.rx.recv()).await {
                Ok(Ok(event)) => event.to_sse(),
                Ok(Err(RecvError::Lagged(_))) => continue,
                Ok(Err(RecvError::Closed)) => return None,
                Err(_) => ": keepalive\n\n".to_owned(),
            };
            return Some((Ok::<_, actix_web::Error>(web::Bytes::from(text)), sub));
        }
    });
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/event-stream"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        // Compression would hold events back in its buffer.
        .insert_header((header::CONTENT_ENCODING, "identity"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(futures::StreamExt::chain(hello, stream)))
}

/// What a room or session page needs for the rejoin notice (logged-in visitors of a hallway
/// room only: the notice is a join form).
pub struct Watch {
    /// Room slug.
    pub slug: String,
    /// The session the page is about (0: none).
    pub session: i64,
    /// How many wait in the lobby, for those who would join as moderator.
    pub waiting: Option<usize>,
}

/// The page's [`Watch`], or `None` for visitors who may not join the room now (anonymous
/// visitors, a closed session room, a private room).
pub fn watch_for(ctx: &PageCtx, room: Option<&Room>, session: Option<i64>) -> Option<Watch> {
    let room = room?;
    ctx.layout.user.as_ref()?;
    let (role, _) = join_decision(ctx, room, session).ok()?;
    let moderator = waits(&ctx.state, room) && role == Role::Moderator;
    Some(Watch {
        slug: room.slug.to_string(),
        session: session.unwrap_or(0),
        waiting: moderator.then(|| ctx.state.lobby.waiting(room.slug.as_str())),
    })
}

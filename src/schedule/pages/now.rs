//! `GET /`: now & next, the page attendees keep open. For every room: what runs (with how far
//! it is) and what comes next; between days, when the conference resumes; after the last
//! session, a closing note. Earlier/later links move the page by an hour (`?at=`).
//!
//! It reads only the in-memory schedule index (a binary search per room), and a visitor's
//! reloads within a minute are answered from the page cache (or with a 304), so it stays cheap
//! with a thousand sessions.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

use super::common::{open_rooms, parse_at, Card, CardMaker, OpenRoom};
use crate::error::AppResult;
use crate::rooms::model::RoomKind;
use crate::schedule::index::ScheduleIndex;
use crate::web::layout::Layout;
use crate::web::page::PageCtx;
use crate::web::page_cache::{self, start_of_minute, unix_minute, PageCache, PageKey, Source};
use crate::web::routes::Routes;
use crate::web::time::{self, Shown};

/// How far ahead a room's next session still counts as "next" rather than "later".
const AHEAD: Duration = Duration::hours(4);
/// The step of the earlier/later links.
const STEP: Duration = Duration::hours(1);

/// Registers the page.
pub fn configure(r: &mut Routes<'_>) {
    r.get_head("/", "now and next in every room", now_page);
}

/// One room on the now page.
pub struct NowRoom {
    /// Schedule room name.
    pub name: String,
    /// Its page.
    pub slug: String,
    /// Running at the page's instant.
    pub running: Vec<Card>,
    /// The next session in this room.
    pub next: Option<Card>,
}

/// The now page.
#[derive(Template)]
#[template(path = "schedule/now.html")]
pub struct NowPage {
    /// Header.
    pub layout: Layout,
    /// The page's instant, in full.
    pub at: Shown,
    /// True when `?at=` (or an admin's preview) moved the page away from the present.
    pub time_travel: bool,
    /// `?at=` values of the earlier / later links.
    pub earlier: String,
    /// See `earlier`.
    pub later: String,
    /// Rooms with something running or coming up within hours.
    pub rooms: Vec<NowRoom>,
    /// Nothing now: "starts", "resumes", "over" or "" (with `rooms` empty).
    pub pause: &'static str,
    /// When the conference starts or resumes.
    pub resumes: Option<Shown>,
    /// When nothing is in the window: the next session.
    pub next: Option<Card>,
    /// Its start as `?at=` value.
    pub next_at: String,
    /// Hackrooms with live counts.
    pub hackrooms: Vec<OpenRoom>,
}

/// Query of the now page.
#[derive(Deserialize)]
pub struct NowQuery {
    /// Show the page at this instant (RFC 3339) instead of now.
    at: Option<String>,
}

/// `GET /`: what is on now and next.
///
/// Served through the per-minute page cache (`web::page_cache`): everything the page shows
/// is decided as at the start of the real minute (the page's "now", the progress, the join
/// states), so its content is a function of the visitor's layout, the minute (or the `?at=`
/// instant) and the schedule index and poll snapshot it reads, which is the cache key.
/// Schedules are written in minutes, so a join window opens on the same minute here as in the
/// join handler's own check, which always uses the real clock.
pub async fn now_page(
    req: HttpRequest,
    mut ctx: PageCtx,
    q: web::Query<NowQuery>,
    cache: web::Data<PageCache>,
) -> AppResult<HttpResponse> {
    let at = parse_at(q.at.as_deref())?.unwrap_or(ctx.shown_now);
    let time_travel = at != ctx.real_now;
    ctx.visitor.real_now = start_of_minute(ctx.real_now);
    let at = if time_travel { at } else { ctx.real_now };
    let index = ctx.state.schedule.get();
    let snapshot = ctx.state.status.latest();
    let key = PageKey {
        page: "now",
        layout: ctx.layout.clone(),
        at,
        minute: unix_minute(ctx.real_now),
        flags: u64::from(time_travel),
        sources: vec![Some(Source::of(&index)), snapshot.as_ref().map(Source::of)],
    };
    page_cache::respond(&req, &ctx, &cache, key, || {
        render_page(&ctx, &index, at, time_travel)
    })
}

fn render_page(
    ctx: &PageCtx,
    index: &ScheduleIndex,
    at: DateTime<Utc>,
    time_travel: bool,
) -> AppResult<String> {
    let maker = CardMaker::new(ctx, index, at, at);
    let mut rooms = Vec::new();
    for g in index.rooms() {
        let (running, next) = index.now_and_next(g, at);
        let next = next.filter(|n| n.start < at + AHEAD || !running.is_empty());
        if running.is_empty() && next.is_none() {
            continue;
        }
        rooms.push(NowRoom {
            name: g.name.clone(),
            slug: g.slug.clone(),
            running: running.into_iter().map(|s| maker.card(s)).collect(),
            next: next.map(|s| maker.card(s)),
        });
    }
    let (mut pause, mut resumes, mut next, mut next_at) = ("", None, None, String::new());
    if rooms.is_empty() {
        if let Some(n) = index.next_after(at) {
            let first = index.all().first().map(|f| f.start);
            pause = if first.is_some_and(|f| n.start <= f) {
                "starts"
            } else {
                "resumes"
            };
            resumes = Some(maker.times().full(n.start));
            next_at = time::iso(n.start);
            next = Some(maker.card(n));
        } else if index.last_end().is_some_and(|e| e <= at) {
            pause = "over";
        }
    }
    let page = NowPage {
        at: maker.times().full(at),
        time_travel,
        earlier: time::iso(at - STEP),
        later: time::iso(at + STEP),
        rooms,
        pause,
        resumes,
        next,
        next_at,
        hackrooms: open_rooms(ctx, RoomKind::Hack, maker.times()),
        layout: ctx.layout.clone(),
    };
    Ok(page.render()?)
}

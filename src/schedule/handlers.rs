//! Attendee pages: the "now" grid (`GET /`), one session (`GET /sessions/{id}`) and the time
//! zone chooser (`GET /timezone`). Every time is shown in UTC and in the visitor's zone.

use actix_web::{get, route, web, HttpResponse};
use askama::Template;
use chrono::{DateTime, Duration, DurationRound, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use crate::auth::access::{self, Slot};
use crate::error::{AppError, AppResult};
use crate::rooms::model::{Room, RoomKind};
use crate::schedule::stored::StoredSession;
use crate::web::layout::Layout;
use crate::web::page::PageCtx;
use crate::web::{render, time};

/// Registers the attendee pages.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(now_page)
        .service(session_page)
        .service(timezone_page);
}

/// Grid granularity.
const SLOT: Duration = Duration::minutes(15);
/// How far ahead the now page looks.
const AHEAD: Duration = Duration::hours(4);
/// How far back the grid reaches to show running sessions from their start (longer-running
/// sessions are shown clipped at the top).
const BEHIND: Duration = Duration::hours(3);

/// Start and end of a session, written for the page.
pub struct TimeRange {
    /// "07:00–07:45 UTC".
    pub utc: String,
    /// "09:00–09:45 CEST".
    pub local: String,
    /// RFC 3339 start, for `<time datetime>`.
    pub start_iso: String,
}

impl TimeRange {
    fn new(start: DateTime<Utc>, end: DateTime<Utc>, tz: Tz) -> Self {
        let utc = format!("{}–{} UTC", start.format("%H:%M"), end.format("%H:%M"));
        let s = start.with_timezone(&tz);
        let e = end.with_timezone(&tz);
        let local = format!(
            "{}–{} {}",
            s.format("%H:%M"),
            e.format("%H:%M"),
            e.format("%Z")
        );
        Self {
            utc,
            local,
            start_iso: time::iso(start),
        }
    }
}

/// A session placed in the grid.
pub struct GridCell {
    /// Session id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Speakers, comma separated.
    pub persons: String,
    /// Track.
    pub track: String,
    /// Times.
    pub times: TimeRange,
    /// CSS grid column (1 is the time column).
    pub col: usize,
    /// First grid row.
    pub row_start: usize,
    /// Grid row after the last.
    pub row_end: usize,
    /// Running right now.
    pub running: bool,
    /// The join button is shown.
    pub joinable: bool,
    /// Hallway room to join.
    pub room_slug: String,
}

/// A grid column.
pub struct GridRoom {
    /// Schedule room name.
    pub name: String,
    /// Position.
    pub col: usize,
}

/// A grid row label.
pub struct GridRow {
    /// Row index.
    pub row: usize,
    /// "07:15 UTC".
    pub utc: String,
    /// "09:15 CEST".
    pub local: String,
    /// This slot contains the page's time.
    pub is_now: bool,
}

/// A room that is always open to the visitor (hackrooms, and for admins private rooms).
pub struct OpenRoom {
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: &'static str,
    /// Chat link.
    pub chat_url: Option<String>,
}

/// The now page.
#[derive(Template)]
#[template(path = "schedule/now.html")]
pub struct NowPage {
    /// Header.
    pub layout: Layout,
    /// "Tue 15 Sep 2026, 07:20 UTC".
    pub at_utc: String,
    /// The same in the visitor's zone.
    pub at_local: String,
    /// True when `?at=` moved the page away from the present.
    pub time_travel: bool,
    /// Columns.
    pub rooms: Vec<GridRoom>,
    /// Row labels.
    pub rows: Vec<GridRow>,
    /// Sessions.
    pub cells: Vec<GridCell>,
    /// Number of grid rows incl. header.
    pub row_count: usize,
    /// Always-open rooms.
    pub open_rooms: Vec<OpenRoom>,
    /// When nothing is in the window: the next session.
    pub next_title: Option<String>,
    /// Its id.
    pub next_id: i64,
    /// Its start, written out.
    pub next_when: String,
    /// Its start as `?at=` value.
    pub next_at: String,
}

/// Query of the now page.
#[derive(Deserialize)]
pub struct NowQuery {
    /// Show the grid at this instant (RFC 3339) instead of now.
    at: Option<String>,
}

fn floor_slot(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(SLOT).unwrap_or(t)
}

fn ceil_slot(t: DateTime<Utc>) -> DateTime<Utc> {
    let f = floor_slot(t);
    if f == t {
        t
    } else {
        f + SLOT
    }
}

fn slots_between(a: DateTime<Utc>, b: DateTime<Utc>) -> usize {
    ((b - a).num_seconds().max(0) / SLOT.num_seconds()) as usize
}

/// Whether the join button shows for a session in `room` at real time `now` (access decides).
fn joinable(ctx: &PageCtx, s: &StoredSession, room: Option<&Room>, now: DateTime<Utc>) -> bool {
    room.is_some_and(|r| {
        access::offers_join(
            ctx.layout.user.as_ref(),
            r,
            Slot {
                start: s.start,
                end: s.end,
                track: s.track.as_deref(),
                guid: s.guid.as_deref(),
                persons: &s.persons,
            },
            ctx.state.join_window,
            now,
        )
    })
}

/// `GET /`: what is on now and in the next hours.
#[route("/", method = "GET", method = "HEAD")]
pub async fn now_page(ctx: PageCtx, q: web::Query<NowQuery>) -> AppResult<HttpResponse> {
    let real_now = ctx.state.clock.now();
    let at = match q.at.as_deref() {
        // A '+' offset arrives as a space when the link was not percent-encoded.
        Some(raw) => DateTime::parse_from_rfc3339(&raw.replace(' ', "+"))
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| {
                AppError::BadRequest(format!(
                    "'{raw}' is not a time like 2026-09-15T09:00:00Z (?at= takes RFC 3339)."
                ))
            })?,
        None => real_now,
    };
    let state = &ctx.state;
    let tz = ctx.zone.tz;
    let mut win_start = floor_slot(at);
    let win_end = win_start + AHEAD;
    let index = state.schedule.get();
    let sessions: Vec<&StoredSession> = index
        .between(win_start - BEHIND, win_end)
        .into_iter()
        .filter(|s| s.end > win_start || (s.start <= at && at < s.end))
        .collect();
    if let Some(earliest) = sessions
        .iter()
        .filter(|s| s.start <= at)
        .map(|s| s.start)
        .min()
    {
        win_start = win_start.min(floor_slot(earliest));
    }
    let mut room_names: Vec<String> = Vec::new();
    for s in &sessions {
        if !room_names.contains(&s.room) {
            room_names.push(s.room.clone());
        }
    }
    room_names.sort_by_key(|name| {
        let pos = state
            .rooms
            .for_schedule_room(name)
            .and_then(|r| state.rooms.position(r.slug.as_str()))
            .unwrap_or(usize::MAX);
        (pos, name.clone())
    });
    let rooms: Vec<GridRoom> = room_names
        .iter()
        .enumerate()
        .map(|(i, n)| GridRoom {
            name: n.clone(),
            col: i + 2,
        })
        .collect();
    let slot_count = slots_between(win_start, win_end);
    let rows = (0..slot_count)
        .map(|i| {
            let t = win_start + SLOT * i as i32;
            GridRow {
                row: i + 2,
                utc: time::utc_hm(t),
                local: time::local_hm(t, tz),
                is_now: t <= at && at < t + SLOT,
            }
        })
        .collect();
    let cells = sessions
        .iter()
        .map(|s| {
            let col = room_names.iter().position(|r| *r == s.room).unwrap_or(0) + 2;
            let first = slots_between(win_start, floor_slot(s.start.max(win_start)));
            let last = slots_between(win_start, ceil_slot(s.end.min(win_end))).max(first + 1);
            let room = state.rooms.for_schedule_room(&s.room);
            GridCell {
                id: s.id,
                title: s.title.clone(),
                persons: s.persons.join(", "),
                track: s.track.clone().unwrap_or_default(),
                times: TimeRange::new(s.start, s.end, tz),
                col,
                row_start: first + 2,
                row_end: last + 2,
                running: s.start <= real_now && real_now < s.end,
                joinable: joinable(&ctx, s, room, real_now),
                room_slug: room.map(|r| r.slug.to_string()).unwrap_or_default(),
            }
        })
        .collect::<Vec<_>>();
    let open_rooms = state
        .rooms
        .all()
        .iter()
        .filter(|r| r.kind != RoomKind::Session)
        .filter(|r| access::offers_open_room(ctx.layout.user.as_ref(), r, real_now))
        .map(|r| OpenRoom {
            slug: r.slug.to_string(),
            name: r.name.clone(),
            kind: r.kind.as_str(),
            chat_url: r.chat_url.as_ref().map(|u| u.to_string()),
        })
        .collect();
    let next = if cells.is_empty() {
        index.next_after(at).cloned()
    } else {
        None
    };
    let page = NowPage {
        layout: ctx.layout.clone(),
        at_utc: time::utc_full(at),
        at_local: time::local_full(at, tz),
        time_travel: q.at.is_some(),
        row_count: slot_count + 1,
        rooms,
        rows,
        cells,
        open_rooms,
        next_title: next.as_ref().map(|n| n.title.clone()),
        next_id: next.as_ref().map(|n| n.id).unwrap_or_default(),
        next_when: next
            .as_ref()
            .map(|n| {
                format!(
                    "{} · {}",
                    time::utc_full(n.start),
                    time::local_full(n.start, tz)
                )
            })
            .unwrap_or_default(),
        next_at: next
            .as_ref()
            .map(|n| time::iso(n.start))
            .unwrap_or_default(),
    };
    render::page(&ctx, &page)
}

/// The session page.
#[derive(Template)]
#[template(path = "schedule/session.html")]
pub struct SessionPage {
    /// Header.
    pub layout: Layout,
    /// The session.
    pub title: String,
    /// Subtitle.
    pub subtitle: String,
    /// Speakers.
    pub persons: String,
    /// Track.
    pub track: String,
    /// Schedule room name.
    pub room: String,
    /// Date and start in UTC.
    pub start_utc: String,
    /// Date and start in the visitor's zone.
    pub start_local: String,
    /// Date and start in the conference zone.
    pub start_conference: String,
    /// Whether the visitor's zone differs from the conference's.
    pub show_conference_time: bool,
    /// Times.
    pub times: TimeRange,
    /// Length in minutes.
    pub minutes: i64,
    /// Sanitised abstract HTML.
    pub abstract_html: String,
    /// Sanitised description HTML.
    pub description_html: String,
    /// Hallway room, if the schedule room is mapped.
    pub room_slug: String,
    /// Hallway room name.
    pub room_name: String,
    /// Chat link.
    pub chat_url: String,
    /// Stream link.
    pub stream_url: String,
    /// Running now.
    pub running: bool,
    /// Join button shown.
    pub joinable: bool,
    /// Already over.
    pub over: bool,
    /// Link to the source system (http/https only; empty otherwise).
    pub url: String,
    /// Minutes before a session its room opens.
    pub opens_minutes: i64,
}

/// `u` if it is an absolute http(s) URL, else empty: imported links must not become
/// `javascript:` or `data:` hrefs.
pub fn http_link(u: Option<&str>) -> String {
    u.and_then(|u| url::Url::parse(u.trim()).ok())
        .filter(|u| u.scheme() == "http" || u.scheme() == "https")
        .map(|u| u.to_string())
        .unwrap_or_default()
}

/// Turns imported text (HTML, or plain text with blank-line paragraphs) into safe HTML.
pub fn sanitise(text: Option<&str>) -> String {
    let Some(t) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return String::new();
    };
    let looks_like_html = t
        .match_indices('<')
        .any(|(i, _)| t[i + 1..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '/'));
    if looks_like_html {
        ammonia::clean(t)
    } else {
        let paragraphs: String = t
            .replace("\r\n", "\n")
            .split("\n\n")
            .map(|p| {
                format!(
                    "<p>{}</p>",
                    quick_xml::escape::escape(p.trim()).replace('\n', "<br>")
                )
            })
            .collect();
        ammonia::clean(&paragraphs)
    }
}

/// `GET /sessions/{id}`.
#[get("/sessions/{id}")]
pub async fn session_page(ctx: PageCtx, id: web::Path<String>) -> AppResult<HttpResponse> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let index = ctx.state.schedule.get();
    let s = index.session(id).cloned().ok_or(AppError::NotFound)?;
    let now = ctx.state.clock.now();
    let tz = ctx.zone.tz;
    let room = ctx.state.rooms.for_schedule_room(&s.room);
    let page = SessionPage {
        layout: ctx.layout.clone(),
        title: s.title.clone(),
        subtitle: s.subtitle.clone().unwrap_or_default(),
        persons: s.persons.join(", "),
        track: s.track.clone().unwrap_or_default(),
        room: s.room.clone(),
        start_utc: time::utc_full(s.start),
        start_local: time::local_full(s.start, tz),
        start_conference: time::local_full(s.start, ctx.conference_tz),
        show_conference_time: tz != ctx.conference_tz,
        times: TimeRange::new(s.start, s.end, tz),
        minutes: (s.end - s.start).num_minutes(),
        abstract_html: sanitise(s.abstract_text.as_deref()),
        description_html: sanitise(s.description.as_deref()),
        room_slug: room.map(|r| r.slug.to_string()).unwrap_or_default(),
        room_name: room.map(|r| r.name.clone()).unwrap_or_default(),
        chat_url: room
            .and_then(|r| r.chat_url.as_ref())
            .map(|u| u.to_string())
            .unwrap_or_default(),
        stream_url: room
            .and_then(|r| r.stream_url.as_ref())
            .map(|u| u.to_string())
            .unwrap_or_default(),
        running: s.start <= now && now < s.end,
        joinable: joinable(&ctx, &s, room, now),
        over: s.end <= now,
        url: http_link(s.url.as_deref()),
        opens_minutes: ctx.state.join_window.lead.num_minutes(),
    };
    render::page(&ctx, &page)
}

/// The time zone chooser (works without JavaScript).
#[derive(Template)]
#[template(path = "schedule/timezone.html")]
pub struct TimezonePage {
    /// Header.
    pub layout: Layout,
    /// Every IANA zone name.
    pub zones: Vec<&'static str>,
    /// The page to go back to (path only).
    pub back: String,
}

#[derive(Deserialize)]
struct BackQuery {
    back: Option<String>,
}

/// `GET /timezone`.
#[get("/timezone")]
pub async fn timezone_page(ctx: PageCtx, q: web::Query<BackQuery>) -> AppResult<HttpResponse> {
    let back = crate::web::redirect::safe_next(q.back.as_deref());
    let back = back.split('?').next().unwrap_or("/").to_owned();
    let mut zones: Vec<&'static str> = chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect();
    zones.sort_unstable();
    let page = TimezonePage {
        layout: ctx.layout.clone(),
        zones,
        back,
    };
    render::page(&ctx, &page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abstracts_keep_harmless_html_and_lose_scripts() {
        let html = sanitise(Some("<p>Hi <em>there</em><script>alert(1)</script></p>"));
        assert_eq!(html, "<p>Hi <em>there</em></p>");
        assert_eq!(
            sanitise(Some("a < b & c\n\nnext")),
            "<p>a &lt; b &amp; c</p><p>next</p>"
        );
        assert_eq!(sanitise(None), "");
    }

    #[test]
    fn only_http_links_from_a_schedule_are_rendered() {
        assert_eq!(http_link(Some("javascript:alert(1)")), "");
        assert_eq!(http_link(Some("data:text/html,x")), "");
        assert_eq!(http_link(Some("/relative")), "");
        assert_eq!(
            http_link(Some("https://pretalx.example/t/1/")),
            "https://pretalx.example/t/1/"
        );
    }
}

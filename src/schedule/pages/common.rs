//! What several attendee pages share: a session written as a card (times in both zones, room,
//! track, speakers, join state), sessions grouped under local day headings, live room counts
//! from the poll snapshot, and the sanitising of imported text and links.
//!
//! Cards ask `auth::access` whether to offer Join, with the real clock; what the card *shows*
//! (running, ended) follows the page's instant, which an admin's preview may move.

use chrono::{DateTime, NaiveDate, Utc};

use crate::auth::access::{self, Action, Denied, Slot};
use crate::rooms::model::{Room, RoomKind};
use crate::schedule::index::ScheduleIndex;
use crate::schedule::stored::StoredSession;
use crate::web::page::PageCtx;
use crate::web::time::{Shown, Writer};

/// A name with the slug of its page.
pub struct Link {
    /// Display name.
    pub name: String,
    /// Page slug (empty when there is no page).
    pub slug: String,
}

/// A session as a list entry.
pub struct Card {
    /// Session id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Speakers with their pages.
    pub persons: Vec<Link>,
    /// Track with its page.
    pub track: Option<Link>,
    /// The room (schedule name) and its page.
    pub room: Link,
    /// When.
    pub times: Shown,
    /// "running", "ended" or "upcoming", at the page's instant.
    pub state: &'static str,
    /// For running sessions: percent done.
    pub progress: u8,
    /// For running sessions: minutes left.
    pub minutes_left: i64,
    /// The Join button is offered (access decided, real clock).
    pub joinable: bool,
    /// The hallway room to join.
    pub join_slug: String,
    /// Why there is no button: "Opens at 08:35 (your time)", "Ended", or empty.
    pub join_note: String,
}

impl Card {
    /// True while running.
    pub fn running(&self) -> bool {
        self.state == "running"
    }
}

/// Builds cards for one page: one time writer, the page's instant and the real now.
pub struct CardMaker<'a> {
    ctx: &'a PageCtx,
    index: &'a ScheduleIndex,
    times: Writer,
    page_now: DateTime<Utc>,
}

impl<'a> CardMaker<'a> {
    /// Cards as at `page_now`, with dates written relative to `page_day_of`.
    pub fn new(
        ctx: &'a PageCtx,
        index: &'a ScheduleIndex,
        page_now: DateTime<Utc>,
        page_day_of: DateTime<Utc>,
    ) -> Self {
        Self {
            ctx,
            index,
            times: ctx.times(page_day_of),
            page_now,
        }
    }

    /// The time writer in use.
    pub fn times(&self) -> &Writer {
        &self.times
    }

    /// The card of `s`.
    pub fn card(&self, s: &StoredSession) -> Card {
        let ctx = self.ctx;
        let state = &ctx.state;
        let room = state.rooms.for_schedule_room(&s.room);
        let now = self.page_now;
        let card_state = if s.end <= now {
            "ended"
        } else if s.start <= now {
            "running"
        } else {
            "upcoming"
        };
        let total = (s.end - s.start).num_seconds().max(1);
        let done = (now - s.start).num_seconds().clamp(0, total);
        let (joinable, join_note) = join_state(ctx, room, s, &self.times);
        Card {
            id: s.id,
            title: s.title.clone(),
            persons: s
                .persons
                .iter()
                .map(|p| Link {
                    name: p.clone(),
                    slug: self.index.speaker_slug(p).unwrap_or_default().to_owned(),
                })
                .collect(),
            track: s
                .track
                .as_ref()
                .filter(|t| !t.trim().is_empty())
                .map(|t| Link {
                    name: t.clone(),
                    slug: self.index.track_slug(t).unwrap_or_default().to_owned(),
                }),
            room: Link {
                name: s.room.clone(),
                slug: self
                    .index
                    .room_named(&s.room)
                    .map(|g| g.slug.clone())
                    .unwrap_or_default(),
            },
            times: self.times.range(s.start, s.end),
            state: card_state,
            progress: (done * 100 / total) as u8,
            minutes_left: ((s.end - now).num_seconds().max(0) + 59) / 60,
            joinable,
            join_slug: room.map(|r| r.slug.to_string()).unwrap_or_default(),
            join_note,
        }
    }
}

/// Whether to offer Join for `s` (the one access function, real clock), and otherwise what to
/// say: when the room opens, or that it is over.
pub fn join_state(
    ctx: &PageCtx,
    room: Option<&Room>,
    s: &StoredSession,
    times: &Writer,
) -> (bool, String) {
    let Some(room) = room else {
        return (false, String::new());
    };
    let slot = Slot {
        start: s.start,
        end: s.end,
        track: s.track.as_deref(),
        guid: s.guid.as_deref(),
        persons: &s.persons,
    };
    let user = ctx.layout.user.as_ref();
    let window = ctx.state.join_window;
    let now = ctx.real_now;
    if access::offers_join(user, room, slot, window, now) {
        return (true, String::new());
    }
    let action = Action::JoinRoom {
        room,
        sessions: &[slot],
    };
    let note = match access::decide(user, action, window, now) {
        Err(Denied::RoomClosed {
            opens_at: Some(t), ..
        }) => opens_note(times, t),
        Err(Denied::PrivateRoom { .. }) => "Staff only".to_owned(),
        _ if s.end <= now => "Ended".to_owned(),
        _ => String::new(),
    };
    (false, note)
}

/// "Opens at 08:35 (your time)" / "Opens at 08:35 UTC" for a visitor in UTC.
pub fn opens_note(times: &Writer, t: DateTime<Utc>) -> String {
    let at = times.at(t);
    match &at.local {
        Some(local) => format!("Opens at {} (your time)", strip_zone(local)),
        None => format!("Opens at {}", at.utc),
    }
}

fn strip_zone(s: &str) -> &str {
    s.rsplit_once(' ').map(|(a, _)| a).unwrap_or(s)
}

/// Sessions under a day heading.
pub struct DayGroup {
    /// "Tuesday 15 September 2026" (the visitor's day).
    pub heading: String,
    /// "2026-09-15", for `/schedule?day=`.
    pub date: String,
    /// The sessions.
    pub cards: Vec<Card>,
}

/// "Tuesday 15 September 2026".
pub fn day_heading(d: NaiveDate) -> String {
    d.format("%A %-d %B %Y").to_string()
}

/// Groups `sessions` (by start time) under the visitor's local days.
pub fn by_local_day<'s>(
    ctx: &PageCtx,
    index: &ScheduleIndex,
    sessions: impl Iterator<Item = &'s StoredSession>,
) -> Vec<DayGroup> {
    let mut out: Vec<DayGroup> = Vec::new();
    let tz = ctx.zone.tz;
    for s in sessions {
        let d = s.start.with_timezone(&tz).date_naive();
        let date = d.format("%Y-%m-%d").to_string();
        if out.last().map(|g| g.date != date).unwrap_or(true) {
            out.push(DayGroup {
                heading: day_heading(d),
                date,
                cards: Vec::new(),
            });
        }
        // Times on each day are written relative to that day.
        let noon = d
            .and_hms_opt(12, 0, 0)
            .and_then(|n| n.and_local_timezone(tz).earliest())
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(s.start);
        let maker = CardMaker::new(ctx, index, ctx.shown_now, noon);
        if let Some(g) = out.last_mut() {
            g.cards.push(maker.card(s));
        }
    }
    out
}

/// Who is in a room's meeting, from the latest poll.
pub struct Live {
    /// Participants.
    pub count: u32,
    /// Their names (only filled for logged-in visitors).
    pub names: Vec<String>,
    /// When the poll started.
    pub polled: String,
}

/// The live participants of a hallway room, or `None` before the first poll. Names are
/// included only when `with_names`.
pub fn live(ctx: &PageCtx, room: &Room, with_names: bool, times: &Writer) -> Option<Live> {
    let snap = ctx.state.status.latest()?;
    // The room's meetings: its own, or one per session (two while one talk hands over to
    // the next).
    let meetings: Vec<_> = snap
        .servers
        .iter()
        .flat_map(|s| s.meetings.iter())
        .filter(|m| {
            ctx.state
                .rooms
                .room_of_meeting(&m.meeting_id)
                .is_some_and(|r| r.slug == room.slug)
        })
        .collect();
    let polled = times.at(snap.started_at);
    Some(Live {
        count: meetings.iter().map(|m| m.participant_count).sum(),
        names: if with_names {
            let mut n: Vec<String> = meetings
                .iter()
                .flat_map(|m| m.attendees.iter().map(|a| a.full_name.clone()))
                .collect();
            n.sort_by_key(|a| a.to_lowercase());
            n
        } else {
            Vec::new()
        },
        polled: polled.local.unwrap_or(polled.utc),
    })
}

/// A room that is open without a schedule (hackroom, staff room), as listed.
pub struct OpenRoom {
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// Offer the Join button (access decided).
    pub joinable: bool,
    /// Chat link.
    pub chat_url: String,
    /// Live participants.
    pub live: Option<Live>,
}

/// The rooms of `kind`, with live counts (names for logged-in visitors only).
pub fn open_rooms(ctx: &PageCtx, kind: RoomKind, times: &Writer) -> Vec<OpenRoom> {
    let logged_in = ctx.layout.user.is_some();
    ctx.state
        .rooms
        .all()
        .iter()
        .filter(|r| r.kind == kind)
        .map(|r| OpenRoom {
            slug: r.slug.to_string(),
            name: r.name.clone(),
            joinable: access::offers_open_room(ctx.layout.user.as_ref(), r, ctx.real_now),
            chat_url: r
                .chat_url
                .as_ref()
                .map(|u| u.to_string())
                .unwrap_or_default(),
            live: live(ctx, r, logged_in, times),
        })
        .collect()
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

/// Parses `?at=` (RFC 3339; a `+` that arrived as a space is put back).
pub fn parse_at(raw: Option<&str>) -> Result<Option<DateTime<Utc>>, crate::error::AppError> {
    raw.map(|raw| {
        DateTime::parse_from_rfc3339(&raw.replace(' ', "+"))
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| {
                crate::error::AppError::BadRequest(format!(
                    "'{raw}' is not a time like 2026-09-15T09:00:00Z (?at= takes RFC 3339)."
                ))
            })
    })
    .transpose()
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
}

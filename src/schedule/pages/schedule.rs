//! `GET /schedule?day=YYYY-MM-DD&track=SLUG&room=SLUG`: the full programme of one day, in the
//! visitor's zone: days are the visitor's local days, sessions are grouped by start time, and
//! every card names its room, so the page is one list that reads the same on a phone.

use std::collections::BTreeMap;

use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{NaiveDate, Utc};
use serde::Deserialize;

use super::common::{day_heading, Card, CardMaker};
use crate::error::{AppError, AppResult};
use crate::schedule::stored::StoredSession;
use crate::web::layout::Layout;
use crate::web::page::PageCtx;
use crate::web::render;
use crate::web::routes::Routes;
use crate::web::time::Shown;

/// Registers the page.
pub fn configure(r: &mut Routes<'_>) {
    r.get("/schedule", "the schedule by day", schedule_page);
}

/// A day in the day navigation.
pub struct DayLink {
    /// "2026-09-15".
    pub date: String,
    /// "Tue 15 Sep".
    pub label: String,
    /// Sessions that day (after the filters).
    pub count: usize,
    /// The day shown.
    pub current: bool,
}

/// A filter choice.
pub struct Choice {
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// Selected.
    pub selected: bool,
}

/// Sessions starting at the same instant.
pub struct TimeSlot {
    /// The start.
    pub time: Shown,
    /// The sessions.
    pub cards: Vec<Card>,
}

/// The full schedule of one day.
#[derive(Template)]
#[template(path = "schedule/schedule.html")]
pub struct SchedulePage {
    /// Header.
    pub layout: Layout,
    /// Days with sessions.
    pub days: Vec<DayLink>,
    /// "Tuesday 15 September 2026".
    pub heading: String,
    /// The day shown.
    pub day: String,
    /// By start time.
    pub slots: Vec<TimeSlot>,
    /// Track filter.
    pub tracks: Vec<Choice>,
    /// Room filter.
    pub rooms: Vec<Choice>,
    /// The track filter's slug (empty: all).
    pub track: String,
    /// The room filter's slug (empty: all).
    pub room: String,
    /// `&track=…&room=…` to keep the filters on day links.
    pub filter_query: String,
}

/// Query of the schedule page.
#[derive(Deserialize)]
pub struct ScheduleQuery {
    day: Option<String>,
    track: Option<String>,
    room: Option<String>,
}

/// `GET /schedule`.
pub async fn schedule_page(ctx: PageCtx, q: web::Query<ScheduleQuery>) -> AppResult<HttpResponse> {
    let index = ctx.state.schedule.get();
    let tz = ctx.zone.tz;
    let track = nonempty(&q.track)
        .map(|t| {
            index.track(t).ok_or_else(|| {
                AppError::BadRequest(format!(
                    "There is no track '{t}' in this schedule; /tracks lists them."
                ))
            })
        })
        .transpose()?;
    let room = nonempty(&q.room)
        .map(|r| {
            index.room(r).ok_or_else(|| {
                AppError::BadRequest(format!(
                    "There is no room '{r}' in this schedule; the room filter lists them."
                ))
            })
        })
        .transpose()?;
    let wanted = |s: &StoredSession| {
        track.is_none_or(|t| s.track.as_deref().is_some_and(|n| names_match(n, &t.name)))
            && room.is_none_or(|r| names_match(&s.room, &r.name))
    };
    let mut counts: BTreeMap<NaiveDate, usize> = BTreeMap::new();
    for s in index.all().iter().filter(|s| wanted(s)) {
        *counts
            .entry(s.start.with_timezone(&tz).date_naive())
            .or_default() += 1;
    }
    let day = match nonempty(&q.day) {
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
            AppError::BadRequest(format!(
                "'{d}' is not a day like 2026-09-15 (?day= takes YYYY-MM-DD)."
            ))
        })?,
        None => {
            let today = ctx.shown_now.with_timezone(&tz).date_naive();
            counts
                .range(today..)
                .next()
                .or_else(|| counts.iter().next_back())
                .map(|(d, _)| *d)
                .unwrap_or(today)
        }
    };
    let noon = day
        .and_hms_opt(12, 0, 0)
        .and_then(|n| n.and_local_timezone(tz).earliest())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(ctx.shown_now);
    let maker = CardMaker::new(&ctx, &index, ctx.shown_now, noon);
    let mut slots: Vec<TimeSlot> = Vec::new();
    for s in index
        .all()
        .iter()
        .filter(|s| wanted(s) && s.start.with_timezone(&tz).date_naive() == day)
    {
        let card = maker.card(s);
        match slots.last_mut() {
            Some(slot) if slot.time.iso == card.times.iso => slot.cards.push(card),
            _ => slots.push(TimeSlot {
                time: maker.times().at(s.start),
                cards: vec![card],
            }),
        }
    }
    let filter_query = [
        ("track", track.map(|t| t.slug.as_str())),
        ("room", room.map(|r| r.slug.as_str())),
    ]
    .iter()
    .filter_map(|(k, v)| v.map(|v| format!("&{k}={v}")))
    .collect::<String>();
    let page = SchedulePage {
        days: counts
            .iter()
            .map(|(d, n)| DayLink {
                date: d.format("%Y-%m-%d").to_string(),
                label: d.format("%a %-d %b").to_string(),
                count: *n,
                current: *d == day,
            })
            .collect(),
        heading: day_heading(day),
        day: day.format("%Y-%m-%d").to_string(),
        slots,
        tracks: index
            .tracks()
            .iter()
            .map(|g| Choice {
                slug: g.slug.clone(),
                name: g.name.clone(),
                selected: track.is_some_and(|t| t.slug == g.slug),
            })
            .collect(),
        rooms: index
            .rooms()
            .iter()
            .map(|g| Choice {
                slug: g.slug.clone(),
                name: g.name.clone(),
                selected: room.is_some_and(|r| r.slug == g.slug),
            })
            .collect(),
        track: track.map(|t| t.slug.clone()).unwrap_or_default(),
        room: room.map(|r| r.slug.clone()).unwrap_or_default(),
        filter_query,
        layout: ctx.layout.clone(),
    };
    render::page(&ctx, &page)
}

fn nonempty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn names_match(a: &str, b: &str) -> bool {
    crate::rooms::normalise(a) == crate::rooms::normalise(b)
}

//! `GET /speakers` (everybody who speaks, by name) and `GET /speakers/{slug}` (that person's
//! sessions under the visitor's local days).

use actix_web::{web, HttpResponse};
use askama::Template;

use super::common::{by_local_day, DayGroup};
use super::tracks::Entry;
use crate::error::{AppError, AppResult};
use crate::web::layout::Layout;
use crate::web::page::PageCtx;
use crate::web::render;
use crate::web::routes::Routes;

/// Registers the pages.
pub fn configure(r: &mut Routes<'_>) {
    r.get("/speakers", "every speaker", speakers_page).get(
        "/speakers/{slug:[a-z0-9-]{1,90}}",
        "one speaker's sessions",
        speaker_page,
    );
}

/// Every speaker.
#[derive(Template)]
#[template(path = "schedule/speakers.html")]
pub struct SpeakersPage {
    /// Header.
    pub layout: Layout,
    /// Speakers by name.
    pub speakers: Vec<Entry>,
}

/// `GET /speakers`.
pub async fn speakers_page(ctx: PageCtx) -> AppResult<HttpResponse> {
    let index = ctx.state.schedule.get();
    let page = SpeakersPage {
        speakers: Entry::list(index.speakers()),
        layout: ctx.layout.clone(),
    };
    render::page(&ctx, &page)
}

/// One speaker.
#[derive(Template)]
#[template(path = "schedule/speaker.html")]
pub struct SpeakerPage {
    /// Header.
    pub layout: Layout,
    /// Name.
    pub name: String,
    /// Their sessions by day.
    pub days: Vec<DayGroup>,
}

/// `GET /speakers/{slug}`.
pub async fn speaker_page(ctx: PageCtx, slug: web::Path<String>) -> AppResult<HttpResponse> {
    let index = ctx.state.schedule.get();
    let g = index.speaker(&slug).ok_or(AppError::NotFound)?;
    let page = SpeakerPage {
        name: g.name.clone(),
        days: by_local_day(&ctx, &index, index.sessions_of(g)),
        layout: ctx.layout.clone(),
    };
    render::page(&ctx, &page)
}

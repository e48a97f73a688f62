//! `GET /tracks` (every track with its number of sessions) and `GET /tracks/{slug}` (a track's
//! sessions under the visitor's local days, with the track's `.ics`).

use actix_web::{web, HttpResponse};
use askama::Template;

use super::common::{by_local_day, DayGroup};
use crate::error::{AppError, AppResult};
use crate::schedule::index::Group;
use crate::web::layout::Layout;
use crate::web::page::PageCtx;
use crate::web::render;
use crate::web::routes::Routes;

/// Registers the pages.
pub fn configure(r: &mut Routes<'_>) {
    r.get("/tracks", "every track", tracks_page).get(
        "/tracks/{slug:[a-z0-9-]{1,90}}",
        "one track's sessions",
        track_page,
    );
}

/// A track or speaker in a list.
pub struct Entry {
    /// Page slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// Sessions.
    pub count: usize,
}

impl Entry {
    /// The list entries of tracks or speakers, in the index's order.
    pub fn list(groups: &[Group]) -> Vec<Entry> {
        groups
            .iter()
            .map(|g| Entry {
                slug: g.slug.clone(),
                name: g.name.clone(),
                count: g.len(),
            })
            .collect()
    }
}

/// Every track.
#[derive(Template)]
#[template(path = "schedule/tracks.html")]
pub struct TracksPage {
    /// Header.
    pub layout: Layout,
    /// Tracks by name.
    pub tracks: Vec<Entry>,
}

/// `GET /tracks`.
pub async fn tracks_page(ctx: PageCtx) -> AppResult<HttpResponse> {
    let index = ctx.state.schedule.get();
    let page = TracksPage {
        tracks: Entry::list(index.tracks()),
        layout: ctx.layout.clone(),
    };
    render::page(&ctx, &page)
}

/// One track.
#[derive(Template)]
#[template(path = "schedule/track.html")]
pub struct TrackPage {
    /// Header.
    pub layout: Layout,
    /// Track name.
    pub name: String,
    /// Slug (for the `.ics` link).
    pub slug: String,
    /// Its sessions by day.
    pub days: Vec<DayGroup>,
}

/// `GET /tracks/{slug}` (slug characters only, so `/tracks/{slug}.ics` is another route).
pub async fn track_page(ctx: PageCtx, slug: web::Path<String>) -> AppResult<HttpResponse> {
    let index = ctx.state.schedule.get();
    let g = index.track(&slug).ok_or(AppError::NotFound)?;
    let page = TrackPage {
        name: g.name.clone(),
        slug: g.slug.clone(),
        days: by_local_day(&ctx, &index, index.sessions_of(g)),
        layout: ctx.layout.clone(),
    };
    render::page(&ctx, &page)
}

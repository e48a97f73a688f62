//! `GET /search?q=`: sessions whose title, speakers, track or abstract contain every word,
//! title matches first. Plain server-side search over the index's pre-lowered text.

use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::common::{Card, CardMaker};
use crate::error::{AppError, AppResult};
use crate::schedule::index::{MatchField, MAX_QUERY_CHARS};
use crate::web::layout::Layout;
use crate::web::page::PageCtx;
use crate::web::render;
use crate::web::routes::Routes;

/// Most results shown.
const LIMIT: usize = 100;

/// Registers the page.
pub fn configure(r: &mut Routes<'_>) {
    r.get("/search", "search sessions and speakers", search_page);
}

/// The search page.
#[derive(Template)]
#[template(path = "schedule/search.html")]
pub struct SearchPage {
    /// Header.
    pub layout: Layout,
    /// The query as typed.
    pub q: String,
    /// Results.
    pub hits: Vec<Card>,
    /// For each result: "title", "speaker", "track" or "abstract".
    pub matched: Vec<&'static str>,
    /// True when more than `LIMIT` matched.
    pub truncated: bool,
}

/// Query of the search page.
#[derive(Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
}

/// `GET /search?q=`.
pub async fn search_page(ctx: PageCtx, q: web::Query<SearchQuery>) -> AppResult<HttpResponse> {
    let query = q.q.as_deref().unwrap_or_default().trim().to_owned();
    if query.chars().count() > MAX_QUERY_CHARS {
        return Err(AppError::BadRequest(format!(
            "A search may be at most {MAX_QUERY_CHARS} characters long."
        )));
    }
    let index = ctx.state.schedule.get();
    let found = index.search(&query, LIMIT + 1);
    let maker = CardMaker::new(&ctx, &index, ctx.shown_now, ctx.shown_now);
    let shown = &found[..found.len().min(LIMIT)];
    let page = SearchPage {
        truncated: found.len() > LIMIT,
        hits: shown.iter().map(|(s, _)| maker.card(s)).collect(),
        matched: shown
            .iter()
            .map(|(_, f)| match f {
                MatchField::Title => "title",
                MatchField::Speaker => "speaker",
                MatchField::Track => "track",
                MatchField::Abstract => "abstract",
            })
            .collect(),
        q: query,
        layout: ctx.layout.clone(),
    };
    render::page(&ctx, &page)
}

//! The one path from a page struct to an HTTP response.
//!
//! Rendering failures become `AppError::Internal` (logged, generic error page), never a panic
//! and never `.render().unwrap()`. A zone chosen with `?tz=` is remembered in a cookie here.

use actix_web::body::MessageBody;
use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, HttpResponseBuilder};
use askama::Template;

use crate::error::AppResult;
use crate::web::page::PageCtx;
use crate::web::time::{ZoneSource, TZ_COOKIE};

/// Renders `page` with status 200.
pub fn page<T: Template>(ctx: &PageCtx, page: &T) -> AppResult<HttpResponse> {
    page_with_status(ctx, page, StatusCode::OK)
}

/// Renders `page` with the given status.
pub fn page_with_status<T: Template>(
    ctx: &PageCtx,
    page: &T,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    Ok(html(ctx, status, page.render()?))
}

/// An HTML response of already rendered bytes (`web::page_cache` serves its pages here).
pub fn html(ctx: &PageCtx, status: StatusCode, body: impl MessageBody + 'static) -> HttpResponse {
    let mut resp = HttpResponse::build(status);
    resp.content_type("text/html; charset=utf-8");
    zone_cookie(ctx, &mut resp);
    resp.body(body)
}

/// Remembers a zone chosen with `?tz=` in a cookie.
pub fn zone_cookie(ctx: &PageCtx, resp: &mut HttpResponseBuilder) {
    if ctx.zone.source == ZoneSource::Query {
        resp.cookie(
            Cookie::build(TZ_COOKIE, ctx.zone.name())
                .path("/")
                .max_age(CookieDuration::days(365))
                .same_site(SameSite::Lax)
                .finish(),
        );
    }
}

/// A 303 redirect to a local path.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, location))
        .finish()
}

//! HTTP plumbing shared by every feature: routes, page layout, rendering, time display.

pub mod error_layout;
pub mod layout;
pub mod page;
pub mod page_cache;
pub mod preview;
pub mod redirect;
pub mod render;
pub mod routes;
pub mod time;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};
use tracing::Instrument;

use crate::error::AppError;
use crate::web::routes::{RouteInfo, Routes};

/// What HTML pages get when their handler set no `Cache-Control` (`web::outer`).
pub const PAGE_CACHE_CONTROL: &str = "private, max-age=0";

/// Middleware, the outermost: what every request and response gets, in one layer (each
/// layer costs a boxed future and a poll per request, and the join comes in storms):
///
/// - one `http` span per request, named by the matched route pattern
///   (`/login/admin/{token}`), never by the raw path: admin-link tokens and other path secrets
///   stay out of the logs, and span names stay low-cardinality. The handler runs inside it and
///   the span records the status. (Written here instead of tracing-actix-web's
///   `TracingLogger`, which also generates a random request id per request, a `getrandom`
///   system call, that nothing reads. Matching the route again costs a walk over the routes,
///   so it happens only for a span that is recorded: request spans are off at the default
///   `warn` level.)
/// - the request metrics (`status::metrics::observe_response`);
/// - the security headers of every response ([`security_headers`]);
/// - the default `Cache-Control` of HTML pages ([`page_cache_control`]).
pub async fn outer(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let span = tracing::info_span!(
        "http",
        method = %req.method(),
        route = tracing::field::Empty,
        status = tracing::field::Empty
    );
    if !span.is_disabled() {
        let route = req.match_pattern();
        span.record("route", route.as_deref().unwrap_or("(unmatched)"));
    }
    let metrics = req
        .app_data::<web::Data<std::sync::Arc<crate::status::metrics::Metrics>>>()
        .map(|m| m.get_ref().clone());
    let method = req.method().clone();
    let t0 = std::time::Instant::now();
    // A disabled span (the default level) is not entered around the handler.
    let mut outcome = if span.is_disabled() {
        next.call(req).await
    } else {
        next.call(req).instrument(span.clone()).await
    };
    crate::status::metrics::observe_response(metrics.as_deref(), &method, &outcome, t0.elapsed());
    let status = match &mut outcome {
        Ok(res) => {
            security_headers(res);
            page_cache_control(res);
            crate::auth::session::plain_session_cookie(res.headers_mut());
            res.status()
        }
        Err(e) => e.as_response_error().status_code(),
    };
    span.record("status", status.as_u16());
    outcome
}

/// What every response carries unless its handler set its own: pages load scripts, styles and
/// images only from hallway itself and are never framed; no MIME sniffing; other sites learn
/// no hallway paths from the Referer.
const SECURITY_HEADERS: [(HeaderName, HeaderValue); 3] = [
    (
        HeaderName::from_static("content-security-policy"),
        HeaderValue::from_static(
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
             object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
        ),
    ),
    (
        HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    ),
    (
        HeaderName::from_static("referrer-policy"),
        HeaderValue::from_static("same-origin"),
    ),
];

fn security_headers<B>(res: &mut ServiceResponse<B>) {
    let headers = res.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        if !headers.contains_key(&name) {
            headers.insert(name, value);
        }
    }
}

/// The one place that decides how pages are cached. Every HTML page depends on the visitor
/// (session, zone cookie, CSRF token) or on the minute (now and next), so shared caches must
/// not store it and browsers must ask again before reusing it: [`PAGE_CACHE_CONTROL`]. A
/// handler that knows better (the exports' `public, max-age=60`, static files) sets its own
/// header, which is kept.
fn page_cache_control<B>(res: &mut ServiceResponse<B>) {
    use actix_web::http::header;
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("text/html"));
    if is_html && !res.headers().contains_key(header::CACHE_CONTROL) {
        res.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(PAGE_CACHE_CONTROL),
        );
    }
}

/// Registers every route of the portal: each feature registers its own, through [`Routes`].
pub fn routes(cfg: &mut web::ServiceConfig) {
    register(&mut Routes::new(cfg));
}

/// Every route the portal serves, in the order actix matches them: what [`routes`] registers,
/// recorded without building an app (the authorization test compares it with its own table).
pub fn route_table() -> Vec<RouteInfo> {
    let mut r = Routes::recording();
    register(&mut r);
    r.into_table()
}

fn register(r: &mut Routes<'_>) {
    // First: actix tries routes in order (a regex per pattern with a `{…}` segment), and the
    // join is the one request that comes in storms. No other route matches its paths.
    crate::rooms::handlers::configure(r);
    r.get_head(
        "/healthz",
        "liveness: HTTP and the database answer",
        healthz,
    )
    .get("/static/{name}", "embedded CSS and scripts", static_file)
    .get_head("/favicon.ico", "the site icon", favicon)
    .get_head("/robots.txt", "what crawlers may index", robots_txt);
    // Before the pages: `/sessions/{id}.ics` and `/tracks/{slug}.ics` also match their patterns.
    crate::schedule::feeds::configure(r);
    crate::schedule::pages::configure(r);
    crate::web::preview::configure(r);
    crate::schedule::admin::configure(r);
    crate::auth::handlers::configure(r);
    crate::agenda::handlers::configure(r);
    crate::lobby::handlers::configure(r);
    crate::status::handlers::configure(r);
    r.default("no such page: 404", not_found);
}

/// Static assets, embedded in the binary so an installed `hallway` needs no files beside it.
/// URLs carry `?v=VERSION`, so they may be cached for a long time.
async fn static_file(name: web::Path<String>) -> Result<HttpResponse, AppError> {
    let (body, content_type) = match name.as_str() {
        "hallway.css" => (
            include_str!("../../static/hallway.css"),
            "text/css; charset=utf-8",
        ),
        "tz.js" => (
            include_str!("../../static/tz.js"),
            "text/javascript; charset=utf-8",
        ),
        "retry.js" => (
            include_str!("../../static/retry.js"),
            "text/javascript; charset=utf-8",
        ),
        "lobby.js" => (
            include_str!("../../static/lobby.js"),
            "text/javascript; charset=utf-8",
        ),
        _ => return Err(AppError::NotFound),
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("cache-control", "public, max-age=86400"))
        .body(body))
}

/// `GET /favicon.ico`: where browsers look for the icon when a page names none (a door, 32×32
/// PNG in an ICO container).
async fn favicon() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/x-icon")
        .insert_header(("cache-control", "public, max-age=86400"))
        .body(&include_bytes!("../../static/favicon.ico")[..])
}

/// What crawlers may index: the public schedule pages, not the admin pages, the login pages
/// or the join redirects (which would start a meeting seat for a robot).
pub const ROBOTS_TXT: &str = "\
User-agent: *
Disallow: /admin
Disallow: /login
Disallow: /logout
Disallow: /rooms/*/join
Allow: /
";

/// `GET /robots.txt`.
async fn robots_txt() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header(("cache-control", "public, max-age=86400"))
        .body(ROBOTS_TXT)
}

async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound)
}

/// Liveness: the process serves HTTP and reaches its database.
async fn healthz(state: web::Data<crate::state::AppState>) -> HttpResponse {
    match sqlx::query("select 1").execute(state.db.pool()).await {
        Ok(_) => HttpResponse::Ok().content_type("text/plain").body("ok\n"),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            HttpResponse::ServiceUnavailable()
                .content_type("text/plain")
                .body("database unreachable\n")
        }
    }
}

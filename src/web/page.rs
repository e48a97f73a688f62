//! The per-request context of every page (`PageCtx`): session, CSRF token, the visitor's zone,
//! the conference's name, the instant the page shows and the filled-in [`Layout`], gathered
//! once so handlers never repeat that plumbing.
//!
//! Two instants: `real_now` is the clock's now, and the only one access decisions use;
//! `shown_now` is what the page shows as "now": an admin's preview time (kept in their
//! session by `web::preview`) or the real now.

use std::future::Future;
use std::pin::Pin;

use actix_session::SessionExt;
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::auth::session::TypedSession;
use crate::error::AppError;
use crate::state::AppState;
use crate::web::layout::{Layout, PreviewBox, ASSET_VERSION};
use crate::web::time::{self, RejectedFrom, ZoneChoice, TZ_COOKIE};

/// The session key of an admin's preview instant (RFC 3339).
pub const PREVIEW_KEY: &str = "preview_at";

/// Everything a page handler needs about the request.
pub struct PageCtx {
    /// Shared application state.
    pub state: web::Data<AppState>,
    /// The session cookie.
    pub session: TypedSession,
    /// Header data.
    pub layout: Layout,
    /// The visitor's zone.
    pub zone: ZoneChoice,
    /// The conference's own zone.
    pub conference_tz: Tz,
    /// The clock's now: what access decides by.
    pub real_now: DateTime<Utc>,
    /// What the page shows as now: the admin's preview instant, else `real_now`.
    pub shown_now: DateTime<Utc>,
}

impl PageCtx {
    /// A time writer for this visitor, relative to the day of `page_time`.
    pub fn times(&self, page_time: DateTime<Utc>) -> time::Writer {
        time::Writer::new(self.zone.tz, page_time)
    }
}

impl FromRequest for PageCtx {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let session = TypedSession::from_request(&req, payload).into_inner();
        Box::pin(async move {
            let session = session.map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| AppError::Internal(anyhow::anyhow!("application state missing")))?;
            let conference = state.conference();
            let (site_name, conference_tz) = (conference.title, conference.tz);
            let query_tz = web::Query::<TzQuery>::from_query(req.query_string())
                .ok()
                .and_then(|q| q.into_inner().tz);
            let cookie_tz = req.cookie(TZ_COOKIE).map(|c| c.value().to_owned());
            let zone =
                ZoneChoice::resolve(query_tz.as_deref(), cookie_tz.as_deref(), conference_tz);
            let here = match req.query_string() {
                "" => req.path().to_owned(),
                q => format!("{}?{}", req.path(), q),
            };
            let real_now = state.clock.now();
            let user = session.user();
            let staff = crate::auth::access::sees_staff_pages(user.as_ref(), real_now);
            let schedule_link = crate::auth::access::sees_schedule_admin(user.as_ref(), real_now);
            let users_link = crate::auth::access::sees_admin_pages(user.as_ref(), real_now);
            // Only staff may preview; a preview left in a session that lost its rights is
            // ignored.
            let preview_at = staff
                .then(|| req.get_session().get::<String>(PREVIEW_KEY).ok().flatten())
                .flatten()
                .and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
                .map(|t| t.with_timezone(&Utc));
            let shown_now = preview_at.unwrap_or(real_now);
            let preview = staff.then(|| PreviewBox {
                active: preview_at.is_some(),
                shown: time::local_full(shown_now, zone.tz),
                input: shown_now
                    .with_timezone(&zone.tz)
                    .format("%Y-%m-%dT%H:%M")
                    .to_string(),
            });
            let layout = Layout {
                site_name,
                user,
                staff_links: staff,
                schedule_link,
                users_link,
                csrf: session.csrf_token(),
                zone_name: zone.name().to_owned(),
                zone_known: zone.is_visitors(),
                utc_only: time::is_utc(zone.tz),
                conference_zone: conference_tz.name().to_owned(),
                zone_rejected: zone.rejected.as_ref().map(|r| r.0.clone()),
                zone_rejected_from: match zone.rejected.as_ref().map(|r| r.1) {
                    Some(RejectedFrom::Query) => "query",
                    Some(RejectedFrom::Cookie) => "cookie",
                    None => "",
                },
                preview,
                path: req.path().to_owned(),
                here,
                version: ASSET_VERSION,
            };
            Ok(PageCtx {
                state,
                session,
                layout,
                zone,
                conference_tz,
                real_now,
                shown_now,
            })
        })
    }
}

#[derive(serde::Deserialize)]
struct TzQuery {
    tz: Option<String>,
}

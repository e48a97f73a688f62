//! The per-request context of every page (`PageCtx`): session, CSRF token, the visitor's zone,
//! the conference's name and the filled-in [`Layout`], gathered once so handlers never repeat
//! that plumbing.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use chrono_tz::Tz;

use crate::auth::session::TypedSession;
use crate::error::AppError;
use crate::state::AppState;
use crate::web::layout::{Layout, ASSET_VERSION};
use crate::web::time::{ZoneChoice, TZ_COOKIE};

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
            let layout = Layout {
                site_name,
                user: session.user(),
                staff_links: crate::auth::access::sees_staff_pages(
                    session.user().as_ref(),
                    state.clock.now(),
                ),
                csrf: session.csrf_token(),
                zone_name: zone.name().to_owned(),
                zone_known: zone.is_visitors(),
                here,
                version: ASSET_VERSION,
            };
            Ok(PageCtx {
                state,
                session,
                layout,
                zone,
                conference_tz,
            })
        })
    }
}

#[derive(serde::Deserialize)]
struct TzQuery {
    tz: Option<String>,
}

//! What every page shares: the header data (`Layout`) and the extractor that builds it.
//!
//! Every page struct has a `layout: Layout` field; `base.html` reads only `layout.*`. The
//! [`PageCtx`] extractor gathers the session user, the CSRF token, the visitor's time zone and
//! the conference's name once per request, so handlers never repeat that plumbing.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use chrono_tz::Tz;

use crate::app::AppState;
use crate::auth::session::{SessionUser, TypedSession};
use crate::error::AppError;
use crate::web::time::{ZoneChoice, TZ_COOKIE};

/// Version string appended to static asset URLs for cache busting.
pub const ASSET_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Header and navigation data of every page.
#[derive(Clone, Debug)]
pub struct Layout {
    /// Conference name.
    pub site_name: String,
    /// The logged-in user.
    pub user: Option<SessionUser>,
    /// CSRF token for forms on the page.
    pub csrf: String,
    /// The zone times are shown in.
    pub zone_name: String,
    /// True when the zone is the visitor's own (not the conference default).
    pub zone_known: bool,
    /// Path and query of this request, for "come back here" links.
    pub here: String,
    /// Asset version.
    pub version: &'static str,
}

impl Layout {
    /// A layout for pages rendered without a request context (error pages).
    pub fn minimal() -> Self {
        Self {
            site_name: "hallway".into(),
            user: None,
            csrf: String::new(),
            zone_name: "UTC".into(),
            zone_known: false,
            here: "/".into(),
            version: ASSET_VERSION,
        }
    }

    /// True when an admin is logged in.
    pub fn is_admin(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.is_admin())
    }
}

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

impl PageCtx {
    /// The logged-in user or a redirect to the login page.
    pub fn require_user(&self) -> Result<SessionUser, AppError> {
        self.layout
            .user
            .clone()
            .ok_or_else(|| AppError::LoginRequired {
                next: self.layout.here.clone(),
            })
    }

    /// The logged-in admin, a redirect to login, or 403 for other users.
    pub fn require_admin(&self) -> Result<SessionUser, AppError> {
        let user = self.require_user()?;
        if user.is_admin() {
            Ok(user)
        } else {
            Err(AppError::Forbidden(
                "This page is for the conference staff only.".into(),
            ))
        }
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
            let conference = state.conference().await?;
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

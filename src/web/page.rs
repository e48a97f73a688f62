//! The per-request context of every page (`PageCtx`): session, CSRF token, the visitor's zone,
//! the conference's name, the instant the page shows and the filled-in [`Layout`], gathered
//! once so handlers never repeat that plumbing.
//!
//! Its first half, [`Visitor`], is what deciding and redirecting need (who asks, their session,
//! zone and the clock) without the page header: the join form, which answers with a redirect,
//! takes only that, so a join builds no navigation, preview box or agenda banner. `PageCtx`
//! derefs to its `Visitor`, so a function that decides (`auth::guard::check`) takes either.
//!
//! Two instants: `real_now` is the clock's now, and the only one access decisions use;
//! `shown_now` is what the page shows as "now": an admin's preview time (kept in their
//! session by `web::preview`) or the real now.

use std::ops::Deref;

use actix_session::SessionExt;
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::auth::session::{Resolving, TypedSession};
use crate::auth::user::SessionUser;
use crate::error::AppError;
use crate::state::AppState;
use crate::web::layout::{Layout, PreviewBox, ASSET_VERSION};
use crate::web::time::{self, RejectedFrom, ZoneChoice, TZ_COOKIE};

/// The session key of an admin's preview instant (RFC 3339).
pub const PREVIEW_KEY: &str = "preview_at";

/// Who is asking, and when: the request context without the page header.
pub struct Visitor {
    /// Shared application state.
    pub state: web::Data<AppState>,
    /// The session cookie.
    pub session: TypedSession,
    /// The visitor's zone.
    pub zone: ZoneChoice,
    /// The conference's own zone.
    pub conference_tz: Tz,
    /// The clock's now: what access decides by.
    pub real_now: DateTime<Utc>,
    /// The request, for [`Visitor::here`].
    req: HttpRequest,
}

impl Visitor {
    /// The logged-in user (the session gate already judged the cookie).
    pub fn user(&self) -> Option<&SessionUser> {
        self.session.user_ref()
    }

    /// Where "come back here" links point (`web::redirect::come_back_to`): worked out when
    /// asked, since only a refusal or a page needs it.
    pub fn here(&self) -> String {
        crate::web::redirect::come_back_to(&self.req)
    }

    /// The session's CSRF token (made on first use).
    pub fn csrf(&self) -> String {
        self.session.csrf_token()
    }

    /// The visitor of `req`, whose session is judged at the one clock reading of the request:
    /// at once when this worker knows the login (or there is none), else after a database read.
    fn resolve(req: &HttpRequest) -> VisitorFuture {
        let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
            return futures::future::Either::Left(std::future::ready(Err(AppError::Internal(
                anyhow::anyhow!("application state missing"),
            ))));
        };
        let real_now = state.clock.now();
        match TypedSession::resolve(req, &state, real_now) {
            Resolving::Now(session) => futures::future::Either::Left(std::future::ready(
                session.map(|s| Visitor::assemble(req, state, s, real_now)),
            )),
            Resolving::Later(session) => {
                let req = req.clone();
                futures::future::Either::Right(Box::pin(async move {
                    let session = session.await?;
                    Ok(Visitor::assemble(&req, state, session, real_now))
                }))
            }
        }
    }

    /// The visitor of `req` with its judged `session`.
    fn assemble(
        req: &HttpRequest,
        state: web::Data<AppState>,
        session: TypedSession,
        real_now: DateTime<Utc>,
    ) -> Self {
        let conference_tz = state.conference_tz();
        let query_tz = match req.query_string() {
            "" => None,
            q => web::Query::<TzQuery>::from_query(q)
                .ok()
                .and_then(|q| q.into_inner().tz),
        };
        let cookie_tz = req.cookie(TZ_COOKIE);
        let zone = ZoneChoice::resolve(
            query_tz.as_deref(),
            cookie_tz.as_ref().map(|c| c.value()),
            conference_tz,
        );
        Visitor {
            state,
            session,
            zone,
            conference_tz,
            real_now,
            req: req.clone(),
        }
    }
}

/// A visitor known at once, or after its session was read from the database.
type VisitorFuture = futures::future::Either<
    std::future::Ready<Result<Visitor, AppError>>,
    futures::future::LocalBoxFuture<'static, Result<Visitor, AppError>>,
>;

impl FromRequest for Visitor {
    type Error = AppError;
    type Future = VisitorFuture;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Visitor::resolve(req)
    }
}

/// Everything a page handler needs about the request: the [`Visitor`] (through `Deref`) and
/// the page header.
pub struct PageCtx {
    /// Who asks, their session and zone, the clock.
    pub visitor: Visitor,
    /// Header data.
    pub layout: Layout,
    /// What the page shows as now: the admin's preview instant, else `real_now`.
    pub shown_now: DateTime<Utc>,
}

impl Deref for PageCtx {
    type Target = Visitor;

    fn deref(&self) -> &Visitor {
        &self.visitor
    }
}

impl AsRef<Visitor> for Visitor {
    fn as_ref(&self) -> &Visitor {
        self
    }
}

impl AsRef<Visitor> for PageCtx {
    fn as_ref(&self) -> &Visitor {
        &self.visitor
    }
}

impl PageCtx {
    /// A time writer for this visitor, relative to the day of `page_time`.
    pub fn times(&self, page_time: DateTime<Utc>) -> time::Writer {
        time::Writer::new(self.zone.tz, page_time)
    }

    /// The page context of `visitor` (and the request it asks with).
    fn of(visitor: Visitor) -> Self {
        let req = &visitor.req;
        let state = &visitor.state;
        let zone = &visitor.zone;
        let real_now = visitor.real_now;
        let user = visitor.session.user();
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
        // Stars come from the cookie (no query); the now page, which is the same for
        // everyone, gets no banner.
        let agenda = crate::agenda::stars::layout_box(
            &visitor.session,
            state,
            user.as_ref(),
            real_now,
            req.path() != "/",
        );
        let layout = Layout {
            site_name: state.conference().title,
            user,
            staff_links: staff,
            schedule_link,
            users_link,
            csrf: visitor.session.csrf_token(),
            zone_name: zone.name().to_owned(),
            zone_known: zone.is_visitors(),
            utc_only: time::is_utc(zone.tz),
            conference_zone: visitor.conference_tz.name().to_owned(),
            zone_rejected: zone.rejected.as_ref().map(|r| r.0.clone()),
            zone_rejected_from: match zone.rejected.as_ref().map(|r| r.1) {
                Some(RejectedFrom::Query) => "query",
                Some(RejectedFrom::Cookie) => "cookie",
                None => "",
            },
            preview,
            path: req.path().to_owned(),
            here: visitor.here(),
            version: ASSET_VERSION,
            agenda,
        };
        PageCtx {
            visitor,
            layout,
            shown_now,
        }
    }
}

impl FromRequest for PageCtx {
    type Error = AppError;
    type Future = futures::future::Map<
        VisitorFuture,
        fn(Result<Visitor, AppError>) -> Result<Self, AppError>,
    >;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        use futures::FutureExt;
        Visitor::from_request(req, payload).map(|v| v.map(PageCtx::of))
    }
}

#[derive(serde::Deserialize)]
struct TzQuery {
    tz: Option<String>,
}

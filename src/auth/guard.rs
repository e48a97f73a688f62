//! Typed extractors that ask `auth::access` before a handler runs: a handler that takes
//! [`StaffPage`] or [`JoinAs`] cannot forget the check, and every refusal reads the same.
//! [`Posted`] is the one CSRF check of every form post: a handler that takes it gets the form
//! only when its `csrf` field matches the session's token.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use serde::Deserialize;

use crate::auth::access::{self, Action, Allowed, Denied, Slot};
use crate::auth::user::SessionUser;
use crate::bbb::Role;
use crate::error::AppError;
use crate::rooms::model::Room;
use crate::schedule::index::ScheduleIndex;
use crate::state::AppState;
use crate::web::page::PageCtx;
use crate::web::redirect::safe_next;

/// Turns a refusal into the error page (or login redirect) the visitor sees.
pub fn refusal(denied: Denied, next: &str, state: &AppState) -> AppError {
    match denied {
        Denied::LoginRequired => AppError::LoginRequired {
            next: next.to_owned(),
        },
        Denied::StaffOnly => {
            AppError::Forbidden("This page is for the conference staff only.".into())
        }
        Denied::AdminOnly => {
            AppError::Forbidden("This page is for the conference admins only.".into())
        }
        Denied::ModeratorOnly => {
            AppError::Forbidden("Only the room's moderators may do this.".into())
        }
        Denied::PrivateRoom { room } => {
            AppError::Forbidden(format!("{room} is open to the conference staff only."))
        }
        Denied::RoomClosed { room, .. } => AppError::BadRequest(format!(
            "No session is running in {room} right now. The room opens {} minutes before each \
             session.",
            state.join_window.lead.num_minutes()
        )),
    }
}

/// Asks access for `action` on behalf of the request's user; the refusal as the visitor sees it.
pub fn check(ctx: &PageCtx, action: Action<'_>) -> Result<Allowed, AppError> {
    access::decide(
        ctx.layout.user.as_ref(),
        action,
        ctx.state.join_window,
        ctx.state.clock.now(),
    )
    .map_err(|d| refusal(d, &ctx.layout.here, &ctx.state))
}

macro_rules! page_guard {
    ($(#[$doc:meta])* $name:ident, $action:expr) => {
        $(#[$doc])*
        pub struct $name(pub PageCtx);

        impl FromRequest for $name {
            type Error = AppError;
            type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

            fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
                let ctx = PageCtx::from_request(req, payload);
                Box::pin(async move {
                    let ctx = ctx.await?;
                    check(&ctx, $action)?;
                    Ok($name(ctx))
                })
            }
        }
    };
}

page_guard!(
    /// A page for the conference staff (the status dashboard).
    StaffPage,
    Action::SeeStaffPages
);
page_guard!(
    /// A page that changes the schedule (upload, re-import).
    ScheduleAdmin,
    Action::ManageSchedule
);
page_guard!(
    /// The users page: the registration list, sessions, guest mode.
    UsersAdmin,
    Action::ManageUsers
);

/// The token every form carries.
#[derive(Deserialize)]
struct CsrfField {
    csrf: String,
}

/// A form post whose CSRF token matched: the request context and the form `T` (urlencoded;
/// `T` must not deny unknown fields, the `csrf` field is read separately).
pub struct Posted<T> {
    /// The request context.
    pub ctx: PageCtx,
    /// The form.
    pub form: T,
}

impl<T: serde::de::DeserializeOwned + 'static> FromRequest for Posted<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let ctx = PageCtx::from_request(req, payload);
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let ctx = ctx.await?;
            let body = body
                .await
                .map_err(|e| AppError::BadRequest(format!("The form could not be read: {e}")))?;
            let token: CsrfField = serde_urlencoded::from_bytes(&body).map_err(|_| {
                AppError::BadRequest(
                    "The form could not be read: it carries no CSRF token. Please reload the \
                     page and try again."
                        .into(),
                )
            })?;
            ctx.session.verify_csrf(&token.csrf)?;
            let form = serde_urlencoded::from_bytes(&body)
                .map_err(|e| AppError::BadRequest(format!("The form could not be read: {e}")))?;
            Ok(Posted { ctx, form })
        })
    }
}

/// The join form: where to come back to (the CSRF token is checked by [`Posted`]).
#[derive(Deserialize)]
pub struct JoinForm {
    #[serde(default)]
    next: Option<String>,
}

/// A checked join: logged in, the form's CSRF token matches, and access allows this user into
/// the room `{slug}` of the path with `role`.
pub struct JoinAs {
    /// The request context.
    pub ctx: PageCtx,
    /// The room.
    pub room: Room,
    /// The user.
    pub user: SessionUser,
    /// The BBB role access granted.
    pub role: Role,
    /// Where the form came from (a safe local path).
    pub next: String,
}

impl FromRequest for JoinAs {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let posted = Posted::<JoinForm>::from_request(req, payload);
        let slug = req.match_info().get("slug").map(str::to_owned);
        Box::pin(async move {
            let Posted { ctx, form } = posted.await?;
            let next = safe_next(form.next.as_deref());
            let user = ctx
                .layout
                .user
                .clone()
                .ok_or(AppError::LoginRequired { next: next.clone() })?;
            let state = &ctx.state;
            let room = slug
                .and_then(|s| state.rooms.get(&s).cloned())
                .ok_or(AppError::NotFound)?;
            let index = state.schedule.get();
            let sessions = slots(&index, state, &room);
            let role = match check(
                &ctx,
                Action::JoinRoom {
                    room: &room,
                    sessions: &sessions,
                },
            )? {
                Allowed::Join(role) => role,
                Allowed::Yes => Role::Viewer,
            };
            Ok(JoinAs {
                ctx,
                room,
                user,
                role,
                next,
            })
        })
    }
}

/// The scheduled sessions of `room` that are running or start within the join window, with
/// their track, guid and speakers, borrowed from the shared schedule index.
fn slots<'a>(index: &'a ScheduleIndex, state: &AppState, room: &Room) -> Vec<Slot<'a>> {
    let now = state.clock.now();
    index
        .in_room_between(
            room.slug.as_str(),
            now,
            now + state.join_window.lead + chrono::Duration::seconds(1),
        )
        .into_iter()
        .map(|s| Slot {
            start: s.start,
            end: s.end,
            track: s.track.as_deref(),
            guid: s.guid.as_deref(),
            persons: &s.persons,
        })
        .collect()
}

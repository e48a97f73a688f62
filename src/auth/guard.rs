//! Typed extractors that ask `auth::access` before a handler runs: a handler that takes
//! [`StaffPage`] or [`JoinAs`] cannot forget the check, and every refusal reads the same.
//! [`Posted`] is the one CSRF check of every form post: a handler that takes it gets the form
//! only when its `csrf` field matches the session's token; [`PostedMultipart`] is the same
//! check for uploads. Both go through [`csrf_check`].

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use serde::Deserialize;

use crate::auth::access::{self, Action, Allowed, Denied, Slot};
use crate::auth::user::SessionUser;
use crate::bbb::Role;
use crate::error::AppError;
use crate::rooms::meeting::{target_for, MeetingTarget};
use crate::rooms::model::Room;
use crate::rooms::{RoomDirectory, RoomRef};
use crate::web::page::{PageCtx, Visitor};
use crate::web::redirect::safe_next;

/// Turns a refusal into the error page (or login redirect) the visitor sees; times in the
/// visitor's zone `tz`.
pub fn refusal(denied: Denied, next: &str, tz: chrono_tz::Tz) -> AppError {
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
        Denied::RoomClosed { room, opens_at } => AppError::RoomClosed {
            room,
            opens_at: opens_at.map(|t| {
                let local = t.with_timezone(&tz);
                if tz == chrono_tz::Tz::UTC {
                    format!("{} UTC", local.format("%a %-d %b, %H:%M"))
                } else {
                    format!(
                        "{} (your time, {}; {} UTC)",
                        local.format("%a %-d %b, %H:%M"),
                        tz.name(),
                        t.format("%H:%M")
                    )
                }
            }),
        },
    }
}

/// Asks access for `action` on behalf of the request's user; the refusal as the visitor sees it.
pub fn check(ctx: &Visitor, action: Action<'_>) -> Result<Allowed, AppError> {
    access::decide(ctx.user(), action, ctx.state.join_window, ctx.real_now)
        .map_err(|d| refusal(d, &ctx.here(), ctx.zone.tz))
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

/// The token every form carries: the first `csrf` field of the body (the forms put it first,
/// so the scan stops there; borrowed from the body when it needs no decoding).
fn csrf_field(body: &[u8]) -> Option<std::borrow::Cow<'_, str>> {
    // hallway's forms put the token (URL-safe base64, nothing to unescape) first: read it
    // where it is. Anything else goes through the full parse, which finds the same value.
    let first = body.split(|&b| b == b'&').next().unwrap_or_default();
    if let Some(token) = first.strip_prefix(b"csrf=") {
        if !token.iter().any(|&b| b == b'%' || b == b'+') {
            if let Ok(token) = std::str::from_utf8(token) {
                return Some(std::borrow::Cow::Borrowed(token));
            }
        }
    }
    form_urlencoded::parse(body)
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v)
}

/// A form post whose CSRF token matched: the request context `C` (a [`PageCtx`], or for a
/// post that only redirects a [`Visitor`]) and the form `T` (urlencoded; `T` must not deny
/// unknown fields, the `csrf` field is read separately).
pub struct Posted<T, C = PageCtx> {
    /// The request context.
    pub ctx: C,
    /// The form.
    pub form: T,
}

impl<T, C> FromRequest for Posted<T, C>
where
    T: serde::de::DeserializeOwned + 'static,
    C: FromRequest<Error = AppError> + AsRef<Visitor> + 'static,
    C::Future: 'static,
{
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let ctx = C::from_request(req, payload);
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let ctx = ctx.await?;
            let body = body
                .await
                .map_err(|e| AppError::BadRequest(format!("The form could not be read: {e}")))?;
            let token = csrf_field(&body);
            csrf_check(ctx.as_ref(), token.as_deref())?;
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
    /// The session whose Join button was pressed (a session room runs one meeting per
    /// session: pressing Join on the next talk while the previous one still runs goes to the
    /// next talk's meeting).
    #[serde(default)]
    session: Option<i64>,
}

/// A checked join: logged in, the form's CSRF token matches, and access allows this user into
/// the room `{slug}` of the path with `role`.
pub struct JoinAs {
    /// Who asks (a join answers with a redirect: no page header is built).
    pub ctx: Visitor,
    /// The room.
    pub room: RoomRef,
    /// The BBB role access granted.
    pub role: Role,
    /// Where the form came from (a safe local path).
    pub next: String,
    /// The meeting the join goes to (per session in session rooms).
    pub target: MeetingTarget,
}

impl JoinAs {
    /// The logged-in user who joins (a `JoinAs` exists only for one).
    pub fn user(&self) -> &SessionUser {
        self.ctx
            .user()
            .expect("JoinAs::from_request refuses visitors who are not logged in")
    }
}

impl FromRequest for JoinAs {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let posted = Posted::<JoinForm, Visitor>::from_request(req, payload);
        // The room is looked up now, so the request holds it without copying the slug.
        let room = req
            .app_data::<web::Data<crate::state::AppState>>()
            .zip(req.match_info().get("slug"))
            .and_then(|(state, slug)| RoomDirectory::shared(&state.rooms, slug));
        Box::pin(async move {
            let Posted { ctx, form } = posted.await?;
            let next = safe_next(form.next.as_deref());
            if ctx.user().is_none() {
                return Err(AppError::LoginRequired { next });
            }
            let room = room.ok_or(AppError::NotFound)?;
            let (role, target) = join_decision(&ctx, &room, form.session)?;
            Ok(JoinAs {
                ctx,
                room,
                role,
                next,
                target,
            })
        })
    }
}

/// How far ahead a join looks for the room's next session (when it opens, which meeting
/// staff open early).
const LOOK_AHEAD: chrono::Duration = chrono::Duration::hours(24);

/// Whether the visitor of `ctx` may join `room` now, with which BBB role, and into which
/// meeting: access decides by the room's sessions around now (with their track, guid and
/// speakers, for track moderators and speakers), then the meeting model picks the session.
/// `session`, when given and one of the room's coming sessions, narrows the decision to it.
/// Used by the join form and by the return from BBB.
pub fn join_decision(
    ctx: &Visitor,
    room: &Room,
    session: Option<i64>,
) -> Result<(Role, MeetingTarget), AppError> {
    let state = &ctx.state;
    let now = ctx.real_now;
    let index = state.schedule.get();
    let mut sessions = index.in_room_between(room.slug.as_str(), now, now + LOOK_AHEAD);
    if let Some(id) = session {
        if sessions.iter().any(|s| s.id == id) {
            sessions.retain(|s| s.id == id);
        }
    }
    let slots: Vec<Slot<'_>> = sessions
        .iter()
        .map(|s| Slot {
            start: s.start,
            end: s.end,
            track: s.track.as_deref(),
            guid: s.guid.as_deref(),
            persons: &s.persons,
        })
        .collect();
    let role = match check(
        ctx,
        Action::JoinRoom {
            room,
            sessions: &slots,
        },
    )? {
        Allowed::Join(role) => role,
        Allowed::Yes => Role::Viewer,
    };
    let target = target_for(
        state.rooms.meeting_prefix(),
        room,
        &sessions,
        state.join_window,
        now,
    );
    Ok((role, target))
}

/// The one CSRF decision of every state-changing request ([`Posted`], [`PostedMultipart`]):
/// no token is a broken form (400), a token that is not this session's is refused (403).
pub fn csrf_check(ctx: &Visitor, token: Option<&str>) -> Result<(), AppError> {
    match token {
        Some(t) => ctx.session.verify_csrf(t),
        None => Err(AppError::BadRequest(
            "The form could not be read: it carries no CSRF token. Please reload the page and \
             try again."
                .into(),
        )),
    }
}

/// A multipart upload whose first part is a `csrf` field matching the session's token (the
/// upload forms put it first; browsers send parts in form order). The token is checked before
/// any file is read, so a forged upload costs no more than its first part; the handler reads
/// the remaining parts from `rest`.
pub struct PostedMultipart {
    /// The request context.
    pub ctx: PageCtx,
    /// The parts after the token.
    pub rest: actix_multipart::Multipart,
}

impl FromRequest for PostedMultipart {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        use futures::StreamExt;
        let ctx = PageCtx::from_request(req, payload);
        let rest = actix_multipart::Multipart::from_request(req, payload).into_inner();
        Box::pin(async move {
            let ctx = ctx.await?;
            let mut rest = rest.map_err(|e| AppError::BadRequest(format!("{e}")))?;
            let mut token = None;
            if let Some(Ok(mut field)) = rest.next().await {
                if field.name() == Some("csrf") {
                    let mut value = Vec::new();
                    while let Some(chunk) = field.next().await {
                        let chunk = chunk.map_err(|e| {
                            AppError::BadRequest(format!("The upload broke off: {e}"))
                        })?;
                        if value.len() + chunk.len() > 4096 {
                            return Err(AppError::BadRequest("The CSRF token is too long.".into()));
                        }
                        value.extend_from_slice(&chunk);
                    }
                    token = Some(String::from_utf8_lossy(&value).trim().to_owned());
                }
            }
            csrf_check(&ctx, token.as_deref())?;
            Ok(PostedMultipart { ctx, rest })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csrf_field_is_what_a_full_form_parse_finds() {
        let bodies: [&[u8]; 12] = [
            b"csrf=abc-_09",
            b"csrf=abc&next=%2Frooms",
            b"csrf=a%2Bb",
            b"csrf=a+b",
            b"next=/x&csrf=abc",
            b"csrf=",
            b"",
            b"csrfx=1&csrf=2",
            b"cs%72f=1&csrf=2",
            b"csrf=1&csrf=2",
            b"csrf=\xff\xfe",
            b"csrf",
        ];
        for body in bodies {
            let full = form_urlencoded::parse(body)
                .find(|(k, _)| k == "csrf")
                .map(|(_, v)| v);
            assert_eq!(csrf_field(body), full, "{}", String::from_utf8_lossy(body));
        }
    }
}

//! One error type for every HTTP handler, mapped to a status and an HTML error page in one place.
//!
//! Variants describe what the *visitor* should see. Internal causes (database, templates, BBB)
//! are logged with their whole chain and never rendered: pages only show the variant's own
//! fixed text.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use crate::bbb::BbbError;
use crate::telemetry::error_chain;
use crate::web::layout::Layout;

/// Result of a handler.
pub type AppResult<T> = Result<T, AppError>;

/// Everything a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No such page or object.
    #[error("not found")]
    NotFound,
    /// The page needs a logged-in user; carries where to come back to.
    #[error("login required")]
    LoginRequired {
        /// Local path to return to after logging in.
        next: String,
    },
    /// Logged in, but not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// The request itself is wrong; the text is shown to the visitor.
    #[error("{0}")]
    BadRequest(String),
    /// Too many attempts (logins); the visitor may try again after this many seconds.
    #[error("too many attempts")]
    TooManyRequests {
        /// Seconds until the next attempt may succeed (sent as `Retry-After`).
        retry_after_secs: u64,
    },
    /// A BBB server failed; the visitor gets a friendly 502, staff get the cause in the log.
    #[error("BBB call failed")]
    Upstream(#[from] BbbError),
    /// The room's video server is down or refused to open the meeting.
    #[error("the video server of {room} is not answering")]
    RoomUnavailable {
        /// The room's display name.
        room: String,
    },
    /// The room has as many viewers as it takes.
    #[error("{room} is full")]
    RoomFull {
        /// The room's display name.
        room: String,
        /// Its public stream, to watch instead.
        stream_url: Option<String>,
    },
    /// No session of a session room is in its join window.
    #[error("{room} is closed")]
    RoomClosed {
        /// The room's display name.
        room: String,
        /// "08:35 (your time, Europe/Berlin; 06:35 UTC)", when a session is coming.
        opens_at: Option<String>,
    },
    /// The meeting is being created by another request; the page retries by itself.
    #[error("the meeting of {room} is being created")]
    MeetingStarting {
        /// The room's display name.
        room: String,
        /// The room's slug (the retry form posts to its join).
        slug: String,
        /// The CSRF token of the visitor's session, for the retry form.
        csrf: String,
        /// Where the visitor came from.
        next: String,
    },
    /// The identity provider (OpenID Connect) did not answer.
    #[error("the login service {service} is not answering")]
    LoginUnavailable {
        /// Its name as the login page shows it.
        service: String,
    },
    /// Anything else: a bug or an outage of our own.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        AppError::Internal(anyhow::Error::new(e).context("database query failed"))
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(anyhow::Error::new(e).context("rendering a template failed"))
    }
}

/// What an error page says, kept on the response so `web::error_layout` can render it again in
/// the full layout (the visitor's name, the conference, the zone) once the request is known.
#[derive(Clone, Debug)]
pub struct ErrorContent {
    /// Short title.
    pub title: String,
    /// What happened and what to do.
    pub message: String,
    /// A helpful link.
    pub link: Option<(String, String)>,
    /// A retry form.
    pub retry: Option<RetryForm>,
}

impl ErrorContent {
    /// The page in `layout`.
    pub fn page(&self, layout: Layout) -> ErrorPage {
        ErrorPage {
            layout,
            title: self.title.clone(),
            message: self.message.clone(),
            link: self.link.clone(),
            retry: self.retry.clone(),
        }
    }
}

/// The error page.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    /// Header and navigation.
    pub layout: Layout,
    /// Short title ("Not found").
    pub title: String,
    /// What happened and what to do, in plain words.
    pub message: String,
    /// A link that helps (the room's stream).
    pub link: Option<(String, String)>,
    /// A join form to retry with, submitted by itself after a few seconds (`static/retry.js`).
    pub retry: Option<RetryForm>,
}

/// The form an error page retries a join with.
#[derive(Clone, Debug)]
pub struct RetryForm {
    /// The room's slug.
    pub slug: String,
    /// CSRF token.
    pub csrf: String,
    /// Where the visitor came from.
    pub next: String,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::LoginRequired { .. } => StatusCode::SEE_OTHER,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Upstream(_) => StatusCode::BAD_GATEWAY,
            AppError::RoomUnavailable { .. } | AppError::MeetingStarting { .. } => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            AppError::RoomFull { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::RoomClosed { .. } => StatusCode::CONFLICT,
            AppError::LoginUnavailable { .. } => StatusCode::BAD_GATEWAY,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut link = None;
        let mut retry = None;
        let (title, message) = match self {
            AppError::LoginRequired { next } => {
                let target = format!(
                    "/login?{}",
                    serde_urlencoded::to_string([("next", next.as_str())]).unwrap_or_default()
                );
                return HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, target))
                    .finish();
            }
            AppError::NotFound => (
                "Not found",
                "There is nothing at this address. If it was a session, it may have been removed \
                 from the schedule."
                    .to_string(),
            ),
            AppError::Forbidden(why) => ("Not allowed", why.clone()),
            AppError::BadRequest(why) => ("That did not work", why.clone()),
            AppError::TooManyRequests { retry_after_secs } => (
                "Too many attempts",
                format!(
                    "There were too many login attempts. Please wait {} and try again.",
                    if *retry_after_secs >= 120 {
                        format!("{} minutes", retry_after_secs.div_ceil(60))
                    } else {
                        format!("{retry_after_secs} seconds")
                    }
                ),
            ),
            AppError::Upstream(e) => {
                tracing::error!(server = e.server(), error = %error_chain(e), "BBB call failed");
                (
                    "The video server is not answering",
                    "The video server for this room did not answer in time. Please try again in a \
                     minute; the staff can see this on the status page."
                        .to_string(),
                )
            }
            AppError::RoomUnavailable { room } => (
                "The video server is not answering",
                format!(
                    "The video server for {room} is not answering. The staff are told and move \
                     rooms off servers that fail; please try again in a minute."
                ),
            ),
            AppError::RoomFull { room, stream_url } => {
                link = stream_url
                    .as_ref()
                    .map(|u| (u.clone(), format!("Watch the stream of {room}")));
                (
                    "This room is full",
                    match stream_url {
                        Some(_) => format!(
                            "{room} has as many participants as it can take. You can follow it \
                             on its live stream, or try again later when people leave."
                        ),
                        None => format!(
                            "{room} has as many participants as it can take. Please try again \
                             later, when people leave."
                        ),
                    },
                )
            }
            AppError::RoomClosed { room, opens_at } => (
                "This room is not open yet",
                match opens_at {
                    Some(at) => format!(
                        "No session is running in {room} right now. It opens at {at}, shortly \
                         before its next session starts."
                    ),
                    None => format!(
                        "No session is running in {room} right now, and none is scheduled \
                         later. See the schedule for other rooms."
                    ),
                },
            ),
            AppError::MeetingStarting {
                room,
                slug,
                csrf,
                next,
            } => {
                retry = Some(RetryForm {
                    slug: slug.clone(),
                    csrf: csrf.clone(),
                    next: next.clone(),
                });
                (
                    "The meeting is starting",
                    format!(
                        "The video meeting of {room} is being started right now. This page \
                         tries again by itself in a few seconds; you can also press the button."
                    ),
                )
            }
            AppError::LoginUnavailable { service } => (
                "The login service is not answering",
                format!(
                    "We could not reach {service} just now. Please try again in a minute, or \
                     use another way to log in on the login page."
                ),
            ),
            AppError::Internal(e) => {
                tracing::error!(error = %format!("{e:#}"), "internal error");
                (
                    "Something went wrong",
                    "Something went wrong on our side. Please try again; if it keeps happening, \
                     tell the conference staff."
                        .to_string(),
                )
            }
        };
        let content = ErrorContent {
            title: title.to_string(),
            message,
            link,
            retry,
        };
        let page = content.page(Layout::minimal());
        let body = page.render().unwrap_or_else(|e| {
            // Never recurse into the error page: fall back to plain text.
            tracing::error!(error = %e, "rendering the error page failed");
            format!("{title}\n")
        });
        let mut resp = HttpResponse::build(self.status_code());
        resp.content_type("text/html; charset=utf-8");
        match self {
            AppError::MeetingStarting { .. } | AppError::RoomUnavailable { .. } => {
                resp.insert_header((header::RETRY_AFTER, "3"));
            }
            AppError::TooManyRequests { retry_after_secs } => {
                resp.insert_header((header::RETRY_AFTER, retry_after_secs.max(&1).to_string()));
            }
            _ => {}
        }
        let mut resp = resp.body(body);
        resp.extensions_mut().insert(content);
        resp
    }
}

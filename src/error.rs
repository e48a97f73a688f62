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
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
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
        let page = ErrorPage {
            layout: Layout::minimal(),
            title: title.to_string(),
            message,
        };
        let body = page.render().unwrap_or_else(|e| {
            // Never recurse into the error page: fall back to plain text.
            tracing::error!(error = %e, "rendering the error page failed");
            format!("{title}\n")
        });
        let mut response = HttpResponse::build(self.status_code());
        if let AppError::TooManyRequests { retry_after_secs } = self {
            response.insert_header((header::RETRY_AFTER, retry_after_secs.max(&1).to_string()));
        }
        response.content_type("text/html; charset=utf-8").body(body)
    }
}

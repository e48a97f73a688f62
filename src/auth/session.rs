//! The only place that knows what hallway keeps in the signed session cookie.
//!
//! The cookie holds the logged-in user (guest or admin) and the CSRF token of the browser
//! session. It is signed with `server.session_key`, so several instances with the same key
//! accept each other's cookies and nothing about logins lives only in one process's memory.

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use base64::Engine;
use rand::RngCore;
use std::future::{ready, Ready};
use subtle::ConstantTimeEq;

use crate::auth::user::SessionUser;
use crate::error::AppError;

const USER_KEY: &str = "user";
const CSRF_KEY: &str = "csrf";

/// Typed access to the session cookie.
pub struct TypedSession(Session);

impl TypedSession {
    /// The logged-in user, if any. A cookie that does not decode counts as logged out.
    pub fn user(&self) -> Option<SessionUser> {
        self.0.get::<SessionUser>(USER_KEY).ok().flatten()
    }

    /// Logs `user` in, renewing the session to prevent fixation.
    pub fn log_in(&self, user: &SessionUser) -> Result<(), AppError> {
        self.0.renew();
        self.0
            .insert(USER_KEY, user)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("storing the session: {e}")))
    }

    /// Forgets everything.
    pub fn log_out(&self) {
        self.0.purge();
    }

    /// The CSRF token of this browser session, made on first use.
    pub fn csrf_token(&self) -> String {
        if let Ok(Some(t)) = self.0.get::<String>(CSRF_KEY) {
            return t;
        }
        let mut bytes = [0u8; 24];
        rand::thread_rng().fill_bytes(&mut bytes);
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        // A failed insert only means the next form post will be refused; nothing to leak.
        let _ = self.0.insert(CSRF_KEY, &token);
        token
    }

    /// Checks a submitted form's token against the session's, in constant time.
    pub fn verify_csrf(&self, submitted: &str) -> Result<(), AppError> {
        let expected = self.0.get::<String>(CSRF_KEY).ok().flatten();
        match expected {
            Some(e)
                if !submitted.is_empty()
                    && bool::from(e.as_bytes().ct_eq(submitted.as_bytes())) =>
            {
                Ok(())
            }
            _ => Err(AppError::Forbidden(
                "This form has expired or did not come from this site. Please go back, reload \
                 the page and try again."
                    .into(),
            )),
        }
    }
}

impl FromRequest for TypedSession {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(TypedSession(req.get_session())))
    }
}

/// A new random user id.
pub fn new_user_id() -> String {
    let mut bytes = [0u8; 12];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("hw-{}", hex::encode(bytes))
}

//! Errors of the BBB client.
//!
//! BBB reports failures as `returncode=FAILED` plus a `messageKey` (stable)
//! and a `message` (English text that changes between versions). Callers
//! should branch on [`ApiErrorKey`], never on the text. [`BbbError`] adds the
//! transport side (connection, timeout, HTTP status, unparsable body) and
//! always names the server and the call, so one log line says which BBB
//! failed at what. It never contains the shared secret or the signed URL.

use std::fmt;

/// The `messageKey` of a FAILED BBB response.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ApiErrorKey {
    /// `checksumError`: wrong secret, wrong algorithm or a mangled query.
    ChecksumError,
    /// `notFound`: no such meeting (getMeetingInfo, end).
    NotFound,
    /// `idNotUnique`: create with a live meetingID and different passwords.
    IdNotUnique,
    /// `invalidMeetingIdentifier`: join of an unknown meeting.
    InvalidMeetingIdentifier,
    /// `missingParamMeetingID`.
    MissingParamMeetingID,
    /// `missingParamFullName`.
    MissingParamFullName,
    /// `meetingForciblyEnded`: join of an ended meeting.
    MeetingForciblyEnded,
    /// `mismatchCreateTimeParam`: join URL from an earlier session.
    MismatchCreateTimeParam,
    /// `invalidPassword`.
    InvalidPassword,
    /// `maxParticipantsReached`.
    MaxParticipantsReached,
    /// `validationError` (early 2.4 also used it for unknown meetings).
    ValidationError,
    /// Any other key, verbatim (for example `Params required` or
    /// `unsupportedRequest`).
    Other(String),
}

impl ApiErrorKey {
    /// Maps a `messageKey` string to a key (exact, case-sensitive like BBB).
    pub fn from_key(key: &str) -> Self {
        match key {
            "checksumError" => Self::ChecksumError,
            "notFound" => Self::NotFound,
            "idNotUnique" => Self::IdNotUnique,
            "invalidMeetingIdentifier" => Self::InvalidMeetingIdentifier,
            "missingParamMeetingID" => Self::MissingParamMeetingID,
            "missingParamFullName" => Self::MissingParamFullName,
            "meetingForciblyEnded" => Self::MeetingForciblyEnded,
            "mismatchCreateTimeParam" => Self::MismatchCreateTimeParam,
            "invalidPassword" => Self::InvalidPassword,
            "maxParticipantsReached" => Self::MaxParticipantsReached,
            "validationError" => Self::ValidationError,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The `messageKey` string.
    pub fn as_str(&self) -> &str {
        match self {
            Self::ChecksumError => "checksumError",
            Self::NotFound => "notFound",
            Self::IdNotUnique => "idNotUnique",
            Self::InvalidMeetingIdentifier => "invalidMeetingIdentifier",
            Self::MissingParamMeetingID => "missingParamMeetingID",
            Self::MissingParamFullName => "missingParamFullName",
            Self::MeetingForciblyEnded => "meetingForciblyEnded",
            Self::MismatchCreateTimeParam => "mismatchCreateTimeParam",
            Self::InvalidPassword => "invalidPassword",
            Self::MaxParticipantsReached => "maxParticipantsReached",
            Self::ValidationError => "validationError",
            Self::Other(s) => s,
        }
    }
}

impl From<&str> for ApiErrorKey {
    fn from(s: &str) -> Self {
        Self::from_key(s)
    }
}

impl fmt::Display for ApiErrorKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed BBB API call.
#[derive(thiserror::Error, Debug)]
pub enum BbbError {
    /// The HTTP client could not be built (TLS backend initialisation).
    #[error("could not initialise the HTTP client for BBB: {source}")]
    Init {
        /// The underlying error.
        source: reqwest::Error,
    },
    /// Connecting, sending or reading failed (not a timeout).
    #[error("BBB server {server}: {call} failed: {}", root_cause(source))]
    Transport {
        /// Endpoint name.
        server: String,
        /// API call name.
        call: &'static str,
        /// The underlying error (its URL removed).
        source: reqwest::Error,
    },
    /// The connect or total timeout expired.
    #[error("BBB server {server}: {call} timed out")]
    Timeout {
        /// Endpoint name.
        server: String,
        /// API call name.
        call: &'static str,
    },
    /// The server answered with a non-2xx status.
    #[error("BBB server {server}: {call} failed: HTTP status {status}")]
    HttpStatus {
        /// Endpoint name.
        server: String,
        /// API call name.
        call: &'static str,
        /// HTTP status code.
        status: u16,
    },
    /// The body was not a BBB response.
    #[error("BBB server {server}: {call} returned a malformed response: {detail}")]
    Malformed {
        /// Endpoint name.
        server: String,
        /// API call name.
        call: &'static str,
        /// What was wrong.
        detail: String,
    },
    /// BBB answered `returncode=FAILED`.
    #[error("BBB server {server}: {call} failed: {key}: {message}")]
    Api {
        /// Endpoint name.
        server: String,
        /// API call name.
        call: &'static str,
        /// The messageKey.
        key: ApiErrorKey,
        /// The message text.
        message: String,
    },
}

/// Innermost message of an error chain ("connection refused" rather than
/// "error sending request").
fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let outer = err.to_string();
    let mut cur = err;
    let mut depth = 0;
    while let Some(next) = cur.source() {
        cur = next;
        depth += 1;
    }
    if depth == 0 {
        outer
    } else {
        format!("{outer}: {cur}")
    }
}

impl BbbError {
    /// Name of the endpoint the error is about ("" for [`BbbError::Init`]).
    pub fn server(&self) -> &str {
        match self {
            Self::Init { .. } => "",
            Self::Transport { server, .. }
            | Self::Timeout { server, .. }
            | Self::HttpStatus { server, .. }
            | Self::Malformed { server, .. }
            | Self::Api { server, .. } => server,
        }
    }

    /// The API call that failed, if any.
    pub fn call(&self) -> Option<&'static str> {
        match self {
            Self::Init { .. } => None,
            Self::Transport { call, .. }
            | Self::Timeout { call, .. }
            | Self::HttpStatus { call, .. }
            | Self::Malformed { call, .. }
            | Self::Api { call, .. } => Some(call),
        }
    }

    /// The messageKey, for [`BbbError::Api`].
    pub fn api_key(&self) -> Option<&ApiErrorKey> {
        match self {
            Self::Api { key, .. } => Some(key),
            _ => None,
        }
    }

    /// True if BBB said the meeting does not exist: `notFound`,
    /// `invalidMeetingIdentifier`, `meetingNotFound` (sendChatMessage), or
    /// early 2.4's `validationError` "Invalid meeting ID: A meeting with that
    /// ID does not exist".
    pub fn is_not_found(&self) -> bool {
        match self {
            Self::Api { key, message, .. } => match key {
                ApiErrorKey::NotFound | ApiErrorKey::InvalidMeetingIdentifier => true,
                ApiErrorKey::ValidationError => message.contains("does not exist"),
                ApiErrorKey::Other(k) => k == "meetingNotFound",
                _ => false,
            },
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        for k in [
            "checksumError",
            "notFound",
            "idNotUnique",
            "invalidMeetingIdentifier",
            "missingParamMeetingID",
            "missingParamFullName",
            "meetingForciblyEnded",
            "mismatchCreateTimeParam",
            "invalidPassword",
            "maxParticipantsReached",
            "validationError",
            "Params required",
        ] {
            assert_eq!(ApiErrorKey::from_key(k).as_str(), k);
        }
        assert_eq!(
            ApiErrorKey::from_key("Params required"),
            ApiErrorKey::Other("Params required".into())
        );
    }

    #[test]
    fn not_found_detection_and_messages() {
        let api = |key: &str, message: &str| BbbError::Api {
            server: "bbb1".into(),
            call: "getMeetingInfo",
            key: ApiErrorKey::from_key(key),
            message: message.into(),
        };
        assert!(api("notFound", "A meeting with that ID does not exist").is_not_found());
        assert!(api("invalidMeetingIdentifier", "x").is_not_found());
        assert!(api(
            "validationError",
            "Invalid meeting ID: A meeting with that ID does not exist"
        )
        .is_not_found());
        assert!(!api("validationError", "Meeting name must be between 2 and 256").is_not_found());
        assert!(!api("checksumError", "Checksums do not match").is_not_found());
        let e = api("checksumError", "Checksums do not match");
        assert_eq!(e.server(), "bbb1");
        assert_eq!(
            e.to_string(),
            "BBB server bbb1: getMeetingInfo failed: checksumError: Checksums do not match"
        );
        let t = BbbError::Timeout {
            server: "bbb2".into(),
            call: "getMeetings",
        };
        assert_eq!(t.to_string(), "BBB server bbb2: getMeetings timed out");
    }
}

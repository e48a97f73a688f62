//! What a failed poll means, in words an operator can act on. The poller stores these next to
//! each server, and the dashboard, the JSON status and the audit log show them as they are.
//! Secrets never appear: the BBB client already strips URLs (which carry checksums) from
//! transport errors, and nothing here formats a request.

use crate::bbb::{ApiErrorKey, BbbError};

/// A sentence about `e`, naming the likely cause.
pub fn human(e: &BbbError) -> String {
    match e {
        BbbError::Api { key, message, .. } if *key == ApiErrorKey::ChecksumError => format!(
            "the server refused hallway's signature: the configured secret is wrong (compare \
             bbb.servers.secret with `bbb-conf --secret`); BBB said \"{message}\""
        ),
        BbbError::Api { key, message, .. } => {
            format!("BBB answered FAILED: {}: {message}", key.as_str())
        }
        BbbError::HttpStatus { status, .. } => format!(
            "the server answered HTTP {status} instead of the BBB API (bbb-web stopped, or a \
             proxy in front of it failed)"
        ),
        BbbError::Malformed { detail, .. } => {
            format!("the server's answer is not BBB XML ({detail}); is the URL really the BBB API?")
        }
        BbbError::Timeout { .. } => "no answer within the BBB timeout".to_owned(),
        BbbError::Transport { .. } => format!(
            "could not reach the server: {}",
            crate::telemetry::error_chain(e)
        ),
        BbbError::Init { .. } => crate::telemetry::error_chain(e),
    }
}

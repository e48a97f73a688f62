//! Fault injection: making one simulated BBB server misbehave on purpose.
//!
//! A [`Faults`] value lives in the server's shared state and is consulted at
//! the top of every BBB API request (`/bigbluebutton/api[/{call}]`), never
//! for `/sim/…` or `/html5client/…`, so a test can always switch faults off
//! again. It is set at run time with `PUT /sim/faults` (JSON, see the module
//! doc of [`crate::sim`]) or [`crate::sim::SimServer::set_faults`].

use std::net::Shutdown;

use serde::{Deserialize, Serialize};

/// What an affected request gets instead of a normal answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Failure {
    /// The connection is closed without any response (the client sees a
    /// transport error, like a refused or reset connection). The listener
    /// keeps accepting, so the control interface stays reachable.
    Refuse,
    /// HTTP 500 with an HTML error page (a broken proxy or Tomcat).
    Http500,
    /// The normal XML answer cut in half.
    TruncatedXml,
    /// HTTP 200 `text/xml` whose body is not XML at all.
    GarbageXml,
    /// `checksumError` "Checksums do not match", as if the secret were
    /// wrong (join: as a redirect or XML, like a real checksum error).
    ChecksumError,
}

/// The faults of one simulated server. The default is "no faults".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Faults {
    /// Delay added before answering each affected request, in ms.
    #[serde(default)]
    pub latency_ms: u64,
    /// The failure answered to each affected request, if any.
    #[serde(default)]
    pub failure: Option<Failure>,
    /// Affected API calls by name (`create`, `join`, `getMeetings`, …;
    /// `apiVersion` is the API root). Empty means every call.
    #[serde(default)]
    pub calls: Vec<String>,
}

impl Faults {
    /// No faults.
    pub fn none() -> Self {
        Self::default()
    }

    /// Only `failure`, on every call.
    pub fn failure(failure: Failure) -> Self {
        Self {
            failure: Some(failure),
            ..Self::default()
        }
    }

    /// Only added latency, on every call.
    pub fn latency_ms(ms: u64) -> Self {
        Self {
            latency_ms: ms,
            ..Self::default()
        }
    }

    /// Restricts these faults to the given calls.
    pub fn for_calls<I, S>(mut self, calls: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.calls = calls.into_iter().map(Into::into).collect();
        self
    }

    /// True if `call` is affected.
    pub fn applies_to(&self, call: &str) -> bool {
        self.calls.is_empty() || self.calls.iter().any(|c| c == call)
    }

    /// True if nothing is injected.
    pub fn is_none(&self) -> bool {
        self.latency_ms == 0 && self.failure.is_none()
    }
}

/// A duplicate of the connection's socket, stored per connection by the
/// server's `on_connect` hook so that a handler can drop the connection
/// ([`Failure::Refuse`]).
pub(crate) struct ConnSocket(pub(crate) std::net::TcpStream);

impl ConnSocket {
    /// Captures the socket of a new connection (plain TCP only).
    pub(crate) fn capture(conn: &dyn std::any::Any) -> Option<Self> {
        use std::os::fd::AsFd;
        let tcp = conn.downcast_ref::<actix_web::rt::net::TcpStream>()?;
        let fd = tcp.as_fd().try_clone_to_owned().ok()?;
        Some(Self(std::net::TcpStream::from(fd)))
    }

    /// Shuts the connection down in both directions: the client gets no
    /// response at all.
    pub(crate) fn kill(&self) {
        if let Err(e) = self.0.shutdown(Shutdown::Both) {
            tracing::debug!("bbb-sim: shutting down a connection failed: {e}");
        }
    }
}

/// Not-XML body for [`Failure::GarbageXml`].
pub(crate) const GARBAGE: &str = "\u{1f}\u{8b}<<<<?xml broken \u{0} &&& ]]> </response><response";

/// Body of [`Failure::Http500`] (what Tomcat/nginx show).
pub(crate) const HTTP500_PAGE: &str = "<html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1></body></html>\n";

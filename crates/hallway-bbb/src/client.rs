//! Async HTTP client for the BBB API: [`BbbClient`], and nothing else.
//!
//! The values it sends and returns live in [`crate::types`] (an [`Endpoint`]
//! is one BBB server or Scalelite: API URL, shared secret, checksum
//! algorithm) and [`crate::xml`] (parsed answers). [`BbbClient`] wraps one
//! `reqwest::Client` (connection pool, connect and total timeouts, redirects
//! followed for Scalelite) and performs the calls hallway needs. Join URLs
//! are only built, never fetched: browsers follow them.
//!
//! Signed URLs are built as strings and handed to reqwest unchanged; never
//! add parameters with `.query()` afterwards, that would break the checksum.
//!
//! # BBB versions
//!
//! Servers from 2.2 to 3.0 differ in how join names the role and how join
//! errors arrive. [`ServerVersion`] is either set per server
//! ([`Endpoint::with_version`]) or detected once from the API root
//! ([`BbbClient::server_version`], cached per endpoint name) and decides:
//! - [`JoinStyle::Role`](crate::JoinStyle::Role) (2.4+:
//!   `role=MODERATOR|VIEWER`) or
//!   [`JoinStyle::Password`](crate::JoinStyle::Password) (older: the
//!   meeting's moderator/attendee password, so `create` must always send
//!   the same passwords for a room);
//! - join errors: with `redirect=false`, 2.7+ answers XML, ≤ 2.6 a 302 to
//!   `…?errors=<json>`. [`BbbClient::join_check`] handles both.
//!
//! Redirects are followed (Scalelite and BBBLB answer join with a 302 to
//! the chosen BBB server), except one whose target carries `errors=`: that
//! is a join error and is returned to the caller instead.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use crate::error::BbbError;
use crate::types::{
    ApiVersion, ChatMessage, CreateMeeting, CreatedMeeting, Endpoint, JoinRequest, RecordingsQuery,
    ServerVersion, Timeouts,
};
use crate::xml::{self, JoinResponse, Meeting, Recording, ResponseError};

/// The BBB API client. Cheap to clone (shares the connection pool and the
/// cache of detected server versions).
#[derive(Clone)]
pub struct BbbClient {
    http: reqwest::Client,
    versions: Arc<Mutex<HashMap<String, ServerVersion>>>,
}

impl fmt::Debug for BbbClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BbbClient").finish_non_exhaustive()
    }
}

impl BbbClient {
    /// Builds the client with these timeouts. Up to 5 redirects are
    /// followed (Scalelite/BBBLB answer join with a 302 to the BBB server),
    /// but not one to a URL with an `errors=` parameter: that is a join
    /// error (BBB ≤ 2.6) and is returned as the 302 itself.
    pub fn new(timeouts: Timeouts) -> Result<Self, BbbError> {
        let policy = reqwest::redirect::Policy::custom(|attempt| {
            let is_error = attempt.url().query_pairs().any(|(k, _)| k == "errors");
            if is_error {
                attempt.stop()
            } else if attempt.previous().len() > 5 {
                attempt.error("too many redirects")
            } else {
                attempt.follow()
            }
        });
        let http = reqwest::Client::builder()
            .connect_timeout(timeouts.connect)
            .timeout(timeouts.total)
            .redirect(policy)
            .user_agent(concat!("hallway/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|source| BbbError::Init { source })?;
        Ok(Self {
            http,
            versions: Arc::new(Mutex::new(HashMap::new())),
        })
    }

    /// GETs `url` and returns the body, mapping transport failures.
    async fn fetch(
        &self,
        ep: &Endpoint,
        call: &'static str,
        url: &str,
    ) -> Result<String, BbbError> {
        let resp = self.send(ep, call, url).await?;
        let status = resp.status();
        if !status.is_success() {
            // Load balancers answer some failures with an error status and a BBB FAILED
            // document (BBBLB: HTTP 500 `internalError`): report BBB's key and message then.
            let body = resp.text().await.unwrap_or_default();
            if let Err(ResponseError::Failed { key, message }) = xml::parse_end(&body) {
                return Err(BbbError::Api {
                    server: ep.name.clone(),
                    call,
                    key,
                    message,
                });
            }
            return Err(BbbError::HttpStatus {
                server: ep.name.clone(),
                call,
                status: status.as_u16(),
            });
        }
        resp.text().await.map_err(|e| transport(ep, call, e))
    }

    /// GETs `url` (redirects per the policy above) and returns the response.
    async fn send(
        &self,
        ep: &Endpoint,
        call: &'static str,
        url: &str,
    ) -> Result<reqwest::Response, BbbError> {
        tracing::debug!(server = %ep.name, call, "BBB API call");
        self.http
            .get(url)
            .send()
            .await
            .map_err(|e| transport(ep, call, e))
    }

    /// The server's version: [`Endpoint::version`] if set, else detected
    /// from the API root once and cached under the endpoint's name.
    pub async fn server_version(&self, ep: &Endpoint) -> Result<ServerVersion, BbbError> {
        if let Some(v) = ep.version {
            return Ok(v);
        }
        if let Some(v) = self.cached_version(&ep.name) {
            return Ok(v);
        }
        let detected = ServerVersion::from_api_version(&self.api_version(ep).await?);
        tracing::debug!(server = %ep.name, version = %detected, "BBB version detected");
        self.versions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(ep.name.clone(), detected);
        Ok(detected)
    }

    fn cached_version(&self, name: &str) -> Option<ServerVersion> {
        self.versions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(name)
            .copied()
    }

    /// Forgets a detected version (for example after a server upgrade).
    pub fn forget_version(&self, ep: &Endpoint) {
        self.versions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&ep.name);
    }

    /// The signed browser join URL in the server's [`JoinStyle`](crate::JoinStyle) (version
    /// configured or detected, see [`BbbClient::server_version`]).
    pub async fn join_url(&self, ep: &Endpoint, req: &JoinRequest<'_>) -> Result<String, BbbError> {
        let style = self.server_version(ep).await?.join_style();
        Ok(ep.join_url_with(req, style))
    }

    /// Performs a join server-side with `redirect=false` to find out
    /// whether it would succeed, on every version: 2.7+ answers XML (a
    /// FAILED one becomes [`BbbError::Api`]); ≤ 2.6 answers errors with a
    /// 302 to `…?errors=[{"key":…,"message":…}]`, turned into the same
    /// [`BbbError::Api`]. Redirects through Scalelite/BBBLB are followed.
    ///
    /// On success BBB has registered a session for the user (the XML holds
    /// its client URL); nobody connects unless that URL is opened.
    pub async fn join_check(
        &self,
        ep: &Endpoint,
        req: &JoinRequest<'_>,
    ) -> Result<JoinResponse, BbbError> {
        const CALL: &str = "join";
        let style = self.server_version(ep).await?.join_style();
        let mut check = req.clone();
        check.redirect = false;
        let url = ep.join_url_with(&check, style);
        let resp = self.send(ep, CALL, &url).await?;
        let status = resp.status();
        if status.is_redirection() {
            let location = resp
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            return Err(match xml::parse_join_errors(location) {
                Some(e) => convert(ep, CALL, e),
                None => BbbError::HttpStatus {
                    server: ep.name.clone(),
                    call: CALL,
                    status: status.as_u16(),
                },
            });
        }
        if !status.is_success() {
            return Err(BbbError::HttpStatus {
                server: ep.name.clone(),
                call: CALL,
                status: status.as_u16(),
            });
        }
        let body = resp.text().await.map_err(|e| transport(ep, CALL, e))?;
        xml::parse_join(&body).map_err(|e| convert(ep, CALL, e))
    }

    /// `getRecordings`; noRecordings gives an empty vector.
    pub async fn get_recordings(
        &self,
        ep: &Endpoint,
        query: &RecordingsQuery,
    ) -> Result<Vec<Recording>, BbbError> {
        let owned = query.params();
        let params: Vec<(&str, &str)> = owned
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.call(ep, "getRecordings", &params, xml::parse_get_recordings)
            .await
    }

    /// `publishRecordings` for `record_ids` (`publish` true or false); the state BBB reports.
    /// Unknown ids give an error with [`BbbError::is_not_found`] true.
    pub async fn publish_recordings(
        &self,
        ep: &Endpoint,
        record_ids: &[&str],
        publish: bool,
    ) -> Result<bool, BbbError> {
        let ids = record_ids.join(",");
        let publish = if publish { "true" } else { "false" };
        self.call(
            ep,
            "publishRecordings",
            &[("recordID", ids.as_str()), ("publish", publish)],
            xml::parse_publish_recordings,
        )
        .await
    }

    /// `deleteRecordings` for `record_ids`. Unknown ids give an error with
    /// [`BbbError::is_not_found`] true.
    pub async fn delete_recordings(
        &self,
        ep: &Endpoint,
        record_ids: &[&str],
    ) -> Result<(), BbbError> {
        let ids = record_ids.join(",");
        self.call(
            ep,
            "deleteRecordings",
            &[("recordID", ids.as_str())],
            xml::parse_delete_recordings,
        )
        .await
    }

    /// Runs a signed call and parses the body with `parse`.
    async fn call<T>(
        &self,
        ep: &Endpoint,
        call: &'static str,
        params: &[(&str, &str)],
        parse: fn(&str) -> Result<T, ResponseError>,
    ) -> Result<T, BbbError> {
        let url = ep.signed_url(call, params);
        let body = self.fetch(ep, call, &url).await?;
        parse(&body).map_err(|e| convert(ep, call, e))
    }

    /// `GET /bigbluebutton/api` (no checksum).
    pub async fn api_version(&self, ep: &Endpoint) -> Result<ApiVersion, BbbError> {
        let body = self.fetch(ep, "apiVersion", ep.api_url.as_str()).await?;
        xml::parse_api_version(&body).map_err(|e| convert(ep, "apiVersion", e))
    }

    /// `create`. A duplicateWarning is success (with the existing meeting's
    /// createTime); idNotUnique is an [`BbbError::Api`] error.
    pub async fn create(
        &self,
        ep: &Endpoint,
        req: &CreateMeeting,
    ) -> Result<CreatedMeeting, BbbError> {
        let owned = req.params();
        let params: Vec<(&str, &str)> = owned
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.call(ep, "create", &params, xml::parse_create).await
    }

    /// `getMeetings`; noMeetings gives an empty vector.
    pub async fn get_meetings(&self, ep: &Endpoint) -> Result<Vec<Meeting>, BbbError> {
        self.call(ep, "getMeetings", &[], xml::parse_get_meetings)
            .await
    }

    /// `getMeetingInfo`; an unknown meeting is an error with
    /// [`BbbError::is_not_found`] true.
    pub async fn get_meeting_info(
        &self,
        ep: &Endpoint,
        meeting_id: &str,
    ) -> Result<Meeting, BbbError> {
        self.call(
            ep,
            "getMeetingInfo",
            &[("meetingID", meeting_id)],
            xml::parse_meeting_info,
        )
        .await
    }

    /// `isMeetingRunning`; false for unknown meetings.
    pub async fn is_meeting_running(
        &self,
        ep: &Endpoint,
        meeting_id: &str,
    ) -> Result<bool, BbbError> {
        self.call(
            ep,
            "isMeetingRunning",
            &[("meetingID", meeting_id)],
            xml::parse_is_meeting_running,
        )
        .await
    }

    /// `sendChatMessage` (BBB 3.0+): posts `msg` to the meeting's public chat.
    /// Servers before 3.0 do not know the call (check
    /// [`BbbClient::server_version`] first); an unknown meeting is an
    /// [`BbbError::Api`] error.
    pub async fn send_chat_message(
        &self,
        ep: &Endpoint,
        msg: &ChatMessage,
    ) -> Result<(), BbbError> {
        let owned = msg.params();
        let params: Vec<(&str, &str)> = owned
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.call(ep, "sendChatMessage", &params, xml::parse_send_chat_message)
            .await
    }

    /// `end`. Ending is asynchronous on real BBB: poll afterwards.
    pub async fn end(&self, ep: &Endpoint, meeting_id: &str) -> Result<(), BbbError> {
        self.call(ep, "end", &[("meetingID", meeting_id)], xml::parse_end)
            .await
    }
}

/// Maps a reqwest failure (URL removed: it holds the checksum).
fn transport(ep: &Endpoint, call: &'static str, e: reqwest::Error) -> BbbError {
    if e.is_timeout() {
        BbbError::Timeout {
            server: ep.name.clone(),
            call,
        }
    } else {
        BbbError::Transport {
            server: ep.name.clone(),
            call,
            source: e.without_url(),
        }
    }
}

/// Attaches server and call to a parse error.
fn convert(ep: &Endpoint, call: &'static str, e: ResponseError) -> BbbError {
    match e {
        ResponseError::Malformed(detail) => BbbError::Malformed {
            server: ep.name.clone(),
            call,
            detail,
        },
        ResponseError::Failed { key, message } => BbbError::Api {
            server: ep.name.clone(),
            call,
            key,
            message,
        },
    }
}
#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::*;
    use crate::checksum::ChecksumAlgorithm;

    fn ep(base: &str) -> Endpoint {
        let url = url::Url::parse(base).expect("url");
        Endpoint::new(
            "bbb1",
            &url,
            SecretString::from("330a8b08c3b4c61533e1d0c5ce1ac88f"),
            ChecksumAlgorithm::Sha1,
        )
    }

    #[tokio::test]
    async fn transport_error_names_server_and_call() {
        // A port that refuses connections for the whole test. A socket that
        // is bound but never listens keeps the port reserved (no other
        // process can bind it meanwhile, unlike a listener bound and dropped
        // to learn a free port), and the kernel answers every connection
        // attempt to it with a RST: "connection refused". A listener that
        // never accepts would not do (the handshake completes in its
        // backlog and the call times out), and the simulator's `refuse`
        // fault accepts and then closes, a different error; the simulator
        // also lives in the app, which this crate must not depend on.
        let reserved = tokio::net::TcpSocket::new_v4().expect("socket");
        reserved
            .bind(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
            .expect("bind");
        let port = reserved.local_addr().expect("addr").port();
        let e = ep(&format!("http://127.0.0.1:{port}/bigbluebutton/"));
        let client = BbbClient::new(Timeouts::default()).expect("client");
        let err = client.get_meetings(&e).await.expect_err("must fail");
        let msg = err.to_string();
        assert!(
            msg.starts_with("BBB server bbb1: getMeetings failed: "),
            "{msg}"
        );
        assert!(msg.to_lowercase().contains("refused"), "{msg}");
        assert!(
            !msg.contains("checksum") && !msg.contains("330a8b08"),
            "{msg}"
        );
        assert!(!format!("{err:?}").contains("330a8b08"));
        assert_eq!(err.server(), "bbb1");
        drop(reserved);
    }
}

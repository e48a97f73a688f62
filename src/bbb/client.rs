//! Async HTTP client for the BBB API.
//!
//! An [`Endpoint`] is one BBB server (or Scalelite): its API URL, shared
//! secret and checksum algorithm. [`BbbClient`] wraps one `reqwest::Client`
//! (connection pool, connect and total timeouts, redirects followed for
//! Scalelite) and performs the calls hallway needs. Join URLs are only
//! built here, never fetched: browsers follow them.
//!
//! Signed URLs are built as strings and handed to reqwest unchanged; never
//! add parameters with `.query()` afterwards, that would break the checksum.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use super::checksum::{signed_query, ChecksumAlgorithm};
use super::error::BbbError;
use super::xml::{self, Meeting, ResponseError};

/// One BBB server as hallway sees it.
#[derive(Clone)]
pub struct Endpoint {
    /// Name used in logs and errors (for example `bbb1`).
    pub name: String,
    /// The API URL, always ending in `/bigbluebutton/api/`-style `/api/`.
    pub api_url: url::Url,
    secret: SecretString,
    /// Algorithm used to sign requests.
    pub algorithm: ChecksumAlgorithm,
}

impl Endpoint {
    /// Creates an endpoint. `base` may be `https://h/bigbluebutton/`,
    /// `https://h/bigbluebutton`, `https://h/bigbluebutton/api` or
    /// `https://h/bigbluebutton/api/`; query and fragment are dropped.
    pub fn new(
        name: impl Into<String>,
        base: &url::Url,
        secret: SecretString,
        algorithm: ChecksumAlgorithm,
    ) -> Self {
        let mut api_url = base.clone();
        api_url.set_query(None);
        api_url.set_fragment(None);
        let path = api_url.path().trim_end_matches('/').to_owned();
        let path = if path.ends_with("/api") {
            format!("{path}/")
        } else {
            format!("{path}/api/")
        };
        api_url.set_path(&path);
        Self {
            name: name.into(),
            api_url,
            secret,
            algorithm,
        }
    }

    /// The full signed URL for `call` with `params` in the given order.
    /// Give this exact string to the HTTP client.
    pub fn signed_url(&self, call: &str, params: &[(&str, &str)]) -> String {
        let query = signed_query(self.algorithm, call, params, self.secret.expose_secret());
        format!("{}{}?{}", self.api_url, call, query)
    }

    /// The signed join URL for a browser (or, with `redirect: false`, for a
    /// server-side check). Parameters, in order: meetingID, fullName, role,
    /// password, userID, createTime, redirect (only when false), extra.
    pub fn join_url(&self, req: &JoinRequest) -> String {
        let create_time = req.create_time.map(|t| t.to_string());
        let mut params: Vec<(&str, &str)> = vec![
            ("meetingID", &req.meeting_id),
            ("fullName", &req.full_name),
            ("role", req.role.as_str()),
        ];
        if let Some(pw) = &req.password {
            params.push(("password", pw));
        }
        if let Some(uid) = &req.user_id {
            params.push(("userID", uid));
        }
        if let Some(ct) = &create_time {
            params.push(("createTime", ct));
        }
        if !req.redirect {
            params.push(("redirect", "false"));
        }
        for (k, v) in &req.extra {
            params.push((k, v));
        }
        self.signed_url("join", &params)
    }

    /// The unsigned API root URL (version information).
    pub fn root_url(&self) -> String {
        self.api_url.to_string()
    }
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("name", &self.name)
            .field("api_url", &self.api_url.as_str())
            .field("secret", &"[REDACTED]")
            .field("algorithm", &self.algorithm)
            .finish()
    }
}

/// Role of a joining user (BBB 2.4+ `role` parameter).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// `MODERATOR`.
    Moderator,
    /// `VIEWER`.
    Viewer,
}

impl Role {
    /// `"MODERATOR"` or `"VIEWER"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Moderator => "MODERATOR",
            Self::Viewer => "VIEWER",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for a role string that is neither MODERATOR nor VIEWER.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?} (expected MODERATOR or VIEWER)")]
pub struct ParseRoleError(pub String);

impl FromStr for Role {
    type Err = ParseRoleError;

    /// Case-insensitive, like BBB.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim().eq_ignore_ascii_case("MODERATOR") {
            Ok(Self::Moderator)
        } else if s.trim().eq_ignore_ascii_case("VIEWER") {
            Ok(Self::Viewer)
        } else {
            Err(ParseRoleError(s.to_owned()))
        }
    }
}

/// Timeouts applied to every call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// TCP/TLS connect timeout.
    pub connect: Duration,
    /// Whole request including reading the body.
    pub total: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(3),
            total: Duration::from_secs(10),
        }
    }
}

/// Version information from the API root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiVersion {
    /// `version` (`2.0` on every current server, Scalelite included).
    pub version: String,
    /// `apiVersion` (BBB 2.4+).
    pub api_version: Option<String>,
    /// `bbbVersion` (BBB 2.4+, `None` when empty, i.e. not revealed).
    pub bbb_version: Option<String>,
}

/// Parameters of `create`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CreateMeeting {
    /// `meetingID` (2–256 characters, no comma).
    pub meeting_id: String,
    /// `name`.
    pub name: String,
    /// `attendeePW`; send the same one on every create of a room.
    pub attendee_pw: Option<String>,
    /// `moderatorPW`; send the same one on every create of a room.
    pub moderator_pw: Option<String>,
    /// `welcome` (HTML).
    pub welcome: Option<String>,
    /// `logoutURL`.
    pub logout_url: Option<String>,
    /// `record`.
    pub record: bool,
    /// `autoStartRecording`.
    pub auto_start_recording: bool,
    /// `allowStartStopRecording`.
    pub allow_start_stop_recording: bool,
    /// `muteOnStart`.
    pub mute_on_start: bool,
    /// Metadata; names WITHOUT the `meta_` prefix.
    pub meta: Vec<(String, String)>,
}

impl CreateMeeting {
    /// The query parameters, in a fixed order.
    pub fn params(&self) -> Vec<(String, String)> {
        let b = |v: bool| if v { "true" } else { "false" }.to_owned();
        let mut p = vec![
            ("meetingID".to_owned(), self.meeting_id.clone()),
            ("name".to_owned(), self.name.clone()),
        ];
        if let Some(v) = &self.attendee_pw {
            p.push(("attendeePW".into(), v.clone()));
        }
        if let Some(v) = &self.moderator_pw {
            p.push(("moderatorPW".into(), v.clone()));
        }
        if let Some(v) = &self.welcome {
            p.push(("welcome".into(), v.clone()));
        }
        if let Some(v) = &self.logout_url {
            p.push(("logoutURL".into(), v.clone()));
        }
        p.push(("record".into(), b(self.record)));
        p.push(("autoStartRecording".into(), b(self.auto_start_recording)));
        p.push((
            "allowStartStopRecording".into(),
            b(self.allow_start_stop_recording),
        ));
        p.push(("muteOnStart".into(), b(self.mute_on_start)));
        for (k, v) in &self.meta {
            p.push((format!("meta_{k}"), v.clone()));
        }
        p
    }
}

/// Result of `create` (fresh or duplicateWarning).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreatedMeeting {
    /// `meetingID`.
    pub meeting_id: String,
    /// `internalMeetingID` (empty on pre-1.1 servers).
    pub internal_meeting_id: String,
    /// `createTime`, epoch ms; pass it to join as `createTime`.
    pub create_time: i64,
    /// `attendeePW`.
    pub attendee_pw: Option<String>,
    /// `moderatorPW`.
    pub moderator_pw: Option<String>,
    /// True if the meeting already existed (`messageKey=duplicateWarning`).
    pub duplicate_warning: bool,
}

/// Parameters of a join URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinRequest {
    /// `meetingID`.
    pub meeting_id: String,
    /// `fullName`.
    pub full_name: String,
    /// `role`.
    pub role: Role,
    /// `userID` (external user id).
    pub user_id: Option<String>,
    /// `createTime` from create, so the URL cannot join a later session.
    pub create_time: Option<i64>,
    /// `password` (for pre-2.4 servers).
    pub password: Option<String>,
    /// `redirect`; false makes BBB answer XML instead of a 302.
    pub redirect: bool,
    /// Further parameters (`userdata-*`, `avatarURL`, ...), in order.
    pub extra: Vec<(String, String)>,
}

/// The BBB API client. Cheap to clone (shares the connection pool).
#[derive(Clone)]
pub struct BbbClient {
    http: reqwest::Client,
}

impl fmt::Debug for BbbClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BbbClient").finish_non_exhaustive()
    }
}

impl BbbClient {
    /// Builds the client with these timeouts; redirects are followed
    /// (Scalelite answers join and some calls with 302).
    pub fn new(timeouts: Timeouts) -> Result<Self, BbbError> {
        let http = reqwest::Client::builder()
            .connect_timeout(timeouts.connect)
            .timeout(timeouts.total)
            .redirect(reqwest::redirect::Policy::limited(5))
            .user_agent(concat!("hallway/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|source| BbbError::Init { source })?;
        Ok(Self { http })
    }

    /// GETs `url` and returns the body, mapping transport failures.
    async fn fetch(
        &self,
        ep: &Endpoint,
        call: &'static str,
        url: &str,
    ) -> Result<String, BbbError> {
        let map = |e: reqwest::Error| {
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
        };
        tracing::debug!(server = %ep.name, call, "BBB API call");
        let resp = self.http.get(url).send().await.map_err(map)?;
        let status = resp.status();
        if !status.is_success() {
            return Err(BbbError::HttpStatus {
                server: ep.name.clone(),
                call,
                status: status.as_u16(),
            });
        }
        resp.text().await.map_err(map)
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

    /// `end`. Ending is asynchronous on real BBB: poll afterwards.
    pub async fn end(&self, ep: &Endpoint, meeting_id: &str) -> Result<(), BbbError> {
        self.call(ep, "end", &[("meetingID", meeting_id)], xml::parse_end)
            .await
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
    use super::*;

    fn ep(base: &str) -> Endpoint {
        let url = url::Url::parse(base).expect("url");
        Endpoint::new(
            "bbb1",
            &url,
            SecretString::from("330a8b08c3b4c61533e1d0c5ce1ac88f"),
            ChecksumAlgorithm::Sha1,
        )
    }

    #[test]
    fn endpoint_normalises_base() {
        for base in [
            "https://bbb.example.org/bigbluebutton/",
            "https://bbb.example.org/bigbluebutton",
            "https://bbb.example.org/bigbluebutton/api",
            "https://bbb.example.org/bigbluebutton/api/",
            "https://bbb.example.org/bigbluebutton/api/?x=1#f",
        ] {
            assert_eq!(
                ep(base).api_url.as_str(),
                "https://bbb.example.org/bigbluebutton/api/",
                "{base}"
            );
        }
    }

    #[test]
    fn signed_url_matches_peers() {
        let e = ep("https://bbb.example.org/bigbluebutton/");
        assert_eq!(
            e.signed_url("create", &[("meetingID", "lpc-room-1"), ("name", "LPC Room 1")]),
            "https://bbb.example.org/bigbluebutton/api/create?meetingID=lpc-room-1&name=LPC+Room+1&checksum=2da668cfebe8a65b830721241068fac5c88e0d1a"
        );
        let join = e.join_url(&JoinRequest {
            meeting_id: "lpc-room-1".into(),
            full_name: "Jörg Rödel".into(),
            role: Role::Moderator,
            user_id: None,
            create_time: None,
            password: None,
            redirect: true,
            extra: vec![],
        });
        // test-peers.md §5, bigbluebutton2 join (same parameter order).
        assert_eq!(
            join,
            "https://bbb.example.org/bigbluebutton/api/join?meetingID=lpc-room-1&fullName=J%C3%B6rg+R%C3%B6del&role=MODERATOR&checksum=7ac2d1f7f86074cc35657232da265fbd803d5f60"
        );
        // reqwest/url must leave the string unchanged.
        assert_eq!(url::Url::parse(&join).expect("parse").as_str(), join);
    }

    #[test]
    fn debug_redacts_secret() {
        let e = ep("https://bbb.example.org/bigbluebutton/");
        let dbg = format!("{e:?}");
        assert!(!dbg.contains("330a8b08"), "{dbg}");
        assert!(dbg.contains("REDACTED"));
    }

    #[test]
    fn role_parse() {
        assert_eq!("moderator".parse::<Role>(), Ok(Role::Moderator));
        assert_eq!("Viewer".parse::<Role>(), Ok(Role::Viewer));
        assert!("admin".parse::<Role>().is_err());
        assert_eq!(Role::Viewer.as_str(), "VIEWER");
    }

    #[tokio::test]
    async fn transport_error_names_server_and_call() {
        // Bind and drop a listener to get a port that refuses connections.
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
            l.local_addr().expect("addr").port()
        };
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
    }
}

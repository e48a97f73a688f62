//! Value types of the BBB API: what hallway sends, what it gets back, and the version rules.
//!
//! Plain data with no I/O, shared by the parsers ([`crate::xml`]), the HTTP client
//! ([`crate::client`]) and the portal: a server [`Endpoint`] (API URL, secret, algorithm,
//! optional version) and the URLs it signs, the [`ServerVersion`] rules ([`JoinStyle`], how
//! join errors arrive), [`Role`], the parameters of `create`, `join` and `getRecordings`,
//! and the answers of the API root and `create`. Kept apart from the client so that the
//! parsers need not import the client and the client need not import anything that imports
//! it back.
//!
//! Signed URLs are built as strings; hand them to the HTTP client unchanged (adding
//! parameters afterwards would break the checksum).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use crate::checksum::{push_signed_query, query_capacity, ChecksumAlgorithm};

/// A BBB version as far as the API differs (major.minor).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServerVersion {
    /// Major version (2, 3).
    pub major: u16,
    /// Minor version.
    pub minor: u16,
}

impl ServerVersion {
    /// BBB 2.2 (password join, 302 join errors, no apiVersion).
    pub const V2_2: Self = Self::new(2, 2);
    /// BBB 2.4 (role join, apiVersion/bbbVersion in the API root).
    pub const V2_4: Self = Self::new(2, 4);
    /// BBB 2.6 (last version with 302 join errors).
    pub const V2_6: Self = Self::new(2, 6);
    /// BBB 2.7 (join errors as XML with `redirect=false`).
    pub const V2_7: Self = Self::new(2, 7);
    /// BBB 3.0.
    pub const V3_0: Self = Self::new(3, 0);

    /// `major.minor`.
    pub const fn new(major: u16, minor: u16) -> Self {
        Self { major, minor }
    }

    /// Reads the leading `major.minor` of a version string such as `2.7.3`,
    /// `3.0-hallway-sim` or `2.4-rc-7`.
    pub fn parse_lenient(s: &str) -> Option<Self> {
        let s = s.trim();
        let mut parts = s.splitn(3, |c: char| !c.is_ascii_digit());
        let major = parts.next()?.parse().ok()?;
        let minor_str = s.get(s.find('.')? + 1..)?;
        let digits: String = minor_str.chars().take_while(char::is_ascii_digit).collect();
        let minor = digits.parse().ok()?;
        Some(Self::new(major, minor))
    }

    /// The version an API root answer implies: `bbbVersion` when revealed,
    /// else 2.4 when `apiVersion` is present (2.4 added it), else 2.2 (the
    /// conservative choice for ≤ 2.3 and for Scalelite, which shows
    /// neither: password join works everywhere).
    pub fn from_api_version(v: &ApiVersion) -> Self {
        if let Some(parsed) = v.bbb_version.as_deref().and_then(Self::parse_lenient) {
            return parsed;
        }
        if v.api_version.is_some() {
            Self::V2_4
        } else {
            Self::V2_2
        }
    }

    /// How join must name the role on this version.
    pub fn join_style(self) -> JoinStyle {
        if self >= Self::V2_4 {
            JoinStyle::Role
        } else {
            JoinStyle::Password
        }
    }

    /// True if `redirect=false` joins report errors as XML (2.7+); older
    /// versions always answer errors with a 302 to `…?errors=`.
    pub fn join_errors_as_xml(self) -> bool {
        self >= Self::V2_7
    }
}

impl fmt::Display for ServerVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// Error for a version string that is not `major.minor`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid BBB version {0:?} (expected for example 2.6 or 3.0)")]
pub struct ParseVersionError(pub String);

impl FromStr for ServerVersion {
    type Err = ParseVersionError;

    /// `2.6`, `3.0`, `2.7.3` (patch ignored).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_lenient(s).ok_or_else(|| ParseVersionError(s.to_owned()))
    }
}

/// How a join URL tells BBB the user's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JoinStyle {
    /// `role=MODERATOR|VIEWER` (BBB 2.4+); no password in the URL.
    Role,
    /// `password=<moderatorPW|attendeePW>` (every version; needed before
    /// 2.4). [`JoinRequest::password`] must hold the matching password.
    Password,
}

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
    /// The server's BBB version if configured; `None` means detect it from
    /// the API root ([`BbbClient::server_version`](crate::BbbClient::server_version)).
    pub version: Option<ServerVersion>,
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
            version: None,
        }
    }

    /// Sets the server version instead of detecting it.
    pub fn with_version(mut self, version: ServerVersion) -> Self {
        self.version = Some(version);
        self
    }

    /// The full signed URL for `call` with `params` in the given order.
    /// Give this exact string to the HTTP client.
    pub fn signed_url(&self, call: &str, params: &[(&str, &str)]) -> String {
        let api = self.api_url.as_str();
        let mut url = String::with_capacity(
            api.len() + call.len() + 1 + query_capacity(self.algorithm, params),
        );
        url.push_str(api);
        url.push_str(call);
        url.push('?');
        push_signed_query(
            &mut url,
            self.algorithm,
            call,
            params,
            self.secret.expose_secret(),
        );
        url
    }

    /// The signed join URL for a browser (or, with `redirect: false`, for a
    /// server-side check), in the [`JoinStyle`] of the configured version
    /// ([`JoinStyle::Role`] if none is configured; use
    /// [`BbbClient::join_url`](crate::BbbClient::join_url) to detect it).
    pub fn join_url(&self, req: &JoinRequest<'_>) -> String {
        let style = self
            .version
            .map_or(JoinStyle::Role, ServerVersion::join_style);
        self.join_url_with(req, style)
    }

    /// The signed join URL in the given style. Parameters, in order:
    /// meetingID, fullName, role (Role style, or Password style without a
    /// password), password (Password style), userID, createTime, redirect
    /// (only when false), extra.
    pub fn join_url_with(&self, req: &JoinRequest<'_>, style: JoinStyle) -> String {
        let create_time = req.create_time.map(|t| t.to_string());
        let mut params: Vec<(&str, &str)> = Vec::with_capacity(6 + req.extra.len());
        params.push(("meetingID", req.meeting_id));
        params.push(("fullName", req.full_name));
        match (style, req.password) {
            (JoinStyle::Password, Some(pw)) => params.push(("password", pw)),
            _ => params.push(("role", req.role.as_str())),
        }
        if let Some(uid) = req.user_id {
            params.push(("userID", uid));
        }
        if let Some(ct) = &create_time {
            params.push(("createTime", ct));
        }
        if !req.redirect {
            params.push(("redirect", "false"));
        }
        params.extend_from_slice(req.extra);
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
            .field("version", &self.version)
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
    /// `maxParticipants` (BBB counts everyone, moderators included); `None`: not sent.
    pub max_participants: Option<u32>,
    /// `meetingExpireIfNoUserJoinedInMinutes` (BBB 2.5+); `None`: the server's default.
    pub expire_if_no_user_joined_minutes: Option<u32>,
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
        if let Some(n) = self.max_participants {
            p.push(("maxParticipants".into(), n.to_string()));
        }
        if let Some(n) = self.expire_if_no_user_joined_minutes {
            p.push(("meetingExpireIfNoUserJoinedInMinutes".into(), n.to_string()));
        }
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

/// Parameters of a join URL, borrowed: building one per join copies nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinRequest<'a> {
    /// `meetingID`.
    pub meeting_id: &'a str,
    /// `fullName`.
    pub full_name: &'a str,
    /// `role`.
    pub role: Role,
    /// `userID` (external user id).
    pub user_id: Option<&'a str>,
    /// `createTime` from create, so the URL cannot join a later session.
    pub create_time: Option<i64>,
    /// `password`: the moderatorPW or attendeePW matching `role`. Sent
    /// only in [`JoinStyle::Password`] (pre-2.4 servers); without it the
    /// role is sent instead.
    pub password: Option<&'a str>,
    /// `redirect`; false makes BBB answer XML instead of a 302.
    pub redirect: bool,
    /// Further parameters (`userdata-*`, `avatarURL`, ...), in order.
    pub extra: &'a [(&'a str, &'a str)],
}

/// Filters of `getRecordings` (all optional; empty means not sent).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordingsQuery {
    /// `meetingID`s (external ids), sent comma-separated.
    pub meeting_ids: Vec<String>,
    /// `recordID`s (prefixes act as wildcards); BBB then ignores meetingID.
    pub record_ids: Vec<String>,
    /// `state`s (`published`, `unpublished`, `processing`, ..., or `any`);
    /// BBB's default is published and unpublished.
    pub states: Vec<String>,
    /// Metadata filters; names WITHOUT the `meta_` prefix.
    pub meta: Vec<(String, String)>,
}

impl RecordingsQuery {
    /// The query parameters, in a fixed order.
    pub fn params(&self) -> Vec<(String, String)> {
        let mut p = Vec::new();
        if !self.meeting_ids.is_empty() {
            p.push(("meetingID".to_owned(), self.meeting_ids.join(",")));
        }
        if !self.record_ids.is_empty() {
            p.push(("recordID".to_owned(), self.record_ids.join(",")));
        }
        if !self.states.is_empty() {
            p.push(("state".to_owned(), self.states.join(",")));
        }
        for (k, v) in &self.meta {
            p.push((format!("meta_{k}"), v.clone()));
        }
        p
    }
}

// --- sendChatMessage (BBB 3.0) ------------------------------------------------------------

/// `sendChatMessage` (BBB 3.0+): a message in the meeting's public chat, for
/// example "this room moves to another server". bbb-web validates `message`
/// at 1–500 characters and `userName` at most 255 (its `SendChatMessage`
/// request class); [`ChatMessage::params`] shortens longer values to fit
/// instead of letting BBB refuse them. Older servers do not know the call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChatMessage {
    /// The meeting (external `meetingID`).
    pub meeting_id: String,
    /// The text; BBB escapes it (no HTML, no Markdown).
    pub message: String,
    /// The sender's name shown in the chat; BBB's default is "System".
    pub user_name: Option<String>,
}

impl ChatMessage {
    /// Longest `message` bbb-web accepts, in characters.
    pub const MAX_MESSAGE_CHARS: usize = 500;
    /// Longest `userName` bbb-web accepts, in characters.
    pub const MAX_USER_NAME_CHARS: usize = 255;

    /// The query parameters, in a fixed order: `meetingID`, `message`,
    /// `userName` (only when set), each cut to bbb-web's limit (a message
    /// ends with `…` when it was cut).
    pub fn params(&self) -> Vec<(String, String)> {
        let mut p = vec![
            ("meetingID".to_owned(), self.meeting_id.clone()),
            (
                "message".to_owned(),
                fit(&self.message, Self::MAX_MESSAGE_CHARS, "…"),
            ),
        ];
        if let Some(name) = self.user_name.as_deref().filter(|n| !n.is_empty()) {
            p.push((
                "userName".to_owned(),
                fit(name, Self::MAX_USER_NAME_CHARS, ""),
            ));
        }
        p
    }
}

/// `s` if it has at most `max` characters, else its first characters and
/// `tail`, `max` characters in all.
fn fit(s: &str, max: usize, tail: &str) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let keep = max - tail.chars().count();
    let mut out: String = s.chars().take(keep).collect();
    out.push_str(tail);
    out
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
            meeting_id: "lpc-room-1",
            full_name: "Jörg Rödel",
            role: Role::Moderator,
            user_id: None,
            create_time: None,
            password: None,
            redirect: true,
            extra: &[],
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
    fn server_version_parsing_and_rules() {
        let p = ServerVersion::parse_lenient;
        assert_eq!(p("3.0.19"), Some(ServerVersion::V3_0));
        assert_eq!(p("2.4-rc-7"), Some(ServerVersion::V2_4));
        assert_eq!(p("2.6-hallway-sim"), Some(ServerVersion::V2_6));
        assert_eq!(p(" 2.10 "), Some(ServerVersion::new(2, 10)));
        assert_eq!(p(""), None);
        assert_eq!(p("3"), None);
        assert_eq!(p("x.y"), None);
        assert!("2.6".parse::<ServerVersion>().is_ok());
        assert!("auto".parse::<ServerVersion>().is_err());
        assert_eq!(ServerVersion::V2_7.to_string(), "2.7");
        assert!(ServerVersion::new(2, 10) > ServerVersion::V2_7);
        assert_eq!(ServerVersion::V2_2.join_style(), JoinStyle::Password);
        assert_eq!(ServerVersion::V2_4.join_style(), JoinStyle::Role);
        assert!(!ServerVersion::V2_6.join_errors_as_xml());
        assert!(ServerVersion::V2_7.join_errors_as_xml());
        let av = |api: Option<&str>, bbb: Option<&str>| ApiVersion {
            version: "2.0".into(),
            api_version: api.map(Into::into),
            bbb_version: bbb.map(Into::into),
        };
        // The three api-version fixtures, ≤ 2.3 and Scalelite.
        let from = ServerVersion::from_api_version;
        assert_eq!(from(&av(Some("2.0"), Some("3.0.19"))), ServerVersion::V3_0);
        assert_eq!(
            from(&av(Some("2.0"), Some("2.4-rc-7"))),
            ServerVersion::V2_4
        );
        assert_eq!(from(&av(Some("2.0"), None)), ServerVersion::V2_4);
        assert_eq!(from(&av(None, None)), ServerVersion::V2_2);
    }

    #[test]
    fn join_styles() {
        let e = ep("https://bbb.example.org/bigbluebutton/");
        let mut req = JoinRequest {
            meeting_id: "m",
            full_name: "Ada",
            role: Role::Viewer,
            user_id: Some("7"),
            create_time: Some(12),
            password: Some("ap"),
            redirect: false,
            extra: &[("userdata-x", "y")],
        };
        let q = |url: String| {
            url.split_once('?')
                .map(|(_, q)| q.to_owned())
                .unwrap_or_default()
        };
        assert!(q(e.join_url_with(&req, JoinStyle::Role)).starts_with(
            "meetingID=m&fullName=Ada&role=VIEWER&userID=7&createTime=12&redirect=false&userdata-x=y&checksum="
        ));
        assert!(q(e.join_url_with(&req, JoinStyle::Password))
            .starts_with("meetingID=m&fullName=Ada&password=ap&userID=7"));
        // Default (no version): role; a 2.2 endpoint: password.
        assert!(e.join_url(&req).contains("role=VIEWER"));
        let old = e.clone().with_version(ServerVersion::V2_2);
        assert!(old.join_url(&req).contains("password=ap"));
        // Password style without a password falls back to the role.
        req.password = None;
        assert!(old.join_url(&req).contains("role=VIEWER"));
        // The configured version itself, the style it implies, and that Debug shows it.
        assert_eq!(old.version, Some(ServerVersion::V2_2));
        assert_eq!(
            old.version.map(ServerVersion::join_style),
            Some(JoinStyle::Password)
        );
        assert!(
            format!("{old:?}").contains("version: Some(ServerVersion { major: 2, minor: 2 })"),
            "{old:?}"
        );
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

    #[test]
    fn recordings_query_sends_comma_lists_states_and_meta_filters_signed() {
        let q = RecordingsQuery {
            meeting_ids: vec!["hallway-mc1-0123456789ab".into(), "hallway-mc1".into()],
            record_ids: vec![],
            states: vec!["published".into(), "unpublished".into()],
            meta: vec![("bbb-origin".into(), "hallway".into())],
        };
        assert_eq!(
            q.params(),
            [
                (
                    "meetingID".to_owned(),
                    "hallway-mc1-0123456789ab,hallway-mc1".to_owned()
                ),
                ("state".to_owned(), "published,unpublished".to_owned()),
                ("meta_bbb-origin".to_owned(), "hallway".to_owned()),
            ]
        );
        assert!(RecordingsQuery::default().params().is_empty());
        let owned = q.params();
        let params: Vec<(&str, &str)> = owned
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let url = ep("https://bbb.example.org/bigbluebutton/").signed_url("getRecordings", &params);
        assert!(
            url.starts_with(
                "https://bbb.example.org/bigbluebutton/api/getRecordings?meetingID=hallway-mc1-0123456789ab%2Challway-mc1&state=published%2Cunpublished&meta_bbb-origin=hallway&checksum="
            ),
            "{url}"
        );
    }

    #[test]
    fn chat_message_params_are_signed_in_order_and_cut_to_bbb_limits() {
        let e = ep("https://bbb.example.org/bigbluebutton/");
        let msg = ChatMessage {
            meeting_id: "lpc-room-1".into(),
            message: "This room moves to bbb2 & starts again in 1 min".into(),
            user_name: Some("hallway".into()),
        };
        let owned = msg.params();
        let params: Vec<(&str, &str)> = owned
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let url = e.signed_url("sendChatMessage", &params);
        let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
        let (signed, sum) = query.rsplit_once("&checksum=").expect("checksum last");
        assert_eq!(
            signed,
            "meetingID=lpc-room-1&message=This+room+moves+to+bbb2+%26+starts+again+in+1+min&userName=hallway"
        );
        assert_eq!(
            sum,
            crate::checksum::checksum(
                ChecksumAlgorithm::Sha1,
                "sendChatMessage",
                signed,
                "330a8b08c3b4c61533e1d0c5ce1ac88f"
            )
        );
        let long = ChatMessage {
            meeting_id: "m".into(),
            message: "ä".repeat(600),
            user_name: Some("n".repeat(300)),
        };
        let p = long.params();
        assert_eq!(p[1].1.chars().count(), ChatMessage::MAX_MESSAGE_CHARS);
        assert!(p[1].1.ends_with('…'));
        assert_eq!(p[2].1.chars().count(), ChatMessage::MAX_USER_NAME_CHARS);
        let anonymous = ChatMessage {
            user_name: None,
            ..msg
        };
        assert_eq!(
            anonymous.params().len(),
            2,
            "no userName: BBB's default sender"
        );
    }
}

//! Configuration, parsed once at startup into typed settings.
//!
//! Sources, later ones winning: built-in defaults, an optional TOML file (`--config`, default
//! `hallway.toml` in the working directory), then environment variables
//! `HALLWAY__SECTION__KEY` (for example `HALLWAY__SERVER__LISTEN=0.0.0.0:8080`).
//! `hallway.example.toml` documents every key. After [`Settings::load`] the rest of the program
//! never sees a raw string: addresses, URLs, zones, durations and slugs are already parsed, and
//! every cross-reference (room → server) is checked. Secrets are `SecretString`s: they are
//! redacted in `Debug` and in `hallway print-config`.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use chrono_tz::Tz;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize, Serializer};
use url::Url;

use crate::auth::user::UserRole;
use crate::bbb::Endpoint;
use crate::bbb::{ChecksumAlgorithm, ServerVersion};
use crate::lobby::policy::StartPolicies;
use crate::rooms::model::{JoinWindow, Room, RoomKind, RoomSlug, ServerName};
use crate::rooms::RoomDirectory;

/// The example configuration, embedded so `hallway demo` works from any directory.
pub const EXAMPLE_CONFIG: &str = include_str!("../hallway.example.toml");

/// The whole configuration as written (after layering), before cross-checks.
#[derive(Debug, Deserialize, Serialize, Default, Clone)]
#[serde(deny_unknown_fields, default)]
pub struct RawSettings {
    /// HTTP listener and public identity.
    pub server: RawServer,
    /// Where hallway keeps its data.
    pub database: RawDatabase,
    /// Conference-wide settings.
    pub conference: RawConference,
    /// BigBlueButton servers and how to talk to them.
    pub bbb: RawBbb,
    /// Video rooms.
    pub rooms: Vec<RawRoom>,
    /// Where the schedule comes from and how big it may be.
    pub schedule: RawSchedule,
    /// Logins, sessions and guests.
    pub auth: RawAuth,
    /// The status poller, server health and pre-warming.
    pub status: RawStatus,
    /// The Prometheus endpoint.
    pub metrics: RawMetrics,
    /// Logging in through an OpenID Connect provider (off unless `issuer` is set).
    pub oidc: RawOidc,
    /// Sending e-mailed login links (off unless `host` is set).
    pub smtp: RawSmtp,
    /// Who may start a room's meeting, per room kind (the lobby).
    pub lobby: RawLobby,
}

/// `[lobby]`
#[derive(Debug, Deserialize, Serialize, Clone, Default)]
#[serde(deny_unknown_fields, default)]
pub struct RawLobby {
    /// `[lobby.start]`: `anyone` or `moderator` per room kind.
    pub start: StartPolicies,
}

/// `[oidc]`
#[derive(Debug, Deserialize, Serialize, Clone)]
#[serde(deny_unknown_fields, default)]
pub struct RawOidc {
    /// The provider's issuer URL (discovery reads `{issuer}/.well-known/openid-configuration`).
    /// Unset: no OpenID Connect login.
    pub issuer: Option<String>,
    /// Shown on the login page as "Log in with {display_name}".
    pub display_name: String,
    /// The client id registered at the provider.
    pub client_id: String,
    /// The client secret (sent with HTTP Basic authentication to the token endpoint).
    #[serde(serialize_with = "redact_opt")]
    pub client_secret: Option<SecretString>,
    /// Scopes asked for besides `openid`.
    pub scopes: Vec<String>,
    /// The claim (id token or userinfo) whose values `roles` and `tracks` map, e.g. `groups`;
    /// a dotted path (`realm_access.roles`) reaches into objects.
    pub roles_claim: Option<String>,
    /// Claim value → `attendee`, `moderator`, `staff` or `admin` (the highest one counts;
    /// everyone the provider logs in is at least an attendee).
    pub roles: std::collections::BTreeMap<String, String>,
    /// Claim value → schedule tracks whose sessions that person moderates.
    pub tracks: std::collections::BTreeMap<String, Vec<String>>,
}

impl Default for RawOidc {
    fn default() -> Self {
        Self {
            issuer: None,
            display_name: "your conference account".into(),
            client_id: String::new(),
            client_secret: None,
            scopes: vec!["email".into(), "profile".into()],
            roles_claim: None,
            roles: Default::default(),
            tracks: Default::default(),
        }
    }
}

/// `[smtp]`
#[derive(Debug, Deserialize, Serialize, Clone)]
#[serde(deny_unknown_fields, default)]
pub struct RawSmtp {
    /// The mail server. Unset: no "Email me a login link".
    pub host: Option<String>,
    /// Its port (default: 465 for `tls`, 587 for `starttls`, 25 for `none`).
    pub port: Option<u16>,
    /// `starttls` (default), `tls` (implicit TLS, "SMTPS") or `none` (a relay on this host).
    pub tls: String,
    /// The sender, e.g. `Conference <noreply@example.org>`.
    pub from: String,
    /// User name for SMTP authentication, if the server wants one.
    pub username: Option<String>,
    /// Its password.
    #[serde(serialize_with = "redact_opt")]
    pub password: Option<SecretString>,
    /// A PEM file of CA certificates to trust for the mail server besides the public roots
    /// (a relay with a private CA).
    pub ca_file: Option<String>,
    /// Login links one address may ask for within `auth.failure_window_secs` (all instances).
    pub links_per_email: u32,
    /// Seconds a mail server may take for one message.
    pub timeout_secs: u64,
}

impl Default for RawSmtp {
    fn default() -> Self {
        Self {
            host: None,
            port: None,
            tls: "starttls".into(),
            from: String::new(),
            username: None,
            password: None,
            ca_file: None,
            links_per_email: 3,
            timeout_secs: 20,
        }
    }
}

/// `[status]`
#[derive(Debug, Deserialize, Serialize, Clone)]
#[serde(deny_unknown_fields, default)]
pub struct RawStatus {
    /// How many servers one poll round asks at the same time.
    pub poll_concurrency: usize,
    /// Failed polls in a row after which a server counts as DOWN.
    pub down_after_failures: u32,
    /// Good polls in a row after which a DOWN server counts as UP again.
    pub up_after_successes: u32,
    /// Minutes before a session starts that its meeting is created (0: no pre-warming).
    pub prewarm_lead_minutes: u32,
    /// Seconds between announcing a deliberate move in a running meeting (BBB 3.0 chat) and
    /// ending that meeting on its old server.
    pub move_end_delay_secs: u64,
    /// Bearer token for `GET /api/v1/status` (and `/metrics` unless public); unset: staff
    /// sessions only.
    #[serde(serialize_with = "redact_opt")]
    pub api_token: Option<SecretString>,
}

impl Default for RawStatus {
    fn default() -> Self {
        Self {
            poll_concurrency: 64,
            down_after_failures: 2,
            up_after_successes: 2,
            prewarm_lead_minutes: 5,
            move_end_delay_secs: 60,
            api_token: None,
        }
    }
}

/// `[metrics]`
#[derive(Debug, Deserialize, Serialize, Clone, Default)]
#[serde(deny_unknown_fields, default)]
pub struct RawMetrics {
    /// A separate address serving only `GET /metrics`, without authentication (bind it to a
    /// private interface). Unset: `/metrics` is served on the main port only.
    pub listen: Option<String>,
    /// Serve `/metrics` on the main port to anyone. Default false: staff sessions or the
    /// `status.api_token` bearer token only.
    pub public: bool,
}

/// `[auth]`
#[derive(Debug, Deserialize, Serialize, Clone)]
#[serde(deny_unknown_fields, default)]
pub struct RawAuth {
    /// Guest mode until an admin switches it at run time (the switch is stored).
    pub guests: bool,
    /// Names guests may not take, besides the staff, moderators and admins of the registration
    /// list (compared case-insensitively).
    pub reserved_names: Vec<String>,
    /// Seconds a session of a guest, attendee or moderator may stay unused.
    pub idle_secs: u64,
    /// Seconds such a session lasts at most.
    pub absolute_secs: u64,
    /// Seconds a staff or admin session may stay unused.
    pub staff_idle_secs: u64,
    /// Seconds a staff or admin session lasts at most.
    pub staff_absolute_secs: u64,
    /// Addresses of reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<String>,
    /// Login attempts (codes, links, guests) per client address and minute, per instance.
    pub attempts_per_ip_per_minute: u32,
    /// Failed code logins per e-mail address within `failure_window_secs`, on all instances.
    pub failures_per_email: u32,
    /// The window of `failures_per_email`, in seconds.
    pub failure_window_secs: u64,
}

impl Default for RawAuth {
    fn default() -> Self {
        Self {
            guests: false,
            reserved_names: Vec::new(),
            idle_secs: 7 * 24 * 3600,
            absolute_secs: 14 * 24 * 3600,
            staff_idle_secs: 4 * 3600,
            staff_absolute_secs: 24 * 3600,
            trusted_proxies: Vec::new(),
            attempts_per_ip_per_minute: 20,
            failures_per_email: 5,
            failure_window_secs: 900,
        }
    }
}

/// `[schedule]`
#[derive(Debug, Deserialize, Serialize, Clone)]
#[serde(deny_unknown_fields, default)]
pub struct RawSchedule {
    /// URL of the schedule export to pull periodically (frab XML/JSON, Indico JSON, iCal).
    #[serde(serialize_with = "redact_opt_url")]
    pub url: Option<String>,
    /// Seconds between two pulls of `url`.
    pub pull_interval_secs: u64,
    /// Largest schedule file accepted, in bytes (uploads, pulls and files).
    pub max_bytes: usize,
    /// Follow a redirect of `url` to loopback, private or link-local addresses (off: such a
    /// redirect fails the pull, so an export cannot steer hallway at internal services).
    pub allow_private_redirects: bool,
    /// Follow a redirect from https to plain http (off: the pull fails instead).
    pub allow_insecure_redirects: bool,
}

impl Default for RawSchedule {
    fn default() -> Self {
        Self {
            url: None,
            pull_interval_secs: 600,
            max_bytes: 20 * 1024 * 1024,
            allow_private_redirects: false,
            allow_insecure_redirects: false,
        }
    }
}

/// `[server]`
#[derive(Debug, Deserialize, Serialize, Clone)]
#[serde(deny_unknown_fields, default)]
pub struct RawServer {
    /// Address to listen on; port 0 picks a free port.
    pub listen: String,
    /// The URL attendees use to reach hallway (used for BBB logout URLs and admin links).
    pub public_url: Option<String>,
    /// Key for signing session cookies: at least 32 characters. Without it a random key is
    /// made at each start (sessions then end on restart and do not work across instances).
    #[serde(serialize_with = "redact_opt")]
    pub session_key: Option<SecretString>,
}

impl Default for RawServer {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            public_url: None,
            session_key: None,
        }
    }
}

/// `[database]`
#[derive(Debug, Deserialize, Serialize, Clone)]
#[serde(deny_unknown_fields, default)]
pub struct RawDatabase {
    /// `sqlite://FILE` (created and migrated automatically) or `postgres://…`.
    #[serde(serialize_with = "redact_url_password")]
    pub url: String,
}

impl Default for RawDatabase {
    fn default() -> Self {
        Self {
            url: "sqlite://hallway.db".into(),
        }
    }
}

/// `[conference]`
#[derive(Debug, Deserialize, Serialize, Clone)]
#[serde(deny_unknown_fields, default)]
pub struct RawConference {
    /// Conference name shown in the header; defaults to the imported schedule's title.
    pub name: Option<String>,
    /// IANA time zone of the conference, overriding the schedule's `time_zone_name`.
    pub time_zone: Option<String>,
    /// Minutes before a session starts that its room opens to attendees.
    pub join_opens_minutes: i64,
    /// Minutes after a session ends that its room stays open to attendees.
    pub join_grace_minutes: i64,
}

impl Default for RawConference {
    fn default() -> Self {
        Self {
            name: None,
            time_zone: None,
            join_opens_minutes: 10,
            join_grace_minutes: 5,
        }
    }
}

/// The longest join lead or grace accepted, in minutes: longer windows would open a room for
/// a whole session block before its first talk, which is a typo rather than a policy.
pub const MAX_JOIN_WINDOW_MINUTES: i64 = 240;

/// `[bbb]`
#[derive(Debug, Deserialize, Serialize, Clone)]
#[serde(deny_unknown_fields, default)]
pub struct RawBbb {
    /// Seconds between two status polls of every server.
    pub poll_interval_secs: u64,
    /// Seconds a whole BBB call may take.
    pub timeout_secs: u64,
    /// Seconds to establish the TCP/TLS connection to a BBB server.
    pub connect_timeout_secs: u64,
    /// Prefix of the BBB meeting IDs hallway creates (`{prefix}-{room slug}`).
    pub meeting_prefix: String,
    /// Seats BBB's own `maxParticipants` adds to a room's `max_participants`, so moderators
    /// still get in after hallway stops sending viewers.
    pub capacity_headroom: u32,
    /// Minutes BBB keeps a meeting nobody has joined (`meetingExpireIfNoUserJoinedInMinutes`,
    /// BBB 2.5+): long enough for a join storm or a pre-warmed session to arrive.
    pub empty_meeting_expiry_minutes: u32,
    /// Minutes after a session ends that hallway ends its meeting.
    pub meeting_end_grace_minutes: u32,
    /// Seconds a join waits for a meeting another request (or instance) is creating.
    pub create_wait_secs: u64,
    /// The BBB servers.
    pub servers: Vec<RawBbbServer>,
}

impl Default for RawBbb {
    fn default() -> Self {
        Self {
            poll_interval_secs: 10,
            timeout_secs: 5,
            connect_timeout_secs: 2,
            meeting_prefix: "hallway".into(),
            capacity_headroom: 10,
            empty_meeting_expiry_minutes: 30,
            meeting_end_grace_minutes: 15,
            create_wait_secs: 15,
            servers: Vec::new(),
        }
    }
}

/// `[[bbb.servers]]`
#[derive(Debug, Deserialize, Serialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawBbbServer {
    /// Short name used in room pins, logs and the status page.
    pub name: String,
    /// API base, as `bbb-conf --secret` prints it: `https://host/bigbluebutton/`.
    pub url: String,
    /// The server's shared secret.
    #[serde(serialize_with = "redact")]
    pub secret: SecretString,
    /// `sha1`, `sha256` (default), `sha384` or `sha512`.
    #[serde(default = "default_checksum")]
    pub checksum: ChecksumAlgorithm,
    /// BBB version, e.g. `2.6` or `3.0`; `auto` (default) asks the server's API root once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// This entry is an upstream load balancer (Scalelite, BBBLB) in front of several BBB
    /// servers: its rooms always go there, and hallway does no placement or failover for it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub balancer: bool,
}

fn default_checksum() -> ChecksumAlgorithm {
    ChecksumAlgorithm::Sha256
}

/// `[[rooms]]`
#[derive(Debug, Deserialize, Serialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawRoom {
    /// URL name.
    pub slug: RoomSlug,
    /// Display name.
    pub name: String,
    /// `session`, `hack` or `private`.
    pub kind: RoomKind,
    /// Name of the BBB server the room is pinned to.
    pub server: String,
    /// Schedule room names whose sessions take place in this room.
    #[serde(default)]
    pub schedule_rooms: Vec<String>,
    /// Link to the room's text chat.
    #[serde(default)]
    pub chat_url: Option<String>,
    /// Link to the room's public live stream.
    #[serde(default)]
    pub stream_url: Option<String>,
    /// Most viewers hallway sends in; further viewers see a "room is full" page with the
    /// stream link. Moderators always get in. Unset: no cap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_participants: Option<u32>,
}

fn redact<S: Serializer>(_: &SecretString, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str("[redacted]")
}

fn redact_opt<S: Serializer>(v: &Option<SecretString>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(_) => s.serialize_str("[redacted]"),
        None => s.serialize_none(),
    }
}

fn redact_url_password<S: Serializer>(v: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&DatabaseUrl(SecretString::from(v.to_owned())).redacted())
}

/// Typed, checked settings: what the rest of hallway uses.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where the HTTP server binds.
    pub listen: SocketAddr,
    /// The public base URL, without trailing slash in [`Settings::public_link`].
    pub public_url: Url,
    /// True when `public_url` was derived from `listen` rather than configured; the
    /// application then corrects its port once the listener is bound (port 0).
    pub public_url_derived: bool,
    /// Cookie signing key, if configured.
    pub session_key: Option<SecretString>,
    /// Database connection URL.
    pub database_url: DatabaseUrl,
    /// Display name override for the conference.
    pub conference_name: Option<String>,
    /// Time zone override for the conference.
    pub time_zone: Option<Tz>,
    /// BBB settings.
    pub bbb: BbbSettings,
    /// Rooms, in configuration order.
    pub rooms: Vec<Room>,
    /// When session rooms open to attendees (`conference.join_opens_minutes` /
    /// `join_grace_minutes`).
    pub join_window: JoinWindow,
    /// Schedule source settings.
    pub schedule: ScheduleSettings,
    /// Login and session settings.
    pub auth: AuthSettings,
    /// Poller, health and pre-warming.
    pub status: StatusSettings,
    /// The Prometheus endpoint.
    pub metrics: MetricsSettings,
    /// OpenID Connect login, when configured.
    pub oidc: Option<OidcSettings>,
    /// E-mailed login links, when configured.
    pub smtp: Option<SmtpSettings>,
    /// Start policy per room kind (`[lobby.start]`).
    pub start_policies: StartPolicies,
}

/// Typed `[oidc]`.
#[derive(Debug, Clone)]
pub struct OidcSettings {
    /// The provider's name on the login page.
    pub display_name: String,
    /// The issuer URL (no trailing slash unless the provider's issuer has one).
    pub issuer: String,
    /// Client id.
    pub client_id: String,
    /// Client secret.
    pub client_secret: Option<SecretString>,
    /// Scopes besides `openid`.
    pub scopes: Vec<String>,
    /// The claim whose values map to roles and tracks, as a path of object keys.
    pub roles_claim: Option<Vec<String>>,
    /// Claim value → role.
    pub roles: Vec<(String, UserRole)>,
    /// Claim value → moderated tracks.
    pub tracks: Vec<(String, Vec<String>)>,
}

/// How hallway talks TLS to the mail server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS (required).
    StartTls,
    /// TLS from the first byte.
    Implicit,
    /// No TLS: only for a relay on this host or a test server.
    None,
}

/// Typed `[smtp]`.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    /// Host name.
    pub host: String,
    /// Port.
    pub port: u16,
    /// TLS mode.
    pub tls: SmtpTls,
    /// The sender mailbox, checked.
    pub from: String,
    /// User name and password, when the server wants them.
    pub credentials: Option<(String, SecretString)>,
    /// Extra CA certificates (PEM text, read at load).
    pub ca_pem: Option<String>,
    /// Links per address and `auth.failure_window`.
    pub links_per_email: u32,
    /// Time one message may take.
    pub timeout: Duration,
}

/// Typed `[status]`.
#[derive(Debug, Clone)]
pub struct StatusSettings {
    /// Servers asked at the same time in one round (at least 1).
    pub poll_concurrency: usize,
    /// Failed polls in a row before DOWN (at least 1).
    pub down_after: u32,
    /// Good polls in a row before UP again (at least 1).
    pub up_after: u32,
    /// How long before a session its meeting is created; zero turns pre-warming off.
    pub prewarm_lead: chrono::Duration,
    /// How long a moved room's old meeting runs on after the move was announced in it.
    pub move_end_delay: chrono::Duration,
    /// Bearer token for the JSON status and metrics.
    pub api_token: Option<SecretString>,
}

/// Typed `[metrics]`.
#[derive(Debug, Clone)]
pub struct MetricsSettings {
    /// Separate metrics listener.
    pub listen: Option<SocketAddr>,
    /// `/metrics` on the main port without authentication.
    pub public: bool,
}

/// Typed `[auth]`.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// Guest mode before any admin switched it.
    pub guests_default: bool,
    /// Names guests may not take (lower case).
    pub reserved_names: Vec<String>,
    /// Idle limit for guests, attendees and moderators.
    pub idle: Duration,
    /// Absolute limit for them.
    pub absolute: Duration,
    /// Idle limit for staff and admins.
    pub staff_idle: Duration,
    /// Absolute limit for staff and admins.
    pub staff_absolute: Duration,
    /// Proxies whose `X-Forwarded-For` counts.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Per-address attempts per minute.
    pub attempts_per_ip_per_minute: std::num::NonZeroU32,
    /// Failed code logins per address within `failure_window`.
    pub failures_per_email: u32,
    /// Window of the per-address counter.
    pub failure_window: Duration,
}
/// Typed `[schedule]`.
#[derive(Debug, Clone)]
pub struct ScheduleSettings {
    /// URL pulled periodically, if any.
    pub url: Option<Url>,
    /// Time between pulls.
    pub pull_interval: Duration,
    /// Size limit for schedule files.
    pub max_bytes: usize,
    /// Which redirects a pull follows.
    pub redirects: RedirectRules,
}

/// Which redirects the schedule pull follows beyond same-scheme public hosts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RedirectRules {
    /// Loopback, private and link-local targets.
    pub allow_private: bool,
    /// https → http.
    pub allow_insecure: bool,
}

/// Typed `[bbb]`.
#[derive(Debug, Clone)]
pub struct BbbSettings {
    /// Time between status polls.
    pub poll_interval: Duration,
    /// Total time a BBB call may take.
    pub timeout: Duration,
    /// Time to connect to a BBB server.
    pub connect_timeout: Duration,
    /// Meeting ID prefix.
    pub meeting_prefix: String,
    /// Seats added to a room's cap for BBB's `maxParticipants`.
    pub capacity_headroom: u32,
    /// BBB's expiry of meetings nobody joined, in minutes.
    pub empty_meeting_expiry_minutes: u32,
    /// How long after a session ends its meeting is ended.
    pub meeting_end_grace: chrono::Duration,
    /// How long a join waits for a meeting being created.
    pub create_wait: Duration,
    /// Servers, in configuration order.
    pub servers: Vec<BbbServerSettings>,
}

/// One typed BBB server.
#[derive(Debug, Clone)]
pub struct BbbServerSettings {
    /// Short name.
    pub name: ServerName,
    /// API base URL.
    pub url: Url,
    /// Shared secret.
    pub secret: SecretString,
    /// Checksum algorithm to sign with.
    pub checksum: ChecksumAlgorithm,
    /// Known BBB version; `None` means detect from the API root.
    pub version: Option<ServerVersion>,
    /// An upstream load balancer (Scalelite, BBBLB): no placement or failover for it.
    pub balancer: bool,
}

/// A database URL that may contain a password; shown only redacted.
#[derive(Clone)]
pub struct DatabaseUrl(SecretString);

impl DatabaseUrl {
    /// Wraps a URL.
    pub fn new(url: impl Into<String>) -> Self {
        Self(SecretString::from(url.into()))
    }
    /// The full URL, for connecting only.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
    /// The URL with any password and query values replaced.
    pub fn redacted(&self) -> String {
        redact_url(self.expose())
    }
    /// True for `sqlite:` URLs.
    pub fn is_sqlite(&self) -> bool {
        self.expose().starts_with("sqlite:")
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DatabaseUrl({})", self.redacted())
    }
}

impl RawSettings {
    /// Layers the optional file and the environment over the defaults.
    ///
    /// `explicit` says whether the path was given by the user (then it must exist).
    pub fn load(path: &Path, explicit: bool) -> anyhow::Result<Self> {
        if explicit && !path.exists() {
            bail!("configuration file {} does not exist", path.display());
        }
        let cfg = config::Config::builder()
            .add_source(
                config::File::from(path.to_path_buf())
                    .format(config::FileFormat::Toml)
                    .required(false),
            )
            .add_source(
                config::Environment::with_prefix("HALLWAY")
                    .prefix_separator("__")
                    .separator("__")
                    .try_parsing(true),
            )
            .build()
            .with_context(|| format!("reading configuration {}", path.display()))?;
        cfg.try_deserialize()
            .with_context(|| format!("in configuration {}", path.display()))
    }

    /// Parses the embedded example configuration (used by the demo and tests).
    pub fn example() -> anyhow::Result<Self> {
        toml::from_str(EXAMPLE_CONFIG).context("parsing the embedded hallway.example.toml")
    }

    /// The effective configuration as TOML, secrets redacted.
    pub fn to_redacted_toml(&self) -> anyhow::Result<String> {
        toml::to_string_pretty(self).context("printing the configuration")
    }

    /// Checks every value and cross-reference, producing typed settings.
    pub fn parse(self) -> anyhow::Result<Settings> {
        let listen: SocketAddr = self.server.listen.parse().with_context(|| {
            format!(
                "server.listen: '{}' is not an address like 127.0.0.1:8080",
                self.server.listen
            )
        })?;
        let public_url = match &self.server.public_url {
            Some(u) => parse_http_url("server.public_url", u)?,
            None => {
                let host = if listen.ip().is_unspecified() {
                    "127.0.0.1".to_string()
                } else {
                    listen.ip().to_string()
                };
                Url::parse(&format!("http://{host}:{}/", listen.port()))
                    .context("deriving server.public_url from server.listen")?
            }
        };
        if let Some(key) = &self.server.session_key {
            if key.expose_secret().len() < 32 {
                bail!("server.session_key must be at least 32 characters long");
            }
        }
        let db = self.database.url.trim();
        if !(db.starts_with("sqlite:")
            || db.starts_with("postgres:")
            || db.starts_with("postgresql:"))
        {
            bail!("database.url must start with sqlite: or postgres:// (got a URL with another scheme)");
        }
        let time_zone = match &self.conference.time_zone {
            Some(z) => Some(parse_zone(z).context("conference.time_zone")?),
            None => None,
        };
        for (key, minutes) in [
            (
                "conference.join_opens_minutes",
                self.conference.join_opens_minutes,
            ),
            (
                "conference.join_grace_minutes",
                self.conference.join_grace_minutes,
            ),
        ] {
            if !(0..=MAX_JOIN_WINDOW_MINUTES).contains(&minutes) {
                bail!(
                    "{key} must be between 0 and {MAX_JOIN_WINDOW_MINUTES} minutes (got {minutes})"
                );
            }
        }
        let join_window = JoinWindow {
            lead: chrono::Duration::minutes(self.conference.join_opens_minutes),
            grace: chrono::Duration::minutes(self.conference.join_grace_minutes),
        };
        if self.bbb.poll_interval_secs == 0 || self.bbb.timeout_secs == 0 {
            bail!("bbb.poll_interval_secs and bbb.timeout_secs must be at least 1");
        }
        let mut server_names = HashSet::new();
        let mut servers = Vec::new();
        for (i, s) in self.bbb.servers.into_iter().enumerate() {
            let name = ServerName::parse(&s.name)
                .map_err(|e| anyhow::anyhow!("bbb.servers[{i}].name: {e}"))?;
            if !server_names.insert(name.clone()) {
                bail!("bbb.servers[{i}].name '{}' is used twice", s.name);
            }
            if s.secret.expose_secret().is_empty() {
                bail!("bbb.servers[{i}] ('{}'): secret must not be empty", s.name);
            }
            let version = match s.version.as_deref().map(str::trim) {
                None | Some("") | Some("auto") => None,
                Some(v) => Some(
                    v.parse::<ServerVersion>()
                        .map_err(|e| anyhow::anyhow!("bbb.servers[{i}].version: {e}"))?,
                ),
            };
            servers.push(BbbServerSettings {
                version,
                url: parse_http_url(&format!("bbb.servers[{i}].url"), &s.url)?,
                name,
                secret: s.secret,
                checksum: s.checksum,
                balancer: s.balancer,
            });
        }
        let mut slugs = HashSet::new();
        let mut mapped = HashSet::new();
        let mut rooms = Vec::new();
        for (i, r) in self.rooms.into_iter().enumerate() {
            if !slugs.insert(r.slug.clone()) {
                bail!("rooms[{i}].slug '{}' is used twice", r.slug);
            }
            let Some(server) = server_names.get(r.server.trim()).cloned() else {
                bail!(
                    "rooms[{i}] ('{}'): server '{}' is not one of bbb.servers",
                    r.slug,
                    r.server
                );
            };
            for name in &r.schedule_rooms {
                if !mapped.insert(crate::rooms::normalise(name)) {
                    bail!(
                        "rooms[{i}] ('{}'): schedule room '{name}' is already mapped to another room",
                        r.slug
                    );
                }
            }
            if r.max_participants == Some(0) {
                bail!(
                    "rooms[{i}] ('{}'): max_participants must be at least 1 (leave it out for no cap)",
                    r.slug
                );
            }
            let opt_url = |field: &str, v: &Option<String>| -> anyhow::Result<Option<Url>> {
                v.as_deref()
                    .map(|u| parse_http_url(&format!("rooms[{i}].{field}"), u))
                    .transpose()
            };
            rooms.push(Room {
                chat_url: opt_url("chat_url", &r.chat_url)?,
                stream_url: opt_url("stream_url", &r.stream_url)?,
                slug: r.slug,
                name: r.name,
                kind: r.kind,
                server,
                max_participants: r.max_participants,
                schedule_rooms: r.schedule_rooms,
            });
        }
        let schedule_url = self
            .schedule
            .url
            .as_deref()
            .map(|u| parse_http_url("schedule.url", u))
            .transpose()?;
        if self.schedule.pull_interval_secs < 10 {
            bail!("schedule.pull_interval_secs must be at least 10");
        }
        if self.schedule.max_bytes < 1024 {
            bail!("schedule.max_bytes must be at least 1024");
        }
        if self.status.poll_concurrency == 0
            || self.status.down_after_failures == 0
            || self.status.up_after_successes == 0
        {
            bail!(
                "status.poll_concurrency, status.down_after_failures and \
                 status.up_after_successes must be at least 1"
            );
        }
        if self.status.prewarm_lead_minutes >= self.bbb.empty_meeting_expiry_minutes.max(1) {
            bail!(
                "status.prewarm_lead_minutes ({}) must be shorter than \
                 bbb.empty_meeting_expiry_minutes ({}): BBB would remove a pre-created meeting \
                 before its session starts",
                self.status.prewarm_lead_minutes,
                self.bbb.empty_meeting_expiry_minutes
            );
        }
        if let Some(t) = &self.status.api_token {
            if t.expose_secret().len() < 24 {
                bail!("status.api_token must be at least 24 characters long");
            }
        }
        let metrics_listen = match &self.metrics.listen {
            Some(a) => Some(a.parse::<SocketAddr>().with_context(|| {
                format!("metrics.listen: '{a}' is not an address like 127.0.0.1:9090")
            })?),
            None => None,
        };
        let auth = parse_auth(self.auth)?;
        let oidc = parse_oidc(self.oidc)?;
        let smtp = parse_smtp(self.smtp)?;
        Ok(Settings {
            start_policies: self.lobby.start,
            oidc,
            smtp,
            auth,
            status: StatusSettings {
                poll_concurrency: self.status.poll_concurrency,
                down_after: self.status.down_after_failures,
                up_after: self.status.up_after_successes,
                prewarm_lead: chrono::Duration::minutes(i64::from(
                    self.status.prewarm_lead_minutes,
                )),
                move_end_delay: chrono::Duration::seconds(
                    i64::try_from(self.status.move_end_delay_secs.min(86_400)).unwrap_or(86_400),
                ),
                api_token: self.status.api_token,
            },
            metrics: MetricsSettings {
                listen: metrics_listen,
                public: self.metrics.public,
            },
            schedule: ScheduleSettings {
                url: schedule_url,
                pull_interval: Duration::from_secs(self.schedule.pull_interval_secs),
                max_bytes: self.schedule.max_bytes,
                redirects: RedirectRules {
                    allow_private: self.schedule.allow_private_redirects,
                    allow_insecure: self.schedule.allow_insecure_redirects,
                },
            },
            listen,
            public_url_derived: self.server.public_url.is_none(),
            public_url,
            session_key: self.server.session_key,
            database_url: DatabaseUrl::new(db),
            conference_name: self.conference.name,
            time_zone,
            bbb: BbbSettings {
                poll_interval: Duration::from_secs(self.bbb.poll_interval_secs),
                timeout: Duration::from_secs(self.bbb.timeout_secs),
                connect_timeout: Duration::from_secs(self.bbb.connect_timeout_secs.max(1)),
                meeting_prefix: self.bbb.meeting_prefix,
                capacity_headroom: self.bbb.capacity_headroom,
                empty_meeting_expiry_minutes: self.bbb.empty_meeting_expiry_minutes.max(1),
                meeting_end_grace: chrono::Duration::minutes(i64::from(
                    self.bbb.meeting_end_grace_minutes,
                )),
                create_wait: Duration::from_secs(self.bbb.create_wait_secs.max(1)),
                servers,
            },
            rooms,
            join_window,
        })
    }
}

impl BbbServerSettings {
    /// The API endpoint of this server: the one place an [`Endpoint`] is made from settings.
    pub fn endpoint(&self) -> Endpoint {
        let ep = Endpoint::new(
            self.name.to_string(),
            &self.url,
            self.secret.clone(),
            self.checksum,
        );
        match self.version {
            Some(v) => ep.with_version(v),
            None => ep,
        }
    }
}

impl Settings {
    /// Loads and parses configuration from the file at `path` (if present) and the environment.
    pub fn load(path: &Path, explicit: bool) -> anyhow::Result<Self> {
        RawSettings::load(path, explicit)?.parse()
    }

    /// Lookup tables over the configured rooms and servers.
    pub fn room_directory(&self) -> RoomDirectory {
        RoomDirectory::new(
            self.rooms.clone(),
            self.bbb.servers.iter().map(|s| s.name.clone()).collect(),
            &self.bbb.meeting_prefix,
        )
    }

    /// An absolute link below the public URL, e.g. `public_link("/login")`.
    pub fn public_link(&self, path: &str) -> String {
        self.public_link_of(&[path])
    }

    /// [`Settings::public_link`] of the path made of `parts`, written into one buffer (the
    /// join path makes one per join).
    pub fn public_link_of(&self, parts: &[&str]) -> String {
        let base = self.public_url.as_str().trim_end_matches('/');
        let mut link =
            String::with_capacity(base.len() + parts.iter().map(|p| p.len()).sum::<usize>());
        link.push_str(base);
        for p in parts {
            link.push_str(p);
        }
        link
    }
}

/// A URL fit for logs and pages: the password and every query value (API keys and tokens of
/// Indico or pretalx exports live there) are replaced by `redacted`.
pub fn redact_url(raw: &str) -> String {
    let Ok(mut u) = Url::parse(raw) else {
        return raw.to_owned();
    };
    if u.password().is_some() {
        let _ = u.set_password(Some("redacted"));
    }
    if u.query().is_some() {
        let keys: Vec<String> = u.query_pairs().map(|(k, _)| k.into_owned()).collect();
        let mut q = u.query_pairs_mut();
        q.clear();
        for k in keys {
            q.append_pair(&k, "redacted");
        }
    }
    u.to_string()
}

fn redact_opt_url<S: Serializer>(v: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(u) => s.serialize_str(&redact_url(u)),
        None => s.serialize_none(),
    }
}

fn parse_auth(a: RawAuth) -> anyhow::Result<AuthSettings> {
    let secs = |field: &str, v: u64, min: u64| -> anyhow::Result<Duration> {
        if v < min {
            bail!("auth.{field} must be at least {min} seconds");
        }
        Ok(Duration::from_secs(v))
    };
    let trusted_proxies = a
        .trusted_proxies
        .iter()
        .enumerate()
        .map(|(i, p)| {
            p.trim().parse().with_context(|| {
                format!("auth.trusted_proxies[{i}]: '{p}' is not an IP address like 10.0.0.2")
            })
        })
        .collect::<anyhow::Result<_>>()?;
    let staff_idle = secs("staff_idle_secs", a.staff_idle_secs, 60)?;
    let staff_absolute = secs("staff_absolute_secs", a.staff_absolute_secs, 60)?;
    let idle = secs("idle_secs", a.idle_secs, 60)?;
    let absolute = secs("absolute_secs", a.absolute_secs, 60)?;
    if staff_idle > idle || staff_absolute > absolute {
        bail!("auth: staff session limits must not be longer than the others");
    }
    if a.failures_per_email == 0 {
        bail!("auth.failures_per_email must be at least 1");
    }
    Ok(AuthSettings {
        guests_default: a.guests,
        reserved_names: a
            .reserved_names
            .iter()
            .map(|n| n.trim().to_lowercase())
            .filter(|n| !n.is_empty())
            .collect(),
        idle,
        absolute,
        staff_idle,
        staff_absolute,
        trusted_proxies,
        attempts_per_ip_per_minute: std::num::NonZeroU32::new(a.attempts_per_ip_per_minute)
            .context("auth.attempts_per_ip_per_minute must be at least 1")?,
        failures_per_email: a.failures_per_email,
        failure_window: secs("failure_window_secs", a.failure_window_secs, 60)?,
    })
}

fn parse_oidc(o: RawOidc) -> anyhow::Result<Option<OidcSettings>> {
    let Some(issuer) = o.issuer.as_deref().map(str::trim).filter(|i| !i.is_empty()) else {
        return Ok(None);
    };
    let url = parse_http_url("oidc.issuer", issuer)?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(a)) => a.is_loopback(),
        Some(url::Host::Ipv6(a)) => a.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    };
    if url.scheme() != "https" && !loopback {
        bail!("oidc.issuer: '{issuer}' must be an https URL (plain http only on this host)");
    }
    if url.query().is_some() || url.fragment().is_some() {
        bail!("oidc.issuer: '{issuer}' must not have a query or fragment");
    }
    if o.client_id.trim().is_empty() {
        bail!("oidc.client_id must be set when oidc.issuer is");
    }
    if o.client_secret
        .as_ref()
        .is_some_and(|s| s.expose_secret().is_empty())
    {
        bail!("oidc.client_secret must not be empty (leave it out for a public client)");
    }
    if o.display_name.trim().is_empty() {
        bail!("oidc.display_name must not be empty");
    }
    let mut scopes = Vec::new();
    for s in &o.scopes {
        let s = s.trim();
        if s.is_empty() || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            bail!("oidc.scopes: '{s}' is not a scope name");
        }
        if s != "openid" && !scopes.iter().any(|x| x == s) {
            scopes.push(s.to_owned());
        }
    }
    let roles_claim = o
        .roles_claim
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| c.split('.').map(str::to_owned).collect::<Vec<_>>());
    if roles_claim.is_none() && (!o.roles.is_empty() || !o.tracks.is_empty()) {
        bail!("oidc.roles and oidc.tracks need oidc.roles_claim (the claim they map, e.g. groups)");
    }
    let roles = o
        .roles
        .iter()
        .map(|(value, role)| {
            UserRole::parse_grantable(role)
                .map(|r| (value.clone(), r))
                .with_context(|| {
                    format!(
                        "oidc.roles.\"{value}\": unknown role '{role}' (attendee, moderator, \
                         staff, admin)"
                    )
                })
        })
        .collect::<anyhow::Result<_>>()?;
    let tracks = o
        .tracks
        .into_iter()
        .map(|(value, tracks)| {
            let tracks: Vec<String> = tracks
                .iter()
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty())
                .collect();
            (value, tracks)
        })
        .collect();
    Ok(Some(OidcSettings {
        display_name: o.display_name.trim().to_owned(),
        issuer: issuer.to_owned(),
        client_id: o.client_id.trim().to_owned(),
        client_secret: o.client_secret,
        scopes,
        roles_claim,
        roles,
        tracks,
    }))
}

fn parse_smtp(m: RawSmtp) -> anyhow::Result<Option<SmtpSettings>> {
    let Some(host) = m.host.as_deref().map(str::trim).filter(|h| !h.is_empty()) else {
        return Ok(None);
    };
    let tls = match m.tls.trim().to_ascii_lowercase().as_str() {
        "starttls" => SmtpTls::StartTls,
        "tls" => SmtpTls::Implicit,
        "none" => SmtpTls::None,
        other => bail!("smtp.tls: '{other}' is not one of starttls, tls, none"),
    };
    let port = m.port.unwrap_or(match tls {
        SmtpTls::StartTls => 587,
        SmtpTls::Implicit => 465,
        SmtpTls::None => 25,
    });
    if port == 0 {
        bail!("smtp.port must not be 0");
    }
    if m.from.trim().parse::<lettre::message::Mailbox>().is_err() {
        bail!(
            "smtp.from: '{}' is not a sender like Conference <noreply@example.org>",
            m.from
        );
    }
    let credentials = match (m.username, m.password) {
        (Some(u), Some(p)) if !u.trim().is_empty() => Some((u.trim().to_owned(), p)),
        (None, None) => None,
        _ => bail!("smtp.username and smtp.password go together"),
    };
    if m.links_per_email == 0 {
        bail!("smtp.links_per_email must be at least 1");
    }
    let ca_pem = match m
        .ca_file
        .as_deref()
        .map(str::trim)
        .filter(|f| !f.is_empty())
    {
        Some(file) => {
            let pem = std::fs::read_to_string(file)
                .with_context(|| format!("smtp.ca_file: cannot read {file}"))?;
            if !pem.contains("-----BEGIN CERTIFICATE-----")
                || lettre::transport::smtp::client::Certificate::from_pem(pem.as_bytes()).is_err()
            {
                bail!("smtp.ca_file: {file} holds no PEM certificate");
            }
            if tls == SmtpTls::None {
                bail!("smtp.ca_file needs smtp.tls = \"starttls\" or \"tls\"");
            }
            Some(pem)
        }
        None => None,
    };
    Ok(Some(SmtpSettings {
        host: host.to_owned(),
        port,
        tls,
        from: m.from.trim().to_owned(),
        credentials,
        ca_pem,
        links_per_email: m.links_per_email,
        timeout: Duration::from_secs(m.timeout_secs.max(1)),
    }))
}

/// Parses an IANA zone name (backward-compatible links such as `Asia/Calcutta` included).
pub fn parse_zone(s: &str) -> anyhow::Result<Tz> {
    s.trim()
        .parse::<Tz>()
        .map_err(|_| anyhow::anyhow!("'{s}' is not an IANA time zone name such as Europe/Vienna"))
}

fn parse_http_url(field: &str, s: &str) -> anyhow::Result<Url> {
    let u = Url::parse(s).with_context(|| format!("{field}: '{s}' is not a URL"))?;
    if u.scheme() != "http" && u.scheme() != "https" {
        bail!("{field}: '{s}' must be an http or https URL");
    }
    Ok(u)
}

/// The default configuration path: `hallway.toml` in the working directory.
pub fn default_path() -> PathBuf {
    PathBuf::from("hallway.toml")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_configuration_parses_and_maps_every_sample_room() {
        let s = RawSettings::example().unwrap().parse().unwrap();
        assert_eq!(s.bbb.servers.len(), 3);
        let mapped: usize = s.rooms.iter().map(|r| r.schedule_rooms.len()).sum();
        assert_eq!(mapped, 7);
        assert!(s.rooms.iter().any(|r| r.kind == RoomKind::Hack));
        assert!(s.rooms.iter().any(|r| r.kind == RoomKind::Private));
    }

    #[test]
    fn a_room_pinned_to_an_unknown_server_is_rejected_with_its_name() {
        let mut raw = RawSettings::example().unwrap();
        raw.rooms[0].server = "nope".into();
        let err = raw.parse().unwrap_err().to_string();
        assert!(
            err.contains("server 'nope' is not one of bbb.servers"),
            "{err}"
        );
    }

    #[test]
    fn the_join_window_defaults_to_ten_and_five_minutes_and_refuses_absurd_values() {
        let s = RawSettings::example().unwrap().parse().unwrap();
        assert_eq!(s.join_window.lead, chrono::Duration::minutes(10));
        assert_eq!(s.join_window.grace, chrono::Duration::minutes(5));
        for (opens, grace) in [(-1, 5), (10, -5), (241, 5), (10, 10_000)] {
            let mut raw = RawSettings::example().unwrap();
            raw.conference.join_opens_minutes = opens;
            raw.conference.join_grace_minutes = grace;
            let err = raw.parse().unwrap_err().to_string();
            assert!(err.contains("must be between 0 and 240 minutes"), "{err}");
        }
    }

    #[test]
    fn printed_configuration_never_contains_secrets() {
        let mut raw = RawSettings::example().unwrap();
        raw.server.session_key = Some(SecretString::from("k".repeat(40)));
        raw.database.url = "postgres://u:hunter2@db/hallway".into();
        raw.schedule.url = Some("https://indico.example/export/timetable/7.json?ak=s3cr3t".into());
        let printed = raw.to_redacted_toml().unwrap();
        assert!(!printed.contains("hunter2"));
        assert!(!printed.contains("s3cr3t"));
        assert!(printed.contains("ak=redacted"));
        assert!(!printed.contains(&"k".repeat(40)));
        for s in &RawSettings::example().unwrap().bbb.servers {
            assert!(!printed.contains(s.secret.expose_secret()));
        }
        assert!(printed.contains("[redacted]"));
    }

    fn with_oidc(adjust: impl FnOnce(&mut RawOidc)) -> anyhow::Result<Settings> {
        let mut raw = RawSettings::example().unwrap();
        raw.oidc.issuer = Some("https://id.example.org/realms/conf".into());
        raw.oidc.client_id = "hallway".into();
        raw.oidc.client_secret = Some(SecretString::from("oidc-client-secret-1"));
        raw.oidc.roles_claim = Some("groups".into());
        adjust(&mut raw.oidc);
        raw.parse()
    }

    #[test]
    fn an_oidc_section_is_checked_at_load_and_its_roles_parsed() {
        let s = with_oidc(|o| {
            o.roles.insert("Conference-Staff".into(), "Staff".into());
            o.scopes = vec!["openid".into(), "email".into(), "email".into()];
        })
        .unwrap();
        let o = s.oidc.unwrap();
        assert_eq!(o.roles, vec![("Conference-Staff".into(), UserRole::Staff)]);
        assert_eq!(o.scopes, vec!["email"], "openid is always asked for, once");
        assert!(with_oidc(|o| o.issuer = Some("http://127.0.0.1:9400".into())).is_ok());
        for (bad, wanted) in [
            (
                Box::new(|o: &mut RawOidc| o.issuer = Some("http://id.example.org".into()))
                    as Box<dyn FnOnce(&mut RawOidc)>,
                "must be an https URL",
            ),
            (
                Box::new(|o| o.client_id = " ".into()),
                "client_id must be set",
            ),
            (
                Box::new(|o| {
                    o.roles.insert("g".into(), "wizard".into());
                }),
                "unknown role 'wizard'",
            ),
            (
                Box::new(|o| {
                    o.roles_claim = None;
                    o.roles.insert("g".into(), "staff".into());
                }),
                "need oidc.roles_claim",
            ),
        ] {
            let err = format!("{:#}", with_oidc(bad).unwrap_err());
            assert!(err.contains(wanted), "{err}");
        }
        assert!(RawSettings::example()
            .unwrap()
            .parse()
            .unwrap()
            .oidc
            .is_none());
    }

    #[test]
    fn claim_values_keep_their_case_when_read_from_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hallway.toml");
        std::fs::write(
            &path,
            "[oidc]\nissuer = \"https://id.example.org\"\nclient_id = \"hallway\"\n\
             roles_claim = \"groups\"\n[oidc.roles]\n\"Conference-Staff\" = \"staff\"\n",
        )
        .unwrap();
        let raw = RawSettings::load(&path, true).unwrap();
        assert_eq!(
            raw.oidc.roles.keys().collect::<Vec<_>>(),
            ["Conference-Staff"]
        );
    }

    #[test]
    fn an_smtp_section_is_checked_at_load() {
        let smtp = |adjust: &dyn Fn(&mut RawSmtp)| {
            let mut raw = RawSettings::example().unwrap();
            raw.smtp.host = Some("mail.example.org".into());
            raw.smtp.from = "Conference <noreply@example.org>".into();
            adjust(&mut raw.smtp);
            raw.parse().map(|s| s.smtp.unwrap())
        };
        let s = smtp(&|_| {}).unwrap();
        assert_eq!((s.port, s.tls), (587, SmtpTls::StartTls));
        assert_eq!(smtp(&|m| m.tls = "tls".into()).unwrap().port, 465);
        for (adjust, wanted) in [
            (
                &(|m: &mut RawSmtp| m.tls = "ssl3".into()) as &dyn Fn(&mut RawSmtp),
                "smtp.tls",
            ),
            (
                &|m: &mut RawSmtp| m.from = "not a mailbox".into(),
                "smtp.from",
            ),
            (
                &|m: &mut RawSmtp| m.username = Some("u".into()),
                "go together",
            ),
            (
                &|m: &mut RawSmtp| m.ca_file = Some("/nonexistent/ca.pem".into()),
                "cannot read",
            ),
            (
                &|m: &mut RawSmtp| m.ca_file = Some("Cargo.toml".into()),
                "no PEM certificate",
            ),
        ] {
            let err = smtp(adjust).unwrap_err().to_string();
            assert!(err.contains(wanted), "{err}");
        }
    }

    #[test]
    fn printed_configuration_never_contains_login_secrets() {
        let mut raw = RawSettings::example().unwrap();
        raw.oidc.client_secret = Some(SecretString::from("oidc-client-secret-1"));
        raw.smtp.password = Some(SecretString::from("smtp-password-1"));
        let printed = raw.to_redacted_toml().unwrap();
        assert!(!printed.contains("oidc-client-secret-1"));
        assert!(!printed.contains("smtp-password-1"));
        let debug = format!("{:?}", with_oidc(|_| {}).unwrap());
        assert!(!debug.contains("oidc-client-secret-1"));
    }
}

//! `hallway bbb-sim`: an in-process BigBlueButton server for tests,
//! benchmarks and the demo.
//!
//! Hallway must be testable without a real BBB. This module serves the BBB
//! API as seen over HTTP (see `shared/reference/bbb-api.md` §2–§4) from
//! memory: checksums verified exactly like bbb-web (raw query, algorithm by
//! length, duplicate `checksum` rejected), the create/join/getMeetings/
//! getMeetingInfo/isMeetingRunning/end lifecycle, XML shaped like the real
//! templates, and a fake HTML5 client page so that "a user connects" is an
//! HTTP request a browser (or test) can make.
//!
//! # Routes
//!
//! BBB API (answers are HTTP 200 `text/xml;charset=utf-8`, except join's 302):
//! - `GET /bigbluebutton/api` and `/bigbluebutton/api/`: version, no
//!   checksum. Shape per [`SimConfig::version`]: 3.0 adds the graphql URLs,
//!   2.4+ has `apiVersion` and `bbbVersion` (`<major>.<minor>-hallway-sim`),
//!   older ones only `version`.
//! - `GET|POST /bigbluebutton/api/{call}` for create, getMeetings,
//!   getMeetingInfo, isMeetingRunning, end, getRecordings (the recordings
//!   added through the control API, see `recordings`); `GET` for join,
//!   publishRecordings and deleteRecordings, and for sendChatMessage (3.0+
//!   only: older versions answer `unsupportedRequest`; see `chat`). Other calls:
//!   FAILED `unsupportedRequest`. A parameter given both in the URL query and
//!   in a POST form body is a `checksumError` (as bbb-web 3.0).
//! - Join errors as bbb-web's ApiController `join` sends them (2.7/3.0
//!   source: `validateRequest`, `invalid`, `respondWithRedirect`): checksum,
//!   missing meetingID/fullName, unknown and forcibly ended meetings fail
//!   validation and are always a 302, also with `redirect=false`;
//!   `mismatchCreateTimeParam` and `maxParticipantsReached` are XML with
//!   `redirect=false` on 2.7+ and a 302 otherwise (every error is a 302
//!   before 2.7). The 302 goes to `errorRedirectUrl` (2.7+), else the join
//!   request's `logoutURL`, else the server root, with
//!   `errors=[{"message":…,"key":…}]` quoted like `java.net.URI`. A wrong or
//!   missing password is XML `Params required` on 2.4+ (the controller
//!   renders it itself), `invalidPassword` as a 302 before. Before 2.4
//!   `role` is ignored (password join only). `maxParticipants` counts every
//!   connected user (moderators too) once per userID; a userID already
//!   connected may rejoin.
//! - create honours `meetingExpireIfNoUserJoinedInMinutes` and
//!   `meetingExpireWhenLastUserLeftInMinutes` on 2.5+ (whole minutes; the
//!   server defaults otherwise).
//!
//! Simulated client:
//! - `GET /html5client/join?sessionToken=T`: the browser connects; the user
//!   becomes an attendee. The page says `You are in {meeting} as {name} ({ROLE})`.
//! - `POST /html5client/leave?sessionToken=T`: the user leaves.
//!
//! Control interface (JSON):
//! - `POST /sim/meetings/{meetingID}/users` with a form or JSON body
//!   `fullName`, `role` (MODERATOR|VIEWER, default VIEWER), `userID`,
//!   `listenOnly`, `voice`, `video` → `{"userID": "..."}`; 404 if no such
//!   meeting.
//! - `DELETE /sim/meetings/{meetingID}/users/{userID}` → 204, or 404.
//! - `GET /sim/meetings/{meetingID}/chat` → `{"messages": [{meetingID,
//!   createTime, userName, message}]}`: what sendChatMessage delivered to
//!   that meeting, oldest first, kept after the meeting ended.
//! - `POST /sim/meetings/{meetingID}/recordings` with a JSON
//!   [`RecordingSpec`] (format, length, playback URL, `meta`, start and end,
//!   published or not) → 201 `{"recordID": "..."}`: a recording as BBB
//!   would list it after the meeting (409 if the meeting was created with
//!   `record=false`). Rust: [`SimServer::add_recording`].
//! - `GET /sim/state` → `{"server", "meetings": [{meetingID, name,
//!   internalMeetingID, createTime, running, hasUserJoined,
//!   hasBeenForciblyEnded, logoutURL (from create, or null), maxUsers, metadata, attendees: [{userID, fullName, role,
//!   listenOnly, voice, video, clientType}]}], "pendingSessions", "version",
//!   "faults"}`.
//!
//!
//! Call counters (for tests and benchmarks: "1 create, 0 BBB calls on a
//! warm join"):
//! - `GET /sim/stats` → `{"calls": {"create": 1, "join": 3, …}, "total": 4}`:
//!   every BBB API request received, by call name (`apiVersion` = the API
//!   root), also those answered by a fault or a checksum error.
//! - `POST /sim/stats/reset` → 204, every counter back to zero.
//! - Rust: [`SimServer::calls`], [`SimServer::call_counts`],
//!   [`SimServer::total_calls`], [`SimServer::reset_calls`].
//!
//! Fault injection (per server, at run time; only BBB API requests are
//! affected, never `/sim/…`, so faults can always be cleared again):
//! - `GET /sim/faults` → the current [`Faults`] as JSON.
//! - `PUT /sim/faults` (or `POST`) with a JSON body
//!   `{"failure": F, "latencyMs": N, "calls": ["getMeetings", …]}`, every
//!   field optional, replaces the faults → 200 with the new value; 400 for
//!   unknown fields or values. `F` is one of `refuse` (connection closed
//!   without a response), `http500`, `truncatedXml`, `garbageXml`,
//!   `checksumError` (answers as if the secret were wrong). `latencyMs` is
//!   added before answering (also combined with a failure). `calls` limits
//!   both to these API calls (`apiVersion` = the API root); empty = all.
//!   So `{"latencyMs": 500, "calls": ["create"]}` makes create slow and
//!   nothing else (the cold-storm benchmark).
//! - `DELETE /sim/faults` clears them → 204.
//! - Rust: [`SimServer::set_faults`], [`SimServer::clear_faults`],
//!   [`SimServer::faults`].
//!
//! Lifecycle: a meeting nobody joined is removed after its
//! `meetingExpireIfNoUserJoinedInMinutes` (default
//! [`SimConfig::empty_meeting_timeout`]), one whose last user left after its
//! `meetingExpireWhenLastUserLeftInMinutes` (default
//! [`SimConfig::last_user_left_timeout`]); both are checked lazily on every
//! request. Tests move the lifecycle clock with [`SimServer::advance_clock`]
//! instead of sleeping. `end` disconnects everybody and marks the meeting forcibly
//! ended (`hasBeenForciblyEnded=true`, `endTime` set, join refused with
//! `meetingForciblyEnded`, create starts a new session); it is removed after
//! [`SimConfig::ended_meeting_linger`].

use std::collections::BTreeMap;
use std::fmt;
use std::net::{SocketAddr, TcpListener};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use actix_web::{web, App, HttpServer};

use crate::bbb::{ChecksumAlgorithm, Role, ServerVersion};

mod api;
mod chat;
mod control;
mod faults;
mod recordings;
mod render;
mod state;
mod tls;

pub use chat::SimChatMessage;
pub use faults::{Failure, Faults};
pub use recordings::{AddRecordingError, FormatSpec, PreviewSpec, RecordingSpec};

#[cfg(test)]
mod bbbctl_tests;
#[cfg(test)]
mod recordings_tests;
#[cfg(test)]
mod tests;

/// Configuration of one simulated BBB server.
#[derive(Clone)]
pub struct SimConfig {
    /// Name for logs and `/sim/state`.
    pub name: String,
    /// The shared secret (`securitySalt`). Empty disables checksum checks,
    /// as on real BBB.
    pub secret: String,
    /// Accepted checksum algorithms (`supportedChecksumAlgorithms`).
    pub algorithms: Vec<ChecksumAlgorithm>,
    /// Removal of a meeting nobody joined (BBB default 5 min).
    pub empty_meeting_timeout: Duration,
    /// Removal of a meeting after its last user left (BBB default 1 min).
    pub last_user_left_timeout: Duration,
    /// How long an ended meeting stays visible (forcibly ended) before it
    /// is removed (default 2 s).
    pub ended_meeting_linger: Duration,
    /// The BBB version simulated (default 3.0): API root fields, join error
    /// delivery (302 before 2.7) and role join (2.4+).
    pub version: ServerVersion,
    /// Serve https with a self-signed certificate made at start (default false: http).
    /// Load balancers such as BBBLB insist on https backends; see `tls`. The `refuse` fault
    /// needs the plain TCP socket and is not available over TLS.
    pub tls: bool,
}

impl SimConfig {
    /// Defaults: all four algorithms, 5 min, 1 min, 2 s, BBB 3.0.
    pub fn new(name: impl Into<String>, secret: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            secret: secret.into(),
            algorithms: ChecksumAlgorithm::ALL.to_vec(),
            empty_meeting_timeout: Duration::from_secs(5 * 60),
            last_user_left_timeout: Duration::from_secs(60),
            ended_meeting_linger: Duration::from_secs(2),
            version: ServerVersion::V3_0,
            tls: false,
        }
    }
}

impl fmt::Debug for SimConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimConfig")
            .field("name", &self.name)
            .field("secret", &"[REDACTED]")
            .field("algorithms", &self.algorithms)
            .field("empty_meeting_timeout", &self.empty_meeting_timeout)
            .field("last_user_left_timeout", &self.last_user_left_timeout)
            .field("ended_meeting_linger", &self.ended_meeting_linger)
            .field("version", &self.version)
            .field("tls", &self.tls)
            .finish()
    }
}

/// State shared by all handlers.
pub(crate) struct Shared {
    pub(crate) config: SimConfig,
    state: Mutex<state::SimState>,
    faults: Mutex<Faults>,
    /// BBB API requests received, by call name.
    calls: Mutex<BTreeMap<String, u64>>,
    /// Chat messages accepted by sendChatMessage (`chat`), oldest first.
    chats: Mutex<Vec<chat::SimChatMessage>>,
    /// Recordings added through the control API.
    recordings: recordings::Recordings,
}

impl Shared {
    /// Locks the state (recovering from a poisoned lock) and applies the
    /// lazy expiry rules.
    pub(crate) fn lock(&self) -> MutexGuard<'_, state::SimState> {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        st.expire(self.config.ended_meeting_linger);
        st
    }

    /// Moves the lifecycle clock and applies the expiry rules.
    pub(crate) fn advance(&self, by: Duration) {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        st.advance(by);
        st.expire(self.config.ended_meeting_linger);
    }

    /// The server-wide lifecycle defaults new meetings start with.
    pub(crate) fn lifecycle(&self) -> state::Lifecycle {
        state::Lifecycle {
            no_user_joined: self.config.empty_meeting_timeout,
            last_user_left: self.config.last_user_left_timeout,
        }
    }

    /// Counts one BBB API request for `call` (see [`SimServer::calls`]).
    pub(crate) fn count_call(&self, call: &str) {
        let mut calls = self.calls.lock().unwrap_or_else(|p| p.into_inner());
        match calls.get_mut(call) {
            Some(n) => *n += 1,
            None => {
                calls.insert(call.to_owned(), 1);
            }
        }
    }

    /// Every call counted since the start or the last reset.
    pub(crate) fn call_counts(&self) -> BTreeMap<String, u64> {
        self.calls.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Sets every counter back to zero.
    pub(crate) fn reset_calls(&self) {
        self.calls.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// The current faults.
    pub(crate) fn faults(&self) -> Faults {
        self.faults
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Replaces the faults.
    pub(crate) fn set_faults(&self, faults: Faults) {
        if !faults.is_none() {
            tracing::info!(server = %self.config.name, ?faults, "bbb-sim: faults set");
        }
        *self.faults.lock().unwrap_or_else(|p| p.into_inner()) = faults;
    }
}

/// Registers every route of the simulator.
fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/bigbluebutton/api", web::get().to(api::api_root))
        .route("/bigbluebutton/api/", web::get().to(api::api_root))
        .route("/bigbluebutton/api/{call}", web::route().to(api::api_call))
        .route("/html5client/join", web::get().to(control::client_join))
        .route("/html5client/leave", web::post().to(control::client_leave))
        .route(
            "/sim/meetings/{meeting_id}/users",
            web::post().to(control::post_user),
        )
        .route(
            "/sim/meetings/{meeting_id}/users/{user_id}",
            web::delete().to(control::delete_user),
        )
        .route(
            "/sim/meetings/{meeting_id}/chat",
            web::get().to(chat::get_chat),
        )
        .route(
            "/sim/meetings/{meeting_id}/recordings",
            web::post().to(recordings::post_recording),
        )
        .route(
            "/playback/{format}/{record_id}",
            web::get().to(recordings::playback_page),
        )
        .route("/sim/state", web::get().to(control::get_state))
        .route("/sim/stats", web::get().to(control::get_stats))
        .route("/sim/stats/reset", web::post().to(control::reset_stats))
        .route("/sim/faults", web::get().to(control::get_faults))
        .route("/sim/faults", web::put().to(control::put_faults))
        .route("/sim/faults", web::post().to(control::put_faults))
        .route("/sim/faults", web::delete().to(control::delete_faults));
}

/// A running simulator.
pub struct SimServer {
    shared: web::Data<Shared>,
    port: u16,
    base_url: url::Url,
    cert_pem: Option<String>,
    handle: actix_web::dev::ServerHandle,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl fmt::Debug for SimServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimServer")
            .field("name", &self.shared.config.name)
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl SimServer {
    /// Serves on an already-bound listener (port 0 in tests); spawns the
    /// actix server onto the current tokio runtime (one worker) and returns
    /// at once.
    pub async fn start(listener: TcpListener, config: SimConfig) -> std::io::Result<SimServer> {
        let port = listener.local_addr()?.port();
        let tls = if config.tls {
            Some(tls::self_signed()?)
        } else {
            None
        };
        let scheme = if tls.is_some() { "https" } else { "http" };
        let base_url = url::Url::parse(&format!("{scheme}://127.0.0.1:{port}/bigbluebutton/"))
            .map_err(std::io::Error::other)?;
        listener.set_nonblocking(true)?;
        let shared = web::Data::new(Shared {
            config,
            state: Mutex::new(state::SimState::default()),
            faults: Mutex::new(Faults::none()),
            calls: Mutex::new(BTreeMap::new()),
            chats: Mutex::new(Vec::new()),
            recordings: recordings::Recordings::default(),
        });
        let data = shared.clone();
        let server = HttpServer::new(move || App::new().app_data(data.clone()).configure(routes))
            .on_connect(|conn, ext| {
                if let Some(sock) = faults::ConnSocket::capture(conn) {
                    ext.insert(sock);
                }
            })
            .workers(1)
            .disable_signals()
            .shutdown_timeout(1);
        let cert_pem = tls.as_ref().map(|t| t.cert_pem.clone());
        let server = match tls {
            Some(t) => server.listen_rustls_0_23(listener, t.config)?,
            None => server.listen(listener)?,
        }
        .run();
        let handle = server.handle();
        let task = tokio::spawn(server);
        Ok(SimServer {
            shared,
            port,
            base_url,
            cert_pem,
            handle,
            task,
        })
    }

    /// `http://127.0.0.1:PORT/bigbluebutton/` (`https://…` with [`SimConfig::tls`]).
    pub fn base_url(&self) -> url::Url {
        self.base_url.clone()
    }

    /// The self-signed certificate (PEM) of a simulator started with [`SimConfig::tls`], for
    /// peers that must trust it.
    pub fn certificate_pem(&self) -> Option<&str> {
        self.cert_pem.as_deref()
    }

    /// The TCP port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Rust twin of `POST /sim/meetings/{id}/users`: adds a connected user
    /// and returns its userID, or `None` if there is no such meeting.
    pub fn add_user(
        &self,
        meeting_id: &str,
        full_name: &str,
        role: Role,
        listen_only: bool,
        voice: bool,
        video: bool,
    ) -> Option<String> {
        control::add_user(
            &self.shared,
            meeting_id,
            control::UserSpec {
                full_name: full_name.to_owned(),
                role,
                user_id: None,
                listen_only,
                voice,
                video,
            },
        )
    }

    /// Rust twin of `POST /sim/meetings/{id}/recordings`: adds a recording of
    /// `meeting_id` as BBB would list it after the meeting, and returns its
    /// recordID.
    pub fn add_recording(
        &self,
        meeting_id: &str,
        spec: RecordingSpec,
    ) -> Result<String, AddRecordingError> {
        // The server's own scheme: a TLS simulator's playback links are https.
        let origin = self.base_url.origin().ascii_serialization();
        recordings::add(&self.shared, &origin, meeting_id, spec)
    }

    /// Rust twin of `PUT /sim/faults`: replaces the injected faults.
    pub fn set_faults(&self, faults: Faults) {
        self.shared.set_faults(faults);
    }

    /// Rust twin of `DELETE /sim/faults`.
    pub fn clear_faults(&self) {
        self.shared.set_faults(Faults::none());
    }

    /// The injected faults.
    pub fn faults(&self) -> Faults {
        self.shared.faults()
    }

    /// How many BBB API requests named `call` this server received since it
    /// started or since [`SimServer::reset_calls`]: `create`, `join`,
    /// `getMeetings`, `getMeetingInfo`, `isMeetingRunning`, `end`,
    /// `getRecordings`, `apiVersion` (the API root), or any other name a
    /// client asked for. Every request counts, also one that a fault or a
    /// checksum error answers; `/sim/…` and `/html5client/…` never do.
    pub fn calls(&self, call: &str) -> u64 {
        self.shared.call_counts().get(call).copied().unwrap_or(0)
    }

    /// Every counter that is not zero, by call name (see [`SimServer::calls`]).
    pub fn call_counts(&self) -> BTreeMap<String, u64> {
        self.shared.call_counts()
    }

    /// The sum of all counters.
    pub fn total_calls(&self) -> u64 {
        self.shared.call_counts().values().sum()
    }

    /// Rust twin of `POST /sim/stats/reset`: every counter back to zero.
    pub fn reset_calls(&self) {
        self.shared.reset_calls();
    }

    /// Rust twin of `GET /sim/meetings/{id}/chat`: every chat message
    /// sendChatMessage delivered to `meeting_id` (any session of it), oldest
    /// first, also after the meeting ended.
    pub fn chat_messages(&self, meeting_id: &str) -> Vec<SimChatMessage> {
        chat::messages_of(&self.shared, meeting_id)
    }

    /// Moves the simulator's lifecycle clock forward by `by` and applies
    /// the expiry rules at once, as if that much time had passed: tests
    /// expire empty, abandoned and ended meetings without sleeping. Only
    /// lifecycle timing moves; `createTime` and `endTime` stay wall-clock.
    pub fn advance_clock(&self, by: Duration) {
        self.shared.advance(by);
    }

    /// Stops the server gracefully and waits for it.
    pub async fn stop(self) {
        self.handle.stop(true).await;
        if let Err(e) = self.task.await {
            tracing::warn!("bbb-sim task ended abnormally: {e}");
        }
    }
}

/// A getMeetings response body with `meetings` running meetings of
/// `attendees` users each, rendered by the simulator's own templates
/// (names with non-ASCII and XML-escaped characters, mixed roles and media
/// flags, three metadata entries per meeting). For benchmarks and fuzzing
/// seeds.
pub fn sample_get_meetings_xml(meetings: usize, attendees: usize) -> String {
    let mut st = state::SimState::default();
    for i in 0..meetings {
        let id = format!("room-{i:04}");
        let (_, _) = st.create(
            state::NewMeeting {
                meeting_id: id.clone(),
                name: format!("Kernel Summit & Friends <{i}> – Jörg's room"),
                attendee_pw: Some("ap".into()),
                moderator_pw: Some("mp".into()),
                voice_bridge: None,
                dial_number: None,
                duration: 0,
                max_users: 0,
                record: i % 2 == 0,
                logout_url: None,
                expire_if_no_user_joined: None,
                expire_when_last_user_left: None,
                metadata: [
                    ("bbb-origin".to_owned(), "hallway".to_owned()),
                    ("hallway-room".to_owned(), id.clone()),
                    (
                        "endcallbackurl".to_owned(),
                        "https://portal.example.org/ended?room=1&x=2".to_owned(),
                    ),
                ]
                .into_iter()
                .collect(),
            },
            state::Lifecycle {
                no_user_joined: Duration::from_secs(300),
                last_user_left: Duration::from_secs(60),
            },
        );
        for j in 0..attendees {
            st.connect(
                &id,
                state::SimAttendee {
                    user_id: format!("w_{i:04}{j:08}"),
                    full_name: format!("Attendee {j} Rödel-Müller"),
                    role: if j % 10 == 0 {
                        Role::Moderator
                    } else {
                        Role::Viewer
                    },
                    is_presenter: j == 0,
                    listen_only: j % 3 == 1,
                    voice: j % 3 == 2,
                    video: j % 5 == 0,
                    client_type: "HTML5".to_owned(),
                    custom: Vec::new(),
                    session_token: None,
                },
            );
        }
    }
    render::meetings(st.meetings.values())
}

/// For the `hallway bbb-sim` subcommand: bind, print the base URL on
/// stdout (`bbb-sim listening on http://ADDR/bigbluebutton/`, the bound
/// address, so `--listen 127.0.0.1:0` works for scripts and tests; `https://`
/// with [`SimConfig::tls`], whose CA certificate goes to `ca_out`), serve
/// until Ctrl-C.
pub async fn run_standalone(
    addr: SocketAddr,
    config: SimConfig,
    ca_out: Option<std::path::PathBuf>,
    faults: Faults,
) -> std::io::Result<()> {
    let listener = TcpListener::bind(addr)?;
    let local = listener.local_addr()?;
    let name = config.name.clone();
    let algorithms: Vec<String> = config.algorithms.iter().map(|a| a.to_string()).collect();
    let version = config.version;
    let server = SimServer::start(listener, config).await?;
    server.set_faults(faults);
    if let (Some(path), Some(pem)) = (ca_out, server.certificate_pem()) {
        std::fs::write(path, pem)?;
    }
    let base = server.base_url();
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        writeln!(out, "bbb-sim listening on {base}")?;
        out.flush()?;
    }
    tracing::info!(
        server = %name,
        algorithms = %algorithms.join(","),
        bbb_version = %version,
        "bbb-sim listening on {base} (API at {base}api/, bound to {local})"
    );
    tokio::signal::ctrl_c().await?;
    tracing::info!("bbb-sim: Ctrl-C received, stopping");
    server.stop().await;
    Ok(())
}

/// `hallway bbb-sim --count N`: N simulated servers in one process, for benchmarks with
/// hundreds of servers. Server `i` (1-based) is named `{name}{i}`, listens on `addr`'s port +
/// i - 1 (port 0: a free port each), and prints its own `bbb-sim listening on …` line; all
/// share the secret, version and start faults. Serves until Ctrl-C.
pub async fn run_many(
    addr: SocketAddr,
    config: SimConfig,
    count: u16,
    faults: Faults,
) -> std::io::Result<()> {
    let mut servers = Vec::with_capacity(usize::from(count));
    for i in 0..count {
        let mut at = addr;
        if addr.port() != 0 {
            at.set_port(
                addr.port().checked_add(i).ok_or_else(|| {
                    std::io::Error::other("--listen port + --count runs past 65535")
                })?,
            );
        }
        let mut c = config.clone();
        c.name = format!("{}{}", config.name, i + 1);
        let server = SimServer::start(TcpListener::bind(at)?, c).await?;
        server.set_faults(faults.clone());
        {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            writeln!(out, "bbb-sim listening on {}", server.base_url())?;
            out.flush()?;
        }
        servers.push(server);
    }
    tracing::info!(
        servers = servers.len(),
        "bbb-sim: all simulated servers listening"
    );
    tokio::signal::ctrl_c().await?;
    tracing::info!("bbb-sim: Ctrl-C received, stopping");
    for s in servers {
        s.stop().await;
    }
    Ok(())
}

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
//! - `GET /bigbluebutton/api` and `/bigbluebutton/api/`: version (3.0 shape, no checksum).
//! - `GET|POST /bigbluebutton/api/{call}` for create, getMeetings,
//!   getMeetingInfo, isMeetingRunning, end; `GET` for join. Other calls:
//!   FAILED `unsupportedRequest`.
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
//! - `GET /sim/state` → `{"server", "meetings": [{meetingID, name,
//!   internalMeetingID, createTime, running, hasUserJoined, metadata,
//!   attendees: [{userID, fullName, role, listenOnly, voice, video,
//!   clientType}]}], "pendingSessions"}`.
//!
//! Fault injection (connection refused, latency, HTTP 500, garbage XML,
//! wrong-secret answers) is not implemented yet. It is meant to live under
//! `/sim/faults` as a `Faults` value in [`Shared`] consulted at the top of
//! `api::api_call` (the single entry point of every API request).
//!
//! Lifecycle: a meeting nobody joined is removed after
//! [`SimConfig::empty_meeting_timeout`], one whose last user left after
//! [`SimConfig::last_user_left_timeout`]; both are checked lazily on every
//! request. `end` removes the meeting at once.

use std::fmt;
use std::net::{SocketAddr, TcpListener};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use actix_web::{web, App, HttpServer};

use crate::bbb::{ChecksumAlgorithm, Role};

mod api;
mod control;
mod render;
mod state;

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
}

impl SimConfig {
    /// Defaults: all four algorithms, 5 min, 1 min.
    pub fn new(name: impl Into<String>, secret: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            secret: secret.into(),
            algorithms: ChecksumAlgorithm::ALL.to_vec(),
            empty_meeting_timeout: Duration::from_secs(5 * 60),
            last_user_left_timeout: Duration::from_secs(60),
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
            .finish()
    }
}

/// State shared by all handlers.
pub(crate) struct Shared {
    pub(crate) config: SimConfig,
    state: Mutex<state::SimState>,
}

impl Shared {
    /// Locks the state (recovering from a poisoned lock) and applies the
    /// lazy expiry rules.
    pub(crate) fn lock(&self) -> MutexGuard<'_, state::SimState> {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        st.expire(
            self.config.empty_meeting_timeout,
            self.config.last_user_left_timeout,
        );
        st
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
        .route("/sim/state", web::get().to(control::get_state));
}

/// A running simulator.
pub struct SimServer {
    shared: web::Data<Shared>,
    port: u16,
    base_url: url::Url,
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
        let base_url = url::Url::parse(&format!("http://127.0.0.1:{port}/bigbluebutton/"))
            .map_err(std::io::Error::other)?;
        listener.set_nonblocking(true)?;
        let shared = web::Data::new(Shared {
            config,
            state: Mutex::new(state::SimState::default()),
        });
        let data = shared.clone();
        let server = HttpServer::new(move || App::new().app_data(data.clone()).configure(routes))
            .workers(1)
            .disable_signals()
            .shutdown_timeout(1)
            .listen(listener)?
            .run();
        let handle = server.handle();
        let task = tokio::spawn(server);
        Ok(SimServer {
            shared,
            port,
            base_url,
            handle,
            task,
        })
    }

    /// `http://127.0.0.1:PORT/bigbluebutton/`.
    pub fn base_url(&self) -> url::Url {
        self.base_url.clone()
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

    /// Stops the server gracefully and waits for it.
    pub async fn stop(self) {
        self.handle.stop(true).await;
        if let Err(e) = self.task.await {
            tracing::warn!("bbb-sim task ended abnormally: {e}");
        }
    }
}

/// For the `hallway bbb-sim` subcommand: bind, log the base URL, serve
/// until Ctrl-C.
pub async fn run_standalone(addr: SocketAddr, config: SimConfig) -> std::io::Result<()> {
    let listener = TcpListener::bind(addr)?;
    let local = listener.local_addr()?;
    let name = config.name.clone();
    let algorithms: Vec<String> = config.algorithms.iter().map(|a| a.to_string()).collect();
    let server = SimServer::start(listener, config).await?;
    tracing::info!(
        server = %name,
        algorithms = %algorithms.join(","),
        "bbb-sim listening on http://{local}/bigbluebutton/ (API at http://{local}/bigbluebutton/api/)"
    );
    tokio::signal::ctrl_c().await?;
    tracing::info!("bbb-sim: Ctrl-C received, stopping");
    server.stop().await;
    Ok(())
}

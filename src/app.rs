//! Building and running the portal: what `hallway serve`, `hallway demo` and the tests start.
//!
//! [`Application::build`] connects and migrates the database, syncs the configured rooms,
//! binds its own listener (port 0 in tests) and prepares the background jobs (status poller,
//! schedule puller), so tests boot exactly what production boots.
//!
//! The middleware that applies to every route is put together here: `web::outer` (request
//! span, metrics, pages' default `Cache-Control`), compression (gzip, brotli), security
//! headers, the session and the error pages' full layout.

use std::net::TcpListener;
use std::sync::Arc;

use actix_session::config::PersistentSession;
use actix_session::SessionMiddleware;
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::Server;
use actix_web::middleware::{from_fn, Compress};
use actix_web::{web, App, HttpServer};
use anyhow::Context;
use secrecy::ExposeSecret;

use crate::bbb::{BbbClient, Endpoint, Timeouts};
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::Db;
use crate::error::AppError;
use crate::rooms::lifecycle;
use crate::rooms::model::ServerName;
use crate::rooms::placement::Placements;
use crate::rooms::registry::{Flights, Registry};
use crate::rooms::store as room_store;
use crate::rooms::token::LinkKey;
use crate::schedule::import::ImportOptions;
use crate::schedule::index::{ScheduleIndex, SharedIndex};
use crate::schedule::pull::Puller;
use crate::servers::store as servers_store;
use crate::servers::view::ServerView;
use crate::state::AppState;
use crate::status::metrics::Metrics;
use crate::status::poller::{PollOptions, Poller};
use crate::status::snapshot::StatusStore;
use crate::sync::ChangeFeed;

/// How to build the portal beyond its settings: what tests change.
#[derive(Clone, Debug)]
pub struct BuildOptions {
    /// Where "now" comes from (tests pin it).
    pub clock: Clock,
    /// Run the background loops (status poller, schedule puller) while serving. Tests turn
    /// them off and call `poll_once` / `pull_once` themselves.
    pub background_jobs: bool,
}

impl Default for BuildOptions {
    fn default() -> Self {
        Self {
            clock: Clock::system(),
            background_jobs: true,
        }
    }
}

/// A built, not yet running, portal.
pub struct Application {
    port: u16,
    server: Server,
    poller: Poller,
    puller: Option<Puller>,
    settings: Arc<Settings>,
    db: Db,
    options: BuildOptions,
    state: web::Data<AppState>,
}

impl Application {
    /// Connects, migrates, syncs rooms and binds `settings.listen`, with the system clock and
    /// the background loops on.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with(settings, BuildOptions::default()).await
    }

    /// [`Application::build`] with a chosen clock and background-job switch.
    pub async fn build_with(mut settings: Settings, options: BuildOptions) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(settings.listen)
            .with_context(|| format!("binding {}", settings.listen))?;
        let port = listener.local_addr()?.port();
        if settings.public_url_derived {
            // Port 0 was resolved just now: links must carry the real port.
            let _ = settings.public_url.set_port(Some(port));
        }
        let settings = Arc::new(settings);
        let db = Db::connect(&settings.database_url).await?;
        room_store::sync_from_config(&db, &settings.rooms)
            .await
            .context("syncing the configured rooms into the database")?;
        let bbb = BbbClient::new(Timeouts {
            connect: settings.bbb.connect_timeout,
            total: settings.bbb.timeout,
        })
        .context("building the BBB HTTP client")?;
        let endpoint_list: Vec<Endpoint> =
            settings.bbb.servers.iter().map(|s| s.endpoint()).collect();
        let endpoints: crate::FastMap<ServerName, Endpoint> = settings
            .bbb
            .servers
            .iter()
            .map(|s| (s.name.clone(), s.endpoint()))
            .collect();
        let status = StatusStore::default();
        let metrics = Arc::new(Metrics::new());
        let registry = Arc::new(Registry::default());
        let balancers: Vec<String> = settings
            .bbb
            .servers
            .iter()
            .filter(|s| s.balancer)
            .map(|s| s.name.to_string())
            .collect();
        let poller = Poller::new(
            bbb.clone(),
            Arc::new(endpoint_list),
            status.clone(),
            PollOptions {
                call_timeout: settings.bbb.timeout,
                concurrency: settings.status.poll_concurrency,
                interval: settings.bbb.poll_interval,
                down_after: settings.status.down_after,
                up_after: settings.status.up_after,
            },
            metrics.clone(),
            options.clock.clone(),
        )
        .with_balancers(balancers.iter().cloned(), registry.clone());
        let rooms = Arc::new(settings.room_directory());
        let changes = Arc::new(ChangeFeed::new());
        // Record the versions before loading, so a change racing the load is reloaded later.
        changes.changed_once(&db).await?;
        let servers = Arc::new(
            ServerView::new(
                settings
                    .bbb
                    .servers
                    .iter()
                    .map(|s| s.name.to_string())
                    .collect(),
            )
            .with_balancers(balancers.iter().cloned()),
        );
        servers.replace(servers_store::load(&db).await?);
        registry.replace_all(room_store::open_meetings(&db).await?);
        let placements = Arc::new(Placements::from_stored(
            &rooms,
            room_store::all_pins(&db).await?,
            servers.clone(),
            registry.clone(),
        ));
        let schedule = Arc::new(SharedIndex::new(ScheduleIndex::load(&db, &rooms).await?));
        let puller = match &settings.schedule.url {
            Some(url) => Some(Puller::new(
                db.clone(),
                url.clone(),
                ImportOptions {
                    fallback_time_zone: settings.time_zone,
                    max_bytes: settings.schedule.max_bytes,
                    dry_run: false,
                },
                rooms.clone(),
                settings.schedule.redirects,
            )?),
            None => None,
        };
        let key = match &settings.session_key {
            Some(k) => Key::derive_from(k.expose_secret().as_bytes()),
            None => {
                tracing::warn!(
                    "server.session_key is not set: using a random key; form tokens and the \
                     session cookie's contents do not survive a restart or carry over between \
                     instances"
                );
                Key::generate()
            }
        };
        let secure = settings.public_url.scheme() == "https";
        let sessions = Arc::new(crate::auth::gate::SessionGate::new(
            &settings.auth,
            key.signing(),
            secure,
        ));
        sessions.reload(&db, options.clock.now()).await?;
        let login_limits = Arc::new(crate::auth::limits::LoginLimits::new(&settings.auth));
        let oidc = match &settings.oidc {
            Some(o) => Some(Arc::new(crate::auth::oidc::Oidc::new(
                o.clone(),
                &settings.public_link("/auth/oidc/callback"),
                &settings.public_link("/"),
            )?)),
            None => None,
        };
        let mailer = match &settings.smtp {
            Some(m) => Some(Arc::new(crate::auth::email_link::Mailer::new(m)?)),
            None => None,
        };
        let state = web::Data::new(AppState {
            sessions,
            login_limits,
            oidc,
            mailer,
            settings: settings.clone(),
            db: db.clone(),
            bbb,
            endpoints: Arc::new(endpoints),
            rooms,
            placements,
            status,
            clock: options.clock.clone(),
            join_window: settings.join_window,
            schedule,
            changes,
            registry,
            flights: Flights::default(),
            poller: poller.clone(),
            instance_id: crate::auth::session::new_user_id().replacen("hw-", "instance-", 1),
            link_key: LinkKey::new(settings.session_key.as_ref()),
            servers,
            metrics: metrics.clone(),
            recordings: Arc::new(crate::recordings::cache::RecordingsCache::new(
                crate::recordings::store::all(&db).await?,
            )),
            lobby: Default::default(),
        });
        // Read with the other caches, before the change feed's first step.
        state
            .lobby
            .replace_starts(crate::lobby::store::starts(&db).await?);
        if settings.session_key.is_none()
            && (!settings.database_url.is_sqlite() || settings.public_url.scheme() == "https")
        {
            anyhow::bail!(
                "server.session_key must be set (at least 32 characters, the same on every \
                 instance) when hallway runs on PostgreSQL or behind https; without it every \
                 instance signs cookies with its own random key and logins break"
            );
        }
        let cookie_ttl = actix_web::cookie::time::Duration::seconds(
            i64::try_from(settings.auth.absolute.as_secs()).unwrap_or(i64::MAX),
        );
        let app_state = state.clone();
        // One page cache per instance, shared by its workers.
        let page_cache = web::Data::new(crate::web::page_cache::PageCache::default());
        let server = HttpServer::new(move || {
            App::new()
                // Inside the session middleware: error pages get the visitor's full layout.
                .wrap(from_fn(crate::web::error_layout::full_layout))
                .wrap(
                    SessionMiddleware::builder(
                        crate::auth::session::CookieStore::default(),
                        key.clone(),
                    )
                    .cookie_name(crate::auth::session::COOKIE_NAME.into())
                    .cookie_secure(secure)
                    .cookie_same_site(SameSite::Lax)
                    .cookie_http_only(true)
                    .session_lifecycle(PersistentSession::default().session_ttl(cookie_ttl))
                    .build(),
                )
                // gzip or brotli as the client asks; empty bodies (303 redirects, 304) and images
                // other than SVG are left as they are.
                .wrap(Compress::default())
                // Outermost: request span, metrics, security headers, pages' default Cache-Control,
                // the session cookie unescaped (`auth::session::plain_session_cookie`).
                .wrap(from_fn(crate::web::outer))
                .app_data(state.clone())
                .app_data(page_cache.clone())
                .app_data(web::Data::new(metrics.clone()))
                .app_data(
                    web::FormConfig::default()
                        .limit(16 * 1024)
                        .error_handler(|e, _| {
                            AppError::BadRequest(format!("The form could not be read: {e}")).into()
                        }),
                )
                .app_data(web::QueryConfig::default().error_handler(|e, _| {
                    AppError::BadRequest(format!("The address could not be read: {e}")).into()
                }))
                .app_data(
                    web::PathConfig::default().error_handler(|_, _| AppError::NotFound.into()),
                )
                .configure(crate::web::routes)
        })
        .listen(listener)?
        .run();
        Ok(Self {
            port,
            server,
            poller,
            puller,
            settings,
            db,
            options,
            state: app_state,
        })
    }

    /// The shared state (tests call `refresh_once` on it).
    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// The clock the app decides by.
    pub fn clock(&self) -> &Clock {
        &self.options.clock
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle on the status poller (tests call `poll_once` on it).
    pub fn poller(&self) -> Poller {
        self.poller.clone()
    }

    /// A handle on the schedule puller, when `schedule.url` is configured.
    pub fn puller(&self) -> Option<Puller> {
        self.puller.clone()
    }

    /// The database (tests and the CLI use it).
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Serves HTTP, and runs the background loops unless they were turned off, until the
    /// server stops (Ctrl-C / SIGTERM).
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let mut jobs = Vec::new();
        if self.options.background_jobs {
            jobs.push(tokio::spawn(sync_loop(self.state.clone())));
            jobs.push(tokio::spawn(status_loop(
                self.state.clone(),
                self.settings.bbb.poll_interval,
            )));
            jobs.push(tokio::spawn(end_finished_loop(self.state.clone())));
            jobs.push(tokio::spawn(prewarm_loop(self.state.clone())));
            jobs.push(tokio::spawn(retire_moved_loop(self.state.clone())));
            jobs.push(tokio::spawn(recordings_loop(self.state.clone())));
            if let Some(p) = self.puller {
                jobs.push(tokio::spawn(
                    p.run_until_stopped(self.settings.schedule.pull_interval),
                ));
            }
        }
        if let Some(addr) = self.settings.metrics.listen {
            let metrics = self.state.metrics.clone();
            let server = HttpServer::new(move || {
                let m = metrics.clone();
                App::new().route(
                    "/metrics",
                    web::get().to(move |req: actix_web::HttpRequest| {
                        let m = m.clone();
                        async move { crate::status::handlers::metrics_text(&m, &req) }
                    }),
                )
            })
            .workers(1)
            .bind(addr)
            .with_context(|| format!("binding metrics.listen {addr}"))?
            .run();
            tracing::info!(%addr, "serving /metrics");
            jobs.push(tokio::spawn(async move {
                if let Err(e) = server.await {
                    tracing::error!(error = %e, "the metrics listener stopped");
                }
            }));
        }
        let result = self.server.await;
        for job in jobs {
            job.abort();
        }
        result.context("HTTP server failed")
    }
}

pub use crate::web::PAGE_CACHE_CONTROL;

/// The change-mechanism loop: once a second, reload the caches whose shared state moved.
async fn sync_loop(state: web::Data<AppState>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = state.refresh_once().await {
            tracing::warn!(error = %e, "reloading shared state failed; will retry");
        }
    }
}

/// The status loop: every `bbb.poll_interval_secs`, poll every server and update the registry.
async fn status_loop(state: web::Data<AppState>, interval: std::time::Duration) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let report = lifecycle::status_round(&state).await;
        tracing::debug!(job = "status", up = report.up, down = report.down, "polled");
    }
}

/// The end-finished loop: every 30 s, end the meetings of sessions that are over (one
/// instance at a time, by lease).
async fn end_finished_loop(state: web::Data<AppState>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(30));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = lifecycle::end_finished_once(&state).await {
            tracing::warn!(error = %e, "ending finished sessions' meetings failed; will retry");
        }
    }
}

/// The pre-warm loop: every 30 s, create the meetings of sessions starting within the lead
/// (one instance at a time, by lease).
async fn prewarm_loop(state: web::Data<AppState>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(30));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = lifecycle::prewarm_once(&state).await {
            tracing::warn!(error = %e, "pre-warming meetings failed; will retry");
        }
    }
}

/// The retire loop: every 5 seconds (the delay it enforces is a minute by default, and each
/// step takes the lease, a database write), end the old meetings of rooms moved on purpose
/// whose announced delay is over (one instance, under the `retire-moved` lease).
async fn retire_moved_loop(state: web::Data<AppState>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = lifecycle::retire_moved_once(&state).await {
            tracing::warn!(error = %e, "ending moved rooms' old meetings failed");
        }
    }
}

/// The recordings loop: every `recordings::fetch::INTERVAL`, fetch BBB's recordings of
/// hallway's meetings into the shared cache (one instance at a time, by lease).
async fn recordings_loop(state: web::Data<AppState>) {
    let mut tick = tokio::time::interval(crate::recordings::fetch::INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = crate::recordings::fetch::recordings_once(&state).await {
            tracing::warn!(error = %e, "storing fetched recordings failed; will retry");
        }
    }
}

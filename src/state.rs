//! What every request handler shares: settings, database, BBB client, rooms, the status
//! snapshot and the clock. Built once by `app::Application::build`, handed to actix as
//! `web::Data<AppState>`; kept apart from the builder so pages and jobs can depend on it
//! without depending on how the server is started.

use std::sync::Arc;

use crate::bbb::{BbbClient, Endpoint};
use crate::clock::Clock;
use crate::config::BbbServerSettings;
use crate::config::Settings;
use crate::db::Db;
use crate::recordings::cache::RecordingsCache;
use crate::recordings::store as recordings_store;
use crate::rooms::model::{JoinWindow, ServerName};
use crate::rooms::placement::Placements;
use crate::rooms::registry::{Flights, Registry};
use crate::rooms::store as room_store;
use crate::rooms::token::LinkKey;
use crate::rooms::RoomDirectory;
use crate::schedule::index::{ScheduleIndex, SharedIndex};
use crate::servers::store as servers_store;
use crate::servers::view::ServerView;
use crate::status::metrics::Metrics;
use crate::status::poller::Poller;
use crate::status::snapshot::StatusStore;
use crate::sync::{ChangeFeed, Topic};

/// Everything handlers share. Cheap to clone (all `Arc`s inside).
pub struct AppState {
    /// Parsed configuration.
    pub settings: Arc<Settings>,
    /// The database.
    pub db: Db,
    /// The BBB client (timeouts configured).
    pub bbb: BbbClient,
    /// BBB endpoints by server name.
    pub endpoints: Arc<crate::FastMap<ServerName, Endpoint>>,
    /// The configured rooms.
    pub rooms: Arc<RoomDirectory>,
    /// Where each room is hosted now.
    pub placements: Arc<Placements>,
    /// Latest status snapshot.
    pub status: StatusStore,
    /// Where "now" comes from.
    pub clock: Clock,
    /// When session rooms open to attendees.
    pub join_window: JoinWindow,
    /// The schedule in memory.
    pub schedule: Arc<SharedIndex>,
    /// This instance's view of the change versions.
    pub changes: Arc<ChangeFeed>,
    /// The meeting registry in memory.
    pub registry: Arc<Registry>,
    /// Creates in flight on this instance.
    pub flights: Flights,
    /// The status poller (jobs and tests run its rounds).
    pub poller: Poller,
    /// This instance's random id: the owner of the leases it takes.
    pub instance_id: String,
    /// Key that signs hallway's own short-lived links (join return tokens).
    pub link_key: LinkKey,
    /// Revoked sessions and guest mode, in memory (refreshed through `changes`).
    pub sessions: Arc<crate::auth::gate::SessionGate>,
    /// Per-address login attempt limits (this instance).
    pub login_limits: Arc<crate::auth::limits::LoginLimits>,
    /// The OpenID Connect provider, when `[oidc]` is configured.
    pub oidc: Option<Arc<crate::auth::oidc::Oidc>>,
    /// The mail server for login links, when `[smtp]` is configured.
    pub mailer: Option<Arc<crate::auth::email_link::Mailer>>,
    /// Server states, health decisions and load.
    pub servers: Arc<ServerView>,
    /// The Prometheus series.
    pub metrics: Arc<Metrics>,
    /// BBB's recordings of hallway's meetings, in memory (refreshed through `changes`).
    pub recordings: Arc<RecordingsCache>,
    /// Open lobby, room and session pages, and the meetings moderators started.
    pub lobby: Arc<crate::lobby::hub::Hub>,
}

/// The conference as pages show it: configuration overrides first, then the last import.
pub struct ConferenceIdentity {
    /// Display name.
    pub title: String,
    /// The conference's zone (UTC when nothing names one).
    pub tz: chrono_tz::Tz,
    /// The last import, if any.
    pub info: Option<crate::schedule::store::ConferenceInfo>,
}

impl AppState {
    /// The conference's zone (configuration first, then the last import, else UTC), without
    /// copying the rest of [`AppState::conference`].
    pub fn conference_tz(&self) -> chrono_tz::Tz {
        self.settings
            .time_zone
            .or_else(|| self.schedule.get().conference().and_then(|i| i.time_zone))
            .unwrap_or(chrono_tz::Tz::UTC)
    }

    /// Name and zone of the conference, from the schedule in memory.
    pub fn conference(&self) -> ConferenceIdentity {
        let info = self.schedule.get().conference().cloned();
        ConferenceIdentity {
            title: self
                .settings
                .conference_name
                .clone()
                .or(info.as_ref().map(|i| i.title.clone()))
                .unwrap_or_else(|| "hallway".into()),
            tz: self
                .settings
                .time_zone
                .or(info.as_ref().and_then(|i| i.time_zone))
                .unwrap_or(chrono_tz::Tz::UTC),
            info,
        }
    }

    /// Reloads every cache whose shared state changed since the last call (on this instance,
    /// another one, or by a CLI command): the step the sync loop runs every second and tests
    /// call directly.
    pub async fn refresh_once(&self) -> Result<Vec<Topic>, sqlx::Error> {
        let changed = self.changes.changed_once(&self.db).await?;
        for topic in &changed {
            match topic {
                Topic::Schedule => self
                    .schedule
                    .set(ScheduleIndex::load(&self.db, &self.rooms).await?),
                Topic::Placements => {
                    self.placements
                        .replace(&self.rooms, room_store::all_pins(&self.db).await?);
                    self.lobby.check_moves(&self.rooms, &self.placements);
                }
                Topic::Meetings => self
                    .registry
                    .replace_all(room_store::open_meetings(&self.db).await?),
                Topic::Sessions => {
                    self.sessions
                        .reload_revoked(&self.db, self.clock.now())
                        .await?
                }
                Topic::GuestMode => self.sessions.reload_guest_mode(&self.db).await?,
                Topic::Servers => self.servers.replace(servers_store::load(&self.db).await?),
                Topic::Recordings => self
                    .recordings
                    .replace(recordings_store::all(&self.db).await?),
                Topic::MeetingStarts => {
                    self.lobby
                        .replace_starts(crate::lobby::store::starts(&self.db).await?);
                }
            }
        }
        Ok(changed)
    }

    /// The settings of a configured server.
    pub fn server(&self, name: &ServerName) -> Option<&BbbServerSettings> {
        self.settings.bbb.servers.iter().find(|s| &s.name == name)
    }

    /// The endpoint of a configured server.
    pub fn endpoint(&self, name: &ServerName) -> Option<&Endpoint> {
        self.endpoints.get(name)
    }
}

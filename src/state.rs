//! What every request handler shares: settings, database, BBB client, rooms, the status
//! snapshot and the clock. Built once by `app::Application::build`, handed to actix as
//! `web::Data<AppState>`; kept apart from the builder so pages and jobs can depend on it
//! without depending on how the server is started.

use std::collections::HashMap;
use std::sync::Arc;

use crate::bbb::{BbbClient, Endpoint};
use crate::clock::Clock;
use crate::config::BbbServerSettings;
use crate::config::Settings;
use crate::db::Db;
use crate::rooms::model::{JoinWindow, ServerName};
use crate::rooms::placement::Placements;
use crate::rooms::RoomDirectory;
use crate::status::snapshot::StatusStore;

/// Everything handlers share. Cheap to clone (all `Arc`s inside).
pub struct AppState {
    /// Parsed configuration.
    pub settings: Arc<Settings>,
    /// The database.
    pub db: Db,
    /// The BBB client (timeouts configured).
    pub bbb: BbbClient,
    /// BBB endpoints by server name.
    pub endpoints: Arc<HashMap<ServerName, Endpoint>>,
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
    /// Name and zone of the conference (one small query).
    pub async fn conference(&self) -> Result<ConferenceIdentity, sqlx::Error> {
        let info = crate::schedule::store::conference_info(&self.db).await?;
        Ok(ConferenceIdentity {
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
        })
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

//! The state and health of every configured server as this instance knows them, and the
//! load placement compares. Pure in-memory: the database is the truth (`servers::store`),
//! reloaded on the `servers` topic; the poller's snapshot supplies the load.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::status::health::Health;
use crate::status::snapshot::Snapshot;

/// What staff allow on a server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ServerState {
    /// New meetings and joins.
    Enabled,
    /// Joins to running meetings only.
    Draining,
    /// Nothing.
    Disabled,
}

impl ServerState {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            ServerState::Enabled => "enabled",
            ServerState::Draining => "draining",
            ServerState::Disabled => "disabled",
        }
    }

    /// From the stored or typed form.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "enabled" | "enable" => Some(ServerState::Enabled),
            "draining" | "drain" => Some(ServerState::Draining),
            "disabled" | "disable" => Some(ServerState::Disabled),
            _ => None,
        }
    }
}

/// One server's stored state and health.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ServerInfo {
    /// Name.
    pub name: String,
    /// Staff's setting.
    pub state: ServerState,
    /// Who set it (None: never changed).
    pub changed_by: Option<String>,
    /// When, Unix seconds.
    pub changed_at: Option<i64>,
    /// The leader's health decision.
    pub health: Health,
    /// Since when, Unix seconds.
    pub health_since: Option<i64>,
    /// The poll error that made it DOWN.
    pub health_error: Option<String>,
}

impl ServerInfo {
    /// A server nobody touched: enabled, health unknown.
    pub fn fresh(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            state: ServerState::Enabled,
            changed_by: None,
            changed_at: None,
            health: Health::Unknown,
            health_since: None,
            health_error: None,
        }
    }
}

/// How much a webcam weighs against one participant in the load.
pub const VIDEO_WEIGHT: i64 = 3;
/// How much a meeting created in the last minute weighs (people are still arriving).
pub const RESERVATION_WEIGHT: i64 = 10;
/// How long a create counts as a reservation.
pub const RESERVATION_TTL: Duration = Duration::from_secs(60);

/// The in-memory view.
#[derive(Debug)]
pub struct ServerView {
    names: Vec<String>,
    /// Upstream load balancers (Scalelite, BBBLB): never a placement target, never left.
    balancers: crate::FastSet<String>,
    /// Read on every join: swapped whole, read without a lock (no shared write per read).
    info: arc_swap::ArcSwap<crate::FastMap<String, ServerInfo>>,
    loads: RwLock<HashMap<String, i64>>,
    reservations: Mutex<Vec<(String, Instant)>>,
}

impl ServerView {
    /// A view over the configured `names` (configuration order), all fresh.
    pub fn new(names: Vec<String>) -> Self {
        Self {
            names,
            balancers: crate::FastSet::default(),
            info: arc_swap::ArcSwap::from_pointee(crate::FastMap::default()),
            loads: RwLock::new(HashMap::new()),
            reservations: Mutex::new(Vec::new()),
        }
    }

    /// Marks these configured servers as upstream load balancers.
    pub fn with_balancers(mut self, balancers: impl IntoIterator<Item = String>) -> Self {
        self.balancers = balancers.into_iter().collect();
        self
    }

    /// True for an upstream load balancer (Scalelite, BBBLB): its rooms stay on it whatever
    /// its health (the balancer places and fails over itself), and no other room moves there.
    pub fn is_balancer(&self, name: &str) -> bool {
        self.balancers.contains(name)
    }

    /// Configured server names, in order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Replaces the stored rows (after a reload).
    pub fn replace(&self, rows: Vec<ServerInfo>) {
        let map = rows.into_iter().map(|r| (r.name.clone(), r)).collect();
        self.info.store(Arc::new(map));
    }

    /// A server's stored info (fresh if nothing is stored).
    pub fn info(&self, name: &str) -> ServerInfo {
        self.info
            .load()
            .get(name)
            .cloned()
            .unwrap_or_else(|| ServerInfo::fresh(name))
    }

    /// What `f` reads of `name`'s stored info (fresh if nothing is stored), without a copy:
    /// the join path asks whether its server takes joins.
    fn with_info<R>(&self, name: &str, f: impl FnOnce(&ServerInfo) -> R) -> R {
        match self.info.load().get(name) {
            Some(i) => f(i),
            None => f(&ServerInfo::fresh(name)),
        }
    }

    /// Staff's setting of `name`.
    pub fn state(&self, name: &str) -> ServerState {
        self.with_info(name, |i| i.state)
    }

    /// The leader's health decision of `name`.
    pub fn health(&self, name: &str) -> Health {
        self.info(name).health
    }

    /// May a new meeting be created on `name`?
    pub fn accepts_new(&self, name: &str) -> bool {
        self.with_info(name, |i| {
            i.state == ServerState::Enabled && i.health.is_usable()
        })
    }

    /// May people join a meeting already running on `name`?
    pub fn accepts_joins(&self, name: &str) -> bool {
        self.with_info(name, |i| {
            i.state != ServerState::Disabled && i.health.is_usable()
        })
    }

    /// Takes the load of every server from a poll: people + weighted webcams.
    pub fn set_loads(&self, snap: &Snapshot) {
        let loads = snap
            .servers
            .iter()
            .map(|s| {
                let load = s
                    .meetings
                    .iter()
                    .map(|m| {
                        i64::from(m.participant_count) + VIDEO_WEIGHT * i64::from(m.video_count)
                    })
                    .sum();
                (s.name.clone(), load)
            })
            .collect();
        if let Ok(mut g) = self.loads.write() {
            *g = loads;
        }
    }

    /// Notes that a meeting is being created on `name` (a reservation for a minute).
    pub fn reserve(&self, name: &str) {
        let mut g = self.reservations.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        g.retain(|(_, at)| now.duration_since(*at) < RESERVATION_TTL);
        g.push((name.to_owned(), now));
    }

    /// People + weighted webcams + this instance's reservations of the last minute.
    pub fn load(&self, name: &str) -> i64 {
        let base = self
            .loads
            .read()
            .ok()
            .and_then(|g| g.get(name).copied())
            .unwrap_or(0);
        let now = Instant::now();
        let reserved = self
            .reservations
            .lock()
            .map(|g| {
                g.iter()
                    .filter(|(n, at)| n == name && now.duration_since(*at) < RESERVATION_TTL)
                    .count() as i64
            })
            .unwrap_or(0);
        base + RESERVATION_WEIGHT * reserved
    }

    /// The least-loaded server that accepts new meetings, other than `except`; ties go to the
    /// first in configuration order, so instances with the same view choose alike.
    pub fn least_loaded(&self, except: &str, extra: &HashMap<String, i64>) -> Option<String> {
        self.names
            .iter()
            .filter(|n| n.as_str() != except && !self.is_balancer(n) && self.accepts_new(n))
            .min_by_key(|n| self.load(n) + extra.get(n.as_str()).copied().unwrap_or(0))
            .cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(name: &str, state: ServerState, health: Health) -> ServerInfo {
        ServerInfo {
            state,
            health,
            ..ServerInfo::fresh(name)
        }
    }

    #[test]
    fn states_decide_what_a_server_accepts() {
        let v = ServerView::new(vec!["a".into(), "b".into(), "c".into(), "d".into()]);
        v.replace(vec![
            info("b", ServerState::Draining, Health::Up),
            info("c", ServerState::Disabled, Health::Up),
            info("d", ServerState::Enabled, Health::Down),
        ]);
        let table: Vec<(bool, bool)> = ["a", "b", "c", "d"]
            .iter()
            .map(|n| (v.accepts_new(n), v.accepts_joins(n)))
            .collect();
        assert_eq!(
            table,
            vec![(true, true), (false, true), (false, false), (false, false)]
        );
    }

    #[test]
    fn least_loaded_counts_reservations_and_skips_what_does_not_accept() {
        let v = ServerView::new(vec!["a".into(), "b".into(), "c".into()]);
        v.replace(vec![info("c", ServerState::Disabled, Health::Up)]);
        assert_eq!(v.least_loaded("x", &HashMap::new()).as_deref(), Some("a"));
        v.reserve("a");
        assert_eq!(v.least_loaded("x", &HashMap::new()).as_deref(), Some("b"));
        assert_eq!(v.least_loaded("b", &HashMap::new()).as_deref(), Some("a"));
        let extra = HashMap::from([("b".to_string(), 100)]);
        assert_eq!(v.least_loaded("x", &extra).as_deref(), Some("a"));
    }

    #[test]
    fn a_load_balancer_is_never_a_placement_target() {
        let v = ServerView::new(vec!["lb".into(), "a".into()]).with_balancers(["lb".to_owned()]);
        assert!(v.is_balancer("lb") && !v.is_balancer("a"));
        assert_eq!(v.least_loaded("x", &HashMap::new()).as_deref(), Some("a"));
        v.reserve("a");
        v.reserve("a");
        assert_eq!(
            v.least_loaded("x", &HashMap::new()).as_deref(),
            Some("a"),
            "however loaded the others are"
        );
        assert_eq!(v.least_loaded("a", &HashMap::new()), None);
    }
}

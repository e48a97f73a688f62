//! The status poller: every `bbb.poll_interval_secs`, getMeetings on every server.
//!
//! A round asks at most `status.poll_concurrency` servers at a time, and each call has a
//! deadline (the client's timeouts plus a guard here), so one slow or dead server cannot stall
//! a round: a round over 300 servers takes about ⌈300 / concurrency⌉ × latency. Each answer
//! feeds the hysteresis ([`HealthTracker`]); failures are stored in words ([`explain::human`])
//! and logged, and the loop never stops on them. A round longer than the interval is logged
//! and marked in the snapshot. Tests call [`Poller::poll_once`] directly instead of waiting
//! for the timer.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt};

use crate::bbb::{BbbClient, BbbError, Endpoint, Meeting};
use crate::clock::Clock;
use crate::rooms::registry::Registry;
use crate::status::explain;
use crate::status::health::HealthTracker;
use crate::status::metrics::Metrics;
use crate::status::snapshot::{ServerStatus, Snapshot, StatusStore};

/// What one poll found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PollReport {
    /// Servers that answered.
    pub up: usize,
    /// Servers that did not.
    pub down: usize,
}

/// How a poller polls.
#[derive(Clone, Copy, Debug)]
pub struct PollOptions {
    /// The client's total timeout per call.
    pub call_timeout: Duration,
    /// Servers asked at the same time.
    pub concurrency: usize,
    /// The poll interval (a longer round is an overrun).
    pub interval: Duration,
    /// Failed polls in a row before DOWN.
    pub down_after: u32,
    /// Good polls in a row before UP.
    pub up_after: u32,
}

/// Polls BBB servers and publishes snapshots.
#[derive(Clone)]
pub struct Poller {
    client: BbbClient,
    servers: Arc<Vec<Endpoint>>,
    store: StatusStore,
    guard: Duration,
    concurrency: usize,
    interval: Duration,
    health: Arc<HealthTracker>,
    metrics: Arc<Metrics>,
    clock: Clock,
    /// Upstream load balancers, and where to find the meetings hallway created on them.
    balancers: Arc<HashSet<String>>,
    registry: Arc<Registry>,
}

impl Poller {
    /// A poller over `servers`.
    pub fn new(
        client: BbbClient,
        servers: Arc<Vec<Endpoint>>,
        store: StatusStore,
        options: PollOptions,
        metrics: Arc<Metrics>,
        clock: Clock,
    ) -> Self {
        Self {
            client,
            servers,
            store,
            guard: options.call_timeout + Duration::from_secs(1),
            concurrency: options.concurrency.max(1),
            interval: options.interval,
            health: Arc::new(HealthTracker::new(options.down_after, options.up_after)),
            metrics,
            clock,
            balancers: Arc::new(HashSet::new()),
            registry: Arc::new(Registry::default()),
        }
    }

    /// Marks these servers as upstream load balancers (Scalelite, BBBLB). Their getMeetings is
    /// tried first; when it fails (BBBLB 0.0.18 answers internalError), the balancer is alive
    /// if its API root answers, and its meetings are the ones `registry` knows live there,
    /// each asked with getMeetingInfo.
    pub fn with_balancers(
        mut self,
        names: impl IntoIterator<Item = String>,
        registry: Arc<Registry>,
    ) -> Self {
        self.balancers = Arc::new(names.into_iter().collect());
        self.registry = registry;
        self
    }

    /// A balancer without a usable meeting list: its API root for liveness, then
    /// getMeetingInfo for every meeting hallway knows live on it (unknown ones are gone).
    async fn poll_balancer_meetings(&self, ep: &Endpoint) -> Result<Vec<Meeting>, BbbError> {
        self.client.api_version(ep).await?;
        let mut ids: Vec<String> = self
            .registry
            .live()
            .into_iter()
            .filter(|r| r.server == ep.name)
            .map(|r| r.meeting_id)
            .collect();
        ids.sort();
        ids.dedup();
        let mut meetings = Vec::new();
        for id in ids {
            match self.client.get_meeting_info(ep, &id).await {
                Ok(m) => meetings.push(m),
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(meetings)
    }

    async fn poll_server(&self, ep: &Endpoint) -> ServerStatus {
        let t0 = Instant::now();
        let balancer = self.balancers.contains(&ep.name);
        let result = tokio::time::timeout(self.guard, async {
            // The version comes from the API root once and is cached by the client.
            let version = self.client.server_version(ep).await.ok();
            let listed = self.client.get_meetings(ep).await;
            match listed {
                Err(e) if balancer => {
                    let note = format!(
                        "the balancer's meeting list is unavailable ({}); meetings come from \
                         getMeetingInfo per room",
                        explain::human(&e)
                    );
                    (version, self.poll_balancer_meetings(ep).await, Some(note))
                }
                other => (version, other, None),
            }
        })
        .await;
        let took_ms = t0.elapsed().as_millis() as u64;
        let (version, meetings, error, list_note) = match result {
            Ok((v, Ok(m), note)) => (v, m, None, note),
            Ok((v, Err(e), note)) => (v, Vec::new(), Some(explain::human(&e)), note),
            Err(_) => (
                None,
                Vec::new(),
                Some(format!("no answer within {} s", self.guard.as_secs())),
                None,
            ),
        };
        if let Some(msg) = &error {
            tracing::warn!(server = %ep.name, error = %msg, "status poll failed");
        }
        let health = self.health.observe(&ep.name, error.is_none());
        ServerStatus {
            name: ep.name.clone(),
            error,
            meetings,
            took_ms,
            version: version.map(|v| v.to_string()),
            health,
            list_note,
        }
    }

    /// Polls every server once (bounded concurrency, a deadline each) and publishes the
    /// snapshot.
    pub async fn poll_once(&self) -> PollReport {
        let started_at = self.clock.now();
        let t0 = Instant::now();
        // Owned futures (a clone of the poller each: all `Arc`s), so the round is `Send`.
        let calls: Vec<_> = self
            .servers
            .iter()
            .map(|ep| {
                let (this, ep) = (self.clone(), ep.clone());
                async move { this.poll_server(&ep).await }
            })
            .collect();
        let servers: Vec<ServerStatus> = stream::iter(calls)
            .buffered(self.concurrency)
            .collect()
            .await;
        let round = t0.elapsed();
        let overran = round > self.interval;
        if overran {
            tracing::warn!(
                took_ms = round.as_millis() as u64,
                interval_s = self.interval.as_secs(),
                servers = servers.len(),
                "status round took longer than the poll interval; raise status.poll_concurrency \
                 or bbb.poll_interval_secs"
            );
        }
        let up = servers.iter().filter(|s| s.is_up()).count();
        let report = PollReport {
            up,
            down: servers.len() - up,
        };
        self.metrics.observe_round(&servers, round);
        self.store.publish(Snapshot {
            started_at,
            finished_at: self.clock.now(),
            round_ms: round.as_millis() as u64,
            overran,
            servers,
        });
        report
    }
}

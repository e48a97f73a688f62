//! The status poller: every `bbb.poll_interval_secs`, getMeetings on every server.
//!
//! A round asks at most `status.poll_concurrency` servers at a time, and each call has a
//! deadline (the client's timeouts plus a guard here), so one slow or dead server cannot stall
//! a round: a round over 300 servers takes about ⌈300 / concurrency⌉ × latency. Each answer
//! feeds the hysteresis ([`HealthTracker`]); failures are stored in words ([`explain::human`])
//! and logged, and the loop never stops on them. A round longer than the interval is logged
//! and marked in the snapshot. Tests call [`Poller::poll_once`] directly instead of waiting
//! for the timer.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt};

use crate::bbb::{BbbClient, Endpoint};
use crate::clock::Clock;
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
        }
    }

    async fn poll_server(&self, ep: &Endpoint) -> ServerStatus {
        let t0 = Instant::now();
        let result = tokio::time::timeout(self.guard, async {
            // The version comes from the API root once and is cached by the client.
            let version = self.client.server_version(ep).await.ok();
            (version, self.client.get_meetings(ep).await)
        })
        .await;
        let took_ms = t0.elapsed().as_millis() as u64;
        let (version, meetings, error) = match result {
            Ok((v, Ok(m))) => (v, m, None),
            Ok((v, Err(e))) => (v, Vec::new(), Some(explain::human(&e))),
            Err(_) => (
                None,
                Vec::new(),
                Some(format!("no answer within {} s", self.guard.as_secs())),
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

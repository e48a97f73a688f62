//! The status poller: every `bbb.poll_interval_secs`, getMeetings on every server at once.
//!
//! Each server call is bounded by the client's timeouts plus a guard here, so one slow or dead
//! server cannot stall a round. Errors are logged and shown as DOWN; the loop never stops on
//! them. Tests call [`Poller::poll_once`] directly instead of waiting for the timer.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::join_all;

use crate::bbb::{BbbClient, Endpoint};
use crate::clock::Clock;
use crate::status::snapshot::{ServerStatus, Snapshot, StatusStore};
use crate::telemetry::error_chain;

/// What one poll found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PollReport {
    /// Servers that answered.
    pub up: usize,
    /// Servers that did not.
    pub down: usize,
}

/// Polls BBB servers and publishes snapshots.
#[derive(Clone)]
pub struct Poller {
    client: BbbClient,
    servers: Arc<Vec<Endpoint>>,
    store: StatusStore,
    guard: Duration,
    clock: Clock,
}

impl Poller {
    /// A poller over `servers`; `call_timeout` is the client's total timeout.
    pub fn new(
        client: BbbClient,
        servers: Arc<Vec<Endpoint>>,
        store: StatusStore,
        call_timeout: Duration,
        clock: Clock,
    ) -> Self {
        Self {
            client,
            servers,
            store,
            guard: call_timeout + Duration::from_secs(1),
            clock,
        }
    }

    /// Polls every server once, concurrently, and publishes the snapshot.
    pub async fn poll_once(&self) -> PollReport {
        let started_at = self.clock.now();
        let calls = self.servers.iter().map(|ep| async move {
            let t0 = Instant::now();
            let result = tokio::time::timeout(self.guard, self.client.get_meetings(ep)).await;
            let took_ms = t0.elapsed().as_millis() as u64;
            let (meetings, error) = match result {
                Ok(Ok(m)) => (m, None),
                Ok(Err(e)) => {
                    let msg = error_chain(&e);
                    tracing::warn!(server = %ep.name, error = %msg, "status poll failed");
                    (Vec::new(), Some(msg))
                }
                Err(_) => {
                    let msg = format!("no answer within {} s", self.guard.as_secs());
                    tracing::warn!(server = %ep.name, error = %msg, "status poll failed");
                    (Vec::new(), Some(msg))
                }
            };
            ServerStatus {
                name: ep.name.clone(),
                error,
                meetings,
                took_ms,
            }
        });
        let servers = join_all(calls).await;
        let up = servers.iter().filter(|s| s.is_up()).count();
        let report = PollReport {
            up,
            down: servers.len() - up,
        };
        self.store.publish(Snapshot {
            started_at,
            finished_at: self.clock.now(),
            servers,
        });
        report
    }
}
